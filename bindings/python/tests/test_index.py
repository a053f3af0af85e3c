# SPDX-License-Identifier: MIT
"""Index bindings: exact result sets against a brute force in Python."""
import os
import random
import tempfile
import unittest

import phash


def brute(codes, ids, q, radius, bits):
    if bits == 64:
        dist = lambda c: bin(c ^ q).count("1")
    else:
        qb = int.from_bytes(bytes(q), "big")
        dist = lambda c: bin(int.from_bytes(bytes(c), "big") ^ qb).count("1")
    hits = [(i, dist(c)) for c, i in zip(codes, ids)]
    return sorted([(i, d) for i, d in hits if d <= radius], key=lambda t: (t[1], t[0]))


class TestIndex64(unittest.TestCase):
    def setUp(self):
        rnd = random.Random(7)
        base = [rnd.getrandbits(64) for _ in range(50)]
        # clustered: near copies of the bases, so radius queries have hits
        self.codes = base + [b ^ (1 << rnd.randrange(64)) ^ (1 << rnd.randrange(64))
                             for b in base for _ in range(3)]
        self.ids = list(range(1000, 1000 + len(self.codes)))
        self.queries = base[:10] + [rnd.getrandbits(64) for _ in range(5)]

    def test_every_method_equals_brute_force(self):
        with phash.Index(64) as idx:
            idx.add(self.codes, self.ids)
            idx.build()
            self.assertEqual(len(idx), len(self.codes))
            for method in ("auto", "scan", "bktree", "mih"):
                for radius in (0, 2, 10):
                    got = idx.search(self.queries, radius, method=method)
                    for q, hits in zip(self.queries, got):
                        self.assertEqual([(h.id, h.distance) for h in hits],
                                         brute(self.codes, self.ids, q, radius, 64),
                                         f"{method} r={radius}")

    def test_knn_and_remove(self):
        with phash.Index(64) as idx:
            idx.add(self.codes, self.ids)
            idx.build()
            q = self.queries[0]
            full = brute(self.codes, self.ids, q, 64, 64)
            got = idx.search([q], 64, k=5)[0]
            self.assertEqual([(h.id, h.distance) for h in got], full[:5])
            idx.remove(full[0][0])
            got = idx.search([q], 64, k=1)[0]
            self.assertEqual((got[0].id, got[0].distance), full[1])
            with self.assertRaises(phash.PhashError) as cm:
                idx.remove(12345678)
            self.assertEqual(cm.exception.name, "ERR_NOT_FOUND")

    def test_save_open_roundtrip(self):
        with tempfile.TemporaryDirectory() as d, phash.Index(64) as idx:
            path = os.path.join(d, "set.phx")
            idx.add(self.codes, self.ids)
            idx.save(path)
            with phash.Index.open(path) as back:
                self.assertEqual(len(back), len(self.codes))
                self.assertEqual(back.search(self.queries, 8), idx.search(self.queries, 8))
            with open(path, "r+b") as f:
                f.write(b"NOTANIDX")
            with self.assertRaises(phash.PhashError) as cm:
                phash.Index.open(path)
            self.assertEqual(cm.exception.name, "ERR_BAD_FILE")


class TestIndex256(unittest.TestCase):
    def test_pdq_dihedral(self):
        rnd = random.Random(3)
        codes = [phash.PdqCode(rnd.randbytes(32)) for _ in range(40)]
        with phash.Index(256) as idx:
            idx.add(codes, range(len(codes)))
            idx.build()
            # An "image" whose variant 5 is stored code 17 with 3 bits flipped.
            target = bytearray(bytes(codes[17]))
            target[0] ^= 0x07
            variants = [phash.PdqCode(rnd.randbytes(32)) for _ in range(8)]
            variants[5] = phash.PdqCode(target)
            hits = idx.search([variants], 31, dihedral=True)[0]
            self.assertEqual(list(hits), [(17, 3, 5)])
            self.assertEqual(idx.search([codes[3].hex], 0)[0], [(3, 0, 0)])


if __name__ == "__main__":
    unittest.main()
