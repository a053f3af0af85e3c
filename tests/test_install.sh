#!/bin/sh
# SPDX-License-Identifier: MIT
# The documented install, end to end: `meson install` of BUILD_DIR into the
# prefix it was configured with (for real: no --destdir), then, with no
# LD_LIBRARY_PATH, PHASH_LIBRARY or PYTHONPATH help, from outside the source
# tree:
#  - the installed CLI scans sample/ and prints the README's 29 matches;
#  - a program built with `cc main.c $(pkg-config --cflags --libs phash)`
#    runs (-Wl,-rpath only when the prefix is outside the linker's path);
#  - Debian's python3 imports the installed package, which loads the
#    installed library, and hashes a sample image.
# CI runs it as root on build-ci (prefix /usr/local, the README's case);
# for a scratch prefix: meson setup B --prefix=/tmp/p && ninja -C B && sh test_install.sh B
# usage: test_install.sh BUILD_DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
unset LD_LIBRARY_PATH PHASH_LIBRARY PYTHONPATH
opt() { meson introspect --buildoptions "$build" |
        /usr/bin/python3 -c "import json,sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name'] == '$1'))"; }
prefix=$(opt prefix)
libdir=$prefix/$(opt libdir)

meson install -C "$build" --no-rebuild --quiet
check "meson install into $prefix" $?

# The CLI, from a folder outside the build and source trees.
cd "$tmp" || exit 1
cp -r "$src/sample" "$tmp/sample"
"$prefix/bin/phash" scan sample --signatures sample/signatures.csv --no-nice >scan.csv 2>scan.err
check "installed CLI: exit status 1 (matches found)" $([ $? -eq 1 ]; echo $?)
check "installed CLI: the README's 29 matches" $([ "$(tail -n +2 scan.csv | wc -l)" -eq 29 ]; echo $?)

# A program built through pkg-config.
cat >main.c <<'C'
#include <phash/phash.h>
#include <stdio.h>
int main(int argc, char **argv) {
    phash_pdq_hasher *h = NULL;
    phash_pdq_result r;
    char hex[65];
    if (argc < 2 || phash_pdq_hasher_new(&h) != PHASH_OK || phash_pdq_hash_file(h, NULL, argv[1], 0, &r) != PHASH_OK)
        return 2;
    phash_pdq_to_hex(&r.hash, hex);
    printf("%s %s\n", phash_version_string(), hex);
    phash_pdq_hasher_free(h);
    return 0;
}
C
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# No rpath when libdir is one of the linker's configured folders (ld.so.conf):
# there the install must have refreshed the cache (ldconfig) for this to run.
rpath=
/sbin/ldconfig -vN 2>/dev/null | grep -qF "$libdir:" || rpath="-Wl,-rpath,$libdir"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o prog main.c $(pkg-config --cflags --libs phash) $rpath
check "cc main.c \$(pkg-config --cflags --libs phash) $rpath" $?
want_pdq=d9eced6002f04e88725bef0c233043acd4bb3f116b04d1ab0b6f37933c2cc7cf
out=$(./prog sample/originals/o0002.webp)
check "pkg-config program runs: $out" $([ "$out" = "0.1.0 $want_pdq" ]; echo $?)

# The installed Python package.
pydir=$(/usr/bin/python3 "$src/bindings/python/install_dir.py" "$prefix")
/usr/bin/python3 -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$pydir" || export PYTHONPATH="$pydir"
out=$(/usr/bin/python3 -c '
import sys, phash
assert phash.__file__.startswith(sys.argv[1]), phash.__file__
print(phash.PdqHasher().hash("sample/originals/o0002.webp").hash.hex)' "$pydir")
check "installed Python package ($pydir${PYTHONPATH:+, on PYTHONPATH}): $out" \
    $([ "$out" = "$want_pdq" ]; echo $?)

# The service: the unit runs the installed CLI on the installed configuration,
# which a second install leaves as the operator edited it.
sysconfdir=$(opt sysconfdir)
case $sysconfdir in /*) ;; *) sysconfdir=$prefix/$sysconfdir ;; esac
unit=$prefix/lib/systemd/system/phash-scan.service
grep -qxF "ExecStart=$prefix/bin/phash scan --config $sysconfdir/phash/scan.conf" "$unit"
check "systemd unit $unit runs the installed CLI on $sysconfdir/phash/scan.conf" $?
cmp -s "$src/install/scan.conf" "$sysconfdir/phash/scan.conf"
check "configuration installed where there was none (or left as it was)" $?
cp -p "$sysconfdir/phash/scan.conf" "$tmp/scan.conf.before"
echo "threads = 2 # edited" >>"$sysconfdir/phash/scan.conf"
meson install -C "$build" --no-rebuild --quiet >/dev/null
grep -qxF "threads = 2 # edited" "$sysconfdir/phash/scan.conf"
check "a second install keeps the edited configuration" $?
cp -p "$tmp/scan.conf.before" "$sysconfdir/phash/scan.conf"
cmp -s "$src/install/scan.conf" "$prefix/$(opt datadir)/phash/scan.conf"
check "the example stays in $prefix/$(opt datadir)/phash" $?

[ $fail -eq 0 ] && echo "all install checks passed"
exit $fail
