# SPDX-License-Identifier: MIT
"""The library scanner (include/phash/scan.h): each file opened once, read
once, sniffed once, decoded once, every hash from that one decode, matched
against a signature set, reported once.

    for report in phash.scan(["/home"], signatures="list.csv"):
        for m in report.matches:
            print(report.path, m.algo, m.distance, m.id)

Reports are plain Python objects (copied out of the library's callback).
`scan()` runs the C scanner on a background thread and yields reports as
they come; leaving the loop early cancels the scan. Reports come in input
order (the paths given, then each folder's names in byte order) whatever the
number of threads, as phash scan's rows do; ordered=False gives them as the
files are done.
"""
import ctypes
import os
import queue
import threading
import time

from ._lib import Handle, check, fn
from .sigset import Matcher, SignatureSet
from .state import State
from .alert import LEVELS, OPTIONS as ALERT_OPTIONS, option_value

c_char_p, c_int, c_uint, c_size_t = ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_size_t


class _HashC(ctypes.Structure):
    _fields_ = [("algo", c_char_p), ("variant", c_char_p), ("hex", c_char_p), ("quality", c_int),
                ("view", c_char_p)]


class _MatchC(ctypes.Structure):
    _fields_ = [("algo", c_char_p), ("sig_algo", c_int), ("distance", c_uint),
                ("variant", c_char_p), ("hash", c_char_p), ("list", c_char_p), ("id", c_char_p),
                ("metadata", c_char_p), ("quality", c_int), ("category", c_char_p),
                ("view", c_char_p), ("match_id", c_char_p), ("owner_flags", c_uint),
                ("suppressed", c_int), ("query_percent", ctypes.c_double),
                ("index_percent", ctypes.c_double), ("time_start", ctypes.c_double),
                ("time_end", ctypes.c_double), ("time_ranges", c_char_p),
                ("frame", ctypes.c_int64), ("level", c_int), ("flooded", c_int)]


class _ReportC(ctypes.Structure):
    _fields_ = [("path", c_char_p), ("status", c_int), ("detail", c_char_p),
                ("error_number", c_int), ("format", c_int), ("kind", c_int),
                ("size", ctypes.c_uint64), ("width", ctypes.c_uint32), ("height", ctypes.c_uint32),
                ("image_flags", c_uint), ("n_hashes", c_size_t), ("n_matches", c_size_t),
                ("n_low_quality", c_size_t), ("channels", ctypes.c_uint32),
                ("orientation", c_int), ("depth", ctypes.c_uint32),
                ("mtime_ns", ctypes.c_int64), ("source", c_int), ("n_suppressed", c_size_t),
                ("named", c_int), ("video_frames", ctypes.c_uint64),
                ("video_seconds", ctypes.c_double)]


_CALLBACK = ctypes.CFUNCTYPE(c_int, ctypes.c_void_p, ctypes.POINTER(_ReportC))
_vp = ctypes.c_void_p
_new = fn("phash_scanner_new", c_int, ctypes.POINTER(_vp))
_free = fn("phash_scanner_free", None, _vp)
_set_option = fn("phash_scanner_set_option", c_int, _vp, c_int, ctypes.c_int64)
_set_algorithms = fn("phash_scanner_set_algorithms", c_int, _vp, c_char_p)
_set_matcher = fn("phash_scanner_set_matcher", c_int, _vp, _vp)
_set_radius = fn("phash_scanner_set_radius", c_int, _vp, c_int, c_uint)
_set_rate = fn("phash_scanner_set_rate", c_int, _vp, ctypes.c_double)
_add_exclude = fn("phash_scanner_add_exclude", c_int, _vp, c_char_p)
_set_video_option = fn("phash_scanner_set_video_option", c_int, _vp, c_int, ctypes.c_double)
_scan_file = fn("phash_scanner_scan_file", c_int, _vp, c_char_p, _CALLBACK, _vp)
_scan_memory = fn("phash_scanner_scan_memory", c_int, _vp, c_char_p, c_size_t, c_char_p,
                  _CALLBACK, _vp)
