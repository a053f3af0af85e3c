# SPDX-License-Identifier: MIT
"""Loading libphash and declaring its functions (ctypes)."""
import ctypes
import os

SONAME = "libphash.so.0"
REQUIRED_MAJOR = 0


def _candidates():
    """Where to look, in order: PHASH_LIBRARY, the libdir that `meson install`
    recorded beside this package, then the dynamic linker's search path."""
    env = os.environ.get("PHASH_LIBRARY")
    if env:
        return [env]
    names = []
    try:
        from ._paths import LIBDIR
    except ImportError:
        pass
    else:
        names.append(os.path.join(LIBDIR, SONAME))
    return names + [SONAME]


def _load():
    tried = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError:
            tried.append(name)
    raise ImportError(
        f"phash: cannot load the C library libphash (tried {', '.join(tried)}): "
        "install it (meson install, as root) or set PHASH_LIBRARY to the path of libphash.so.0")


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
    """Raise PhashError for a non-zero status; detail() gives the handle's message."""
    if status != 0:
        msg = detail() if detail else None
        if not msg:
            msg = strerror(status).decode()
        raise PhashError(status, msg)


version_number = fn("phash_version", ctypes.c_uint)
version_string = fn("phash_version_string", ctypes.c_char_p)

_major = version_number() // 10000
if _major != REQUIRED_MAJOR:
    raise ImportError(f"phash: libphash major version {_major}, this binding needs {REQUIRED_MAJOR}")


class Handle:
    """Base of the wrapper classes: owns one C handle, released once by
    close(), by a with statement, or when garbage-collected. Subclasses set
    _release to the C free function."""

    _handle = None
    _release = None

    def close(self):
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
