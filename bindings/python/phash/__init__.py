# SPDX-License-Identifier: MIT
"""Python bindings for libphash (ctypes; no compiler needed).

The library is found through the PHASH_LIBRARY environment variable, then
the libdir recorded by `meson install` (phash/_paths.py), then the SONAME
libphash.so.0 through the dynamic linker's search path.

Thread safety: ctypes releases the GIL during calls, so the C library's
rules would apply (one decoder, hasher or signature set per thread). Each
wrapper holds a lock around its C calls instead, so an object shared by
threads gives right results, one call at a time: use one per thread to run
in parallel. An image from a Decoder is valid until that decoder decodes
again (in any thread): using it afterwards raises ValueError.
"""
from ._lib import PhashError, version_number, version_string
from .codes import PdqCode, u64_distance, u64_format, u64_parse
from .image import Decoder, Image, formats, sniff
from .index import Hit, Index, kernel_available
from .pdq import PdqHasher, PdqResult
from .sigset import LoadReport, Match, Matcher, SignatureSet
from .dct import DctNHasher, DctNResult, PHasher, PHashResult, convert_layout
from .scan import Report, Scanner, ScanHash, ScanMatch, scan
from .state import State
from .expand import Expander, View, view_image
from .alert import AlertPolicy
from .digest import Digest, digest_bytes, digest_file, is_empty_digest
from .video import VideoHasher, VideoMatch, VideoQuery, VpdqFrame, match_video, vpdq

__all__ = ["scan", "Scanner", "State", "Report", "ScanHash", "ScanMatch", "PhashError", "PdqCode", "u64_parse", "u64_format", "u64_distance", "Decoder",
           "Image", "formats", "sniff", "version", "version_info", "Index", "Hit", "kernel_available",
           "PHasher", "PHashResult", "DctNHasher", "DctNResult", "convert_layout", "PdqHasher", "PdqResult",
           "SignatureSet", "LoadReport", "Matcher", "Match", "Digest", "digest_bytes",
           "digest_file", "is_empty_digest", "Expander", "View", "view_image",
           "AlertPolicy", "VideoHasher", "VpdqFrame", "vpdq", "VideoQuery", "VideoMatch",
           "match_video"]


def version():
    """The loaded library's version string, e.g. '0.1.0'."""
    return version_string().decode()


def version_info():
    n = version_number()
    return (n // 10000, n // 100 % 100, n % 100)
