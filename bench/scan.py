#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scan throughput and memory: `phash scan` over a folder with 1 and 2 worker
threads (--no-nice, best of 3 wall time), once with the default low-impact
priority, and beside it in the same run the peer `phash hash -r` (decode + PDQ
only, no matching) over the same files; then the container rows: the same
files packed (by Python's zipfile and tarfile, in a temporary folder) into
a stored ZIP, a deflated ZIP and a tar.gz, each scanned with 1 thread beside
the folder's figures (the difference is the archive reading and inflating).

    bench/scan.py [PHASH [FOLDER [SET]]]
    (defaults: build/tools/phash, sample/, sample/signatures.csv; or the
     environment variables PHASH_BENCH_SCAN_DIR and PHASH_BENCH_SCAN_SET)

Peak memory is each run's maximum resident set (/usr/bin/time). The machine is
shared with other jobs: the load average is printed before and after."""
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
phash = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "tools", "phash")
folder = sys.argv[2] if len(sys.argv) > 2 else os.environ.get(
    "PHASH_BENCH_SCAN_DIR", os.path.join(root, "sample"))
sigs = sys.argv[3] if len(sys.argv) > 3 else os.environ.get(
    "PHASH_BENCH_SCAN_SET", os.path.join(root, "sample", "signatures.csv"))


def run(args):
    """Wall seconds, peak RSS bytes, CPU seconds and stderr of one child. The
    peak RSS comes from /usr/bin/time: wait4's ru_maxrss of a child forked
    from this Python would count the interpreter's pages too."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "bench-rusage %M %U %S", *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    m = re.search(r"bench-rusage (\d+) ([\d.]+) ([\d.]+)", p.stderr)
    return wall, int(m.group(1)) * 1024, float(m.group(2)) + float(m.group(3)), p.stderr


def best(args, n=3):
    runs = [run(args) for _ in range(n)]
    return min(runs, key=lambda r: r[0])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


files = sum(len(fs) for _, _, fs in os.walk(folder))
print("# bench: scan")
print("# %s" % subprocess.run([phash, "version"], capture_output=True, text=True).stdout.strip())
print("# cpu: %s, %d online cores; load average %.2f %.2f %.2f" % ((cpu_model(), os.cpu_count()) +
                                                                  os.getloadavg()))
print("# data: %s (%d files), signatures %s" % (folder, files, sigs))
images = None
for threads in (1, 2):
    wall, rss, cpu, err = best([phash, "scan", folder, "--signatures", sigs, "--no-nice",
                                "--threads", str(threads)])
    m = re.search(r"(\d+) images hashed.*?(\d+) matches", err)
    images = int(m.group(1))
    print("phash scan --no-nice --threads %d: %.3f s best of 3, %.1f images/s, CPU %.2f s, "
          "peak RSS %.1f MB, %s matches" % (threads, wall, images / wall, cpu, rss / 1e6,
                                           m.group(2)))
wall, rss, cpu, err = run([phash, "scan", folder, "--signatures", sigs])
print("phash scan (default: nice 19 + SCHED_IDLE + idle I/O, 1 thread): %.3f s, %.1f images/s, "
      "CPU %.2f s, peak RSS %.1f MB" % (wall, images / wall, cpu, rss / 1e6))
wall, rss, cpu, err = best([phash, "hash", "-r", folder])
print("peer phash hash -r (decode + PDQ, no matching): %.3f s best of 3, %.1f files/s, CPU %.2f s, "
      "peak RSS %.1f MB" % (wall, files / wall, cpu, rss / 1e6))


def pack(tmp):
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)
    out = []
    for name, method in (("stored.zip", zipfile.ZIP_STORED), ("deflated.zip", zipfile.ZIP_DEFLATED)):
        with zipfile.ZipFile(os.path.join(tmp, name), "w", method) as z:
            for p in paths:
                z.write(p, os.path.relpath(p, folder))
        out.append(name)
    with tarfile.open(os.path.join(tmp, "files.tar.gz"), "w:gz") as t:
        for p in paths:
            t.add(p, os.path.relpath(p, folder))
    return out + ["files.tar.gz"]


with tempfile.TemporaryDirectory() as tmp:
    for name in pack(tmp):
        path = os.path.join(tmp, name)
        wall, rss, cpu, err = best([phash, "scan", path, "--signatures", sigs, "--no-nice",
                                    "--threads", "1"])
        m = re.search(r"(\d+) images hashed.*?(\d+) matches", err)
        print("container %s (%.1f MB): %.3f s best of 3, %s images hashed, CPU %.2f s, "
              "peak RSS %.1f MB, %s matches" % (name, os.path.getsize(path) / 1e6, wall,
                                                m.group(1) if m else "?", cpu, rss / 1e6,
                                                m.group(2) if m else "?"))
print("# load average after: %.2f %.2f %.2f" % os.getloadavg())
