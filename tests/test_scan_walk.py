#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Walk controls of phash scan (lib/scan/walk.c, tools/files_from.c): links
not followed by default, --follow never outside the PATH walked,
--one-file-system, --exclude GLOB, --files-from FILE|- (lines or NUL).
Usage: test_scan_walk.py PHASH."""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
A = os.path.join(SAMPLE, "originals", "o0008.jpg")   # SAMPLE-0008: pdq and phash rows
B = os.path.join(SAMPLE, "originals", "o0003.png")   # SAMPLE-0003: a pdq row


def scan(*args, stdin=None):
    p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--no-nice", *args],
                       capture_output=True, timeout=120, input=stdin)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode()


def matched(stdout, root=""):
    """The set of matched paths (relative to root when given)."""
    paths = {line.split(",")[0] for line in stdout.splitlines()[1:]}
    return {os.path.relpath(p, root) if root else p for p in paths}


class Tree(unittest.TestCase):
    """root/sub/a.jpg (matches), root/alias -> root/sub, root/link.jpg ->
    root/sub/a.jpg, root/out -> outside/ and root/outfile.png ->
    outside/b.png (b matches too), root/slash -> /, root/dangling."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.root = os.path.join(self.tmp, "root")
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(os.path.join(self.root, "sub"))
        os.makedirs(self.outside)
        shutil.copy(A, os.path.join(self.root, "sub", "a.jpg"))
        shutil.copy(B, os.path.join(self.outside, "b.png"))
        os.symlink(os.path.join(self.root, "sub"), os.path.join(self.root, "alias"))
        os.symlink("sub/a.jpg", os.path.join(self.root, "link.jpg"))
        os.symlink(self.outside, os.path.join(self.root, "out"))
        os.symlink("../outside/b.png", os.path.join(self.root, "outfile.png"))
        os.symlink("/", os.path.join(self.root, "slash"))
        os.symlink("/nonexistent", os.path.join(self.root, "dangling"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_links_not_followed_by_default(self):
        st, out, err = scan(self.root)
        self.assertEqual(st, 1, err)
        self.assertEqual(matched(out, self.root), {"sub/a.jpg"})
        self.assertIn("phash scan: 1 files,", err)  # no link was even opened

    def test_follow_stays_inside_the_root(self):
        st, out, err = scan(self.root, "--follow")
        self.assertEqual(st, 1, err)
        # alias/ comes first in name order: sub/ is then the same folder,
        # visited once; link.jpg is a second name of a.jpg inside the root.
        self.assertEqual(matched(out, self.root), {"alias/a.jpg", "link.jpg"})
        self.assertIn("phash scan: 2 files,", err)  # nothing of outside/ nor of /

    def test_a_named_link_is_followed(self):
        named = os.path.join(self.tmp, "named")
        os.symlink(self.root, named)
        st, out, err = scan(named)
        self.assertEqual(st, 1, err)
        self.assertEqual(matched(out, named), {"sub/a.jpg"})
        st, out, err = scan(os.path.join(self.root, "outfile.png"))
        self.assertEqual((st, matched(out, self.root)), (1, {"outfile.png"}), err)

    def test_exclude(self):
        st, out, err = scan(self.root, "--follow", "--exclude", "*.jpg")
        self.assertEqual((st, out.count("\n")), (0, 1), err)  # the header only
        st, out, err = scan(self.root, "--follow", "--exclude=alias", "--exclude", "link*")
        self.assertEqual((st, matched(out, self.root)), (1, {"sub/a.jpg"}), err)
        # with a '/': the whole path
        st, out, err = scan(self.root, "--exclude", self.root + "/s*")
        self.assertEqual((st, matched(out)), (0, set()), err)
        st, out, err = scan(self.root, "--exclude", "/nowhere/*")
        self.assertEqual((st, matched(out, self.root)), (1, {"sub/a.jpg"}), err)
        # a PATH named is never excluded
        st, out, err = scan(os.path.join(self.root, "sub", "a.jpg"), "--exclude", "*.jpg")
        self.assertEqual(st, 1, err)

    def test_files_from(self):
        a = os.path.join(self.root, "sub", "a.jpg")
        b = os.path.join(self.outside, "b.png")
        odd = os.path.join(self.tmp, "new\nline.png")  # only a NUL list can name it
        shutil.copy(B, odd)
        lists = os.path.join(self.tmp, "lists")
        os.makedirs(lists)
        with open(os.path.join(lists, "lines"), "w") as f:
            f.write(f"{a}\n\n{self.outside}\n")
        with open(os.path.join(lists, "nul"), "wb") as f:
            f.write(os.fsencode(a) + b"\0" + os.fsencode(odd) + b"\0" + os.fsencode(b))
        st, out, err = scan("--files-from", os.path.join(lists, "lines"))
        self.assertEqual((st, matched(out)), (1, {a, b}), err)
        st, out, err = scan("--files-from=" + os.path.join(lists, "nul"))
        self.assertEqual(st, 1, err)
        self.assertIn(a, out)
        self.assertIn(b, out)
        self.assertIn('"' + odd + '"', out)  # CSV quotes the name with a newline
        # standard input, and PATHs as well
        st, out, err = scan(self.root, "--files-from", "-", stdin=os.fsencode(b) + b"\n")
        self.assertEqual((st, matched(out)), (1, {a, b}), err)
        # a list that cannot be read: said, exit 2
        st, out, err = scan("--files-from", os.path.join(lists, "missing"))
        self.assertEqual(st, 2)
        self.assertIn("--files-from " + os.path.join(lists, "missing") +
                      ": No such file or directory", err)

    def test_files_from_a_slow_producer(self):
        # `find ... | phash scan --files-from -` with a producer that writes a
        # name now and then: each file is scanned as its name arrives, not
        # once 64 KiB of names or the end of the list have come (the reader
        # once waited for either, holding every name of a slow producer).
        a = os.path.join(self.root, "sub", "a.jpg")
        p = subprocess.Popen([PHASH, "scan", "--json", "--signatures", SIGS, "--no-nice",
                              "--files-from", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for name in (a, B):
                p.stdin.write(os.fsencode(name) + b"\n")
                p.stdin.flush()  # the pipe stays open: more names may come
                while True:  # a's second record (pdq, phash) may come first
                    ready, _, _ = select.select([p.stdout], [], [], 60)
                    self.assertTrue(ready, "no report for %s while the list is open" % name)
                    if json.loads(p.stdout.readline())["path"] == name:
                        break
        finally:
            out, err = p.communicate(timeout=120)  # closes the list: the scan ends
        self.assertEqual(p.returncode, 1, err)

    def test_one_file_system(self):
        mnt = os.path.join(self.root, "mnt")
        os.makedirs(mnt)
        script = (f'mount -t tmpfs none "{mnt}" && cp "{B}" "{mnt}/b.png" && '
                  f'"{PHASH}" scan "{self.root}" --signatures "{SIGS}" --no-nice "$@"')
        probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs none " + mnt],
                               capture_output=True)
        if probe.returncode != 0:
            self.skipTest("cannot mount a tmpfs in a mount namespace (needs root): "
                          + probe.stderr.decode().strip())
        runs = {}
        for extra in ([], ["--one-file-system"]):
            p = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *extra],
                               capture_output=True, text=True, timeout=120)
            runs[bool(extra)] = (p.returncode, matched(p.stdout, self.root))
        self.assertEqual(runs[False], (1, {"sub/a.jpg", "mnt/b.png"}))
        self.assertEqual(runs[True], (1, {"sub/a.jpg"}))


if __name__ == "__main__":
    unittest.main()