_scan_paths = fn("phash_scanner_scan_paths", c_int, _vp, ctypes.POINTER(c_char_p), c_size_t,
                 _CALLBACK, _vp)
_cancel = fn("phash_scanner_cancel", None, _vp)
_set_alert_policy = fn("phash_scanner_set_alert_policy", c_int, _vp, _vp)
_set_state = fn("phash_scanner_set_state", c_int, _vp, _vp)
_rematch = fn("phash_scanner_rematch", c_int, _vp, _CALLBACK, _vp)
_start = fn("phash_scanner_start", c_int, _vp, _CALLBACK, _vp)
_submit = fn("phash_scanner_submit", c_int, _vp, c_char_p)
_finish = fn("phash_scanner_finish", c_int, _vp)
_watch = fn("phash_scanner_watch", c_int, _vp, c_char_p)
_watch_wait = fn("phash_scanner_watch_wait", c_int, _vp, ctypes.c_double)
_watch_detail = fn("phash_scanner_watch_detail", c_char_p, _vp)

class _FloodC(ctypes.Structure):
    _fields_ = [("algo", c_char_p), ("sig_algo", c_int), ("hash", c_char_p), ("list", c_char_p),
                ("id", c_char_p), ("files", ctypes.c_uint64), ("dropped", ctypes.c_uint64)]


_flood_count = fn("phash_scanner_flood_count", c_size_t, _vp)
_flood_get = fn("phash_scanner_flood_get", ctypes.POINTER(_FloodC), _vp, c_size_t)
_set_list_option = fn("phash_scanner_set_list_option", c_int, _vp, c_char_p, c_int, c_int)
_counter = fn("phash_scanner_counter", ctypes.c_uint64, _vp, c_int)
_last_error = fn("phash_scanner_last_error", c_char_p, _vp)
_report_hash = fn("phash_scan_report_hash", ctypes.POINTER(_HashC), ctypes.POINTER(_ReportC),
                  c_size_t)
_report_match = fn("phash_scan_report_match", ctypes.POINTER(_MatchC), ctypes.POINTER(_ReportC),
                   c_size_t)
_algorithm_name = fn("phash_scan_algorithm_name", c_char_p, c_size_t, ctypes.POINTER(c_char_p))
_status_name = fn("phash_status_name", c_char_p, c_int)
_format_name = fn("phash_format_name", c_char_p, c_int)
_kind_name = fn("phash_media_kind_name", c_char_p, c_int)
_is_compiled = fn("phash_sigset_file_is_compiled", c_int, c_char_p)

OPTIONS = {"threads": 1, "dihedral": 2, "report_hashes": 3, "phash_layout": 4, "pdq_mode": 5,
           "pdq_fast": 6, "follow_links": 7, "low_priority": 8, "max_read": 9, "expand": 10,
           "container_depth": 13, "container_members": 14, "container_bytes": 15,
           "container_ratio": 16, "member_size": 17,
           "one_file_system": 18, "report_suppressed": 19, "ordered": 20, "weak": 21,
           "size_filter": 22, "max_cpu": 23, "flood_limit": 25, "report_flooded": 26}
EXPAND = {"border": 2, "embedded": 4}
COUNTERS = ["files", "media", "not_media", "unsupported", "errors", "matches", "matched_files",
            "low_quality", "files_opened", "bytes_read", "folders", "special", "links_skipped",
            "root_errors", "containers", "members", "cached", "pruned", "known_matches",
            "weak_matches", "size_skipped", "throttled_ms", "watch_overflows", "unwatched",
            "flooded"]
SIG_ALGOS = {"pdq": 1, "phash": 2, "vpdq": 6}
SOURCES = ("file", "state", "pending", "rematch")
VIDEO_OPTIONS = {"seconds_per_hash": 1, "threads": 2, "rule": 3, "query_percent": 4,
                 "index_percent": 5, "max_cpu_seconds": 6}
VIDEO_RULES = {"pytx": 0, "cpp": 1}


def _text(b):
    return b.decode("utf-8", "surrogateescape") if b is not None else None


