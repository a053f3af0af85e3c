#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The accuracy bench: recall of modified copies and false matches between
unrelated pictures, per transform and per alert rule, with and without the
query-side expansions (include/phash/expand.h).

One command builds (or reuses) two corpora with ../shared/tools/make_corpus.py,
hashes every file through the Python bindings (PDQ with its 8 dihedral hashes
and pHash, for the whole image and for each expansion view), matches, and
writes RESULTS/report.md with PNG plots and the raw tables (CSV):

    bench/accuracy/run.py --out /tmp/acc --originals 300 --unrelated 7000 \\
        --extracted /work/ext/accuracy/pkgs --seed 1

* known corpus: N originals (class photo by default) and their 43 variants;
  the originals are the signature list, the variants the queries for recall.
* unrelated corpus: M more pictures from Debian packages (photo, astro, art,
  cutout), made with the same tool (seed + 1000) and no variants. A picture
  whose package and path is also a known original is dropped.
* negatives: every image (variant, original, unrelated) against every
  signature that is not its own source (originals and unrelated pictures
  both serve as signatures), so the pair count is about
  (variants + originals + unrelated) x (originals + unrelated).
* "the same picture at several sizes" is not a false match: make_corpus
  already refuses near-copies when it picks pictures (32x32 grey thumbnails,
  mean absolute difference < 3 and correlation > 0.995); in addition every
  negative pair that meets a loose rule is checked here on 32x32 grey
  thumbnails of the two source pictures under the 8 rotations and flips
  (correlation > 0.98 and mean absolute difference < 8: the same picture),
  and listed apart.

