#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: sh require_shared.sh REL... || exit $?
# For the shell tests whose data lives under shared/ (PHASH_SHARED): exits 0
# when every REL exists there; otherwise names what is missing and exits 77
# (meson's "skipped"), or 1 when PHASH_REQUIRE_SHARED=1 (CI: nothing may be
# skipped there).
for rel in "$@"; do
    path=${PHASH_SHARED:-../shared}/$rel
    [ -e "$path" ] && continue
    if [ "${PHASH_REQUIRE_SHARED:-}" = 1 ]; then
        echo "FAIL: $path is missing (test data from shared/; configure with -Dshared_dir=DIR)"
        exit 1
    fi
    echo "SKIP: $path is missing (test data from shared/; configure with -Dshared_dir=DIR)"
    exit 77
done
exit 0
