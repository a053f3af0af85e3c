# SPDX-License-Identifier: MIT
"""Alert policy (include/phash/alert.h): alert / weak / none for the best
distances of one (scanned image, signature) pair."""
import ctypes

from ._lib import Handle, check, fn

LEVELS = {0: "none", 1: "weak", 2: "alert"}
OPTIONS = {"pdq_radius": 1, "phash_radius": 2, "phash_needs_pdq": 3, "pdq_min_quality": 4,
           "phash_min_quality": 5, "pdq_weak_radius": 6, "phash_weak_radius": 7,
           "phash_alone_radius": 8}


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


class AlertPolicy(Handle):
    """AlertPolicy(**options): the default rule, with any option changed
    (pdq_radius=31, phash_radius=10, phash_needs_pdq=56 (-1: pHash alone
    alerts), pdq_min_quality=50, phash_min_quality=50, pdq_weak_radius=40,
    phash_weak_radius=12, phash_alone_radius=3 (-1: never without PDQ))."""

    _release = staticmethod(_free)

    def __init__(self, **options):
        out = ctypes.c_void_p()
        check(_new(ctypes.byref(out)))
        self._handle = out.value
        for k, v in options.items():
            if k not in OPTIONS:
                raise TypeError(f"unknown alert option {k!r}")
            check(_set(self._handle, OPTIONS[k], int(v)))

    def __getitem__(self, name):
        return _get(self._handle, OPTIONS[name])

    def decide(self, pdq=None, pdq_quality=100, phash=None, phash_quality=100,
               pdq_sig_quality=-1, phash_sig_quality=-1):
        """'alert', 'weak' or 'none'. pdq / phash: distances or None."""
        e = _EvidenceC(-1 if pdq is None else pdq, pdq_quality, pdq_sig_quality,
                       -1 if phash is None else phash, phash_quality, phash_sig_quality)
        return LEVELS[_decide(self._handle, ctypes.byref(e))]
