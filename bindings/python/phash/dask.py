# SPDX-License-Identifier: MIT
"""Hashing and matching on a Dask cluster (python3-distributed), through the
library scanner (phash.Scanner): for a forensic lab's seized disks or a
collection matched against several lists, without a home-made scheduler.

    from distributed import Client
    import phash.dask
    client = Client("tcp://scheduler:8786")        # or a LocalCluster
    res = phash.dask.hash_tree("/evidence/disk1", client,
                               algorithms="pdq,phash,md5,sha1",
                               signatures="/shared/lists.phx")
    res.files        # pandas DataFrame: one row per file (hashes, status, error)
    res.matches      # pandas DataFrame: one row per match and signature owner
    res.write("/shared/out")                        # files.csv, matches.csv

How it runs: the client lists the files with their sizes and cuts them into
batches of about `batch_bytes` (at most `batch_files` files); each batch is
one task. Each worker process keeps its scanners (one per task slot,
created on first use, reused by every later task with the same settings)
and opens a signature set once (a compiled set is read into the
process's memory, so rewriting it in place cannot crash a worker). Files are scanned one by
one on a scanner thread with a time budget (`file_timeout`).

Faults: a worker that dies (killed, out of memory, a crash in a decoder)
loses its running tasks; Dask runs them again elsewhere, and every batch's
result is taken once, so no file is lost and none is reported twice. A
batch that keeps killing workers (Dask's KilledWorker after
distributed.scheduler.allowed-failures deaths) is split into one task per
file: the file that still kills its worker is reported with status
ERR_WORKER_DIED, the others normally. A file that exceeds the time budget
is reported with status ERR_TIMEOUT; its scanner thread cannot be stopped
inside the C library, so it is abandoned, the batch goes on with a fresh
scanner, and the worker is restarted through its nanny once the batch's
result is safe (client.restart_workers).

Signature sets too large for one worker are split into shards by entry
range (shard_lists) and matched shard by shard (match_sharded): every
file's hashes against every shard, the union of the shards' matches is
exactly the one-machine result (tests/test_dask.py checks it on random
sets). docs/dask.md tells how to run this on a real cluster.
"""
import hashlib
import itertools
import os
import queue
import threading
import time

import pandas as pd

from .scan import Scanner, _is_compiled as c_is_compiled, algorithms as scanner_algorithms
from .shard import build_shard, count_lines, match_hashes
from .sigset import Matcher, SignatureSet

FILE_COLUMNS = ["path", "size", "status", "error", "kind", "format", "width", "height", "depth"]
MATCH_COLUMNS = ["path", "algo", "distance", "variant", "hash", "list", "id", "metadata",
                 "category", "quality", "view"]
HASH_COLUMNS = ["path", "algo", "variant", "view", "hex", "quality"]
TIMEOUT_STATUS, DIED_STATUS, EXCEPTION_STATUS = "ERR_TIMEOUT", "ERR_WORKER_DIED", "ERR_EXCEPTION"


# ---- one worker process ------------------------------------------------------
# Scanners and matchers live in module globals of the worker process: one
# per task slot and settings, created on first use, reused by later tasks.

_lock = threading.Lock()
_idle = {}       # settings key -> [_ScanThread] not in use
_matchers = {}   # (path, mtime, size) -> Matcher
_stats = {"scanners": 0, "matchers": 0, "abandoned": 0, "tasks": 0}


def worker_stats():
    """This process's counts: scanners and matchers created, scans
    abandoned on a timeout, tasks run (for tests and benchmarks:
    client.run(phash.dask.worker_stats))."""
    with _lock:
        return dict(_stats, pid=os.getpid())


