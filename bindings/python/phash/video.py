# SPDX-License-Identifier: MIT
"""vPDQ: Meta's video hash (include/phash/video.h): the PDQ hash of sampled
frames, each with its frame number, quality and timestamp; compatible with
facebook/ThreatExchange vpdq 0.2.5 and python-threatexchange."""
import ctypes
import os

from ._lib import U32_MAX, Handle, check, fn, int_arg, new_handle
from .codes import PdqCode, _PdqCodeC, pdq_code

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
        if not isinstance(c, _FrameC):
            raise TypeError("VpdqFrame: made by hashing (VideoHasher.hash) or "
                            "VpdqFrame.make(hash, quality, frame_number, timestamp)")
        self.frame_number = c.frame_number
        self.quality = c.quality
        self.hash = PdqCode(bytes(c.hash.bytes))
        self.timestamp = c.timestamp
        buf = ctypes.create_string_buffer(160)
        _format_line(ctypes.byref(c), buf, len(buf))
        self._line = buf.value.decode().rstrip("\n")

    @classmethod
    def make(cls, hash, quality, frame_number, timestamp):
        """A frame from its values (as read from a list): hash a PdqCode, hex
        text or 32 bytes; quality 0..100."""
        c = _FrameC()
        ctypes.memmove(c.hash.bytes, bytes(pdq_code(hash, "hash")), 32)
        c.quality = int_arg(quality, "quality", 0, 100)
        c.frame_number = int_arg(frame_number, "frame_number", 0, U32_MAX)
        if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
            raise TypeError(f"timestamp: expected a number, got {type(timestamp).__name__}")
        c.timestamp = float(timestamp)
        return cls(c)

    def _c(self):
        c = _FrameC()
        ctypes.memmove(c.hash.bytes, bytes(self.hash), 32)
        c.quality, c.frame_number, c.timestamp = self.quality, self.frame_number, self.timestamp
        return c

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


# ---- matching (include/phash/vmatch.h) -------------------------------------

RULES = {"pytx": 0, "cpp": 1}
_VQ_OPTS = {"rule": 1, "distance": 2, "quality": 3, "query_percent": 4, "index_percent": 5,
            "all_candidates": 6}


class _VideoMatchC(ctypes.Structure):
    _fields_ = [("query_percent", ctypes.c_double), ("index_percent", ctypes.c_double),
                ("query_matched", ctypes.c_size_t), ("query_frames", ctypes.c_size_t),
                ("index_matched", ctypes.c_size_t), ("index_frames", ctypes.c_size_t),
                ("matched", ctypes.c_int), ("ranges", ctypes.c_size_t),
                ("list", ctypes.c_char_p), ("id", ctypes.c_char_p),
                ("metadata", ctypes.c_char_p), ("category", ctypes.c_char_p),
                ("video", ctypes.c_size_t)]


class _VideoRangeC(ctypes.Structure):
    _fields_ = [("start", ctypes.c_double), ("end", ctypes.c_double),
                ("first_frame", ctypes.c_uint32), ("last_frame", ctypes.c_uint32),
                ("frames", ctypes.c_size_t)]


_vp = ctypes.c_void_p
_q_new = fn("phash_video_query_new", ctypes.c_int, ctypes.POINTER(_vp))
_q_free = fn("phash_video_query_free", None, _vp)
_q_set = fn("phash_video_query_set_option", ctypes.c_int, _vp, ctypes.c_int, ctypes.c_double)
_q_get_opt = fn("phash_video_query_get_option", ctypes.c_double, _vp, ctypes.c_int)
_q_run = fn("phash_video_query_run", ctypes.c_int, _vp, _vp, ctypes.POINTER(_FrameC),
            ctypes.c_size_t)
_q_count = fn("phash_video_query_count", ctypes.c_size_t, _vp)
_q_get = fn("phash_video_query_get", ctypes.c_int, _vp, ctypes.c_size_t,
            ctypes.POINTER(_VideoMatchC))
_q_range = fn("phash_video_query_range", ctypes.c_int, _vp, ctypes.c_size_t, ctypes.c_size_t,
              ctypes.POINTER(_VideoRangeC))
_q_error = fn("phash_video_query_last_error", ctypes.c_char_p, _vp)
_video_count = fn("phash_matcher_video_count", ctypes.c_size_t, _vp)


def _s(b):
    return b.decode("utf-8", "surrogateescape") if b is not None else None


class VideoRange:
    """A run of consecutive query frames that match a listed video: start and
    end (timestamps of its first and last frame), first_frame, last_frame
    (their frame numbers), frames (query frames in the run)."""
    __slots__ = ("start", "end", "first_frame", "last_frame", "frames")

    def __init__(self, c):
        self.start, self.end = c.start, c.end
        self.first_frame, self.last_frame, self.frames = c.first_frame, c.last_frame, c.frames

    def __repr__(self):
        return f"VideoRange({self.start:.3f}-{self.end:.3f}, frames={self.frames})"


