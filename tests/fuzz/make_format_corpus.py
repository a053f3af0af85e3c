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
    """Run ImageMagick's convert with the output in a temporary file;
    suffix may name the coder too ("bmp3:bmp")."""
    coder, _, ext = suffix.rpartition(":")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out." + ext)
        subprocess.run(["convert"] + args + [(coder + ":" if coder else "") + out], check=True)
        with open(out, "rb") as f:
            return f.read()


def magick_variants(base, variants, suffix):
    """The picture base converted by ImageMagick once per (name, args)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.png")
        base.save(src)
        return {name: magick([src] + args, suffix) for name, args in variants}


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


def tiff_seeds():
    base = picture(40, 30)
    seeds = {}
    for name, args in (("rgb-lzw.tif", ["-compress", "lzw"]),
                       ("rgb-deflate-tiled.tif", ["-compress", "zip", "-define", "tiff:tile-geometry=16x16"]),
                       ("grey16.tif", ["-colorspace", "gray", "-depth", "16"]),
                       ("cmyk.tif", ["-colorspace", "cmyk"]),
                       ("jpeg-ycbcr.tif", ["-compress", "jpeg"]),
                       ("palette.tif", ["-colors", "16"]),
                       ("planar.tif", ["-interlace", "plane"]),
                       ("bilevel-g4.tif", ["-monochrome", "-compress", "group4"]),
                       ("rgba.tif", ["-alpha", "set"]),
                       ("two-pages.tif", None)):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src.png")
            base.save(src)
            if args is None:
                seeds[name] = magick([src, src, "-depth", "8"], "tif")
            else:
                seeds[name] = magick([src, "-depth", "8"] + args if "-depth" not in args else [src] + args, "tif")
    return seeds


def tiff_patches(seeds):
    """ImageWidth/ImageLength of the first IFD set to absurd or zero values."""
    out = {}
    d = seeds["rgb-lzw.tif"]
    le = d[:2] == b"II"
    e = "<" if le else ">"
    ifd = struct.unpack(e + "I", d[4:8])[0]
    n = struct.unpack(e + "H", d[ifd:ifd + 2])[0]
    for name, w, h in (("huge", 1 << 30, 1 << 30), ("bomb", 20000, 20000), ("zero", 0, 30)):
        b = bytearray(d)
        for i in range(n):
            at = ifd + 2 + 12 * i
            tag, typ = struct.unpack(e + "HH", b[at:at + 4])
            if tag in (256, 257):
                v = w if tag == 256 else h
                if typ == 3:
                    b[at + 2:at + 4] = struct.pack(e + "H", 4)
                b[at + 4:at + 8] = struct.pack(e + "I", 1)
                b[at + 8:at + 12] = struct.pack(e + "I", v)
        out["rgb-lzw.%s-size.tif" % name] = bytes(b)
    # A deflate bomb that is a valid file: 6000x6000 of one grey (36 MP
    # from a few tens of KiB).
    out["bomb-6000x6000.tif"] = magick(["-size", "6000x6000", "xc:gray50", "-depth", "8",
                                        "-colorspace", "gray", "-compress", "zip"], "tif")
    return out


def heif_seeds():
    return magick_variants(picture(64, 48), [("plain.heic", ["-quality", "60"]),
                                             ("alpha.heic", ["-alpha", "set", "-quality", "60"])],
                           "heic")


def avif_seeds():
    return magick_variants(picture(64, 48), [("plain.avif", ["-quality", "60"]),
                                             ("grey.avif", ["-colorspace", "gray", "-quality", "60"])],
                           "avif")


def isobmff_patches(seeds, name, ext):
    """The 'ispe' box (image spatial extents) set to absurd or zero sizes."""
    out = {}
    d = seeds[name]
    at = d.find(b"ispe")
    if at < 0:
        return out
    for tag, w, h in (("huge", 1 << 30, 1 << 30), ("bomb", 20000, 20000), ("zero", 0, 48)):
        b = bytearray(d)
        b[at + 8:at + 16] = struct.pack(">II", w, h)
        out["%s.%s-ispe.%s" % (name.split(".")[0], tag, ext)] = bytes(b)
    return out


def bmp_seeds():
    base = picture(37, 21)
    seeds = magick_variants(base, [("rgb24.bmp", ["-type", "truecolor"]),
                                   ("rgba32.bmp", ["-alpha", "set"]),
                                   ("rgb565.bmp", ["-define", "bmp:subtype=RGB565"])], "bmp")
    seeds.update(magick_variants(base, [("v3-rgb24.bmp", ["-type", "truecolor"]),
                                        ("pal8-rle.bmp", ["-colors", "200", "-compress", "rle"]),
                                        ("pal4-rle.bmp", ["-colors", "16", "-compress", "rle"]),
                                        ("pal1.bmp", ["-monochrome"])], "bmp3:bmp"))
    seeds.update(magick_variants(base, [("os2.bmp", ["-colors", "16"])], "bmp2:bmp"))
    seeds["pil-rgb24.bmp"] = pil_bytes(base, "BMP")
    return seeds


def bmp_patches(seeds):
    out = {}
    d = seeds["rgb24.bmp"]
    for tag, w, h in (("huge", 0x7fffffff, 0x7fffffff), ("bomb", 20000, -20000), ("zero", 0, 21),
                      ("negwidth", -37, 21)):
        b = bytearray(d)
        b[18:26] = struct.pack("<ii", w, h)
        out["rgb24.%s-size.bmp" % tag] = bytes(b)
    # RLE8 bomb: a 10000x10000 bitmap of a few runs (100 MP, well under 1 KiB).
    d = bytearray(seeds["pal8-rle.bmp"])
    off = struct.unpack("<I", d[10:14])[0]
    runs = (b"\xff\x01" * 39 + b"\x00\x00") * 4 + b"\x00\x01"
    b = d[:off] + runs
    b[18:26] = struct.pack("<ii", 10000, 10000)
    b[2:6] = struct.pack("<I", len(b))
    out["rle8-bomb-10000x10000.bmp"] = bytes(b)
    return out


def jxl_seeds():
    """Lossless JPEG XL files written through libjxl by the test program
    (Debian 12 has no JPEG XL command-line encoder beside libjxl):
    PHASH_TEST_DECODE_CODECS names the built tests/test_decode_codecs."""
    prog = os.environ["PHASH_TEST_DECODE_CODECS"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([prog, "--write-seeds", tmp], check=True)
        seeds = {}
        for name in sorted(os.listdir(tmp)):
            with open(os.path.join(tmp, name), "rb") as f:
                seeds[name] = f.read()
        return seeds


def jxl_patches(seeds):
    """The size header of the bare codestream (after FF 0A): a small-size
    form rewritten to claim 2^30 x 2^30 and zero... via a codestream whose
    SizeHeader uses the 32-bit form: 'div8' off, both sizes 1<<30."""
    out = {}
    d = seeds["rgb.jxl"]
    if d[:2] != b"\xff\x0a":
        return out
    # SizeHeader bits (LSB first): small=0, height: 2-bit selector 3 (30 bits)
    # value-1, ratio=0, width: selector 3 (30 bits) value-1. The rest of the
    # stream is kept: the decoder must refuse before it matters.
    def size_header(w, h):
        bits = [0]
        def put(v, n):
            for i in range(n):
                bits.append((v >> i) & 1)
        put(3, 2), put(h - 1, 30), put(0, 3), put(3, 2), put(w - 1, 30)
        return bits
    for tag, w, h in (("huge", 1 << 30, 1 << 30), ("bomb", 20000, 20000)):
        bits = size_header(w, h)
        b = bytearray(d[:2]) + bytearray((len(bits) + 7) // 8)
        for i, v in enumerate(bits):
            b[2 + i // 8] |= v << (i % 8)
        out["rgb.%s-size.jxl" % tag] = bytes(b) + d[2 + len(b) - 2:]
    return out


FORMATS = {
    "gif": (gif_seeds, gif_patches),
    "tiff": (tiff_seeds, tiff_patches),
    "heif": (heif_seeds, lambda s: isobmff_patches(s, "plain.heic", "heic")),
    "avif": (avif_seeds, lambda s: isobmff_patches(s, "plain.avif", "avif")),
    "bmp": (bmp_seeds, bmp_patches),
    "jxl": (jxl_seeds, jxl_patches),
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
