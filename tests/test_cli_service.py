#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash scan --windows-service under Wine (Windows cross builds only): the
service is created, started and stopped with Wine's sc.exe as an operator
would on Windows (README, "Windows"); it scans and watches its folder, the
parameter-change control reopens --output (as SIGHUP), the stop control ends
it with its summary in --log, the state saved and the scan's exit status as
the service-specific exit code. Wine's sc.exe has no "control" command: the
parameter change is sent by tests/win_service_ctl.c (ControlService). Wine
cannot send shutdown or preshutdown (Windows sends them only at shutdown):
test_cli_os.c calls the control handler with them.
Usage: test_cli_service.py WINE PHASH.EXE LIBPHASH.DLL WIN_SERVICE_CTL.EXE"""
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("PHASH_SOURCE_ROOT", ".")
SAMPLE = os.path.join(SRC, "sample")
IMAGE = os.path.join(SAMPLE, "originals", "o0003.png")  # SAMPLE-0003: one pdq row


def win(path):
    """The Windows name of a Linux path under Wine (drive Z: is /)."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


class Service(unittest.TestCase):
    def wine(self, *args):
        p = subprocess.run([WINE, *args], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout

    def query(self):
        out = self.wine("sc", "query", self.name)[1]
        return {k: int(v) for k, v in re.findall(r"(\w+)\s+: (\d+)", out)}

    def wait(self, what, test, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if test():
                return
            time.sleep(0.2)
        self.fail("waited in vain for " + what)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="phash-service-")
        d = self.tmp
        for f in (PHASH_EXE, DLL, CTL):  # the service finds the DLL beside phash.exe
            shutil.copy(f, d)
        self.watched = os.path.join(d, "watched")
        os.mkdir(self.watched)
        shutil.copy(IMAGE, os.path.join(self.watched, "a.png"))
        self.out = os.path.join(d, "matches.csv")
        self.log = os.path.join(d, "scan.log")
        self.state = os.path.join(d, "scan.state")
        self.conf = os.path.join(d, "scan.conf")
        with open(self.conf, "w") as f:
            f.write(f"signatures = {win(os.path.join(SAMPLE, 'signatures.csv'))}\n"
                    f"path = {win(self.watched)}\nwatch\n"
                    f"output = {win(self.out)}\nlog = {win(self.log)}\n"
                    f"state = {win(self.state)}\n")
        self.name = f"phash-test-{os.getpid()}"
        self.ctl = os.path.join(d, os.path.basename(CTL))
        # Wine ends the services when no other program runs: one waits
        self.keepalive = subprocess.Popen([WINE, self.ctl, "sleep", "240"],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
        exe = win(os.path.join(d, os.path.basename(PHASH_EXE)))
        rc, out = self.wine("sc", "create", self.name, "binPath=",
                            f'"{exe}" scan --windows-service --config {win(self.conf)}')
        self.assertEqual(rc, 0, out)

    def tearDown(self):
        if self.query().get("STATE") != 1:
            self.wine("sc", "stop", self.name)
        self.wine("sc", "delete", self.name)
        self.keepalive.kill()
        self.keepalive.wait()
        shutil.rmtree(self.tmp)

    def test_start_paramchange_stop(self):
        rc, out = self.wine("sc", "start", self.name)
        self.assertEqual(rc, 0, out)
        self.wait("the first match", lambda: os.path.exists(self.out) and len(rows(self.out)) == 2)
        self.assertEqual(self.query()["STATE"], 4)  # SERVICE_RUNNING
        first = rows(self.out)
        self.assertEqual(first[0][:3], ["path", "algo", "distance"])
        self.assertEqual((first[1][0], first[1][1], first[1][2], first[1][5]),
                         (win(os.path.join(self.watched, "a.png")), "pdq", "0", "SAMPLE-0003"))
        # paramchange = SIGHUP: --output reopened (log rotation)
        os.rename(self.out, self.out + ".1")
        rc, out = self.wine(self.ctl, "control", self.name, "6")  # SERVICE_CONTROL_PARAMCHANGE
        self.assertEqual(rc, 0, out)
        time.sleep(1)
        shutil.copy(IMAGE, os.path.join(self.watched, "b.png"))
        self.wait("the reopened output", lambda: os.path.exists(self.out) and len(rows(self.out)) == 2)
        self.assertEqual(rows(self.out)[1][0], win(os.path.join(self.watched, "b.png")))
        self.assertEqual(len(rows(self.out + ".1")), 2)
        # stop = SIGTERM: summary, state saved, the exit status (1: matches)
        rc, out = self.wine("sc", "stop", self.name)
        self.assertEqual(rc, 0, out)
        self.wait("SERVICE_STOPPED", lambda: self.query().get("STATE") == 1)
        q = self.query()
        self.assertEqual((q["WIN32_EXIT_CODE"], q["SERVICE_EXIT_CODE"]), (1066, 1), q)
        with open(self.log) as f:
            log = f.read()
        self.assertIn("phash scan: signature set reloaded from ", log)
        self.assertIn("phash scan: 2 files, 2 images hashed, 0 not images, 0 unsupported "
                      "formats, 0 errors; 2 matches, 2 images matched; 1 thread, ", log)
        self.assertIn("phash scan: state: 0 files answered from ", log)
        # the state was saved: both files are answered from it now
        p = subprocess.run([WINE, os.path.join(self.tmp, os.path.basename(PHASH_EXE)), "scan",
                            "--signatures", win(os.path.join(SAMPLE, "signatures.csv")),
                            "--state", win(self.state), "--no-nice", win(self.watched)],
                           capture_output=True, text=True, timeout=120)
        self.assertIn("phash scan: state: 2 files answered from ", p.stderr)

    def test_not_started_by_the_service_manager(self):
        p = subprocess.run([WINE, os.path.join(self.tmp, os.path.basename(PHASH_EXE)), "scan",
                            "--windows-service", "--config", win(self.conf)],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 2, p.stderr)
        with open(self.log) as f:  # --log has the message
            self.assertEqual(f.read(), "phash scan: --windows-service: not started by the "
                             "service control manager: install the service (sc create) and "
                             "start it (sc start, net start) (error 1063)\n")


if __name__ == "__main__":
    WINE, PHASH_EXE, DLL, CTL = sys.argv[1:5]
    del sys.argv[1:5]
    unittest.main()
