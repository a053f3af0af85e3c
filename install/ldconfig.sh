#!/bin/sh
# SPDX-License-Identifier: MIT
# Run by `meson install` after the files are in place (meson.add_install_script).
# Debian's meson does not refresh the dynamic linker's cache, so without
# this a root install under /usr/local leaves programs failing with
# "libphash.so.0: cannot open shared object file". Staged installs
# (--destdir, packaging) and installs by other users leave the cache alone.
# usage: ldconfig.sh LIBDIR
set -u
libdir=$1
if [ -n "${DESTDIR:-}" ] || [ "${MESON_INSTALL_DESTDIR_PREFIX:-}" != "${MESON_INSTALL_PREFIX:-}" ]; then
    exit 0
fi
PATH=$PATH:/sbin:/usr/sbin
if [ "$(id -u)" -ne 0 ] || ! command -v ldconfig >/dev/null; then
    echo "phash: run 'ldconfig' as root, or set LD_LIBRARY_PATH=$libdir, if programs do not find libphash.so.0"
    exit 0
fi
ldconfig || exit 1
if ! ldconfig -p | grep -qF "$libdir/libphash.so.0"; then
    echo "phash: $libdir is not in the dynamic linker's search path (/etc/ld.so.conf):"
    echo "phash: the phash CLI and the Python package find the library there; other programs"
    echo "phash: need -Wl,-rpath,$libdir or LD_LIBRARY_PATH=$libdir"
fi
exit 0
