# SPDX-License-Identifier: MIT
"""Exact digests (MD5, SHA-1, SHA-256) of bytes or files, computed by
libphash on OpenSSL's libcrypto: several at once over one pass."""
import ctypes
import os

from ._lib import PhashError, check, fn

MD5, SHA1, SHA256 = 1, 2, 4
ALGOS = {"md5": MD5, "sha1": SHA1, "sha256": SHA256}
_LENS = {MD5: 16, SHA1: 20, SHA256: 32}


class _ResultC(ctypes.Structure):
    _fields_ = [("algos", ctypes.c_uint), ("size", ctypes.c_uint64),
                ("md5", ctypes.c_uint8 * 16), ("sha1", ctypes.c_uint8 * 20),
                ("sha256", ctypes.c_uint8 * 32)]


_new = fn("phash_digest_new", ctypes.c_int, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p))
_free = fn("phash_digest_free", None, ctypes.c_void_p)
_update = fn("phash_digest_update", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
             ctypes.c_size_t)
_final = fn("phash_digest_final", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_ResultC))
_file = fn("phash_digest_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
           ctypes.POINTER(_ResultC))
_last_error = fn("phash_digest_last_error", ctypes.c_char_p, ctypes.c_void_p)
_is_empty = fn("phash_digest_is_empty", ctypes.c_int, ctypes.c_int,
               ctypes.POINTER(ctypes.c_uint8))


def _mask(algos):
    if isinstance(algos, str):
        algos = algos.split(",")
    mask = 0
    for name in algos:
        key = name.strip().lower().replace("-", "").replace("_", "")
        if key not in ALGOS:
            raise ValueError(f"unknown digest {name!r} (md5, sha1, sha256)")
        mask |= ALGOS[key]
    if not mask:
        raise ValueError("no digest algorithm given")
    return mask


def _result(c):
    out = {}
    for name, bit in ALGOS.items():
        if c.algos & bit:
            out[name] = bytes(getattr(c, name)).hex()
    out["size"] = c.size
    return out


def is_empty_digest(algo, hexdigest):
    """True when hexdigest is algo's digest of the empty file (never matched)."""
    raw = bytes.fromhex(hexdigest)
    bit = _mask([algo])
    if len(raw) != _LENS[bit]:
        return False
    return bool(_is_empty(bit, (ctypes.c_uint8 * len(raw)).from_buffer_copy(raw)))


class Digest:
    """A streaming digest context: d = Digest("md5,sha1"); d.update(b"...");
    d.final() -> {"md5": hex, "sha1": hex, "size": n} (and ready for reuse).
    One per thread."""

    def __init__(self, algos=("md5", "sha1", "sha256")):
        self._h = ctypes.c_void_p()
        check(_new(_mask(algos), ctypes.byref(self._h)))

    def __del__(self):
        h = getattr(self, "_h", None)
        if h:
            _free(h)
            self._h = None

    def _detail(self):
        return _last_error(self._h).decode(errors="replace")

    def update(self, data):
        data = bytes(data)
        check(_update(self._h, data, len(data)), self._detail)
        return self

    def final(self):
        r = _ResultC()
        check(_final(self._h, ctypes.byref(r)), self._detail)
        return _result(r)

    def file(self, path):
        """The digests of a file, read in 1 MiB chunks."""
        r = _ResultC()
        check(_file(self._h, os.fsencode(path), ctypes.byref(r)), self._detail)
        return _result(r)


def digest_bytes(data, algos=("md5", "sha1", "sha256")):
    """The digests of a bytes-like object, as a dict of hex strings + size."""
    return Digest(algos).update(data).final()


def digest_file(path, algos=("md5", "sha1", "sha256")):
    """The digests of a file, as a dict of hex strings + size."""
    return Digest(algos).file(path)


__all__ = ["Digest", "digest_bytes", "digest_file", "is_empty_digest", "PhashError"]
