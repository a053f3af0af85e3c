#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan --config FILE: "key = value" lines naming the long options,
applied through the command line's own option table (same values, same
checks, same results); errors name the file, the line and the key. The
documented example (install/scan.conf) names every option of scan --help
and works once its paths are pointed at sample/; the systemd unit
(install/phash-scan.service.in, as configured by meson) passes
`systemd-analyze verify` and keeps the service's guarantees.
Usage: test_cli_config.py PHASH UNIT"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

PHASH = UNIT = None
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
EXAMPLE = os.path.join(SRC, "install", "scan.conf")


def run(*args, **kw):
    p = subprocess.run([PHASH, *args], capture_output=True, text=True, timeout=120, **kw)
    return p.returncode, p.stdout, p.stderr


def help_options():
    """The long options of phash scan --help."""
    out = run("scan", "--help")[1]
    return sorted(set(re.findall(r"--([a-z][a-z0-9-]*)", out)))


class ConfigFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="phash-config-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def conf(self, text, name="scan.conf"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_same_result_as_the_command_line(self):
        cmdline = run("scan", SAMPLE, "--signatures", SIGS, "--radius", "pdq=20,phash=4",
                      "--dihedral", "--json", "--threads", "2", "--exclude", "o0003*",
                      "--no-nice")
        self.assertEqual(cmdline[0], 1, cmdline[2])
        c = self.conf(f"""# every kind of setting
signatures = {SIGS}
path = {SAMPLE}

radius = pdq=20,phash=4
dihedral
json = yes
\tthreads   =   2\t
exclude = "o0003*"
nice = no
""")
        got = run("scan", "--config", c)
        self.assertEqual(got[0], 1, got[2])
        self.assertEqual(got[1], cmdline[1])
        self.assertIn("2 threads", got[2])
        self.assertGreater(got[1].count("\n"), 10)
        self.assertNotIn("o0003", got[1])

    def test_command_line_overrides_the_file(self):
        c = self.conf(f"signatures = {SIGS}\npath = {SAMPLE}\nradius = 0\nthreads = 2\n")
        rc, out, err = run("scan", "--config", c, "--no-nice")
        self.assertEqual((rc, out.count("\n")), (1, 1 + 14), err)  # header + distance-0 rows (o0003 and o0008 mirror.jpg: aligned flipy 0)
        # a single-valued option: the command line's value wins
        rc, out, err = run("scan", "--config", c, "--radius", "pdq=31,phash=10", "--threads=1",
                           "--no-nice")
        self.assertEqual((rc, out.count("\n")), (1, 1 + 29), err)
        self.assertIn("1 thread,", err)
        # PATHs given replace the file's path lines
        one = os.path.join(SAMPLE, "originals", "o0003.png")
        rc, out, err = run("scan", one, "--config", c, "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual([l.split(",")[0] for l in out.splitlines()[1:]], [one])
        self.assertIn("phash scan: 1 files", err)

    def test_repeated_keys_add_up(self):
        c = self.conf(f"signatures = {SIGS}\npath = {os.path.join(SAMPLE, 'originals')}\n"
                      f"path = {os.path.join(SAMPLE, 'variants', 'o0002')}\n"
                      "exclude = o0002*\nexclude = o0006*\n")
        rc, out, err = run("scan", "--config", c, "--exclude", "o0008*", "--no-nice")
        self.assertEqual(rc, 1, err)
        paths = sorted({l.split(",")[0] for l in out.splitlines()[1:]})
        # both path lines scanned; the file's excludes and the command line's apply
        self.assertEqual([os.path.relpath(p, SAMPLE) for p in paths],
                         ["originals/o0003.png", "variants/o0002/caption.jpg",
                          "variants/o0002/jpeg_q30.jpg", "variants/o0002/mirror.jpg",
                          "variants/o0002/rot90.jpg", "variants/o0002/scale50.jpg"])

    def test_comments_quotes_and_crlf(self):
        odd = os.path.join(self.tmp, "a #1 ")  # a '#' inside a value, a space at its end
        os.mkdir(odd)
        shutil.copy(os.path.join(SAMPLE, "originals", "o0003.png"), odd)
        c = self.conf(f"  # indented comment\r\nsignatures = {SIGS}\r\n\r\n"
                      f"path = \"{odd}\"\r\nalgo = pdq # not a comment\r\n")
        rc, out, err = run("scan", "--config", c, "--no-nice")
        self.assertEqual(rc, 2, err)  # the '#' belongs to the value: 'pdq # not a comment'
        self.assertIn(f"{c}:5: algo: expected pdq, phash or pdq,phash, found "
                      "'pdq # not a comment'", err)
        c = self.conf(f"  # indented comment\r\nsignatures = {SIGS}\r\n\r\n"
                      f"path = \"{odd}\"\r\nalgo = pdq\r\n")
        rc, out, err = run("scan", "--config", c, "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(out.splitlines()[1].split(",")[:2],
                         [os.path.join(odd, "o0003.png"), "pdq"])

    def test_flags_yes_no_and_their_inverse(self):
        base = f"signatures = {SIGS}\npath = {SAMPLE}\n"
        counts = {}
        for line in ("", "dihedral = no", "dihedral", "dihedral = yes", "dihedral = TRUE",
                     "dihedral = off"):
            rc, out, err = run("scan", "--config", self.conf(base + line + "\n"), "--no-nice")
            self.assertEqual(rc, 1, err)
            counts[line] = out.count("\n") - 1
        self.assertEqual(counts, {"": 29, "dihedral = no": 23, "dihedral": 29,
                                  "dihedral = yes": 29, "dihedral = TRUE": 29,
                                  "dihedral = off": 23})

    def scan_policies(self, conf_line):
        """SCHED policies of the threads of a --watch scan configured with
        conf_line (0 SCHED_OTHER, 5 SCHED_IDLE)."""
        watched = os.path.join(self.tmp, "watched")
        os.makedirs(watched, exist_ok=True)
        c = self.conf(f"signatures = {SIGS}\npath = {watched}\nwatch\n{conf_line}\n")
        p = subprocess.Popen([PHASH, "scan", "--config", c], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(p.stdout.readline().startswith("path,"))  # running, watching
            policies = set()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the workers have set theirs
                policies = set()
                for t in os.listdir(f"/proc/{p.pid}/task"):
                    with open(f"/proc/{p.pid}/task/{t}/stat") as f:
                        policies.add(int(f.read().rsplit(")", 1)[1].split()[38]))
                if conf_line != "" or 5 in policies:
                    break
                time.sleep(0.05)
            return policies
        finally:
            p.terminate()
            p.communicate(timeout=60)

    def test_nice_no_turns_the_default_off(self):
        self.assertIn(5, self.scan_policies(""))            # default: SCHED_IDLE workers
        self.assertEqual(self.scan_policies("nice = no"), {0})  # as --no-nice
        self.assertEqual(self.scan_policies("no-nice"), {0})

    def test_errors_name_file_line_and_key(self):
        cases = [
            ("threads = many\n", ":1: threads: expected 1 to 256 or auto, found 'many'"),
            ("\n# c\nbogus = 1\n", ":3: bogus: unknown key (keys are the long options of "
                                   "phash scan --help, without '--', and path)"),
            ("--threads = 2\n", ":1: --threads: unknown key (keys are the long options of "
                                 "phash scan --help, without '--', and path)"),
            ("threads\n", ":1: threads: needs a value (threads = VALUE)"),
            ("signatures =\n", ":1: signatures: needs a value (signatures = VALUE)"),
            ("json = maybe\n", ":1: json: a flag: expected yes or no, found 'maybe'"),
            ("config = other.conf\n", ":1: config: cannot be set in a configuration file"),
            ("help\n", ":1: help: cannot be set in a configuration file"),
            ("path =\n", ":1: path: needs a value (path = PATH)"),
            ("= 2\n", ":1: expected 'key = value', found no key"),
            ("radius = pdq=300\n", ":1: radius: expected N or pdq=N,phash=M, found 'pdq=300'"),
            ("exclude = \"\"\n", ":1: exclude: needs a value (exclude = VALUE)"),
            ("video-rule = x\n", ":1: video-rule: expected pytx or cpp, found 'x'"),
        ]
        for text, message in cases:
            c = self.conf(text)
            rc, out, err = run("scan", "--config", c, "-s", SIGS, SAMPLE)
            self.assertEqual(rc, 2, (text, err))
            self.assertEqual(err, f"phash scan: {c}{message}\n", text)
            self.assertEqual(out, "")
        # the command line keeps its own form of the same message
        rc, out, err = run("scan", "--threads", "many", "-s", SIGS, SAMPLE)
        self.assertEqual(err, "phash scan: --threads: expected 1 to 256 or auto, found 'many'\n")

    def test_file_errors(self):
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        with open(os.path.join(self.tmp, "nul.conf"), "wb") as f:
            f.write(b"threads = 1\n\0\n")
        with open(os.path.join(self.tmp, "big.conf"), "wb") as f:
            f.write(b"#" * (1024 * 1024 + 1))
        cases = [(os.path.join(self.tmp, "none.conf"), "No such file or directory"),
                 (self.tmp, "not a regular file"),
                 (fifo, "not a regular file"),  # never blocks on a pipe
                 (os.path.join(self.tmp, "nul.conf"), "holds NUL bytes: not a text file"),
                 (os.path.join(self.tmp, "big.conf"),
                  "larger than 1 MiB: not a configuration file")]
        for path, why in cases:
            rc, out, err = run("scan", "--config", path, "-s", SIGS, SAMPLE)
            self.assertEqual((rc, err), (2, f"phash scan: --config {path}: {why}\n"))
        c = self.conf("threads = 1\n")
        rc, out, err = run("scan", "--config", c, "--config", c, "-s", SIGS, SAMPLE)
        self.assertEqual((rc, err), (2, "phash scan: --config may be given once\n"))

    def test_every_option_but_help_and_config_is_a_key(self):
        # the file takes exactly the command line's options (one table)
        for name in help_options():
            if name in ("help", "config"):
                continue
            c = self.conf(f"{name} = x\n")
            p = subprocess.run([PHASH, "scan", "--config", c, "-s", SIGS, SAMPLE, "--no-nice"],
                               capture_output=True, timeout=120, cwd=self.tmp)
            self.assertNotIn(b"unknown key", p.stderr, name)


class Example(unittest.TestCase):
    """install/scan.conf: documented, complete, and working."""

    def keys(self, commented=True):
        keys = []
        with open(EXAMPLE) as f:
            for line in f:
                m = re.match(r"^(# )?([a-z][a-z0-9-]*)( = |\s*$)", line)
                if m and (commented or not m.group(1)):
                    keys.append(m.group(2))
        return keys

    def test_names_every_option(self):
        names = set(help_options())
        inverses = {n for n in names if n.startswith("no-") and n[3:] in names}  # no-nice
        missing = names - {"help", "config"} - inverses - set(self.keys())
        self.assertEqual(missing, set(), "options of scan --help not in install/scan.conf")
        # its settings are real options (commented lines are documentation,
        # which may run ahead of an option landing from another branch)
        unknown = set(self.keys(commented=False)) - set(help_options()) - {"path"}
        self.assertEqual(unknown, set())

    def test_works_on_sample(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(EXAMPLE) as f:
                text = f.read()
            out = os.path.join(tmp, "matches.jsonl")
            text = re.sub(r"(?m)^signatures = .*$", f"signatures = {SIGS}", text)
            text = re.sub(r"(?m)^path = .*$", f"path = {SAMPLE}", text)
            text = re.sub(r"(?m)^state = .*$", f"state = {tmp}/scan.state", text)
            text = re.sub(r"(?m)^output = .*$", f"output = {out}", text)
            text = re.sub(r"(?m)^watch$", "", text)  # one pass, not a service
            conf = os.path.join(tmp, "scan.conf")
            with open(conf, "w") as f:
                f.write(text)
            rc, stdout, err = run("scan", "--config", conf)
            self.assertEqual(rc, 1, err)
            with open(out) as f:
                self.assertEqual(len(f.read().splitlines()), 29)
            self.assertIn("state: 0 files answered", err)
            rc, stdout, err = run("scan", "--config", conf)  # again: from the state
            self.assertEqual(rc, 0, err)
            self.assertIn("state: 61 files answered", err)


class Unit(unittest.TestCase):
    """The systemd unit meson configured (install/phash-scan.service.in)."""

    def setUp(self):
        with open(UNIT) as f:
            self.text = f.read()
        self.settings = {}
        for line in self.text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                self.settings.setdefault(k, []).append(v)

    def test_guarantees(self):
        s = self.settings
        self.assertEqual(s["Nice"], ["19"])
        self.assertEqual(s["IOSchedulingClass"], ["idle"])
        self.assertEqual(s["CPUSchedulingPolicy"], ["idle"])
        self.assertEqual(s["ProtectSystem"], ["strict"])
        self.assertEqual(s["ExecReload"], ["/bin/kill -HUP $MAINPID"])
        self.assertEqual(s["SuccessExitStatus"], ["1"])  # matches found is no failure
        self.assertRegex(s["ExecStart"][0], r"^/\S+/bin/phash scan --config /\S+/phash/scan.conf$")
        self.assertTrue("CPUQuota" in s or "max-cpu" in s["ExecStart"][0])
        self.assertNotIn("@", self.text)  # every @VAR@ configured
        # the state and the output of the example lie in the writable paths
        writable = s["ReadWritePaths"][0].split()
        with open(EXAMPLE) as f:
            conf = dict(re.findall(r"(?m)^(state|output) = (.*)$", f.read()))
        for key, path in conf.items():
            self.assertTrue(any(path.startswith(w + "/") for w in writable), (key, path))

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            if os.environ.get("PHASH_REQUIRE_SYSTEMD") == "1":
                self.fail("systemd-analyze is missing")
            self.skipTest("systemd-analyze is missing (apt-get install systemd)")
        with tempfile.TemporaryDirectory() as tmp:
            # the installed binary need not exist yet: verify the built one
            unit = os.path.join(tmp, "phash-scan.service")
            with open(unit, "w") as f:
                f.write(re.sub(r"(?m)^ExecStart=\S+", "ExecStart=" + PHASH, self.text))
            p = subprocess.run([analyze, "verify", "--man=no", unit], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            # systemd-analyze exits 0 on unknown keys and bad values: it must say nothing
            self.assertEqual([l for l in p.stderr.splitlines() if "phash-scan" in l], [])
            with open(unit, "a") as f:  # and the check itself works
                f.write("Bogus=1\n")
            p = subprocess.run([analyze, "verify", "--man=no", unit], capture_output=True,
                               text=True, timeout=120)
            self.assertIn("Unknown key 'Bogus'", p.stderr)


if __name__ == "__main__":
    PHASH = os.path.abspath(sys.argv.pop(1))
    UNIT = os.path.abspath(sys.argv.pop(1))
    unittest.main()