class VideoMatch:
    """A listed video found by a video query: query_percent and index_percent
    (0..100) with the counts behind them (query_matched / query_frames,
    index_matched / index_frames), matched (passes both thresholds), ranges
    (a list of VideoRange), the listed video's list, id, metadata and
    category ('' when none) and video (its number in the set, load order)."""
    __slots__ = ("query_percent", "index_percent", "query_matched", "query_frames",
                 "index_matched", "index_frames", "matched", "ranges", "list", "id", "metadata",
                 "category", "video")

    def __init__(self, c, ranges):
        for name in ("query_percent", "index_percent", "query_matched", "query_frames",
                     "index_matched", "index_frames", "video"):
            setattr(self, name, getattr(c, name))
        self.matched = bool(c.matched)
        self.list, self.id = _s(c.list), _s(c.id)
        self.metadata, self.category = _s(c.metadata) or "", _s(c.category) or ""
        self.ranges = ranges

    def __repr__(self):
        return (f"VideoMatch({self.id!r}, query={self.query_percent:.2f}%, "
                f"index={self.index_percent:.2f}%, matched={self.matched})")


class VideoQuery(Handle):
    """Matches a video's frames against the listed videos of a Matcher's set
    (vPDQ entries), through the index over their frame hashes. rule: 'pytx'
    (python-threatexchange and HMA: frames de-duplicated, distance <= D;
    the default) or 'cpp' (the C++ reference: every frame counts, distance
    < D); distance D (31); quality: frames under it are ignored (50);
    query_percent (80) and index_percent (0): the thresholds;
    all_candidates: also return videos with a matched frame that miss the
    thresholds (VideoMatch.matched False). One query per thread."""

    _release = staticmethod(_q_free)

    def __init__(self, rule="pytx", distance=31, quality=50, query_percent=80.0,
                 index_percent=0.0, all_candidates=False):
        if not _q_new:
            raise NotImplementedError("phash: the loaded library has no video matching")
        if rule not in RULES:
            raise ValueError(f"rule: 'pytx' or 'cpp', got {rule!r}")
        self._handle = new_handle(_q_new)
        values = {"rule": RULES[rule], "distance": distance, "quality": quality,
                  "query_percent": query_percent, "index_percent": index_percent,
                  "all_candidates": 1 if all_candidates else 0}
        for name, value in values.items():
            if isinstance(value, bool) and name != "all_candidates" or \
                    not isinstance(value, (int, float)):
                raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
            if _q_set(self._handle, _VQ_OPTS[name], float(value)) != 0:
                raise ValueError(f"{name}: {value!r} is out of range "
                                 f"({_s(_q_error(self._handle))})")

    def option(self, name):
        """The value of an option ('rule' as its name)."""
        with self._lock:
            value = _q_get_opt(self._live(), _VQ_OPTS[name])
        if name == "rule":
            return {v: k for k, v in RULES.items()}[int(value)]
        return bool(value) if name == "all_candidates" else value

    def run(self, matcher, frames):
        """Match frames (VpdqFrame, in time order: what vpdq() returns)
        against the videos matcher serves. Returns the VideoMatch list,
        highest query % first."""
        frames = list(frames)
        if any(not isinstance(f, VpdqFrame) for f in frames):
            raise TypeError("frames: expected VpdqFrame objects (from vpdq() or VpdqFrame.make)")
        arr = (_FrameC * max(1, len(frames)))(*[f._c() for f in frames])
        with self._lock:
            h = self._live()
            check(_q_run(h, matcher._handle, arr, len(frames)),
                  lambda: _s(_q_error(h)))
            out = []
            m, r = _VideoMatchC(), _VideoRangeC()
            for i in range(_q_count(h)):
                check(_q_get(h, i, ctypes.byref(m)))
                ranges = []
                for k in range(m.ranges):
                    check(_q_range(h, i, k, ctypes.byref(r)))
                    ranges.append(VideoRange(r))
                out.append(VideoMatch(m, ranges))
            return out


def match_video(matcher, frames, **options):
    """Match a video's frames (or a video: a path or bytes, hashed with
    vpdq() at one frame per second) against the videos of matcher's set.
    options: see VideoQuery. Returns a list of VideoMatch."""
    if isinstance(frames, (str, os.PathLike, bytes, bytearray, memoryview)):
        frames = vpdq(frames)
    with VideoQuery(**options) as q:
        return q.run(matcher, frames)


def video_count(matcher):
    """Number of videos (distinct list and id of vPDQ entries) matcher serves."""
    return _video_count(matcher._handle)


def from_hma(text):
    """Frames from HMA's / python-threatexchange's signal string (a JSON array
    of 'pdqhex,quality,timestamp'); frame numbers count from 0."""
    import json
    items = json.loads(text) if isinstance(text, str) else text
    out = []
    for n, item in enumerate(items):
        parts = item.split(",")
        if len(parts) != 3:
            raise ValueError(f"frame {n}: expected 'pdqhex,quality,timestamp', got {item!r}")
        out.append(VpdqFrame.make(parts[0], int(parts[1]), n, float(parts[2])))
    return out
