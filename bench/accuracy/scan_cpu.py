#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""CPU per image of `phash scan` with the default views and dihedral hashes
against the plain hash (PDQ + pHash of the image itself), on the same files
in the same run:

    bench/accuracy/scan_cpu.py --phash build/tools/phash --signatures LIST DIR...

Each setting scans every file under DIR with one worker thread and no nice
(`--threads 1 --no-nice`); the settings take turns for --rounds rounds so
that a change of the machine's load falls on all of them alike. The CPU time
is the scan process's own (user + system, from wait4), so the load of other
processes does not count; the figure per image is the median over the rounds
divided by the images hashed. Printed as Markdown with the machine and the
data."""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

SETTINGS = [
    ("plain: --no-dihedral --expand none", ["--no-dihedral", "--expand", "none"]),
    ("dihedral only: --expand none", ["--expand", "none"]),
    ("default (dihedral, border + embedded views)", []),
]


def run_once(phash, sig, dirs, extra):
    cmd = [phash, "scan", "--threads", "1", "--no-nice", "--signatures", sig] + extra + dirs
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        sys.exit(f"{' '.join(cmd)}: exit {rc}\n{err}")
    m = re.search(r"(\d+) images hashed", err)
    if not m:
        sys.exit(f"no summary from {' '.join(cmd)}:\n{err}")
    return ru.ru_utime + ru.ru_stime, int(m.group(1)), wall


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    la = os.getloadavg()
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, load average " \
           f"{la[0]:.1f}/{la[1]:.1f}/{la[2]:.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--phash", required=True, help="the phash CLI")
    p.add_argument("--signatures", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("dirs", nargs="+")
    a = p.parse_args()
    version = subprocess.run([a.phash, "--version"], capture_output=True,
                             text=True).stdout.strip()
    print(f"# phash scan: CPU per image by setting\n\n{version}; {machine()} at the start.")
    cpu = {name: [] for name, _ in SETTINGS}
    images = {}
    for r in range(a.rounds):
        for name, extra in SETTINGS:
            c, n, wall = run_once(a.phash, a.signatures, a.dirs, extra)
            cpu[name].append(c / n)
            images[name] = n
            print(f"round {r + 1}: {name}: {n} images, {c:.2f} s CPU, {wall:.2f} s wall",
                  file=sys.stderr, flush=True)
    print(f"Data: {', '.join(a.dirs)} ({images[SETTINGS[0][0]]} images hashed per scan), "
          f"list {a.signatures}; {a.rounds} rounds, settings in turn; load average at the "
          f"end {os.getloadavg()[0]:.1f}.\n")
    base = statistics.median(cpu[SETTINGS[0][0]])
    print("| setting | ms CPU per image (median) | rounds (ms) | x plain |")
    print("| --- | --- | --- | --- |")
    for name, _ in SETTINGS:
        med = statistics.median(cpu[name])
        rounds = ", ".join(f"{1000 * x:.3f}" for x in cpu[name])
        print(f"| {name} | {1000 * med:.3f} | {rounds} | x{med / base:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
