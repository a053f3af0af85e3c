#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan --watch through the library's watch (phash_scanner_watch):
- events lost by the kernel (inotify's queue overflowed while the scan was
  stopped) walk the PATHs again with a warning: images written after the
  flood, whose events were dropped, are reported;
- a watched folder deleted and created again is watched again: the root
  itself and a folder below it;
- the limit of watches (user.max_inotify_watches of a user namespace) is
  said at once, and the folders over it are walked again periodically
  (--watch-rescan): an image written there is reported.
No timed assertion: each waits for the records it expects (up to a minute).
Usage: test_scan_watch.py PHASH"""
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

PHASH = None
SRC = os.environ.get("PHASH_SOURCE_ROOT", ".")
SAMPLE = os.path.join(SRC, "sample")
SIGS = os.path.join(SAMPLE, "signatures.csv")
IMAGE = os.path.join(SAMPLE, "originals", "o0002.webp")  # matches SAMPLE-0002 (pdq, phash)


class Watch:
    """A `phash scan --watch` whose stdout and stderr lines are collected."""

    def __init__(self, args, prefix=()):
        self.p = subprocess.Popen([*prefix, PHASH, "scan", "--watch", "-s", SIGS, *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err = queue.Queue(), []
        threading.Thread(target=self._read, args=(self.p.stdout, self.out.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.p.stderr, self.err.append),
                         daemon=True).start()
        self.rows = []

    @staticmethod
    def _read(f, put):
        for line in f:
            put(line)

    def wait_for(self, text, timeout=60):
        """Wait until a stdout row contains text; the row."""
        end = time.monotonic() + timeout
        for row in self.rows:
            if text in row:
                return row
        while time.monotonic() < end:
            try:
                row = self.out.get(timeout=0.2)
            except queue.Empty:
                continue
            self.rows.append(row)
            if text in row:
                return row
        raise AssertionError("no row with %r in 60 s; stderr: %s" % (text, "".join(self.err)))

    def wait_err(self, text, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in line for line in self.err):
                return
            time.sleep(0.1)
        raise AssertionError("no %r on stderr in 60 s: %s" % (text, "".join(self.err)))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=60)
        time.sleep(0.2)  # the readers drain the pipes
        self.p.stdout.close()
        self.p.stderr.close()
        return self.p.returncode, "".join(self.err)


def put_image(path):
    """Write the matching image at path under a temporary name, then rename."""
    shutil.copyfile(IMAGE, path + ".part")
    os.rename(path + ".part", path)


class WatchTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-watch-")
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(os.path.join(self.tree, "sub"))
        put_image(os.path.join(self.tree, "first.webp"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_overflow_walks_again(self):
        w = Watch([self.tree])
        try:
            w.wait_for("first.webp,pdq")  # the first pass is under way: watches are set
            time.sleep(0.5)
            # Stopped, the scan reads no event: 40,000 close-after-write
            # events (two files in turn, so none merges) overflow the
            # kernel's queue (16,384 by default), then the images come.
            os.kill(w.p.pid, signal.SIGSTOP)
            flood = [os.path.join(self.tree, "sub", n) for n in ("a.txt", "b.txt")]
            for f in flood:
                with open(f, "w") as fh:
                    fh.write("x")
            for i in range(20000):
                for f in flood:  # opened for writing and closed: IN_CLOSE_WRITE
                    os.close(os.open(f, os.O_WRONLY))
            for k in range(3):
                put_image(os.path.join(self.tree, "sub", "late%d.webp" % k))
            os.kill(w.p.pid, signal.SIGCONT)
            for k in range(3):
                w.wait_for("late%d.webp,pdq" % k)
            w.wait_err("change events were lost")
        finally:
            rc, err = w.stop()
        self.assertEqual(rc, 1, err)
        self.assertIn("events lost 1 times", err)
        self.assertNotIn(".part", "".join(w.rows))  # temporaries never reported

    def test_folder_deleted_and_created_again(self):
        w = Watch([self.tree])
        try:
            w.wait_for("first.webp,pdq")
            # a folder below the root
            shutil.rmtree(os.path.join(self.tree, "sub"))
            time.sleep(0.5)
            os.makedirs(os.path.join(self.tree, "sub"))
            time.sleep(0.5)  # the new folder is watched (a walk would find it anyway)
            put_image(os.path.join(self.tree, "sub", "again.webp"))
            w.wait_for("sub/again.webp,pdq")
            # a file written into it later: only its watch can announce it
            time.sleep(1)
            put_image(os.path.join(self.tree, "sub", "later.webp"))
            w.wait_for("sub/later.webp,pdq")
            # the root itself
            shutil.rmtree(self.tree)
            time.sleep(1)
            os.makedirs(self.tree)
            put_image(os.path.join(self.tree, "back.webp"))
            w.wait_for("tree/back.webp,pdq")
            time.sleep(1)
            put_image(os.path.join(self.tree, "back2.webp"))
            w.wait_for("tree/back2.webp,pdq")
        finally:
            rc, err = w.stop()
        self.assertEqual(rc, 1, err)

    def test_watch_limit_said_and_rescanned(self):
        if subprocess.run(["unshare", "-Ur", "true"], capture_output=True).returncode != 0:
            self.skipTest("no user namespaces here (unshare -Ur)")
        for k in range(5):
            os.makedirs(os.path.join(self.tree, "deep%d" % k))
        # In a user namespace of its own, the scan may watch 3 folders.
        state = os.path.join(self.dir, "scan.state")
        w = Watch(["--watch-rescan", "1", "--state", state, self.tree],
                  prefix=("unshare", "-Ur", "sh", "-c",
                          "echo 3 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\""))
        try:
            w.wait_for("first.webp,pdq")
            w.wait_err("cannot be watched: the limit of watched folders is reached "
                       "(user.max_inotify_watches = 3)")
            # An image in each folder, watched or not: all are reported.
            for k in range(5):
                put_image(os.path.join(self.tree, "deep%d" % k, "img.webp"))
            for k in range(5):
                w.wait_for("deep%d/img.webp,pdq" % k)
            time.sleep(2)  # two more walks of the unwatched folders
        finally:
            rc, err = w.stop()
        self.assertEqual(rc, 1, err)
        self.assertIn("folders could not be watched (walked again periodically instead)", err)
        # with the state, each match is reported once however often walked
        rows = [r for r in w.rows if ",pdq," in r]
        self.assertEqual(len(rows), len(set(rows)), rows)
        self.assertEqual(len(rows), 6, rows)


if __name__ == "__main__":
    PHASH = sys.argv.pop(1)
    unittest.main()
