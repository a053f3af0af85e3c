#!/bin/sh
# SPDX-License-Identifier: MIT
# phash -V, --version and `phash version` print the same line; the man page
# has the ENVIRONMENT, FILES and EXIT STATUS sections, documents -V, and
# names every command that `phash --help` lists.
set -u
phash=$1
man=$PHASH_SOURCE_ROOT/tools/phash.1
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
want="phash 0.1.0 (library 0.1.0)"
for form in -V --version version; do
    out=$("$phash" $form)
    check "phash $form exits 0" $?
    check "phash $form prints '$want' (got '$out')" $([ "$out" = "$want" ]; echo $?)
done
for sec in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS" EXAMPLES; do
    grep -q "^\.SH $sec\$" "$man"
    check "man page section $sec" $?
done
grep -q '^\.B phash \\-V$' "$man"
check "man page documents -V" $?
for cmd in $("$phash" --help | awk '/^  [a-z]+ /{print $1}'); do
    grep -q "^\.B phash $cmd" "$man"
    check "man page synopsis names 'phash $cmd'" $?
done
exit $fail
