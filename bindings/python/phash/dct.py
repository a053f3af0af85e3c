# SPDX-License-Identifier: MIT
"""pHash (64-bit, aetilius-compatible) and phash's own dctN family."""
import ctypes

from ._lib import Handle, check, fn, new_handle
from .codes import choice, u64_code, u64_distance, u64_format
from .image import with_pixels

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
_h_new = fn("phash_dct_hasher_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p))
_h_free = fn("phash_dct_hasher_free", None, ctypes.c_void_p)
_h_layout = fn("phash_dct_hasher_set_layout", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_h_image = fn("phash_dct_hash_image", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
              ctypes.POINTER(_DctResultC))
_h_file = fn("phash_dct_hash_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
             ctypes.POINTER(_DctResultC))
_h_memory = fn("phash_dct_hash_memory", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
               ctypes.c_size_t, ctypes.POINTER(_DctResultC))
_h_err = fn("phash_dct_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)
_n_new = fn("phash_dctn_hasher_new", ctypes.c_int, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p))
_n_free = fn("phash_dctn_hasher_free", None, ctypes.c_void_p)
_n_backend = fn("phash_dctn_hasher_set_backend", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_n_image = fn("phash_dctn_hash_image", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
              ctypes.POINTER(_DctnResultC))
_n_file = fn("phash_dctn_hash_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
             ctypes.POINTER(_DctnResultC))
_n_memory = fn("phash_dctn_hash_memory", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
               ctypes.c_size_t, ctypes.POINTER(_DctnResultC))
_n_err = fn("phash_dctn_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)
_n_to_hex = fn("phash_dctn_to_hex", ctypes.c_size_t, ctypes.POINTER(_DctnResultC),
               ctypes.c_char * 257)


def _flags(bits):
    return {name for name, bit in FLAGS.items() if bits & bit}


def convert_layout(value, src, dst):
    """Convert a 64-bit pHash (int, PHashResult or hex) between layouts
    '1.0' and '0.9' (see dct.h)."""
    return _convert(u64_code(value, "value"), choice(LAYOUTS, src, "src"),
                    choice(LAYOUTS, dst, "dst"))


def _hash(hasher, src, out, on_image, on_file, on_memory, last_error):
    """Run the entry point that suits src (see image.with_pixels) into out,
    holding the hasher's lock (see _lib.Handle)."""
    ref = ctypes.byref(out)
    with hasher._lock:
        handle = hasher._live()
        status = with_pixels(src, "src", lambda img: on_image(handle, img, ref),
                             lambda path: on_file(handle, path, ref),
                             lambda data, n: on_memory(handle, data, n, ref))
        check(status, lambda: last_error(handle).decode(errors="replace"))


class PHashResult:
    """A pHash: value (the 64-bit int), hex (16 digits), quality (0..100),
    flags ({'small', 'flat', 'ties'}), layout ('1.0' or '0.9'). a - b and
    a.distance(b) give the Hamming distance (b: a result, int or hex)."""

    __slots__ = ("value", "quality", "flags", "layout")

    def __init__(self, value, quality, flags, layout):
        self.value, self.quality, self.flags, self.layout = value, quality, flags, layout

    @property
    def hex(self):
        return u64_format(self.value)

    def distance(self, other):
        return u64_distance(self.value, u64_code(other, "other"))

    __sub__ = __rsub__ = distance

    def __int__(self):
        return self.value

    def __eq__(self, other):
        if isinstance(other, PHashResult):
            return (self.value, self.quality, self.layout) == \
                (other.value, other.quality, other.layout)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"PHashResult({self.hex}, quality={self.quality})"


class DctNResult:
    """A dctN hash: bytes (s*s/8), bits, hex, quality, flags; a - b and
    a.distance(b) give the Hamming distance (b: a result of the same size,
    bytes or hex)."""

    __slots__ = ("_c",)

    def __init__(self, c):
        self._c = c

    bits = property(lambda self: self._c.nbits)
    quality = property(lambda self: self._c.quality)
    flags = property(lambda self: _flags(self._c.flags))

    @property
    def bytes(self):
        return bytes(self._c.bytes[:self._c.nbits // 8])

    @property
    def hex(self):
        out = (ctypes.c_char * 257)()
        _n_to_hex(ctypes.byref(self._c), out)
        return out.value.decode()

    def distance(self, other):
        if isinstance(other, DctNResult):
            other = other.bytes
        elif isinstance(other, str):
            try:
                other = bytes.fromhex(other)
            except ValueError:
                raise ValueError(f"other: not a hex string: {other!r}") from None
        elif not isinstance(other, (bytes, bytearray)):
            raise TypeError(f"other: expected a DctNResult, bytes or hex, "
                            f"got {type(other).__name__}")
        mine = self.bytes
        if len(other) != len(mine):
            raise ValueError(f"other: {len(other) * 8} bits, this hash has {len(mine) * 8}")
        return sum(bin(a ^ b).count("1") for a, b in zip(mine, other))

    __sub__ = __rsub__ = distance

    def __eq__(self, other):
        if isinstance(other, DctNResult):
            return (self.bytes, self.quality) == (other.bytes, other.quality)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"DctNResult({self.hex}, quality={self.quality})"


class PHasher(Handle):
    """The aetilius pHash 64-bit DCT hash, layout '1.0' (default) or '0.9'.
    hash(src) -> PHashResult; src as for PdqHasher.hash."""
    _release = staticmethod(_h_free)

    def __init__(self, layout="1.0"):
        code = choice(LAYOUTS, layout, "layout")
        self._handle = new_handle(_h_new)
        check(_h_layout(self._handle, code))

    def hash(self, src):
        """Hash a path, encoded bytes, a PIL image, a NumPy uint8 array or a
        phash.Image."""
        out = _DctResultC()
        _hash(self, src, out, _h_image, _h_file, _h_memory, _h_err)
        layout = next(k for k, v in LAYOUTS.items() if v == out.layout)
        return PHashResult(out.hash, out.quality, _flags(out.flags), layout)


class DctNHasher(Handle):
    """phash's own dctN hash (s = 8, 16, 32). hash(src) -> DctNResult."""
    _release = staticmethod(_n_free)

    def __init__(self, s=16, backend="auto"):
        code = choice(BACKENDS, backend, "backend")
        if s not in (8, 16, 32):
            raise ValueError(f"s: unsupported dctN size {s!r} (8, 16 or 32)")
        self._handle = new_handle(_n_new, s)
        check(_n_backend(self._handle, code))

    def hash(self, src):
        """Hash a path, encoded bytes, a PIL image, a NumPy uint8 array or a
        phash.Image."""
        out = _DctnResultC()
        _hash(self, src, out, _n_image, _n_file, _n_memory, _n_err)
        return DctNResult(out)