def _open_matcher(path):
    """The process's Matcher for a signature set file, opened once (a
    compiled set is memory-mapped); reopened if the file changed."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    with _lock:
        m = _matchers.get(key)
        if m is None:
            m = Matcher(path if _is_compiled(path) else _load_list(path))
            _matchers[key] = m
            _stats["matchers"] += 1
        return m


def _is_compiled(path):
    return bool(c_is_compiled(os.fsencode(path)))


def _load_list(path):
    s = SignatureSet()
    s.load(path)
    return s


def _settings_key(settings):
    return repr(sorted(settings.items()))


class _ScanThread:
    """A Scanner and the thread that runs it, fed one file at a time, so
    that the task can stop waiting for a file that takes too long."""

    def __init__(self, settings):
        opts = dict(settings)
        sigs = opts.pop("signatures", None)
        self.key = _settings_key(settings)
        self.scanner = Scanner(signatures=_open_matcher(sigs) if sigs else None, **opts)
        self.inbox = queue.Queue()
        threading.Thread(target=self._loop, name="phash-dask-scan", daemon=True).start()

    def _loop(self):
        while True:
            path, box = self.inbox.get()
            try:
                box.put((True, self.scanner.scan_file(path)))
            except Exception as e:  # a scanner failure, not a file's: reported as the file's
                box.put((False, e))

    def scan(self, path, timeout):
        """(True, Report) or (False, exception); raises queue.Empty after
        timeout seconds (None: no limit)."""
        box = queue.Queue(maxsize=1)
        self.inbox.put((path, box))
        return box.get(timeout=timeout)


def _take_scanner(settings):
    key = _settings_key(settings)
    with _lock:
        pool = _idle.setdefault(key, [])
        if pool:
            return pool.pop()
        _stats["scanners"] += 1
    return _ScanThread(settings)


def _give_back(st):
    with _lock:
        _idle.setdefault(st.key, []).append(st)


def _worker_address():
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return None


def scan_batch(files, settings, file_timeout=None):
    """Scan a batch of files in this process (the body of one task).
    files: [(path, size)]; settings: Scanner keyword arguments
    (signatures: a path). Returns a dict: rows (one per file), hashes,
    matches, worker (address), abandoned (scans left running on a timeout).
    rows holds one list per file: its row, then its members' (containers)."""
    out = {"rows": [], "hashes": [], "matches": [], "worker": _worker_address(), "abandoned": 0}
    st = _take_scanner(settings)
    try:
        for path, size in files:
            try:
                ok, value = st.scan(path, file_timeout)
            except queue.Empty:
                out["rows"].append([_error_row(path, size, TIMEOUT_STATUS,
                                               f"no result within {file_timeout} s; its scan "
                                               "was abandoned")])
                out["abandoned"] += 1
                with _lock:
                    _stats["abandoned"] += 1
                st = _take_scanner(settings)  # the stuck one is never given back
                continue
            if ok:
                _add_report(out, value)
            else:
                out["rows"].append([_error_row(path, size, EXCEPTION_STATUS,
                                               f"{type(value).__name__}: {value}")])
    finally:
        _give_back(st)
    with _lock:
        _stats["tasks"] += 1
    return out


# ---- reports as rows ---------------------------------------------------------

def report_row(report):
    """One file's row: FILE_COLUMNS, then per algorithm its 'orig' hash
    (column named after the algorithm) and quality (ALGO_quality, perceptual
    hashes only)."""
    row = {"path": report.path, "size": report.size, "status": report.status,
           "error": "" if report.ok else (report.detail or ""), "kind": report.kind,
           "format": report.format, "width": report.width, "height": report.height,
           "depth": report.depth}
    for h in report.hashes:
        if h.variant == "orig" and h.view == "orig":
            row[h.algo] = h.hex
            if h.quality is not None:
                row[h.algo + "_quality"] = h.quality
    return row


def report_hashes(report):
    """Every hash of a file (variants, views) as HASH_COLUMNS tuples."""
    return [(report.path, h.algo, h.variant, h.view, h.hex, h.quality) for h in report.hashes]


def report_matches(report):
    """The file's matches as MATCH_COLUMNS tuples."""
    return [(report.path, m.algo, m.distance, m.variant, m.hash, m.list, m.id, m.metadata,
             m.category, m.quality, m.view) for m in report.matches]


def _add_report(out, report):
    """A file's report and its members' (a container's, nested ones
    included, in the scanner's order) as rows, hashes and matches."""
    group = [report] + report.members
    out["rows"].append([report_row(r) for r in group])
    for r in group:
        out["hashes"].extend(report_hashes(r))
        out["matches"].extend(report_matches(r))


def _error_row(path, size, status, error):
    return {"path": path, "size": size, "status": status, "error": error, "kind": "",
            "format": "", "width": 0, "height": 0, "depth": 0}


def files_frame(rows):
    """A DataFrame of file rows: FILE_COLUMNS, then hash columns in the
    scanner's algorithm order (each followed by its quality)."""
    df = pd.DataFrame.from_records(rows)
    if df.empty:
        return pd.DataFrame(columns=FILE_COLUMNS)
    cols = list(FILE_COLUMNS)
    for algo in scanner_algorithms():
        cols += [c for c in (algo, algo + "_quality") if c in df.columns]
    df = df[cols].copy()
    for c in cols[len(FILE_COLUMNS):]:
        df[c] = df[c].astype("Int64") if c.endswith("_quality") else df[c].fillna("")
    return df.reset_index(drop=True)


