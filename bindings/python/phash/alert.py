# SPDX-License-Identifier: MIT
"""Alert policy (include/phash/alert.h): alert / weak / none for the best
distances of one (scanned image, signature) pair."""
import ctypes
import os

from ._lib import Handle, check, fn

LEVELS = {0: "none", 1: "weak", 2: "alert"}
OPTIONS = {"pdq_radius": 1, "phash_radius": 2, "phash_needs_pdq": 3, "pdq_min_quality": 4,
           "phash_min_quality": 5, "pdq_weak_radius": 6, "phash_weak_radius": 7,
           "phash_alone_radius": 8, "algorithms": 9, "max_level": 10}
SIG_ALGOS = {"pdq": 1, "phash": 2, "md5": 3, "sha1": 4, "sha256": 5, "vpdq": 6}
ALL_ALGORITHMS = 0x7fffffff


def option_value(name, value):
    """The C value of an alert option: algorithms as names ('pdq,md5', a
    list of names, 'all' or 'none') or a mask; max_level as 'alert', 'weak'
    or 'none'; numbers as they are."""
    if name not in OPTIONS:
        raise TypeError(f"unknown alert option {name!r} (known: {', '.join(OPTIONS)})")
    if name == "algorithms" and not isinstance(value, int):
        if value == "all":
            return ALL_ALGORITHMS
        names = [n for n in (value.split(",") if isinstance(value, str) else value)
                 if n and n != "none"]
        bad = [n for n in names if n not in SIG_ALGOS]
        if bad:
            raise ValueError(f"algorithms: unknown {bad[0]!r} (known: {', '.join(SIG_ALGOS)})")
        return sum(1 << SIG_ALGOS[n] for n in set(names))
    if name == "max_level" and isinstance(value, str):
        levels = {v: k for k, v in LEVELS.items()}
        if value not in levels:
            raise ValueError(f"max_level: 'alert', 'weak' or 'none', got {value!r}")
        return levels[value]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    return value


class _EvidenceC(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in ("pdq_distance", "pdq_quality", "pdq_sig_quality",
                                            "phash_distance", "phash_quality",
                                            "phash_sig_quality")]


_c_void_pp = ctypes.POINTER(ctypes.c_void_p)
_new = fn("phash_alert_policy_new", ctypes.c_int, _c_void_pp)
_free = fn("phash_alert_policy_free", None, ctypes.c_void_p)
_set = fn("phash_alert_policy_set", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
_get = fn("phash_alert_policy_get", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_decide = fn("phash_alert_decide", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_EvidenceC))
_set_list = fn("phash_alert_policy_set_list", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
               ctypes.c_int, ctypes.c_int)
_get_list = fn("phash_alert_policy_get_list", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
               ctypes.c_int)
_decide_list = fn("phash_alert_decide_list", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                  ctypes.POINTER(_EvidenceC))


class AlertPolicy(Handle):
    """AlertPolicy(**options): the default rule, with any option changed
    (pdq_radius=31, phash_radius=10, phash_needs_pdq=56 (-1: pHash alone
    alerts), pdq_min_quality=50, phash_min_quality=50, pdq_weak_radius=40,
    phash_weak_radius=12, phash_alone_radius=3 (-1: never without PDQ),
    algorithms (those that may alert: 'pdq,md5', a list of names or 'all'
    (default); what the others find is weak at most), max_level ('alert'
    (default), 'weak' or 'none')). set_list() sets any of them for the
    entries of one list only."""

    _release = staticmethod(_free)

    def __init__(self, **options):
        out = ctypes.c_void_p()
        check(_new(ctypes.byref(out)))
        self._handle = out.value
        for k, v in options.items():
            check(_set(self._handle, OPTIONS[k], option_value(k, v)))

    def __getitem__(self, name):
        return _get(self._handle, OPTIONS[name])

    def set_list(self, name, **options):
        """Settings for the entries of the list `name` only (as matches
        name it: the path it was loaded from, or its file name)."""
        for k, v in options.items():
            check(_set_list(self._handle, os.fsencode(name), OPTIONS[k], option_value(k, v)))
        return self

    def get_list(self, name, option):
        """The value of an option for entries of the list `name`."""
        return _get_list(self._handle, os.fsencode(name), OPTIONS[option])

    def decide(self, pdq=None, pdq_quality=100, phash=None, phash_quality=100,
               pdq_sig_quality=-1, phash_sig_quality=-1, list=None):
        """'alert', 'weak' or 'none'. pdq / phash: distances or None; list:
        the list the signature belongs to (its settings apply)."""
        e = _EvidenceC(-1 if pdq is None else pdq, pdq_quality, pdq_sig_quality,
                       -1 if phash is None else phash, phash_quality, phash_sig_quality)
        if list is not None:
            return LEVELS[_decide_list(self._handle, os.fsencode(list), ctypes.byref(e))]
        return LEVELS[_decide(self._handle, ctypes.byref(e))]
