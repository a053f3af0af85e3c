#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the corpus of the PDF fuzz target (tests/fuzz/corpus/pdf): small
PDF documents around tests/data/containers/sample.jpg and sample.ppm (a JPEG
stream, Flate rasters without and with PNG/TIFF predictors, grey, 1-bit,
16-bit, palette, CMYK and JPX images, a stencil mask, an unreferenced image,
a 20000x20000 dictionary bomb, an object stream, a broken xref), plus for
each seed its truncations (10/50/90 %) and 4 copies with one flipped byte.
Deterministic.

    python3 tests/fuzz/make_pdf_corpus.py tests/fuzz/corpus/pdf
"""
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "containers")


def pdf(images, extra=b"", good_xref=True):
    """images: (dict text, stream bytes); objects 1-3 catalog, pages, page."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 96 60] /Resources << /XObject << "
            b"/Im1 4 0 R >> >> >>"]
    for d, data in images:
        objs.append(b"<< " + d.encode() + b" /Length %d >>\nstream\n" % len(data) + data +
                    b"\nendstream")
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    out += extra
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % (o if good_xref else o + 7)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return bytes(out)


def img(w, h, cs, bpc, filt, extra=""):
    return ("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            "/BitsPerComponent %d %s %s" % (w, h, cs, bpc, filt, extra)).strip()


def png_rows(px, w, h, c):
    out = bytearray()
    row = w * c
    for y in range(h):
        out.append(1)  # Sub
        r = px[y * row:(y + 1) * row]
        out += bytes((r[i] - (r[i - c] if i >= c else 0)) & 255 for i in range(row))
    return bytes(out)


def seeds():
    jpg = open(os.path.join(DATA, "sample.jpg"), "rb").read()
    ppm = open(os.path.join(DATA, "sample.ppm"), "rb").read()
    px = ppm[13:]
    grey = bytes((px[3 * i] * 3 + px[3 * i + 1] * 6 + px[3 * i + 2]) // 10 for i in range(96 * 60))
    fl = "/Filter /FlateDecode"
    s = {}
    s["dct.pdf"] = pdf([(img(96, 60, "/DeviceRGB", 8, "/Filter /DCTDecode"), jpg)])
    s["flate_rgb.pdf"] = pdf([(img(96, 60, "/DeviceRGB", 8, fl), zlib.compress(px, 9))])
    s["png_pred.pdf"] = pdf([(img(96, 60, "/DeviceRGB", 8, fl,
                                  "/DecodeParms << /Predictor 12 /Colors 3 /Columns 96 >>"),
                              zlib.compress(png_rows(px, 96, 60, 3), 9))])
    s["tiff_pred.pdf"] = pdf([(img(96, 60, "/DeviceGray", 8, fl,
                                   "/DecodeParms << /Predictor 2 /Colors 1 /Columns 96 >>"),
                               zlib.compress(grey, 9))])
    s["grey.pdf"] = pdf([(img(96, 60, "/DeviceGray", 8, fl), zlib.compress(grey, 9))])
    bits = bytearray(96 * 60 // 8)
    for i, g in enumerate(grey):
        if g >= 128:
            bits[i // 8] |= 0x80 >> (i % 8)
    s["bits1.pdf"] = pdf([(img(96, 60, "/DeviceGray", 1, fl), zlib.compress(bytes(bits)))])
    s["bits16.pdf"] = pdf([(img(96, 60, "/DeviceRGB", 16, fl),
                            zlib.compress(bytes(b for v in px for b in (v, v))))])
    pal = bytes(v for g in range(256) for v in (g, g, g))
    s["indexed.pdf"] = pdf([(img(96, 60, "[/Indexed /DeviceRGB 255 <%s>]" % pal.hex(), 8, fl),
                             zlib.compress(grey, 9))])
    s["indexed_stream.pdf"] = pdf([(img(96, 60, "[/Indexed /DeviceGray 15 5 0 R]", 4, fl),
                                    zlib.compress(bytes(g & 0xff for g in grey[:2880]))),
                                   ("/Filter /FlateDecode", zlib.compress(bytes(range(0, 256, 16))))])
    s["cmyk_jpx_mask.pdf"] = pdf([(img(4, 4, "/DeviceCMYK", 8, fl), zlib.compress(bytes(64))),
                                  (img(96, 60, "/DeviceRGB", 8, "/Filter /JPXDecode"), b"\0" * 32),
                                  ("/Subtype /Image /Width 8 /Height 8 /ImageMask true "
                                   "/BitsPerComponent 1", bytes(8))])
    s["bomb_dict.pdf"] = pdf([(img(20000, 20000, "/DeviceRGB", 8, fl),
                               zlib.compress(bytes(1 << 16), 9))])
    s["decode_array.pdf"] = pdf([(img(96, 60, "/DeviceGray", 8, fl, "/Decode [1 0]"),
                                  zlib.compress(grey, 9))])
    s["broken_xref.pdf"] = pdf([(img(96, 60, "/DeviceRGB", 8, "/Filter /DCTDecode"), jpg)],
                               good_xref=False)
    s["unreferenced.pdf"] = pdf([(img(96, 60, "/DeviceGray", 8, fl), zlib.compress(grey, 9)),
                                 (img(96, 60, "/DeviceRGB", 8, "/Filter /DCTDecode"), jpg)])
    s["huge_size.pdf"] = s["dct.pdf"].replace(b"/Size 5", b"/Size 2147483647")
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(16)
    for name, data in sorted(seeds().items()):
        variants = {name: data}
        for pct in (10, 50, 90):
            variants[f"{name}.trunc{pct}"] = data[:len(data) * pct // 100]
        for k in range(4):
            b = bytearray(data)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            variants[f"{name}.flip{k}"] = bytes(b)
        for n, d in variants.items():
            with open(os.path.join(out, n), "wb") as f:
                f.write(d)


if __name__ == "__main__":
    main()
