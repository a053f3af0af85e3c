#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Thread scaling of the Python bindings: ctypes releases the GIL during each
library call, so N Python threads, each with its own hasher, should hash
about N times as many images per second as one (up to the cores free).

    bench/python_threads.py [--algo pdq|phash|dct256] [--threads 1,2]
                            [--passes 3] [--repeat 1] [--phash CLI] [FOLDER...]
    (defaults: pdq, 1 and 2 threads, 3 passes, sample/; the library is
     PHASH_LIBRARY or build/lib/libphash.so.0, the CLI build/tools/phash)

The files are read into memory first (each hasher decodes and hashes the
bytes: the I/O is not measured); the passes go through the whole list, split
among the threads (--repeat N: N times the list per pass, for passes long
enough to measure). Printed per thread count: best wall time of the passes,
images per wall second, process CPU time (getrusage, all threads), the
speedup over one thread, and the cores used (CPU / wall) with their ratio to
one thread's. That ratio is the figure that survives a loaded machine: the
scheduler gives each runnable thread its share, so two threads that really
run at once (the GIL released inside the library) use about twice the CPU
per wall second of one, whatever the load; threads serialised by the GIL
would use no more than one. But the scheduler shares CPU between sessions
(autogroups) and cgroups before threads, so on a shared machine the wall
figures say little; the figure that does not depend on the load is the
GIL's share, measured in thread CPU time (CLOCK_THREAD_CPUTIME_ID): one
thread hashes the list with every library call of the bindings timed
(ctypes releases the GIL for the length of a foreign call), and the CPU
time outside those calls is the serial part s. Amdahl's law then bounds
the speedup on N free cores at 1 / (s + (1 - s) / N). (The timing wrapper's
own cost counts as GIL time, so s is an upper bound.) The peer in the same run is the C library alone:
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


def gil_share(make, blobs):
    """(s, CPU seconds per image) of one thread hashing blobs: s is the share
    of the thread's CPU time spent outside the library's foreign calls, the
    part that holds the GIL."""
    import ctypes
    inside = [0.0]

    def timed(f):
        def call(*a):
            t = time.thread_time()
            try:
                return f(*a)
            finally:
                inside[0] += time.thread_time() - t
        return call

    saved = []
    for name, mod in list(sys.modules.items()):
        if name == "phash" or name.startswith("phash."):
            for attr, val in list(vars(mod).items()):
                if isinstance(val, ctypes._CFuncPtr):
                    saved.append((mod, attr, val))
                    setattr(mod, attr, timed(val))
    try:
        h = make()
        t0 = time.thread_time()
        for data in blobs:
            try:
                h.hash(data)
            except phash.PhashError:
                pass
        total = time.thread_time() - t0
        h.close()
    finally:
        for mod, attr, val in saved:
            setattr(mod, attr, val)
    return (total - inside[0]) / total, total / len(blobs)


def cli_peer(cli, algo, paths):
    """Images per CPU second of the C library alone (the CLI, one process)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([cli, "hash", "--algo", algo, *paths], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", default=[os.path.join(ROOT, "sample")])
    ap.add_argument("--algo", default="pdq", choices=sorted(HASHERS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=1, help="hash the list N times per pass")
    ap.add_argument("--phash", default=os.path.join(ROOT, "build", "tools", "phash"))
    args = ap.parse_args()
    paths = [p for folder in args.folders for p in files_under(folder)]
    files = []
    for p in paths:
        with open(p, "rb") as f:
            files.append(f.read())
    blobs = files * args.repeat
    print(f"# cpu: {cpu_model()}, {os.cpu_count()} online cores; "
          f"load average {' '.join('%.2f' % x for x in os.getloadavg())}")
    print(f"# python {platform.python_version()}, library {phash.version()} "
          f"({os.environ['PHASH_LIBRARY']})")
    print(f"# data: {len(files)} files, {sum(map(len, files)) / 1e6:.1f} MB, under "
          f"{' '.join(args.folders)}; {args.repeat} time(s) per pass ({len(blobs)} images); "
          f"algo {args.algo}; best of {args.passes} passes")
    make = HASHERS[args.algo]
    base = base_cores = None
    for threads in (int(t) for t in args.threads.split(",")):
        runs = [one_pass(make, blobs, threads) for _ in range(args.passes)]
        wall, cpu, errors = min(runs)
        cores = cpu / wall
        base, base_cores = base or wall, base_cores or cores
        print(f"python {threads} thread(s): wall {wall:.3f} s, {len(blobs) / wall:.1f} images/s, "
              f"CPU {cpu:.3f} s ({len(blobs) / cpu:.1f} images per CPU s), "
              f"speedup {base / wall:.2f}x, cores used {cores:.2f} "
              f"({cores / base_cores:.2f}x one thread's), {errors} not images")
    s, per_image = gil_share(make, blobs)
    bound = ", ".join(f"{n} cores {1 / (s + (1 - s) / n):.2f}x" for n in (2, 4, 8))
    print(f"GIL: {100 * s:.2f}% of a thread's CPU time outside the library's calls "
          f"({1e6 * s * per_image:.0f} us of {1e3 * per_image:.2f} ms per image, thread CPU "
          f"time); Amdahl bound on free cores: {bound}")
    if os.path.exists(args.phash):
        cpu = min(cli_peer(args.phash, args.algo, paths * args.repeat)
                  for _ in range(args.passes))
        print(f"peer: C library alone (phash hash --algo {args.algo}, 1 thread, reads the files): "
              f"CPU {cpu:.3f} s ({len(blobs) / cpu:.1f} images per CPU s)")
    print(f"# load average after: {' '.join('%.2f' % x for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
