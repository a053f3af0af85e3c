#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's offline pip install on Debian 12 (PEP 668 blocks the system
# pip; a plain venv would fetch setuptools from the network): a venv with the
# system site packages (python3-setuptools, python3-wheel, python3-numpy)
# and pip without build isolation or an index. Checks the distribution name
# (libphash-ctypes) and that the venv's `import phash` is the installed copy
# and works against LIBRARY.
# usage: test_pip_venv.sh SOURCE_ROOT LIBRARY
set -u
src=$1
export PHASH_LIBRARY=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset PYTHONPATH PIP_INDEX_URL
# setuptools writes build/ and *.egg-info beside the sources: work on a copy.
cp -r "$src/bindings/python" "$tmp/src"
cd "$tmp" || exit 1
/usr/bin/python3 -m venv --system-site-packages venv || exit 1
venv/bin/pip install --quiet --no-build-isolation --no-index ./src || exit 1
venv/bin/pip show libphash-ctypes | grep -x "Name: libphash-ctypes" >/dev/null || { echo "FAIL: pip show"; exit 1; }
out=$(venv/bin/python -c '
import sys, phash
assert phash.__file__.startswith(sys.prefix), phash.__file__
print(phash.PdqHasher().hash(sys.argv[1]).hash.hex)' "$src/sample/originals/o0002.webp") || exit 1
echo "venv import phash: $out"
[ "$out" = d9eced6002f04e88725bef0c233043acd4bb3f116b04d1ab0b6f37933c2cc7cf ]
