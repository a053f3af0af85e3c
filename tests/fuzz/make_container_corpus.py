#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the corpus of the container fuzz target (tests/fuzz/corpus/container):
archives of every kind phash opens around small pictures, and hostile ones
(nesting past the limit, too many members, bombs, overlapping ZIP entries,
hostile member names, encrypted 7z), plus for each seed its truncations
(10/50/90 %) and 4 copies with one flipped byte. Deterministic except the
7z files (written by p7zip's 7z, when installed).

    python3 tests/fuzz/make_container_corpus.py tests/fuzz/corpus/container
"""
import bz2
import gzip
import io
import lzma
import os
import random
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "containers")
T0 = (2020, 1, 1, 0, 0, 0)


def pictures():
    out = {}
    for name in ("sample.jpg", "sample.png", "sample.gif", "sample.webp"):
        with open(os.path.join(DATA, name), "rb") as f:
            out[name] = f.read()
    return out


def zip_of(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, T0)
            info.compress_type = method
            z.writestr(info, data)
    return b.getvalue()


def tar_of(members, mode="w"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), 1577836800
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


def overlapping_zip(n):
    """n central-directory entries pointing at one deflated 1 MiB member
    (an overlapping-files bomb: each entry inflates the same bytes)."""
    one = zip_of([("a", b"\0" * (1 << 20))])
    cd_at = struct.unpack("<I", one[-6:-2])[0]
    local, cd = one[:cd_at], one[cd_at:-22]
    # the one entry (46 bytes, name "a", no extra field) renamed "0000", "0001", ...
    entries = b"".join(cd[:28] + struct.pack("<H", 4) + cd[30:46] + (b"%04d" % i)
                       for i in range(n))
    eocd = struct.pack("<4s4H2LH", b"PK\5\6", 0, 0, n, n, len(entries), len(local), 0)
    return local + entries + eocd


def seeds(pics):
    jpg, png, gif, webp = (pics[k] for k in ("sample.jpg", "sample.png", "sample.gif",
                                             "sample.webp"))
    two = [("photos/a.jpg", jpg), ("photos/b.png", png), ("notes.txt", b"hello\n")]
    s = {
        "deflate.zip": zip_of(two),
        "store.zip": zip_of(two, zipfile.ZIP_STORED),
        "bzip2.zip": zip_of(two, zipfile.ZIP_BZIP2),
        "lzma.zip": zip_of(two, zipfile.ZIP_LZMA),
        "doc.docx": zip_of([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>"),
                            ("word/media/image1.gif", gif)]),
        "book.epub": zip_of([("mimetype", b"application/epub+zip"),
                             ("OEBPS/images/c.webp", webp)]),
        "plain.tar": tar_of(two),
        "gz.tar.gz": tar_of(two, "w:gz"),
        "bz2.tar.bz2": tar_of(two, "w:bz2"),
        "xz.tar.xz": tar_of(two, "w:xz"),
        "single.jpg.gz": gzip.compress(jpg, mtime=0),
        "single.jpg.bz2": bz2.compress(jpg),
        "single.jpg.xz": lzma.compress(jpg),
        "nested.zip": zip_of([("in.tar", tar_of([("x.gz", gzip.compress(gif, mtime=0))]))]),
        "too-many.zip": zip_of([("m%03d.txt" % i, b"%d" % i) for i in range(100)]),
        "bomb.zip": zip_of([("zeros", b"\0" * (10 << 20)), ("after.gif", gif)]),
        "bomb.tar.gz": tar_of([("zeros", b"\0" * (10 << 20)), ("after.gif", gif)], "w:gz"),
        "overlap.zip": overlapping_zip(40),
        "names.zip": zip_of([("../../../../tmp/evil.gif", gif), ("/abs/path.gif", gif),
                             ("c:\\win\\x.gif", gif), ("dir/", b""), ("", gif)]),
        "empty.zip": zip_of([]),
        "empty.tar": tar_of([]),
    }
    deep = gif
    for i in range(5):
        deep = zip_of([("level%d" % i, deep)])
    s["deep.zip"] = deep
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, typ in (("link", tarfile.SYMTYPE), ("hard", tarfile.LNKTYPE),
                          ("fifo", tarfile.FIFOTYPE), ("dev", tarfile.CHRTYPE)):
            ti = tarfile.TarInfo(name)
            ti.type, ti.linkname = typ, "photos/a.jpg"
            t.addfile(ti)
        ti = tarfile.TarInfo("photos/a.jpg")
        ti.size = len(jpg)
        t.addfile(ti, io.BytesIO(jpg))
    s["special.tar"] = b.getvalue()
    if shutil.which("zstd"):
        s["zstd.tar.zst"] = subprocess.run(["zstd", "-q", "-c", "-19"], input=tar_of(two),
                                           stdout=subprocess.PIPE, check=True).stdout
    if shutil.which("7z"):
        with tempfile.TemporaryDirectory() as d:
            for name, data in two:
                p = os.path.join(d, "src", name)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(data)
            for out, extra in (("plain.7z", []), ("solid-lzma2.7z", ["-ms=on", "-m0=lzma2"]),
                               ("bzip2.7z", ["-m0=bzip2"]), ("crypt.7z", ["-pfuzz"])):
                subprocess.run(["7z", "a", "-bd", "-bso0", os.path.join(d, out)] + extra +
                               ["photos", "notes.txt"], cwd=os.path.join(d, "src"), check=True)
                with open(os.path.join(d, out), "rb") as f:
                    s[out] = f.read()
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(16)
    for name, data in sorted(seeds(pictures()).items()):
        variants = {name: data}
        for pct in (10, 50, 90):
            variants[f"{name}.trunc{pct}"] = data[:len(data) * pct // 100]
        for k in range(4):
            if data:
                b = bytearray(data)
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
                variants[f"{name}.flip{k}"] = bytes(b)
        for vname, v in variants.items():
            with open(os.path.join(out, vname), "wb") as f:
                f.write(v)


if __name__ == "__main__":
    main()
