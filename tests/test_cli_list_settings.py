#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lists: phash scan's list settings: the size filter switch
(--size-filter / --no-size-filter, its config key and summary line).
Usage: test_cli_list_settings.py PHASH."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"


def run(*args):
    p = subprocess.run([PHASH, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode()


def rows(stdout):
    """(file name, algo, id) of each CSV record."""
    out = []
    for line in stdout.splitlines()[1:]:
        f = line.split(",")
        out.append((os.path.basename(f[0]), f[1], f[5]))
    return sorted(out)


class SizeFilter(unittest.TestCase):
    """A VICS list with MediaSize: listed.dat (200,000 B, listed), same.dat
    (same size, not listed), other.dat (300,000 B): other.dat is not
    digested with the filter (default), digested with --no-size-filter; the
    matches are the same."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="phash-lists-")
        self.dir = os.path.join(self.tmp, "scan")
        os.mkdir(self.dir)
        data = {"listed.dat": b"L" * 200000, "same.dat": b"S" * 200000,
                "other.dat": b"O" * 300000}
        for name, b in data.items():
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(b)
        doc = {"odata.metadata": "x/1.3.xml#Media",
               "value": [{"MediaID": 7, "Category": 1, "MediaSize": 200000,
                          "MD5": hashlib.md5(data["listed.dat"]).hexdigest()}]}
        self.vics = os.path.join(self.tmp, "vics.json")
        with open(self.vics, "w") as f:
            json.dump(doc, f)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def scan(self, *args):
        return run("scan", self.dir, "--signatures", self.vics, "--algo", "md5", "--no-nice",
                   *args)

    def test_on_by_default_and_switched_off(self):
        note = ("phash scan: 1 files not digested: no listed digest has their size "
                "(--no-size-filter digests them)\n")
        for args, skipped in (((), True), (("--size-filter",), True),
                              (("--no-size-filter",), False),
                              (("--no-size-filter", "--size-filter"), True)):
            rc, out, err = self.scan(*args)
            self.assertEqual(rc, 1, err)
            self.assertEqual(rows(out), [("listed.dat", "md5", "7")], args)
            self.assertEqual(note in err, skipped, (args, err))

    def test_config_key(self):
        for value, skipped in (("yes", True), ("no", False)):
            conf = os.path.join(self.tmp, "scan.conf")
            with open(conf, "w") as f:
                f.write(f"size-filter = {value}\n")
            rc, out, err = self.scan("--config", conf)
            self.assertEqual(rc, 1, err)
            self.assertEqual("files not digested" in err, skipped, (value, err))


if __name__ == "__main__":
    unittest.main()
