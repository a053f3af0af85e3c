# SPDX-License-Identifier: MIT
"""Query-side expansions through the bindings, on constructed images whose
answer is known to the pixel."""
import unittest

import phash
from phash.expand import Expander, View, parse_kinds, view_image


def picture(w, h, seed):
    """Photo-like RGB bytes (waves plus pseudo-random texture)."""
    out = bytearray(w * h * 3)
    s = seed
    for y in range(h):
        for x in range(w):
            for k in range(3):
                s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
                out[(y * w + x) * 3 + k] = 60 + (x * (3 + k) + y * 5) % 97 + (s >> 8) % 64
    return out


def framed(pw, ph, left, top, right, bottom, colour, seed=1):
    """The picture inside a flat border of the given widths."""
    w, h = pw + left + right, ph + top + bottom
    buf = bytearray(bytes(colour) * (w * h))
    pic = picture(pw, ph, seed)
    for y in range(ph):
        o = ((y + top) * w + left) * 3
        buf[o:o + pw * 3] = pic[y * pw * 3:(y + 1) * pw * 3]
    return buf, w, h, pic


class TestExpand(unittest.TestCase):
    def test_border_box_and_view_hash(self):
        buf, w, h, pic = framed(120, 90, 11, 7, 13, 9, (255, 255, 255))
        img = phash.Image.from_buffer(buf, w, h, "RGB")
        with Expander() as ex:
            self.assertEqual(ex.border(img), View("border", 11, 7, 120, 90))
            self.assertIsNone(ex.embedded(phash.Image.from_buffer(pic, 120, 90, "RGB")))
            views = ex.views(img)
        self.assertEqual(views[0], View("orig", 0, 0, w, h))
        self.assertEqual(views[1], View("border", 11, 7, 120, 90))
        view = view_image(img, views[1])
        self.assertEqual((view.width, view.height), (120, 90))
        alone = phash.Image.from_buffer(pic, 120, 90, "RGB")
        with phash.PdqHasher() as pdq, phash.PHasher() as ph:
            self.assertEqual(pdq.hash(view).hash.hex, pdq.hash(alone).hash.hex)
            self.assertEqual(ph.hash(view).value, ph.hash(alone).value)

    def test_letterbox_listed_once(self):
        buf, w, h, _ = framed(160, 90, 0, 35, 0, 35, (0, 0, 0), seed=2)
        img = phash.Image.from_buffer(buf, w, h, "RGB")
        with Expander() as ex:
            self.assertEqual(ex.views(img), [View("orig", 0, 0, 160, 160),
                                             View("border", 0, 35, 160, 90)])
        with Expander(kinds="embedded") as ex:
            self.assertEqual(ex.views(img), [View("orig", 0, 0, 160, 160),
                                             View("embedded", 0, 35, 160, 90)])
        with Expander(max_views=1) as ex:
            self.assertEqual(len(ex.views(img)), 1)

    def test_options_and_errors(self):
        self.assertEqual(parse_kinds("border,embedded"), {"border", "embedded"})
        self.assertEqual(parse_kinds("none"), set())
        with self.assertRaises(phash.PhashError):
            parse_kinds("orig")
        with self.assertRaises(phash.PhashError) as cm:
            Expander(max_views=4)
        self.assertEqual(str(cm.exception), "expand: value 4 out of range for option 2")
        with self.assertRaises(ValueError):
            Expander(kinds={"rot5"})
        with Expander(border_tolerance=10, min_area_percent=30) as ex:
            self.assertEqual(ex.option("border_tolerance"), 10)
            self.assertEqual(ex.option("min_area_percent"), 30)
        img = phash.Image.from_buffer(bytes(64 * 64 * 3), 64, 64, "RGB")
        with self.assertRaises(phash.PhashError):
            view_image(img, View("orig", 60, 0, 5, 10))


class TestAlertPolicy(unittest.TestCase):
    def test_default_rule_and_options(self):
        with phash.AlertPolicy() as p:
            self.assertEqual(p.decide(pdq=31), "alert")
            self.assertEqual(p.decide(pdq=32), "weak")
            self.assertEqual(p.decide(phash=4), "weak")          # pHash alone
            self.assertEqual(p.decide(phash=3), "alert")         # within its alone radius
            self.assertEqual(p.decide(pdq=56, phash=10), "alert")
            self.assertEqual(p.decide(pdq=57, phash=10), "weak")
            self.assertEqual(p.decide(pdq=20, pdq_quality=49), "none")
            self.assertEqual(p["phash_needs_pdq"], 56)
        with phash.AlertPolicy(phash_alone_radius=-1) as p:
            self.assertEqual(p["phash_alone_radius"], -1)
            self.assertEqual(p.decide(phash=0), "weak")
        with phash.AlertPolicy(phash_needs_pdq=-1) as p:
            self.assertEqual(p.decide(phash=10), "alert")
        with self.assertRaises(phash.PhashError):
            phash.AlertPolicy(pdq_radius=300)


if __name__ == "__main__":
    unittest.main()
