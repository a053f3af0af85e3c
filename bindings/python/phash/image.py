# SPDX-License-Identifier: MIT
"""Decoding images and wrapping pixel buffers the caller holds."""
import ctypes
import os

from ._lib import U32_MAX, U64_MAX, Handle, PhashError, check, fn, int_arg, new_handle
from .codes import choice

c_void_pp = ctypes.POINTER(ctypes.c_void_p)

FORMATS = {0: "unknown", 1: "jpeg", 2: "png", 3: "webp", 4: "raw", 16: "gif", 17: "bmp",
           18: "tiff", 19: "heif", 20: "avif", 21: "jxl", 22: "ico", 23: "pnm"}
PIXEL_FORMATS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}
OPTIONS = {"cmyk_mode": 1, "sixteen_bit": 2, "apply_orientation": 3, "jpeg_scale": 4,
           "allow_truncated": 5, "max_work": 6}
FLAGS = {"truncated": 0x01, "had_alpha": 0x02, "cmyk": 0x04, "sixteen_bit": 0x08,
         "palette": 0x10, "animated": 0x20, "oriented": 0x40, "scaled": 0x80,
         "trailing_data": 0x100}


class _LimitsC(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("max_width", ctypes.c_uint32), ("max_height", ctypes.c_uint32),
                ("max_pixels", ctypes.c_uint64), ("max_memory", ctypes.c_uint64)]


