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
Each runs with the watch a root scan chooses (fanotify where fanotify_init
works, with the flood then written outside the PATH: fanotify's queue is the
whole file system's) and with --watch-inotify; the watch in use is said on
stderr at once.
No timed assertion: each waits for the records it expects (up to a minute).
Usage: test_scan_watch.py PHASH"""
import ctypes
import errno
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


def fanotify_usable():
    """Whether fanotify_init works here (as the library calls it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    # FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_DIR_FID | FAN_REPORT_NAME
    fd = libc.fanotify_init(0x1 | 0x400 | 0x800, os.O_RDONLY)
    if fd >= 0:
        os.close(fd)
        return True
    return ctypes.get_errno() not in (errno.EPERM, errno.ENOSYS)


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
    OPTIONS = []  # the watch a scan chooses

    def watch(self, args, prefix=()):
        return Watch([*self.OPTIONS, *args], prefix)

    def fanotify(self):
        return not self.OPTIONS and fanotify_usable()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phash-watch-")
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(os.path.join(self.tree, "sub"))
        put_image(os.path.join(self.tree, "first.webp"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_overflow_walks_again(self):
        w = self.watch([self.tree])
        try:
            w.wait_for("first.webp,pdq")  # the first pass is under way: watches are set
            time.sleep(0.5)
            # Stopped, the scan reads no event: close-after-write events
            # overflow the kernel's queue (16,384 by default), then the
            # images come. inotify: 40,000 events of two files in turn (so
            # none merges) in the PATH; fanotify merges those, but its queue
            # is the file system's: 17,000 files written outside the PATH.
            os.kill(w.p.pid, signal.SIGSTOP)
            if self.fanotify():
                os.mkdir(os.path.join(self.dir, "flood"))
                for i in range(17000):
                    os.close(os.open(os.path.join(self.dir, "flood", str(i)),
                                     os.O_WRONLY | os.O_CREAT, 0o600))
            else:
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

    def test_watch_said(self):
        w = self.watch([self.tree])
        try:
            w.wait_for("first.webp,pdq")
            if self.fanotify():
                w.wait_err("phash scan: --watch: fanotify: one mark per file system "
                           "(its events outside the roots dropped)")
            else:
                w.wait_err("phash scan: --watch: inotify: one watch per folder (limit: ")
            # a file in a folder made after the watch began, reported once
            deep = os.path.join(self.tree, "a", "b", "c")
            os.makedirs(deep)
            put_image(os.path.join(deep, "deep.webp"))
            w.wait_for("c/deep.webp,pdq")
            put_image(os.path.join(self.tree, "last.webp"))
            w.wait_for("tree/last.webp,pdq")
        finally:
            rc, err = w.stop()
        self.assertEqual(rc, 1, err)
        if self.fanotify():  # (inotify: the new folders' walk may race its event)
            self.assertEqual(len([r for r in w.rows if "deep.webp,pdq" in r]), 1, w.rows)
        self.assertEqual(err.count("phash scan: --watch: "), 1, err)

    def test_folder_deleted_and_created_again(self):
        w = self.watch([self.tree])
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
        w = self.watch(["--watch-rescan", "1", "--state", state, self.tree],
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


class InotifyWatchTest(WatchTest):
    """The same with --watch-inotify."""
    OPTIONS = ["--watch-inotify"]


if __name__ == "__main__":
    PHASH = sys.argv.pop(1)
    unittest.main()
