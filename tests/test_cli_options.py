#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""One option parser for every command (tools/opts.c): each option that
takes a value takes it as the next argument or after '=', short aliases too,
options after operands, '--', and one clear message (exit status 2) for an
unknown option, a missing value or a value given to a flag.
Usage: test_cli_options.py PHASH."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
PHOTO = os.path.join(SAMPLE, "originals", "o0002.webp")
VIDEO = os.path.join(os.environ.get("PHASH_SHARED", os.path.join(SRC, "..", "shared")),
                     "testdata", "vpdq", "videos", "test-padded-dimensions.mp4")


def run(*args, cwd=None):
    p = subprocess.run([PHASH, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def rows(stdout):
    """CSV rows after the header, sorted (order is tested elsewhere)."""
    return sorted(stdout.splitlines()[1:])


class BothForms(unittest.TestCase):
    """'--opt value' and '--opt=value' give the same result, for every
    option that takes a value, in every command."""

    def same(self, spaced, attached, *rest, cwd=None, want_status=None):
        a = run(*spaced, *rest, cwd=cwd)
        b = run(*attached, *rest, cwd=cwd)
        self.assertEqual(a[0], b[0], (spaced, attached, a[2], b[2]))
        if want_status is not None:
            self.assertEqual(a[0], want_status, a[2])
        self.assertEqual(rows(a[1]), rows(b[1]), (spaced, attached))
        return a

    def test_scan(self):
        cases = [("--signatures", SIGS), ("-s", SIGS), ("--threads", "2"), ("--algo", "pdq"),
                 ("--radius", "pdq=20,phash=4"), ("--max-rate", "100000"),
                 ("--expand", "border"), ("--phash-layout", "1.0")]
        for opt, val in cases:
            with self.subTest(opt=opt):
                base = [] if opt in ("--signatures", "-s") else ["--signatures", SIGS]
                glue = "" if opt == "-s" else "="
                st, out, _ = self.same(["scan", SAMPLE, *base, opt, val],
                                       ["scan", SAMPLE, *base, opt + glue + val], want_status=1)
                self.assertGreater(len(rows(out)), 3)
        # the value changes the result: the parser did not drop it
        narrow = run("scan", SAMPLE, "--signatures=" + SIGS, "--radius=pdq=0,phash=0")
        wide = run("scan", SAMPLE, "--signatures=" + SIGS)
        self.assertEqual(len(rows(wide[1])), 29)  # dihedral and views on by default
        self.assertEqual(len(rows(narrow[1])), 14)  # the rows at distance 0 (four turned copies)

    def test_scan_output(self):
        with tempfile.TemporaryDirectory() as tmp:
            for n, form in enumerate((["--output", "a.csv"], ["--output=b.csv"], ["-o", "c.csv"],
                                      ["-od.csv"])):
                st, out, err = run("scan", SAMPLE, "-s", SIGS, *form, cwd=tmp)
                self.assertEqual((st, out), (1, ""), err)
            texts = []
            for f in "abcd":
                with open(os.path.join(tmp, f + ".csv")) as fh:
                    texts.append(fh.read())
            self.assertEqual(len(set(texts)), 1)
            self.assertEqual(len(texts[0].splitlines()), 30)

    def test_hash(self):
        for opt, val in [("--algo", "pdq,phash"), ("--layout", "0.9"), ("--pdq-mode", "cli512")]:
            with self.subTest(opt=opt):
                st, out, err = self.same(["hash", opt, val], ["hash", f"{opt}={val}"], PHOTO,
                                         want_status=0)
                self.assertIn(PHOTO, out)
        # options after the files (GNU order), and the value was used
        st, out, err = run("hash", PHOTO, "--algo=phash", "--layout=0.9")
        self.assertEqual(st, 0, err)
        self.assertEqual(out.splitlines()[1].split(",")[1], "phash")

    def test_hash_video(self):
        if not os.path.exists(VIDEO) or run("hash", "--algo", "vpdq", VIDEO)[0] != 0:
            self.skipTest("no test video or no video support in this build")
        for opt, val in [("--seconds-per-hash", "2"), ("--downsample", "64"), ("--threads", "1")]:
            with self.subTest(opt=opt):
                self.same(["hash", "--algo", "vpdq", opt, val],
                          ["hash", "--algo=vpdq", f"{opt}={val}"], VIDEO, want_status=0)

    def test_sigset(self):
        with tempfile.TemporaryDirectory() as tmp:
            for opt, val in [("--format", "csv"), ("--algo", "pdq"), ("--min-quality", "90")]:
                with self.subTest(opt=opt):
                    a = run("sigset", "check", opt, val, SIGS)
                    b = run("sigset", "check", SIGS, f"{opt}={val}")
                    self.assertEqual(a, b)
                    self.assertEqual(a[0], 0, a[2])
            for n, form in enumerate((["-o", "a.phx"], ["-ob.phx"], ["--output", "c.phx"],
                                      ["--output=d.phx"])):
                st, out, err = run("sigset", "compile", SIGS, *form, cwd=tmp)
                self.assertEqual(st, 0, err)
            sizes = {os.path.getsize(os.path.join(tmp, f + ".phx")) for f in "abcd"}
            self.assertEqual(len(sizes), 1)
            # --min-quality was applied: a bad value is refused
            st, _, err = run("sigset", "check", "--min-quality=abc", SIGS)
            self.assertEqual(st, 2)
            self.assertIn("--min-quality: bad value 'abc'", err)

    def test_info(self):
        a = run("info", "--json", PHOTO)
        b = run("info", PHOTO, "--json", "--apply-orientation")
        self.assertEqual(a[0], 0, a[2])
        self.assertEqual(a, b)
        self.assertTrue(a[1].startswith("{"))


class Errors(unittest.TestCase):
    def expect(self, args, message):
        st, out, err = run(*args)
        self.assertEqual(st, 2, (args, err))
        self.assertIn(message, err)

    def test_messages(self):
        for cmd in (["scan", SAMPLE, "-s", SIGS], ["hash", PHOTO], ["sigset", "check", SIGS],
                    ["info", PHOTO]):
            name = "phash " + cmd[0]
            with self.subTest(cmd=cmd[0]):
                self.expect([*cmd, "--bogus"], f"{name}: unknown or ambiguous option '--bogus'")
                self.expect([*cmd, "--json=yes"] if cmd[0] != "sigset" else [*cmd, "--strict=1"],
                            "takes no value")
                self.expect([*cmd, "-Q"], f"{name}: unknown option '-Q'")
        self.expect(["scan", SAMPLE, "-s", SIGS, "--threads"],
                    "phash scan: --threads needs a value")
        self.expect(["scan", SAMPLE, "--signatures"], "--signatures needs a value")
        self.expect(["scan", SAMPLE, "-s"], "a value is needed after the option '-s'")
        self.expect(["hash", PHOTO, "--algo"], "phash hash: --algo needs a value")

    def test_double_dash_ends_options(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(PHOTO, os.path.join(tmp, "--json"))
            st, out, err = run("hash", "--", "--json", cwd=tmp)
            self.assertEqual(st, 0, err)
            self.assertTrue(out.startswith("path,algo,hash,quality\n--json,pdq,"))

    def test_help_everywhere(self):
        for args in (["scan"], ["hash"], ["sigset", "check"], ["sigset", "info"], ["info"],
                     ["hash", "--algo=vpdq"]):
            with self.subTest(args=args):
                for h in ("--help", "-h"):
                    st, out, err = run(*args, h)
                    self.assertEqual(st, 0, err)
                    self.assertTrue(out.startswith("usage: phash "), out[:40])


if __name__ == "__main__":
    unittest.main()
