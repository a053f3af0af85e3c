#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan --state FILE: a second run decodes nothing and repeats no
match; --rematch reports a new list's matches without reading a file; JSON
records follow docs/match-record.schema.json; and kill -9 at random moments
(a loop) leaves a state that opens without being rebuilt, holds every file
whose records were written, and loses no alert: over all the runs every
match id of the tree is reported. Usage: test_scan_state.py PHASH"""
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
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
SCHEMA = os.path.join(SRC, "docs", "match-record.schema.json")


def scan(*args, timeout=300):
    p = subprocess.run([PHASH, "scan", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def records(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def answered(err):
    """The 'N files answered from' figure of the summary."""
    for line in err.splitlines():
        if "files answered from" in line:
            return int(line.split("state: ")[1].split()[0])
    raise AssertionError("no state line in: " + err)


class StateRuns(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-scan-state-")
        self.tree = os.path.join(self.dir, "tree")
        shutil.copytree(SAMPLE, self.tree)
        self.state = os.path.join(self.dir, "scan.state")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_second_run_decodes_nothing_and_repeats_nothing(self):
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, self.tree)
        self.assertEqual(rc, 1, err)
        first = records(out)
        self.assertEqual(len(first), 29)  # 6 through PDQ's dihedral hashes (default)
        self.assertEqual(stat.S_IMODE(os.stat(self.state).st_mode), 0o600)
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, self.tree)
        self.assertEqual(rc, 0, err)  # no new match
        self.assertEqual(out, "")
        self.assertIn("0 images hashed", err)
        self.assertEqual(answered(err), 61)
        self.assertIn("29 matches reported before", err)

    def test_rematch_reads_no_file(self):
        small = os.path.join(self.dir, "small.csv")
        with open(SIGS) as f, open(small, "w") as g:
            for line in f:
                if line.startswith("signal_type") or "SAMPLE-0008" in line:
                    g.write(line)
        rc, out, err = scan("--json", "--state", self.state, "-s", small, "--algo", "pdq,phash",
                            self.tree)
        self.assertEqual(rc, 1, err)
        # SAMPLE-0008 rows of the 29 (caption.jpg's pHash 4 alerts with its PDQ 34 agreeing;
        # mirror.jpg and rot90.jpg through the dihedral hashes)
        self.assertEqual(len(records(out)), 10)
        os.chmod(self.tree, 0)  # nothing under it can be read now
        try:
            rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, "--algo",
                                "pdq,phash", "--rematch")
        finally:
            os.chmod(self.tree, 0o755)
        self.assertEqual(rc, 1, err)
        new = records(out)
        self.assertEqual(len(new), 19)
        self.assertTrue(all(r["source"] == "rematch" for r in new))
        self.assertFalse(any(r["id"] == "SAMPLE-0008" for r in new))
        rc, out, err = scan("--state", self.state, "-s", SIGS, "--algo", "pdq,phash", "--rematch")
        self.assertEqual((rc, out.count("\n")), (0, 1), err)  # the CSV header only

    def test_rematch_usage(self):
        rc, _, err = scan("--rematch", "-s", SIGS, self.tree)
        self.assertEqual(rc, 2)
        self.assertIn("--rematch needs --state", err)

    def test_records_follow_the_schema(self):
        import jsonschema
        with open(SCHEMA) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, "--expand", "border",
                            self.tree)
        recs = records(out)
        self.assertEqual(len(recs), 29, err)
        for r in recs:
            jsonschema.validate(r, schema)
        one = [r for r in recs if r["path"].endswith("originals/o0008.jpg") and r["algo"] == "pdq"]
        self.assertEqual(len(one), 1)
        r = one[0]
        st = os.stat(os.path.join(self.tree, "originals", "o0008.jpg"))
        self.assertEqual((r["size"], r["mtime_ns"]), (st.st_size, st.st_mtime_ns))
        self.assertEqual(r["file_hashes"]["pdq"], r["hash"])  # distance 0
        self.assertEqual(r["category"], "demo")
        self.assertEqual(r["source"], "file")
        # ids are stable: the same without a state
        rc, out, err = scan("--json", "-s", SIGS, "--expand", "border", self.tree)
        self.assertEqual(sorted(x["match_id"] for x in records(out)),
                         sorted(x["match_id"] for x in recs))

    def test_damaged_state_is_rebuilt_with_a_warning(self):
        with open(self.state, "w") as f:
            f.write("not a state\n")
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, self.tree)
        self.assertEqual(rc, 1, err)
        self.assertIn("warning: state " + self.state + " was not an SQLite database", err)
        self.assertEqual(len(records(out)), 29)
        with open(self.state + ".corrupt") as f:
            self.assertEqual(f.read(), "not a state\n")


class KillLoop(unittest.TestCase):
    """kill -9 at random moments, then the state is checked and used."""

    ROUNDS = int(os.environ.get("PHASH_KILL_ROUNDS", "10"))

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-state-kill-")
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(self.tree)
        for k in range(6):  # 6 copies of the variants: 288 images, 138 matches
            shutil.copytree(os.path.join(SAMPLE, "variants"), os.path.join(self.tree, "c%d" % k))
        self.state = os.path.join(self.dir, "scan.state")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def stored_paths(self):
        db = sqlite3.connect("file:%s?mode=ro" % self.state, uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA quick_check").fetchone()[0], "ok")
            return {bytes(p).decode() for (p,) in db.execute("SELECT path FROM files")}
        finally:
            db.close()

    def killed_round(self, rng, files, i):
        """One scan killed with SIGKILL; (records written, cut mid-scan).

        Even rounds read a random number of the tree's files from a pipe
        (--files-from -): the names are followed by 64 KiB of empty lines so
        that the list reader hands them over at once, then the pipe stays
        open, so the scan cannot end before the kill: it is cut mid-scan
        whatever the machine's speed or load, hashing, committing or waiting
        for more names. Odd rounds walk the whole tree and are killed at a
        random moment (cut or not: both are fine)."""
        if i % 2 == 0:
            k = rng.randrange(1, len(files))
            p = subprocess.Popen([PHASH, "scan", "--json", "--state", self.state, "-s", SIGS,
                                  "--files-from", "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            p.stdin.write("".join(f + "\n" for f in rng.sample(files, k)).encode()
                          + b"\n" * 65536)
            p.stdin.flush()
        else:
            p = subprocess.Popen([PHASH, "scan", "--json", "--state", self.state, "-s", SIGS,
                                  self.tree], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.005, 0.3))
        p.send_signal(signal.SIGKILL)
        out, err = p.communicate(timeout=120)
        out, err = out.decode(), err.decode()
        mid_scan = p.returncode == -signal.SIGKILL and "phash scan:" not in err
        self.assertNotIn("warning", err)  # never rebuilt
        # the last record may be cut short by the kill
        recs = records(out.rsplit("\n", 1)[0] if not out.endswith("\n") else out)
        return recs, mid_scan

    def test_kill_loop(self):
        rc, out, err = scan("--json", "-s", SIGS, self.tree)
        want = {r["match_id"] for r in records(out)}
        self.assertEqual(len(want), 138, err)
        rng = random.Random(15)
        seen = []
        cut = 0  # rounds killed before their scan ended
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(self.tree) for f in fs)
        for i in range(self.ROUNDS):
            # a third of the files changed (mtime): hashed again this round
            for path in rng.sample(files, len(files) // 3):
                os.utime(path, ns=(time.time_ns(), time.time_ns() - rng.randrange(10**12)))
            recs, mid_scan = self.killed_round(rng, files, i)
            if i % 2 == 0:
                self.assertTrue(mid_scan, "round %d: the pipe was open, yet the scan ended" % i)
            seen += [r["match_id"] for r in recs]
            cut += mid_scan
            if os.path.exists(self.state):
                stored = self.stored_paths()
                # every file whose record was written is in the state
                for r in recs:
                    self.assertIn(r["path"], stored)
        self.assertGreaterEqual(cut, (self.ROUNDS + 1) // 2)  # the loop did kill scans mid-way
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, self.tree)
        self.assertNotIn("warning", err)
        self.assertIn(rc, (0, 1), err)
        seen += [r["match_id"] for r in records(out)]
        self.assertEqual(set(seen), want)  # no alert lost
        # at most the records of the files in flight at each kill repeat
        self.assertLessEqual(len(seen) - len(want), 8 * self.ROUNDS)
        rc, out, err = scan("--json", "--state", self.state, "-s", SIGS, self.tree)
        self.assertEqual((rc, out), (0, ""), err)
        self.assertEqual(answered(err), 288)


class MaxCpu(unittest.TestCase):
    """--max-cpu PERCENT: a CPU budget the summary accounts for."""

    def test_budget_sleeps_and_is_reported(self):
        # At 2% of a core every decode leaves a debt (unless this machine
        # gives the scan under 2% of a CPU): the threads sleep.
        rc, out, err = scan("--json", "--max-cpu", "2", "--threads", "2", "-s", SIGS,
                            os.path.join(SAMPLE, "originals"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(records(out)), 6, err)  # the same matches as without
        line = [l for l in err.splitlines() if "--max-cpu 2:" in l]
        self.assertEqual(len(line), 1, err)
        self.assertGreater(float(line[0].split("slept ")[1].split()[0]), 0.0, err)

    def test_bad_values(self):
        for bad in ("0", "-5", "25601", "x", "50%"):
            rc, out, err = scan("--max-cpu", bad, "-s", SIGS, SAMPLE)
            self.assertEqual(rc, 2, bad)
            self.assertIn("--max-cpu: expected a percent of one core", err)


class OnMatch(unittest.TestCase):
    """--on-match CMD: run per alert without a shell, record on stdin, a
    failure or a timeout stops the scan and keeps the alert pending."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-onmatch-")
        self.state = os.path.join(self.dir, "s.state")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_records_on_stdin(self):
        got = os.path.join(self.dir, "alerts.jsonl")
        rc, out, err = scan("--json", "--on-match", "tee -a " + got, "-s", SIGS,
                            os.path.join(SAMPLE, "originals"))
        self.assertEqual(rc, 1, err)
        with open(got) as f:
            self.assertEqual(f.read(), out)  # the same records, one run each
        self.assertEqual(len(records(out)), 6)

    def test_failure_keeps_the_alert(self):
        rc, out, err = scan("--state", self.state, "--on-match", "false", "-s", SIGS,
                            os.path.join(SAMPLE, "originals"))
        self.assertEqual(rc, 2, err)
        self.assertIn("--on-match false: exit status 1; stopping", err)
        rc, out, err = scan("--json", "--state", self.state, "--on-match", "true", "-s", SIGS,
                            os.path.join(SAMPLE, "originals"))
        self.assertEqual(rc, 1, err)
        recs = records(out)
        self.assertEqual(len(recs), 6)
        self.assertEqual(recs[0]["source"], "pending")

    def test_timeout(self):
        t0 = time.time()
        rc, out, err = scan("--on-match", "sleep 20", "--on-match-timeout", "0.5", "-s", SIGS,
                            os.path.join(SAMPLE, "originals"))
        self.assertEqual(rc, 2, err)
        self.assertIn("--on-match sleep: no exit after", err)
        self.assertLess(time.time() - t0, 15)


