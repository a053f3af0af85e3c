# SPDX-License-Identifier: MIT
"""PDQ: Meta's 256-bit perceptual hash, bit-exact with the references."""
import ctypes
import os

from ._lib import U32_MAX, Handle, check, fn, int_arg, new_handle
from .codes import PdqCode, _PdqCodeC, choice, pdq_code
from .image import with_pixels

MODES = {"full": 0, "cli512": 1}
DIHEDRAL = ("orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm")
WANT_DIHEDRAL = 0x01
WANT_DIHEDRAL_ALIGNED = 0x02


class _ResultC(ctypes.Structure):
    _fields_ = [("hash", _PdqCodeC), ("quality", ctypes.c_int), ("dihedral", _PdqCodeC * 8),
                ("width", ctypes.c_uint32), ("height", ctypes.c_uint32)]


_new = fn("phash_pdq_hasher_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p))
_free = fn("phash_pdq_hasher_free", None, ctypes.c_void_p)
_set_mode = fn("phash_pdq_hasher_set_mode", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_set_fast = fn("phash_pdq_hasher_set_fast", ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32)
_hash_image = fn("phash_pdq_hash_image", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                 ctypes.c_uint, ctypes.POINTER(_ResultC))
_hash_file = fn("phash_pdq_hash_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                ctypes.c_char_p, ctypes.c_uint, ctypes.POINTER(_ResultC))
_hash_memory = fn("phash_pdq_hash_memory", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                  ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.POINTER(_ResultC))
_last_error = fn("phash_pdq_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)


def _code(c):
    out = PdqCode()
    ctypes.memmove(out._c.bytes, c.bytes, 32)
    return out


class PdqResult:
    """hash (PdqCode), quality (0..100), dihedral (dict name -> PdqCode, or
    None when not asked for), width and height of the hashed image."""

    __slots__ = ("hash", "quality", "dihedral", "width", "height")

    def __init__(self, c, dihedral):
        self.hash = _code(c.hash)
        self.quality = c.quality
        self.dihedral = {n: _code(c.dihedral[i]) for i, n in enumerate(DIHEDRAL)} \
            if dihedral else None
        self.width, self.height = c.width, c.height

    @property
    def hex(self):
        """The hash as 64 lowercase hex digits."""
        return self.hash.hex

    def distance(self, other):
        """Hamming distance to another PDQ result, code or hex string."""
        return self.hash.distance(pdq_code(other, "other"))

    __sub__ = __rsub__ = distance

    def __eq__(self, other):
        if isinstance(other, PdqResult):
            return self.hash == other.hash and self.quality == other.quality
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"PdqResult({self.hash.hex}, quality={self.quality})"


class PdqHasher(Handle):
    """A reusable PDQ hasher (one per thread). mode: 'full' (default: HMA,
    pytx, pdqhash, Java) or 'cli512' (the C++ CLI's 512x512 squash).
    fast: 0 (exact, default) or a minimum side for reduced-scale JPEG decoding."""

    _release = staticmethod(_free)

    def __init__(self, mode="full", fast=0):
        self._handle = new_handle(_new)
        check(_set_mode(self._handle, choice(MODES, mode, "mode")))
        check(_set_fast(self._handle, int_arg(fast, "fast", 0, U32_MAX)))

    def _detail(self):
        msg = _last_error(self._handle)
        return msg.decode(errors="replace") if msg else None

    def hash(self, src, dihedral=False):
        """Hash a path (str / os.PathLike), encoded bytes, a PIL image, a
        NumPy uint8 array or a phash.Image. Returns a PdqResult. dihedral:
        False, True (the reference's 8 variants) or "aligned" (variants from
        mirrored sample positions, closer to turned copies; PHASH_PDQ_WANT_
        DIHEDRAL_ALIGNED in pdq.h)."""
        out = _ResultC()
        if dihedral not in (False, True, "aligned"):
            raise ValueError(f"dihedral: False, True or 'aligned', got {dihedral!r}")
        flags = WANT_DIHEDRAL_ALIGNED if dihedral == "aligned" else WANT_DIHEDRAL if dihedral else 0
        ref = ctypes.byref(out)
        with self._lock:
            h = self._live()
            status = with_pixels(
                src, "src",
                lambda img: _hash_image(h, img, flags, ref),
                lambda path: _hash_file(h, None, path, flags, ref),
                lambda data, n: _hash_memory(h, None, data, n, flags, ref))
            check(status, self._detail)
        return PdqResult(out, dihedral)