Requires Debian's python3 with numpy, matplotlib and Pillow, the library
(PHASH_LIBRARY or the build's libphash.so) and the bindings on PYTHONPATH.
Everything except the CPU times is determined by the seed and the corpora.
"""
import argparse
import collections
import csv
import datetime
import functools
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import phash
from phash.expand import Expander, view_image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unrelated_tree import classify, near_copies, walk  # noqa: E402

PDQ_Q, PH_Q = 50, 50                 # quality gates (pdq.h, dct.h)
PDQ_R, PH_R = 64, 16                 # index radii of the negative search (the tail)
INF = 999
VIEWSETS = {"orig": {"orig"}, "+border": {"orig", "border"}, "+embedded": {"orig", "embedded"},
            "+both": {"orig", "border", "embedded"},
            "+both+rot180": {"orig", "border", "embedded", "rot180"}}
THORN = {"noop": "png", "blur2": "blur2", "crop0.05": "crop5", "resize0.5": "scale50",
         "rotate4": "rot5", "watermark": "watermark", "pad0.2": "border_white10",
         "jpeg95": "jpeg_q75"}


# ---------------------------------------------------------------------------
# alert rules: f(pdq orig distance, pdq dihedral distance, phash distance) of
# one view whose quality gates passed (INF where a gate failed or the
# distance is beyond the search radius)
# ---------------------------------------------------------------------------
_POLICIES = {}


def library_policy(po, pd, ph, pdq_radius=31):
    """The library's default alert rule (include/phash/alert.h) on one view,
    with PDQ's alert radius pdq_radius; the quality gates were applied
    already (INF)."""
    if pdq_radius not in _POLICIES:
        _POLICIES[pdq_radius] = phash.AlertPolicy(pdq_radius=pdq_radius)
    return _POLICIES[pdq_radius].decide(pdq=None if pd >= INF else pd,
                                        phash=None if ph >= INF else ph) == "alert"


RULES = collections.OrderedDict([
    ("pdq31", lambda po, pd, ph: po <= 31),
    ("pdq31+dih", lambda po, pd, ph: pd <= 31),
    ("phash10", lambda po, pd, ph: ph <= 10),
    ("pdq31|phash10", lambda po, pd, ph: po <= 31 or ph <= 10),
    ("pdq31+dih|phash10", lambda po, pd, ph: pd <= 31 or ph <= 10),
    ("pdq31+dih|(phash10&pdq64)", lambda po, pd, ph: pd <= 31 or (ph <= 10 and pd <= 64)),
    ("policy", library_policy),
    ("policy-pdq36", lambda po, pd, ph: library_policy(po, pd, ph, 36)),
])
POLICY_TEXT = ("the library's default alert rule (phash_alert_decide, include/phash/alert.h): "
               "PDQ <= 31 (8 dihedral hashes) OR (pHash <= 10 AND PDQ <= 56, dihedral) OR "
               "pHash <= 3")


# ---------------------------------------------------------------------------
# corpora
# ---------------------------------------------------------------------------
def make_corpus(tool, out, args_list, log):
    if os.path.exists(os.path.join(out, "corpus.json")):
        with open(os.path.join(out, "corpus.json")) as f:
            meta = json.load(f)
        if meta.get("bench_args") == args_list:
            return meta
    cmd = ["nice", "-n", "19", "/usr/bin/python3", tool, "--out", out, "--force"] + args_list
    print("corpus:", " ".join(cmd), file=log, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "corpus.json")) as f:
        meta = json.load(f)
    meta["bench_args"] = args_list
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def read_manifest(root):
    with open(os.path.join(root, "manifest.csv"), newline="") as f:
        return list(csv.DictReader(f))


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# hashing (threads: ctypes releases the GIL; CPU per thread)
# ---------------------------------------------------------------------------
_tls = threading.local()


# PDQ's 8 dihedral variants as the scanner computes them by default
# ("aligned", PHASH_PDQ_WANT_DIHEDRAL_ALIGNED), or the reference's (True):
# --pdq-variants.
PDQ_VARIANTS = "aligned"


def _workers():
    if not hasattr(_tls, "dec"):
        _tls.dec = phash.Decoder()
        _tls.pdq = phash.PdqHasher()
        _tls.ph = phash.PHasher()
        _tls.ex = Expander()
        _tls.exb = Expander(kinds="border")
        _tls.exe = Expander(kinds="embedded")
    return _tls


def _same_box(img, a, b):
    tx, ty = img.width // 50, img.height // 50
    return (abs(a[0] - b[0]) <= tx and abs(a[0] + a[2] - b[0] - b[2]) <= tx and
            abs(a[1] - b[1]) <= ty and abs(a[1] + a[3] - b[1] - b[3]) <= ty)


def _hash_view(t, img, box):
    v = phash.expand.View("orig", *box)
    vi = view_image(img, v) if box != (0, 0, img.width, img.height) else img
    r = t.pdq.hash(vi, dihedral=PDQ_VARIANTS)
    p = t.ph.hash(vi)
    h, q = p.value, p.quality
    codes = b"".join(bytes(r.dihedral[n]) for n in phash.pdq.DIHEDRAL)
    return r.quality, codes, h, q


def hash_file(path):
    t = _workers()
    clock = time.thread_time
    c0 = clock()
    try:
        img = t.dec.decode_file(path)
    except phash.PhashError as e:
        return {"error": str(e)}
    c1 = clock()
    cls = classify(img)
    c1 = clock()
    t.pdq.hash(img, dihedral=False)
    t.ph.hash(img)
    c2 = clock()
    t.pdq.hash(img, dihedral=PDQ_VARIANTS)
    c3 = clock()
    default_views = t.ex.views(img)
    c4 = clock()
    border = t.exb.border(img)
    embedded = t.exe.embedded(img)
    full = (0, 0, img.width, img.height)
    views = [[{"orig"}, full]]
    for kind, v in (("border", border), ("embedded", embedded)):
        if v is None:
            continue
        box = (v.x, v.y, v.width, v.height)
        for entry in views:
            if _same_box(img, entry[1], box):
                entry[0].add(kind)
                break
        else:
            views.append([{kind}, box])
    out = {"cpu_decode": c1 - c0, "cpu_plain": c2 - c1, "cpu_dihedral": c3 - c2,
           "cpu_detect": c4 - c3, "cpu_views_plain": 0.0, "cpu_views_dihedral": 0.0,
           "width": img.width, "height": img.height, "views": [],
           "default_views": [(v.kind, v.x, v.y, v.width, v.height) for v in default_views]}
    for kinds, box in views:
        out["views"].append((sorted(kinds), box) + _hash_view(t, img, box))
    out["cls"] = cls
    # the rot180 view: PDQ (8 dihedral hashes) of the pixels turned by 180
    # degrees, which PDQ's dihedral hashes of the image itself only
    # approximate when its box-filter window is even (pdq_dihedral.c); no
    # pHash (quality -1: gated out)
    a = np.asarray(img)
    turned = phash.Image.from_array(np.ascontiguousarray(a[::-1, ::-1]))
    r0 = clock()
    r = t.pdq.hash(turned, dihedral=PDQ_VARIANTS)
    out["cpu_rot180"] = clock() - r0
    out["views"].append((["rot180"], full, r.quality,
                         b"".join(bytes(r.dihedral[n]) for n in phash.pdq.DIHEDRAL), 0, -1))
    # CPU of the default expansions: each extra view of views(), hashed the
    # way the scanner would (plain PDQ + pHash, or with the dihedral hashes)
    for v in default_views[1:]:
        vi = view_image(img, v)
        d0 = clock()
        t.pdq.hash(vi, dihedral=False)
        t.ph.hash(vi)
        d1 = clock()
        t.pdq.hash(vi, dihedral=PDQ_VARIANTS)
        t.ph.hash(vi)
        d2 = clock()
        out["cpu_views_plain"] += d1 - d0
        out["cpu_views_dihedral"] += d2 - d1
    return out


def library_digest():
    """sha256 of the loaded libphash file: cached hashes are reused only
    with the very same library."""
    from phash._lib import lib
    return file_digest(lib._name) if os.path.exists(lib._name) else lib._name


def hash_all(paths, jobs, log, cache_path=None):
    """Hash every path (threads). With cache_path, results of an earlier run
    with the same library and the same file (size, mtime) are reused; the
    cache is rewritten at the end."""
    import pickle
    lib_id = f"{library_digest()};variants={PDQ_VARIANTS}"
    cache = {}
    if cache_path and os.path.exists(cache_path):
        with open(cache_path, "rb") as f:
            saved = pickle.load(f)
        if saved.get("library") == lib_id:
            cache = saved["records"]
    results = [None] * len(paths)
    todo = []
    for i, p in enumerate(paths):
        st = os.stat(p)
        hit = cache.get(p)
        if hit and hit[0] == (st.st_size, st.st_mtime_ns):
            results[i] = hit[1]
        else:
            todo.append(i)
    print(f"hashing {len(todo)} files ({len(paths) - len(todo)} cached)", file=log, flush=True)
    done = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for i, r in zip(todo, pool.map(hash_file, [paths[i] for i in todo], chunksize=16)):
            results[i] = r
            st = os.stat(paths[i])
            cache[paths[i]] = ((st.st_size, st.st_mtime_ns), r)
            done += 1
            if done % 2000 == 0:
                print(f"hashed {done}/{len(todo)}", file=log, flush=True)
    if cache_path and todo:
        with open(cache_path + ".tmp", "wb") as f:
            pickle.dump({"library": lib_id, "records": cache}, f)
        os.replace(cache_path + ".tmp", cache_path)
    return results


# ---------------------------------------------------------------------------
# distances
# ---------------------------------------------------------------------------
_POP16 = np.array([bin(i).count("1") for i in range(65536)], dtype=np.uint8)


def pdq_dist(a, b):
    """Hamming distances between rows of two uint8 [n, 32] arrays (broadcast)."""
    x = np.bitwise_xor(a, b).view(np.uint16)
    return _POP16[x].sum(axis=-1, dtype=np.int32)


def u64_dist(a, b):
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return _POP16[x.view(np.uint16).reshape(x.shape + (4,))].sum(axis=-1, dtype=np.int32)


class Table:
    """Every hashed view as rows: image number, view kinds, codes, qualities."""

    def __init__(self, records):
        img, kinds, pdq, pdq_q, ph, ph_q = [], [], [], [], [], []
        for i, r in enumerate(records):
            for k, box, pq, codes, h, hq in r.get("views", []):
                img.append(i)
                kinds.append(frozenset(k))
                pdq.append(np.frombuffer(codes, dtype=np.uint8).reshape(8, 32))
                pdq_q.append(pq)
                ph.append(h)
                ph_q.append(hq)
        self.img = np.array(img, dtype=np.int64)
        self.kinds = kinds
        self.pdq = np.stack(pdq) if pdq else np.zeros((0, 8, 32), np.uint8)
        self.pdq_q = np.array(pdq_q)
        self.ph = np.array(ph, dtype=np.uint64)
        self.ph_q = np.array(ph_q)
        self.first = {}
        for row, i in enumerate(img):
            self.first.setdefault(i, row)   # the orig view comes first


def pair_views(tab, qrows, sig_row):
    """Per query row: (pdq orig, pdq dihedral, phash) distances to signature
    row sig_row, INF where a quality gate fails."""
    sig_pdq = tab.pdq[sig_row, 0]
    d = pdq_dist(tab.pdq[qrows], sig_pdq[None, None, :])
    po, pd = d[:, 0].copy(), d.min(axis=1)
    ph = u64_dist(tab.ph[qrows], tab.ph[sig_row])
    bad_pdq = (tab.pdq_q[qrows] < PDQ_Q) | (tab.pdq_q[sig_row] < PDQ_Q)
    bad_ph = (tab.ph_q[qrows] < PH_Q) | (tab.ph_q[sig_row] < PH_Q)
    po[bad_pdq] = INF
    pd[bad_pdq] = INF
    ph[bad_ph] = INF
    return po, pd, ph


def near_pairs(tab, sig_rows, log):
    """Every (query view row, signature row) within PDQ_R (dihedral) or PH_R
    of each other, through the library's index. Returns {(qrow, srow):
    [pdq orig, pdq dihedral, phash]} with INF for what is beyond a radius."""
    out = collections.defaultdict(lambda: [INF, INF, INF])
    ids = list(range(len(sig_rows)))
    ix = phash.Index(256)
    ix.add([bytes(tab.pdq[r, 0]) for r in sig_rows], ids)
    ix.build()
    step = 4096
    for lo in range(0, len(tab.img), step):
        rows = range(lo, min(lo + step, len(tab.img)))
        qs = [[bytes(tab.pdq[r, v]) for v in range(8)] for r in rows]
        for r, hits in zip(rows, ix.search(qs, PDQ_R, dihedral=True)):
            for h in hits:
                out[(r, sig_rows[h.id])][1] = h.distance
        for r, hits in zip(rows, ix.search([q[0] for q in qs], PDQ_R)):
            for h in hits:
                out[(r, sig_rows[h.id])][0] = h.distance
    ix.close()
    ix = phash.Index(64)
    ix.add([int(tab.ph[r]) for r in sig_rows], ids)
    ix.build()
    for lo in range(0, len(tab.img), step):
        rows = range(lo, min(lo + step, len(tab.img)))
        for r, hits in zip(rows, ix.search([int(tab.ph[r]) for r in rows], PH_R)):
            for h in hits:
                out[(r, sig_rows[h.id])][2] = h.distance
    ix.close()
    print(f"near pairs: {len(out)}", file=log, flush=True)
    return out


# ---------------------------------------------------------------------------
# same picture (thumbnails of the two sources)
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def _thumb(path):
    """32x32 grey thumbnail (4 KiB kept per picture: pairs revisit them)."""
    from PIL import Image, ImageOps
    im = ImageOps.exif_transpose(Image.open(path)).convert("L").resize((32, 32), Image.BOX)
    return np.asarray(im, dtype=np.float32)


def thumbs(path):
    a = _thumb(path).astype(np.float64)
    return [a, np.rot90(a), np.rot90(a, 2), np.rot90(a, 3), a[::-1], a[:, ::-1], a.T,
            np.rot90(a, 2).T]


def same_picture(pa, pb):
    b = thumbs(pb)[0]
    for a in thumbs(pa):
        mad = np.abs(a - b).mean()
        if a.std() < 1e-6 or b.std() < 1e-6:
            if mad < 8:
                return True
            continue
        if mad < 8 and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.98:
            return True
    return False


# ---------------------------------------------------------------------------
# analysis
# ---------------------------------------------------------------------------
def matches(rule, viewset, entries):
    """entries: [(kinds, po, pd, ph)] of one pair: 1 if any allowed view matches."""
    f = RULES[rule]
    return any(f(po, pd, ph) for kinds, po, pd, ph in entries if kinds & viewset)


def analyse(items, records, tab, log):
    """items: dicts with path, role, oid, transform. Returns the result tables."""
    orig_of = {it["oid"]: i for i, it in enumerate(items) if it["role"] == "original"}
    sig_imgs = [i for i, it in enumerate(items) if it["role"] in ("original", "unrelated")
                and "views" in records[i]]
    sig_rows = [tab.first[i] for i in sig_imgs]
    # positives: each variant against its own original
    pos = collections.defaultdict(list)          # variant image -> entries
    pos_dist = collections.defaultdict(list)     # (algo) -> distances of orig views
    rows_of = collections.defaultdict(list)
    for row, i in enumerate(tab.img):
        rows_of[int(i)].append(row)
    for i, it in enumerate(items):
        if it["role"] != "variant" or i not in rows_of or orig_of.get(it["oid"]) not in tab.first:
            continue
        srow = tab.first[orig_of[it["oid"]]]
        qrows = rows_of[i]
        po, pd, ph = pair_views(tab, qrows, srow)
        pos[i] = [(tab.kinds[r], int(a), int(b), int(c)) for r, a, b, c in zip(qrows, po, pd, ph)]
        pos_dist["pdq"].append(int(po[0]))
        pos_dist["pdq+dih"].append(int(pd[0]))
        pos_dist["phash"].append(int(ph[0]))
    # negatives
    near = near_pairs(tab, sig_rows, log)
    source = {}
    for i, it in enumerate(items):
        source[i] = orig_of.get(it["oid"], i) if it["role"] == "variant" else i
    neg = collections.defaultdict(list)          # (query img, sig img) -> entries
    for (qrow, srow), (po, pd, ph) in near.items():
        qi, si = int(tab.img[qrow]), int(tab.img[srow])
        if source[qi] == si:
            continue
        qgood_pdq = tab.pdq_q[qrow] >= PDQ_Q and tab.pdq_q[srow] >= PDQ_Q
        qgood_ph = tab.ph_q[qrow] >= PH_Q and tab.ph_q[srow] >= PH_Q
        neg[(qi, si)].append((tab.kinds[qrow], po if qgood_pdq else INF, pd if qgood_pdq else INF,
                              ph if qgood_ph else INF))
    # pairs per category: photo-photo (what the lists and the scanned PCs
    # hold), photo-synthetic, synthetic-synthetic (clip art, maps, flags:
    # designs that differ only in colour, which grey hashes cannot tell apart)
    kind = [("photo" if it.get("cls", "photo") in PHOTO_CLASSES else "synthetic") for it in items]
    nq, ns = collections.Counter(), collections.Counter()
    for i in range(len(items)):
        if "views" in records[i]:
            nq[kind[i]] += 1
    for i in sig_imgs:
        ns[kind[i]] += 1
    sig_set = set(sig_imgs)
    n_pairs = collections.Counter()
    for a in ("photo", "synthetic"):
        for b in ("photo", "synthetic"):
            n_pairs[pair_category(a, b)] += nq[a] * ns[b]
    for i in range(len(items)):
        if "views" in records[i] and source[i] in sig_set:
            n_pairs[pair_category(kind[i], kind[source[i]])] -= 1
    n_pairs["all"] = sum(n_pairs.values())
    # same-picture separation on every pair that meets a loose rule
    same, false_pairs = [], collections.defaultdict(list)
    checked = {}
    for (qi, si), entries in sorted(neg.items()):
        loose = any(min(pd, INF) <= 40 or ph <= 12 for _, po, pd, ph in entries)
        if not loose:
            continue
        key = (source[qi], si)
        if key not in checked:
            checked[key] = same_picture(items[source[qi]]["path"], items[si]["path"])
        if checked[key]:
            same.append((qi, si))
            continue
        cat = pair_category(kind[qi], kind[si])
        for rule in RULES:
            for vs, kinds in VIEWSETS.items():
                if matches(rule, kinds, entries):
                    false_pairs[(rule, vs, "all")].append((qi, si))
                    false_pairs[(rule, vs, cat)].append((qi, si))
    same_set = set(same)
    tails = {c: {a: collections.Counter() for a in ("pdq", "pdq+dih", "phash")}
             for c in CATEGORIES}
    for (qi, si), entries in neg.items():
        if (qi, si) in same_set:
            continue
        o = [e for e in entries if "orig" in e[0]]
        if not o:
            continue
        for cat in ("all", pair_category(kind[qi], kind[si])):
            tails[cat]["pdq"][o[0][1]] += 1
            tails[cat]["pdq+dih"][o[0][2]] += 1
            tails[cat]["phash"][o[0][3]] += 1
    return {"pos": pos, "pos_dist": pos_dist, "neg_pairs": n_pairs, "false": false_pairs,
            "same": same, "tails": tails, "sig_count": len(sig_imgs)}


PHOTO_CLASSES = {"photo", "wallpaper", "astro", "user"}
CATEGORIES = ("photo-photo", "photo-synthetic", "synthetic-synthetic", "all")


def pair_category(a, b):
    return "photo-photo" if a == b == "photo" else \
        "synthetic-synthetic" if a == b == "synthetic" else "photo-synthetic"


def recall_table(items, res):
    by_t = collections.defaultdict(list)
    for i, entries in res["pos"].items():
        by_t[items[i]["transform"]].append(entries)
    table = {}
    for t, lst in by_t.items():
        for rule in RULES:
            for vs, kinds in VIEWSETS.items():
                table[(t, rule, vs)] = sum(matches(rule, kinds, e) for e in lst) / len(lst)
    return by_t, table


def threshold_for_precision(pos, tail, target=0.9999):
    """Largest threshold t with TP(t) / (TP(t) + FP(t)) >= target over the
    bench's pairs (positives: variant vs own original, orig view)."""
    pos = np.array([p for p in pos if p < INF])
    best = None
    fp = 0
    for t in range(0, max(tail.keys() | {0}) + 1):
        fp += tail.get(t, 0)
        tp = int((pos <= t).sum())
        if tp and tp / (tp + fp) >= target:
            best = (t, tp / len(pos) if len(pos) else 0.0, fp)
    return best


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load": os.getloadavg(),
            "kernel": platform.release(), "python": platform.python_version(),
            "numpy": np.__version__, "phash": phash.version(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def pct(x):
    return f"{100 * x:.1f}"


def expected_alerts(p, sigs):
    """Expected false alerts per 1M scanned images against `sigs` signatures
    for a per-pair false-match probability p (independent pairs)."""
    return 1e6 * (1 - (1 - p) ** sigs)


def plots(out, items, res, by_t, table):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = sorted(by_t)
    fig, ax = plt.subplots(figsize=(12, 5))
    w = 0.2
    for k, (rule, vs) in enumerate([("pdq31", "orig"), ("pdq31|phash10", "orig"),
                                    ("policy", "orig"), ("policy", "+both")]):
        ax.bar(np.arange(len(names)) + k * w, [100 * table[(t, rule, vs)] for t in names], w,
               label=f"{rule} {vs}")
    ax.set_xticks(np.arange(len(names)) + 1.5 * w)
    ax.set_xticklabels(names, rotation=75, fontsize=7)
    ax.set_ylabel("recall %")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "recall.png"), dpi=90)
    plt.close(fig)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, algo, r in zip(axes, ("pdq", "pdq+dih", "phash"), (PDQ_R, PDQ_R, PH_R)):
        pos = [d for d in res["pos_dist"][algo] if d < INF]
        ax.hist(pos, bins=range(0, r + 2), alpha=0.6, label="variant vs own original")
        tail = res["tails"]["photo-photo"][algo]
        xs = sorted(k for k in tail if k < INF)
        ax.bar(xs, [tail[k] for k in xs], width=0.8, alpha=0.6, color="red",
               label="unrelated photo pairs")
        ax.set_yscale("log")
        ax.set_title(f"{algo} distance (orig view)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "distances.png"), dpi=90)
    plt.close(fig)


def write_report(out, args, meta, items, records, res, log_lines):
    by_t, table = recall_table(items, res)
    plots(out, items, res, by_t, table)
    L = []
    m = meta["machine"]
    L.append("# phash accuracy bench\n")
    L.append(f"Generated by `bench/accuracy/run.py {' '.join(meta['argv'])}` on {m['date']}.\n")
    L.append(f"Machine: {m['cpu']}, {m['cores']} cores, load average "
             f"{m['load'][0]:.1f}/{m['load'][1]:.1f}/{m['load'][2]:.1f} at the start; Linux "
             f"{m['kernel']}; Python {m['python']}, NumPy {m['numpy']}; libphash {m['phash']}.\n")
    kc, uc = meta["known"], meta["unrelated"]
    L.append("## Data\n")
    L.append(f"* known: {kc['originals']} originals (seed {args.seed}, classes "
             f"{args.classes}, max side {args.max_side}), {kc['variants']} variants over "
             f"{len(by_t)} transforms; manifest sha256 `{kc['manifest_sha256'][:16]}`.")
    if uc.get("tree"):
        c = uc["counts"]
        L.append(f"* unrelated: {uc['pictures']} pictures as the packages ship them, from "
                 f"{', '.join(args.unrelated_tree)}: {c.get('files', 0):,} files walked, "
                 f"{c.get('images', 0):,} sniffed as decodable images, dropped: "
                 f"{c.get('side < 128', 0):,} with a side < 128, {c.get('exact copy', 0):,} "
                 f"exact copies (SHA-256), {c.get('near copy', 0):,} near-copies (the same "
                 f"picture at another size: PDQ dihedral <= 40 or pHash <= 12 and the "
                 f"thumbnail check), {c.get('known original', 0)} known originals, "
                 f"{c.get('not decoded', 0)} not decoded. Classes by pixels "
                 f"(unrelated_tree.classify): " +
                 ", ".join(f"{k} {v:,}" for k, v in sorted(uc["classes"].items())) +
                 f". Listing sha256 `{uc['manifest_sha256'][:16]}` (unrelated-tree.csv). "
                 f"Packages: {uc['packages']}.")
    else:
        L.append(f"* unrelated: {uc['pictures']} pictures (seed {args.seed + 1000}, classes "
                 f"{args.unrelated_classes}; {uc['dropped']} dropped as known originals); "
                 f"manifest sha256 `{uc['manifest_sha256'][:16]}`. Packages: {uc['packages']}.")
    L.append(f"* signatures: the {res['sig_count']} originals and unrelated pictures; negative "
             f"pairs: every hashed image against every signature that is not its own source: "
             f"{res['neg_pairs']['all']:,} pairs (x8 orientations with dihedral matching, x the "
             "views).")
    L.append(f"* same picture, not a false match: {len(res['same'])} pairs met a loose rule "
             f"(PDQ <= 40 or pHash <= 12) and had near-identical 32x32 thumbnails of their "
             f"sources (see the module docstring); they are left out of the false pairs.")
    L.append("* PDQ's 8 dihedral variants: " + (
        "aligned (PHASH_PDQ_WANT_DIHEDRAL_ALIGNED, the scanner's default)"
        if PDQ_VARIANTS == "aligned" else "the reference's (--pdq-variants reference)") + ".")
    L.append(f"* quality gates: PDQ quality >= {PDQ_Q} and pHash quality >= {PH_Q} on both "
             f"sides for every rule; errors while hashing: "
             f"{sum(1 for r in records if 'error' in r)}.\n")
    L.append("## Rules\n")
    L.append("| rule | matches when (per view, quality gates passed) |\n| --- | --- |")
    L.append("| pdq31 | PDQ <= 31, image as is |\n| pdq31+dih | PDQ <= 31 in any of the 8 "
             "orientations |\n| phash10 | pHash <= 10 |\n| pdq31\\|phash10 | either (what the "
             "scan does today) |\n| pdq31+dih\\|phash10 | either, PDQ dihedral |")
    L.append("| pdq31+dih\\|(phash10&pdq64) | PDQ <= 31 dihedral, or pHash <= 10 with PDQ <= 64 |")
    L.append(f"| policy | {POLICY_TEXT} |")
    L.append("| policy-pdq36 | the same with PDQ's alert radius 36 |\n")
    L.append("Views: `orig` = the whole image only; `+border` adds the border-trimmed view, "
             "`+embedded` the embedded picture, `+both` both (the library's default "
             "expansions), `+both+rot180` also PDQ of the pixels turned by 180 degrees. A "
             "pair matches if any of its views does.\n")
    L.append("## Recall per transform (%)\n")
    cols = [(r, "orig") for r in RULES] + [("pdq31+dih", "+both"), ("policy", "+border"),
                                           ("policy", "+embedded"), ("policy", "+both"),
                                           ("policy-pdq36", "+both"), ("policy", "+both+rot180")]
    L.append("| transform | n | " + " | ".join(f"{r} {v}" for r, v in cols) + " |")
    L.append("| --- | --- |" + " --- |" * len(cols))
    for t in sorted(by_t):
        L.append(f"| {t} | {len(by_t[t])} | " +
                 " | ".join(pct(table[(t, r, v)]) for r, v in cols) + " |")
    allv = [e for lst in by_t.values() for e in lst]
    L.append("| **all** | %d | " % len(allv) + " | ".join(
        pct(sum(matches(r, VIEWSETS[v], e) for e in allv) / max(1, len(allv))) for r, v in cols)
        + " |\n")
    L.append("![recall](recall.png)\n")
    L.append("## False pairs per rule\n")
    npairs = res["neg_pairs"]
    L.append("Unrelated pairs that match, by category: **photo-photo** (photographs, astro "
             "pictures and the variants of the known photos against photographs: what the "
             "lists and the scanned PCs hold), photo-synthetic, synthetic-synthetic (clip art, "
             "maps, flags, cut-outs: many differ only in colour or suit, e.g. the flags of Mali "
             "and Cote d'Ivoire, which a grey-level hash cannot tell apart). Pairs: " +
             ", ".join(f"{c} {npairs[c]:,}" for c in CATEGORIES) + ". Expected false alerts "
             "per 1M scanned photos against 100k and 1M photo signatures = 1e6 x (1 - (1 - "
             "p)^S), p = photo-photo false pairs / photo-photo pairs (pairs taken as "
             "independent; where none matched, p < 3 / pairs, the 95% upper bound, marked "
             "'<'; the true rate can be far lower).\n")
    L.append("| rule | views | photo-photo | photo-synth. | synth.-synth. | p (photo) "
             "| alerts / 1M vs 100k | vs 1M |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for rule in RULES:
        for vs in VIEWSETS:
            n = {c: len(res["false"].get((rule, vs, c), [])) for c in CATEGORIES}
            pp = npairs["photo-photo"]
            p = n["photo-photo"] / pp if pp else 0
            lt = ""
            if n["photo-photo"] == 0:
                p, lt = 3 / max(1, pp), "<"
            L.append(f"| {rule} | {vs} | {n['photo-photo']} | {n['photo-synthetic']} | "
                     f"{n['synthetic-synthetic']} | {lt}{p:.1e} | "
                     f"{lt}{expected_alerts(p, 1e5):,.0f} | {lt}{expected_alerts(p, 1e6):,.0f} |")
    L.append("")
    fp = sorted({tuple(sorted(p)) for p in res["false"].get(("policy", "+both", "photo-photo"), [])})
    if fp:
        L.append(f"Photo-photo pairs that the default rule matches ({len(fp)} unordered; the "
                 "class is by pixels, so renders and textures count as photos): judge each "
                 "one, a pair of edited versions of one picture is a true match.\n")
        for a, b in fp[:60]:
            L.append(f"* `{os.path.relpath(items[a]['path'], out)}` ~ "
                     f"`{os.path.relpath(items[b]['path'], out)}`")
        L.append("")
    L.append("Closest unrelated pairs (orig views; cumulative counts at or under each "
             f"distance, up to the search radius PDQ {PDQ_R}, pHash {PH_R}):\n")
    ds = (4, 8, 10, 12, 16, 24, 31, 40, 48, 56, 64)
    L.append("| pairs | algorithm | " + " | ".join(f"<= {d}" for d in ds) + " |")
    L.append("| --- | --- |" + " --- |" * len(ds))
    for cat in ("photo-photo", "all"):
        for algo, tail in res["tails"][cat].items():
            cum = [("" if algo == "phash" and d > PH_R else
                    str(sum(v for k, v in tail.items() if k <= d))) for d in ds]
            L.append(f"| {cat} | {algo} | " + " | ".join(cum) + " |")
    L.append("\n![distances](distances.png)\n")
    L.append("## Threshold for 99.99% precision\n")
    L.append("The largest distance t at which TP / (TP + FP) >= 99.99% (TP: variants of all "
             "transforms within t of their own original, orig view; FP: unrelated pairs "
             "within t). Precision depends on the mix of pairs: "
             f"{len(allv):,} positive pairs against {npairs['photo-photo']:,} photo-photo and "
             f"{npairs['all']:,} negative pairs in all.\n")
    L.append("| negatives | algorithm | threshold | recall there | false pairs there |")
    L.append("| --- | --- | --- | --- | --- |")
    for cat in ("photo-photo", "all"):
        for algo in ("pdq", "pdq+dih", "phash"):
            b = threshold_for_precision(res["pos_dist"][algo], res["tails"][cat][algo])
            if b:
                L.append(f"| {cat} | {algo} | {b[0]} | {pct(b[1])}% | {b[2]} |")
            else:
                L.append(f"| {cat} | {algo} | none | | |")
    L.append("")
    thorn = load_thorn(args.thorn)
    if thorn:
        L.append("## Beside thorn's perception benchmark\n")
        L.append("thorn: recall at the threshold their benchmark picked for 100% precision "
                 "(`threshold_normalised_distance` x bits). Ours: recall at PDQ 31 / pHash 10 "
                 "(orig view, no expansion) and at thorn's threshold. Transforms are matched "
                 "by name where both have one; rotate4 ~ rot5, pad0.2 ~ border_white10, "
                 "jpeg95 ~ jpeg_q75 are only close.\n")
        L.append("| thorn | ours | algo | thorn thr | thorn recall | ours @31/10 | ours @thorn thr |")
        L.append("| --- | --- | --- | --- | --- | --- | --- |")
        for tt, ours in THORN.items():
            if ours not in by_t:
                continue
            for algo, bits, ourthr in (("pdq", 256, 31), ("phash", 64, 10)):
                row = thorn.get((tt, algo))
                if not row:
                    continue
                thr = round(float(row["threshold_normalised_distance"]) * bits)
                k = 1 if algo == "pdq" else 3
                d = [e[0][k] for e in by_t[ours]]
                r1 = sum(x <= ourthr for x in d) / len(d)
                r2 = sum(x <= thr for x in d) / len(d)
                L.append(f"| {tt} | {ours} | {algo} | {thr} | {row['recall_pct']} | {pct(r1)} "
                         f"| {pct(r2)} |")
        L.append("")
    L.append("## CPU per image (ms, thread CPU time, mean over all hashed files)\n")
    ok = [r for r in records if "views" in r]
    mean = lambda k: 1000 * sum(r[k] for r in ok) / max(1, len(ok))
    plain = mean("cpu_decode") + mean("cpu_plain")
    fired = sum(len(r["default_views"]) - 1 for r in ok)
    L.append("| stage | ms |\n| --- | --- |")
    L.append(f"| decode | {mean('cpu_decode'):.2f} |")
    L.append(f"| PDQ + pHash, whole image | {mean('cpu_plain'):.2f} |")
    L.append(f"| PDQ with the 8 dihedral hashes (instead of plain PDQ) | {mean('cpu_dihedral'):.2f} |")
    L.append(f"| expansion detectors (border + embedded) | {mean('cpu_detect'):.2f} |")
    L.append(f"| hashing the extra views (plain) | {mean('cpu_views_plain'):.2f} |")
    L.append(f"| hashing the extra views (dihedral PDQ + pHash) | {mean('cpu_views_dihedral'):.2f} |")
    L.append(f"| PDQ (8 dihedral hashes) of the rot180 view | {mean('cpu_rot180'):.2f} |")
    L.append("")
    L.append(f"Extra views per image: {fired / max(1, len(ok)):.3f} ({fired} over {len(ok)} "
             "images). End to end per image, plain hash = decode + PDQ + pHash "
             f"= {plain:.2f} ms; with the default expansions "
             f"{plain + mean('cpu_detect') + mean('cpu_views_plain'):.2f} ms "
             f"(x{(plain + mean('cpu_detect') + mean('cpu_views_plain')) / max(1e-9, plain):.3f}); "
             "adding the rot180 view: "
             f"x{(plain + mean('cpu_detect') + mean('cpu_views_plain') + mean('cpu_rot180')) / max(1e-9, plain):.3f}.\n")
    fires = collections.Counter()
    for it, r in zip(items, records):
        for v in r.get("default_views", [])[1:]:
            fires[(it["role"], v[0])] += 1
    L.append("Detector fires (views() on each image):\n")
    L.append("| images | border | embedded | images in set |\n| --- | --- | --- | --- |")
    for role in ("original", "variant", "unrelated"):
        n = sum(1 for it, r in zip(items, records) if it["role"] == role and "views" in r)
        L.append(f"| {role} | {fires[(role, 'border')]} | {fires[(role, 'embedded')]} | {n} |")
    L.append("")
    L.append("## Log\n\n```\n" + "\n".join(log_lines) + "\n```\n")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(L))
    summary = {
        "recall": {f"{t}/{r}/{v}": round(x, 6) for (t, r, v), x in sorted(table.items())},
        "false_pairs": {f"{r}/{v}/{c}": len(res["false"].get((r, v, c), [])) for r in RULES
                        for v in VIEWSETS for c in CATEGORIES},
        "negative_pairs": res["neg_pairs"], "same_picture_pairs": len(res["same"]),
        "fires": {f"{k[0]}/{k[1]}": n for k, n in sorted(fires.items())},
        "known": meta["known"], "unrelated": meta["unrelated"]}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


def load_thorn(path):
    if not path or not os.path.exists(path):
        return {}
    out = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["grouping"] == "transform":
                out[(row["transform"], row["hasher"])] = row
    return out


# ---------------------------------------------------------------------------
def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="results folder (corpora are cached in it)")
    p.add_argument("--originals", type=int, default=300)
    p.add_argument("--unrelated", type=int, default=7000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-side", type=int, default=512)
    p.add_argument("--classes", default="photo")
    p.add_argument("--unrelated-classes", default="photo,astro,art,cutout")
    p.add_argument("--extracted", action="append", default=[],
                   help="unpacked Debian packages (make_corpus --extracted)")
    p.add_argument("--source", action="append", default=[],
                   help="take the known originals from this folder instead of the recipe")
    p.add_argument("--unrelated-source", action="append", default=[],
                   help="take the unrelated pictures from this folder instead of the recipe")
    p.add_argument("--unrelated-tree", action="append", default=[],
                   help="unrelated pictures as found in this folder of unpacked packages "
                        "(PKG/usr/...; sniffed by content, sides >= 128, exact and near "
                        "copies once, hashed at their own size; instead of make_corpus)")
    p.add_argument("--transforms", default="all", help="make_corpus --transforms")
    p.add_argument("--make-corpus", default=os.path.join(root, "..", "shared", "tools",
                                                         "make_corpus.py"))
    p.add_argument("--thorn", default=os.path.join(root, "..", "shared", "docs",
                                                   "phash-family-perception-benchmark.csv"))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--allow-fewer", action="store_true")
    p.add_argument("--pdq-variants", choices=["aligned", "reference"], default="aligned",
                   help="PDQ's dihedral variants: aligned (the scanner's default) or the "
                        "reference's sign-flipped ones")
    args = p.parse_args()
    global PDQ_VARIANTS
    PDQ_VARIANTS = "aligned" if args.pdq_variants == "aligned" else True
    os.makedirs(args.out, exist_ok=True)
    log_lines = []

    class Log:
        def write(self, s):
            if s.strip():
                log_lines.append(s.rstrip())
            sys.stderr.write(s)

        def flush(self):
            sys.stderr.flush()
    log = Log()
    t0 = time.time()
    meta = {"argv": sys.argv[1:], "machine": machine()}
    common = ["--seed", str(args.seed), "--max-side", str(args.max_side), "--jobs", str(args.jobs)]
    for d in args.extracted:
        common += ["--extracted", d]
    if args.source:
        known_args = [a for s in args.source for a in ("--source", s)]
    else:
        known_args = ["--discover", "--classes", args.classes]
    known_args += ["--n", str(args.originals), "--transforms", args.transforms] + common
    if args.allow_fewer:
        known_args.append("--allow-fewer")
    kdir, udir = os.path.join(args.out, "known"), os.path.join(args.out, "unrelated")
    make_corpus(args.make_corpus, kdir, known_args, log)
    if args.unrelated_tree:
        return run_tree(args, meta, kdir, log, log_lines, t0)
    useed = ["--seed", str(args.seed + 1000)] + common[2:]
    if args.unrelated_source:
        uargs = [a for s in args.unrelated_source for a in ("--source", s)]
    else:
        uargs = ["--discover", "--classes", args.unrelated_classes]
    uargs += ["--n", str(args.unrelated), "--transforms", ",", "--allow-fewer"] + useed
    make_corpus(args.make_corpus, udir, uargs, log)
    print(f"corpora ready after {time.time() - t0:.0f} s", file=log, flush=True)

    items, known_src = known_items(kdir)
    unrel = read_manifest(udir)
    dropped = 0
    pkgs = collections.Counter()
    for r in unrel:
        if r["transform"] != "original":
            continue
        if (r["source_package"], r["source_path"]) in known_src:
            dropped += 1
            continue
        pkgs[r["source_package"]] += 1
        items.append({"path": os.path.join(udir, r["file"]), "role": "unrelated",
                      "oid": "u" + r["original_id"], "transform": "unrelated", "cls": r["class"]})
    meta["known"] = {"originals": sum(1 for i in items if i["role"] == "original"),
                     "variants": sum(1 for i in items if i["role"] == "variant"),
                     "manifest_sha256": file_digest(os.path.join(kdir, "manifest.csv"))}
    meta["unrelated"] = {"pictures": sum(1 for i in items if i["role"] == "unrelated"),
                         "dropped": dropped,
                         "manifest_sha256": file_digest(os.path.join(udir, "manifest.csv")),
                         "packages": ", ".join(f"{k} {v}" for k, v in sorted(pkgs.items()))}
    return finish(args, meta, items, log, log_lines)


def known_items(kdir):
    """The known corpus as items, and the (package, path) of its originals."""
    known = read_manifest(kdir)
    src = {(r["source_package"], r["source_path"]) for r in known if r["transform"] == "original"}
    items = []
    for r in known:
        role = "original" if r["transform"] == "original" else "variant"
        items.append({"path": os.path.join(kdir, r["file"]), "role": role,
                      "oid": r["original_id"], "transform": r["transform"], "cls": r["class"]})
    return items, src


def run_tree(args, meta, kdir, log, log_lines, t0):
    """--unrelated-tree: the unrelated pictures as the packages ship them."""
    items, known_src = known_items(kdir)
    pics, counts = walk(args.unrelated_tree, known_src, log,
                        os.path.join(args.out, "treecache.json"))
    for k, pic in enumerate(pics):
        items.append({"path": pic["path"], "role": "unrelated", "oid": f"t{k:05d}",
                      "transform": "unrelated", "cls": None, "package": pic["package"]})
    print(f"corpora ready after {time.time() - t0:.0f} s", file=log, flush=True)
    t1 = time.time()
    records = hash_all([it["path"] for it in items], args.jobs, log,
                       os.path.join(args.out, "hashcache.pickle"))
    print(f"hashed {len(items)} files in {time.time() - t1:.0f} s", file=log, flush=True)
    # classes by pixels; near-copies among the unrelated pictures dropped
    unrel = [i for i, it in enumerate(items) if it["role"] == "unrelated" and
             "views" in records[i]]
    for i in unrel:
        items[i]["cls"] = records[i]["cls"]
    codes = np.stack([np.frombuffer(records[i]["views"][0][3], np.uint8).reshape(8, 32)
                      for i in unrel])
    drop, cand = near_copies([items[i]["path"] for i in unrel], codes,
                             np.array([records[i]["views"][0][4] for i in unrel], np.uint64),
                             same_picture)
    counts["near copy"] = len(drop)
    gone = {unrel[k] for k in drop} | {i for i, it in enumerate(items)
                                       if it["role"] == "unrelated" and "views" not in records[i]}
    counts["not decoded"] = sum(1 for i, it in enumerate(items)
                                if it["role"] == "unrelated" and "views" not in records[i])
    print(f"near-copies: {cand} candidate pairs, {len(drop)} pictures dropped", file=log,
          flush=True)
    items = [it for i, it in enumerate(items) if i not in gone]
    records = [r for i, r in enumerate(records) if i not in gone]
    kept = [it for it in items if it["role"] == "unrelated"]
    pkgs = collections.Counter(it["package"] for it in kept)
    classes = collections.Counter(it["cls"] for it in kept)
    meta["known"] = {"originals": sum(1 for i in items if i["role"] == "original"),
                     "variants": sum(1 for i in items if i["role"] == "variant"),
                     "manifest_sha256": file_digest(os.path.join(kdir, "manifest.csv"))}
    listing = hashlib.sha256("".join(f"{it['path']}\n" for it in kept).encode()).hexdigest()
    meta["unrelated"] = {"pictures": len(kept), "dropped": counts["known original"],
                         "manifest_sha256": listing, "tree": True,
                         "counts": dict(counts), "classes": dict(classes),
                         "packages": ", ".join(f"{k} {v}" for k, v in sorted(pkgs.items()))}
    with open(os.path.join(args.out, "unrelated-tree.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "package", "class"])
        for it in kept:
            w.writerow([it["path"], it["package"], it["cls"]])
    return analyse_and_report(args, meta, items, records, log, log_lines, t1)


def finish(args, meta, items, log, log_lines):
    t1 = time.time()
    records = hash_all([it["path"] for it in items], args.jobs, log,
                       os.path.join(args.out, "hashcache.pickle"))
    print(f"hashed {len(items)} files in {time.time() - t1:.0f} s", file=log, flush=True)
    return analyse_and_report(args, meta, items, records, log, log_lines, t1)


def analyse_and_report(args, meta, items, records, log, log_lines, t1):
    tab = Table(records)
    res = analyse(items, records, tab, log)
    print(f"analysed in {time.time() - t1:.0f} s since hashing began", file=log, flush=True)
    with open(os.path.join(args.out, "hashes.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "role", "transform", "view", "x", "y", "w", "h", "pdq_quality",
                    "pdq", "pdq_dihedral", "phash_quality", "phash"])
        for it, r in zip(items, records):
            for kinds, box, pq, codes, h, hq in r.get("views", []):
                w.writerow([os.path.relpath(it["path"], args.out), it["role"], it["transform"],
                            "+".join(kinds), *box, pq, codes[:32].hex(), codes.hex(), hq,
                            f"{h:016x}"])
    write_report(args.out, args, meta, items, records, res, log_lines)
    print(f"report: {os.path.join(args.out, 'report.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
