#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lists: phash scan's list settings: --list-option NAME:KEY=VALUE (the
alert rule per list: exact rows with two lists holding the same entries,
errors, a name that matches no list, the config key), the size filter
switch (--size-filter / --no-size-filter, its config key and summary line),
--flood-limit N (rows past the limit left out, the summary line).
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


SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
CAPTION8 = os.path.join(SRC, "sample", "variants", "o0008", "caption.jpg")  # pHash 4, PDQ 34


class ListOption(unittest.TestCase):
    """sample/signatures.csv as a/list.csv and b/other.csv: caption8 matches
    SAMPLE-0008 in both (pHash 4 with PDQ agreement 34)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="phash-lists-")
        self.lists = []
        for sub, name in (("a", "list.csv"), ("b", "other.csv")):
            os.mkdir(os.path.join(self.tmp, sub))
            path = os.path.join(self.tmp, sub, name)
            shutil.copy(os.path.join(SRC, "sample", "signatures.csv"), path)
            self.lists.append(path)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def scan(self, *args):
        rc, out, err = run("scan", CAPTION8, "-s", self.lists[0], "-s", self.lists[1],
                           "--no-nice", "--no-dihedral", "--expand", "none", *args)
        got = []
        for line in out.splitlines()[1:]:
            f = line.split(",")
            level = f[-1] if "--weak" in args else "alert"
            got.append((f[1], int(f[2]), os.path.basename(f[4]), f[5], level))
        return rc, sorted(got), err

    def test_rows_per_list(self):
        both = [("pdq", 34, "list.csv", "SAMPLE-0008", "alert"),
                ("pdq", 34, "other.csv", "SAMPLE-0008", "alert"),
                ("phash", 4, "list.csv", "SAMPLE-0008", "alert"),
                ("phash", 4, "other.csv", "SAMPLE-0008", "alert")]
        self.assertEqual(self.scan()[:2], (1, both))
        mine = [r for r in both if r[2] == "list.csv"]
        weak = sorted(mine + [r[:4] + ("weak",) for r in both if r[2] == "other.csv"])
        cases = {
            ("--list-option", "other.csv:level=weak"): mine,
            ("--list-option", "other.csv:level=weak", "--weak"): weak,
            ("--list-option", self.lists[1] + ":level=weak", "--weak"): weak,
            ("--list-option", "other.csv:level=none", "--weak"): mine,
            # the whole name wins over the file name
            ("--list-option", "other.csv:level=none", "--list-option",
             self.lists[1] + ":level=alert"): both,
            # pHash 4 > 3 and PDQ 34 > 31: nothing alerts for other.csv
            ("--list-option", "other.csv:phash-radius=3"): mine,
            # PDQ alone alerts at 34 for other.csv, its pHash needs 3
            ("--list-option", "other.csv:pdq-radius=34", "--list-option",
             "other.csv:phash-radius=3"): sorted(mine + [both[1]]),
            # only md5 may alert for list.csv: its entry is weak
            ("--list-option", "list.csv:algorithms=md5,sha1", "--weak"):
                sorted([r[:4] + ("weak",) for r in mine] + [both[1], both[3]]),
        }
        for args, want in cases.items():
            rc, got, err = self.scan(*args)
            self.assertEqual(got, want, (args, err))
            self.assertEqual(rc, 1, err)
            self.assertNotIn("warning", err)

    def test_errors_and_warning(self):
        for value, message in (
                ("other.csv", "expected NAME:KEY=VALUE, found 'other.csv'"),
                (":level=weak", "expected NAME:KEY=VALUE"),
                ("other.csv:radius=3", "unknown key 'radius' (known: pdq-radius,"),
                ("other.csv:pdq-radius=300", "pdq-radius: bad value '300'"),
                ("other.csv:phash-radius=65", "value out of range in 'other.csv:phash-radius=65'"),
                ("other.csv:level=loud", "level: bad value 'loud' (alert, weak or none)"),
                ("other.csv:algorithms=pdq,tmk", "algorithms: bad value 'pdq,tmk'")):
            rc, got, err = self.scan("--list-option", value)
            self.assertEqual(rc, 2, (value, err))
            self.assertIn("phash scan: --list-option: " + message, err)
        rc, got, err = self.scan("--list-option", "othr.csv:level=none")
        self.assertEqual((rc, len(got)), (1, 4))
        self.assertIn("phash scan: warning: --list-option othr.csv:level=none: no list of "
                      "--signatures or --allowlist is named 'othr.csv'\n", err)

    def test_config_lines(self):
        conf = os.path.join(self.tmp, "scan.conf")
        with open(conf, "w") as f:
            f.write("list-option = other.csv:phash-radius=3\nlist-option = list.csv:level=none\n"
                    "list-option = other.csv:pdq-radius=34\n")
        rc, got, err = self.scan("--config", conf)
        self.assertEqual(got, [("pdq", 34, "other.csv", "SAMPLE-0008", "alert")], err)
        with open(conf, "w") as f:
            f.write("list-option = other.csv:level=never\n")
        rc, got, err = self.scan("--config", conf)
        self.assertEqual(rc, 2)
        self.assertIn("scan.conf:1: list-option: level: bad value 'never'", err)


class FloodLimit(unittest.TestCase):
    """Five copies of a listed 'logo' and one listed letter."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="phash-lists-")
        self.dir = os.path.join(self.tmp, "scan")
        os.mkdir(self.dir)
        logo, letter = b"a logo on every letter\n", b"a listed letter\n"
        for i in range(5):
            with open(os.path.join(self.dir, f"doc{i}.txt"), "wb") as f:
                f.write(logo)
        with open(os.path.join(self.dir, "z.txt"), "wb") as f:
            f.write(letter)
        self.md5 = hashlib.md5(logo).hexdigest()
        self.list = os.path.join(self.tmp, "list.csv")
        with open(self.list, "w") as f:
            f.write(f"md5,id\n{self.md5},LOGO\n{hashlib.md5(letter).hexdigest()},LETTER\n")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_limit(self):
        for args, names in ((("--flood-limit", "2"), ["doc0.txt", "doc1.txt", "z.txt"]),
                            (("--flood-limit", "0"), [f"doc{i}.txt" for i in range(5)] + ["z.txt"]),
                            ((), [f"doc{i}.txt" for i in range(5)] + ["z.txt"])):
            rc, out, err = run("scan", self.dir, "-s", self.list, "--algo", "md5", "--no-nice",
                               *args)
            self.assertEqual(rc, 1, err)
            self.assertEqual([os.path.basename(r.split(",")[0]) for r in out.splitlines()[1:]],
                             names)
            line = (f"phash scan: suspected bad signature: md5 {self.md5} ({self.list}, id LOGO) "
                    f"matched 5 files; its matches in the last 3 not printed (--flood-limit 2)\n")
            self.assertEqual(line in err, args == ("--flood-limit", "2"), err)
        rc, out, err = run("scan", self.dir, "-s", self.list, "--flood-limit", "-1")
        self.assertEqual(rc, 2)
        self.assertIn("phash scan: --flood-limit: expected files, 0 to 2147483647, found '-1'", err)


if __name__ == "__main__":
    unittest.main()
