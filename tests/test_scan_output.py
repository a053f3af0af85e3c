#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan never loses a report silently: when its standard output
cannot be written (/dev/full: ENOSPC), it says so on stderr, stops and
exits 2, whether matches were found or not. Usage: test_scan_output.py PHASH"""
import os
import subprocess
import sys
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


if __name__ == "__main__":
    PHASH = os.path.abspath(sys.argv.pop(1))
    unittest.main()
