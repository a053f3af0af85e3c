#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Thread scaling of the Python bindings: ctypes releases the GIL during each
library call, so N Python threads, each with its own hasher, should hash
about N times as many images per second as one (up to the cores free).

    bench/python_threads.py [--algo pdq|phash|dct256] [--threads 1,2]
                            [--passes 3] [--phash CLI] [FOLDER]
    (defaults: pdq, 1 and 2 threads, 3 passes, sample/; the library is
     PHASH_LIBRARY or build/lib/libphash.so.0, the CLI build/tools/phash)

The files are read into memory first (each hasher decodes and hashes the
bytes: the I/O is not measured); the passes go through the whole list, split
among the threads. Printed per thread count: best wall time of the passes,
images per wall second, process CPU time (getrusage, all threads) and the
speedup over one thread. The peer in the same run is the C library alone:
`phash hash --algo ALGO` over the same files in one process (its images per
CPU second against the bindings' shows what the Python layer costs). The
machine is shared with other jobs: the load average is printed before and
after."""
import argparse
import os
import platform
import resource
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
os.environ.setdefault("PHASH_LIBRARY", os.path.join(ROOT, "build", "lib", "libphash.so.0"))
import phash  # noqa: E402  (after the path set-up above)

HASHERS = {"pdq": phash.PdqHasher, "phash": phash.PHasher, "dct256": lambda: phash.DctNHasher(16)}
EXTS = (".jpg", ".jpeg", ".png", ".webp")


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def files_under(folder):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                  if f.lower().endswith(EXTS))


def one_pass(make, blobs, threads):
    """Wall and CPU seconds of hashing every blob once with `threads` threads."""
    hashers = [make() for _ in range(threads)]
    errors = []

    def work(k):
        h = hashers[k]
        for data in blobs[k::threads]:
            try:
                h.hash(data)
            except phash.PhashError as exc:  # not an image: counted, not fatal
                errors.append(exc)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    c0, t0 = cpu_seconds(), time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    for h in hashers:
        h.close()
    return wall, cpu, len(errors)


def cli_peer(cli, algo, paths):
    """Images per CPU second of the C library alone (the CLI, one process)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([cli, "hash", "--algo", algo, *paths], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", default=os.path.join(ROOT, "sample"))
    ap.add_argument("--algo", default="pdq", choices=sorted(HASHERS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--phash", default=os.path.join(ROOT, "build", "tools", "phash"))
    args = ap.parse_args()
    paths = files_under(args.folder)
    blobs = []
    for p in paths:
        with open(p, "rb") as f:
            blobs.append(f.read())
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} online cores; "
          f"load average {' '.join('%.2f' % x for x in os.getloadavg())}")
    print(f"# python {platform.python_version()}, library {phash.version()} "
          f"({os.environ['PHASH_LIBRARY']})")
    print(f"# data: {len(blobs)} files, {sum(map(len, blobs)) / 1e6:.1f} MB, under {args.folder}; "
          f"algo {args.algo}; best of {args.passes} passes")
    make = HASHERS[args.algo]
    base = None
    for threads in (int(t) for t in args.threads.split(",")):
        runs = [one_pass(make, blobs, threads) for _ in range(args.passes)]
        wall, cpu, errors = min(runs)
        base = base or wall
        print(f"python {threads} thread(s): wall {wall:.3f} s, {len(blobs) / wall:.1f} images/s, "
              f"CPU {cpu:.3f} s ({len(blobs) / cpu:.1f} images per CPU s), "
              f"speedup {base / wall:.2f}x, {errors} not images")
    if os.path.exists(args.phash):
        cpu = min(cli_peer(args.phash, args.algo, paths) for _ in range(args.passes))
        print(f"peer: C library alone (phash hash --algo {args.algo}, 1 thread, reads the files): "
              f"CPU {cpu:.3f} s ({len(paths) / cpu:.1f} images per CPU s)")
    print(f"# load average after: {' '.join('%.2f' % x for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
