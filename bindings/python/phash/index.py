# SPDX-License-Identifier: MIT
"""Exact Hamming index over 64-bit (pHash) or 256-bit (PDQ) codes."""
import ctypes
import os

from ._lib import U32_MAX, U64_MAX, Handle, check, fn, int_arg
from .codes import PdqCode, _PdqCodeC, choice, pdq_code, u64_code

c_void_pp = ctypes.POINTER(ctypes.c_void_p)
c_char_pp = ctypes.POINTER(ctypes.c_char_p)
KERNELS = {"auto": 0, "scalar": 1, "avx2": 2, "avx512": 3}
METHODS = {"auto": 0, "scan": 1, "bktree": 2, "mih": 3}


class _HitC(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("distance", ctypes.c_uint32),
                ("variant", ctypes.c_uint32)]


class _OptsC(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("radius", ctypes.c_uint), ("k", ctypes.c_size_t), ("variants", ctypes.c_uint),
                ("method", ctypes.c_int), ("threads", ctypes.c_uint)]


_kernel_available = fn("phash_kernel_available", ctypes.c_int, ctypes.c_int)
_new = fn("phash_index_new", ctypes.c_int, ctypes.c_uint, c_void_pp)
_free = fn("phash_index_free", None, ctypes.c_void_p)
_last_error = fn("phash_index_last_error", ctypes.c_char_p, ctypes.c_void_p)
_bits = fn("phash_index_bits", ctypes.c_uint, ctypes.c_void_p)
_count = fn("phash_index_count", ctypes.c_size_t, ctypes.c_void_p)
_set_kernel = fn("phash_index_set_kernel", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_add = fn("phash_index_add", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
          ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t)
_remove = fn("phash_index_remove", ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64)
_build = fn("phash_index_build", ctypes.c_int, ctypes.c_void_p)
_save = fn("phash_index_save", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)
_open = fn("phash_index_open", ctypes.c_int, ctypes.c_char_p, ctypes.c_uint, c_void_pp, c_char_pp)
_res_new = fn("phash_index_results_new", ctypes.c_int, c_void_pp)
_res_free = fn("phash_index_results_free", None, ctypes.c_void_p)
_res_hits = fn("phash_index_results_hits", ctypes.POINTER(_HitC), ctypes.c_void_p,
               ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
_search = fn("phash_index_search", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
             ctypes.POINTER(_OptsC), ctypes.c_void_p)


def kernel_available(name):
    return bool(_kernel_available(KERNELS[name]))


class Hit(tuple):
    """(id, distance, variant), sorted by distance then id."""
    __slots__ = ()
    id = property(lambda self: self[0])
    distance = property(lambda self: self[1])
    variant = property(lambda self: self[2])

    def __new__(cls, id_, distance, variant):
        return tuple.__new__(cls, (id_, distance, variant))

    def __repr__(self):
        return f"Hit(id={self[0]}, distance={self[1]}, variant={self[2]})"


class Index(Handle):
    """Index(bits=256 or 64). Thread-safe for concurrent queries (each call
    uses its own result container); mutations are serialised by the library."""

    _release = staticmethod(_free)

    def __init__(self, bits=256, _handle=None):
        if _handle is None:
            out = ctypes.c_void_p()
            check(_new(bits, ctypes.byref(out)))
            _handle = out.value
        self._handle = _handle
        self.bits = _bits(self._handle)

    @classmethod
    def open(cls, path, verify=True):
        """Map an index file written by save(). verify=False skips the body
        checksums (structure is still bounds-checked)."""
        out = ctypes.c_void_p()
        detail = ctypes.c_char_p()
        status = _open(os.fsencode(path), 0 if verify else 1, ctypes.byref(out),
                       ctypes.byref(detail))
        check(status, lambda: detail.value.decode() if detail.value else None)
        return cls(_handle=out.value)

    def _detail(self):
        msg = _last_error(self._handle)
        return msg.decode(errors="replace") if msg else None

    def _codes(self, codes):
        """A ctypes array of codes of this index's width."""
        if self.bits == 64:
            arr = (ctypes.c_uint64 * len(codes))()
            for i, c in enumerate(codes):
                arr[i] = u64_code(c, f"codes[{i}]")
            return arr
        arr = (_PdqCodeC * len(codes))()
        for i, c in enumerate(codes):
            ctypes.memmove(arr[i].bytes, bytes(pdq_code(c, f"codes[{i}]")), 32)
        return arr

    def __len__(self):
        return _count(self._handle)

    def add(self, codes, ids):
        """Add codes (ints for 64-bit; PdqCode, 32 bytes or hex for 256-bit)
        with their ids. Call build() to index them (queries see them at once)."""
        codes, ids = list(codes), list(ids)
        if len(codes) != len(ids):
            raise ValueError("codes and ids differ in length")
        id_arr = (ctypes.c_uint64 * len(ids))(*ids)
        check(_add(self._handle, self._codes(codes), id_arr, len(ids)), self._detail)

    def remove(self, id_):
        check(_remove(self._handle, id_), self._detail)

    def build(self):
        check(_build(self._handle), self._detail)

    def save(self, path):
        check(_save(self._handle, os.fsencode(path)), self._detail)

    def set_kernel(self, name):
        check(_set_kernel(self._handle, KERNELS[name]), self._detail)

    def search(self, queries, radius, k=0, dihedral=False, method="auto", threads=1):
        """One list of Hit per query. With dihedral=True each query is a
        sequence of the 8 dihedral codes of one image."""
        radius = int_arg(radius, "radius", 0, self.bits)
        k = int_arg(k, "k", 0, U64_MAX)
        threads = int_arg(threads, "threads", 0, U32_MAX)
        method_c = choice(METHODS, method, "method")
        queries = list(queries)
        if dihedral:
            for i, q in enumerate(queries):
                if isinstance(q, (str, bytes)) or not hasattr(q, "__len__") or len(q) != 8:
                    raise ValueError(f"queries[{i}]: with dihedral=True each query is a "
                                     "sequence of 8 codes")
        flat = [c for q in queries for c in q] if dihedral else queries
        nq = len(queries)
        opts = _OptsC(ctypes.sizeof(_OptsC), radius, k, 8 if dihedral else 1, method_c, threads)
        res = ctypes.c_void_p()
        check(_res_new(ctypes.byref(res)))
        try:
            # Not the index's last error: searches run concurrently and do
            # not record one.
            check(_search(self._live(), self._codes(flat), nq, ctypes.byref(opts), res))
            out = []
            n = ctypes.c_size_t()
            for q in range(nq):
                hits = _res_hits(res, q, ctypes.byref(n))
                out.append([Hit(hits[i].id, hits[i].distance, hits[i].variant)
                            for i in range(n.value)])
            return out
        finally:
            _res_free(res)

