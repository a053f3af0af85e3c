#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Exit statuses exactly as the man page (EXIT STATUS) says, one case each,
and the message that goes with each error; rows of a scan in input order
whatever --threads. Usage: test_cli_exit.py PHASH."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
PHOTO = os.path.join(SAMPLE, "originals", "o0008.jpg")    # matches SAMPLE-0008
OTHER = os.path.join(SAMPLE, "originals", "o0001.jpg")    # in no list
MAN = os.path.join(SRC, "tools", "phash.1")


def run(*args, **kw):
    p = subprocess.run([PHASH, *args], capture_output=True, text=True, timeout=120, **kw)
    return p.returncode, p.stdout, p.stderr


class ScanStatus(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def scan(self, *args):
        return run("scan", "--signatures", SIGS, "--no-nice", *args)

    def test_0_no_match(self):
        st, out, err = self.scan(OTHER)
        self.assertEqual(st, 0, err)
        self.assertEqual(out.count("\n"), 1)

    def test_1_match(self):
        st, out, err = self.scan(PHOTO)
        self.assertEqual(st, 1, err)
        self.assertNotIn("cannot", err)

    def test_2_missing_path_without_match(self):
        missing = os.path.join(self.tmp, "typo")
        st, out, err = self.scan(OTHER, missing)
        self.assertEqual(st, 2, err)
        self.assertIn(f"phash scan: cannot scan {missing}: No such file or directory", err)
        self.assertNotIn("vanished", err)

    def test_3_matches_and_a_missing_path(self):
        missing = os.path.join(self.tmp, "typo")
        st, out, err = self.scan(missing, PHOTO)
        self.assertEqual(st, 3, err)
        self.assertIn(f"phash scan: cannot scan {missing}: No such file or directory", err)
        self.assertEqual(len(out.splitlines()), 3)  # header and both rows still reported

    def test_named_special_file_and_folder_that_cannot_be_read(self):
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        st, out, err = self.scan(fifo)
        self.assertEqual(st, 2, err)
        self.assertIn(f"cannot scan {fifo}: not a regular file or folder", err)
        # counted in the errors total; no --verbose hint: the PATH is named above
        self.assertIn(" 1 errors;", err)
        self.assertIn("phash scan: errors: PATH not read 1\n", err)
        if os.geteuid() == 0:
            return  # root reads every folder: the permission case needs a user
        locked = os.path.join(self.tmp, "locked")
        os.makedirs(locked, 0)
        st, out, err = self.scan(locked, PHOTO)
        self.assertEqual(st, 3, err)
        self.assertIn(f"cannot scan {locked}: Permission denied", err)

    def test_files_inside_folders_do_not_change_the_status(self):
        shutil.copy(PHOTO, self.tmp)
        with open(os.path.join(self.tmp, "broken.jpg"), "wb") as f:
            f.write(b"\xff\xd8\xff\xe0 not really a jpeg")
        st, out, err = self.scan(self.tmp)
        self.assertEqual(st, 1, err)  # counted in the summary only
        self.assertIn("errors: truncated 1 (--verbose lists the files)\n", err)
        st, out, err = self.scan(self.tmp, os.path.join(self.tmp, "typo"))
        self.assertEqual(st, 3, err)
        self.assertIn(" 2 errors;", err)
        self.assertIn("errors: truncated 1, PATH not read 1 (--verbose lists the files)\n", err)

    def test_2_usage_set_and_output(self):
        self.assertEqual(run("scan", PHOTO)[0], 2)                       # no --signatures
        self.assertEqual(self.scan()[0], 2)                              # no PATH
        self.assertEqual(self.scan(PHOTO, "--threads=0")[0], 2)
        self.assertEqual(run("scan", PHOTO, "-s", os.path.join(self.tmp, "none.csv"))[0], 2)
        bad = os.path.join(self.tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("hash\nnot-a-hash\n")
        st, _, err = run("sigset", "check", "--strict", bad)
        self.assertEqual(st, 2, err)
        if os.path.exists("/dev/full"):
            with open("/dev/full", "w") as full:
                p = subprocess.run([PHASH, "scan", PHOTO, "-s", SIGS], stdout=full,
                                   stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)  # matches found, not reported
        st, _, err = self.scan(PHOTO, "--files-from", os.path.join(self.tmp, "nolist"))
        self.assertEqual(st, 3, err)  # the list is a PATH not read; the photo matched

    def test_rows_in_input_order_with_threads(self):
        one = self.scan(SAMPLE, "--threads", "1")
        self.assertEqual(one[0], 1, one[2])
        for threads in ("2", "4", "auto"):
            for _ in range(2):
                got = self.scan(SAMPLE, "--threads", threads)
                self.assertEqual((got[0], got[1]), (1, one[1]), threads)


class OtherCommands(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(run("hash", PHOTO)[0], 0)
        self.assertEqual(run("hash", PHOTO, "/nonexistent.jpg")[0], 2)
        self.assertEqual(run("info", PHOTO)[0], 0)
        self.assertEqual(run("info", SIGS)[0], 2)  # not an image
        self.assertEqual(run("sigset", "check", SIGS)[0], 0)
        self.assertEqual(run("sigset", "info", "/nonexistent.phx")[0], 2)
        self.assertEqual(run("version")[0], 0)
        self.assertEqual(run("nonsense")[0], 2)
        self.assertEqual(run()[0], 2)
        for cmd in ("scan", "hash", "info", "sigset"):
            self.assertEqual(run(cmd, "--help")[0], 0)
            self.assertEqual(run(cmd, "--no-such-option")[0], 2)

    def test_man_page_lists_every_status(self):
        with open(MAN, encoding="utf-8") as f:
            text = f.read()
        section = text.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0]
        self.assertEqual(re.findall(r"^\.B (\d+)$", section, re.M), ["0", "1", "2", "3"])
        self.assertIn("Exit status: 0 no match, 1 at least one match, 2 error", run("scan", "--help")[1])
        self.assertIn("3 matches", run("scan", "--help")[1])


if __name__ == "__main__":
    unittest.main()
