# SPDX-License-Identifier: MIT
"""phash.State from Python: a second scan decodes nothing and repeats no
match, rematch() reports a new list's matches reading no file, reports the
caller never took stay pending and come first next time, a foreign file is
set aside, a state is held by one process, and watch() follows a folder."""
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import phash  # noqa: E402

ROOT = os.environ.get("PHASH_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLE = os.path.join(ROOT, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")


class StateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-py-state-")
        self.tree = os.path.join(self.dir, "tree")
        shutil.copytree(SAMPLE, self.tree)
        self.path = os.path.join(self.dir, "scan.state")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_second_scan_decodes_nothing_and_repeats_nothing(self):
        with phash.State(self.path) as st:
            self.assertIsNone(st.rebuilt)
            with phash.Scanner(signatures=SIGS, state=st) as s:
                first = list(s.scan([self.tree]))
                self.assertEqual(len(first), 61)
                self.assertEqual(sum(len(r.matches) for r in first), 29)
                self.assertTrue(all(r.source == "file" for r in first))
            self.assertEqual(st.count("files"), 61)
            self.assertEqual((st.count("matches"), st.count("pending")), (29, 0))
            self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
            with phash.Scanner(signatures=SIGS, state=st) as s:
                again = list(s.scan([self.tree]))
                counters = s.counters()
            self.assertEqual(len(again), 61)
            self.assertEqual([r for r in again if r.matches], [])  # delivered before
            self.assertEqual(counters["cached"], 61)
            self.assertEqual(counters["known_matches"], 29)
            self.assertTrue(all(r.source == "state" for r in again if r.kind == "image"))

    def test_rematch_reads_no_file(self):
        small = os.path.join(self.dir, "small.csv")
        with open(SIGS) as f, open(small, "w") as g:
            for line in f:
                if line.startswith("signal_type") or "SAMPLE-0008" in line:
                    g.write(line)
        with phash.State(self.path) as st:
            with phash.Scanner(signatures=small, algorithms="pdq,phash", state=st) as s:
                first = [r for r in s.scan([self.tree]) if r.matches]
            self.assertEqual(sum(len(r.matches) for r in first), 10)
            os.chmod(self.tree, 0)  # nothing under it can be read now
            try:
                with phash.Scanner(signatures=SIGS, algorithms="pdq,phash", state=st) as s:
                    new = list(s.rematch())
                    self.assertEqual(s.counters()["bytes_read"], 0)
                    self.assertEqual(list(s.rematch()), [])  # all delivered now
            finally:
                os.chmod(self.tree, 0o755)
        self.assertEqual(sum(len(r.matches) for r in new), 19)
        self.assertEqual({r.source for r in new}, {"rematch"})
        self.assertNotIn("SAMPLE-0008", {m.id for r in new for m in r.matches})
        self.assertIn(("o0002.webp", "pdq", 0, "orig", "SAMPLE-0002"),
                      {(os.path.basename(r.path), m.algo, m.distance, m.variant, m.id)
                       for r in new for m in r.matches})

    def test_reports_not_taken_stay_pending(self):
        with phash.State(self.path) as st:
            with phash.Scanner(signatures=SIGS, state=st, threads=2) as s:
                taken = []
                for r in s.scan([self.tree]):
                    if r.matches:
                        taken.append(r)
                        break  # the caller stops after its first match
            seen = {m.match_id for r in taken for m in r.matches}
            self.assertGreaterEqual(len(seen), 1)
            pending = st.count("pending")
            # at least once: the report the loop held when it was left is not
            # counted as delivered (the loop may have been left by an exception)
            self.assertEqual(st.count("matches"), pending)
            self.assertGreaterEqual(pending, len(seen))
            with phash.Scanner(signatures=SIGS, state=st) as s:
                rest = list(s.scan([self.tree]))
            first = [r for r in rest if r.source == "pending"]
            self.assertEqual(sum(len(r.matches) for r in first), pending)
            self.assertEqual(rest[:len(first)], first)  # pending matches come first
            self.assertLessEqual(seen, {m.match_id for r in first for m in r.matches})
            ids = [m.match_id for r in rest for m in r.matches]
            self.assertEqual((len(ids), len(set(ids))), (29, 29))  # every match, once
            self.assertEqual(st.count("pending"), 0)

    def test_foreign_file_set_aside(self):
        with open(self.path, "w") as f:
            f.write("not a state\n")
        with phash.State(self.path) as st:
            self.assertIn("not an SQLite database", st.rebuilt)
            self.assertEqual(st.count("files"), 0)
        with open(self.path + ".corrupt") as f:
            self.assertEqual(f.read(), "not a state\n")

    def test_one_holder_and_closing(self):
        st = phash.State(self.path)
        with self.assertRaises(phash.PhashError) as cm:
            phash.State(self.path)
        self.assertEqual(cm.exception.status, 14)  # PHASH_ERR_STATE: the file is locked
        s = phash.Scanner(signatures=SIGS, state=st)
        st.close()  # lets go of the scanner too
        self.assertEqual(repr(st), f"State({self.path!r}, closed)")
        with self.assertRaises(ValueError):
            next(s.rematch())
        self.assertEqual(len(list(s.scan([os.path.join(self.tree, "originals")]))), 8)
        s.close()
        with self.assertRaises(TypeError):
            phash.Scanner(state=self.path)
        with self.assertRaises(phash.PhashError):
            phash.State(self.tree)  # a folder

    @unittest.skipUnless(sys.platform.startswith("linux"), "change notification tested on Linux")
    def test_watch_follows_a_folder(self):
        watched = os.path.join(self.dir, "watched")
        os.mkdir(watched)
        src = os.path.join(SAMPLE, "originals", "o0008.jpg")

        def write_later():
            time.sleep(0.5)
            sub = os.path.join(watched, "new", "deeper")
            os.makedirs(sub)
            time.sleep(0.5)  # a new folder is walked when it appears: let that walk pass
            tmp = os.path.join(sub, ".part")
            shutil.copyfile(src, tmp)
            os.rename(tmp, os.path.join(sub, "copy.jpg"))  # temp-then-rename: the final name only

        with phash.State(self.path) as st, phash.Scanner(signatures=SIGS, state=st) as s:
            writer = threading.Thread(target=write_later)
            writer.start()
            got = []
            for r in s.watch([watched], seconds=30):
                got.append(r)
                if r.matches:
                    break  # leaving the loop ends the watch
            writer.join()
            self.assertEqual(s.watch_detail, "")
        self.assertEqual([os.path.relpath(r.path, watched) for r in got],
                         [os.path.join("new", "deeper", "copy.jpg")])
        self.assertIn(("pdq", 0, "orig", "SAMPLE-0008"),
                      {(m.algo, m.distance, m.variant, m.id) for m in got[0].matches})

    def test_watch_ends_after_seconds(self):
        with phash.Scanner(signatures=SIGS) as s:
            t0 = time.monotonic()
            got = list(s.watch([os.path.join(self.tree, "originals")], seconds=0.5))
            self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual(len(got), 8)


if __name__ == "__main__":
    unittest.main()