_sniff = fn("phash_sniff", ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
_format_name = fn("phash_format_name", ctypes.c_char_p, ctypes.c_int)
_format_kind = fn("phash_format_kind", ctypes.c_int, ctypes.c_int)
_format_supported = fn("phash_format_supported", ctypes.c_int, ctypes.c_int)
_kind_name = fn("phash_media_kind_name", ctypes.c_char_p, ctypes.c_int)
_dec_new = fn("phash_decoder_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p))
_dec_free = fn("phash_decoder_free", None, ctypes.c_void_p)
_dec_set_limits = fn("phash_decoder_set_limits", ctypes.c_int, ctypes.c_void_p,
                     ctypes.POINTER(_LimitsC))
_dec_get_limits = fn("phash_decoder_get_limits_sized", None, ctypes.c_void_p,
                     ctypes.POINTER(_LimitsC), ctypes.c_size_t)
_dec_set_option = fn("phash_decoder_set_option", ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                     ctypes.c_int)
_decode_file = fn("phash_decode_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, c_void_pp)
_decode_memory = fn("phash_decode_memory", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                    ctypes.c_size_t, c_void_pp)
_dec_last_error = fn("phash_decoder_last_error", ctypes.c_char_p, ctypes.c_void_p)
_wrap = fn("phash_image_wrap", ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32,
           ctypes.c_size_t, ctypes.c_int, c_void_pp)
_img_free = fn("phash_image_free", None, ctypes.c_void_p)
_img_u32 = {n: fn("phash_image_" + n, ctypes.c_uint32, ctypes.c_void_p)
            for n in ("width", "height", "channels")}
_img_stride = fn("phash_image_stride", ctypes.c_size_t, ctypes.c_void_p)
_img_pixels = fn("phash_image_pixels", ctypes.c_void_p, ctypes.c_void_p)
_img_format = fn("phash_image_format", ctypes.c_int, ctypes.c_void_p)
_img_orientation = fn("phash_image_orientation", ctypes.c_int, ctypes.c_void_p)
_img_flags = fn("phash_image_flags", ctypes.c_uint, ctypes.c_void_p)


def _rows_packed(ai, shape, channels):
    """Whether an array's rows are packed pixels at a positive row distance
    (what phash_image_wrap takes as is)."""
    strides = ai["strides"]
    if strides is None:
        return True
    inner = (channels, 1) if len(shape) == 3 else (1,)
    return tuple(strides[1:]) == inner and strides[0] >= shape[1] * channels


def _is_pil(obj):
    return type(obj).__module__.startswith("PIL.") and hasattr(obj, "tobytes")


def with_pixels(src, arg, on_image, on_file, on_memory):
    """Call the entry point that suits src, a hasher's input: on_file(path
    bytes) for a str / os.PathLike path, on_memory(data, len) for encoded
    bytes (bytes, bytearray, memoryview), on_image(handle) for a phash.Image,
    a PIL image or a NumPy uint8 array (wrapped for the call). Returns what
    the entry point returns; TypeError naming `arg` for anything else."""
    if isinstance(src, Image):
        with src._guard():  # its decoder must not decode again meanwhile
            return on_image(src.handle)
    if isinstance(src, (str, os.PathLike)):
        return on_file(os.fsencode(src))
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        return on_memory(data, len(data))
    if _is_pil(src):
        img = Image.from_pil(src)
    elif hasattr(src, "__array_interface__"):
        img = Image.from_array(src, arg)
    else:
        raise TypeError(f"{arg}: expected a path, encoded bytes, a PIL image, a NumPy uint8 "
                        f"array or a phash.Image, got {type(src).__name__}")
    with img:
        return on_image(img.handle)


def sniff(data):
    """The format name ('jpeg', 'png', 'gif', 'heif', 'mp4', 'zip', 'tar',
    ..., 'unknown') of bytes, from their first 512 (tar's magic is at 257,
    MPEG-TS needs 389)."""
    data = bytes(data[:512])
    return _format_name(_sniff(data, len(data))).decode()


def formats():
    """Every format the library recognises, by name: {'kind': 'image' |
    'video' | 'container', 'supported': whether this build decodes or opens
    it}."""
    out = {}
    for v in range(1, 96):
        name = _format_name(v).decode()
        if name not in ("unknown", "raw"):
            out[name] = {"kind": _kind_name(_format_kind(v)).decode(),
                         "supported": bool(_format_supported(v))}
    return out


class Image(Handle):
    """An image: decoded by a Decoder (valid until that decoder decodes again
    or is closed) or wrapping a caller's buffer (Image.from_buffer)."""

    def __init__(self, handle, owner=None, keepalive=None):
        self._handle = handle
        self._owner = owner            # Decoder, for decoder-owned images
        self._generation = owner._generation if owner else 0
        self._keepalive = keepalive    # the wrapped buffer
        self._owned = owner is None

    @classmethod
    def from_buffer(cls, buf, width, height, mode="RGB", stride=None):
        """Wrap pixels without copying when buf is writable (bytearray,
        NumPy array, writable memoryview); bytes are used in place too.
        mode: 'L', 'LA', 'RGB' or 'RGBA' (alpha is ignored by the hashes)."""
        channels = choice(PIXEL_FORMATS, mode, "mode")
        width = int_arg(width, "width", 1, U32_MAX)
        height = int_arg(height, "height", 1, U32_MAX)
        if stride is None:
            stride = width * channels
        stride = int_arg(stride, "stride", width * channels, U64_MAX)
        if isinstance(buf, bytes):
            keep = buf
            ptr = ctypes.cast(ctypes.c_char_p(buf), ctypes.c_void_p)
        else:
            mv = memoryview(buf).cast("B")
            if mv.readonly:
                keep = bytes(mv)
                ptr = ctypes.cast(ctypes.c_char_p(keep), ctypes.c_void_p)
            else:
                keep = (ctypes.c_char * mv.nbytes).from_buffer(mv)
                ptr = ctypes.cast(keep, ctypes.c_void_p)
        size = len(keep) if isinstance(keep, bytes) else ctypes.sizeof(keep)
        if stride * (height - 1) + width * channels > size:
            raise ValueError(f"buf: {size} bytes is too small for {width}x{height} {mode} "
                             f"with stride {stride}")
        out = ctypes.c_void_p()
        check(_wrap(ptr, width, height, stride, channels, ctypes.byref(out)))
        return cls(out.value, keepalive=keep)

    @classmethod
    def from_array(cls, arr, arg="array"):
        """Wrap a NumPy uint8 array of shape (h, w) or (h, w, c), c = 1..4
        (grey, grey+alpha, RGB, RGBA). Rows may be any distance apart (slices,
        padding): the pixels are used in place whenever each row is packed
        pixels; other layouts (column slices, reversed rows, transposes) are
        copied once into a contiguous array."""
        ai = arr.__array_interface__
        shape = tuple(ai["shape"])
        if ai["typestr"][1:] != "u1":
            raise TypeError(f"{arg}: expected uint8 pixels, got dtype {arr.dtype}")
        if len(shape) not in (2, 3) or (len(shape) == 3 and not 1 <= shape[2] <= 4):
            raise ValueError(f"{arg}: expected shape (h, w) or (h, w, 1..4), got {shape}")
        channels = shape[2] if len(shape) == 3 else 1
        if not _rows_packed(ai, shape, channels):
            import numpy
            arr = numpy.ascontiguousarray(arr)
            ai = arr.__array_interface__
        height, width = shape[0], shape[1]
        stride = ai["strides"][0] if ai["strides"] else width * channels
        out = ctypes.c_void_p()
        check(_wrap(ai["data"][0], width, height, stride, channels, ctypes.byref(out)))
        return cls(out.value, keepalive=arr)

    @classmethod
    def from_pil(cls, img):
        """Wrap a copy of a PIL image's pixels: L, LA, RGB and RGBA as they
        are; 1-bit and 16/32-bit grey as L; every other mode (P, CMYK,
        YCbCr, ...) converted to RGB by PIL."""
        mode = img.mode
        if mode not in PIXEL_FORMATS:
            img = img.convert("L" if mode in ("1", "I", "I;16", "I;16B", "I;16L", "F")
                              else "RGB")
        return cls.from_buffer(img.tobytes(), img.width, img.height, img.mode)

    def __array__(self, dtype=None, copy=None):
        """np.asarray(image): a (h, w) or (h, w, c) uint8 copy of the pixels
        (a copy: a decoder reuses its buffer for the next image)."""
        import numpy
        shape = (self.height, self.width) + ((self.channels,) if self.channels > 1 else ())
        out = numpy.frombuffer(self.tobytes(), dtype=numpy.uint8).reshape(shape).copy()
        return out if dtype is None else out.astype(dtype)

    def _guard(self):
        """The lock that keeps this image valid while held: its decoder's
        (a decode replaces the pixels), or its own for wrapped buffers."""
        return self._owner._lock if self._owner is not None else self._lock

    def _get(self, f):
        with self._guard():
            return f(self.handle)

    @property
    def handle(self):
        if self._handle is None:
            raise ValueError("image is closed")
        if self._owner is not None and self._owner._generation != self._generation:
            raise ValueError("image is no longer valid: its decoder has decoded another image")
        return self._handle

    width = property(lambda self: self._get(_img_u32["width"]))
    height = property(lambda self: self._get(_img_u32["height"]))
    channels = property(lambda self: self._get(_img_u32["channels"]))
    stride = property(lambda self: self._get(_img_stride))
    format = property(lambda self: FORMATS.get(self._get(_img_format), "unknown"))
    orientation = property(lambda self: self._get(_img_orientation))

    @property
    def flags(self):
        bits = self._get(_img_flags)
        return {name for name, bit in FLAGS.items() if bits & bit}

    def tobytes(self):
        """The pixels, row after row without padding (a copy)."""
        with self._guard():
            h = self.handle
            w, ht, ch, stride = _img_u32["width"](h), _img_u32["height"](h), \
                _img_u32["channels"](h), _img_stride(h)
            base = _img_pixels(h)
            rows = [ctypes.string_at(base + r * stride, w * ch) for r in range(ht)]
        return b"".join(rows)

    @staticmethod
    def _release(handle):
        _img_free(handle)

    def close(self):
        if not self._owned:  # decoder-owned: only forget it
            self._handle = None
        super().close()

    def __repr__(self):
        if self._handle is None:
            return "<phash.Image closed>"
        return f"<phash.Image {self.format} {self.width}x{self.height}x{self.channels}>"


class Decoder(Handle):
    """A decoder with limits and options; reuse one per thread.

    Decoder(max_pixels=..., max_width=..., max_height=..., max_memory=...,
            cmyk_mode=0|1, sixteen_bit=0|1, apply_orientation=False|True|2,
            jpeg_scale=8, allow_truncated=False, max_work=100_000_000)

    apply_orientation: False reports the orientation, True applies it, 2
    (PHASH_ORIENTATION_STORED) gives HEIF's stored pixels too.
    max_work: the work budget of one image in 8x8 blocks decoded (0: none);
    over it, decoding raises PhashError ERR_BUDGET.
    """

    def __init__(self, **settings):
        self._handle = new_handle(_dec_new)
        self._generation = 0
        fields = [f[0] for f in _LimitsC._fields_ if f[0] != "size"]
        limits = {k: settings.pop(k) for k in list(settings) if k in fields}
        if limits:
            cur = _LimitsC()
            _dec_get_limits(self._handle, ctypes.byref(cur), ctypes.sizeof(cur))
            for k, v in limits.items():
                top = U32_MAX if k in ("max_width", "max_height") else U64_MAX
                setattr(cur, k, int_arg(v, k, 0, top))
            check(_dec_set_limits(self._handle, ctypes.byref(cur)))
        for k, v in settings.items():
            if k not in OPTIONS:
                raise TypeError(f"{k}: unknown decoder setting "
                                f"({', '.join(fields + list(OPTIONS))})")
            value = int_arg(v, k, 0, (1 << 31) - 1) if k == "max_work" else int(v)
            check(_dec_set_option(self._handle, OPTIONS[k], value))

    def _detail(self):
        msg = _dec_last_error(self._handle)
        return msg.decode(errors="replace") if msg else None

    def _decode(self, call):
        out = ctypes.c_void_p()
        with self._lock:
            status = call(self._live(), ctypes.byref(out))
            self._generation += 1
            check(status, self._detail)
            return Image(out.value, owner=self)

    def decode_file(self, path):
        path = os.fsencode(path)
        return self._decode(lambda h, out: _decode_file(h, path, out))

    def decode_bytes(self, data):
        data = bytes(data)
        return self._decode(lambda h, out: _decode_memory(h, data, len(data), out))

    _release = staticmethod(_dec_free)

    def close(self):
        with self._lock:
            self._generation += 1
            super().close()
