#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the HEIF/AVIF files of tests/data/isobmff/ by editing the boxes of
tests/data/containers/sample.heic and sample.avif (ImageMagick + libheif /
libavif writes no irot, imir or clap, and no hostile grid):

- <base>-rot<R>[-mir<A>].heic: the primary item gets irot (R quarter turns
  anti-clockwise) and then imir (axis A), both essential;
- sample-mir<A>-rot<R>.heic: imir before irot (they apply in ipma order);
- sample-clap.heic: a clean aperture of 64x40 at the centre, then irot 1;
- grid-*.heic / grid-*.avif: the grid's tile 'ispe' or layout changed (a
  tile bigger than the output, tiles that do not cover it, a whole column
  of tiles outside it, fewer references than tiles, a tile whose 'ispe' is
  smaller than what its HEVC stream codes);
- overlay.heic: the grid item of sample.heic made an overlay ('iovl') of
  its tile;
- sample-ispe-lie.avif: sample.avif whose ispe says 16x16.

Every other box is kept; iloc offsets into the file are moved by what the
meta box grew. The output is committed; rerun to regenerate:

    tests/make_isobmff_samples.py tests/data/containers tests/data/isobmff
"""
import os
import struct
import sys


def boxes(d, off, end):
    while off < end:
        size, typ = struct.unpack(">I4s", d[off:off + 8])
        head = 8
        if size == 1:
            size = struct.unpack(">Q", d[off + 8:off + 16])[0]
            head = 16
        elif size == 0:
            size = end - off
        yield typ, d[off + head:off + size]
        off += size


def box(typ, body):
    return struct.pack(">I4s", 8 + len(body), typ) + body


def full(typ, version, flags, body):
    return box(typ, struct.pack(">I", version << 24 | flags) + body)


class File:
    def __init__(self, data):
        self.top = list(boxes(data, 0, len(data)))
        meta = dict(self.top)[b"meta"]
        self.meta_head = meta[:4]
        self.meta = list(boxes(meta, 4, len(meta)))
        self.old_meta_len = 8 + len(meta)
        iprp = self.child(b"iprp")
        self.iprp = list(boxes(iprp, 0, len(iprp)))
        ipco = dict(self.iprp)[b"ipco"]
        self.props = [box(t, b) for t, b in boxes(ipco, 0, len(ipco))]
        self.ipma = self.parse_ipma(dict(self.iprp)[b"ipma"])
        self.primary = struct.unpack(">H", self.child(b"pitm")[4:6])[0]

    def child(self, typ):
        return dict(self.meta)[typ]

    def set_child(self, typ, body):
        self.meta = [(t, body if t == typ else b) for t, b in self.meta]

    @staticmethod
    def parse_ipma(b):
        version, flags = b[0], int.from_bytes(b[1:4], "big")
        assert version == 0 and not flags & 1
        n = struct.unpack(">I", b[4:8])[0]
        at, entries = 8, []
        for _ in range(n):
            item, count = struct.unpack(">HB", b[at:at + 3])
            entries.append([item, list(b[at + 3:at + 3 + count])])
            at += 3 + count
        return entries

    def add_property(self, prop, item=None, essential=True):
        self.props.append(prop)
        item = self.primary if item is None else item
        for e in self.ipma:
            if e[0] == item:
                e[1].append(len(self.props) | (0x80 if essential else 0))
        return len(self.props)

    def tile_ispe(self):
        """The index (1-based) of the ispe of the first non-primary item."""
        for item, assoc in self.ipma:
            if item != self.primary:
                for a in assoc:
                    if self.props[(a & 0x7f) - 1][4:8] == b"ispe":
                        return (a & 0x7f) - 1

    def write(self):
        ipma = struct.pack(">II", 0, len(self.ipma)) + b"".join(
            struct.pack(">HB", i, len(a)) + bytes(a) for i, a in self.ipma)
        iprp = box(b"ipco", b"".join(self.props)) + box(b"ipma", ipma)
        self.set_child(b"iprp", iprp)
        meta = self.meta_head + b"".join(box(t, b) for t, b in self.meta)
        delta = 8 + len(meta) - self.old_meta_len
        self.set_child(b"iloc", self.moved_iloc(self.child(b"iloc"), delta))
        meta = self.meta_head + b"".join(box(t, b) for t, b in self.meta)
        return b"".join(box(t, meta if t == b"meta" else b) for t, b in self.top)

    @staticmethod
    def moved_iloc(b, delta):
        """iloc with every file offset (construction method 0) moved: the
        base offset when there is one, else each extent's offset."""
        b = bytearray(b)
        version = b[0]
        osz, lsz, bsz = b[4] >> 4, b[4] & 15, b[5] >> 4
        isz = b[5] & 15 if version else 0
        assert osz in (0, 4) and bsz in (0, 4) and osz or bsz
        n = struct.unpack(">H", b[6:8])[0]
        at = 8

        def move(at):
            off = struct.unpack(">I", b[at:at + 4])[0]
            b[at:at + 4] = struct.pack(">I", off + delta)

        for _ in range(n):
            at += 2
            method = 0
            if version:
                method = struct.unpack(">H", b[at:at + 2])[0] & 15
                at += 2
            at += 2
            if bsz and method == 0:
                move(at)
            at += bsz
            extents = struct.unpack(">H", b[at:at + 2])[0]
            at += 2
            for _ in range(extents):
                at += isz
                if not bsz and method == 0:
                    move(at)
                at += osz + lsz
        return bytes(b)


