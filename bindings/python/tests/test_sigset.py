# SPDX-License-Identifier: MIT
"""Signature sets and matching from Python: the sample set end to end."""
import os
import tempfile
import unittest

import phash

ROOT = os.environ.get("PHASH_SOURCE_ROOT", ".")
SAMPLE = os.path.join(ROOT, "sample")


class TestSignatureSet(unittest.TestCase):
    def test_load_report_of_sample_set(self):
        with phash.SignatureSet() as s:
            rep = s.load(os.path.join(SAMPLE, "signatures.csv"))
            self.assertEqual(rep.records, 18)
            self.assertEqual(rep.invalid, 0)
            self.assertEqual(rep.inserted + rep.duplicates, 18)
            self.assertEqual(s.size("pdq") + s.size("phash"), rep.inserted)

    def test_bad_lines_are_reported_with_line_numbers(self):
        good = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
        data = f"{good}\n{good[:-1]}\nzz{good[2:]}\n".encode()
        with phash.SignatureSet() as s:
            rep = s.load_bytes(data, "list.txt")
            self.assertEqual((rep.inserted, rep.invalid), (1, 2))
            self.assertTrue(rep.messages[0].startswith("list.txt:2: "), rep.messages)
            self.assertTrue(rep.messages[1].startswith("list.txt:3: "), rep.messages)
        with phash.SignatureSet(strict=True) as s:
            with self.assertRaises(phash.PhashError) as cm:
                s.load_bytes(data, "list.txt")
            self.assertEqual(cm.exception.name, "ERR_BAD_FILE")
            self.assertIn("list.txt:2", str(cm.exception))

    def test_save_release_writes_the_same_file_and_empties_the_set(self):
        with tempfile.TemporaryDirectory() as d, phash.SignatureSet() as s:
            s.load(os.path.join(SAMPLE, "signatures.csv"))
            n = len(s)
            self.assertEqual(n, 18)
            s.save(os.path.join(d, "plain.phx"))
            s.save(os.path.join(d, "released.phx"), release=True)
            with open(os.path.join(d, "plain.phx"), "rb") as a, \
                    open(os.path.join(d, "released.phx"), "rb") as b:
                self.assertEqual(a.read(), b.read())
            self.assertEqual(len(s), 0)
            s.load(os.path.join(SAMPLE, "signatures.csv"))
            self.assertEqual(len(s), n)


class TestMatcher(unittest.TestCase):
    def test_hash_and_match_sample_original(self):
        path = os.path.join(SAMPLE, "originals", "o0008.jpg")
        with phash.PdqHasher() as h:
            code = h.hash(path).hash
        with tempfile.TemporaryDirectory() as d:
            compiled = os.path.join(d, "sample.phx")
            with phash.SignatureSet() as s:
                s.load(os.path.join(SAMPLE, "signatures.csv"))
                s.save(compiled)
            with phash.Matcher(compiled) as m:
                hits = m.query("pdq", code, 31)
                self.assertEqual([(x.distance, x.owners[0]["id"]) for x in hits],
                                 [(0, "SAMPLE-0008")])
                self.assertEqual(hits[0].hash, code.hex)
                # A corrupt replacement leaves the old set serving.
                bad = os.path.join(d, "bad.phx")
                with open(bad, "wb") as f:
                    f.write(b"garbage" * 10)
                with self.assertRaises(phash.PhashError):
                    m.replace(bad)
                self.assertEqual(len(m.query("pdq", code, 31)), 1)


if __name__ == "__main__":
    unittest.main()
