# SPDX-License-Identifier: MIT
"""Signature sets (hash lists) and the matcher that serves them."""
import ctypes
import os

from ._lib import Handle, check, fn, int_arg, new_handle
from .pdq import DIHEDRAL
from .codes import _PdqCodeC, choice, pdq_code, u64_code

ALGOS = {"pdq": 1, "phash": 2, "md5": 3, "sha1": 4, "sha256": 5, "vpdq": 6}
EXACT = {"md5": 16, "sha1": 20, "sha256": 32}  # digest algorithms and their sizes
OPAQUE_KINDS = ("PhotoDNA", "TMK", "NetClean", "Videntifier", "other")
ALGO_NAMES = {v: k for k, v in ALGOS.items()}
FORMATS = {"auto": 0, "plain": 1, "csv": 2, "jsonl": 3, "vpdq": 4, "vics": 5, "ncmec": 6}
OPTIONS = {"strict": 1, "format": 2, "algo": 3, "min_quality": 4, "keep_flagged": 5,
           "max_line": 6, "u64_form": 7}
PROBLEMS = ("bad length", "bad character", "out of range", "missing hash", "unknown algorithm",
            "bad syntax", "line too long", "bad quality", "wrong algorithm")


class _ReportC(ctypes.Structure):
    _fields_ = [("lines", ctypes.c_uint64), ("records", ctypes.c_uint64),
                ("inserted", ctypes.c_uint64), ("duplicates", ctypes.c_uint64),
                ("invalid", ctypes.c_uint64), ("by_reason", ctypes.c_uint64 * 16),
                ("zero", ctypes.c_uint64), ("low_quality", ctypes.c_uint64),
                ("per_algo", ctypes.c_uint64 * 6), ("format", ctypes.c_int),
                ("n_messages", ctypes.c_uint), ("messages", (ctypes.c_char * 256) * 8),
                ("empty_file", ctypes.c_uint64), ("opaque_only", ctypes.c_uint64),
                ("opaque", ctypes.c_uint64 * 8), ("videos", ctypes.c_uint64),
                ("tombstones", ctypes.c_uint64), ("deleted", ctypes.c_uint64)]


class _OwnerC(ctypes.Structure):
    _fields_ = [("list", ctypes.c_char_p), ("id", ctypes.c_char_p),
                ("metadata", ctypes.c_char_p), ("category", ctypes.c_char_p),
                ("quality", ctypes.c_int),
                ("flags", ctypes.c_uint), ("line", ctypes.c_uint64)]


class _MatchC(ctypes.Structure):
    _fields_ = [("algo", ctypes.c_int), ("distance", ctypes.c_uint), ("variant", ctypes.c_uint),
                ("entry", ctypes.c_size_t), ("owners", ctypes.c_size_t),
                ("hash", ctypes.c_char_p)]


V, I, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
_set_new = fn("phash_sigset_new", ctypes.c_int, ctypes.POINTER(V))
_set_free = fn("phash_sigset_free", None, V)
_set_option = fn("phash_sigset_set_option", I, V, I, I)
_load_file = fn("phash_sigset_load_file", I, V, ctypes.c_char_p, ctypes.POINTER(_ReportC))
_load_memory = fn("phash_sigset_load_memory", I, V, ctypes.c_char_p, S, ctypes.c_char_p,
                  ctypes.POINTER(_ReportC))
_set_error = fn("phash_sigset_last_error", ctypes.c_char_p, V)
_set_size = fn("phash_sigset_size", S, V, I)
_set_save = fn("phash_sigset_save_flags", I, V, ctypes.c_char_p, ctypes.c_uint)
_SAVE_RELEASE = 1  # PHASH_SIGSET_SAVE_RELEASE
_m_new = fn("phash_matcher_new", ctypes.c_int, ctypes.POINTER(V))
_m_free = fn("phash_matcher_free", None, V)
_m_use = fn("phash_matcher_use", I, V, V)
_m_open = fn("phash_matcher_open", I, V, ctypes.c_char_p)
_m_size = fn("phash_matcher_size", S, V, I)
_m_error = fn("phash_matcher_last_error", ctypes.c_char_p, V)
_r_new = fn("phash_matches_new", ctypes.c_int, ctypes.POINTER(V))
_r_free = fn("phash_matches_free", None, V)
_query = fn("phash_matcher_query", I, V, I, V, ctypes.c_uint, ctypes.c_uint, V)
_r_count = fn("phash_matches_count", S, V)
_r_get = fn("phash_matches_get", I, V, S, ctypes.POINTER(_MatchC))
_r_owner = fn("phash_matches_owner", I, V, S, S, ctypes.POINTER(_OwnerC))


def _s(b):
    return b.decode(errors="replace") if b is not None else None


class LoadReport(dict):
    """What one load did: lines, records, inserted, duplicates, invalid,
    by_reason {problem: count}, zero, low_quality, empty_file, opaque_only,
    opaque {kind: count} (hashes kept but not matchable: PhotoDNA, ...),
    per_algo {algo: valid records; vpdq: valid video records}, tombstones and
    deleted (NCMEC), format (the one read: plain, csv, jsonl, vpdq, vics, ncmec),
    messages [str]."""

    def __init__(self, c):
        super().__init__(
            lines=c.lines, records=c.records, inserted=c.inserted, duplicates=c.duplicates,
            invalid=c.invalid, zero=c.zero, low_quality=c.low_quality,
            empty_file=c.empty_file, opaque_only=c.opaque_only,
            tombstones=c.tombstones, deleted=c.deleted,
            format={v: k for k, v in FORMATS.items()}.get(c.format, str(c.format)),
            opaque={OPAQUE_KINDS[i]: c.opaque[i] for i in range(len(OPAQUE_KINDS))
                    if c.opaque[i]},
            per_algo={name: (c.per_algo[v] if v < 6 else c.videos)
                      for name, v in ALGOS.items() if (c.per_algo[v] if v < 6 else c.videos)},
            by_reason={PROBLEMS[i]: c.by_reason[i] for i in range(len(PROBLEMS))
                       if c.by_reason[i]},
            messages=[c.messages[i].value.decode(errors="replace")
                      for i in range(c.n_messages)])
        self.__dict__ = self


