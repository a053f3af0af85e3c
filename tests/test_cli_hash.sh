#!/bin/sh
# SPDX-License-Identifier: MIT
# phash hash (tools/cmd_hash.c): the CSV output for every image of the PDQ
# expected tables must equal shared/testdata/pdq/expected/*-dihedral.csv
# and the plain tables byte for byte (paths as given, run from the data
# folder); a missing file gives an error row and exit status 2; JSON lines
# and -r.
set -u
sh "$(dirname "$0")/require_shared.sh" testdata/pdq || exit $?
phash=$1
case $phash in /*) ;; *) phash=$PWD/$phash ;; esac # the script changes folder
data=$PHASH_SHARED/testdata/pdq
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}


cd "$data" || exit 1
# The shared tables have CRLF line ends; the CLI writes LF (decode: normalise).
mkdir "$tmp/expected"
for f in expected/*.csv; do tr -d '\r' <"$f" >"$tmp/$f"; done
exp=$tmp/expected
paths=$(tail -n +2 $exp/fullres-dihedral.csv | cut -d, -f1)

for mode in full cli512; do
    table=fullres; [ $mode = cli512 ] && table=cpp-cli
    # shellcheck disable=SC2086
    "$phash" hash --pdq-mode $mode --dihedral $paths >"$tmp/dih.csv"
    check "exit status 0 ($mode, dihedral)" $?
    cmp -s "$tmp/dih.csv" "$exp/$table-dihedral.csv"
    check "--pdq-mode $mode --dihedral equals expected/$table-dihedral.csv" $?
    [ $fail -eq 0 ] || diff "$tmp/dih.csv" "$exp/$table-dihedral.csv" | head -8

    # plain: path,algo,hash,quality against path,hash,quality
    # shellcheck disable=SC2086
    "$phash" hash --pdq-mode $mode $paths >"$tmp/plain.csv"
    check "exit status 0 ($mode)" $?
    awk -F, 'NR == 1 { print "path,hash,quality"; next } { print $1 "," $3 "," $4 }' \
        "$tmp/plain.csv" >"$tmp/plain3.csv"
    head -1 "$tmp/plain.csv" | grep -qx 'path,algo,hash,quality'
    check "plain header" $?
    cmp -s "$tmp/plain3.csv" "$exp/$table.csv"
    check "--pdq-mode $mode equals expected/$table.csv" $?
done

# --pdq-fast: the 12 Mpixel JPEG is decoded at 1/4 (hash differs a little,
# quality stays), the small JPEG is exact; refused with other algorithms.
"$phash" hash --pdq-fast images/reg-test-input/exif-rotn/exif-rotn-1.jpg images/misc-images/wee.jpg \
    >"$tmp/fast.csv"
check "--pdq-fast exit status 0" $?
grep '^images/misc-images/wee.jpg,' "$exp/fullres.csv" | cut -d, -f2 >"$tmp/wee.want"
grep '^images/misc-images/wee.jpg,' "$tmp/fast.csv" | cut -d, -f3 | cmp -s - "$tmp/wee.want"
check "--pdq-fast: a small JPEG hashes exactly" $?
exact=$(grep '^images/reg-test-input/exif-rotn/exif-rotn-1.jpg,' "$exp/fullres.csv" | cut -d, -f2)
fast=$(grep '^images/reg-test-input/exif-rotn/exif-rotn-1.jpg,' "$tmp/fast.csv" | cut -d, -f3)
[ -n "$fast" ] && [ "$fast" != "$exact" ]
check "--pdq-fast: the 12 Mpixel JPEG hash comes from the scaled decode" $?
"$phash" hash --pdq-fast --algo pdq,phash images/misc-images/wee.jpg >/dev/null 2>&1
check "--pdq-fast with another algorithm is a usage error" $([ $? -eq 2 ]; echo $?)

# A failed file: error row, the others still hashed, exit 2.
"$phash" hash synthetic/syn-rgb-5x5.ppm does-not-exist.jpg synthetic/syn-rgb-64x64.ppm \
    >"$tmp/err.csv"
check "exit status 2 with a missing file" $([ $? -eq 2 ]; echo $?)
grep -q '^does-not-exist.jpg,pdq,,,.' "$tmp/err.csv"
check "error row: empty hash and quality, error last" $?
[ "$(grep -c ',pdq,[0-9a-f]\{64\},[0-9]*$' "$tmp/err.csv")" -eq 2 ]
check "the other files are hashed" $?

# JSON lines
"$phash" hash --json --dihedral images/misc-images/wee.jpg nope.png >"$tmp/j.txt"
check "json exit status 2" $([ $? -eq 2 ]; echo $?)
want=$(grep '^images/misc-images/wee.jpg,' $exp/fullres-dihedral.csv | cut -d, -f4)
grep -q "\"path\":\"images/misc-images/wee.jpg\",\"algo\":\"pdq\",\"hash\":\"[0-9a-f]*\",\"quality\":[0-9]*,\"dihedral\":{\"orig\":\"[0-9a-f]*\",\"rot90\":\"$want\"" "$tmp/j.txt"
check "json row with dihedral" $?
grep -q '"path":"nope.png","algo":"pdq","hash":null,"quality":null,"error":"' "$tmp/j.txt"
check "json error row" $?

# -r: the dih folder, sorted, equals the 8 rows of the table
"$phash" hash -r --dihedral images/reg-test-input/dih >"$tmp/r.csv"
check "-r exit status 0" $?
grep 'reg-test-input/dih/' $exp/fullres-dihedral.csv >"$tmp/r8.csv"
tail -n +2 "$tmp/r.csv" | cmp -s - "$tmp/r8.csv"
check "-r over dih/ equals the table's 8 rows" $?
"$phash" hash images/reg-test-input/dih >/dev/null
check "a directory without -r is an error (exit 2)" $([ $? -eq 2 ]; echo $?)

exit $fail
