# SPDX-License-Identifier: MIT
"""Hash codes: PDQ (256-bit) and 64-bit codes, text forms and distances."""
import ctypes

from ._lib import PhashError, check, fn

c_size_p = ctypes.POINTER(ctypes.c_size_t)


class _PdqCodeC(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_uint8 * 32)]


_pdq_from_hex = fn("phash_pdq_from_hex", ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
                   ctypes.POINTER(_PdqCodeC), c_size_p)
_pdq_to_hex = fn("phash_pdq_to_hex", None, ctypes.POINTER(_PdqCodeC), ctypes.c_char * 65)
_pdq_distance = fn("phash_pdq_distance", ctypes.c_uint, ctypes.POINTER(_PdqCodeC),
                   ctypes.POINTER(_PdqCodeC))
_u64_parse = fn("phash_u64_parse", ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
                ctypes.POINTER(ctypes.c_uint64), c_size_p)
_u64_format = fn("phash_u64_format", ctypes.c_size_t, ctypes.c_uint64, ctypes.c_int,
                 ctypes.c_char * 21)
_u64_distance = fn("phash_u64_distance", ctypes.c_uint, ctypes.c_uint64, ctypes.c_uint64)

U64_FORMS = {"hex": 0, "unsigned": 1, "signed": 2}


class PdqCode:
    """A 256-bit PDQ hash. Immutable; compares and hashes by value."""

    __slots__ = ("_c",)

    def __init__(self, raw=None):
        self._c = _PdqCodeC()
        if raw is not None:
            raw = bytes(raw)
            if len(raw) != 32:
                raise ValueError(f"a PDQ code is 32 bytes, got {len(raw)}")
            ctypes.memmove(self._c.bytes, raw, 32)

    @classmethod
    def from_hex(cls, text):
        """Parse 64 hex digits (either case). Raises PhashError(ERR_BAD_HASH)
        naming the offending position."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        code = cls()
        pos = ctypes.c_size_t(0)
        status = _pdq_from_hex(data, len(data), ctypes.byref(code._c), ctypes.byref(pos))
        if status == 10:
            raise PhashError(status, f"bad PDQ hash at character {pos.value}: "
                             "expected 64 hex digits")
        check(status)
        return code

    @property
    def hex(self):
        out = (ctypes.c_char * 65)()
        _pdq_to_hex(ctypes.byref(self._c), out)
        return out.value.decode()

    def __bytes__(self):
        return bytes(self._c.bytes)

    def distance(self, other):
        """Hamming distance to another PDQ code, result or hex string."""
        other = pdq_code(other, "other")
        return _pdq_distance(ctypes.byref(self._c), ctypes.byref(other._c))

    __sub__ = __rsub__ = distance

    def __eq__(self, other):
        if isinstance(other, str):
            return self.hex == other.lower()
        return isinstance(other, PdqCode) and bytes(self) == bytes(other)

    def __hash__(self):
        return hash(bytes(self))

    def __repr__(self):
        return f"PdqCode('{self.hex}')"

    def __str__(self):
        return self.hex


def pdq_code(value, arg="code"):
    """A PdqCode from a PdqCode, a result with a PDQ .hash, 64 hex digits or
    32 bytes; errors name the argument `arg`."""
    if isinstance(value, PdqCode):
        return value
    inner = getattr(value, "hash", None)
    if isinstance(inner, PdqCode):
        return inner
    try:
        if isinstance(value, str):
            return PdqCode.from_hex(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return PdqCode(value)
    except (PhashError, ValueError) as exc:
        raise ValueError(f"{arg}: {exc}") from None
    raise TypeError(f"{arg}: expected a PDQ hash (PdqCode, PdqResult or 64 hex digits), "
                    f"got {type(value).__name__}")


def u64_code(value, arg="code"):
    """A 64-bit code (int) from an int, a result with .value (pHash) or 16
    hex digits; errors name the argument `arg`."""
    if isinstance(value, bool):
        raise TypeError(f"{arg}: expected a 64-bit hash, got bool")
    if isinstance(value, int):
        if not -(1 << 63) <= value < (1 << 64):
            raise ValueError(f"{arg}: {value} does not fit in 64 bits")
        return value & 0xFFFFFFFFFFFFFFFF
    inner = getattr(value, "value", None)
    if isinstance(inner, int) and not isinstance(inner, bool):
        return inner
    if isinstance(value, str):
        try:
            return u64_parse(value)
        except PhashError as exc:
            raise ValueError(f"{arg}: {exc}") from None
    raise TypeError(f"{arg}: expected a 64-bit hash (int, PHashResult or 16 hex digits), "
                    f"got {type(value).__name__}")


def choice(table, value, arg):
    """table[value], or a ValueError naming the argument and the choices."""
    try:
        return table[value]
    except (KeyError, TypeError):
        names = ", ".join(repr(k) for k in table)
        raise ValueError(f"{arg}: {value!r} is not one of {names}") from None


def u64_parse(text, form="hex"):
    """Parse a 64-bit code written as 'hex', 'unsigned' or 'signed' decimal."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    out = ctypes.c_uint64()
    pos = ctypes.c_size_t(0)
    status = _u64_parse(data, len(data), choice(U64_FORMS, form, "form"), ctypes.byref(out), ctypes.byref(pos))
    if status == 10:
        raise PhashError(status, f"bad {form} 64-bit hash at character {pos.value}")
    check(status)
    return out.value


def u64_format(value, form="hex"):
    out = (ctypes.c_char * 21)()
    _u64_format(u64_code(value, "value"), choice(U64_FORMS, form, "form"), out)
    return out.value.decode()


def u64_distance(a, b):
    """Hamming distance of two 64-bit codes (ints, pHash results or hex)."""
    return _u64_distance(u64_code(a, "a"), u64_code(b, "b"))
