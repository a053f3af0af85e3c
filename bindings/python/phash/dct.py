# SPDX-License-Identifier: MIT
"""pHash (64-bit, aetilius-compatible) and phash's own dctN family."""
import ctypes

from ._lib import Handle, check, fn
from .image import Image

LAYOUTS = {"1.0": 0, "0.9": 1}
BACKENDS = {"auto": 0, "matrix": 1, "fftw": 2}
FLAGS = {"small": 0x01, "flat": 0x02, "ties": 0x04}


class _DctResultC(ctypes.Structure):
    _fields_ = [("hash", ctypes.c_uint64), ("layout", ctypes.c_int), ("quality", ctypes.c_int),
                ("flags", ctypes.c_uint)]


class _DctnResultC(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_uint8 * 128), ("nbits", ctypes.c_uint),
                ("quality", ctypes.c_int), ("flags", ctypes.c_uint)]


_convert = fn("phash_dct_convert", ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int, ctypes.c_int)
_h_new = fn("phash_dct_hasher_new", ctypes.c_void_p)
_h_free = fn("phash_dct_hasher_free", None, ctypes.c_void_p)
_h_layout = fn("phash_dct_hasher_set_layout", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_h_image = fn("phash_dct_hash_image", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
              ctypes.POINTER(_DctResultC))
_h_err = fn("phash_dct_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)
_n_new = fn("phash_dctn_hasher_new", ctypes.c_void_p, ctypes.c_uint)
_n_free = fn("phash_dctn_hasher_free", None, ctypes.c_void_p)
_n_backend = fn("phash_dctn_hasher_set_backend", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_n_image = fn("phash_dctn_hash_image", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
              ctypes.POINTER(_DctnResultC))
_n_err = fn("phash_dctn_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)


def _flags(bits):
    return {name for name, bit in FLAGS.items() if bits & bit}


def convert_layout(value, src, dst):
    """Convert a 64-bit pHash between layouts '1.0' and '0.9' (see dct.h)."""
    return _convert(value, LAYOUTS[src], LAYOUTS[dst])



class PHasher(Handle):
    """The aetilius pHash 64-bit DCT hash. hash(image) -> (value, quality, flags)."""
    _release = staticmethod(_h_free)

    def __init__(self, layout="1.0"):
        self._handle = _h_new()
        if not self._handle:
            raise MemoryError("phash_dct_hasher_new failed")
        check(_h_layout(self._handle, LAYOUTS[layout]))

    def hash(self, image: Image):
        out = _DctResultC()
        check(_h_image(self._handle, image.handle, ctypes.byref(out)),
              lambda: _h_err(self._handle).decode())
        return out.hash, out.quality, _flags(out.flags)


class DctNHasher(Handle):
    """phash's own dctN hash (s = 8, 16, 32). hash(image) -> (bytes, quality, flags)."""
    _release = staticmethod(_n_free)

    def __init__(self, s=16, backend="auto"):
        self._handle = _n_new(s)
        if not self._handle:
            raise ValueError(f"unsupported dctN size {s} (8, 16 or 32)")
        check(_n_backend(self._handle, BACKENDS[backend]))

    def hash(self, image: Image):
        out = _DctnResultC()
        check(_n_image(self._handle, image.handle, ctypes.byref(out)),
              lambda: _n_err(self._handle).decode())
        return bytes(out.bytes[:out.nbits // 8]), out.quality, _flags(out.flags)
