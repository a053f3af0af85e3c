# SPDX-License-Identifier: MIT
"""Exact digests through the bindings: known vectors, streaming equal to
one-shot, files equal to Python's hashlib, the empty file, errors."""
import hashlib
import os
import tempfile
import unittest

import phash


class DigestTest(unittest.TestCase):
    def test_known_vectors(self):
        d = phash.digest_bytes(b"abc")
        self.assertEqual(d["md5"], "900150983cd24fb0d6963f7d28e17f72")
        self.assertEqual(d["sha1"], "a9993e364706816aba3e25717850c26c9cd0d89d")
        self.assertEqual(d["sha256"],
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        self.assertEqual(d["size"], 3)

    def test_streaming_and_subset(self):
        data = bytes(range(256)) * 41
        ctx = phash.Digest("sha1,SHA-256")
        for i in range(0, len(data), 1000):
            ctx.update(data[i:i + 1000])
        got = ctx.final()
        self.assertEqual(set(got), {"sha1", "sha256", "size"})
        self.assertEqual(got["sha1"], hashlib.sha1(data).hexdigest())
        self.assertEqual(got["sha256"], hashlib.sha256(data).hexdigest())
        # final() resets: the context serves the next stream.
        self.assertEqual(ctx.update(b"abc").final()["sha1"], hashlib.sha1(b"abc").hexdigest())

    def test_file_matches_hashlib(self):
        data = os.urandom(3 * 1024 * 1024 + 77)
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        try:
            got = phash.digest_file(f.name)
        finally:
            os.unlink(f.name)
        for name in ("md5", "sha1", "sha256"):
            self.assertEqual(got[name], hashlib.new(name, data).hexdigest())
        self.assertEqual(got["size"], len(data))

    def test_empty(self):
        d = phash.digest_bytes(b"")
        for name in ("md5", "sha1", "sha256"):
            self.assertTrue(phash.is_empty_digest(name, d[name]))
        self.assertFalse(phash.is_empty_digest("md5", phash.digest_bytes(b"\0")["md5"]))

    def test_errors(self):
        with self.assertRaises(ValueError):
            phash.Digest("sha512")
        with self.assertRaises(ValueError):
            phash.Digest([])
        with self.assertRaises(phash.PhashError) as cm:
            phash.digest_file("/nonexistent/phash-digest")
        self.assertEqual(cm.exception.name, "ERR_IO")
        self.assertIn("/nonexistent/phash-digest", str(cm.exception))


if __name__ == "__main__":
    unittest.main()


class ExactMatchTest(unittest.TestCase):
    def test_digest_lists_match_exactly(self):
        d = phash.digest_bytes(b"abc")
        empty = phash.digest_bytes(b"")
        s = phash.SignatureSet(keep_flagged=True)
        rep = s.load_bytes(("MediaID;MD5;SHA1;PhotoDNA;Category\n"
                            f"M-1;{d['md5'].upper()};{d['sha1']};QUJD;1\n"
                            f"M-0;{empty['md5']};;;0\n").encode(), "vics.csv")
        self.assertEqual(rep.inserted, 3)
        self.assertEqual(rep.empty_file, 1)
        self.assertEqual(rep.opaque, {"PhotoDNA": 1})
        self.assertEqual(rep.per_algo, {"md5": 2, "sha1": 1})
        self.assertEqual(s.size("md5"), 2)
        m = phash.Matcher(s)
        hits = m.query("md5", d["md5"], 0)
        self.assertEqual(len(hits), 1)
        self.assertEqual(hits[0].hash, d["md5"])
        self.assertEqual(hits[0].owners[0]["id"], "M-1")
        self.assertEqual(hits[0].owners[0]["category"], "1")
        self.assertEqual(hits[0].owners[0]["metadata"], "PhotoDNA=QUJD; Category=1")
        self.assertEqual(len(m.query("sha1", bytes.fromhex(d["sha1"]), 0)), 1)
        # The empty file's digest is in the set but never matches.
        self.assertEqual(m.query("md5", empty["md5"], 0), [])
        with self.assertRaises(ValueError):
            m.query("sha256", d["md5"], 0)
