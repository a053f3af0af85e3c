#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Every code block of README.md runs here, and every file the README and
docs/ cite exists. Each block is claimed by exactly one handler below (a new
block without one fails the test): commands are run with this build's CLI
and their output compared with the block that shows it; C programs are
compiled against this build and run; synopsis blocks are checked against
`phash CMD --help`; build and install blocks are checked to be the commands
that tests/test_install.sh and tests/test_pip_venv.sh run (CI runs those);
a block that needs data from outside the repository is skipped, saying
which. Usage: test_readme.py PHASH (env PHASH_SOURCE_ROOT, PHASH_BUILD_ROOT)."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("PHASH_BUILD_ROOT", os.path.join(SRC, "build"))
README = os.path.join(SRC, "README.md")
PHOTO = os.path.join(SRC, "sample", "variants", "o0003", "jpeg_q30.jpg")
SIGS = os.path.join(SRC, "sample", "signatures.csv")


def blocks(path):
    """(info string, text, line number) of every fenced block."""
    out, lines = [], read(path).split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if m:
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out.append((m.group(1), "\n".join(lines[i + 1:j]) + "\n", i + 1))
            i = j
        i += 1
    return out


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def commands(text):
    """The shell commands of a block: continuation lines joined, comments
    and blank lines dropped."""
    text = text.replace("\\\n", " ")
    return [re.sub(r"\s+#.*$", "", line).strip() for line in text.split("\n")
            if line.strip() and not line.lstrip().startswith("#")]


def run(args, cwd=None):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def _is_synopsis(b):
    return b[0] == "sh" and re.search(r"^phash \w+ .*(\.\.\.|\[)", b[1], re.M) is not None


# Which blocks each test runs: every README block must match exactly one.
CLAIMS = {
    "scan command": lambda b: b[0] == "sh" and "phash scan sample --signatures" in b[1],
    "scan output": lambda b: b[0] == "" and b[1].startswith(("path,algo,distance",
                                                            "phash scan: ")),
    "C programs": lambda b: b[0] == "c",
    "hash examples": lambda b: b[0] == "sh" and "photo.jpg" in b[1],
    "CLI synopses": _is_synopsis,
    "build and install": lambda b: b[0] == "sh" and (".ci/install-deps" in b[1]
                                                     or "pip install" in b[1])
    and "phash scan" not in b[1],
    "outside data": lambda b: b[0] == "sh" and "/work/ext/" in b[1],
    "windows cross build": lambda b: b[0] == "sh" and ".ci/windows-deps" in b[1],
    "windows service": lambda b: b[0] == "bat" and "sc create" in b[1],
}


