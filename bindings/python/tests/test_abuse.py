# SPDX-License-Identifier: MIT
"""Misuse from Python must raise clear errors naming the argument, never
crash, read outside a buffer or give wrong results silently (issue 17)."""
import os
import random
import threading
import unittest

import phash


def pixels(seed, w=192, h=160):
    """RGB pixels of smooth bands plus noise: hashes differ per seed."""
    rnd = random.Random(seed)
    fx, fy = rnd.randint(1, 9), rnd.randint(1, 9)
    out = bytearray(w * h * 3)
    for y in range(h):
        for x in range(w):
            v = ((x * fx + y * fy) * 7 + rnd.randint(0, 40)) & 0xFF
            i = (y * w + x) * 3
            out[i:i + 3] = bytes((v, (v * 3) & 0xFF, 255 - v))
    return bytes(out)


class Arguments(unittest.TestCase):
    def test_negative_or_short_stride_is_refused(self):
        buf = bytearray(64 * 64 * 3)
        for stride in (-1, -3, -192, 0, 191):
            with self.assertRaises(ValueError) as cm:
                phash.Image.from_buffer(buf, 64, 64, "RGB", stride=stride)
            self.assertIn("stride", str(cm.exception))
        for w, h in ((0, 64), (64, -1), (1 << 32, 1)):
            with self.assertRaises(ValueError):
                phash.Image.from_buffer(buf, w, h, "RGB")
        with self.assertRaises(ValueError) as cm:
            phash.Image.from_buffer(buf, 64, 65, "RGB")
        self.assertIn("buf", str(cm.exception))
        with phash.Image.from_buffer(buf, 64, 64, "RGB", stride=192) as img:
            self.assertEqual((img.width, img.height, img.stride), (64, 64, 192))

    def test_short_pdq_code_is_refused(self):
        ix = phash.Index(256)
        for bad in (b"\x00" * 31, b"", "ab" * 31):
            with self.assertRaises(ValueError) as cm:
                ix.add([bad], [1])
            self.assertIn("codes[0]", str(cm.exception))
        with self.assertRaises(ValueError):
            phash.PdqCode(b"\x01" * 33)

    def test_radius_and_options_out_of_range(self):
        ix = phash.Index(64)
        ix.add([1, 3], [10, 11])
        ix.build()
        for kw, arg in ((dict(radius=65), "radius"), (dict(radius=-1), "radius"),
                        (dict(radius=3, k=-1), "k"), (dict(radius=3, threads=-2), "threads"),
                        (dict(radius=3, method="fast"), "method")):
            with self.assertRaises(ValueError) as cm:
                ix.search([1], **kw)
            self.assertTrue(str(cm.exception).startswith(arg + ":"), str(cm.exception))
            self.assertNotIn("success", str(cm.exception))
        with self.assertRaises(TypeError):
            ix.search([1], radius="3")
        self.assertEqual(ix.search([1], radius=64), [[(10, 0, 0), (11, 1, 0)]])
        with self.assertRaises(ValueError) as cm:
            ix.search([[1] * 7], radius=1, dihedral=True)
        self.assertIn("queries[0]", str(cm.exception))
        m = phash.Matcher()
        with self.assertRaises(ValueError):
            m.query("phash", 1, 65)
        with self.assertRaises(ValueError):
            m.query("pdq", "0" * 64, 257)
        self.assertEqual(m.query("phash", 1, 64), [])

    def test_decoder_limits_are_not_wrapped(self):
        with self.assertRaises(ValueError) as cm:
            phash.Decoder(max_pixels=-1)
        self.assertIn("max_pixels", str(cm.exception))
        with self.assertRaises(ValueError):
            phash.Decoder(max_width=1 << 32)
        with self.assertRaises(ValueError):
            phash.PdqHasher(fast=-1)

    def test_a_stale_detail_is_never_the_message(self):
        with self.assertRaises(phash.PhashError) as cm:
            phash._lib.check(2, lambda: "success")
        self.assertNotEqual(str(cm.exception), "success")


FORMATS = os.path.join(os.environ.get("PHASH_SHARED", "../shared"), "testdata", "formats")


class Hostile(unittest.TestCase):
    """Work budgets and trailing bytes reach Python as the C library sets them."""

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(FORMATS):
            msg = f"{FORMATS} is missing (test data from shared/)"
            if os.environ.get("PHASH_REQUIRE_SHARED") == "1":
                raise RuntimeError(msg)
            raise unittest.SkipTest(msg)

    def read(self, rel):
        with open(os.path.join(FORMATS, rel), "rb") as f:
            return f.read()

    def test_work_budget(self):
        data = self.read("jpeg/video-001.progressive.jpeg")
        with self.assertRaises(phash.PhashError) as cm:
            phash.Decoder(max_work=1000).decode_bytes(data)
        self.assertEqual(cm.exception.name, "ERR_BUDGET")
        self.assertIn("refused before decoding", str(cm.exception))
        self.assertEqual(phash.Decoder(max_work=0).decode_bytes(data).width, 150)
        with self.assertRaises(ValueError):
            phash.Decoder(max_work=-1)

    def test_trailing_data_flag(self):
        data = self.read("jpeg/video-001.jpeg")
        dec = phash.Decoder()
        self.assertNotIn("trailing_data", dec.decode_bytes(data).flags)
        self.assertIn("trailing_data", dec.decode_bytes(data + bytes(4096)).flags)


class SharedHandles(unittest.TestCase):
    """One hasher shared by 4 threads gives exactly the serial results."""

    THREADS, ROUNDS = 4, 25

    def run_shared(self, hasher, key):
        images = [pixels(seed) for seed in range(6)]
        wrap = lambda b: phash.Image.from_buffer(b, 192, 160, "RGB")
        want = []
        for b in images:
            with wrap(b) as img:
                want.append(key(hasher.hash(img)))
        self.assertEqual(len(set(want)), len(want), "test images must hash differently")
        wrong, errors = [], []

        def worker(t):
            try:
                for r in range(self.ROUNDS):
                    i = (t + r) % len(images)
                    with wrap(images[i]) as img:
                        got = key(hasher.hash(img))
                    if got != want[i]:
                        wrong.append((t, r, i))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(self.THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(errors, [])
        self.assertEqual(wrong, [], f"{len(wrong)} wrong hashes of "
                         f"{self.THREADS * self.ROUNDS}")

    def test_pdq_hasher(self):
        with phash.PdqHasher() as h:
            self.run_shared(h, lambda r: (r.hex, r.quality))

    def test_phash_hasher(self):
        with phash.PHasher() as h:
            self.run_shared(h, lambda r: (r.value, r.quality))

    def test_dctn_hasher(self):
        with phash.DctNHasher(16) as h:
            self.run_shared(h, lambda r: (r.hex, r.quality))

    def test_shared_decoder_detects_replaced_images(self):
        """A decoder's image is valid until its next decode: another thread
        decoding meanwhile makes the old image raise, never read new pixels."""
        dec = phash.Decoder()
        ppm = [b"P6 4 4 255\n" + bytes([v]) * 48 for v in (10, 200)]
        img = dec.decode_bytes(ppm[0])
        self.assertEqual(img.tobytes(), bytes([10]) * 48)
        t = threading.Thread(target=lambda: dec.decode_bytes(ppm[1]))
        t.start()
        t.join()
        with self.assertRaises(ValueError):
            img.tobytes()
        dec.close()


if __name__ == "__main__":
    unittest.main()
