# SPDX-License-Identifier: MIT
"""Signature sets split into shards by entry range, and a file's hashes
matched against a set the way the scanner matches them (lib/scan/match.c),
so that matching against every shard and taking the union gives exactly
the scanner's matches against the whole set. phash.dask runs both on a
cluster; this module needs no Dask.

A shard of a text list (plain, CSV/TSV or JSON lines: one record per line)
is the list with every record line outside the shard's range replaced by
an empty line, loaded under the list's own name: line numbers, and so the
ids taken from them, stay those of the whole list, the CSV header stays in
every shard, and every record is in exactly one shard. Compiled sets and
multi-line formats cannot be split this way: shard their source lists.
"""
import ctypes
import os

from ._lib import check
from .scan import _is_compiled
from .sigset import SignatureSet, _ReportC, _load_memory

LINE_FORMATS = {1: "plain", 2: "csv", 3: "jsonl"}
CSV = 2
ERR_BAD_FILE = 11  # PHASH_ERR_BAD_FILE: a list without a valid signature
# Below this quality a perceptual hash is not matched (the scanner's rule:
# PHASH_PDQ_DEFAULT_MIN_QUALITY in pdq.h, PHASH_DCT_MIN_QUALITY in dct.h).
MIN_QUALITY = {"pdq": 50, "phash": 50}
# The scanner's default radii (PHASH_SCAN_DEFAULT_RADIUS_* in scan.h).
DEFAULT_RADIUS = {"pdq": 31, "phash": 10}
DIGESTS = ("md5", "sha1", "sha256")


def _load(sigset, data, name):
    """Load bytes into sigset; (status, report) whatever the outcome."""
    rep = _ReportC()
    st = _load_memory(sigset._live(), data, len(data), os.fsencode(name), ctypes.byref(rep))
    return st, rep


def _is_blank(line):
    return not line.strip(b" \t\r\n")


def _header_kept(path, set_options):
    """True when the list's first non-blank line is a CSV header (the
    library decides the format from that line, as it does for the whole
    list); ValueError for a list that cannot be split by lines."""
    if _is_compiled(os.fsencode(path)):
        raise ValueError(f"{path}: a compiled set cannot be split: shard its source lists")
    with open(path, "rb") as f:
        first = next((line for line in f if not _is_blank(line)), None)
    if first is None:
        raise ValueError(f"{path}: empty list")
    with SignatureSet(**set_options) as s:
        _, rep = _load(s, first, os.fspath(path))
    if rep.format not in LINE_FORMATS:
        raise ValueError(f"{path}: format {rep.format} is not one record per line")
    return rep.format == CSV


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def shard_text(path, k, n, set_options=None, lines=None):
    """Shard k of n of a text list (bytes): the list with the lines outside
    the shard's range emptied (the CSV header kept). Line i of the L lines
    is in shard i * n // L. Also returns whether the shard holds a record."""
    lines = count_lines(path) if lines is None else lines
    header = _header_kept(path, set_options or {})
    out, holds = bytearray(), False
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if header and not _is_blank(line):
                out += line
                header = False
                continue
            if i * n // lines == k:
                out += line
                holds = holds or not _is_blank(line)
            else:
                out += b"\n" if line.endswith(b"\n") else b""
    return bytes(out), holds


def build_shard(lists, k, n, out_path, **set_options):
    """Compile shard k of n of the text lists into out_path (written
    atomically, phash_sigset_save). Each list is loaded under its own path
    as given, as SignatureSet.load(path) names it. Returns the sum of the
    load reports' records, inserted and invalid counts, and per list the
    valid records it gave."""
    totals = {"records": 0, "inserted": 0, "invalid": 0, "valid": {}}
    with SignatureSet(**set_options) as s:
        for path in lists:
            data, holds = shard_text(path, k, n, set_options)
            totals["valid"][os.fspath(path)] = 0
            if not holds:
                continue
            st, rep = _load(s, data, os.fspath(path))
            if st == ERR_BAD_FILE and rep.records == rep.invalid:
                totals["records"] += rep.records  # only invalid lines here
                totals["invalid"] += rep.invalid
                continue
            check(st, s._detail)
            totals["records"] += rep.records
            totals["inserted"] += rep.inserted
            totals["invalid"] += rep.invalid
            totals["valid"][os.fspath(path)] = rep.records - rep.invalid
        s.save(out_path)
    return totals


# ---- matching hashes as the scanner does ---------------------------------------

def match_hashes(matcher, hashes, radius=None):
    """Match one file's hashes [(path, algo, variant, view, hex, quality)]
    (as phash.dask.report_hashes gives them, in report order) against a
    Matcher: digests exactly, perceptual hashes of quality >= MIN_QUALITY
    with every variant of each view at once within radius ({algo: r},
    DEFAULT_RADIUS otherwise); one record per match and owner, an owner
    matched by several views kept once with its best distance (the first
    view on a tie). Returns (path, algo, distance, variant, hash, list,
    id, metadata, category, quality, view) tuples, as the scanner's."""
    radius = {**DEFAULT_RADIUS, **(radius or {})}
    groups = {}  # (algo, view) -> [hex per variant], quality; in report order
    for path, algo, variant, view, hexcode, quality in hashes:
        g = groups.setdefault((algo, view), [path, [], quality])
        g[1].append(hexcode)
    recs, where = [], {}
    for (algo, view), (path, codes, quality) in groups.items():
        matches = _query(matcher, algo, codes, quality, radius)
        q = -1 if quality is None else quality
        for m in matches:
            for o in m.owners:
                rec = (path, algo, m.distance, m.variant, m.hash, o["list"], o["id"],
                       o["metadata"], o["category"], q, view)
                key = (algo, m.hash, o["list"], o["id"])
                if key in where and view != "orig":
                    if m.distance < recs[where[key]][2]:
                        recs[where[key]] = rec
                    continue
                where.setdefault(key, len(recs))
                recs.append(rec)
    return recs


def _query(matcher, algo, codes, quality, radius):
    if algo in DIGESTS:
        if not matcher.size(algo):
            return []
        return matcher.query(algo, codes[0], 0)  # the empty file's digest gives none
    if algo not in MIN_QUALITY or quality is None or quality < MIN_QUALITY[algo]:
        return []
    if not matcher.size(algo):
        return []
    return matcher.query(algo, codes if algo == "pdq" else codes[0], radius[algo])