class TestReadme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.blocks = blocks(README)

    def claim(self, name):
        got = [b for b in self.blocks if CLAIMS[name](b)]
        self.assertTrue(got, f"no README block for: {name}")
        return got

    def test_1_scan_block_prints_the_output_shown(self):
        """The main job (first command and "Scanning"): its output is the
        next block, byte for byte, and the summary line the one after."""
        runs = self.claim("scan command")
        shown = [b for b in self.claim("scan output") if b[1].startswith("path,")]
        summary = [b for b in self.claim("scan output") if b[1].startswith("phash scan: ")]
        self.assertEqual((len(shown), len(summary)), (1, 1))
        for info, text, line in runs:
            cmd = [c for c in commands(text)[-1].split("&&") if "phash scan" in c][-1].split()
            cmd[0] = PHASH
            # --no-nice: the default idle priority can stall a loaded test
            # machine; it does not change what is printed.
            rc, out, err = run(cmd + ["--no-nice"], cwd=SRC)
            self.assertEqual(rc, 1, f"line {line}: {err}")
            self.assertEqual(out, shown[0][1], f"line {line}")
            # The speed at the end depends on the machine.
            want = re.escape(summary[0][1].strip().rsplit(", ", 2)[0]) + r", [\d.]+ images/s, [\d.]+ s$"
            self.assertRegex(err.strip().split("\n")[-1], "^" + want)

    def test_2_c_programs_compile_and_run(self):
        progs = self.claim("C programs")
        self.assertEqual(len(progs), 4)
        cc = shutil.which("cc")
        libdir = os.path.join(BUILD, "lib")
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(PHOTO, os.path.join(tmp, "photo.jpg"))
            shutil.copy(SIGS, os.path.join(tmp, "list.csv"))
            rc, want_pdq, err = run([PHASH, "hash", "--algo", "pdq", "photo.jpg"], cwd=tmp)
            self.assertEqual(rc, 0, err)
            want_pdq = want_pdq.split("\n")[1].split(",")
            expect = [
                f"{want_pdq[2]} quality {want_pdq[3]}\n",
                "id 2 distance 0\nreopened: 2 entries\n",
                "photo.jpg distance 4: SAMPLE-0003\n",
                "photo.jpg pdq 4 SAMPLE-0003\n",
            ]
            for k, (info, text, line) in enumerate(progs):
                src = os.path.join(tmp, f"prog{k}.c")
                with open(src, "w") as f:
                    f.write(text)
                rc, out, err = run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", src[:-2],
                                    src, "-I" + os.path.join(SRC, "include"), "-L" + libdir,
                                    "-lphash", "-Wl,-rpath," + libdir])
                self.assertEqual(rc, 0, f"README line {line} does not compile:\n{err}")
                rc, out, err = run([src[:-2]], cwd=tmp)
                self.assertEqual((rc, out), (0, expect[k]), f"README line {line}: {err}")

    def test_3_phash_examples_run(self):
        """build/tools/phash hash ... photo.jpg: one row per algorithm."""
        ex = self.claim("hash examples")
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(PHOTO, os.path.join(tmp, "photo.jpg"))
            for info, text, line in ex:
                for c in commands(text):
                    args = c.split()
                    self.assertEqual(args[0], "build/tools/phash")
                    rc, out, err = run([PHASH] + args[1:], cwd=tmp)
                    self.assertEqual(rc, 0, f"line {line}: {c}: {err}")
                    rows = out.strip().split("\n")
                    self.assertEqual(rows[0], "path,algo,hash,quality", c)
                    algos = args[args.index("--algo") + 1].split(",")
                    self.assertEqual([r.split(",")[1] for r in rows[1:]], algos, c)

    def test_4_synopses_match_help(self):
        """Synopsis blocks: every command and option is in `phash CMD --help`."""
        syn = self.claim("CLI synopses")
        for info, text, line in syn:
            for c in commands(text):
                words = c.split()
                self.assertEqual(words[0], "phash")
                rc, out, err = run([PHASH, words[1], "--help"])
                self.assertEqual(rc, 0, f"line {line}: phash {words[1]} --help: {err}")
                for opt in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", c):
                    self.assertIn(opt, out + err, f"README line {line}: {opt} not in "
                                  f"`phash {words[1]} --help`")
                for sub in re.findall(r"(\w+(?:\|\w+)+)", words[2]) if len(words) > 2 else []:
                    for s in sub.split("|"):
                        self.assertIn(s, out + err, f"line {line}: {s}")

    def test_5_build_and_install_blocks_are_what_ci_runs(self):
        """The build, test and install blocks: CI runs them (.ci/run builds
        and tests; tests/test_install.sh installs as root; test_pip_venv.sh
        is the pip block). Each command must be the one those scripts run."""
        build = self.claim("build and install")
        scripts = {name: read(os.path.join(SRC, *name.split("/")))
                   for name in (".ci/run", ".ci/install-deps", "tests/test_install.sh",
                                "tests/test_pip_venv.sh")}
        for info, text, line in build:
            for c in commands(text):
                for part in (p.strip() for p in c.split("&&")):
                    if part.startswith(("meson setup", "ninja", "meson test", ".ci/install-deps")):
                        self.assertIn(part.split()[0], scripts[".ci/run"], part)
                    elif part.startswith("meson install"):
                        self.assertIn("meson install -C", scripts["tests/test_install.sh"])
                    elif part.startswith("pkg-config"):
                        self.assertIn("pkg-config --cflags --libs phash",
                                      scripts["tests/test_install.sh"])
                    elif part.startswith("apt-get install"):
                        for pkg in part.split()[3:]:
                            self.assertIn(pkg, scripts[".ci/install-deps"], part)
                    elif "venv --system-site-packages" in part:
                        self.assertIn("-m venv --system-site-packages", scripts["tests/test_pip_venv.sh"])
                    elif "pip install" in part:
                        self.assertIn("pip install --quiet --no-build-isolation --no-index",
                                      scripts["tests/test_pip_venv.sh"])
                        self.assertIn("./bindings/python", part)
                    elif "python -c 'import phash" in part:
                        self.assertIn("import sys, phash", scripts["tests/test_pip_venv.sh"])
                    else:
                        self.fail(f"README line {line}: no test runs {part!r}")

    def test_6_outside_data_blocks(self):
        """Blocks that need data from outside the repository: named, skipped."""
        outside = self.claim("outside data")
        for info, text, line in outside:
            self.assertIn("bench/index_faiss.py", text)
        raise unittest.SkipTest("README block(s) at line(s) %s need an index data folder, "
                                "FAISS and a photo corpus from outside the repository" %
                                ", ".join(str(b[2]) for b in outside))

    def test_7_windows_cross_build_block(self):
        """The Windows block: its script and cross file exist and hold what
        it says (the cross build itself takes minutes and needs Wine: it is
        run by hand, see the README)."""
        import configparser
        for info, text, line in self.claim("windows cross build"):
            script = os.path.join(SRC, ".ci", "windows-deps")
            self.assertTrue(os.access(script, os.X_OK), script)
            self.assertEqual(subprocess.run(["bash", "-n", script]).returncode, 0)
            for cmd in commands(text):
                if "--cross-file" in cmd:
                    cross = cmd.split("--cross-file")[1].split()[0]
                    ini = configparser.ConfigParser()
                    ini.read(os.path.join(SRC, cross))
                    self.assertEqual(ini["binaries"]["exe_wrapper"], "'wine'")
                    self.assertEqual(ini["host_machine"]["system"], "'windows'")

    def test_8_windows_service_block(self):
        """The service block (Windows commands, run under Wine by
        tests/test_cli_service.py): the options of its phash command are
        scan's, the program's path is quoted inside binPath= (an unquoted
        path with spaces would run C:\\Program.exe)."""
        rc, out, err = run([PHASH, "scan", "--help"])
        self.assertEqual(rc, 0, err)
        for info, text, line in self.claim("windows service"):
            create = [c for c in commands(text) if c.startswith("sc create ")]
            self.assertEqual(len(create), 1, f"line {line}")
            bin_path = create[0].split("binPath= ", 1)[1]
            self.assertRegex(bin_path, r'^"\\"[A-Z]:\\[^"]*\\phash\.exe\\" scan ')
            for opt in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", bin_path):
                self.assertIn(opt, out, f"README line {line}: {opt} not in `phash scan --help`")
            self.assertIn("--windows-service", bin_path)

    def test_every_block_is_run_by_exactly_one_test(self):
        for info, text, line in self.blocks:
            names = [n for n, pred in CLAIMS.items() if pred((info, text, line))]
            self.assertEqual(len(names), 1, f"README line {line} ({info or 'text'}): {names}")