def irot(r):
    return box(b"irot", bytes([r]))


def imir(a):
    return box(b"imir", bytes([a]))


def clap(w, h):
    # width, height, horizontal and vertical offsets (fractions), centred
    return box(b"clap", struct.pack(">8I", w, 1, h, 1, 0, 1, 0, 1))


def ispe(w, h):
    return full(b"ispe", 0, 0, struct.pack(">II", w, h))


def edited(src, edit):
    f = File(src)
    edit(f)
    return f.write()


def set_tile_ispe(w, h):
    def edit(f):
        f.props[f.tile_ispe()] = ispe(w, h)
    return edit


def set_grid(rows, cols, out_w, out_h, refs=None):
    """The grid item's description (in idat) and, with refs, its dimg list."""
    def edit(f):
        idat = f.child(b"idat")
        assert len(idat) in (8, 12)
        wide = len(idat) == 12
        f.set_child(b"idat", struct.pack(">BBBB" + ("II" if wide else "HH"), 0, int(wide),
                                         rows - 1, cols - 1, out_w, out_h))
        primary_ispe = [a & 0x7f for i, a0 in f.ipma if i == f.primary for a in a0
                        if f.props[(a & 0x7f) - 1][4:8] == b"ispe"]
        for k in primary_ispe:
            f.props[k - 1] = ispe(out_w, out_h)
        if refs is not None:
            iref = f.child(b"iref")
            head, body = iref[:4], list(boxes(iref, 4, len(iref)))
            out = b""
            for t, b in body:
                if t == b"dimg":
                    frm = b[:2]
                    tile = b[4:6]
                    b = frm + struct.pack(">H", refs) + tile * refs
                out += box(t, b)
            f.set_child(b"iref", head + out)
    return edit


def main(src_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    heic = open(os.path.join(src_dir, "sample.heic"), "rb").read()
    out = {}
    for r in range(4):
        out["sample-rot%d.heic" % r] = edited(heic, lambda f, r=r: f.add_property(irot(r)))
        for a in range(2):
            def both(f, r=r, a=a):
                f.add_property(irot(r))
                f.add_property(imir(a))
            out["sample-rot%d-mir%d.heic" % (r, a)] = edited(heic, both)
    for a in range(2):
        def mir_first(f, a=a):
            f.add_property(imir(a))
            f.add_property(irot(1))
        out["sample-mir%d-rot1.heic" % a] = edited(heic, mir_first)

    def crop(f):
        f.add_property(clap(64, 40))
        f.add_property(irot(1))
    out["sample-clap-rot1.heic"] = edited(heic, crop)
    # Grids (sample.heic is a 1x1 grid of a 96x64 tile shown as 96x60).
    out["grid-bigtile.heic"] = edited(heic, set_tile_ispe(8000, 8000))
    out["grid-smalltile.heic"] = edited(heic, set_tile_ispe(64, 64))
    out["grid-tile-ispe-lie.heic"] = edited(heic, set_tile_ispe(16, 16))
    out["grid-extracol.heic"] = edited(heic, set_grid(1, 2, 96, 60, refs=2))
    out["grid-fewrefs.heic"] = edited(heic, set_grid(2, 2, 192, 120))
    out["grid-many.heic"] = edited(heic, set_grid(64, 64, 96 * 64, 64 * 63 + 60, refs=4096))
    # The grid item turned into an overlay ('iovl') of its one tile at 0,0
    # on a 96x60 canvas (ImageOverlay with 16-bit fields: version, flags,
    # fill colour 4 x 16 bits, size, one offset pair: 18 bytes in idat).
    def overlay(f):
        f.set_child(b"iinf", f.child(b"iinf").replace(b"grid", b"iovl"))
        f.set_child(b"idat", struct.pack(">BB4HHHhh", 0, 0, 0, 0, 0, 65535, 96, 60, 0, 0))
        iloc = bytearray(f.child(b"iloc"))
        # item 2's extent length (the last 4 bytes): 8 -> 18
        assert iloc[-4:] == struct.pack(">I", 8)
        iloc[-4:] = struct.pack(">I", 18)
        f.set_child(b"iloc", bytes(iloc))
    out["overlay.heic"] = edited(heic, overlay)
    # AVIF: the 96x60 picture's ispe says 16x16 (dav1d codes 96x60).
    avif = open(os.path.join(src_dir, "sample.avif"), "rb").read()
    at = avif.find(b"ispe")
    out["sample-ispe-lie.avif"] = avif[:at + 8] + struct.pack(">II", 16, 16) + avif[at + 16:]
    for name, data in sorted(out.items()):
        with open(os.path.join(out_dir, name), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
