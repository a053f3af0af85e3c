# SPDX-License-Identifier: MIT
"""One API shape: every hasher takes every input kind (path, os.PathLike,
bytes, bytearray, memoryview, PIL image, NumPy arrays of any strides,
decoded and wrapped phash.Image) and gives the same hash; every result has
.hex, .quality and distance operators; hex strings are accepted wherever a
hash is; errors name the argument at fault. Data: sample/ (in the repository)."""
import os
import pathlib
import subprocess
import sys
import unittest

import numpy as np
from PIL import Image as PILImage

import phash

SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLE = os.path.join(SRC, "sample")
PNG = os.path.join(SAMPLE, "originals", "o0003.png")      # lossless: PIL decodes the same pixels
SIGS = os.path.join(SAMPLE, "signatures.csv")
# Pinned by sample/signatures.csv (SAMPLE-0003 by PDQ, SAMPLE-0002 by pHash).
PDQ_O0003 = "fc119f230a56ddc622a5b1a99f58e31bcfd8e0fe3e760aaf982b151b4181e470"
PHASH_O0002 = "e66993e1ba4110be"

HASHERS = {
    "pdq": lambda: phash.PdqHasher(),
    "phash": lambda: phash.PHasher(),
    "dct64": lambda: phash.DctNHasher(8),
    "dct256": lambda: phash.DctNHasher(16),
    "dct1024": lambda: phash.DctNHasher(32),
}


def pixels():
    """The PNG's pixels as a (h, w, 3) array, through the library's decoder."""
    with phash.Decoder() as d:
        return np.asarray(d.decode_file(PNG))


def input_kinds(px):
    """(name, input) for every input kind, all of the same picture."""
    with open(PNG, "rb") as f:
        data = f.read()
    h, w, _ = px.shape
    padded = np.zeros((h, w + 13, 3), np.uint8)     # rows further apart: used in place
    padded[:, :w] = px
    spread = np.zeros((h, w * 2, 3), np.uint8)      # pixels 6 bytes apart: copied
    spread[:, ::2] = px
    planar = np.ascontiguousarray(px.transpose(2, 0, 1)).transpose(1, 2, 0)  # channel-major
    flipped = np.ascontiguousarray(px[::-1])[::-1]  # negative row stride
    rgba = np.dstack([px, np.full((h, w), 255, np.uint8)])
    return [
        ("path str", PNG), ("os.PathLike", pathlib.Path(PNG)), ("bytes", data),
        ("bytearray", bytearray(data)), ("memoryview", memoryview(data)),
        ("PIL RGB", PILImage.open(PNG)), ("PIL RGBA", PILImage.open(PNG).convert("RGBA")),
        ("numpy contiguous", px), ("numpy padded rows", padded[:, :w]),
        ("numpy strided pixels", spread[:, ::2]), ("numpy Fortran order", np.asfortranarray(px)),
        ("numpy channel-major", planar), ("numpy negative stride", flipped),
        ("numpy RGBA", rgba), ("numpy read-only", _readonly(px)),
        ("phash.Image wrapped", phash.Image.from_buffer(px.tobytes(), w, h, "RGB")),
    ]


def _readonly(a):
    a = a.copy()
    a.setflags(write=False)
    return a


class TestEveryHasherEveryInput(unittest.TestCase):
    def test_same_hash_from_every_input_kind(self):
        px = pixels()
        for algo, make in HASHERS.items():
            with make() as h, phash.Decoder() as d:
                want = h.hash(d.decode_file(PNG))
                for kind, src in input_kinds(px):
                    with self.subTest(algo=algo, kind=kind):
                        got = h.hash(src)
                        self.assertEqual(got.hex, want.hex)
                        self.assertEqual(got.quality, want.quality)
                        self.assertEqual(got - want, 0)

    def test_reference_values(self):
        with phash.PdqHasher() as pdq, phash.PHasher() as ph:
            self.assertEqual(pdq.hash(PNG).hex, PDQ_O0003)
            self.assertEqual(ph.hash(os.path.join(SAMPLE, "originals", "o0002.webp")).hex,
                             PHASH_O0002)

    def test_arrays_used_in_place_when_rows_are_packed(self):
        px = pixels()
        h, w, _ = px.shape
        padded = np.zeros((h, w + 13, 3), np.uint8)[:, :w]
        with phash.Image.from_array(padded) as img:
            self.assertIs(img._keepalive, padded)
            self.assertEqual(img.stride, (w + 13) * 3)
        spread = np.zeros((h, w * 2, 3), np.uint8)[:, ::2]
        with phash.Image.from_array(spread) as img:
            self.assertIsNot(img._keepalive, spread)
            self.assertEqual(img.stride, w * 3)

    def test_grey_arrays(self):
        grey = np.asarray(PILImage.open(PNG).convert("L"))
        with phash.PdqHasher() as h:
            a = h.hash(grey)
            self.assertEqual(h.hash(grey[:, :, None]).hex, a.hex)
            self.assertEqual(h.hash(PILImage.fromarray(grey)).hex, a.hex)
            self.assertEqual(h.hash(np.asfortranarray(grey)).hex, a.hex)


