#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `phash scan` and `phash sigset` on sample/ and on
hostile inputs: the exact match set, compiled sets, error counting, symlink
loops, unreadable and vanishing files, --watch. Usage: test_scan.py PHASH."""
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

PHASH = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "phash"
SRC = os.environ.get("PHASH_SOURCE_ROOT", ".")
SHARED = os.environ.get("PHASH_SHARED", os.path.join(SRC, "..", "shared"))
SAMPLE = os.path.join(SRC, "sample")


def shared(*rel):
    """Path of test data under shared/; skips the calling test when it is
    missing (fails under PHASH_REQUIRE_SHARED=1, as in CI)."""
    path = os.path.join(SHARED, *rel)
    if not os.path.exists(path):
        msg = f"{path} is missing (test data from shared/; configure with -Dshared_dir=DIR)"
        if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
            raise AssertionError(msg)
        raise unittest.SkipTest(msg)
    return path
SIGS = os.path.join(SAMPLE, "signatures.csv")

# The README's first command on sample/: every match, (path, algo, distance, id).
# The alert policy decides per list entry: o0008/caption.jpg alerts on pHash 4
# because PDQ agrees within 56 (its PDQ record, 34, is listed as the evidence);
# SAMPLE-0006 has no PDQ hash, so o0006/caption.jpg at pHash 4 is only weak
# (WEAK), while pHash 0 copies alert on their own (<= 3). PLAIN: the images as
# they are (--no-dihedral); EXPECTED (the default) adds the turned and
# mirrored copies that PDQ's dihedral hashes find (DIHEDRAL_EXTRA).
PLAIN = sorted([
    ("originals/o0002.webp", "pdq", 0, "SAMPLE-0002"),
    ("originals/o0002.webp", "phash", 0, "SAMPLE-0002"),
    ("originals/o0003.png", "pdq", 0, "SAMPLE-0003"),
    ("originals/o0006.webp", "phash", 0, "SAMPLE-0006"),
    ("originals/o0008.jpg", "pdq", 0, "SAMPLE-0008"),
    ("originals/o0008.jpg", "phash", 0, "SAMPLE-0008"),
    ("variants/o0002/caption.jpg", "pdq", 12, "SAMPLE-0002"),
    ("variants/o0002/caption.jpg", "phash", 2, "SAMPLE-0002"),
    ("variants/o0002/jpeg_q30.jpg", "pdq", 2, "SAMPLE-0002"),
    ("variants/o0002/jpeg_q30.jpg", "phash", 0, "SAMPLE-0002"),
    ("variants/o0002/scale50.jpg", "pdq", 20, "SAMPLE-0002"),
    ("variants/o0002/scale50.jpg", "phash", 4, "SAMPLE-0002"),
    ("variants/o0003/caption.jpg", "pdq", 18, "SAMPLE-0003"),
    ("variants/o0003/jpeg_q30.jpg", "pdq", 4, "SAMPLE-0003"),
    ("variants/o0003/scale50.jpg", "pdq", 18, "SAMPLE-0003"),
    ("variants/o0006/jpeg_q30.jpg", "phash", 0, "SAMPLE-0006"),
    ("variants/o0006/scale50.jpg", "phash", 0, "SAMPLE-0006"),
    ("variants/o0008/caption.jpg", "pdq", 34, "SAMPLE-0008"),
    ("variants/o0008/caption.jpg", "phash", 4, "SAMPLE-0008"),
    ("variants/o0008/jpeg_q30.jpg", "pdq", 4, "SAMPLE-0008"),
    ("variants/o0008/jpeg_q30.jpg", "phash", 0, "SAMPLE-0008"),
    ("variants/o0008/scale50.jpg", "pdq", 12, "SAMPLE-0008"),
    ("variants/o0008/scale50.jpg", "phash", 4, "SAMPLE-0008"),
])
WEAK = [("variants/o0006/caption.jpg", "phash", 4, "SAMPLE-0006")]
# PDQ's dihedral hashes also find the turned and mirrored copies: (path, distance, variant).
DIHEDRAL_EXTRA = sorted([
    ("variants/o0002/mirror.jpg", 2, "flipy"),
    ("variants/o0002/rot90.jpg", 2, "rot90"),
    ("variants/o0003/mirror.jpg", 0, "flipy"),
    ("variants/o0003/rot90.jpg", 0, "rot90"),
    ("variants/o0008/mirror.jpg", 0, "flipy"),
    ("variants/o0008/rot90.jpg", 0, "rot90"),
])
EXPECTED = sorted(PLAIN + [(p, "pdq", d, "SAMPLE-" + p.split("/")[1][1:])
                           for p, d, v in DIHEDRAL_EXTRA])
MATCHED_IMAGES = 21  # 15 without the dihedral hashes
# The CSV header (the view column: the border and embedded views are on by default)
HEADER = "path,algo,distance,variant,list,id,metadata,hash,view,time,query_percent,index_percent"
SAMPLE_FILES = 61  # 56 images + README.md, 3 CSV files, corpus.json, signatures.csv


def run(*args, timeout=120, **kw):
    p = subprocess.run([PHASH, *args], capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def matches_of(stdout, root):
    rows = list(csv.DictReader(io.StringIO(stdout)))
    return sorted((os.path.relpath(r["path"], root), r["algo"], int(r["distance"]), r["id"])
                  for r in rows)


def summary_counts(stderr):
    """The numbers of the summary line, by name."""
    line = [l for l in stderr.splitlines() if l.startswith("phash scan: ") and " files, " in l][-1]
    words = line.replace(";", ",").replace(":", ",").split(",")
    out = {}
    for w in words:
        parts = w.split()
        if len(parts) >= 2 and parts[0].isdigit():
            out[" ".join(parts[1:])] = int(parts[0])
    return out


class SampleScan(unittest.TestCase):
    def test_exact_matches(self):
        rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(out.splitlines()[0], HEADER)
        self.assertEqual(matches_of(out, SAMPLE), EXPECTED)
        c = summary_counts(err)
        self.assertEqual(c["files"], SAMPLE_FILES)
        self.assertEqual(c["images hashed"], 56)
        self.assertEqual(c["not images"], SAMPLE_FILES - 56)
        self.assertEqual(c["errors"], 0)
        self.assertEqual(c["matches"], len(EXPECTED))
        self.assertEqual(c["images matched"], MATCHED_IMAGES)

    def test_weak_matches_on_request(self):
        rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, "--weak", "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(out.splitlines()[0], HEADER + ",level")
        rows = list(csv.DictReader(io.StringIO(out)))
        by_level = {lv: sorted((os.path.relpath(r["path"], SAMPLE), r["algo"],
                                int(r["distance"]), r["id"]) for r in rows if r["level"] == lv)
                    for lv in ("alert", "weak")}
        self.assertEqual(by_level, {"alert": EXPECTED, "weak": WEAK})
        c = summary_counts(err)
        self.assertEqual(c["matches"], len(EXPECTED))
        self.assertEqual(c["weak matches"], 1)
        self.assertEqual(c["images matched"], MATCHED_IMAGES)
        # A weak match alone is no match for the exit status; JSON names the level.
        path = os.path.join(SAMPLE, "variants", "o0006", "caption.jpg")
        rc, out, err = run("scan", path, "--signatures", SIGS, "--weak", "--json", "--no-nice")
        self.assertEqual(rc, 0, err)
        rec = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([(r["algo"], r["distance"], r["level"]) for r in rec],
                         [("phash", 4, "weak")])
        rc, out, err = run("scan", path, "--signatures", SIGS, "--no-nice")
        self.assertEqual((rc, out), (0, HEADER + "\n"))

    def test_dihedral(self):
        # on by default (--dihedral says it again); --no-dihedral: the images as they are
        rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, "--no-dihedral", "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(matches_of(out, SAMPLE), PLAIN)
        self.assertEqual(summary_counts(err)["images matched"], 15)
        rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, "--dihedral", "--no-nice")
        self.assertEqual(rc, 1, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        got = sorted((os.path.relpath(r["path"], SAMPLE), r["algo"], int(r["distance"]), r["id"])
                     for r in rows)
        extra = sorted((os.path.relpath(r["path"], SAMPLE), int(r["distance"]), r["variant"])
                       for r in rows if r["variant"] != "orig")
        self.assertEqual(extra, DIHEDRAL_EXTRA)
        self.assertEqual(sorted(g for g in got if (g[0], g[2]) not in
                                {(p, d) for p, d, v in DIHEDRAL_EXTRA}), PLAIN)
        self.assertEqual(got, EXPECTED)

    def test_default_low_impact_and_threads(self):
        # Default (nice, 1 worker) and 2 workers give the same set.
        for extra in ([], ["--threads", "2", "--no-nice"]):
            rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, *extra)
            self.assertEqual(rc, 1, err)
            self.assertEqual(matches_of(out, SAMPLE), EXPECTED)

    def test_json_and_metadata(self):
        rc, out, err = run("scan", os.path.join(SAMPLE, "originals"), "--signatures", SIGS,
                           "--json", "--no-nice")
        self.assertEqual(rc, 1, err)
        recs = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(recs), 6)
        first = sorted(recs, key=lambda r: (r["path"], r["algo"]))[0]
        self.assertEqual(first["path"], os.path.join(SAMPLE, "originals", "o0002.webp"))
        self.assertEqual(first["algo"], "pdq")
        self.assertEqual(first["id"], "SAMPLE-0002")
        self.assertEqual(first["list"], SIGS)
        self.assertEqual(first["metadata"], "category=demo; note=fields5 (endless-sky-data)")
        self.assertEqual(first["variant"], "orig")
        self.assertEqual(first["distance"], 0)
        self.assertEqual(first["hash"],
                         "d9eced6002f04e88725bef0c233043acd4bb3f116b04d1ab0b6f37933c2cc7cf")
        rc, out, err = run("scan", os.path.join(SAMPLE, "originals"), "--signatures", SIGS,
                           "--json", "--algo", "phash", "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(sorted(json.loads(l)["id"] for l in out.splitlines()),
                         ["SAMPLE-0002", "SAMPLE-0006", "SAMPLE-0008"])

    def test_no_match_and_radius(self):
        rc, out, err = run("scan", os.path.join(SAMPLE, "originals", "o0001.jpg"),
                           "--signatures", SIGS, "--no-nice")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, HEADER + "\n")
        rc, out, err = run("scan", os.path.join(SAMPLE, "variants"), "--signatures", SIGS,
                           "--radius", "phash=3", "--no-nice")
        self.assertEqual(rc, 1, err)
        self.assertEqual(matches_of(out, os.path.join(SAMPLE, "variants")),
                         [(p[len("variants/"):], a, d, i) for p, a, d, i in EXPECTED
                          if p.startswith("variants/") and (a == "pdq" and d <= 31 or d <= 3)])

    def test_compiled_set_gives_the_same_matches(self):
        with tempfile.TemporaryDirectory() as tmp:
            phx = os.path.join(tmp, "sample.phx")
            rc, out, err = run("sigset", "compile", SIGS, "-o", phx)
            self.assertEqual(rc, 0, err)
            self.assertEqual(os.stat(phx).st_mode & 0o777, 0o600)
            rc, out, err = run("sigset", "info", phx)
            self.assertEqual(rc, 0, err)
            self.assertIn("entries: pdq 9, phash 9", out)
            rc, out, err = run("scan", SAMPLE, "--signatures", phx, "--no-nice")
            self.assertEqual(rc, 1, err)
            self.assertEqual(matches_of(out, SAMPLE), EXPECTED)
            with open(phx, "r+b") as f:  # corrupt it: a clean refusal, status 2
                f.seek(70)
                f.write(b"\xee")
            rc, out, err = run("scan", SAMPLE, "--signatures", phx, "--no-nice")
            self.assertEqual(rc, 2)
            self.assertIn("checksum", err)

    def test_several_lists_keep_every_owner(self):
        with tempfile.TemporaryDirectory() as tmp:
            extra = os.path.join(tmp, "extra.jsonl")
            with open(extra, "w") as f:  # the same pHash as SAMPLE-0002, another list
                f.write('{"phash": "E66993E1BA4110BE", "id": "X-1", "case": 7}\n')
            rc, out, err = run("scan", os.path.join(SAMPLE, "originals", "o0002.webp"),
                               "--signatures", SIGS, "--signatures", extra, "--algo", "phash",
                               "--json", "--no-nice")
            self.assertEqual(rc, 1, err)
            recs = [json.loads(l) for l in out.splitlines()]
            self.assertEqual([(r["list"], r["id"], r["metadata"]) for r in recs],
                             [(SIGS, "SAMPLE-0002", "category=demo; note=fields5 (endless-sky-data)"),
                              (extra, "X-1", '{"case":7}')])
            phx = os.path.join(tmp, "s.phx")
            self.assertEqual(run("sigset", "compile", SIGS, "-o", phx)[0], 0)
            rc, out, err = run("scan", SAMPLE, "--signatures", phx, "--signatures", extra)
            self.assertEqual(rc, 2)
            self.assertIn("a compiled set must be the only --signatures", err)

    def test_cmyk_jpeg_phash_uses_raw_channels(self):
        # pHash's loader takes a CMYK JPEG's first three channels as RGB; PDQ's
        # converts. The scan must hash pHash the pHash way: these are the
        # library's pHash of the raw-channel and of the converted decode.
        with tempfile.TemporaryDirectory() as tmp:
            lst = os.path.join(tmp, "cmyk.csv")
            with open(lst, "w") as f:
                f.write("algo,hash,id\nphash,e53afe8a7da88442,RAW3\nphash,c53aea7d6a845728,RGB\n")
            rc, out, err = run("scan", shared("testdata", "formats", "jpeg", "video-001.cmyk.jpeg"),
                               "--signatures", lst, "--radius", "0", "--no-nice")
            self.assertEqual(rc, 1, err)
            self.assertEqual([r["id"] for r in csv.DictReader(io.StringIO(out))], ["RAW3"])

    def test_progress_only_on_a_terminal(self):
        import pty
        master, slave = pty.openpty()
        try:
            p = subprocess.run([PHASH, "scan", SAMPLE, "--signatures", SIGS, "--no-nice"],
                               stdout=subprocess.DEVNULL, stderr=slave, timeout=120)
            os.close(slave)
            slave = -1
            tty = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                tty += chunk
        finally:
            if slave >= 0:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"\r\033[Kscanning: ", tty)
        self.assertIn(b"phash scan: 61 files", tty)
        rc, out, err = run("scan", SAMPLE, "--signatures", SIGS, "--no-nice")
        self.assertNotIn("scanning:", err)

    def test_usage_errors(self):
        self.assertEqual(run("scan", SAMPLE)[0], 2)
        self.assertEqual(run("scan", "--signatures", SIGS)[0], 2)
        self.assertEqual(run("scan", SAMPLE, "--signatures", SIGS, "--algo", "photodna")[0], 2)
        self.assertEqual(run("scan", SAMPLE, "--signatures", "/nonexistent")[0], 2)
        rc, out, err = run("scan", "/nonexistent/folder", "--signatures", SIGS, "--no-nice")
        self.assertEqual(rc, 2)
        rc, out, err = run("scan", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("Exit status: 0 no match, 1 at least one match, 2 error", out)


class SigsetCommand(unittest.TestCase):
    def test_check_reports(self):
        with tempfile.TemporaryDirectory() as tmp:
            lst = os.path.join(tmp, "list.txt")
            with open(lst, "w") as f:
                f.write("e66993e1ba4110be\nnot-a-hash\n" + "0" * 64 + "\n")
            rc, out, err = run("sigset", "check", lst)
            self.assertEqual(rc, 0, err)
            self.assertIn("3 records: 1 inserted, 0 duplicates, 1 invalid, 1 all-zero", out)
            self.assertIn(lst + ":2: expected a PDQ hash (64 hex digits) or a pHash (16 hex "
                          "digits or a decimal number), found \"n\" at character 1 of the hash",
                          out)
            rc, out, err = run("sigset", "check", "--strict", lst)
            self.assertEqual(rc, 2)
            self.assertIn("error: " + lst + ":2: expected", out)
            with open(lst, "w") as f:
                f.write("junk\nmore junk\n")
            rc, out, err = run("sigset", "check", lst)
            self.assertEqual(rc, 2)
            self.assertIn("no valid signature (2 records, 2 invalid)", out)


class HostileInputs(unittest.TestCase):
    def test_malformed_files_are_counted(self):
        """Every file of formats/malformed and formats/huge is hashed or counted
        with the error kind the decoder's own table (tests/decode_formats.h)
        gives it; nothing stops the scan."""
        kinds = {"OK": None, "ERR_CORRUPT": "corrupt", "ERR_TRUNCATED": "truncated",
                 "ERR_TOO_LARGE": "too large", "ERR_UNSUPPORTED": "unsupported"}
        with open(os.path.join(SRC, "tests", "decode_formats.h")) as f:
            table = re.findall(r'\{"((?:malformed|huge)/[^"]+)", PHASH_(\w+),', f.read())
        folders = [shared("testdata", "formats", d) for d in ("malformed", "huge")]
        n = sum(len(os.listdir(d)) for d in folders)
        self.assertEqual(len(table), n)
        rc, out, err = run("scan", *folders, "--signatures", SIGS, "--verbose", "--no-nice",
                           timeout=300)
        self.assertEqual(rc, 0, err)
        listed = {}
        for line in err.splitlines():
            m = re.match(r"phash scan: .*/formats/(\S+): ([a-z ]+) \(", line)
            if m:
                listed[m.group(1)] = m.group(2)
        want = {}
        skipped = 0
        for name, status in table:
            if kinds[status]:
                want[name] = kinds[status]
        self.assertEqual(listed, want)
        c = summary_counts(err)
        self.assertEqual(c["files"], n)
        self.assertEqual(c["errors"], len(want))
        self.assertEqual(c["unsupported formats"], skipped)
        self.assertEqual(c["images hashed"], n - len(want) - skipped)

    def test_symlink_loop_unreadable_and_special_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            sub = os.path.join(tmp, "a", "b")
            os.makedirs(sub)
            shutil.copy(os.path.join(SAMPLE, "originals", "o0008.jpg"), sub)
            os.symlink(os.path.join(tmp, "a"), os.path.join(sub, "loop"))  # a/b/loop -> a
            os.symlink("..", os.path.join(tmp, "a", "up"))                   # a/up -> tmp
            os.symlink("/nonexistent", os.path.join(tmp, "dangling"))
            os.mkfifo(os.path.join(tmp, "fifo"))
            locked = os.path.join(tmp, "locked.jpg")
            shutil.copy(os.path.join(SAMPLE, "originals", "o0002.webp"), locked)
            os.chmod(locked, 0)
            for d in (tmp, os.path.join(tmp, "a"), sub):
                os.chmod(d, 0o755)
            # --follow: the loops are links inside the tree (the default
            # follows none; tests/test_scan_walk.py tests the walk controls)
            cmd = [PHASH, "scan", tmp, "--signatures", SIGS, "--no-nice", "--verbose",
                   "--follow"]
            locked_counts = True
            if os.geteuid() == 0:
                # Root reads everything: scan as nobody, if nobody can run this
                # build (not when it sits under a private home folder); else the
                # locked file is simply read and only the rest is checked.
                nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
                probe = subprocess.run(nobody + cmd[:1] + ["sigset", "info", SIGS],
                                       capture_output=True, timeout=60)
                if probe.returncode == 0:
                    cmd = nobody + cmd
                else:
                    locked_counts = False
                    print("note: nobody cannot run %s; unreadable-file check skipped" % PHASH)
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            ids = [r[3] for r in matches_of(p.stdout, tmp)]
            c = summary_counts(p.stderr)
            self.assertNotIn("dangling", p.stderr)  # a link to nowhere: not followed
            if locked_counts:
                self.assertEqual(ids, ["SAMPLE-0008", "SAMPLE-0008"])
                self.assertEqual(c["images hashed"], 1)
                self.assertEqual(c["errors"], 1)  # the locked file
                self.assertIn("locked.jpg: unreadable", p.stderr)
            else:
                self.assertEqual(c["images hashed"], 2)
                self.assertEqual(c["errors"], 1)

    def test_file_deleted_during_the_scan(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(SAMPLE, "originals", "o0008.jpg")  # a match row per file
            for i in range(30):
                shutil.copy(src, os.path.join(tmp, "f%02d.jpg" % i))
            # 10 images/s: the walk queues all 30 paths at once, then f29 goes
            # once the first row is out (after the walk, whatever the load: a
            # fixed wait let a slow start walk the folder without f29).
            p = subprocess.Popen([PHASH, "scan", tmp, "--signatures", SIGS, "--no-nice",
                                  "--max-rate", "10", "--verbose"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            header, first = p.stdout.readline(), p.stdout.readline()
            self.assertIn("f00.jpg", first)
            os.unlink(os.path.join(tmp, "f29.jpg"))
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 1, err)
            rows = [header, first] + out.splitlines(keepends=True)
            self.assertEqual(len({r[0] for r in matches_of("".join(rows), tmp)}), 29)
            c = summary_counts(err)
            self.assertEqual(c["files"], 30)
            self.assertEqual(c["images hashed"], 29)
            self.assertIn("f29.jpg: vanished", err)


class Watch(unittest.TestCase):
    def test_watch_picks_up_new_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(SAMPLE, "originals", "o0001.jpg"), tmp)
            p = subprocess.Popen([PHASH, "scan", tmp, "--signatures", SIGS, "--watch",
                                  "--no-nice"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                header = p.stdout.readline()
                self.assertEqual(header, HEADER + "\n")
                time.sleep(1.0)  # the first pass is done well before this
                os.mkdir(os.path.join(tmp, "new"))
                time.sleep(0.3)
                # Written under another name and renamed in, as downloads are.
                part = os.path.join(tmp, "new", "x.part")
                shutil.copy(os.path.join(SAMPLE, "variants", "o0006", "jpeg_q30.jpg"), part)
                os.rename(part, os.path.join(tmp, "new", "x.jpg"))
                shutil.copy(os.path.join(SAMPLE, "originals", "o0008.jpg"), tmp)
                lines = []
                deadline = time.time() + 30
                while len(lines) < 3 and time.time() < deadline:
                    lines.append(p.stdout.readline())
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=30)
            finally:
                if p.poll() is None:
                    p.kill()
            self.assertEqual(p.returncode, 1, err)
            ids = sorted(l.split(",")[5] for l in lines if l)
            self.assertEqual(ids, ["SAMPLE-0006", "SAMPLE-0008", "SAMPLE-0008"])
            # The temporary name of a file renamed into place is never
            # reported (issue 15: two alerts, one for a path that is gone).
            self.assertEqual([l for l in lines + out.splitlines() if ".part" in l], [])
            c = summary_counts(err)
            self.assertEqual(c["images hashed"], 3)


    def test_sigterm_ends_cleanly(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.Popen([PHASH, "scan", tmp, "--signatures", SIGS, "--watch",
                                  "--no-nice"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                self.assertEqual(p.stdout.readline(), HEADER + "\n")
                time.sleep(0.5)
                p.send_signal(signal.SIGTERM)
                out, err = p.communicate(timeout=30)
            finally:
                if p.poll() is None:
                    p.kill()
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(out, "")
            self.assertEqual(summary_counts(err)["files"], 0)


if __name__ == "__main__":
    unittest.main()