class ReloadDuringWalk(unittest.TestCase):
    """A one-shot scan (no --watch) loads a new list on SIGHUP while it runs:
    the files it reads after the reload are matched against the new list.
    Deterministic: the scan reads its files from a pipe (--files-from -),
    each handed over at once (64 KiB of empty lines after it), and the next
    file is given only once the previous step is seen."""

    def test_sighup_mid_scan(self):
        d = tempfile.mkdtemp(prefix="phash-reload-walk-")
        try:
            lst = os.path.join(d, "list.csv")

            def write_list(ident):
                with open(SIGS) as f, open(lst + ".new", "w") as g:
                    g.writelines(l for l in f if l.startswith("signal_type") or ident in l)
                os.rename(lst + ".new", lst)

            write_list("SAMPLE-0003")
            err = open(os.path.join(d, "err.txt"), "w+")
            p = subprocess.Popen([PHASH, "scan", "--json", "-s", lst, "--files-from", "-"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)

            def feed(path):
                p.stdin.write(path.encode() + b"\n" * 65537)
                p.stdin.flush()

            def wait_err(text):
                for _ in range(600):
                    err.seek(0)
                    if text in err.read():
                        return
                    time.sleep(0.1)
                self.fail("no %r on stderr" % text)

            o1 = os.path.join(SAMPLE, "originals", "o0003.png")
            o2 = os.path.join(SAMPLE, "originals", "o0002.webp")
            feed(o1)
            first = json.loads(p.stdout.readline())  # the scan is under way
            self.assertEqual((first["path"], first["id"]), (o1, "SAMPLE-0003"))
            write_list("SAMPLE-0002")
            p.send_signal(signal.SIGHUP)
            feed(os.path.join(SAMPLE, "README.md"))  # a report: the reload happens there
            wait_err("signature set reloaded")
            feed(o2)
            feed(o1)
            p.stdin.close()
            out = p.stdout.read()
            self.assertEqual(p.wait(timeout=60), 1)
            recs = records(out)
            # o0002 matches the new list; o0003 no longer does
            self.assertEqual({(r["path"], r["id"]) for r in recs}, {(o2, "SAMPLE-0002")})
            p.stdout.close()
            err.close()
        finally:
            shutil.rmtree(d)


class HotReload(unittest.TestCase):
    """--watch: a new list is used without a restart (SIGHUP or the file
    changing); a list that fails to load leaves the old one serving."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-reload-")
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(self.tree)
        self.list = os.path.join(self.dir, "list.csv")
        self.write_list("SAMPLE-0002")
        self.err = open(os.path.join(self.dir, "err.txt"), "w+")
        self.out = open(os.path.join(self.dir, "out.txt"), "w+")
        self.p = subprocess.Popen([PHASH, "scan", "--watch", "--json", "-s", self.list,
                                   self.tree], stdout=self.out, stderr=self.err)

    def tearDown(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=60)
        self.err.close()
        self.out.close()
        shutil.rmtree(self.dir)

    def write_list(self, ident, broken=False):
        tmp = self.list + ".new"
        with open(SIGS) as f, open(tmp, "w") as g:
            for line in f:
                if line.startswith("signal_type") or ident in line:
                    g.write(line)
            if broken:
                g.write("pdq,zz-not-hex,BROKEN,x,y\n" * 1)
        os.rename(tmp, self.list)  # installed by rename

    def wait_for(self, path, text, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            with open(path) as f:
                got = f.read()
            if text in got:
                return got
            self.assertIsNone(self.p.poll(), got)
            time.sleep(0.1)
        self.fail("no %r in %s: %s" % (text, path, got))

    def drop(self, name):
        shutil.copy(os.path.join(SAMPLE, "originals", "o0008.jpg"), os.path.join(self.tree, name))

    def test_reload_on_change_and_on_sighup(self):
        time.sleep(0.5)
        self.drop("a.jpg")  # SAMPLE-0008: not in the first list
        self.write_list("SAMPLE-0008")  # the file changes: reloaded once settled
        self.wait_for(self.err.name, "signature set reloaded")
        self.drop("b.jpg")
        got = self.wait_for(self.out.name, '"id":"SAMPLE-0008"')
        self.assertNotIn("a.jpg", got)  # scanned before the reload
        self.assertIn("b.jpg", got)
        # SIGHUP does not kill; a list that fails to load leaves the old one
        with open(self.list, "w") as f:
            f.write("this is not a signature list\x00\n")
        self.p.send_signal(signal.SIGHUP)
        self.wait_for(self.err.name, "the previous one keeps serving")
        self.drop("c.jpg")
        got = self.wait_for(self.out.name, "c.jpg")
        self.assertEqual(got.count('"id":"SAMPLE-0008"'), 4)  # b and c, pdq and phash
        self.p.send_signal(signal.SIGTERM)
        self.assertEqual(self.p.wait(timeout=60), 1)


class NewAlgorithmsOnReload(unittest.TestCase):
    """A reloaded set that holds an algorithm the running scan does not
    compute (its hashers are made at start) is not ignored: a one-shot scan
    walks its PATHs again for it after the walk, computing only the new
    algorithm (no match repeated); --watch restarts with every algorithm,
    the PATHs watched and walked again. Before: never matched, nothing said."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-newalgo-")
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(self.tree)
        self.list = os.path.join(self.dir, "list.csv")
        self.o8 = os.path.join(SAMPLE, "originals", "o0008.jpg")
        with open(self.o8, "rb") as f:
            self.md5 = hashlib.md5(f.read()).hexdigest()
        self.write_list(md5=False)
        self.err = open(os.path.join(self.dir, "err.txt"), "w+")

    def tearDown(self):
        self.err.close()
        shutil.rmtree(self.dir)

    def write_list(self, md5):
        with open(SIGS) as f, open(self.list + ".new", "w") as g:
            g.writelines(l for l in f if l.startswith("signal_type") or "SAMPLE-0003" in l)
            if md5:
                g.write("md5,%s,MD5-0008,demo,x\n" % self.md5)
        os.rename(self.list + ".new", self.list)

    def wait_err(self, p, text):
        for _ in range(600):
            self.err.seek(0)
            got = self.err.read()
            if text in got:
                return got
            self.assertIsNone(p.poll(), got)
            time.sleep(0.1)
        self.fail("no %r on stderr" % text)

    def drop(self, name):
        shutil.copy(self.o8, os.path.join(self.tree, name))

    def test_one_shot_walks_again_for_the_new_algorithm(self):
        self.drop("a.jpg")  # walked before the reload: pdq and phash only
        p = subprocess.Popen([PHASH, "scan", "--json", "-s", self.list, self.tree,
                              "--files-from", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=self.err)

        def feed(path):  # handed over at once (see ReloadDuringWalk)
            p.stdin.write(path.encode() + b"\n" * 65537)
            p.stdin.flush()

        o3 = os.path.join(SAMPLE, "originals", "o0003.png")
        feed(o3)
        first = json.loads(p.stdout.readline())  # the tree is walked, o0003 reported
        self.assertEqual(first["id"], "SAMPLE-0003")
        self.write_list(md5=True)
        p.send_signal(signal.SIGHUP)
        feed(os.path.join(SAMPLE, "README.md"))  # a report: the reload happens there
        self.wait_err(p, "which this scan does not compute")
        p.stdin.close()
        recs = [first] + records(p.stdout.read().decode())
        p.stdout.close()
        self.assertEqual(p.wait(timeout=60), 1)
        got = sorted((r["path"], r["algo"], r["id"]) for r in recs)
        self.assertEqual(got, sorted([(o3, "pdq", "SAMPLE-0003"),
                                      (os.path.join(self.tree, "a.jpg"), "md5", "MD5-0008")]))
        self.err.seek(0)
        err = self.err.read()
        self.assertIn("walking the PATHs again for the md5 hashes", err)
        self.assertIn("--files-from - cannot be read again", err)

    def test_watch_restarts_with_the_new_algorithm(self):
        out = open(os.path.join(self.dir, "out.txt"), "w+")
        p = subprocess.Popen([PHASH, "scan", "--watch", "--json", "-s", self.list, self.tree],
                             stdout=out, stderr=self.err)
        try:
            time.sleep(0.5)
            self.drop("a.jpg")  # before the reload: no md5 computed, no match
            self.write_list(md5=True)  # the file changes: reloaded once settled
            self.wait_err(p, "the scan restarts with them")
            self.drop("b.jpg")
            for _ in range(600):
                out.seek(0)
                recs = records(out.read())
                if len(recs) >= 2:
                    break
                self.assertIsNone(p.poll())
                time.sleep(0.1)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=60), 1)
            out.seek(0)
            got = {(os.path.basename(r["path"]), r["algo"], r["id"]) for r in records(out.read())}
            self.assertEqual(got, {("a.jpg", "md5", "MD5-0008"), ("b.jpg", "md5", "MD5-0008")})
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            out.close()


if __name__ == "__main__":
    PHASH = sys.argv.pop(1)
    unittest.main()
