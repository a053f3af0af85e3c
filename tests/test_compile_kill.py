#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash sigset compile killed at random moments (SIGKILL and SIGTERM, in a
loop) never leaves a temporary file behind nor a damaged set: after each
kill the folder holds the list and, at most, a complete compiled set (the
previous one or the new one); a later compile leaves exactly the list and
the set. Usage: test_compile_kill.py PHASH [-v]"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

PHASH = None
ROUNDS = int(os.environ.get("PHASH_KILL_ROUNDS", "24"))


class CompileKill(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="phash-kill-")
        self.dir = self.tmp.name
        self.list = os.path.join(self.dir, "list.txt")
        rnd = random.Random(15)
        with open(self.list, "w") as f:
            for _ in range(40000):
                f.write("%064x\n" % rnd.getrandbits(256))
        self.out = os.path.join(self.dir, "set.phx")

    def tearDown(self):
        self.tmp.cleanup()

    def compile(self):
        return subprocess.Popen([PHASH, "sigset", "compile", self.list, "-o", self.out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def assert_clean(self, allow_set):
        names = sorted(os.listdir(self.dir))
        want = ["list.txt", "set.phx"] if allow_set else ["list.txt"]
        self.assertIn(names, (want, ["list.txt"]), "leftovers after a kill")
        if "set.phx" in names:
            r = subprocess.run([PHASH, "sigset", "info", self.out], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("entries: pdq 40000, phash 0", r.stdout)

    def test_kill_loop(self):
        t0 = time.monotonic()
        p = self.compile()
        self.assertEqual(p.wait(), 0)
        full = time.monotonic() - t0
        os.unlink(self.out)
        rnd = random.Random(7)
        for i in range(ROUNDS):
            sig = signal.SIGKILL if i % 3 else signal.SIGTERM
            p = self.compile()
            time.sleep(rnd.uniform(0, full))
            p.send_signal(sig)
            p.wait()
            self.assert_clean(allow_set=True)
        p = self.compile()
        self.assertEqual(p.wait(), 0)
        self.assertEqual(sorted(os.listdir(self.dir)), ["list.txt", "set.phx"])
        self.assert_clean(allow_set=True)


if __name__ == "__main__":
    PHASH = os.path.abspath(sys.argv.pop(1))
    unittest.main()
