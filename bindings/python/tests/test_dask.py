# SPDX-License-Identifier: MIT
"""phash.dask on a LocalCluster of 2 worker processes: the sample folder's
files, hashes and matches equal the single-process scanner's exactly, one
scanner and one mapped signature set per worker process; a worker killed
by PID in the middle of a run loses no file and reports none twice; a file
that kills its worker or hangs is isolated and reported as an error; the
sharded matcher equals the unsharded scanner on random signature sets."""
import os
import random
import shutil
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dask  # noqa: E402
import dask.bag  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

import phash  # noqa: E402
import phash.dask as pdask  # noqa: E402

ROOT = os.environ.get("PHASH_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAMPLE = os.path.abspath(os.path.join(ROOT, "sample"))
SIGS = os.path.join(SAMPLE, "signatures.csv")
ALGOS = "pdq,phash,md5,sha1,sha256"


# A LocalCluster drops a worker for good when its nanny has not brought it
# back within lost-worker-timeout (15 s): on a loaded machine a restart
# takes longer, and the run would wait for ever without workers.
PATIENT = {"distributed.deploy.lost-worker-timeout": "600s"}


def cluster():
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=int(os.environ.get("PHASH_DASK_LOG", "50")))


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="phash-dask-")
        cls.compiled = os.path.join(cls.tmp, "sample.phx")
        s = phash.SignatureSet()
        s.load(SIGS)
        s.save(cls.compiled)
        cls.cluster = cluster()
        cls.client = Client(cls.cluster)
        cls.paths = [p for p, _ in pdask.walk_tree(SAMPLE)]
        cls.ref = pdask.single_process(cls.paths, signatures=SIGS, algorithms=ALGOS)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        shutil.rmtree(cls.tmp)

    def assertSameResults(self, got, ref):
        self.assertEqual(got.files.to_dict("records"), ref.files.to_dict("records"))
        self.assertEqual(got.hashes.to_dict("records"), ref.hashes.to_dict("records"))
        self.assertEqual(got.matches.to_dict("records"), ref.matches.to_dict("records"))

    def test_tree_equals_single_process(self):
        res = pdask.hash_tree(SAMPLE, self.client, signatures=self.compiled, algorithms=ALGOS,
                              batch_bytes=256 << 10)
        before = self.client.run(pdask.worker_stats)
        again = pdask.hash_tree(SAMPLE, self.client, signatures=self.compiled,
                                algorithms=ALGOS, batch_bytes=256 << 10)
        self.assertEqual(again.files.to_dict("records"), res.files.to_dict("records"))
        # The reference was matched against the text list, the cluster
        # against the compiled set: the same signatures, other list name.
        ref_matches = self.ref.matches.assign(list=SIGS)
        got = res.matches.assign(list=SIGS)
        self.assertEqual(got.to_dict("records"), ref_matches.to_dict("records"))
        self.assertEqual(res.files.to_dict("records"), self.ref.files.to_dict("records"))
        self.assertEqual(res.hashes.to_dict("records"), self.ref.hashes.to_dict("records"))
        self.assertEqual(len(res.files), 61)
        self.assertEqual(len(res.matches), 29)  # 6 through the dihedral hashes (default)
        self.assertGreater(res.stats["batches"], 4)
        # The second run made no scanner and opened no set: each worker
        # process made its scanner and mapped the set once, in the first.
        after = self.client.run(pdask.worker_stats)
        self.assertEqual(len(after), 2)
        tasks = 0
        for addr, st in after.items():
            self.assertEqual(st["scanners"], before[addr]["scanners"])
            self.assertEqual(st["matchers"], before[addr]["matchers"])
            tasks += st["tasks"] - before[addr]["tasks"]
        self.assertEqual(tasks, again.stats["batches"])
        row = res.files.set_index("path").loc[os.path.join(SAMPLE, "originals", "o0008.jpg")]
        self.assertEqual(row["pdq"],
                         "27fe6f8dd80bb73de3c11c8b9d39a3c616495d39e1d612695d28e1d612284e29")
        self.assertEqual(row["phash"], "282ed7298cd739a4")
        self.assertEqual(row["status"], "OK")

    def test_paths_and_bag(self):
        import zipfile
        archive = os.path.join(self.tmp, "photos.zip")  # a container: rows for its members
        with zipfile.ZipFile(archive, "w") as z:
            z.write(os.path.join(SAMPLE, "originals", "o0008.jpg"), "a/o0008.jpg")
            z.write(SIGS, "a/list.csv")
        paths = self.paths[::-1] + [archive, os.path.join(SAMPLE, "no-such-file.jpg"),
                                    self.paths[0]]
        res = pdask.hash_paths(paths, self.client, signatures=SIGS, algorithms=ALGOS,
                               batch_files=7)
        ref = pdask.single_process(paths[:-1], signatures=SIGS, algorithms=ALGOS)
        self.assertSameResults(res, ref)
        self.assertEqual(res.files["status"].iloc[-1], "ERR_IO")
        members = res.files[res.files["depth"] > 0]
        self.assertEqual(list(members["path"]), [archive + "!a/o0008.jpg", archive + "!a/list.csv"])
        self.assertEqual(set(res.matches[res.matches["path"] == archive + "!a/o0008.jpg"]["id"]),
                         {"SAMPLE-0008"})
        bag = dask.bag.from_sequence(self.paths, npartitions=3)
        res = pdask.hash_bag(bag, self.client, signatures=SIGS, algorithms=ALGOS)
        self.assertSameResults(res, self.ref)

    def test_write_csv(self):
        res = pdask.hash_paths(self.paths[:10], self.client, algorithms="pdq,md5")
        files, matches = res.write(os.path.join(self.tmp, "out"))
        import pandas as pd
        back = pd.read_csv(files, keep_default_na=False)
        self.assertEqual(list(back["path"]), self.paths[:10])
        self.assertEqual(list(back["md5"]), list(res.files["md5"]))
        self.assertEqual(list(back.columns), list(res.files.columns))
        with self.assertRaises(ValueError):
            res.write(os.path.join(self.tmp, "out"), fmt="xls")

    def test_batches_by_bytes(self):
        files = [("a", 10), ("b", 30), ("c", 100), ("d", 1), ("e", 1), ("f", 1)]
        self.assertEqual(pdask.plan_batches(files, batch_bytes=40, batch_files=2),
                         [[("a", 10), ("b", 30)], [("c", 100)], [("d", 1), ("e", 1)],
                          [("f", 1)]])
        self.assertEqual(pdask.plan_batches([], 10), [])
        with self.assertRaises(ValueError):
            pdask.plan_batches(files, batch_bytes=0)

    def test_bad_settings_fail_on_the_client(self):
        with self.assertRaises(phash.PhashError):
            pdask.hash_paths(self.paths[:1], self.client, algorithms="pdq,md4")
        with self.assertRaises(TypeError):
            pdask.hash_paths(self.paths[:1], self.client, colour=1)

    def random_lists(self, seed, hashes):
        """Two random lists around the sample's hashes (every variant and
        view): a CSV of PDQ, pHash and MD5 signatures at random distances
        (some within the radius, some not), random codes and repeated
        hashes under other ids; a plain list without ids (ids are line
        numbers) with blank and comment lines."""
        rng = random.Random(seed)
        pdqs = sorted(set(hashes[hashes.algo == "pdq"]["hex"]))
        phs = sorted(set(hashes[hashes.algo == "phash"]["hex"]))
        md5s = sorted(set(hashes[hashes.algo == "md5"]["hex"]))

        def near(hexcode, bits, nmax):
            v = int(hexcode, 16)
            for b in rng.sample(range(bits), rng.randint(0, nmax)):
                v ^= 1 << b
            return format(v, "0%dx" % (bits // 4))
        rows, plain = [], []
        for i in range(400):
            r = rng.random()
            if r < 0.45:
                row = ("pdq", near(rng.choice(pdqs), 256, 40))
            elif r < 0.7:
                row = ("phash", near(rng.choice(phs), 64, 14))
            elif r < 0.8:
                row = ("md5", rng.choice(md5s))
            elif r < 0.9 or not rows:
                row = ("pdq", "%064x" % rng.getrandbits(256))
            else:
                row = rng.choice(rows)[:2]  # the same hash, another owner
            rows.append(row + ("R%d-%d" % (seed, rng.randint(0, 300)),
                               rng.choice(["csam", "other", ""]), "note %d" % i))
        for i in range(150):
            r = rng.random()
            if r < 0.1:
                plain.append("")
            elif r < 0.15:
                plain.append("# comment %d" % i)
            elif r < 0.6:
                plain.append("pdq " + near(rng.choice(pdqs), 256, 36))
            else:
                plain.append("phash " + near(rng.choice(phs), 64, 12))
        csv_path = os.path.join(self.tmp, "random-%d.csv" % seed)
        with open(csv_path, "w") as f:
            f.write("signal_type,signal_str,id,category,note\n")
            f.writelines(",".join(r) + "\n" for r in rows)
        plain_path = os.path.join(self.tmp, "random-%d.txt" % seed)
        with open(plain_path, "w") as f:
            f.write("\n".join(plain) + "\n")
        return [csv_path, plain_path]

    def framed_copies(self):
        """Sample photos inside a black frame (PNG): their border views
        match where the photo itself does not."""
        import numpy as np
        from PIL import Image
        out = []
        for name in ("o0008.jpg", "o0003.png", "o0002.webp"):
            px = np.asarray(phash.Decoder().decode_file(os.path.join(SAMPLE, "originals", name)))
            framed = np.zeros((px.shape[0] + 300, px.shape[1] + 200, 3), dtype=np.uint8)
            framed[150:150 + px.shape[0], 100:100 + px.shape[1]] = px[:, :, :3]
            out.append(os.path.join(self.tmp, "framed-" + name + ".png"))
            Image.fromarray(framed).save(out[-1])
        return out

    def test_sharded_equals_unsharded_on_random_sets(self):
        # match_sharded matches each shard at the radii alone and does not
        # apply the alert policy per list entry (its PDQ agreement for pHash
        # hits needs both of an entry's hashes in one shard): compared under
        # the rule without agreement, which sharding keeps.
        opts = dict(algorithms="pdq,phash,md5", dihedral=True, expand="border,embedded")
        rule = phash.AlertPolicy(phash_needs_pdq=-1)
        paths = self.paths + self.framed_copies()
        res = pdask.hash_paths(paths, self.client, **opts)
        for seed, shards in ((1, 3), (2, 1), (3, 7)):
            lists = self.random_lists(seed, res.hashes)
            ref = pdask.single_process(paths, signatures=lists, alert_policy=rule, **opts)
            self.assertEqual(ref.hashes.to_dict("records"), res.hashes.to_dict("records"))
            out = pdask.shard_lists(lists, os.path.join(self.tmp, "shards-%d" % seed), shards,
                                    self.client)
            self.assertEqual(len(out), shards)
            got = pdask.match_sharded(res.hashes, out, self.client, chunk_files=20)
            self.assertGreater(len(ref.matches), 40)
            self.assertEqual(set(ref.matches["algo"]), {"pdq", "phash", "md5"})
            self.assertGreater(len(set(ref.matches["view"])), 1)
            self.assertGreater(len(set(ref.matches["variant"])), 1)
            self.assertEqual(got.to_dict("records"), ref.matches.to_dict("records"))
            # Each shard holds a part of the entries (a hash listed twice may
            # be in two shards, each with its own owners).
            sizes = [len(phash.Matcher(p)) for p in out]
            whole = phash.SignatureSet()
            for p in lists:
                whole.load(p)
            self.assertGreaterEqual(sum(sizes), len(whole))
            if shards > 1:
                self.assertLess(max(sizes), len(whole) * 2 // shards)
        with self.assertRaises(ValueError):
            pdask.shard_lists([self.compiled], os.path.join(self.tmp, "x"), 2, self.client)


class _Faults(WorkerPlugin):
    """In each worker process (restarted ones too): a file named crash-*
    kills the process (SIGSEGV), one named hang-* never finishes."""

    def setup(self, worker):
        import signal as sig
        import threading
        import phash
        real = phash.Scanner.scan_file

        def scan_file(scanner, path):
            name = os.path.basename(path)
            if name.startswith("crash-"):
                os.kill(os.getpid(), sig.SIGSEGV)
            if name.startswith("hang-"):
                threading.Event().wait()
            return real(scanner, path)
        phash.Scanner.scan_file = scan_file


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paths = [p for p, _ in pdask.walk_tree(SAMPLE)]
        cls.ref = pdask.single_process(cls.paths, signatures=SIGS, algorithms=ALGOS)

    def test_worker_killed_by_pid(self):
        with dask.config.set({"distributed.scheduler.allowed-failures": 3, **PATIENT}), \
                cluster() as lc, Client(lc) as client:
            pids = client.run(os.getpid)
            addr, victim = sorted(pids.items())[0]
            seen, busy = [], []

            def progress(done, total):
                seen.append((done, total))
                if done == 1:
                    busy.extend(client.processing([addr])[addr])
                    os.kill(victim, signal.SIGKILL)
            res = pdask.hash_paths(self.paths, client, signatures=SIGS, algorithms=ALGOS,
                                   batch_files=1, progress=progress)
            self.assertEqual(seen[0], (1, 61))  # killed with 60 files left,
            self.assertTrue(busy)               # while it had work
            self.assertEqual(seen[-1], (61, 61))
            self.assertEqual(res.files.to_dict("records"), self.ref.files.to_dict("records"))
            self.assertEqual(res.matches.to_dict("records"), self.ref.matches.to_dict("records"))
            self.assertEqual(res.stats["died"], 0)
            self.assertNotIn(victim, client.run(os.getpid).values())

    def test_crash_and_hang_isolated(self):
        tmp = tempfile.mkdtemp(prefix="phash-dask-faults-")
        try:
            names = ["a.jpg", "crash-1.jpg", "b.png", "hang-1.jpg", "c.webp"]
            srcs = ["o0001.jpg", "o0005.jpg", "o0003.png", "o0008.jpg", "o0002.webp"]
            paths = []
            for n, s in zip(names, srcs):
                paths.append(os.path.join(tmp, n))
                shutil.copyfile(os.path.join(SAMPLE, "originals", s), paths[-1])
            ref = pdask.single_process(paths, signatures=SIGS, algorithms=ALGOS)
            with dask.config.set({"distributed.scheduler.allowed-failures": 0, **PATIENT}), \
                    cluster() as lc, Client(lc) as client:
                client.register_worker_plugin(_Faults(), name="phash-faults")
                res = pdask.hash_paths(paths, client, signatures=SIGS, algorithms=ALGOS,
                                       file_timeout=5.0)
                client.wait_for_workers(2)
                st = client.run(pdask.worker_stats)
            got = res.files.set_index("path")
            self.assertEqual(got.loc[paths[1], "status"], "ERR_WORKER_DIED")
            self.assertEqual(got.loc[paths[3], "status"], "ERR_TIMEOUT")
            self.assertIn("5.0 s", got.loc[paths[3], "error"])
            want = ref.files.set_index("path")
            for i in (0, 2, 4):
                self.assertEqual(got.loc[paths[i]].to_dict(), want.loc[paths[i]].to_dict())
            self.assertEqual(res.stats["split"], 1)
            self.assertGreaterEqual(res.stats["suspects"], 1)
            self.assertEqual(res.stats["died"], 1)
            self.assertEqual(res.stats["timeouts"], 1)
            self.assertLessEqual(res.stats["restarted"], 1)  # 0 if the crash killed it first
            self.assertEqual(res.stats["restart_failed"], [])
            # The hung scan's worker was restarted (or died): no abandoned scan is left.
            self.assertEqual(sum(s["abandoned"] for s in st.values()), 0, (st, res.stats))
            want_matches = ref.matches[~ref.matches["path"].isin([paths[1], paths[3]])]
            self.assertEqual(res.matches.to_dict("records"),
                             want_matches.reset_index(drop=True).to_dict("records"))
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    import faulthandler
    faulthandler.dump_traceback_later(240, exit=True)  # a stuck run shows where, then fails
    unittest.main()
