#!/bin/sh
# SPDX-License-Identifier: MIT
# phash sigset info on a compiled set shows each list's provenance: name,
# size, SHA-256 (as sha256sum computes it) and load date, the same as for
# the text list itself. The endpoint layout (--layout endpoint) gives the
# same info and the same scan rows as the default layout.
set -u
phash=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # meson passes it relative
src=$PHASH_SOURCE_ROOT
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
cd "$src" || exit 1
list=sample/signatures.csv
"$phash" sigset compile "$list" -o "$tmp/set.phx" >/dev/null 2>&1
check "compile" $?
"$phash" sigset info "$tmp/set.phx" >"$tmp/info.txt"
check "info exit status 0" $?
cat "$tmp/info.txt"
sha=$(sha256sum "$list" | cut -d' ' -f1)
size=$(wc -c <"$list" | tr -d ' ')
today=$(date -u +%Y-%m-%d)
grep -q "^lists: 1$" "$tmp/info.txt"
check "lists: 1" $?
line=$(grep '^list 1: ' "$tmp/info.txt")
echo "$line" | grep -Eq "^list 1: $list, $size bytes, sha256 $sha, loaded ${today}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
check "list 1: name, size, sha256, load date" $?
"$phash" sigset info "$list" | grep -Eq "^list 1: $list, $size bytes, sha256 $sha, loaded "
check "the text list shows the same" $?
# The endpoint layout: the same info (but the file's size on the first
# line) and the same scan rows as the default layout; a bad layout is a
# usage error.
"$phash" sigset compile --layout endpoint "$list" "$list" \
    -o "$tmp/endpoint.phx" >/dev/null 2>&1
check "compile --layout endpoint" $?
"$phash" sigset compile --layout fast "$list" "$list" \
    -o "$tmp/fast.phx" >/dev/null 2>&1
check "compile --layout fast" $?
# (the lists' load times left out: the two compiles may fall in two seconds)
"$phash" sigset info "$tmp/fast.phx" | tail -n +2 | sed 's/, loaded [0-9T:Z-]*$//' >"$tmp/fast.txt"
"$phash" sigset info "$tmp/endpoint.phx" | tail -n +2 | sed 's/, loaded [0-9T:Z-]*$//' >"$tmp/endpoint.txt"
grep -q "^owners (records): 36$" "$tmp/endpoint.txt"
check "endpoint info: 36 owners" $?
cmp -s "$tmp/fast.txt" "$tmp/endpoint.txt"
check "info: the same in both layouts" $?
"$phash" scan --no-nice sample --signatures "$tmp/fast.phx" >"$tmp/fast.csv" 2>/dev/null
"$phash" scan --no-nice sample --signatures "$tmp/endpoint.phx" >"$tmp/endpoint.csv" 2>/dev/null
[ "$(wc -l <"$tmp/endpoint.csv")" -gt 20 ]
check "scan: matches found" $?
cmp -s "$tmp/fast.csv" "$tmp/endpoint.csv"
check "scan: the same rows in both layouts" $?
"$phash" sigset compile --layout small "$list" -o "$tmp/bad.phx" >/dev/null 2>&1
[ $? -eq 2 ] && [ ! -e "$tmp/bad.phx" ]
check "--layout small: usage error, nothing written" $?
exit $fail
