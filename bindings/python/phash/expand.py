# SPDX-License-Identifier: MIT
"""Query-side expansions: more views of one image (uniform borders removed,
the embedded picture of a screenshot or meme) to hash besides the whole image."""
import ctypes
from collections import namedtuple

from ._lib import Handle, PhashError, check, fn
from .image import Image

KINDS = {"orig": 0x01, "border": 0x02, "embedded": 0x04}
_KIND_NAMES = {v: k for k, v in KINDS.items()}
OPTIONS = {"kinds": 1, "max_views": 2, "border_tolerance": 3, "min_area_percent": 4}
MAX_VIEWS = 3

View = namedtuple("View", "kind x y width height")
View.__doc__ = "A rectangle of an image and what it is ('orig', 'border', 'embedded')."


class _ViewC(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("x", ctypes.c_uint32), ("y", ctypes.c_uint32),
                ("width", ctypes.c_uint32), ("height", ctypes.c_uint32)]


_c_void_pp = ctypes.POINTER(ctypes.c_void_p)
_new = fn("phash_expander_new", ctypes.c_int, _c_void_pp)
_free = fn("phash_expander_free", None, ctypes.c_void_p)
_set = fn("phash_expander_set_option", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
_get = fn("phash_expander_get_option", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_detect = {k: fn("phash_expand_" + k, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                 ctypes.POINTER(_ViewC), ctypes.POINTER(ctypes.c_int))
           for k in ("border", "embedded")}
_views = fn("phash_expand_views", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.POINTER(_ViewC), ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t))
_view_image = fn("phash_view_image", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_ViewC),
                 _c_void_pp)
_parse = fn("phash_view_kinds_parse", ctypes.c_int, ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_uint))
_last_error = fn("phash_expander_last_error", ctypes.c_char_p, ctypes.c_void_p)


def parse_kinds(text):
    """'border,embedded' / 'all' / 'none' -> the set of expansion names."""
    mask = ctypes.c_uint()
    check(_parse(text.encode(), ctypes.byref(mask)))
    return {n for n, bit in KINDS.items() if mask.value & bit}


def _view(c):
    return View(_KIND_NAMES.get(c.kind, "unknown"), c.x, c.y, c.width, c.height)


class Expander(Handle):
    """Expander(kinds={'border', 'embedded'}, max_views=3, border_tolerance=24,
    min_area_percent=10): finds the views of an Image worth hashing. One per
    thread."""

    _release = staticmethod(_free)

    def __init__(self, kinds=("border", "embedded"), max_views=MAX_VIEWS, border_tolerance=24,
                 min_area_percent=10):
        out = ctypes.c_void_p()
        check(_new(ctypes.byref(out)))
        self._handle = out.value
        if isinstance(kinds, str):
            kinds = parse_kinds(kinds)
        mask = 0
        for k in kinds:
            if k not in KINDS or k == "orig":
                raise ValueError(f"unknown expansion {k!r}")
            mask |= KINDS[k]
        for name, value in (("kinds", mask), ("max_views", max_views),
                            ("border_tolerance", border_tolerance),
                            ("min_area_percent", min_area_percent)):
            check(_set(self._handle, OPTIONS[name], int(value)), self._detail)

    def _detail(self):
        msg = _last_error(self._handle)
        return msg.decode(errors="replace") if msg else None

    def option(self, name):
        return _get(self._handle, OPTIONS[name])

    def _run(self, which, image):
        v, found = _ViewC(), ctypes.c_int()
        check(_detect[which](self._handle, image.handle, ctypes.byref(v), ctypes.byref(found)),
              self._detail)
        return _view(v) if found.value else None

    def border(self, image: Image):
        """The content box left by removing uniform borders, or None."""
        return self._run("border", image)

    def embedded(self, image: Image):
        """The dominant picture inside a larger canvas, or None."""
        return self._run("embedded", image)

    def views(self, image: Image):
        """[View('orig', 0, 0, w, h), then the border box and the embedded
        picture when found], capped at max_views."""
        arr, n = (_ViewC * MAX_VIEWS)(), ctypes.c_size_t()
        check(_views(self._handle, image.handle, arr, MAX_VIEWS, ctypes.byref(n)), self._detail)
        return [_view(arr[i]) for i in range(n.value)]


def view_image(image: Image, view):
    """An Image of the view's pixels (no copy; valid while `image` is)."""
    c = _ViewC(KINDS.get(view.kind, 0), view.x, view.y, view.width, view.height)
    out = ctypes.c_void_p()
    check(_view_image(image.handle, ctypes.byref(c), ctypes.byref(out)))
    return Image(out.value, keepalive=image)
