#!/bin/sh
# SPDX-License-Identifier: MIT
# Run by `meson install`: the example configuration becomes the service's
# configuration file only if there is none yet; an operator's file is never
# replaced (the new example stays in the data folder, to compare).
# usage: config.sh EXAMPLE CONFIG (installed paths; DESTDIR honoured)
set -eu
example=${DESTDIR:-}$1
config=${DESTDIR:-}$2
if [ -e "$config" ]; then
    cmp -s "$example" "$config" ||
        echo "phash: keeping $2; the new example is $1"
    exit 0
fi
mkdir -p "$(dirname "$config")"
cp "$example" "$config"
