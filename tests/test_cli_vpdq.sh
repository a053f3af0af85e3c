#!/bin/sh
# SPDX-License-Identifier: MIT
# phash hash --algo vpdq (tools/hash_video.c): the reference CLI's lines
# byte for byte (shared/testdata/vpdq/expected/debian12: every frame, -s 128,
# -r 1 and the default of 1 s), '# PATH' blocks for several videos, JSON
# lines, HMA's signal string, errors (exit status 2, the other videos still
# hashed).
set -u
sh "$(dirname "$0")/require_shared.sh" testdata/vpdq || exit $?
phash=$1
data=$PHASH_SHARED/testdata/vpdq
exp=$data/expected/debian12
v=$data/videos/test-padded-dimensions.mp4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}

"$phash" hash --algo vpdq --seconds-per-hash 0 "$v" >"$tmp/all.txt"
cmp -s "$tmp/all.txt" "$exp/test-padded-dimensions.txt"
check "every frame = the reference's file" $?
"$phash" hash --algo vpdq --seconds-per-hash 0 --downsample 128 "$v" >"$tmp/128.txt"
cmp -s "$tmp/128.txt" "$exp/test-padded-dimensions-128x128.txt"
check "--downsample 128 = the reference's -s 128" $?
"$phash" hash --algo vpdq --seconds-per-hash 1 "$v" >"$tmp/r1.txt"
cmp -s "$tmp/r1.txt" "$exp/test-padded-dimensions-r1.txt"
check "--seconds-per-hash 1 = the reference's -r 1" $?
"$phash" hash --algo vpdq "$v" >"$tmp/default.txt"
cmp -s "$tmp/default.txt" "$exp/test-padded-dimensions-r1.txt"
check "default: one hash per second" $?

# Several videos: a '# PATH' line before each block; a failure is reported,
# the next video is still hashed, the exit status is 2.
"$phash" hash --algo vpdq "$v" "$PHASH_SOURCE_ROOT/tests/data/video/audio-only.m4a" "$v" \
    >"$tmp/several.txt" 2>"$tmp/err.txt"
check "a failed video gives exit status 2" $(( $? != 2 ))
{ echo "# $v"; cat "$exp/test-padded-dimensions-r1.txt"
  echo "# $PHASH_SOURCE_ROOT/tests/data/video/audio-only.m4a"
  echo "# $v"; cat "$exp/test-padded-dimensions-r1.txt"; } >"$tmp/several.want"
cmp -s "$tmp/several.txt" "$tmp/several.want"
check "several videos: blocks after '# PATH'" $?
grep -q "audio-only.m4a: .*without a video stream (PHASH_ERR_NOT_IMAGE)" "$tmp/err.txt"
check "the error names the file and the status" $?

# JSON lines and HMA's signal string, read back by Python.
"$phash" hash --algo vpdq --json "$v" "$PHASH_SOURCE_ROOT/tests/data/video/audio-only.m4a" \
    >"$tmp/j.json" 2>/dev/null
"$phash" hash --algo vpdq --hma "$v" >"$tmp/hma.txt"
/usr/bin/python3 - "$tmp/j.json" "$tmp/hma.txt" "$exp/test-padded-dimensions-r1.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ref = [l.split(",") for l in open(sys.argv[3]).read().splitlines()]
assert len(rows) == 2, rows
got = [(str(f["frame"]), str(f["quality"]), f["hash"], "%.3f" % f["timestamp"]) for f in rows[0]["frames"]]
assert got == [tuple(r) for r in ref], got
assert rows[0]["frame_rate"] == 30 and rows[0]["frames_decoded"] == 150 and "error" not in rows[0]
assert rows[1]["frames"] == [] and "video stream" in rows[1]["error"], rows[1]
hma = json.loads(open(sys.argv[2]).read())
assert hma == [f"{r[2]},{r[1]},{float(r[3]):.3}" for r in ref], hma
PY
check "--json and --hma" $?

"$phash" hash --algo vpdq --seconds-per-hash -1 "$v" >/dev/null 2>&1
check "a negative --seconds-per-hash is refused" $(( $? != 2 ))
"$phash" hash --algo vpdq --downsample 4 "$v" >/dev/null 2>&1
check "--downsample under 5 is refused" $(( $? != 2 ))
exit $fail
