#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Rebuild the one pHash reference image that shared/ does not carry
(storm_3000x2000.png, 4.6 MB) from the Storm.jpg it does carry, as
shared/testdata/phash/images.csv describes it, and keep it only when its
sha256 is the recorded one (so a different Pillow cannot pass off other
pixels as the reference). Never fails the build: without shared/, without Pillow, or on a
checksum mismatch, the stamp says why and test_dct reports the row as not
checked.

usage: make_phash_extra.py SHARED_PHASH_DIR OUTDIR STAMP
"""
import csv
import hashlib
import os
import sys

NAME = "storm_3000x2000.png"


def main():
    phash_dir, outdir, stamp = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    target = os.path.join(outdir, NAME)
    listing = os.path.join(phash_dir, "images.csv")
    if not os.path.exists(listing):
        # A checkout without shared/ beside it: the tests that need the
        # reference images skip themselves and name what is missing.
        with open(stamp, "w") as f:
            f.write(f"{listing} missing: not generated\n")
        return
    with open(listing, newline="") as f:
        want = next(r for r in csv.DictReader(f) if r["file"] == NAME)["sha256"]
    if os.path.exists(target) and hashlib.sha256(open(target, "rb").read()).hexdigest() == want:
        msg = "ok (cached)"
    else:
        try:
            from PIL import Image
        except ImportError:
            msg = "python3-pil missing: not generated"
        else:
            img = Image.open(os.path.join(phash_dir, "images", "Storm.jpg")).convert("RGB")
            tmp = target + ".tmp"
            img.resize((3000, 2000), Image.BICUBIC).save(tmp, format="PNG")
            got = hashlib.sha256(open(tmp, "rb").read()).hexdigest()
            if got == want:
                os.replace(tmp, target)
                msg = "ok"
            else:
                os.remove(tmp)
                msg = f"sha256 {got} differs from images.csv ({want}): not kept"
    with open(stamp, "w") as f:
        f.write(msg + "\n")


if __name__ == "__main__":
    main()
