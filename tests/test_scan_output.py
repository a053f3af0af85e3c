#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan never loses a report silently: when its standard output
cannot be written (/dev/full: ENOSPC), it says so on stderr, stops and
exits 2, whether matches were found or not. --output FILE appends the
records to a regular file (mode 0600, header once), refuses anything else,
and is reopened on SIGHUP (log rotation). Usage: test_scan_output.py PHASH"""
import csv
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

PHASH = None
SRC = os.environ.get("PHASH_SOURCE_ROOT", ".")
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")


def scan_to_full(*args):
    with open("/dev/full", "w") as full:
        p = subprocess.run([PHASH, "scan", *args], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=120)
    return p.returncode, p.stderr


class OutputErrors(unittest.TestCase):
    def test_matches_to_a_full_disk(self):
        rc, err = scan_to_full("--signatures", SIGS, SAMPLE)
        self.assertEqual(rc, 2, err)  # not 1 ("matches found") as if they were reported
        self.assertEqual(err.count("cannot write the report to standard output: "
                                   "No space left on device"), 1, err)

    def test_json_matches_to_a_full_disk(self):
        rc, err = scan_to_full("--json", "--signatures", SIGS, SAMPLE)
        self.assertEqual(rc, 2, err)
        self.assertIn("No space left on device", err)

    def test_no_match_still_fails(self):
        # The CSV header alone cannot be written: exit 2, not 0.
        rc, err = scan_to_full("--signatures", SIGS, os.path.join(SAMPLE, "README.md"))
        self.assertEqual(rc, 2, err)
        self.assertIn("No space left on device", err)

    def test_working_output_unchanged(self):
        p = subprocess.run([PHASH, "scan", "--signatures", SIGS, SAMPLE], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("cannot write", p.stderr)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


class OutputFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="phash-output-")
        self.dir = self.tmp.name
        self.log = os.path.join(self.dir, "matches.csv")

    def tearDown(self):
        self.tmp.cleanup()

    def test_appends_with_one_header(self):
        one = os.path.join(SAMPLE, "originals", "o0003.png")
        for _ in range(2):
            p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--output", self.log, one],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertEqual(p.stdout, "")
        r = rows(self.log)
        self.assertEqual(r[0][:3], ["path", "algo", "distance"])
        self.assertEqual([(x[0], x[1], x[2], x[5]) for x in r[1:]],
                         [(one, "pdq", "0", "SAMPLE-0003")] * 2)
        self.assertEqual(stat.S_IMODE(os.stat(self.log).st_mode), 0o600)

    def test_special_files_refused(self):
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        for target in (fifo, self.dir):
            p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--output", target, SAMPLE],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--output " + target + ": ", p.stderr)

    def test_log_gets_the_messages(self):
        log = os.path.join(self.dir, "scan.log")
        one = os.path.join(SAMPLE, "originals", "o0003.png")
        for _ in range(2):
            p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--log", log, one],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertEqual(p.stderr, "")
            self.assertEqual(p.stdout.count("SAMPLE-0003"), 1, p.stdout)
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual([x.split(";")[0] for x in lines],
                         ["phash scan: 1 files, 1 images hashed, 0 not images, "
                          "0 unsupported formats, 0 errors"] * 2)
        self.assertEqual(stat.S_IMODE(os.stat(log).st_mode), 0o600)
        p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--log", self.dir, one],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout), (2, ""))
        self.assertRegex(p.stderr, f"^phash scan: --log {re.escape(self.dir)}: "
                                   "(Is a directory|cannot be opened)\n$")

    def test_windows_service_elsewhere(self):
        one = os.path.join(SAMPLE, "originals", "o0003.png")
        p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--windows-service", one],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (2, "", "phash scan: --windows-service needs --output FILE (a service "
                                 "has no standard output)\n"))
        p = subprocess.run([PHASH, "scan", "--signatures", SIGS, "--windows-service",
                            "--output", self.log, one],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        want = ("phash scan: --windows-service: only on Windows (a systemd unit runs the scan "
                "as a service here: phash-scan.service)\n")
        if os.environ.get("PHASH_HOST_SYSTEM") == "windows":
            want = ("phash scan: --windows-service: not started by the service control manager: "
                    "install the service (sc create) and start it (sc start, net start) "
                    "(error 1063)\n")
        self.assertEqual(p.stderr, want)
        self.assertFalse(os.path.exists(self.log))

    def test_sighup_reopens(self):
        watched = os.path.join(self.dir, "watched")
        os.mkdir(watched)
        p = subprocess.Popen([PHASH, "scan", "--signatures", SIGS, "--output", self.log,
                              "--watch", watched], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            def wait_for(path, n):
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if os.path.exists(path) and len(rows(path)) >= n:
                        return rows(path)
                    time.sleep(0.1)
                self.fail(f"{path}: fewer than {n} rows")
            wait_for(self.log, 1)  # the header: the scan runs
            shutil.copy(os.path.join(SAMPLE, "originals", "o0003.png"),
                        os.path.join(watched, "a.png"))
            wait_for(self.log, 2)
            os.rename(self.log, self.log + ".1")  # what logrotate does
            p.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            shutil.copy(os.path.join(SAMPLE, "originals", "o0003.png"),
                        os.path.join(watched, "b.png"))
            new = wait_for(self.log, 2)
            self.assertEqual(new[0][0], "path")
            self.assertTrue(new[1][0].endswith("b.png"), new)
            old = rows(self.log + ".1")
            self.assertEqual(len(old), 2)
            self.assertTrue(old[1][0].endswith("a.png"), old)
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=60)
        self.assertEqual(out, "")
        self.assertIsNotNone(p.returncode)


if __name__ == "__main__":
    PHASH = os.path.abspath(sys.argv.pop(1))
    unittest.main()