def matches_frame(matches):
    """A DataFrame of match tuples, sorted by every column (path first)."""
    df = pd.DataFrame.from_records(matches, columns=MATCH_COLUMNS)
    return df.sort_values(MATCH_COLUMNS, kind="stable").reset_index(drop=True)


def single_process(paths, **settings):
    """The same result from one process (phash.Scanner, no Dask), file by
    file in the given order: the reference the cluster must equal."""
    res = {"rows": [], "hashes": [], "matches": []}
    sigs = settings.pop("signatures", None)
    with Scanner(signatures=sigs, **settings) as s:
        for p in paths:
            _add_report(res, s.scan_file(p))
    return Results([r for group in res["rows"] for r in group], res["hashes"], res["matches"],
                   {})


# ---- the client side ---------------------------------------------------------

class Results:
    """The result of a run: files (DataFrame, input order), matches
    (DataFrame), hashes (DataFrame of every hash, variants and views
    included: the input of match_sharded), stats (dict)."""

    def __init__(self, rows, hashes, matches, stats):
        self.files = files_frame(rows)
        h = pd.DataFrame.from_records(hashes, columns=HASH_COLUMNS)
        h["quality"] = h["quality"].astype("Int64")  # None (digests) stays <NA>
        self.hashes = h.sort_values("path", kind="stable").reset_index(drop=True)
        self.matches = matches_frame(matches)
        self.stats = stats

    def write(self, folder, fmt="csv"):
        """Write files.FMT and matches.FMT into folder: 'csv', or 'parquet'
        (needs pyarrow or fastparquet: neither is packaged in Debian 12)."""
        os.makedirs(folder, exist_ok=True)
        paths = []
        for name, df in (("files", self.files), ("matches", self.matches)):
            p = os.path.join(folder, f"{name}.{fmt}")
            if fmt == "csv":
                df.to_csv(p, index=False)
            elif fmt == "parquet":
                df.to_parquet(p, index=False)
            else:
                raise ValueError(f"fmt: 'csv' or 'parquet', got {fmt!r}")
            paths.append(p)
        return paths


def plan_batches(files, batch_bytes=64 << 20, batch_files=512):
    """Cut [(path, size)] into batches of about batch_bytes bytes and at
    most batch_files files, in order; a file larger than batch_bytes is a
    batch of its own."""
    if batch_bytes <= 0 or batch_files <= 0:
        raise ValueError("batch_bytes and batch_files must be positive")
    batches, cur, cur_bytes = [], [], 0
    for path, size in files:
        if cur and (cur_bytes + size > batch_bytes or len(cur) >= batch_files):
            batches.append(cur)
            cur, cur_bytes = [], 0
        cur.append((path, size))
        cur_bytes += size
    if cur:
        batches.append(cur)
    return batches


def _stat_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # the scanner reports the error


def _stat_partition(paths):
    return [(os.fspath(p), _stat_size(p)) for p in paths]