def algorithms():
    """Names of the hash algorithms the scanner computes."""
    names, i = [], 0
    while True:
        n = _algorithm_name(i, None)
        if n is None:
            return names
        names.append(n.decode())
        i += 1


class ScanHash:
    """One hash of a file: algo, variant ('orig', 'rot90', ...), hex, quality
    (None when the algorithm has none), view ('orig', 'border', 'embedded')."""
    __slots__ = ("algo", "variant", "hex", "quality", "view")

    def __init__(self, c):
        self.algo, self.variant, self.hex = c.algo.decode(), c.variant.decode(), c.hex.decode()
        self.quality = c.quality if c.quality >= 0 else None
        self.view = c.view.decode() if c.view else "orig"

    def __repr__(self):
        return f"ScanHash({self.algo}, {self.variant}, {self.hex}, quality={self.quality})"


class ScanMatch:
    """One match of a file with one signature owner. Matches of a video
    (Report.kind 'video') also say where in it: algo 'vpdq' is a listed
    video matched by the vPDQ rule (query_percent, index_percent; hash '',
    distance 0), algo 'pdq' a listed image matched by frames of the video
    (distance and quality of the best frame); time_start and time_end
    (seconds: first and last matched frame), time_ranges (each run of
    matched frames, [(start, end), ...]) and frame (PDQ: the best frame's
    number; vPDQ: the first matched frame's); an animated GIF's frames too.
    These are None for other matches, and the percentages None for PDQ
    matches. level: 'alert', or 'weak' (reported only with
    Scanner(weak=True)), the alert policy's decision for the list entry.
    match_id: the match's stable id (per file and signature owner)."""
    __slots__ = ("algo", "distance", "variant", "hash", "list", "id", "metadata", "quality",
                 "category", "view", "allowlist", "suppressed", "query_percent",
                 "index_percent", "time_start", "time_end", "time_ranges", "frame", "level",
                 "flooded", "match_id")

    def __init__(self, c):
        self.level = LEVELS.get(c.level, "unknown")
        self.view = c.view.decode() if c.view else "orig"
        self.category = _text(c.category) if c.category else ""
        self.algo, self.distance, self.variant = c.algo.decode(), c.distance, c.variant.decode()
        self.hash, self.list, self.id = _text(c.hash), _text(c.list), _text(c.id)
        self.metadata, self.quality = _text(c.metadata), c.quality
        # an allowlist owner (known-benign); suppressed by an allowlist
        # (listed only with Scanner(report_suppressed=True))
        self.allowlist = bool(c.owner_flags & 0x8)
        self.suppressed = bool(c.suppressed)
        # its signature had matched flood_limit files already (listed only
        # with Scanner(report_flooded=True))
        self.flooded = bool(c.flooded)
        # stable per file x signature owner: the same in every run and after a
        # rematch (a state delivers each match id once)
        self.match_id = _text(c.match_id)
        video = c.time_ranges is not None  # a video's or an animated GIF's frames
        vpdq = video and c.sig_algo == SIG_ALGOS["vpdq"]
        self.query_percent = c.query_percent if vpdq else None
        self.index_percent = c.index_percent if vpdq else None
        self.time_start = c.time_start if video else None
        self.time_end = c.time_end if video else None
        self.frame = c.frame if video else None
        self.time_ranges = None
        if video:
            self.time_ranges = [tuple(float(t) for t in r.split("-"))
                                for r in (_text(c.time_ranges) or "").split()]

    def __repr__(self):
        if self.time_start is not None:
            return (f"ScanMatch({self.algo}, distance={self.distance}, id={self.id!r}, "
                    f"time={self.time_start:.3f}-{self.time_end:.3f}, "
                    f"query%={self.query_percent}, index%={self.index_percent})")
        return (f"ScanMatch({self.algo}, distance={self.distance}, variant={self.variant}, "
                f"id={self.id!r}, list={self.list!r}, level={self.level})")


