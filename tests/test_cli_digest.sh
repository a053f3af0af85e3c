#!/bin/sh
# SPDX-License-Identifier: MIT
# lists: `phash hash --algo md5,sha1,sha256,pdq` prints the same digests as
# coreutils for an image, a non-image and an empty file; the non-image gets
# its digests and a decode error for pdq (exit status 2).
set -eu
sh "$(dirname "$0")/require_shared.sh" testdata/pdq || exit $?
phash=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$(find "$PHASH_SHARED/testdata/pdq/images" -name '*.jpg' | sort | head -n1)
cp "$img" "$tmp/a.jpg"
printf 'not an image\n' > "$tmp/b.txt"
: > "$tmp/c.empty"
status=0
"$phash" hash --algo md5,sha1,sha256,pdq "$tmp/a.jpg" "$tmp/b.txt" "$tmp/c.empty" \
    > "$tmp/out.csv" || status=$?
[ "$status" -eq 2 ] || { echo "expected exit status 2, got $status"; exit 1; }
for f in a.jpg b.txt c.empty; do
    for tool in md5 sha1 sha256; do
        want=$(${tool}sum "$tmp/$f" | cut -d' ' -f1)
        grep -qx "$tmp/$f,$tool,$want," "$tmp/out.csv" ||
            { echo "$f $tool: expected $want"; cat "$tmp/out.csv"; exit 1; }
    done
done
grep -q "^$tmp/a.jpg,pdq,[0-9a-f]\{64\},[0-9]*$" "$tmp/out.csv" || { echo "no pdq row"; exit 1; }
grep -q "^$tmp/b.txt,pdq,,,.*not an image" "$tmp/out.csv" || { echo "no pdq error row"; exit 1; }
# JSON: quality null for digests.
"$phash" hash --json --algo sha256 "$tmp/b.txt" | grep -q "\"algo\":\"sha256\",\"hash\":\"$(sha256sum "$tmp/b.txt" | cut -d' ' -f1)\",\"quality\":null" ||
    { echo "json row differs"; exit 1; }

# phash scan matches exact digests of any file (renamed copies, a text file),
# with the list's id and category (kept in the metadata); the empty file's
# digest is on the list but never matches.
md5_b=$(md5sum "$tmp/b.txt" | cut -d' ' -f1)
sha256_a=$(sha256sum "$tmp/a.jpg" | cut -d' ' -f1)
md5_e=$(md5sum "$tmp/c.empty" | cut -d' ' -f1)
printf 'MediaID,MD5,SHA256,Category\nT-1,%s,,2\nJ-1,,%s,1\nE-0,%s,,1\n' \
    "$md5_b" "$sha256_a" "$md5_e" > "$tmp/list.csv"
mkdir "$tmp/scan"
cp "$tmp/a.jpg" "$tmp/scan/renamed.bin"
cp "$tmp/b.txt" "$tmp/scan/notes.dat"
cp "$tmp/c.empty" "$tmp/scan/empty"
status=0
"$phash" scan "$tmp/scan" --signatures "$tmp/list.csv" --no-nice > "$tmp/scan.csv" 2> "$tmp/scan.err" ||
    status=$?
[ "$status" -eq 1 ] || { echo "scan: expected exit status 1 (matches), got $status"; cat "$tmp/scan.err"; exit 1; }
grep -qx "$tmp/scan/notes.dat,md5,0,orig,$tmp/list.csv,T-1,Category=2,$md5_b,orig,,," "$tmp/scan.csv" ||
    { echo "no md5 match"; cat "$tmp/scan.csv"; exit 1; }
grep -qx "$tmp/scan/renamed.bin,sha256,0,orig,$tmp/list.csv,J-1,Category=1,$sha256_a,orig,,," "$tmp/scan.csv" ||
    { echo "no sha256 match"; cat "$tmp/scan.csv"; exit 1; }
[ "$(wc -l < "$tmp/scan.csv")" -eq 3 ] || { echo "expected 2 matches"; cat "$tmp/scan.csv"; exit 1; }
echo ok
