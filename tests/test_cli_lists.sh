#!/bin/sh
# SPDX-License-Identifier: MIT
# lists: `phash scan` over a folder of renamed exact copies of listed files
# (images, a video, a zip, a text file) and a near copy, against a VICS
# 2.0 list (MD5/SHA1 with categories), a CSV list of PDQ hashes and an
# allowlist: the exact copies match by digest with their VICS id and
# category, the zip's member too, the near copy by PDQ only; allowlisted
# files (an --allowlist entry, a VICS Category 0 entry) are suppressed, and
# shown only with --report-suppressed.
set -eu
sh "$(dirname "$0")/require_shared.sh" testdata/pdq || exit $?
phash=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
imgs=$(find "$PHASH_SHARED/testdata/pdq/images" -name '*.jpg' | sort | head -n3)
set -- $imgs
cp "$1" "$tmp/a.jpg"
cp "$2" "$tmp/b.jpg"
cp "$3" "$tmp/c.jpg"
cp "$src/data/video/tiny-ffv1.mkv" "$tmp/v.mkv"
printf 'meeting notes\n' > "$tmp/t.txt"
(cd "$tmp" && zip -q -X z.zip c.jpg)
djpeg "$tmp/a.jpg" | cjpeg -quality 60 > "$tmp/near.jpg"
md5() { md5sum "$1" | cut -d' ' -f1; }
sha1() { sha1sum "$1" | cut -d' ' -f1; }
pdq() { "$phash" hash --algo pdq "$1" | tail -n1 | cut -d, -f3; }
cat > "$tmp/vics.json" <<JSON
{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/\$metadata#Media","value":[
{"MediaID":1,"Category":1,"MD5":"$(md5 "$tmp/a.jpg" | tr a-f A-F)","SHA1":"$(sha1 "$tmp/a.jpg")","MediaSize":$(stat -c %s "$tmp/a.jpg")},
{"MediaID":2,"Category":2,"SHA1":"$(sha1 "$tmp/v.mkv")"},
{"MediaID":3,"Category":1,"MD5":"$(md5 "$tmp/z.zip")"},
{"MediaID":4,"Category":3,"MD5":"$(md5 "$tmp/t.txt")"},
{"MediaID":5,"Category":1,"MD5":"$(md5 "$tmp/b.jpg")"},
{"MediaID":6,"Category":1,"MD5":"$(md5 "$tmp/c.jpg")"},
{"MediaID":7,"Category":0,"SHA1":"$(sha1 "$tmp/c.jpg")"}
]}
JSON
printf 'id,pdq\nP-1,%s\n' "$(pdq "$tmp/a.jpg")" > "$tmp/pdq.csv"
printf 'md5,id\n%s,benign-1\n' "$(md5 "$tmp/b.jpg")" > "$tmp/allow.csv"
mkdir "$tmp/scan"
cp "$tmp/a.jpg" "$tmp/scan/holiday.dat"
cp "$tmp/v.mkv" "$tmp/scan/clip.bin"
cp "$tmp/z.zip" "$tmp/scan/archive.zip"
cp "$tmp/t.txt" "$tmp/scan/readme"
cp "$tmp/b.jpg" "$tmp/scan/logo.png"
cp "$tmp/c.jpg" "$tmp/scan/icon.jpg"
cp "$tmp/near.jpg" "$tmp/scan/near.jpg"
status=0
"$phash" scan "$tmp/scan" --no-nice --algo pdq,md5,sha1 --signatures "$tmp/vics.json" \
    --signatures "$tmp/pdq.csv" --allowlist "$tmp/allow.csv" --json \
    > "$tmp/out.json" 2> "$tmp/err" || status=$?
[ "$status" -eq 1 ] || { echo "expected exit status 1 (matches), got $status"; cat "$tmp/err"; exit 1; }
row() { # path algo id category-in-metadata
    grep -F "\"path\":\"$tmp/scan/$1\",\"algo\":\"$2\"," "$tmp/out.json" | grep -F "\"id\":\"$3\"" |
        grep -qF "$4" || { echo "no $2 match of $1 (id $3, $4)"; cat "$tmp/out.json"; exit 1; }
}
row holiday.dat md5 1 '\"Category\":1'
row holiday.dat sha1 1 '\"Category\":1'
row holiday.dat pdq P-1 '"distance":0'
row clip.bin sha1 2 '\"Category\":2'
row archive.zip md5 3 '\"Category\":1'
row readme md5 4 '\"Category\":3'
row near.jpg pdq P-1 '"algo":"pdq"'
# The near copy matches by PDQ only; the allowlisted files not at all
# (logo.png: an --allowlist digest; icon.jpg: a VICS Category 0 digest,
# also inside the zip).
grep -F "$tmp/scan/near.jpg\"" "$tmp/out.json" | grep -qv '"algo":"pdq"' &&
    { echo "near copy matched by digest"; cat "$tmp/out.json"; exit 1; }
grep -qF "logo.png" "$tmp/out.json" && { echo "allowlisted file reported"; cat "$tmp/out.json"; exit 1; }
grep -qF "icon.jpg" "$tmp/out.json" && { echo "Category 0 file reported"; cat "$tmp/out.json"; exit 1; }
grep -qF "archive.zip!c.jpg" "$tmp/out.json" && { echo "Category 0 member reported"; cat "$tmp/out.json"; exit 1; }
[ "$(wc -l < "$tmp/out.json")" -eq 7 ] || { echo "expected 7 matches"; cat "$tmp/out.json"; exit 1; }
# With --report-suppressed they are there, flagged.
"$phash" scan "$tmp/scan" --no-nice --algo pdq,md5,sha1 --signatures "$tmp/vics.json" \
    --signatures "$tmp/pdq.csv" --allowlist "$tmp/allow.csv" --report-suppressed \
    > "$tmp/out.csv" 2> "$tmp/err" || true
head -n1 "$tmp/out.csv" | grep -qx 'path,algo,distance,variant,list,id,metadata,hash,view,time,query_percent,index_percent,suppressed' ||
    { echo "no suppressed column"; head -n1 "$tmp/out.csv"; exit 1; }
grep -q "^$tmp/scan/logo.png,md5,0,orig,$tmp/vics.json,5,.*,1\$" "$tmp/out.csv" ||
    { echo "logo.png's VICS match not reported as suppressed"; cat "$tmp/out.csv"; exit 1; }
grep -q "^$tmp/scan/logo.png,md5,0,orig,$tmp/allow.csv,benign-1,.*,1\$" "$tmp/out.csv" ||
    { echo "logo.png's allowlist match not reported"; cat "$tmp/out.csv"; exit 1; }
grep -q "^$tmp/scan/icon.jpg,md5,0,orig,$tmp/vics.json,6,.*,1\$" "$tmp/out.csv" ||
    { echo "icon.jpg's match not reported as suppressed"; cat "$tmp/out.csv"; exit 1; }
grep -q "^$tmp/scan/holiday.dat,md5,0,orig,$tmp/vics.json,1,.*,0\$" "$tmp/out.csv" ||
    { echo "holiday.dat's match flagged"; cat "$tmp/out.csv"; exit 1; }
exit 0
