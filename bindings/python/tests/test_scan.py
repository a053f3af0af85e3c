# SPDX-License-Identifier: MIT
"""The library scanner from Python: the sample set's exact matches, reports
of every file, hashes equal to the hashers', bytes, cancelling a generator."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import phash  # noqa: E402

ROOT = os.environ.get("PHASH_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLE = os.path.join(ROOT, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")


class ScanTest(unittest.TestCase):
    def test_sample_folder_matches(self):
        rows = set()
        files = 0
        for r in phash.scan([SAMPLE], signatures=SIGS, threads=2):
            files += 1
            for m in r.matches:
                rows.add((os.path.relpath(r.path, ROOT), m.algo, m.distance, m.variant, m.id))
        self.assertEqual(files, 61)
        self.assertEqual(len(rows), 29)  # 6 through the dihedral hashes (default)
        self.assertIn(("sample/variants/o0002/scale50.jpg", "pdq", 20, "orig", "SAMPLE-0002"), rows)
        self.assertIn(("sample/variants/o0008/caption.jpg", "phash", 4, "orig", "SAMPLE-0008"), rows)

    def test_alert_policy_and_weak_matches(self):
        cap6 = os.path.join(SAMPLE, "variants", "o0006", "caption.jpg")  # pHash 4, no PDQ entry
        cap8 = os.path.join(SAMPLE, "variants", "o0008", "caption.jpg")  # pHash 4, PDQ 34
        with phash.Scanner(signatures=SIGS) as s:
            self.assertEqual(s.scan_file(cap6).matches, [])
            self.assertEqual(sorted((m.algo, m.distance, m.level) for m in s.scan_file(cap8).matches),
                             [("pdq", 34, "alert"), ("phash", 4, "alert")])
        with phash.Scanner(signatures=SIGS, weak=True) as s:
            got = [(m.algo, m.distance, m.id, m.level) for m in s.scan_file(cap6).matches]
            self.assertEqual(got, [("phash", 4, "SAMPLE-0006", "weak")])
            c = s.counters()
            self.assertEqual((c["matches"], c["weak_matches"], c["matched_files"]), (0, 1, 0))
        with phash.AlertPolicy(phash_needs_pdq=-1) as p, \
                phash.Scanner(signatures=SIGS, alert_policy=p) as s:
            got = [(m.algo, m.distance, m.level) for m in s.scan_file(cap6).matches]
            self.assertEqual(got, [("phash", 4, "alert")])

    def test_hashes_equal_hashers_and_bytes(self):
        path = os.path.join(SAMPLE, "originals", "o0008.jpg")
        with phash.Scanner(algorithms="pdq,phash,md5") as s:
            r = s.scan_file(path)
            self.assertTrue(r.ok)
            self.assertEqual(r.kind, "image")
            self.assertEqual(r.format, "jpeg")
            self.assertEqual(r.hash("pdq"),
                             "27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29")
            self.assertEqual(r.hash("phash"), "282ed7298cd739a4")
            import hashlib
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(r.hash("md5"), hashlib.md5(data).hexdigest())
            b = s.scan_bytes(data, name="mem.jpg")
            self.assertEqual(b.path, "mem.jpg")
            self.assertEqual([h.hex for h in b.hashes], [h.hex for h in r.hashes])
            self.assertEqual(s.counters()["files_opened"], 1)
            t = s.scan_bytes(b"hello")
            self.assertTrue(t.ok)
            self.assertEqual(t.kind, "other")
            self.assertEqual([h.algo for h in t.hashes], ["md5"])  # digests of any file

    def test_members_of_archives(self):
        import hashlib
        import io
        import tarfile
        import zipfile
        path = os.path.join(SAMPLE, "originals", "o0008.jpg")
        with open(path, "rb") as f:
            data = f.read()
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/media/image1.jpg", data)
            z.writestr("word/document.xml", "<w/>")
        outer = io.BytesIO()
        with tarfile.open(fileobj=outer, mode="w:gz") as t:
            ti = tarfile.TarInfo("docs/report.docx")
            ti.size = len(inner.getvalue())
            t.addfile(ti, io.BytesIO(inner.getvalue()))
        with phash.Scanner(signatures=SIGS, algorithms="pdq,phash,md5") as s:
            r = s.scan_bytes(outer.getvalue(), name="backup.tgz")
            self.assertEqual((r.path, r.kind, r.format, r.status, r.depth),
                             ("backup.tgz", "container", "gzip", "OK", 0))
            got = [(m.path, m.depth, m.kind, m.status) for m in r.members]
            self.assertEqual(got, [
                ("backup.tgz!docs/report.docx!word/media/image1.jpg", 2, "image", "OK"),
                ("backup.tgz!docs/report.docx!word/document.xml", 2, "other", "OK"),
                ("backup.tgz!docs/report.docx", 1, "container", "OK")])
            jpg = r.members[0]
            self.assertEqual(jpg.hash("pdq"),
                             "27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29")
            self.assertEqual(jpg.hash("md5"), hashlib.md5(data).hexdigest())
            self.assertEqual(sorted((m.algo, m.distance, m.id) for m in jpg.matches),
                             [("pdq", 0, "SAMPLE-0008"), ("phash", 0, "SAMPLE-0008")])
            c = s.counters()
            self.assertEqual((c["containers"], c["members"]), (2, 3))
        with phash.Scanner(container_depth=0) as s:
            r = s.scan_bytes(outer.getvalue(), name="backup.tgz")
            self.assertEqual((r.status, r.members), ("OK", []))

    def test_formats(self):
        f = phash.formats()
        # (Formats a build may leave out: meson options, listed by the test.)
        left_out = os.environ.get("PHASH_FORMATS_LEFT_OUT", "").split()
        for name in ("jpeg", "png", "webp", "gif", "bmp", "tiff", "heif", "avif", "jxl", "pnm"):
            self.assertEqual(f[name], {"kind": "image", "supported": name not in left_out}, name)
        for name in ("zip", "7z", "tar", "gzip", "bzip2", "xz", "zstd", "pdf"):
            self.assertEqual(f[name], {"kind": "container", "supported": True}, name)
        for name in ("rar", "cfb"):
            self.assertEqual(f[name], {"kind": "container", "supported": False}, name)
        self.assertEqual(f["mp4"]["kind"], "video")
        import io
        import tarfile
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode="w") as t:
            t.addfile(tarfile.TarInfo("empty"))
        self.assertEqual(phash.sniff(b.getvalue()), "tar")
        self.assertEqual(phash.sniff(b"PK\3\4" + bytes(30)), "zip")
        self.assertEqual(phash.sniff(b"%PDF-1.7\n"), "pdf")

    def test_border_view(self):
        import numpy as np
        img = phash.Decoder().decode_file(os.path.join(SAMPLE, "originals", "o0008.jpg"))
        px = np.asarray(img)
        framed = np.zeros((px.shape[0] + 300, px.shape[1] + 300, 3), dtype=np.uint8)
        framed[150:150 + px.shape[0], 150:150 + px.shape[1]] = px
        pnm = b"P6\n%d %d\n255\n" % (framed.shape[1], framed.shape[0]) + framed.tobytes()
        with phash.Scanner(signatures=SIGS, expand="border") as s:
            r = s.scan_bytes(pnm, name="framed.pnm")
        got = sorted((m.algo, m.distance, m.view, m.id) for m in r.matches)
        self.assertEqual(got, [("pdq", 0, "border", "SAMPLE-0008"),
                               ("phash", 0, "border", "SAMPLE-0008")])
        with self.assertRaises(ValueError):
            phash.Scanner(expand="rot")

    def test_errors_and_options(self):
        with self.assertRaises(phash.PhashError) as cm:
            phash.Scanner(algorithms="pdq,md4")
        self.assertIn("md4", str(cm.exception))
        with self.assertRaises(TypeError):
            phash.Scanner(colour=1)
        with phash.Scanner() as s:
            r = s.scan_file(os.path.join(SAMPLE, "no-such-file.jpg"))
            self.assertEqual(r.status, "ERR_IO")
            self.assertIn("no-such-file.jpg", r.detail)

    def test_cpu_budget(self):
        # max_cpu: percent of one core; at 2% each decode leaves a debt that
        # the scan sleeps off (counted), with the same reports as without.
        with phash.Scanner(signatures=SIGS, max_cpu=2) as s:
            reports = list(s.scan([os.path.join(SAMPLE, "originals")]))
            self.assertEqual(len(reports), 8)
            self.assertEqual(sum(len(r.matches) for r in reports), 6)
            self.assertGreater(s.counters()["throttled_ms"], 0)
        with self.assertRaises(phash.PhashError):
            phash.Scanner(max_cpu=-1)

    def test_leaving_early_cancels(self):
        with phash.Scanner() as s:
            it = s.scan([SAMPLE])
            first = next(it)
            self.assertTrue(first.path.startswith(SAMPLE))
            it.close()  # cancels the C scan and joins its thread
            self.assertLess(s.counters()["files"], 61 + 64)
            again = list(s.scan([SAMPLE]))  # the scanner is usable again
            self.assertEqual(len(again), 61)

    def test_each_match_names_its_own_hash(self):
        # Two signatures of one file at distances 1 and 3: each record names
        # its entry's hash (all used to name the last one the matcher formatted).
        h = int("27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29", 16)
        near = {"A": format(h ^ 1, "064x"), "B": format(h ^ 7, "064x")}
        s = phash.SignatureSet()
        s.load_bytes(("signal_type,signal_str,id\n" + "".join(
            f"pdq,{v},{k}\n" for k, v in near.items())).encode(), name="two.csv")
        with phash.Scanner(signatures=s) as sc:
            r = sc.scan_file(os.path.join(SAMPLE, "originals", "o0008.jpg"))
        self.assertEqual(sorted((m.id, m.distance, m.hash) for m in r.matches),
                         [("A", 1, near["A"]), ("B", 3, near["B"])])


def _relpaths(reports, root):
    return [os.path.relpath(r.path, root) for r in reports]


class WalkOptions(unittest.TestCase):
    """The walk as phash scan's: follow, one_file_system, exclude, ordered."""

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="phash-walk-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.root = os.path.join(self.tmp, "root")
        outside = os.path.join(self.tmp, "outside")
        for d in ("sub", "skip", "sub/deep"):
            os.makedirs(os.path.join(self.root, d))
        os.makedirs(outside)
        photo = os.path.join(SAMPLE, "originals", "o0003.png")
        for name in ("a.png", "sub/b.png", "skip/c.png", "sub/deep/d.png"):
            shutil.copy(photo, os.path.join(self.root, name))
        shutil.copy(photo, os.path.join(outside, "e.png"))
        os.symlink(outside, os.path.join(self.root, "to-outside"))
        os.symlink("sub/b.png", os.path.join(self.root, "link.png"))
        os.symlink("../outside/e.png", os.path.join(self.root, "outfile.png"))

    def scan(self, *paths, **options):
        with phash.Scanner(signatures=SIGS, algorithms="pdq", **options) as s:
            return sorted(_relpaths(s.scan(list(paths) or [self.root]), self.root))

    def test_links_not_followed_by_default(self):
        self.assertEqual(self.scan(), ["a.png", "skip/c.png", "sub/b.png", "sub/deep/d.png"])

    def test_follow_stays_inside_the_path(self):
        inside = ["a.png", "link.png", "skip/c.png", "sub/b.png", "sub/deep/d.png"]
        self.assertEqual(self.scan(follow=True), inside)  # never to ../outside
        self.assertEqual(self.scan(follow_links=True), inside)  # the C name, same option
        with self.assertRaises(TypeError):
            phash.Scanner(follow=True, follow_links=False)

    def test_exclude(self):
        self.assertEqual(self.scan(exclude="skip"), ["a.png", "sub/b.png", "sub/deep/d.png"])
        self.assertEqual(self.scan(exclude=["skip", "deep"]), ["a.png", "sub/b.png"])
        self.assertEqual(self.scan(exclude=[b"*.png"]), [])
        self.assertEqual(self.scan(exclude=os.path.join(self.root, "sub", "*")),
                         ["a.png", "skip/c.png"])  # a '/': the whole path
        # a PATH named is never left out
        self.assertEqual(self.scan(os.path.join(self.root, "skip", "c.png"), exclude="*.png"),
                         ["skip/c.png"])
        with self.assertRaises(ValueError) as cm:
            phash.Scanner(exclude="")
        self.assertIn("exclude", str(cm.exception))
        with self.assertRaises(TypeError) as cm:
            phash.Scanner(exclude=[3])
        self.assertIn("exclude", str(cm.exception))

    def test_one_file_system(self):
        import subprocess
        mnt = os.path.join(self.root, "mnt")
        os.makedirs(mnt)
        probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none " + mnt],
                               capture_output=True)
        if probe.returncode != 0:
            self.skipTest("cannot mount a tmpfs in a mount namespace (needs root): "
                          + probe.stderr.decode().strip())
        code = ("import os, sys, phash\n"
                "s = phash.Scanner(one_file_system=sys.argv[2] == '1')\n"
                "print(sorted(os.path.relpath(r.path, sys.argv[1]) for r in s.scan(sys.argv[1])))")
        script = (f'mount -t tmpfs none "{mnt}" && cp "{self.root}/a.png" "{mnt}/m.png" && '
                  f'"{sys.executable}" -c "$0" "$@"')
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
        got = {}
        for flag in ("0", "1"):
            p = subprocess.run(["unshare", "-m", "sh", "-c", script, code, self.root, flag],
                               capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            got[flag] = p.stdout.strip()
        self.assertEqual(got["0"], "['a.png', 'mnt/m.png', 'skip/c.png', 'sub/b.png', "
                                   "'sub/deep/d.png']")
        self.assertEqual(got["1"], "['a.png', 'skip/c.png', 'sub/b.png', 'sub/deep/d.png']")

    def test_reports_in_input_order_whatever_the_threads(self):
        with phash.Scanner(signatures=SIGS, threads=1) as s:
            one = _relpaths(s.scan([SAMPLE, self.root]), ROOT)
        self.assertEqual(len(one), 61 + 4)
        for _ in range(3):
            with phash.Scanner(signatures=SIGS, threads=3) as s:
                self.assertEqual(_relpaths(s.scan([SAMPLE, self.root]), ROOT), one)
        with phash.Scanner(signatures=SIGS, threads=3, ordered=False) as s:
            self.assertEqual(sorted(_relpaths(s.scan([SAMPLE, self.root]), ROOT)), sorted(one))


if __name__ == "__main__":
    unittest.main()
