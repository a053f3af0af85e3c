#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the hostile-file corpus of the decoders added for issue 16
(tests/fuzz/corpus/<format>/): a few valid seeds per format made with
Debian's tools (ImageMagick, Pillow), and from each seed files truncated at
several points, bit-flipped copies (fixed random seed), headers claiming
absurd or zero dimensions, and small files claiming huge decodes
(decompression bombs). The output is committed; this script only documents
how it was made (rerun it to regenerate: it is deterministic for a given
ImageMagick/Pillow).

    tests/fuzz/make_format_corpus.py tests/fuzz/corpus [format ...]
"""
import io
import os
import random
import struct
import subprocess
import sys
import tempfile

from PIL import Image


def picture(w, h, mode="RGB", seed=1):
    rnd = random.Random(seed)
    im = Image.new(mode, (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            v = (x * 255 // w, y * 255 // h, (x ^ y) & 255)
            n = rnd.randrange(16)
            if mode == "L":
                px[x, y] = (v[0] + n) & 255
            else:
                px[x, y] = tuple((c + n) & 255 for c in v)
    return im


def pil_bytes(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def magick(args, suffix):
    """Run ImageMagick's convert with the output in a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out." + suffix)
        subprocess.run(["convert"] + args + [out], check=True)
        with open(out, "rb") as f:
            return f.read()


def mutations(name, data, rnd):
    """Truncations and bit flips of one seed."""
    out = {}
    for frac in (0.1, 0.5, 0.9):
        out["%s.trunc%02d" % (name, int(frac * 100))] = data[: max(1, int(len(data) * frac))]
    for i in range(6):
        b = bytearray(data)
        for _ in range(1 + i):
            pos = rnd.randrange(len(b))
            b[pos] ^= 1 << rnd.randrange(8)
        out["%s.flip%d" % (name, i)] = bytes(b)
    return out


# ---- per format: seeds and header patches ----

def gif_seeds():
    seeds = {
        "plain.gif": pil_bytes(picture(40, 30).convert("P"), "GIF"),
        "grey-interlaced.gif": pil_bytes(picture(33, 17, "L"), "GIF", interlace=True),
    }
    frames = [picture(24, 24, seed=s).convert("P") for s in (1, 2, 3)]
    seeds["animated.gif"] = pil_bytes(frames[0], "GIF", save_all=True,
                                      append_images=frames[1:], duration=50, loop=0)
    seeds["transparent.gif"] = pil_bytes(picture(16, 16).convert("P"), "GIF", transparency=3)
    return seeds


def gif_patches(seeds):
    """The first image descriptor (',' then left, top, width, height)."""
    out = {}
    d = seeds["plain.gif"]
    pos = d.index(b",", 13)
    for name, w, h in (("huge", 65535, 65535), ("bomb", 16000, 16000), ("zero", 0, 30)):
        b = bytearray(d)
        b[pos + 5:pos + 9] = struct.pack("<HH", w, h)
        out["plain.%s-frame.gif" % name] = bytes(b)
    b = bytearray(d)
    b[6:10] = struct.pack("<HH", 65535, 65535)  # screen only
    out["plain.huge-screen.gif"] = bytes(b)
    # A bomb that is a valid file: a one-colour 5000x5000 frame (25 MP from
    # a few hundred KiB: over the fuzz targets' 4 MP limit, under the default).
    out["bomb-5000x5000.gif"] = pil_bytes(Image.new("P", (5000, 5000)), "GIF")
    return out


FORMATS = {
    "gif": (gif_seeds, gif_patches),
}


def main():
    root = sys.argv[1]
    names = sys.argv[2:] or sorted(FORMATS)
    for fmt in names:
        seeds_fn, patch_fn = FORMATS[fmt]
        rnd = random.Random(16)
        seeds = seeds_fn()
        files = dict(seeds)
        for name, data in sorted(seeds.items()):
            files.update(mutations(name, data, rnd))
        files.update(patch_fn(seeds))
        d = os.path.join(root, fmt)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(files.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%s: %d files, %d bytes" % (fmt, len(files), sum(map(len, files.values()))))


if __name__ == "__main__":
    main()