class SignatureSet(Handle):
    """A signature set. SignatureSet(strict=False, keep_flagged=False, ...);
    load(path) / load_bytes(data, name) return a LoadReport."""

    _release = staticmethod(_set_free)

    def __init__(self, **options):
        self._handle = new_handle(_set_new)
        for k, v in options.items():
            opt = choice(OPTIONS, k, "option")
            if k == "format":
                v = choice(FORMATS, v, "format")
            elif k == "algo":
                v = choice(ALGOS, v, "algo") if v else 0
            check(_set_option(self._handle, opt, int(v)))

    def _detail(self):
        return _s(_set_error(self._handle))

    def load(self, path):
        rep = _ReportC()
        with self._lock:
            status = _load_file(self._live(), os.fsencode(path), ctypes.byref(rep))
            check(status, self._detail)
        return LoadReport(rep)

    def load_bytes(self, data, name="<memory>"):
        data = bytes(data)
        rep = _ReportC()
        with self._lock:
            check(_load_memory(self._live(), data, len(data), name.encode(), ctypes.byref(rep)),
                  self._detail)
        return LoadReport(rep)

    def size(self, algo):
        return _set_size(self._live(), choice(ALGOS, algo, "algo"))

    def __len__(self):
        """Distinct entries over every algorithm."""
        return sum(_set_size(self._live(), a) for a in ALGOS.values())

    def save(self, path, release=False):
        """Write a compiled set (codes, owners, indexes) atomically. With
        release=True the set is written for the last time: its memory is
        freed while it is written, and it is left empty (it may be loaded
        into again), success or not."""
        with self._lock:
            check(_set_save(self._live(), os.fsencode(path), _SAVE_RELEASE if release else 0),
                  self._detail)

    def _live(self):
        if not self._handle:
            raise ValueError("signature set is closed or handed to a Matcher")
        return self._handle



class Match(dict):
    """algo, distance, variant (the query variant's name as the CLI prints
    it: 'orig', 'rot90', ... 'flipm'), hash, owners [{list, id, metadata,
    category, quality, line}]."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.__dict__ = self


class Matcher(Handle):
    """Serves one signature set; replace() swaps in another atomically while
    queries (from any thread) keep running."""

    _release = staticmethod(_m_free)

    def __init__(self, source=None):
        self._handle = new_handle(_m_new)
        if source is not None:
            self.replace(source)

    def _detail(self):
        return _s(_m_error(self._handle))

    def replace(self, source):
        """source: a SignatureSet (ownership moves to the matcher) or the
        path of a compiled set. On error the current set keeps serving."""
        if isinstance(source, SignatureSet):
            with source._lock:
                check(_m_use(self._handle, source._live()), self._detail)
                source._handle = None
        else:
            check(_m_open(self._handle, os.fsencode(source)), self._detail)

    def size(self, algo):
        return _m_size(self._handle, choice(ALGOS, algo, "algo"))

    def __len__(self):
        return sum(_m_size(self._handle, a) for a in ALGOS.values())

    def query(self, algo, code, radius):
        """algo 'pdq': code is a PdqCode, PdqResult or hex, or a list of 8
        of them (the dihedral variants, orig first); 'phash': an int,
        PHashResult or hex; 'md5', 'sha1', 'sha256': the digest as hex or
        bytes (exact, radius 0). Returns a list of Match sorted by distance."""
        algo_c = choice(ALGOS, algo, "algo")
        radius = int_arg(radius, "radius", 0, 64 if algo == "phash" else 256)
        if algo in EXACT:
            raw = bytes.fromhex(code) if isinstance(code, str) else bytes(code)
            if len(raw) != EXACT[algo]:
                raise ValueError(f"code: a {algo} digest is {EXACT[algo]} bytes, got {len(raw)}")
            arr = (ctypes.c_uint8 * len(raw)).from_buffer_copy(raw)
            n = 1
        elif algo == "pdq":
            codes = code if isinstance(code, (list, tuple)) else [code]
            if len(codes) not in (1, 8):
                raise ValueError(f"code: 1 or 8 PDQ hashes, got {len(codes)}")
            arr = (_PdqCodeC * len(codes))()
            for i, c in enumerate(codes):
                ctypes.memmove(arr[i].bytes, bytes(pdq_code(c, "code")), 32)
            n = len(codes)
        else:
            arr = (ctypes.c_uint64 * 1)(u64_code(code, "code"))
            n = 1
        res = new_handle(_r_new)
        try:
            check(_query(self._handle, algo_c, ctypes.cast(arr, V), n, radius, res))
            out = []
            m, o = _MatchC(), _OwnerC()
            for i in range(_r_count(res)):
                check(_r_get(res, i, ctypes.byref(m)))
                owners = []
                for k in range(m.owners):
                    check(_r_owner(res, i, k, ctypes.byref(o)))
                    owners.append(dict(list=_s(o.list), id=_s(o.id), metadata=_s(o.metadata),
                                       category=_s(o.category), quality=o.quality,
                                       line=o.line))
                out.append(Match(algo=ALGO_NAMES.get(m.algo), distance=m.distance,
                                 variant=DIHEDRAL[m.variant] if m.variant < len(DIHEDRAL) else str(m.variant),
                                 hash=_s(m.hash), owners=owners))
            return out
        finally:
            _r_free(res)

