# SPDX-License-Identifier: MIT
"""Loading libphash and declaring its functions (ctypes)."""
import ctypes
import os
import threading

REQUIRED_MAJOR = 0


def library_name(osname=os.name):
    """libphash's file name: libphash-0.dll on Windows (meson's name for a
    DLL of soversion 0, installed to bindir), else its SONAME."""
    return "libphash-0.dll" if osname == "nt" else "libphash.so.0"


SONAME = library_name()


def _candidates(osname=os.name, env=os.environ):
    """Where to look, in order: PHASH_LIBRARY, the folders that `meson install`
    recorded beside this package (bindir first on Windows, where DLLs go),
    then the system's search path."""
    if env.get("PHASH_LIBRARY"):
        return [env["PHASH_LIBRARY"]]
    name = library_name(osname)
    names = []
    try:
        from . import _paths
    except ImportError:
        pass
    else:
        dirs = [getattr(_paths, "BINDIR", None), _paths.LIBDIR] if osname == "nt" else [_paths.LIBDIR]
        names += [os.path.join(d, name) for d in dirs if d]
    return names + [name]


def _load():
    tried = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError:
            tried.append(name)
    raise ImportError(
        f"phash: cannot load the C library libphash (tried {', '.join(tried)}): "
        f"install it (meson install, as root) or set PHASH_LIBRARY to the path of {SONAME}")


lib = _load()


class PhashError(Exception):
    """A phash function failed. `status` is the phash_status number, `name` its
    symbolic name; str() is the library's message (with detail when known)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.name = status_name(status)


def fn(name, restype, *argtypes):
    """Declare lib.name; returns the function, or None when the loaded library
    predates it (so a newer binding still imports against an older library)."""
    f = getattr(lib, name, None)
    if f is None:
        return None
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


strerror = fn("phash_strerror", ctypes.c_char_p, ctypes.c_int)
_status_name = fn("phash_status_name", ctypes.c_char_p, ctypes.c_int)


def status_name(status):
    """The status's symbolic name without the PHASH_ prefix ("ERR_TRUNCATED")."""
    return _status_name(status).decode().removeprefix("PHASH_")


def check(status, detail=None):
    """Raise PhashError for a non-zero status; detail() gives the handle's
    message. A detail left from an earlier call (a handle whose last error is
    "success", or another status's message) is not this error's: the
    status's own message is used then."""
    if status != 0:
        msg = detail() if detail else None
        if not msg or msg == strerror(0).decode():
            msg = strerror(status).decode()
        raise PhashError(status, msg)


def new_handle(constructor, *args):
    """Call a phash_X_new(..., phash_X **out) constructor; the new handle's
    address, or PhashError with the constructor's status."""
    out = ctypes.c_void_p()
    check(constructor(*args, ctypes.byref(out)))
    return out.value


def int_arg(value, arg, lo, hi):
    """value as an int in [lo, hi], or TypeError / ValueError naming `arg`
    (ctypes would silently wrap a negative or oversized number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = value.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"{arg}: expected an integer, got {type(value).__name__}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{arg}: {value} is out of range ({lo} to {hi})")
    return value


U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1


version_number = fn("phash_version", ctypes.c_uint)
version_string = fn("phash_version_string", ctypes.c_char_p)

_major = version_number() // 10000
if _major != REQUIRED_MAJOR:
    raise ImportError(f"phash: libphash major version {_major}, this binding needs {REQUIRED_MAJOR}")


class Handle:
    """Base of the wrapper classes: owns one C handle, released once by
    close(), by a with statement, or when garbage-collected. Subclasses set
    _release to the C free function.

    Each wrapper has a lock (_lock) that its methods hold around the C calls
    on a handle the C library wants used by one thread at a time (hashers,
    decoders, signature sets): ctypes releases the GIL, so a hasher shared by
    several Python threads would otherwise mix their work buffers and return
    wrong hashes silently. Sharing is then safe, only serialised: one object
    per thread is still what runs in parallel."""

    _handle = None
    _release = None

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj._lock = threading.RLock()
        return obj

    def _live(self):
        """The C handle; ValueError once closed (call with _lock held)."""
        if not self._handle:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._handle

    def close(self):
        with self._lock:
            handle, self._handle = self._handle, None
            if handle:
                type(self)._release(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
