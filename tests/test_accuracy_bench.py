# SPDX-License-Identifier: MIT
"""bench/accuracy/run.py end to end on a tiny corpus (seconds), so that the
bench cannot rot: 4 originals of sample/ with 5 transforms, the pHash test
pictures of shared/ as the unrelated set. Asserts recall figures that are
fixed by the data (pixels in, hashes out) and the report's presence."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("PHASH_SOURCE_ROOT", ".")
SHARED = os.environ.get("PHASH_SHARED", "../shared")
TOOL = os.path.join(SHARED, "tools", "make_corpus.py")
UNRELATED = os.path.join(SHARED, "testdata", "phash", "images")


def setUpModule():
    missing = [p for p in (TOOL, UNRELATED) if not os.path.exists(p)]
    try:
        import matplotlib  # noqa: F401
        import PIL  # noqa: F401
    except ImportError as e:
        missing.append(f"python3 module {e.name}")
    if missing:
        msg = "missing: " + ", ".join(missing)
        if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
            raise RuntimeError(msg)
        raise unittest.SkipTest(msg)


class TestAccuracyBench(unittest.TestCase):
    def test_tiny_corpus(self):
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, os.path.join(ROOT, "bench", "accuracy", "run.py"),
                   "--out", out, "--source", os.path.join(ROOT, "sample", "originals"),
                   "--originals", "4", "--transforms",
                   "png,jpeg_q30,border_black5,letterbox,screenshot,rot90",
                   "--unrelated-source", UNRELATED, "--unrelated", "10", "--allow-fewer",
                   "--make-corpus", TOOL, "--jobs", "1"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            for name in ("report.md", "recall.png", "distances.png", "hashes.csv"):
                self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
            r = s["recall"]
            self.assertEqual(s["known"]["originals"], 4)
            self.assertEqual(s["known"]["variants"], 24)
            self.assertEqual(s["unrelated"]["pictures"], 10)
            # lossless copies always match; borders only through the border view
            self.assertEqual(r["png/pdq31/orig"], 1.0)
            for t in ("border_black5", "letterbox"):
                self.assertEqual(r[f"{t}/pdq31/orig"], 0.0, t)
                self.assertEqual(r[f"{t}/pdq31/+border"], 1.0, t)
            self.assertEqual(r["screenshot/pdq31/orig"], 0.0)
            self.assertGreaterEqual(r["screenshot/policy/+both"], 0.5)
            # turned copies need the dihedral hashes
            self.assertEqual(r["rot90/pdq31/orig"], 0.0)
            self.assertGreater(r["rot90/pdq31+dih/orig"], 0.0)
            self.assertEqual(s["false_pairs"]["policy/+both/all"], 0)


if __name__ == "__main__":
    unittest.main()
