# SPDX-License-Identifier: MIT
"""The whole-document list formats from Python: a VICS JSON file and an
NCMEC XML page loaded, their reports, and exact matches with categories."""
import hashlib
import json
import os
import unittest

import phash

MD5_A = hashlib.md5(b"a").hexdigest()
SHA1_A = hashlib.sha1(b"a").hexdigest()
MD5_B = hashlib.md5(b"b").hexdigest()


class TestDocumentLists(unittest.TestCase):
    def test_vics(self):
        doc = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml"
                                 "/US/$metadata#Media",
               "value": [{"MediaID": 7, "Category": 1, "MD5": MD5_A.upper(), "SHA1": SHA1_A,
                          "PhotoDNA": "QUJD", "MediaSize": 1},
                         {"MediaID": 8, "Category": 0, "MD5": MD5_B}]}
        with phash.SignatureSet() as s:
            rep = s.load_bytes(json.dumps(doc).encode(), "vics.json")
            self.assertEqual(rep.format, "vics")
            self.assertEqual((rep.records, rep.inserted, rep.invalid), (3, 3, 0))
            self.assertEqual(rep.opaque, {"PhotoDNA": 1})
            with phash.Matcher(s) as m:
                (hit,) = m.query("md5", hashlib.md5(b"a").digest(), 0)
                self.assertEqual(hit.owners[0]["id"], "7")
                self.assertEqual(hit.owners[0]["category"], "1")
                self.assertEqual(hit.owners[0]["list"], "vics.json")
                self.assertEqual(len(m.query("sha1", SHA1_A, 0)), 1)

    def test_ncmec_with_tombstone(self):
        xml = (f'<?xml version="1.0"?><queryResult xmlns="https://hashsharing.ncmec.org/'
               f'hashsharing/v2"><images>'
               f'<image><id>i1</id><classification>A1</classification><fingerprints>'
               f'<md5>{MD5_A}</md5></fingerprints></image>'
               f'<image><id>i2</id><fingerprints><md5>{MD5_B}</md5></fingerprints></image>'
               f'<deletedImage><id>i2</id></deletedImage></images></queryResult>')
        with phash.SignatureSet() as s:
            rep = s.load_bytes(xml.encode(), "page.xml")
            self.assertEqual(rep.format, "ncmec")
            self.assertEqual((rep.inserted, rep.tombstones, rep.deleted), (2, 1, 1))
            self.assertEqual(s.size("md5"), 1)
            with phash.Matcher(s) as m:
                (hit,) = m.query("md5", MD5_A, 0)
                self.assertEqual(hit.owners[0]["category"], "A1")
                self.assertEqual(m.query("md5", MD5_B, 0), [])

    def test_bad_vics_names_the_record(self):
        with phash.SignatureSet(format="vics") as s:
            with self.assertRaises(phash.PhashError) as ctx:
                s.load_bytes(b'{"value":[{"MD5":"' + MD5_A.encode() + b'"},{"MD5":', "cut.json")
            self.assertIn("cut.json:record 2: expected valid JSON", str(ctx.exception))

    def test_allowlist_suppresses_in_a_scan(self):
        md5 = hashlib.md5(b"hello").hexdigest()
        doc = {"odata.metadata": "x/1.3.xml#Media",
               "value": [{"MediaID": 1, "Category": 0, "MD5": md5}]}
        for report in (False, True):
            with phash.SignatureSet() as s:
                s.load_bytes(f"md5,id,category\n{md5},bad-1,1\n".encode(), "alert.csv")
                s.load_bytes(json.dumps(doc).encode(), "vics.json")
                m = phash.Matcher(s)
            with phash.Scanner(signatures=m, algorithms="md5",
                               report_suppressed=report) as sc:
                r = sc.scan_bytes(b"hello", "hello.txt")
            if not report:
                self.assertEqual(r.matches, [])
                continue
            self.assertEqual(sorted((x.list, x.id, x.category, x.allowlist, x.suppressed)
                                    for x in r.matches),
                             [("alert.csv", "bad-1", "1", False, True),
                              ("vics.json", "1", "0", True, True)])

    def test_size_filter_keyword(self):
        listed, other = b"L" * 5000, b"O" * 7000
        doc = {"odata.metadata": "x/1.3.xml#Media",
               "value": [{"MediaID": 3, "MD5": hashlib.md5(listed).hexdigest(),
                          "MediaSize": len(listed)}]}
        with phash.SignatureSet() as s:
            s.load_bytes(json.dumps(doc).encode(), "vics.json")
            m = phash.Matcher(s)
        for flag, skipped in ((None, 1), (True, 1), (False, 0)):
            kw = {} if flag is None else {"size_filter": flag}
            with phash.Scanner(signatures=m, algorithms="md5", **kw) as sc:
                self.assertEqual([x.id for x in sc.scan_bytes(listed, "l.dat").matches], ["3"])
                r = sc.scan_bytes(other, "o.dat")
                self.assertEqual(r.hash("md5"),
                                 None if skipped else hashlib.md5(other).hexdigest())
                self.assertEqual(sc.counters()["size_skipped"], skipped)

    def test_list_settings(self):
        root = os.environ.get("PHASH_SOURCE_ROOT",
                              os.path.join(os.path.dirname(__file__), "..", "..", ".."))
        with open(os.path.join(root, "sample", "signatures.csv"), "rb") as f:
            text = f.read()
        cap8 = os.path.join(root, "sample", "variants", "o0008", "caption.jpg")  # pHash 4, PDQ 34
        with phash.SignatureSet() as s:
            s.load_bytes(text, "list.csv")
            s.load_bytes(text, "/srv/other.csv")
            m = phash.Matcher(s)

        def rows(**kw):
            with phash.Scanner(signatures=m, algorithms="pdq,phash", dihedral=False, expand=0,
                               **kw) as sc:
                return sorted((x.algo, x.distance, x.list, x.level)
                              for x in sc.scan_file(cap8).matches)
        mine = [("pdq", 34, "list.csv", "alert"), ("phash", 4, "list.csv", "alert")]
        other = [("pdq", 34, "/srv/other.csv", "alert"), ("phash", 4, "/srv/other.csv", "alert")]
        self.assertEqual(rows(), sorted(mine + other))
        self.assertEqual(rows(list_settings={"other.csv": {"max_level": "weak"}}), mine)
        self.assertEqual(rows(list_settings={"other.csv": {"max_level": "weak"}}, weak=True),
                         sorted(mine + [r[:3] + ("weak",) for r in other]))
        self.assertEqual(rows(list_settings={"/srv/other.csv": {"phash_radius": 3},
                                             "list.csv": {"algorithms": ["pdq"]}}, weak=True),
                         sorted([r[:3] + ("weak",) for r in mine + other]))
        self.assertEqual(rows(list_settings={"other.csv": {"pdq_radius": 34, "phash_radius": 3}}),
                         sorted(mine + other[:1]))
        with self.assertRaises(TypeError):
            rows(list_settings={"other.csv": {"radius": 3}})
        with self.assertRaises(ValueError):
            rows(list_settings={"other.csv": {"max_level": "loud"}})
        with self.assertRaises(phash.PhashError):
            rows(list_settings={"other.csv": {"pdq_radius": 300}})
        # the policy's own API; a policy given to the scanner carries its lists
        p = phash.AlertPolicy(pdq_radius=20).set_list("other.csv", pdq_radius=34,
                                                       algorithms="pdq,md5")
        self.assertEqual(p.get_list("/x/other.csv", "pdq_radius"), 34)
        self.assertEqual(p.get_list("list.csv", "pdq_radius"), 20)
        self.assertEqual(p.get_list("other.csv", "algorithms"), (1 << 1) | (1 << 3))
        self.assertEqual(p.decide(phash=2, list="other.csv"), "weak")  # pHash may not alert
        self.assertEqual(p.decide(phash=2, list="list.csv"), "alert")
        self.assertEqual(p.decide(pdq=34, list="other.csv"), "alert")
        self.assertEqual(p.decide(pdq=34), "weak")
        p = phash.AlertPolicy(phash_radius=3).set_list("other.csv", pdq_radius=34)
        self.assertEqual(rows(alert_policy=p), other[:1])

    def test_flood_limit(self):
        import tempfile
        logo = b"a logo on every letter\n"
        with phash.SignatureSet() as s:
            s.load_bytes(f"md5,id\n{hashlib.md5(logo).hexdigest()},LOGO\n".encode(), "l.csv")
            m = phash.Matcher(s)
        with tempfile.TemporaryDirectory() as d:
            for i in range(5):
                with open(os.path.join(d, f"d{i}.txt"), "wb") as f:
                    f.write(logo)
            want = [{"algo": "md5", "hash": hashlib.md5(logo).hexdigest(), "list": "l.csv",
                     "id": "LOGO", "files": 5, "dropped": 3}]
            with phash.Scanner(signatures=m, algorithms="md5", flood_limit=2) as sc:
                reports = list(sc.scan(d))
                self.assertEqual([len(r.matches) for r in reports], [1, 1, 0, 0, 0])
                self.assertEqual(sc.floods(), want)
                self.assertEqual(sc.counters()["flooded"], 3)
            with phash.Scanner(signatures=m, algorithms="md5", flood_limit=2,
                               report_flooded=True) as sc:
                got = [[x.flooded for x in r.matches] for r in sc.scan(d)]
                self.assertEqual(got, [[False], [False], [True], [True], [True]])
                self.assertEqual(sc.floods(), want)
            with phash.Scanner(signatures=m, algorithms="md5") as sc:  # default 100
                self.assertEqual(sum(len(r.matches) for r in sc.scan(d)), 5)
                self.assertEqual(sc.floods(), [])


if __name__ == "__main__":
    unittest.main()