class Report:
    """What the scanner says of one file. `status` is the phash_status name
    ('OK', 'ERR_TRUNCATED', ...), `detail` the explanation; `ok` is True
    when the file was processed (matched or not). A member of a container
    (archive, document) has its own Report: path 'outer.zip!inner/photo.jpg',
    depth >= 1; scan_file() and scan_bytes() give the file's own Report with
    its members' Reports in `members` (in order, nested ones included).
    A video (kind 'video') and an animated GIF have video_frames (frames
    hashed with vPDQ) and video_seconds (the last hashed frame's time); None
    for other files.
    source: 'file' (read), 'state' (answered from the scan state), 'pending'
    or 'rematch'."""
    __slots__ = ("path", "status", "detail", "errno", "format", "kind", "size", "width", "height",
                 "image_flags", "hashes", "matches", "low_quality", "depth", "members",
                 "video_frames", "video_seconds", "source")

    def __init__(self, rp):
        r = rp.contents
        self.path = _text(r.path)
        self.status = _status_name(r.status).decode().removeprefix("PHASH_")
        self.detail = _text(r.detail)
        self.errno = r.error_number
        self.format = _format_name(r.format).decode()
        self.kind = _kind_name(r.kind).decode()
        self.size, self.width, self.height = r.size, r.width, r.height
        self.image_flags = r.image_flags
        self.hashes = [ScanHash(_report_hash(rp, i).contents) for i in range(r.n_hashes)]
        video = self.kind == "video" or r.video_frames > 0  # an animated GIF's frames too
        self.matches = [ScanMatch(_report_match(rp, i).contents)
                        for i in range(r.n_matches)]
        self.video_frames = r.video_frames if video else None
        self.video_seconds = r.video_seconds if video else None
        self.source = SOURCES[r.source] if 0 <= r.source < len(SOURCES) else str(r.source)
        self.low_quality = r.n_low_quality
        self.depth = r.depth
        self.members = []

    @property
    def ok(self):
        return self.status == "OK"

    def hash(self, algo, variant="orig"):
        """The hex of one algorithm's hash, or None."""
        for h in self.hashes:
            if h.algo == algo and h.variant == variant:
                return h.hex
        return None

    def __repr__(self):
        return (f"Report({self.path!r}, {self.status}, kind={self.kind}, format={self.format}, "
                f"{len(self.hashes)} hashes, {len(self.matches)} matches)")


def _with_members(reports):
    """The file's own report (the last one: a container reports after its
    members), holding the members' reports."""
    top = reports[-1]
    top.members = reports[:-1]
    return top


def _matcher_for(signatures):
    """A Matcher from a Matcher, a SignatureSet, a path or a list of paths."""
    if signatures is None or isinstance(signatures, Matcher):
        return signatures
    if isinstance(signatures, SignatureSet):
        return Matcher(signatures)
    paths = [signatures] if isinstance(signatures, (str, bytes, os.PathLike)) else list(signatures)
    if len(paths) == 1 and _is_compiled(os.fsencode(paths[0])):
        return Matcher(paths[0])
    s = SignatureSet()
    for p in paths:
        s.load(p)
    return Matcher(s)


