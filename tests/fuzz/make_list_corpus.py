#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds for fuzz_vics and fuzz_ncmec: real-shaped VICS JSON (Project VIC
2.0 Media, 1.3 Cases, NIST CAID 1.2, UK context, alternatives) and NCMEC
hash-sharing XML (images, videos, fingerprints, tombstones), plus cut and
damaged variants. Each seed is written under a few option bytes (first
byte: bit 0 forces the format, bit 2 strict, bit 4 a 256-byte limit).

usage: make_list_corpus.py OUT_DIR   (writes OUT_DIR/vics and OUT_DIR/ncmec)
"""
import hashlib
import json
import os
import sys

MD5 = [hashlib.md5(bytes([i])).hexdigest() for i in range(8)]
SHA1 = [hashlib.sha1(bytes([i])).hexdigest() for i in range(8)]
SHA256 = [hashlib.sha256(bytes([i])).hexdigest() for i in range(8)]
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def vics_docs():
    v2 = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
          "value": [
              {"MediaID": 1, "Category": 1, "MD5": MD5[0].upper(), "SHA1": SHA1[0], "MediaSize": 1,
               "PhotoDNA": "QUJD" * 48, "Series": "S", "IsDistributed": True, "Tags": None,
               "MediaFiles": [{"MD5": MD5[0], "FileName": "a.jpg", "FilePath": "C:\\x"}]},
              {"MediaID": 2, "Category": 0, "MD5": MD5[1],
               "AlternativeHashes": [{"HashName": "SHA256", "HashValue": SHA256[1]},
                                     {"HashName": "PhotoDNA", "HashValue": "AAAA"}]},
              {"MediaID": 3, "Category": 2, "MD5": "nothex"},
              {"MediaID": 4, "PhotoDNA": "QkJC"},
              {"MediaID": 5, "Comments": "\u00e9\"\\\n"}]}
    cases = {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
             "value": [{"CaseID": "c", "CaseNumber": "1",
                        "Media": [{"MediaID": "m1", "Category": "1", "MD5": MD5[2]},
                                  {"MediaID": "m2", "SHA1": SHA1[3]}]}]}
    tentative = {"odata.metadata": "x#Media",
                 "value": [{"CaseID": "c", "Media": [{"MD5": MD5[4]}]}]}
    caid = {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media",
            "value": [{"MD5": MD5[5], "SHA1": SHA1[5], "MediaSize": 5,
                       "MediaFiles": [{"FileName": "f.dll"}]}]}
    uk = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media",
          "value": [{"MediaID": 9, "Category": "A", "SHA1": SHA1[6]}]}
    docs = [json.dumps(d).encode() for d in (v2, cases, tentative, caid, uk)]
    docs.append(json.dumps(v2, indent=2).encode())
    docs.append(b"\xef\xbb\xbf" + docs[0])
    docs.append(docs[0][: len(docs[0]) // 2])
    docs.append(b'{"odata.metadata":"#Media","value":' + b"[" * 80 + b"]" * 80 + b"}")
    docs.append(b'{"odata.metadata":"#Media","value":[{"Comments":"' + b"x" * 400 + b'","MD5":"' +
                MD5[7].encode() + b'"}]}')
    docs.append(b'{"odata.metadata":"#Media"}')
    return docs


def ncmec_docs():
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
           '<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">\n'
    image = ('<image><member id="42">M</member><timestamp>2017-10-24T15:00:00Z</timestamp>'
             '<id>{id}</id><classification>A1</classification><fingerprints>'
             '<md5>{md5}</md5><sha1>{sha1}</sha1><pdna>AAAA</pdna><pdq>{pdq}</pdq></fingerprints>'
             '<feedback><affirmativeFeedback type="Md5"><members><member id="1">x</member>'
             '</members></affirmativeFeedback></feedback></image>')
    video = ('<video><member id="42">M</member><id>{id}</id><fingerprints><md5>{md5}</md5>'
             '<tmk-pdqf rel="self" href="/v2/entries/1/fingerprints/TMK_PDQF"/></fingerprints>'
             '</video>')
    full = (head + '<images count="2">' +
            image.format(id="i1", md5=MD5[0], sha1=SHA1[0], pdq=PDQ) +
            image.format(id="i2", md5=MD5[1], sha1=SHA1[1], pdq=PDQ) +
            '<deletedImage><member id="42">M</member><id>i2</id></deletedImage>' +
            image.format(id="i2", md5=MD5[2], sha1=SHA1[2], pdq=PDQ) +
            '</images><videos count="1">' + video.format(id="v1", md5=MD5[3]) +
            '<deletedVideo><id>v9</id></deletedVideo></videos>'
            '<paging><next>/v2/entries?a=1&amp;b=2</next></paging></queryResult>\n')
    docs = [full.encode()]
    docs.append(full[: len(full) // 2].encode())
    docs.append((head + '<images><image><id>x</id><fingerprints><md5>zz</md5></fingerprints>'
                 '</image><image><id>y</id></image><deletedImage/></images></queryResult>').encode())
    docs.append(b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                b'<queryResult><images><image><id>&b;</id></image></images></queryResult>')
    docs.append(b'<status><member id="1">x</member></status>')
    docs.append((head + '<images><image><id>c</id><fingerprints><md5><![CDATA[' + MD5[5] +
                 ']]></md5></fingerprints></image></images></queryResult>').encode())
    return docs


def write(folder, docs):
    os.makedirs(folder, exist_ok=True)
    for doc in docs:
        for opt in (0x00, 0x01, 0x05, 0x11):
            data = bytes([opt]) + doc
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)


def main():
    out = sys.argv[1]
    write(os.path.join(out, "vics"), vics_docs())
    write(os.path.join(out, "ncmec"), ncmec_docs())


if __name__ == "__main__":
    main()
