#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""phash.dask throughput, CPU efficiency and per-task overhead: the same
files hashed (pdq, phash, md5) by the single-process scanner and by
phash.dask on a LocalCluster of 1 and 2 worker processes (1 thread each).

    bench/dask_scan.py [FOLDER]     (or PHASH_BENCH_DASK_DIR; default: the
                                     images of ../shared/testdata/pdq, else sample/)
    PHASH_BENCH_DASK_REPEAT=N       copies of the corpus (default 3) in a temporary folder

Run with the bindings and the library on the path, as the tests do:
    PHASH_LIBRARY=build/lib/libphash.so PYTHONPATH=bindings/python bench/dask_scan.py

Each figure is the best of 3 timed runs after a warm-up run (workers start,
make their scanner once). CPU is user + system time of every process that
worked: the client (with the LocalCluster's scheduler in it), the worker
processes and their nannies (psutil). CPU efficiency = CPU of the
single-process scanner / CPU of the run. The machine is shared with other
jobs: the load average is printed before and after; compare the figures of
one run with each other, not with another run's.
"""
import os
import platform
import resource
import shutil
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "bindings", "python"))
import dask  # noqa: E402
import psutil  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import phash  # noqa: E402
import phash.dask as pdask  # noqa: E402

ALGOS = "pdq,phash,md5"
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".webp", ".ppm", ".pgm", ".gif", ".tif", ".tiff", ".bmp")


def corpus_folder():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("PHASH_BENCH_DASK_DIR"):
        return os.environ["PHASH_BENCH_DASK_DIR"]
    shared = os.path.join(root, "..", "shared", "testdata", "pdq", "images")
    return shared if os.path.isdir(shared) else os.path.join(root, "sample")


def make_corpus(folder, repeat, tmp):
    """repeat copies of the folder's images under tmp: [(path, size)]."""
    srcs = [(p, s) for p, s in pdask.walk_tree(folder) if p.lower().endswith(IMAGE_EXT)]
    out = []
    for k in range(repeat):
        d = os.path.join(tmp, "copy%d" % k)
        os.makedirs(d)
        for i, (p, _) in enumerate(srcs):
            dst = os.path.join(d, "%04d-%s" % (i, os.path.basename(p)))
            shutil.copyfile(p, dst)
            out.append((dst, os.path.getsize(dst)))
    return out


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def proc_cpu(pid):
    try:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return 0.0


def cluster_cpu(client):
    """CPU seconds of the client process and of every worker and nanny."""
    pids = client.run(lambda: (os.getpid(), os.getppid()))
    return self_cpu() + sum(proc_cpu(w) + proc_cpu(n) for w, n in pids.values())


def best_of(n, fn):
    runs = []
    for _ in range(n):
        runs.append(fn())
    return min(runs, key=lambda r: r[0])


def single(paths):
    t0, c0 = time.monotonic(), self_cpu()
    pdask.single_process(paths, algorithms=ALGOS)
    return time.monotonic() - t0, self_cpu() - c0


def scanner_threads(paths, threads):
    t0, c0 = time.monotonic(), self_cpu()
    with phash.Scanner(algorithms=ALGOS, threads=threads) as s:
        n = sum(1 for _ in s.scan(paths))
    assert n == len(paths)
    return time.monotonic() - t0, self_cpu() - c0


def on_cluster(client, files, **kw):
    t0, c0 = time.monotonic(), cluster_cpu(client)
    res = pdask.run(files, client, algorithms=ALGOS, **kw)
    wall, cpu = time.monotonic() - t0, cluster_cpu(client) - c0
    return wall, cpu, res


def empty_tasks(client, n):
    """Wall and CPU per task of n tasks that scan no file (2 in flight per
    worker): the cost of a task itself."""
    settings = {"algorithms": ALGOS}
    t0, c0 = time.monotonic(), cluster_cpu(client)
    futs = [client.submit(pdask.scan_batch, [], settings, None, pure=False) for _ in range(n)]
    client.gather(futs)
    return (time.monotonic() - t0) / n, (cluster_cpu(client) - c0) / n


def idle_cpu(client, seconds=3.0):
    """CPU seconds per second of the whole cluster doing nothing
    (heartbeats, the workers' statistical profiler, ...)."""
    c0 = cluster_cpu(client)
    time.sleep(seconds)
    return (cluster_cpu(client) - c0) / seconds


def cluster_runs(files, paths, workers, profile, w1, c1):
    """The runs on a LocalCluster of `workers` processes (1 thread each);
    profile: the workers' statistical profiler on (Dask's default) or off."""
    tag = "dask %d worker%s%s" % (workers, "s" if workers > 1 else "",
                                   "" if profile else ", profiler off")
    config = {"distributed.deploy.lost-worker-timeout": "600s",
              "distributed.worker.profile.enabled": profile}
    with dask.config.set(config), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=50) as lc, \
            Client(lc) as client:
        on_cluster(client, files[:workers * 2], batch_files=1)  # warm-up
        for label, kw in (("batches of 8 MiB", {"batch_bytes": 8 << 20}),
                          ("one task per file", {"batch_files": 1})):
            w, c, res = best_of(3, lambda: on_cluster(client, files, **kw))
            line("%s, %s (%d tasks)" % (tag, label, res.stats["batches"]), w, c, len(paths),
                 w1, c1)
        tw, tc = empty_tasks(client, 200)
        print("%s: empty task %.2f ms wall each (200 in a row), %.2f ms CPU each "
              "(all processes); idle cluster %.3f CPU s per s" % (
                  tag, tw * 1e3, tc * 1e3, idle_cpu(client)))
        ok = (res.files["status"] == "OK").sum()
        print("# files OK in the last run: %d of %d" % (ok, len(paths)))


def line(name, wall, cpu, n, ref_wall, ref_cpu):
    print("%-60s %7.3f s %7.1f files/s  CPU %6.2f s  CPU efficiency %4.0f%%  speed-up x%.2f"
          % (name, wall, n / wall, cpu, 100 * ref_cpu / cpu, ref_wall / wall))


def main():
    folder = corpus_folder()
    repeat = int(os.environ.get("PHASH_BENCH_DASK_REPEAT", "3"))
    tmp = tempfile.mkdtemp(prefix="phash-bench-dask-")
    try:
        files = make_corpus(folder, repeat, tmp)
        paths = [p for p, _ in files]
        total = sum(s for _, s in files)
        print("# bench: dask_scan")
        print("# phash %s, dask %s, distributed %s, python %s" % (
            phash.version(), dask.__version__, __import__("distributed").__version__,
            platform.python_version()))
        print("# cpu: %s, %d online cores; load average before %.2f %.2f %.2f" % (
            (_cpu_model(), os.cpu_count()) + os.getloadavg()))
        print("# data: %d images (%d copies of %s), %.1f MB; algorithms %s" % (
            len(files), repeat, os.path.abspath(folder), total / 1e6, ALGOS))
        single(paths[:5])  # warm the page cache and the library
        w1, c1 = best_of(3, lambda: single(paths))
        line("single process, file by file (reference)", w1, c1, len(paths), w1, c1)
        for t in (1, 2):
            w, c = best_of(3, lambda: scanner_threads(paths, t))
            line("single process, Scanner.scan threads=%d" % t, w, c, len(paths), w1, c1)
        for workers, profile in ((1, True), (2, True), (2, False)):
            cluster_runs(files, paths, workers, profile, w1, c1)
        print("# load average after: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        shutil.rmtree(tmp)


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for ln in f:
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
