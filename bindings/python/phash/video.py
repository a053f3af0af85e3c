# SPDX-License-Identifier: MIT
"""vPDQ: Meta's video hash (include/phash/video.h): the PDQ hash of sampled
frames, each with its frame number, quality and timestamp; compatible with
facebook/ThreatExchange vpdq 0.2.5 and python-threatexchange."""
import ctypes
import os

from ._lib import Handle, check, fn
from .codes import PdqCode, _PdqCodeC

OPT_SECONDS_PER_HASH = 1
OPT_DOWNSAMPLE = 2
OPT_THREADS = 3
OPT_DRAIN = 4
OPT_MAX_DURATION = 5
OPT_MAX_FRAMES = 6
OPT_MAX_PIXELS = 7
OPT_MAX_WORK = 8
OPT_MAX_CPU_SECONDS = 9


class _FrameC(ctypes.Structure):
    _fields_ = [("hash", _PdqCodeC), ("quality", ctypes.c_int), ("frame_number", ctypes.c_uint32),
                ("timestamp", ctypes.c_double)]


_supported = fn("phash_video_supported", ctypes.c_int)
_new = fn("phash_video_hasher_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p))
_free = fn("phash_video_hasher_free", None, ctypes.c_void_p)
_set = fn("phash_video_hasher_set_option", ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
          ctypes.c_double)
_hash_file = fn("phash_vpdq_hash_file", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                ctypes.POINTER(ctypes.POINTER(_FrameC)), ctypes.POINTER(ctypes.c_size_t),
                ctypes.c_void_p)
_hash_memory = fn("phash_vpdq_hash_memory", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                  ctypes.c_size_t, ctypes.POINTER(ctypes.POINTER(_FrameC)),
                  ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p)
_format_line = fn("phash_vpdq_format_line", ctypes.c_size_t, ctypes.POINTER(_FrameC),
                  ctypes.c_char_p, ctypes.c_size_t)
_last_error = fn("phash_video_hasher_last_error", ctypes.c_char_p, ctypes.c_void_p)
_phash_free = fn("phash_free", None, ctypes.c_void_p)


def supported():
    """True if the loaded library was built with video support (FFmpeg)."""
    return bool(_supported and _supported())


class VpdqFrame:
    """One hashed frame: frame_number, quality (0..100), hash (PdqCode),
    timestamp (seconds, as the reference computes it)."""

    __slots__ = ("frame_number", "quality", "hash", "timestamp", "_line")

    def __init__(self, c):
        self.frame_number = c.frame_number
        self.quality = c.quality
        self.hash = PdqCode(bytes(c.hash.bytes))
        self.timestamp = c.timestamp
        buf = ctypes.create_string_buffer(160)
        _format_line(ctypes.byref(c), buf, len(buf))
        self._line = buf.value.decode().rstrip("\n")

    @property
    def hex(self):
        return self.hash.hex

    def line(self):
        """The reference CLI's line: 'frameNumber,quality,pdqhex,timestamp'."""
        return self._line

    def hma(self):
        """python-threatexchange's form: 'pdqhex,quality,timestamp' with the
        timestamp as f'{t:.3}'."""
        return f"{self.hex},{self.quality},{self.timestamp:.3}"

    def __repr__(self):
        return f"VpdqFrame({self._line})"


class VideoHasher(Handle):
    """A reusable vPDQ hasher (one per thread). seconds_per_hash: one hash
    every so many seconds (0: every frame; default 1.0 as HMA and
    python-threatexchange); downsample: N to hash frames scaled to NxN (0:
    stream size); threads: decoder threads (1; 0 lets FFmpeg choose);
    drain_all: also hash the decoder's last frames when the video is not
    stream 0 (the reference drops them). Limits: max_duration (s),
    max_frames, max_pixels (per frame), max_work (decoded pixels per file),
    max_cpu_seconds (per file; None keeps the library's defaults)."""

    _release = staticmethod(_free)

    def __init__(self, seconds_per_hash=1.0, downsample=0, threads=1, drain_all=False,
                 max_duration=None, max_frames=None, max_pixels=None, max_work=None,
                 max_cpu_seconds=None):
        if not _new:
            raise NotImplementedError("phash: the loaded library has no video API")
        h = ctypes.c_void_p()
        check(_new(ctypes.byref(h)))
        self._handle = h.value
        opts = [(OPT_SECONDS_PER_HASH, seconds_per_hash, "seconds_per_hash"),
                (OPT_DOWNSAMPLE, downsample, "downsample"), (OPT_THREADS, threads, "threads"),
                (OPT_DRAIN, 1 if drain_all else 0, "drain_all"),
                (OPT_MAX_DURATION, max_duration, "max_duration"),
                (OPT_MAX_FRAMES, max_frames, "max_frames"),
                (OPT_MAX_PIXELS, max_pixels, "max_pixels"), (OPT_MAX_WORK, max_work, "max_work"),
                (OPT_MAX_CPU_SECONDS, max_cpu_seconds, "max_cpu_seconds")]
        for opt, value, name in opts:
            if value is None:
                continue
            if isinstance(value, bool) and name != "drain_all" or \
                    not isinstance(value, (int, float)):
                raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
            if _set(self._handle, opt, float(value)) != 0:
                raise ValueError(f"{name}: {self._detail()}")

    def _detail(self):
        msg = _last_error(self._handle)
        return msg.decode(errors="replace") if msg else None

    def hash(self, src):
        """Hash a video: a path (str / os.PathLike) or the file's bytes.
        Returns a list of VpdqFrame in frame order."""
        frames = ctypes.POINTER(_FrameC)()
        n = ctypes.c_size_t()
        if isinstance(src, (bytes, bytearray, memoryview)):
            data = bytes(src)
            status = _hash_memory(self._handle, data, len(data), ctypes.byref(frames),
                                  ctypes.byref(n), None)
        elif isinstance(src, (str, os.PathLike)):
            status = _hash_file(self._handle, os.fsencode(src), ctypes.byref(frames),
                                ctypes.byref(n), None)
        else:
            raise TypeError(f"src: expected a path or bytes, got {type(src).__name__}")
        check(status, self._detail)
        try:
            return [VpdqFrame(frames[i]) for i in range(n.value)]
        finally:
            _phash_free(frames)


def vpdq(src, seconds_per_hash=1.0, **options):
    """The vPDQ hash of a video (path or bytes): a list of VpdqFrame. options:
    see VideoHasher."""
    with VideoHasher(seconds_per_hash=seconds_per_hash, **options) as h:
        return h.hash(src)


def to_hma(frames):
    """HMA's / python-threatexchange's signal string: a JSON array of
    'pdqhex,quality,timestamp'."""
    import json
    return json.dumps([f.hma() for f in frames])
