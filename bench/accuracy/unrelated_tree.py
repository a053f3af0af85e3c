# SPDX-License-Identifier: MIT
"""Unrelated pictures taken as they are found in unpacked Debian packages
(run.py --unrelated-tree DIR): every regular file under DIR whose first bytes
the library sniffs as an image format it decodes, both sides >= 128 pixels,
exact copies (SHA-256) kept once. Near-copies (the same picture at several
sizes, as wallpaper packages ship them) are dropped after hashing by
near_copies(). The pictures are hashed at their own size, not re-encoded.

Each picture is classed by its pixels (classify()): "photo" when it has many
colours and no dominant one (photos, paintings, renders), "synthetic"
otherwise (clip art, sprites on a flat background, maps, flags, icons).
"""
import collections
import hashlib
import json
import os

import numpy as np

import phash

MIN_SIDE = 128
MAX_BYTES = 64 << 20


def _image_formats():
    return {name for name, f in phash.formats().items()
            if f["kind"] == "image" and f["supported"]}


def _size_of(path):
    """(width, height) from the header (Pillow reads no pixels), None if
    Pillow cannot tell."""
    from PIL import Image
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:
        return None


def walk(roots, known_src, log, cache_path=None):
    """Files under roots that are decodable images with both sides >=
    MIN_SIDE, one per SHA-256. Returns (pictures, counts); a picture is a
    dict path, package, relpath, format, sha256. known_src: (package,
    relpath) of the known originals, left out. With cache_path, the survey
    of an unchanged file (size, mtime) is reused."""
    cache = {}
    if cache_path and os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    formats = _image_formats()
    counts = collections.Counter()
    seen, out = set(), []
    for root in roots:
        root = os.path.abspath(root)
        for d, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(d, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                counts["files"] += 1
                rel = os.path.relpath(path, root)
                package, _, relpath = rel.partition(os.sep)
                st = os.stat(path)
                key = f"{st.st_size}:{st.st_mtime_ns}"
                hit = cache.get(path)
                if not hit or hit[0] != key:
                    hit = [key] + _survey(path, st.st_size, formats)
                    cache[path] = hit
                fmt, size, digest = hit[1], hit[2], hit[3]
                if fmt is None:
                    continue
                counts["images"] += 1
                if (package, relpath) in known_src:
                    counts["known original"] += 1
                    continue
                if size is None or min(size) < MIN_SIDE:
                    counts[f"side < {MIN_SIDE}"] += 1
                    continue
                if digest in seen:
                    counts["exact copy"] += 1
                    continue
                seen.add(digest)
                out.append({"path": path, "package": package, "relpath": relpath,
                            "format": fmt, "sha256": digest})
    if cache_path:
        with open(cache_path + ".tmp", "w") as f:
            json.dump(cache, f)
        os.replace(cache_path + ".tmp", cache_path)
    print(f"unrelated tree: {counts['files']} files, {counts['images']} images, "
          f"{len(out)} kept", file=log, flush=True)
    return out, counts


def _survey(path, nbytes, formats):
    """[format or None, (w, h) or None, sha256 or None] of one file."""
    if nbytes < 16 or nbytes > MAX_BYTES:
        return [None, None, None]
    with open(path, "rb") as f:
        data = f.read()
    fmt = phash.sniff(data[:512])
    if fmt not in formats:
        return [None, None, None]
    return [fmt, _size_of(path), hashlib.sha256(data).hexdigest()]


def classify(img):
    """'photo' or 'synthetic' from about 4,096 pixels of a decoded image: a
    photo has >= 600 distinct colours (5 bits per channel) among them and
    no colour on more than 15% of them."""
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None].repeat(3, axis=2)
    a = a[:, :, :3]
    sy, sx = max(1, a.shape[0] // 64), max(1, a.shape[1] // 64)
    s = (a[::sy, ::sx].reshape(-1, 3) >> 3).astype(np.int32)
    codes = (s[:, 0] << 10) | (s[:, 1] << 5) | s[:, 2]
    _, n = np.unique(codes, return_counts=True)
    photo = len(n) >= 600 and n.max() <= 0.15 * len(codes)
    return "photo" if photo else "synthetic"


def near_copies(paths, pdq, phash_codes, same_picture, radius_pdq=40, radius_phash=12):
    """Indices to drop so that one picture of each group of near-copies is
    kept (the first): pairs within a loose radius (PDQ dihedral or pHash)
    that same_picture() confirms on thumbnails. pdq: [n, 8, 32] uint8 (the 8
    dihedral hashes), phash_codes: [n] uint64."""
    n = len(paths)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    candidates = set()
    ix = phash.Index(256)
    ix.add([bytes(pdq[i, 0]) for i in range(n)], list(range(n)))
    ix.build()
    step = 4096
    for lo in range(0, n, step):
        rows = range(lo, min(lo + step, n))
        qs = [[bytes(pdq[r, v]) for v in range(8)] for r in rows]
        for r, hits in zip(rows, ix.search(qs, radius_pdq, dihedral=True)):
            candidates.update((min(r, h.id), max(r, h.id)) for h in hits if h.id != r)
    ix.close()
    ix = phash.Index(64)
    ix.add([int(c) for c in phash_codes], list(range(n)))
    ix.build()
    for lo in range(0, n, step):
        rows = range(lo, min(lo + step, n))
        for r, hits in zip(rows, ix.search([int(phash_codes[r]) for r in rows], radius_phash)):
            candidates.update((min(r, h.id), max(r, h.id)) for h in hits if h.id != r)
    ix.close()
    for a, b in sorted(candidates):
        if find(a) != find(b) and same_picture(paths[a], paths[b]):
            parent[max(find(a), find(b))] = min(find(a), find(b))
    return {i for i in range(n) if find(i) != i}, len(candidates)
