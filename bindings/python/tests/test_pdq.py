# SPDX-License-Identifier: MIT
"""PDQ bindings against Meta's reference hashes (shared/testdata/pdq)."""
import csv
import os
import unittest

import phash

PDQ = os.path.join(os.environ.get("PHASH_SHARED", "../shared"), "testdata", "pdq")


def setUpModule():
    # A checkout without shared/ skips these tests, naming what is missing;
    # CI (PHASH_REQUIRE_SHARED=1) fails instead.
    if not os.path.isdir(PDQ):
        msg = f"{PDQ} is missing (test data from shared/; configure with -Dshared_dir=DIR)"
        if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
            raise RuntimeError(msg)
        raise unittest.SkipTest(msg)


def rows(name):
    with open(os.path.join(PDQ, "expected", name), newline="") as f:
        return list(csv.DictReader(f))


class TestPdqReference(unittest.TestCase):
    def test_fullres_dihedral_every_row(self):
        with phash.PdqHasher() as h:
            for row in rows("fullres-dihedral.csv"):
                r = h.hash(os.path.join(PDQ, row["path"]), dihedral=True)
                self.assertEqual(r.quality, int(row["quality"]), row["path"])
                for name in phash.pdq.DIHEDRAL:
                    self.assertEqual(r.dihedral[name].hex, row[name], (row["path"], name))

    def test_aligned_variants(self):
        """dihedral="aligned": the image's own hash is the reference's bit for
        bit; a mirrored copy's flipy variant lands on the original's hash
        (the reference's flipy misses it by 6 bits)."""
        sample = os.path.join(os.path.dirname(__file__), "..", "..", "..", "sample")
        orig = os.path.join(sample, "originals", "o0003.png")
        mirror = os.path.join(sample, "variants", "o0003", "mirror.jpg")
        with phash.PdqHasher() as h:
            for row in rows("fullres-dihedral.csv")[:8]:
                r = h.hash(os.path.join(PDQ, row["path"]), dihedral="aligned")
                self.assertEqual(r.hash.hex, row["orig"], row["path"])
                self.assertEqual(r.dihedral["orig"].hex, row["orig"], row["path"])
                self.assertEqual(r.quality, int(row["quality"]), row["path"])
            o = h.hash(orig).hash
            self.assertEqual(h.hash(mirror, dihedral=True).dihedral["flipy"].distance(o), 6)
            self.assertEqual(h.hash(mirror, dihedral="aligned").dihedral["flipy"].distance(o), 0)
            with self.assertRaises(ValueError):
                h.hash(orig, dihedral="both")

    def test_cli512_and_memory_and_decoded_image(self):
        row = rows("cpp-cli.csv")[0]
        path = os.path.join(PDQ, row["path"])
        with phash.PdqHasher("cli512") as h:
            self.assertEqual(h.hash(path).hash.hex, row["hash"])
            with open(path, "rb") as f:
                self.assertEqual(h.hash(f.read()).hash.hex, row["hash"])
            with phash.Decoder() as d:
                self.assertEqual(h.hash(d.decode_file(path)).hash.hex, row["hash"])

    def test_errors_carry_status_and_detail(self):
        with phash.PdqHasher() as h:
            with self.assertRaises(phash.PhashError) as cm:
                h.hash(b"definitely not an image")
            self.assertEqual(cm.exception.name, "ERR_NOT_IMAGE")
            with self.assertRaises(phash.PhashError) as cm:
                h.hash("/nonexistent/file.jpg")
            self.assertEqual(cm.exception.name, "ERR_IO")


class TestDecoder(unittest.TestCase):
    def test_decode_facts_and_pixels(self):
        path = os.path.join(PDQ, rows("fullres.csv")[0]["path"])
        with phash.Decoder() as d:
            img = d.decode_file(path)
            self.assertEqual(img.format, "jpeg")
            self.assertEqual(img.channels, 3)
            self.assertEqual(len(img.tobytes()), img.width * img.height * 3)
            with open(path, "rb") as f:
                self.assertEqual(phash.sniff(f.read(16)), "jpeg")
            d.decode_file(path)
            with self.assertRaises(ValueError):
                img.width  # invalidated by the second decode
        with phash.Decoder(max_pixels=1000) as d:
            with self.assertRaises(phash.PhashError) as cm:
                d.decode_file(path)
            self.assertEqual(cm.exception.name, "ERR_TOO_LARGE")


if __name__ == "__main__":
    unittest.main()
