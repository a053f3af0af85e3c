# SPDX-License-Identifier: MIT
"""pHash / dctN bindings on caller pixel buffers."""
import unittest

import phash


def gradient(w, h):
    return bytes(((x * 7 + y * 3) ^ (x * y)) & 0xFF for y in range(h) for x in range(w))


class TestPHash(unittest.TestCase):
    def test_buffer_kinds_agree(self):
        px = gradient(64, 48)
        with phash.PHasher() as h:
            with phash.Image.from_buffer(px, 64, 48, "L") as a, \
                    phash.Image.from_buffer(bytearray(px), 64, 48, "L") as b:
                ha, hb = h.hash(a), h.hash(b)
        self.assertEqual(ha, hb)
        self.assertGreater(ha.quality, 0)

    def test_grey_equals_rgb_with_equal_channels(self):
        # pHash's integer luma maps (v, v, v) to about 16 + 219 v / 255, not v,
        # so grey and RGB inputs are hashed from different values; equal
        # channels still give the same *ordering* of coefficients, and hence
        # the same bits, for this smooth image.
        px = gradient(64, 64)
        rgb = bytes(v for p in px for v in (p, p, p))
        with phash.PHasher() as h, phash.Image.from_buffer(px, 64, 64, "L") as g, \
                phash.Image.from_buffer(rgb, 64, 64, "RGB") as c:
            self.assertLessEqual(phash.u64_distance(h.hash(g), h.hash(c)), 2)

    def test_flat_image_is_flagged(self):
        with phash.PHasher() as h, phash.Image.from_buffer(bytes(64 * 64), 64, 64, "L") as img:
            r = h.hash(img)
            quality, flags = r.quality, r.flags
        self.assertEqual(quality, 0)
        self.assertIn("flat", flags)

    def test_layout_conversion(self):
        with phash.PHasher("0.9") as h09, phash.PHasher("1.0") as h10, \
                phash.Image.from_buffer(gradient(100, 80), 100, 80, "L") as img:
            v09, v10 = h09.hash(img).value, h10.hash(img).value
        self.assertEqual(phash.convert_layout(v09, "0.9", "1.0"), v10)
        self.assertEqual(phash.convert_layout(v10, "1.0", "0.9"), v09)


class TestDctN(unittest.TestCase):
    def test_backends_agree_and_size(self):
        px = gradient(200, 150)
        with phash.Image.from_buffer(px, 200, 150, "L") as img:
            for s in (8, 16, 32):
                with phash.DctNHasher(s, "matrix") as m, phash.DctNHasher(s, "fftw") as f:
                    bm, bf = m.hash(img), f.hash(img)
                self.assertEqual(len(bm.bytes), s * s // 8)
                self.assertEqual(bm.bytes, bf.bytes)
        with self.assertRaises(ValueError):
            phash.DctNHasher(12)


if __name__ == "__main__":
    unittest.main()
