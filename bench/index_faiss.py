#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench/index beside FAISS (docs/index.md section 7), in one run.

    bench/index_faiss.py DATA_DIR [--bench build/bench/index] [--bits 64,256]
        [--n 100000,1000000,10000000] [--dist uniform,clustered,real]
        [--codes FILE[,FILE]] [--budget 2] [--reps 3] [--no-multihash-above N]

Runs the C benchmark (which generates the seeded data files into DATA_DIR,
outside the repository, e.g. /work/ext/index-data), then FAISS from Debian's
python3-faiss on the very same files: IndexBinaryFlat (range_search with
radius r+1 since FAISS is strict, and k-NN) and IndexBinaryMultiHash with
exact settings (nhash x 16 bits covering the code, nflip = floor(r/nhash)).
One query per call, one thread, best of --reps runs of at most --budget
seconds, hits / misses split the same way (even queries = hits). Then a
table per target with phash / FAISS ratios. --dist real --codes FILES: sets
grown from real pHash/PDQ codes (the CSV of `phash hash`; see bench/index.c).
Debian's FAISS is a GENERIC build (no popcnt instruction): its numbers are
labelled so.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

try:
    import faiss
except ImportError:  # pragma: no cover
    faiss = None

NQ = 1000


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def load(data, dist, bits, n):
    base = f"{data}/{dist}-{bits}-{n}"
    codes = np.fromfile(base + ".codes", dtype=np.uint8).reshape(n, bits // 8)
    q = np.fromfile(base + ".queries", dtype=np.uint8).reshape(NQ, bits // 8)
    return codes, q


def timed(fn, q, budget, reps):
    """Best of reps: (qps all, qps hits, qps misses, avg results, queries done)."""
    best = None
    for _ in range(reps):
        t = [0.0, 0.0]
        cnt = [0, 0]
        res = [0, 0]
        start = time.perf_counter()
        c0 = time.thread_time()
        lat = []
        i = 0
        while i < len(q) and (i < 8 or time.perf_counter() - start < budget):
            t0 = time.perf_counter()
            nres = fn(q[i:i + 1])
            dt = time.perf_counter() - t0
            lat.append(dt)
            g = i % 2
            t[g] += dt
            cnt[g] += 1
            res[g] += nres
            i += 1
        allq = (cnt[0] + cnt[1]) / (t[0] + t[1])
        cpu = (cnt[0] + cnt[1]) / max(time.thread_time() - c0, 1e-9)
        row = (allq, cnt[0] / t[0], cnt[1] / t[1] if cnt[1] else 0.0,
               (res[0] + res[1]) / (cnt[0] + cnt[1]), cnt[0] + cnt[1],
               res[0] / max(cnt[0], 1), res[1] / max(cnt[1], 1), cpu, sorted(lat))
        if best is None or row[0] > best[0]:
            best = row
    return best


def emit(out, method, dist, bits, n, param, row):
    groups = (("all", row[0], row[3]), ("hits", row[1], row[5]), ("misses", row[2], row[6]))
    lat = row[8]
    print(f"latency\t{method}\t{dist}\t{bits}\t{n}\t{param}\tp50_us={lat[len(lat) // 2] * 1e6:.1f}"
          f"\tp99_us={lat[len(lat) * 99 // 100] * 1e6:.1f}")
    for g, qps, avg in groups:
        cpu = f"{row[7]:.1f}" if g == "all" else "-"
        line = f"index\t{method}\tfaiss-generic\t1\t1\t{dist}\t{bits}\t{n}\t{param}\t{qps:.1f}\t{avg:.2f}\t{g}\t-\t{row[4]}\t{cpu}"
        print(line)
        out.append(line.split("\t"))
    sys.stdout.flush()


def faiss_set(data, dist, bits, n, args, out):
    codes, q = load(data, dist, bits, n)
    r = 10 if bits == 64 else 31
    # Flat.
    r0 = rss()
    t0 = time.perf_counter()
    flat = faiss.IndexBinaryFlat(bits)
    flat.add(codes)
    tb = time.perf_counter() - t0
    print(f"build\tfaiss-flat\t{dist}\t{bits}\t{n}\tbuild_s={tb:.2f}\trss_growth_B_per_entry={(rss() - r0) / n:.1f}")

    def flat_range(qq, rr=r):
        lims, _, _ = flat.range_search(qq, rr + 1)  # FAISS: distance < radius
        return int(lims[-1])

    emit(out, "flat", dist, bits, n, f"r={r}", timed(flat_range, q, args.budget, args.reps))
    if bits == 64:
        emit(out, "flat", dist, bits, n, "r=8", timed(lambda qq: flat_range(qq, 8), q, args.budget, args.reps))

    def flat_knn(qq):
        flat.search(qq, 10)
        return 10

    emit(out, "flat", dist, bits, n, "k=10", timed(flat_knn, q, args.budget, args.reps))
    del flat
    # MultiHash, exact for range search with nflip = floor(r / nhash).
    if n > args.no_multihash_above:
        return
    nhash = bits // 16
    r0 = rss()
    t0 = time.perf_counter()
    mh = faiss.IndexBinaryMultiHash(bits, nhash, 16)
    mh.add(codes)
    tb = time.perf_counter() - t0
    print(f"build\tfaiss-multihash-{nhash}x16\t{dist}\t{bits}\t{n}\tbuild_s={tb:.2f}\trss_growth_B_per_entry={(rss() - r0) / n:.1f}")
    radii = [10, 8] if bits == 64 else [31]
    for rr in radii:
        mh.nflip = rr // nhash

        def mh_range(qq, rr=rr):
            lims, _, _ = mh.range_search(qq, rr + 1)
            return int(lims[-1])

        emit(out, f"multihash{nhash}x16", dist, bits, n, f"r={rr}",
             timed(mh_range, q, args.budget, args.reps))
    del mh


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--bench", default=os.environ.get("PHASH_BENCH_INDEX", "build/bench/index"))
    ap.add_argument("--bits", default="64,256")
    ap.add_argument("--n", default="100000,1000000,10000000")
    ap.add_argument("--dist", default="uniform,clustered")
    ap.add_argument("--codes", default="", help="real codes for --dist real (comma-separated files)")
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-multihash-above", type=int, default=10**9)
    args = ap.parse_args()
    os.makedirs(args.data, exist_ok=True)
    # Our side first: it also writes the data files.
    cmd = [args.bench, args.data, "bits=" + args.bits, "n=" + args.n, "dist=" + args.dist,
           f"budget={args.budget}", f"reps={args.reps}"] + (["codes=" + args.codes] if args.codes else [])
    print("# " + " ".join(cmd))
    sys.stdout.flush()
    ours = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    print(ours, end="")
    rows = [line.split("\t") for line in ours.splitlines() if line.startswith("index\t")]
    if faiss is None:
        print("# FAISS not importable: install python3-faiss")
        return
    print(f"# FAISS {faiss.__version__} (Debian python3-faiss: GENERIC build, software popcount), "
          f"omp threads 1, numpy {np.__version__}")
    faiss.omp_set_num_threads(1)
    theirs = []
    for bits in [int(b) for b in args.bits.split(",")]:
        for dist in args.dist.split(","):
            for n in [int(x) for x in args.n.split(",")]:
                faiss_set(args.data, dist, bits, n, args, theirs)
    summary(rows, theirs)


def summary(rows, theirs):
    """Per (d, N, dist, param, group): phash auto vs FAISS flat / multihash."""
    def pick(rs, method, bits, n, dist, param, group, col=9):
        for r in rs:
            if (r[1], r[6], r[7], r[5], r[8], r[11]) == (method, bits, n, dist, param, group) and r[4] == "1":
                return float(r[col]) if len(r) > col and r[col] != "-" else None
        return None

    print("\n# summary: q/s, one thread, one query per call (ratio = phash auto / FAISS);"
          " *_cpu: the same per second of thread CPU time (group all only)")
    print("d\tN\tdist\top\tgroup\tphash_auto\tphash_mih\tphash_scan\tfaiss_flat\tfaiss_multihash\tratio_flat\tratio_multihash\tphash_auto_cpu\tfaiss_flat_cpu\tfaiss_multihash_cpu")
    keys = sorted({(r[6], r[7], r[5], r[8], r[11]) for r in theirs},
                  key=lambda k: (int(k[0]), int(k[1]), k[2], k[3], k[4]))
    for bits, n, dist, param, group in keys:
        a = pick(rows, "auto", bits, n, dist, param, group)
        m = pick(rows, "mih", bits, n, dist, param, group)
        s = pick(rows, "scan", bits, n, dist, param, group)
        f = pick(theirs, "flat", bits, n, dist, param, group)
        nh = int(bits) // 16
        h = pick(theirs, f"multihash{nh}x16", bits, n, dist, param, group)

        ac = pick(rows, "auto", bits, n, dist, param, group, 14)
        fc = pick(theirs, "flat", bits, n, dist, param, group, 14)
        hc = pick(theirs, f"multihash{nh}x16", bits, n, dist, param, group, 14)

        def fmt(v):
            return "-" if v is None else f"{v:.0f}"

        def ratio(x, y):
            return "-" if x is None or not y else f"{x / y:.1f}x"

        print(f"{bits}\t{n}\t{dist}\t{param}\t{group}\t{fmt(a)}\t{fmt(m)}\t{fmt(s)}\t{fmt(f)}\t{fmt(h)}\t{ratio(a, f)}\t{ratio(a, h)}\t{fmt(ac)}\t{fmt(fc)}\t{fmt(hc)}")


if __name__ == "__main__":
    main()
