# SPDX-License-Identifier: MIT
import unittest

import phash

K_HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


class TestVersion(unittest.TestCase):
    def test_version(self):
        self.assertEqual(phash.version(), "0.1.0")
        self.assertEqual(phash.version_info(), (0, 1, 0))


class TestPdqCode(unittest.TestCase):
    def test_roundtrip_and_case(self):
        c = phash.PdqCode.from_hex(K_HEX.upper())
        self.assertEqual(c.hex, K_HEX)
        self.assertEqual(bytes(c)[:2], b"\xf8\xf8")
        self.assertEqual(phash.PdqCode(bytes(c)), c)

    def test_distance(self):
        a = phash.PdqCode.from_hex(K_HEX)
        flipped = bytearray(bytes(a))
        flipped[0] ^= 0xFF
        flipped[31] ^= 0x01
        self.assertEqual(a.distance(phash.PdqCode(flipped)), 9)

    def test_errors(self):
        with self.assertRaises(phash.PhashError) as cm:
            phash.PdqCode.from_hex(K_HEX[:63])
        self.assertEqual(cm.exception.name, "ERR_BAD_HASH")
        self.assertIn("character 63", str(cm.exception))
        with self.assertRaises(phash.PhashError) as cm:
            phash.PdqCode.from_hex(K_HEX[:10] + "x" + K_HEX[11:])
        self.assertIn("character 10", str(cm.exception))
        with self.assertRaises(ValueError):
            phash.PdqCode(b"short")


class TestU64(unittest.TestCase):
    def test_forms(self):
        v = 0xD58E6A9D2B79B2A5
        self.assertEqual(phash.u64_format(v), "d58e6a9d2b79b2a5")
        self.assertEqual(phash.u64_format(v, "unsigned"), "15388354200043369125")
        self.assertEqual(phash.u64_format(v, "signed"), "-3058389873666182491")
        for form in ("hex", "unsigned", "signed"):
            self.assertEqual(phash.u64_parse(phash.u64_format(v, form), form), v)
        self.assertEqual(phash.u64_parse("-1", "signed"), 2**64 - 1)
        with self.assertRaises(phash.PhashError):
            phash.u64_parse("18446744073709551616", "unsigned")
        self.assertEqual(phash.u64_distance(0, 2**64 - 1), 64)


if __name__ == "__main__":
    unittest.main()
