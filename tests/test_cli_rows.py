#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""How phash scan's rows reach the user: on a terminal that shows the
progress line too, every match row starts on a clean line (the progress line
is cleared with CR + ESC[K first); a path that is not UTF-8 is written
losslessly: its bytes as they are in CSV, each invalid byte XX as the lone
surrogate \\udcXX in JSON (Python's surrogateescape), so os.fsencode() gives
the exact name back. Usage: test_cli_rows.py PHASH"""
import csv
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = None
SRC = os.environ.get("PHASH_SOURCE_ROOT", ".")
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
EXPECTED_ROWS = 29  # the README's first command on sample/

PROGRESS = re.compile(rb"scanning: \d+ files, \d+ images, \d+ matches")
CLEAR = b"\r\033[K"


def run_on_terminal(*args):
    """Run phash with stdout and stderr on one pseudo-terminal, as a user at
    a shell sees it; returns (exit status, every byte the terminal got)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([PHASH, *args], stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=slave)
        os.close(slave)
        slave = -1
        tty = b""
        while True:  # read while it runs: a full terminal would block it
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            tty += chunk
        return p.wait(timeout=120), tty
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)


class Terminal(unittest.TestCase):
    def test_progress_line_cleared_before_each_match_row(self):
        rc, tty = run_on_terminal("scan", SAMPLE, "--signatures", SIGS, "--no-nice")
        self.assertEqual(rc, 1, tty)
        shown = list(PROGRESS.finditer(tty))
        self.assertTrue(shown, tty)  # the first report shows it at once
        for m in shown:
            # what follows a progress line is always its erasure, never a row
            self.assertEqual(tty[m.end():m.end() + len(CLEAR)], CLEAR, tty[m.start():m.end() + 80])
        # and at least one row came right after an erased progress line
        self.assertRegex(tty, re.compile(PROGRESS.pattern + re.escape(CLEAR) +
                                         re.escape(SAMPLE.encode())))
        # every row is whole on its own line once the erasures are applied
        lines = [l.split(CLEAR)[-1] for l in tty.split(b"\r\n")]
        rows = [l for l in lines if l.startswith(SAMPLE.encode() + b"/")]
        self.assertEqual(len(rows), EXPECTED_ROWS, tty)
        for row in rows:
            self.assertRegex(row, rb"^[^,]+,(pdq|phash),\d+,\w+,", row)
        self.assertIn(b"phash scan: 61 files", tty)

    def test_no_progress_line_when_stderr_is_no_terminal(self):
        p = subprocess.run([PHASH, "scan", SAMPLE, "--signatures", SIGS, "--no-nice"],
                           capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 1)
        self.assertNotIn(b"scanning:", p.stderr)
        self.assertNotIn(b"\033", p.stderr + p.stdout)


class NotUtf8Names(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="phash-rows-")
        self.dir = os.fsencode(self.tmp.name)
        self.latin1 = os.path.join(self.dir, b"caf\xe9.png")  # Latin-1 "cafe" + e acute
        self.utf8 = os.path.join(self.dir, "café.png".encode())
        for name in (self.latin1, self.utf8):
            shutil.copy(os.path.join(SAMPLE, "originals", "o0003.png").encode(), name)

    def tearDown(self):
        self.tmp.cleanup()

    def scan(self, *args):
        p = subprocess.run([PHASH, "scan", self.dir, "--signatures", SIGS, "--algo", "pdq",
                            "--radius", "0", "--no-nice", *args], capture_output=True,
                           timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        return p.stdout

    def test_json_escapes_each_invalid_byte_as_a_lone_surrogate(self):
        out = self.scan("--json")
        self.assertIn(b'caf\\udce9.png"', out)  # the byte 0xE9 alone
        self.assertIn('café.png"'.encode(), out)  # valid UTF-8 stays as it is
        # the records are valid UTF-8 whatever the names
        paths = sorted(json.loads(l)["path"] for l in out.decode("utf-8").splitlines())
        self.assertEqual(len(paths), 2)
        back = sorted(os.fsencode(p) for p in paths)  # surrogateescape: the exact bytes
        self.assertEqual(back, sorted([self.latin1, self.utf8]))
        for p in paths:
            self.assertTrue(os.path.isfile(p), p)

    def test_csv_keeps_the_bytes(self):
        out = self.scan()
        rows = list(csv.reader(io.StringIO(out.decode("utf-8", "surrogateescape"))))
        self.assertEqual(sorted(os.fsencode(r[0]) for r in rows[1:]),
                         sorted([self.latin1, self.utf8]))


if __name__ == "__main__":
    PHASH = os.path.abspath(sys.argv.pop(1))
    unittest.main()
