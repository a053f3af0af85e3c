#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The boxes the two view detectors find on every picture under DIR, one
CSV line per file (path, border box, embedded box; x:y:w:h or empty), so
that a change to a detector can be checked against the boxes of the
version before it on a whole corpus:

    bench/accuracy/view_boxes.py --out before.csv DIR...      (old library)
    bench/accuracy/view_boxes.py --compare before.csv DIR...  (new library)

--compare prints every file whose boxes differ and exits 1 if any does.
Files the library cannot decode are listed with the error's name, so a
decoder change shows up too. The library comes from PHASH_LIBRARY (or the
build's libphash.so), the bindings from PYTHONPATH."""
import argparse
import csv
import os
import sys

import phash


def files_under(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, names in os.walk(p):
            dirs.sort()
            for n in sorted(names):
                f = os.path.join(root, n)
                if os.path.isfile(f) and not os.path.islink(f):
                    yield f


def box(v):
    return "" if v is None else f"{v.x}:{v.y}:{v.width}:{v.height}"


def boxes(paths):
    """{path: (border, embedded)} for every file under paths."""
    out = {}
    dec = phash.Decoder()
    ex = phash.Expander()
    for f in files_under(paths):
        try:
            img = dec.decode_file(f)
        except phash.PhashError as e:
            out[f] = (f"error:{e.name}", "")
            continue
        out[f] = (box(ex.border(img)), box(ex.embedded(img)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--files-from", help="also every file named in this file (one path a line)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write the boxes to this CSV")
    g.add_argument("--compare", help="compare with the boxes of this CSV")
    a = ap.parse_args()
    paths = list(a.dirs)
    if a.files_from:
        with open(a.files_from) as fh:
            paths += [line.rstrip("\n") for line in fh if line.strip()]
    if not paths:
        ap.error("no files")
    found = boxes(paths)
    nb = sum(1 for b, _ in found.values() if b and not b.startswith("error"))
    ne = sum(1 for _, e in found.values() if e)
    print(f"{len(found)} files, {nb} border boxes, {ne} embedded boxes", file=sys.stderr)
    if a.out:
        with open(a.out, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "border", "embedded"])
            for f, (b, e) in found.items():
                w.writerow([f, b, e])
        return 0
    with open(a.compare, newline="") as fh:
        before = {r["path"]: (r["border"], r["embedded"]) for r in csv.DictReader(fh)}
    diff = 0
    for f in sorted(set(before) | set(found)):
        if before.get(f) != found.get(f):
            diff += 1
            print(f"{f}: before {before.get(f)}, now {found.get(f)}")
    print(f"{diff} of {len(found)} files differ", file=sys.stderr)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