def walk_tree(root):
    """[(path, size)] of the regular files under root (symbolic links and
    special files are not followed nor listed), in sorted order."""
    out = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(folder, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if os.path.isfile(p) and not os.path.islink(p):
                out.append((p, st.st_size))
    return out


def hash_paths(paths, client=None, **kw):
    """Hash (and match) a list of file paths on the cluster; see run()."""
    return run([(os.fspath(p), _stat_size(p)) for p in paths], client, **kw)


def hash_tree(root, client=None, **kw):
    """Hash (and match) every regular file under root; see run()."""
    return run(walk_tree(root), client, **kw)


def hash_bag(bag, client=None, **kw):
    """Hash (and match) a dask.bag of paths: their sizes are read on the
    cluster, then batched by bytes like any list; see run()."""
    client = _client(client)
    sized = client.compute(bag.map_partitions(_stat_partition)).result()
    return run(list(sized), client, **kw)


def _client(client):
    if client is not None:
        return client
    from distributed import get_client
    return get_client()


def run(files, client=None, *, signatures=None, algorithms=None, radius=None,
        batch_bytes=64 << 20, batch_files=512, file_timeout=300.0, progress=None,
        **options):
    """Scan [(path, size)] on the cluster. signatures: the path of a
    signature set every worker can read (compiled: memory-mapped once per
    worker process); algorithms, radius and options as phash.Scanner's.
    file_timeout: seconds one file may take (None: no limit).
    progress(done_batches, total_batches) is called after each batch.
    Returns Results; stats: batches, split (batches split after they
    killed workers), suspects (files run again alone), died (files
    reported ERR_WORKER_DIED), timeouts, restarted (workers restarted for
    their abandoned scans; one that died meanwhile needs none),
    restart_failed (why a restart failed), seconds."""
    settings = _settings(signatures, algorithms, radius, options)
    files = list(dict(files).items())  # a path named twice is scanned once
    r = _Run(_client(client), settings, file_timeout, progress)
    t0 = time.monotonic()
    r.run(plan_batches(files, batch_bytes, batch_files))
    r.stats["seconds"] = time.monotonic() - t0
    return _collect(files, r.done, r.stats)


class _Run:
    """The client's side of one run: batches submitted as tasks, each
    result taken once. A batch that Dask gives up on (KilledWorker: its
    workers died allowed-failures + 1 times) is split into one task per
    file; a file whose own task is given up is a suspect: it may have
    died beside the culprit. Suspects run again at the end one at a time,
    alone on the cluster: one that still kills its worker is reported
    ERR_WORKER_DIED. Workers left with an abandoned scan (a file past its
    time budget) are restarted at the end, once the scheduler has
    forgotten every task of the run: restarted earlier, a worker would
    lose results that the scheduler then computes again (the hung file
    hanging again, unseen)."""

    def __init__(self, client, settings, file_timeout, progress):
        from distributed import as_completed
        self.client, self.settings, self.file_timeout = client, settings, file_timeout
        self.progress = progress
        self.token = hashlib.sha1(os.urandom(16)).hexdigest()[:12]
        self.serial = itertools.count()
        self.ac = as_completed()
        self.pending, self.done, self.seen, self.suspects = {}, [], set(), []
        self.keys, self.stuck = [], set()
        self.stats = {"batches": 0, "split": 0, "suspects": 0, "died": 0, "timeouts": 0,
                      "restarted": 0, "restart_failed": []}
        self.total = 0

    def submit(self, batch):
        key = f"phash-scan-{self.token}-{next(self.serial)}"
        fut = self.client.submit(scan_batch, batch, self.settings, self.file_timeout,
                                 pure=False, key=key)
        self.keys.append(key)
        self.pending[fut] = batch
        self.ac.add(fut)
        return fut

    def run(self, batches):
        self.stats["batches"] = self.total = len(batches)
        for b in batches:
            self.submit(b)
        for fut in self.ac:
            self.finished(fut, self.pending.pop(fut), alone=False)
        self.stats["suspects"] = len(self.suspects)
        for f in self.suspects:
            fut = self.submit([f])
            fut.exception()  # wait; nothing else runs
            self.finished(fut, self.pending.pop(fut), alone=True)
        self.restart_stuck()

    def finished(self, fut, batch, alone):
        from distributed.scheduler import KilledWorker
        # Not fut.status: a result lost with its worker after as_completed
        # yielded it is computed again; exception() waits for the outcome.
        exc = fut.exception()
        res = fut.result() if exc is None else None
        fut.release()
        if res is not None:
            self.take(res)
        elif not isinstance(exc, KilledWorker):
            raise exc
        elif len(batch) > 1:
            self.stats["split"] += 1
            self.total += len(batch) - 1
            for f in batch:
                self.submit([f])
        elif not alone:
            self.suspects.append(batch[0])
        else:
            path, size = batch[0]
            self.stats["died"] += 1
            self.take({"rows": [[_error_row(path, size, DIED_STATUS,
                                            "the worker process died on this file, "
                                            f"alone, repeatedly ({exc})")]],
                       "hashes": [], "matches": [], "abandoned": 0})

    def take(self, res):
        _check_once(res["rows"], self.seen)
        self.done.append(res)
        self.stats["timeouts"] += res["abandoned"]
        if res["abandoned"] and res.get("worker"):
            self.stuck.add(res["worker"])
        if self.progress:
            self.progress(len(self.done), self.total)

    def restart_stuck(self, patience=60.0):
        """Restart (through their nannies) the workers with abandoned scans:
        their stuck threads die with the process."""
        if not self.stuck:
            return
        deadline = time.monotonic() + patience
        while self.client.run_on_scheduler(_tasks_known, self.keys) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        alive = self.client.scheduler_info()["workers"]
        for w in sorted(self.stuck):
            if w not in alive:  # its process ended, stuck threads with it
                continue
            try:
                self.client.restart_workers([w])
                self.stats["restarted"] += 1
            except Exception as e:  # gone already, or slow: the results stand
                self.stats["restart_failed"].append(f"{w}: {e!r}")


def _tasks_known(keys, dask_scheduler=None):
    """How many of keys the scheduler still holds (run on the scheduler)."""
    return sum(k in dask_scheduler.tasks for k in keys)


def _settings(signatures, algorithms, radius, options):
    if signatures is not None and not isinstance(signatures, (str, os.PathLike)):
        raise TypeError("signatures: the path of a signature set the workers can read")
    s = dict(options)
    if signatures is not None:
        s["signatures"] = os.path.abspath(os.fspath(signatures))
    if algorithms:
        s["algorithms"] = algorithms if isinstance(algorithms, str) else ",".join(algorithms)
    if radius:
        s["radius"] = dict(radius)
    Scanner(**{k: v for k, v in s.items() if k != "signatures"}).close()  # fail here, not on workers
    return s


def _check_once(groups, seen):
    for group in groups:
        path = group[0]["path"]
        if path in seen:
            raise RuntimeError(f"{path}: reported twice")
        seen.add(path)


def _collect(files, done, stats):
    """Results in input order; every input file must have exactly one row."""
    by_path = {}
    hashes, matches = [], []
    for res in done:
        for group in res["rows"]:
            by_path[group[0]["path"]] = group
        hashes += res["hashes"]
        matches += res["matches"]
    missing = [p for p, _ in files if p not in by_path]
    if missing:
        raise RuntimeError(f"{len(missing)} files without a result, e.g. {missing[0]}")
    rows = [r for p, _ in files for r in by_path[p]]
    return Results(rows, hashes, matches, stats)


# ---- sharded signature sets ----------------------------------------------------

def shard_lists(lists, out_dir, shards, client=None, **set_options):
    """Split text lists (paths every worker can read, as the signature set
    would be loaded: each list keeps its path as its name) into `shards`
    compiled sets out_dir/shard-K-of-N.phx by entry range, one task per
    shard (each worker holds one shard's entries, never the whole set).
    set_options as SignatureSet's. Returns the shard paths, in order."""
    if shards < 1:
        raise ValueError("shards: at least 1")
    client = _client(client)
    lists = [os.fspath(p) for p in lists]
    sizes = dict(zip(lists, client.gather(client.map(count_lines, lists, pure=False))))
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.abspath(os.path.join(out_dir, f"shard-{k}-of-{shards}.phx"))
             for k in range(shards)]
    futs = [client.submit(build_shard, lists, k, shards, paths[k], pure=False, **set_options)
            for k in range(shards)]
    reports = client.gather(futs)
    for path in lists:
        if sizes[path] and not sum(r["valid"][path] for r in reports):
            raise ValueError(f"{path}: no valid signature")
    return paths