class Scanner(Handle):
    """A configured scanner. Options: algorithms ('pdq,phash' or a list;
    default: what the signature set holds, else pdq), signatures (paths, a
    SignatureSet or a Matcher), radius ({'pdq': 31, 'phash': 10}),
    threads, dihedral (default True), report_hashes (default True), pdq_mode
    (0 full, 1 cli512), phash_layout (0 = 1.0, 1 = 0.9), pdq_fast, expand
    ('border,embedded', the default, or 'none'), low_priority, max_read, rate (files per second). The walk, with phash
    scan's names: follow (symbolic links in folders followed, to targets
    inside the PATH walked only; default False; follow_links is the same
    option under the C name), one_file_system (folders on another file
    system not entered), exclude (a shell pattern or a list of them: files
    and folders whose name matches are left out; a pattern with '/' is
    matched against the whole path; a PATH given is never left out),
    ordered (reports in input order whatever the threads; default True),
    max_cpu (percent of one core the scan's threads may use, throttled by
    sleeping; 0: no budget), size_filter (default True: when the set records
    the file size of every digest entry, files of no media kind whose size
    none has are read for their head only and not digested; False: every
    file is digested). video: a dict of the
    video settings (videos are hashed with vPDQ when the algorithms include
    'vpdq' or 'pdq'): seconds_per_hash (1.0; 0 = every frame), threads
    (decoder threads per video, taken from the thread budget; 1), rule
    ('pytx' or 'cpp'), query_percent (80), index_percent (0),
    max_cpu_seconds (per video; 0 = none); radius {'vpdq': 31} is the rule's
    frame distance. alert_policy: an AlertPolicy (default: the library's
    rule); weak: also report weak matches. list_settings: the alert rule
    for the entries of some lists only, {list name: {option: value}} with
    AlertPolicy's options (pdq_radius, phash_radius, phash_needs_pdq,
    pdq_min_quality, ..., algorithms: those that may alert, max_level:
    'alert', 'weak' or 'none'); a list is named as matches name it, or by its
    file name ({'partner.csv': {'pdq_radius': 20}, 'old.json':
    {'max_level': 'weak'}}). flood_limit (default 100; 0: off): a signature
    that matched that many files is suspected wrongly listed, its further
    matches dropped (report_flooded=True: kept, ScanMatch.flooded) and
    listed by floods(). state: a phash.State (see set_state). One scan at
    a time."""

    _release = staticmethod(_free)

    def __init__(self, signatures=None, algorithms=None, radius=None, rate=0.0,
                 report_hashes=True, video=None, alert_policy=None, exclude=None, ordered=True,
                 list_settings=None, state=None, **options):
        h = _vp()
        check(_new(ctypes.byref(h)))
        self._handle = h.value
        self._matcher = _matcher_for(signatures)  # kept alive: the scanner borrows it
        if self._matcher is not None:
            check(_set_matcher(self._handle, self._matcher._handle), self._detail)
        if algorithms:
            if not isinstance(algorithms, str):
                algorithms = ",".join(algorithms)
            check(_set_algorithms(self._handle, algorithms.encode()), self._detail)
        options["report_hashes"] = report_hashes
        options["ordered"] = ordered
        if "follow" in options:  # phash scan's --follow
            if "follow_links" in options:
                raise TypeError("follow and follow_links are one option: give one")
            options["follow_links"] = options.pop("follow")
        self._exclude(exclude)
        if isinstance(options.get("expand"), str):  # "border,embedded" / "none"
            names = [n for n in options["expand"].split(",") if n and n != "none"]
            if any(n not in EXPAND for n in names):
                raise ValueError(f"expand: border, embedded or none, got {options['expand']!r}")
            options["expand"] = sum(EXPAND[n] for n in set(names))
        for name, value in options.items():
            if name not in OPTIONS:
                raise TypeError(f"{name}: unknown scanner option (known: {', '.join(OPTIONS)})")
            check(_set_option(self._handle, OPTIONS[name], int(value)), self._detail)
        if alert_policy is not None:
            check(_set_alert_policy(self._handle, alert_policy._handle), self._detail)
        for algo, r in (radius or {}).items():
            if algo not in SIG_ALGOS:
                raise ValueError(f"radius: unknown algorithm {algo!r}")
            check(_set_radius(self._handle, SIG_ALGOS[algo], int(r)), self._detail)
        self._list_settings(list_settings)
        if state is not None:
            self.set_state(state)
        if rate:
            check(_set_rate(self._handle, float(rate)), self._detail)
        for name, value in (video or {}).items():
            if name not in VIDEO_OPTIONS:
                raise TypeError(f"video: unknown option {name!r} (known: "
                                f"{', '.join(VIDEO_OPTIONS)})")
            if name == "rule":
                if value not in VIDEO_RULES:
                    raise ValueError(f"video rule: 'pytx' or 'cpp', got {value!r}")
                value = VIDEO_RULES[value]
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"video {name}: expected a number, got {type(value).__name__}")
            if _set_video_option(self._handle, VIDEO_OPTIONS[name], float(value)) != 0:
                raise ValueError(f"video {name}: {self._detail()}")

    def _list_settings(self, settings):
        for name, opts in (settings or {}).items():
            if not isinstance(opts, dict):
                raise TypeError(f"list_settings[{name!r}]: expected a dict of alert options")
            for k, v in opts.items():
                value = option_value(k, v)  # TypeError for an unknown option
                check(_set_list_option(self._handle, os.fsencode(name), ALERT_OPTIONS[k], value),
                      self._detail)

    def floods(self):
        """The signatures past flood_limit (default 100 files: suspected
        wrongly listed; their matches in further files dropped, or flagged
        with report_flooded=True), most files first: dicts with algo, hash,
        list and id (an owner), files (distinct files matched) and dropped
        (files past the limit). Counted since the last scan() / a new
        Scanner for files scanned one at a time."""
        out = []
        for i in range(_flood_count(self._live())):
            f = _flood_get(self._handle, i).contents
            out.append({"algo": f.algo.decode(), "hash": f.hash.decode(), "list": _text(f.list),
                        "id": _text(f.id), "files": f.files, "dropped": f.dropped})
        return out

    def _detail(self):
        return _text(_last_error(self._handle))

    def _exclude(self, patterns):
        """exclude=: one pattern (str, bytes, path) or an iterable of them."""
        if patterns is None:
            return
        if isinstance(patterns, (str, bytes, os.PathLike)):
            patterns = [patterns]
        for p in patterns:
            if not isinstance(p, (str, bytes, os.PathLike)):
                raise TypeError(f"exclude: expected a pattern (str) or a list of them, got "
                                f"{type(p).__name__}")
            if not os.fsencode(p):
                raise ValueError("exclude: an empty pattern")
            check(_add_exclude(self._handle, os.fsencode(p)), self._detail)

    def _live(self):
        if not self._handle:
            raise ValueError("scanner: closed")
        return self._handle

    def scan_file(self, path):
        """Scan one file on this thread; returns its Report."""
        out = []
        cb = _CALLBACK(lambda ctx, rp: out.append(Report(rp)) or 0)
        check(_scan_file(self._live(), os.fsencode(path), cb, None), self._detail)
        return _with_members(out)

    def scan_bytes(self, data, name="<memory>"):
        """Scan bytes in memory; returns the Report."""
        data = bytes(data)
        out = []
        cb = _CALLBACK(lambda ctx, rp: out.append(Report(rp)) or 0)
        check(_scan_memory(self._live(), data, len(data), os.fsencode(name), cb, None),
              self._detail)
        return _with_members(out)

    def scan(self, paths):
        """Yield a Report per file under paths (files and folders). Leaving
        the loop early cancels the scan."""
        encoded = _encode_paths(paths)
        arr = (c_char_p * len(encoded))(*encoded)
        yield from self._reports(lambda h, cb, stopped: _scan_paths(h, arr, len(encoded), cb, None))

    def set_state(self, state):
        """Keep what is learnt in a State (phash.State; None: none): unchanged
        files are answered from it without decoding, only matches not yet
        delivered are reported, and the pending matches of earlier runs come
        first. PhashError (ERR_STATE) while a scan runs."""
        if state is not None and not isinstance(state, State):
            raise TypeError(f"state: expected a phash.State, got {type(state).__name__}")
        check(_set_state(self._live(), state._live() if state is not None else None),
              self._detail)
        old = getattr(self, "_state", None)
        if old is not None and old is not state:
            old._detach(self)
        self._state = state
        if state is not None:
            state._attach(self)

    def rematch(self):
        """Yield a Report (source 'rematch') per file stored in the state whose
        hashes match the current signatures with a match not yet delivered,
        reading no file: a new list checked against everything scanned
        before. Needs a state (state=)."""
        if getattr(self, "_state", None) is None:
            raise ValueError("rematch: the scanner has no state (Scanner(state=...))")
        yield from self._reports(lambda h, cb, stopped: _rematch(h, cb, None))

    def watch(self, paths, seconds=None):
        """Scan paths (files and folders), then follow the folders: yield a
        Report per file of the first pass, then one per file written and
        closed, or moved in, below them (once its events settle), until
        `seconds` have passed (None: until the loop is left or cancel() is
        called). What the events miss (an overflow; folders over the OS's
        limit of watches) is walked again, from the state when there is one;
        watch_detail says when. PhashError (ERR_UNSUPPORTED) where the OS has
        no change notification the library uses."""
        encoded = _encode_paths(paths)
        limit = None if seconds is None else float(seconds)

        def run(h, cb, stopped):
            status = _start(h, cb, None)
            if status != 0:
                return status
            try:
                status = _follow(h, encoded, limit, stopped)
            finally:
                done = _finish(h)
            return status or done

        yield from self._reports(run)

    @property
    def watch_detail(self):
        """'' or, during a watch, what it does not see by events (folders over
        the OS's limit of watches, walked every watch_rescan seconds instead)."""
        return _text(_watch_detail(self._live()))

    def _reports(self, run):
        """Yield the reports of run(handle, callback, stopped), called on a
        background thread. With a state, a report counts as delivered (the
        callback returns 0) only once the loop asks for the next one: reports
        the caller never took stay pending in the state and come again."""
        reports = queue.Queue(maxsize=256)
        stopped = threading.Event()
        acked = getattr(self, "_state", None) is not None
        done = object()
        result = {}

        def on_report(ctx, rp):
            item = (Report(rp), threading.Event() if acked else None)
            while not stopped.is_set():
                try:
                    reports.put(item, timeout=0.1)
                    break
                except queue.Full:
                    pass
            else:
                return 1
            if item[1] is None:
                return 0
            while not stopped.is_set():
                if item[1].wait(0.1):
                    return 0
            return 1

        cb = _CALLBACK(on_report)
        handle = self._live()

        def thread_main():
            try:
                result["status"] = run(handle, cb, stopped)
            finally:
                reports.put((done, None))

        t = threading.Thread(target=thread_main, name="phash-scan", daemon=True)
        t.start()
        try:
            while True:
                item, ack = reports.get()
                if item is done:
                    break
                yield item
                if ack is not None:
                    ack.set()
        finally:
            if t.is_alive():
                stopped.set()
                _cancel(handle)
                while t.is_alive():  # drain so the callback never blocks
                    try:
                        reports.get(timeout=0.1)
                    except queue.Empty:
                        pass
            t.join()
        status = result.get("status", 0)
        if status not in (0, 19):  # PHASH_OK, PHASH_ERR_CANCELLED
            check(status, self._detail)

    def close(self):
        state = getattr(self, "_state", None)
        if state is not None:
            state._detach(self)
            self._state = None
        super().close()

    def cancel(self):
        """Stop the running scan (from any thread)."""
        if self._handle:
            _cancel(self._handle)

    def counters(self):
        """The scanner's counters as a dict (files, media, matches, bytes_read, ...)."""
        return {name: _counter(self._live(), i) for i, name in enumerate(COUNTERS)}


def _follow(handle, encoded, limit, stopped):
    """A watch's steps after phash_scanner_start: each root watched, then
    walked (watched first: nothing written in between is missed), then the
    changes followed until limit seconds have passed (None: until stopped)."""
    for p in encoded:
        status = _watch(handle, p) or _submit(handle, p)
        if status != 0:
            return status
    deadline = None if limit is None else time.monotonic() + limit
    while not stopped.is_set():
        step = 0.25 if deadline is None else min(0.25, deadline - time.monotonic())
        if step <= 0:
            break
        status = _watch_wait(handle, step)
        if status != 0:
            return status
    return 0


def _encode_paths(paths):
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    return [os.fsencode(p) for p in paths]


def scan(paths, signatures=None, **options):
    """Scan files and folders; yields one Report per file. Options as
    Scanner's."""
    with Scanner(signatures=signatures, **options) as s:
        yield from s.scan(paths)
