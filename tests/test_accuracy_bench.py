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
            # the rot180 view (PDQ of the turned pixels) is reported beside
            self.assertIn("png/policy/+both+rot180", r)
            self.assertIn("png/policy-pdq36/+both", r)

    def test_view_boxes(self):
        """view_boxes.py: the boxes each detector finds, written, then
        compared with a later run (equal: exit 0; one box changed: that file
        listed, exit 1)."""
        from PIL import Image
        tool = os.path.join(ROOT, "bench", "accuracy", "view_boxes.py")
        coffee = Image.open(os.path.join(UNRELATED, "coffee.png")).convert("RGB")
        coffee = coffee.resize((300, 200))
        with tempfile.TemporaryDirectory() as d:
            tree = os.path.join(d, "tree")
            os.mkdir(tree)
            coffee.save(os.path.join(tree, "plain.png"))
            framed = Image.new("RGB", (340, 240), (0, 0, 0))          # 20 px black frame
            framed.paste(coffee, (20, 20))
            framed.save(os.path.join(tree, "framed.png"))
            shot = Image.new("RGB", (640, 480), (236, 236, 236))      # picture on a canvas
            shot.paste(coffee, (150, 120))
            shot.save(os.path.join(tree, "shot.png"))
            with open(os.path.join(tree, "notes.txt"), "w") as f:
                f.write("not a picture\n")
            before = os.path.join(d, "before.csv")
            run = [sys.executable, tool]
            subprocess.run(run + ["--out", before, tree], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(before) as f:
                rows = {os.path.basename(r.split(",")[0]): r.rstrip("\n").split(",")[1:]
                        for r in f.readlines()[1:]}
            self.assertEqual(rows["plain.png"], ["", ""])
            self.assertEqual(rows["framed.png"][0], "20:20:300:200")
            self.assertEqual(rows["shot.png"][1], "150:120:300:200")
            self.assertTrue(rows["notes.txt"][0].startswith("error:"))
            same = subprocess.run(run + ["--compare", before, tree], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
            self.assertEqual((same.returncode, same.stdout), (0, ""))
            with open(before) as f:
                text = f.read().replace("20:20:300:200", "20:20:300:199")
            with open(before, "w") as f:
                f.write(text)
            diff = subprocess.run(run + ["--compare", before, tree], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
            self.assertEqual(diff.returncode, 1)
            self.assertEqual(len(diff.stdout.splitlines()), 1)
            self.assertIn("framed.png", diff.stdout)

    def test_unrelated_tree(self):
        """--unrelated-tree: files sniffed by content whatever their name,
        small pictures, exact copies and near-copies dropped, classes by
        pixels; exact counts."""
        from PIL import Image
        with tempfile.TemporaryDirectory() as out:
            tree = os.path.join(out, "tree")
            a = os.path.join(tree, "pkg-a", "usr", "share", "pics")
            b = os.path.join(tree, "pkg-b", "usr", "share", "data")
            os.makedirs(a)
            os.makedirs(b)
            coffee = Image.open(os.path.join(UNRELATED, "coffee.png")).convert("RGB")
            coffee.save(os.path.join(a, "coffee.png"))
            coffee.save(os.path.join(b, "same-bytes.png"))           # exact copy
            coffee.resize((300, 200)).save(os.path.join(a, "coffee-small.jpg"),
                                           quality=90)                # near-copy
            coffee.resize((60, 40)).save(os.path.join(a, "thumb.png"))  # side < 128
            Image.open(os.path.join(UNRELATED, "chelsea.png")).convert("RGB").save(
                os.path.join(b, "cat.dat"), format="JPEG", quality=90)  # named .dat
            logo = Image.new("RGB", (200, 200), (255, 255, 255))       # flat: synthetic
            logo.paste((200, 30, 30), (50, 50, 150, 150))
            logo.save(os.path.join(b, "logo.png"))
            with open(os.path.join(b, "readme.txt"), "w") as f:
                f.write("not a picture\n" * 20)
            cmd = [sys.executable, os.path.join(ROOT, "bench", "accuracy", "run.py"),
                   "--out", out, "--source", os.path.join(ROOT, "sample", "originals"),
                   "--originals", "4", "--transforms", "png,rot180", "--allow-fewer",
                   "--unrelated-tree", tree, "--make-corpus", TOOL, "--jobs", "1"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            u = s["unrelated"]
            self.assertEqual(u["pictures"], 3)
            self.assertEqual({k: u["counts"].get(k, 0) for k in
                              ("files", "images", "side < 128", "exact copy", "near copy")},
                             {"files": 7, "images": 6, "side < 128": 1, "exact copy": 1,
                              "near copy": 1})
            self.assertEqual(u["classes"], {"photo": 2, "synthetic": 1})
            # turned copies: exact through the rot180 view
            self.assertEqual(s["recall"]["rot180/pdq31/orig"], 0.0)
            self.assertEqual(s["recall"]["rot180/policy/+both+rot180"], 1.0)


if __name__ == "__main__":
    unittest.main()
