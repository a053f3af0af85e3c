#!/bin/sh
# SPDX-License-Identifier: MIT
# phash sigset info on a compiled set shows each list's provenance: name,
# size, SHA-256 (as sha256sum computes it) and load date, the same as for
# the text list itself.
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
exit $fail
