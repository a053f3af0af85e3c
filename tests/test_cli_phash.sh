#!/bin/sh
# SPDX-License-Identifier: MIT
# phash hash --algo phash / dct64 / dct256 / dct1024 (tools/hash_algos_dct.c):
# every present image of both aetilius reference tables in both layouts
# (CSV rows path,algo,hash,quality), several hashes from one decode
# (--algo pdq,phash), the dctN widths, the quality column, errors.
set -u
sh "$(dirname "$0")/require_shared.sh" testdata/phash testdata/formats || exit $?
# meson passes the CLI relative to the build directory; the test cds away.
phash=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$PHASH_SHARED/testdata/phash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}

cd "$data/images" || exit 1
# Every row whose file is present (storm_3000x2000.png is not distributed).
files=$(tail -n +2 ../phash-aetilius-master.csv | cut -d, -f1 | while read -r f; do
    [ -f "$f" ] && echo "$f"; done)
[ "$(echo "$files" | wc -l)" -ge 18 ]
check "18 reference images present" $?

for layout in 1.0 0.9; do
    table=../phash-aetilius-master.csv; [ $layout = 0.9 ] && table=../phash-aetilius-0.9.7.csv
    # shellcheck disable=SC2086
    "$phash" hash --algo phash --layout $layout $files >"$tmp/out.csv"
    check "exit status 0 (layout $layout)" $?
    head -1 "$tmp/out.csv" | grep -qx 'path,algo,hash,quality'
    check "header (layout $layout)" $?
    tail -n +2 "$tmp/out.csv" | awk -F, '{ print $1 "," $3 }' | sort >"$tmp/got"
    # (the reference tables have CRLF line ends)
    tail -n +2 "$table" | tr -d '\r' | awk -F, '{ print $1 "," $4 }' | sort |
        grep -F -f "$tmp/got" -x >"$tmp/want"
    [ "$(wc -l <"$tmp/got")" -ge 18 ] && cmp -s "$tmp/got" "$tmp/want"
    check "--layout $layout reproduces $(basename $table)" $?
    [ $fail -eq 0 ] || diff "$tmp/got" "$tmp/want" | head -5
done

# Quality: 0..100; the dark low-contrast palette picture is below 50.
"$phash" hash --algo phash green_palette.png rocket.jpg >"$tmp/q.csv"
grep -q '^green_palette.png,phash,c31c629d2e539ecc,[0-9]$' "$tmp/q.csv"
check "green_palette.png quality < 10" $?
grep -q '^rocket.jpg,phash,984fb24fb04f9076,[5-9][0-9]$\|^rocket.jpg,phash,984fb24fb04f9076,100$' "$tmp/q.csv"
check "rocket.jpg quality >= 50" $?

# Several hashes from one decode: one row per algorithm, same phash value.
"$phash" hash --algo pdq,phash,dct64,dct256,dct1024 rocket.jpg coffee.png >"$tmp/multi.csv"
check "multi-algo exit status 0" $?
[ "$(grep -c '^rocket.jpg,' "$tmp/multi.csv")" -eq 5 ]
check "five rows per file" $?
grep -q '^rocket.jpg,pdq,[0-9a-f]\{64\},[0-9]*$' "$tmp/multi.csv"
check "pdq row" $?
grep -q '^coffee.png,phash,0a8297367cd9dae2,[0-9]*$' "$tmp/multi.csv"
check "phash row next to pdq equals the reference" $?
grep -q '^rocket.jpg,dct64,[0-9a-f]\{16\},[0-9]*$' "$tmp/multi.csv" &&
    grep -q '^rocket.jpg,dct256,[0-9a-f]\{64\},[0-9]*$' "$tmp/multi.csv" &&
    grep -q '^rocket.jpg,dct1024,[0-9a-f]\{256\},[0-9]*$' "$tmp/multi.csv"
check "dctN widths 16/64/256 hex digits" $?
# The same picture in two containers: identical dct256.
"$phash" hash --algo dct256 rocket.jpg rocket_exif_orient6.jpg | tail -n +2 | cut -d, -f3 |
    sort -u | wc -l | grep -qx 1
check "dct256 ignores EXIF orientation like pHash" $?

# CMYK JPEG: pHash takes the raw C,M,Y channels, also next to pdq (which
# gets the converted RGB from the shared decode).
cmyk=$PHASH_SHARED/testdata/formats/jpeg/video-001.cmyk.jpeg
alone=$("$phash" hash --algo phash "$cmyk" | tail -n +2 | cut -d, -f3)
both=$("$phash" hash --algo pdq,phash "$cmyk" | grep ',phash,' | cut -d, -f3)
rgb=$("$phash" hash --algo phash,dct64 "$cmyk" | grep ',phash,' | cut -d, -f3)
[ -n "$alone" ] && [ "$alone" = "$both" ] && [ "$alone" = "$rgb" ]
check "CMYK JPEG: same pHash alone and beside pdq" $?

# Errors: a bad layout is a usage error; a missing file an error row.
"$phash" hash --algo phash --layout 2.0 rocket.jpg >/dev/null 2>&1
check "--layout 2.0 exits 2" $([ $? -eq 2 ]; echo $?)
"$phash" hash --algo phash rocket.jpg nope.jpg >"$tmp/err.csv"
check "missing file exits 2" $([ $? -eq 2 ]; echo $?)
grep -q '^nope.jpg,phash,,,.' "$tmp/err.csv" && grep -q '^rocket.jpg,phash,984fb24fb04f9076,' "$tmp/err.csv"
check "error row and the other file hashed" $?
"$phash" hash --json --algo phash,dct64 rocket.jpg >"$tmp/j.txt"
grep -q '"path":"rocket.jpg","algo":"phash","hash":"984fb24fb04f9076","quality":[0-9]*' "$tmp/j.txt"
check "json row" $?

exit $fail