class TestResults(unittest.TestCase):
    def test_every_result_has_hex_quality_and_distance(self):
        with phash.PdqHasher() as pdq, phash.PHasher() as ph, phash.DctNHasher(16) as dn:
            a = os.path.join(SAMPLE, "originals", "o0002.webp")
            b = os.path.join(SAMPLE, "variants", "o0002", "jpeg_q30.jpg")
            for h, bits, want in ((pdq, 256, 2), (ph, 64, 0), (dn, 256, None)):
                ra, rb = h.hash(a), h.hash(b)
                self.assertEqual(len(ra.hex), bits // 4)
                self.assertTrue(0 <= ra.quality <= 100)
                d = ra - rb
                self.assertEqual(d, rb - ra)
                self.assertEqual(ra.distance(rb), d)
                self.assertEqual(ra.distance(rb.hex), d)      # hex wherever a hash is
                self.assertEqual(ra - rb.hex, d)
                self.assertEqual(ra - ra, 0)
                if want is not None:                         # the scan's distances (README)
                    self.assertEqual(d, want)

    def test_hex_accepted_wherever_a_hash_is(self):
        with phash.PHasher() as ph, phash.PdqHasher() as pdq:
            r = ph.hash(os.path.join(SAMPLE, "originals", "o0002.webp"))
            p = pdq.hash(PNG)
        self.assertEqual(phash.u64_distance(r, PHASH_O0002), 0)
        self.assertEqual(phash.u64_distance(int(r), PHASH_O0002), 0)
        self.assertEqual(phash.convert_layout(PHASH_O0002, "1.0", "1.0"), r.value)
        self.assertEqual(phash.PdqCode.from_hex(PDQ_O0003).distance(PDQ_O0003), 0)
        self.assertEqual(p.hash, PDQ_O0003)
        with phash.Index(64) as ix:
            ix.add([PHASH_O0002, r], [1, 2])
            ix.build()
            self.assertEqual([(x.id, x.distance) for x in ix.search([PHASH_O0002], 0)[0]],
                             [(1, 0), (2, 0)])
        with phash.Index(256) as ix:
            ix.add([PDQ_O0003, p], [1, 2])
            ix.build()
            self.assertEqual([x.id for x in ix.search([p], 0)[0]], [1, 2])


class TestSetsAndMatches(unittest.TestCase):
    def test_len_and_hex_queries(self):
        with phash.SignatureSet() as s:
            s.load(SIGS)
            self.assertEqual((len(s), s.size("pdq"), s.size("phash")), (18, 9, 9))
            m = phash.Matcher(s)
        with m:
            self.assertEqual(len(m), 18)
            self.assertEqual([x.owners[0]["id"] for x in m.query("phash", PHASH_O0002, 0)],
                             ["SAMPLE-0002"])
            self.assertEqual([x.owners[0]["id"] for x in m.query("pdq", PDQ_O0003, 0)],
                             ["SAMPLE-0003"])

    def test_variant_is_the_clis_name(self):
        # `phash scan --dihedral` prints this file's match as
        # pdq,0,rot90,...,SAMPLE-0003 (tests/test_scan.py checks the CLI side).
        with phash.PdqHasher() as h, phash.SignatureSet() as s:
            r = h.hash(os.path.join(SAMPLE, "variants", "o0003", "rot90.jpg"), dihedral=True)
            s.load(SIGS)
            m = phash.Matcher(s)
        with m:
            hits = m.query("pdq", list(r.dihedral.values()), 31)
            self.assertEqual([(x.distance, x.variant, x.owners[0]["id"]) for x in hits],
                             [(0, "rot90", "SAMPLE-0003")])
            self.assertEqual(m.query("pdq", r, 31), [])  # orig alone: no match


class TestErrorsNameTheArgument(unittest.TestCase):
    def assertRaisesNaming(self, exc, arg, fn, *args, **kw):
        with self.assertRaises(exc) as cm:
            fn(*args, **kw)
        self.assertTrue(str(cm.exception).startswith(arg + ":"), str(cm.exception))

    def test_arguments(self):
        self.assertRaisesNaming(ValueError, "mode", phash.PdqHasher, mode="half")
        self.assertRaisesNaming(ValueError, "layout", phash.PHasher, "2.0")
        self.assertRaisesNaming(ValueError, "s", phash.DctNHasher, 12)
        self.assertRaisesNaming(ValueError, "backend", phash.DctNHasher, 16, "gpu")
        self.assertRaisesNaming(ValueError, "src", phash.convert_layout, 1, "1.1", "1.0")
        with phash.PdqHasher() as h:
            self.assertRaisesNaming(TypeError, "src", h.hash, 42)
            self.assertRaisesNaming(TypeError, "src", h.hash, np.zeros((8, 8), np.float32))
            self.assertRaisesNaming(ValueError, "src", h.hash, np.zeros((8, 8, 5), np.uint8))
            r = h.hash(PNG)
            self.assertRaisesNaming(ValueError, "other", r.distance, "xyz")
            self.assertRaisesNaming(TypeError, "other", r.distance, 3.5)
        with phash.SignatureSet() as s:
            s.load(SIGS)
            m = phash.Matcher(s)
        with m:
            self.assertRaisesNaming(ValueError, "algo", m.query, "md4", PDQ_O0003, 31)
            self.assertRaisesNaming(ValueError, "code", m.query, "phash", "not hex", 4)
            self.assertRaisesNaming(ValueError, "code", m.query, "pdq", [PDQ_O0003] * 3, 4)
        self.assertRaisesNaming(TypeError, "max_side", phash.Decoder, max_side=5)
        self.assertRaisesNaming(ValueError, "mode", phash.Image.from_buffer, b"x" * 4, 2, 2, "CMYK")


class TestImages(unittest.TestCase):
    def test_asarray_gives_the_pixels(self):
        with phash.Decoder() as d:
            img = d.decode_file(PNG)
            a = np.asarray(img)
            self.assertEqual((a.shape, a.dtype), ((img.height, img.width, 3), np.uint8))
        self.assertTrue(np.array_equal(a, np.asarray(PILImage.open(PNG).convert("RGB"))))
        grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
        with phash.Image.from_array(grey) as img:
            self.assertTrue(np.array_equal(np.asarray(img), grey))


class TestImportError(unittest.TestCase):
    def test_clean_message(self):
        env = dict(os.environ, PHASH_LIBRARY="/nonexistent/libphash.so.0")
        p = subprocess.run([sys.executable, "-c", "import phash"], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        last = p.stderr.strip().splitlines()[-1]
        self.assertEqual(last, "ImportError: phash: cannot load the C library libphash "
                         "(tried /nonexistent/libphash.so.0): install it (meson install, as "
                         "root) or set PHASH_LIBRARY to the path of libphash.so.0")

    def test_library_name_per_system(self):
        """Windows loads libphash-0.dll (bindir of the install first), others
        the SONAME from libdir; PHASH_LIBRARY always wins."""
        from phash import _lib
        self.assertEqual(_lib.library_name("nt"), "libphash-0.dll")
        self.assertEqual(_lib.library_name("posix"), "libphash.so.0")
        self.assertEqual(_lib._candidates("nt", {"PHASH_LIBRARY": "C:/x/libphash-0.dll"}),
                         ["C:/x/libphash-0.dll"])
        for osname, name in (("nt", "libphash-0.dll"), ("posix", "libphash.so.0")):
            c = _lib._candidates(osname, {})
            self.assertEqual(c[-1], name)
            self.assertTrue(all(os.path.basename(p) == name for p in c), c)


if __name__ == "__main__":
    unittest.main()
