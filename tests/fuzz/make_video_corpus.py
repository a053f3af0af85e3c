#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the hostile-video corpus of fuzz-video (tests/fuzz/corpus/video/)
from the small seeds in tests/data/video/: each seed as it is, cut at 1/4,
1/2 and 3/4 and 64 bytes before its end, with 4 single-byte flips
(deterministic positions), and container lies: MP4 sample-entry sizes of
65535x65535 and 0x0, a zero movie timescale, a huge stts sample count;
Matroska and AVI/ASF/FLV frame sizes and rates overwritten where a field is
found. Usage: make_video_corpus.py SEEDS_DIR OUT_DIR"""
import os
import random
import struct
import sys


def mp4_lies(data):
    """MP4/MOV header lies, each in its own copy."""
    out = {}
    for entry in (b"avc1", b"mp4v", b"jpeg", b"hvc1"):
        i = data.find(entry)
        if i > 0 and i + 32 <= len(data):
            # visual sample entry: type, 6 reserved, 2 index, 16 pre-defined,
            # then width and height (16 bits each)
            at = i + 4 + 24
            out["huge-size"] = data[:at] + b"\xff\xff\xff\xff" + data[at + 4:]
            out["zero-size"] = data[:at] + b"\0\0\0\0" + data[at + 4:]
    i = data.find(b"mvhd")
    if i > 0:
        at = i + 4 + 4 + 8  # version/flags, creation and modification times
        out["zero-timescale"] = data[:at] + b"\0\0\0\0" + data[at + 4:]
    i = data.find(b"stts")
    if i > 0:
        at = i + 4 + 4 + 4  # version/flags, entry count, then sample count
        out["stts-count"] = data[:at] + b"\x7f\xff\xff\xff" + data[at + 4:]
    i = data.find(b"mdhd")
    if i > 0:
        at = i + 4 + 4 + 8
        out["zero-track-timescale"] = data[:at] + b"\0\0\0\0" + data[at + 4:]
    return out


def generic_lies(data):
    """Overwrite 16/32-bit fields holding the seeds' 64x48 size or 30 fps
    (the first of each, big and little endian) with extreme values."""
    out = {}
    for name, needle, repl in (
            ("w-be16", struct.pack(">HH", 64, 48), b"\xff\xff\xff\xff"),
            ("w-le16", struct.pack("<HH", 64, 48), b"\xff\xff\xff\xff"),
            ("w-le32", struct.pack("<II", 64, 48), struct.pack("<II", 1 << 30, 1 << 30)),
            ("fps-le32", struct.pack("<I", 30), b"\0\0\0\0")):
        i = data.find(needle)
        if i >= 0:
            out[name] = data[:i] + repl + data[i + len(repl):]
    return out


def main():
    seeds, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(12)
    for name in sorted(os.listdir(seeds)):
        if not name.startswith("tiny-") and name != "audio-only.m4a":
            continue
        data = open(os.path.join(seeds, name), "rb").read()
        stem = name.replace(".", "_")
        variants = {"seed": data}
        for k, cut in (("cut25", len(data) // 4), ("cut50", len(data) // 2),
                       ("cut75", 3 * len(data) // 4), ("cutend", len(data) - 64)):
            variants[k] = data[:cut]
        for k in range(4):
            at = rng.randrange(len(data))
            variants["flip%d" % k] = data[:at] + bytes([data[at] ^ 0xff]) + data[at + 1:]
        variants.update(mp4_lies(data) if name.endswith((".mp4", ".mov")) else generic_lies(data))
        for k, v in variants.items():
            with open(os.path.join(out_dir, "%s-%s" % (stem, k)), "wb") as f:
                f.write(v)


if __name__ == "__main__":
    main()
