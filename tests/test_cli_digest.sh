#!/bin/sh
# SPDX-License-Identifier: MIT
# lists: `phash hash --algo md5,sha1,sha256,pdq` prints the same digests as
# coreutils for an image, a non-image and an empty file; the non-image gets
# its digests and a decode error for pdq (exit status 2).
set -eu
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
echo ok