class TestCitations(unittest.TestCase):
    def test_cited_files_exist(self):
        """Paths in README.md, sample/README.md, bindings/python/README.md
        and docs/*.md exist in the repository (or in ../shared when written
        so); brace lists and * globs are expanded."""
        pat = re.compile(r"(?<![\w./-])((?:\.\./shared/|\.ci/|lib/|include/|tools/|tests/|bench/|"
                         r"bindings/|docs/|sample/|install/)(?:[\w./*-]|\{[\w.,-]*\})*[\w*}])")
        docs = [README, os.path.join(SRC, "sample", "README.md"),
                os.path.join(SRC, "bindings", "python", "README.md")] + \
            sorted(glob.glob(os.path.join(SRC, "docs", "*.md")))
        shared = os.environ.get("PHASH_SHARED", os.path.join(SRC, "..", "shared"))
        bad = []
        for doc in docs:
            fence = None
            for n, line in enumerate(read(doc).split("\n"), 1):
                if line.startswith("```"):
                    fence = None if fence is not None else line[3:].strip()
                    continue
                if fence == "":  # program output, not citations
                    continue
                # Any other `dir/file.ext` or absolute path in backquotes.
                for path in re.findall(r"`((?:/|[\w.-]+/)[\w./-]*\.(?:csv|txt|md|c|h|py|sh|json))`",
                                       line):
                    if path.startswith("/"):
                        if not os.path.exists(path):
                            bad.append(f"{os.path.relpath(doc, SRC)}:{n}: {path}")
                    elif not pat.fullmatch(path) and not exists(SRC, path) and \
                            not exists(os.path.dirname(doc), path):
                        bad.append(f"{os.path.relpath(doc, SRC)}:{n}: {path}")
                for path in pat.findall(line):
                    for p in expand(path):
                        root = SRC
                        if p.startswith("../shared/"):
                            if not os.path.isdir(shared):
                                continue
                            root, p = shared, p[len("../shared/"):]
                        if not exists(root, p) and not exists(os.path.dirname(doc), p):
                            bad.append(f"{os.path.relpath(doc, SRC)}:{n}: {path}")
        self.maxDiff = None
        self.assertEqual(bad, [])


def exists(root, p):
    """p under root, or a program built from it (bench/pdq: bench/pdq.c or
    bench/bench_pdq.c, as in build/bench/pdq)."""
    d, b = os.path.split(p)
    return any(glob.glob(os.path.join(root, q)) for q in (p, p + ".c", os.path.join(d, "bench_" + b + ".c")))


def expand(path):
    m = re.search(r"\{([^}]*)\}", path)
    if not m:
        return [path.rstrip(".")]
    return [q for alt in m.group(1).split(",")
            for q in expand(path[:m.start()] + alt + path[m.end():])]


if __name__ == "__main__":
    unittest.main()
