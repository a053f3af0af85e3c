# SPDX-License-Identifier: MIT
"""The persistent scan state (include/phash/state.h): what a scanner learnt
about each file, kept between runs, so that unchanged files are never
decoded again and a match is reported once.

    with phash.State("/var/lib/phash/state.db") as st, \\
         phash.Scanner(signatures="list.csv", state=st) as s:
        for report in s.scan(["/home"]):      # unchanged files: source 'state'
            ...
        for report in s.rematch():            # a new list: no file read
            ...

The file is an SQLite database, mode 0600 (on Windows an owner-only ACL),
holding paths, file identities and hashes, never image bytes. A file that
is not a valid state is set aside as PATH.corrupt and a new state begun
(`rebuilt` says why). One process at a time per file: a second open raises
PhashError (ERR_STATE).

Delivery is at least once: with a state, a report counts as delivered only
when the loop asks for the next one, so the reports a loop never took, and
the one it held when it was left (a break, an exception), stay pending and
come first in the next scan (Report.source 'pending'), with the same
ScanMatch.match_id.
"""
import ctypes
import os
import weakref

from ._lib import Handle, PhashError, check, fn

_vp = ctypes.c_void_p
_new = fn("phash_state_new", ctypes.c_int, ctypes.POINTER(_vp))
_open = fn("phash_state_open", ctypes.c_int, _vp, ctypes.c_char_p)
_free = fn("phash_state_free", None, _vp)
_rebuilt = fn("phash_state_rebuilt", ctypes.c_char_p, _vp)
_last_error = fn("phash_state_last_error", ctypes.c_char_p, _vp)
_count = fn("phash_state_count", ctypes.c_int, _vp, ctypes.c_int, ctypes.POINTER(ctypes.c_uint64))

COUNTS = {"files": 0, "matches": 1, "pending": 2}


class State(Handle):
    """A scan state opened (or created) at path. Give it to Scanner(state=...)
    or Scanner.set_state(); close it (or leave its with block) after the
    scanners using it have finished: closing a state a scan is using raises
    ValueError."""

    _release = staticmethod(_free)

    def __init__(self, path):
        h = _vp()
        check(_new(ctypes.byref(h)))
        self._handle = h.value
        self._users = weakref.WeakSet()  # scanners it is set on
        self.path = os.fsdecode(path)
        status = _open(self._handle, os.fsencode(path))
        if status != 0:
            detail = self._detail()
            super().close()
            check(status, lambda: detail)

    def _detail(self):
        msg = _last_error(self._handle) if self._handle else None
        return msg.decode(errors="replace") if msg else ""

    @property
    def rebuilt(self):
        """None, or why the file found at open was set aside (PATH.corrupt)
        and a new state begun."""
        with self._lock:
            msg = _rebuilt(self._live())
        return msg.decode(errors="replace") if msg else None

    def count(self, what="files"):
        """How many 'files' are stored, 'matches' recorded (delivered or
        not), or 'pending' matches not yet delivered."""
        if what not in COUNTS:
            raise ValueError(f"count: 'files', 'matches' or 'pending', got {what!r}")
        out = ctypes.c_uint64()
        with self._lock:
            check(_count(self._live(), COUNTS[what], ctypes.byref(out)), self._detail)
        return out.value

    def _attach(self, scanner):
        self._live()
        self._users.add(scanner)

    def _detach(self, scanner):
        self._users.discard(scanner)

    def close(self):
        """Close the state (every stored file is already durable). The
        scanners it is set on let go of it first; ValueError while one of
        them is scanning."""
        for scanner in list(getattr(self, "_users", ())):
            try:
                scanner.set_state(None)
            except PhashError:
                raise ValueError("State.close: a scan is using this state") from None
        super().close()

    def __repr__(self):
        if not self._handle:
            return f"State({self.path!r}, closed)"
        return f"State({self.path!r}, {self.count('files')} files)"
