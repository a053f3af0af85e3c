#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the build into a scratch prefix and build an out-of-tree program
# against it through `pkg-config --cflags --libs phash`, then run it.
set -eu
build_dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build_dir" --no-rebuild --quiet --destdir "$tmp/root" >/dev/null
pcdir=$(dirname "$(find "$tmp/root" -name phash.pc | head -n1)")
cat > "$tmp/main.c" <<'C'
#include <phash/phash.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    phash_pdq_code c;
    char hex[65];
    const char *h = "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22";
    if (phash_version() != PHASH_VERSION_NUMBER) return 1;
    if (phash_pdq_from_hex(h, strlen(h), &c, NULL) != PHASH_OK) return 2;
    phash_pdq_to_hex(&c, hex);
    printf("%s %s\n", phash_version_string(), hex);
    return 0;
}
C
prefix=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=prefix phash)
# The .pc names the real prefix; point it at the scratch install instead.
pc() { PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$tmp/root$prefix" "$@"; }
flags=$(pc --cflags --libs phash)
libdir=$(pc --variable=libdir phash)
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/main.c" $flags
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog")
echo "$out"
[ "$out" = "0.1.0 f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" ]