def _match_chunk(by_file, shard, radius):
    """One task: a chunk of files' hashes against one shard, opened once
    per worker process (memory-mapped)."""
    m = _open_matcher(shard)
    out = []
    for hashes in by_file:
        out.extend(match_hashes(m, hashes, radius))
    return out


def match_sharded(hashes, shards, client=None, radius=None, chunk_files=2000):
    """Match the hashes of a run (Results.hashes: every variant and view,
    so hash with dihedral=True to match rotations) against every shard:
    one task per chunk of chunk_files files and shard; the union of the
    shards' matches, as a DataFrame like Results.matches. Equal to the
    scanner's matches against the whole set."""
    client = _client(client)
    rows = list(hashes.itertuples(index=False, name=None))
    by_file = {}
    for r in rows:
        by_file.setdefault(r[0], []).append(tuple(None if v is pd.NA else v for v in r))
    files = list(by_file.values())
    chunks = [files[i:i + chunk_files] for i in range(0, len(files), chunk_files)]
    futs = []
    for chunk in chunks:
        [data] = client.scatter([chunk], hash=False)
        futs += [client.submit(_match_chunk, data, shard, radius, pure=False)
                 for shard in shards]
    matches = []
    for part in client.gather(futs):
        matches += part
    return matches_frame(matches)
