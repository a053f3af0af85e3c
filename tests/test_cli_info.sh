#!/bin/sh
# SPDX-License-Identifier: MIT
# phash info (tools/cmd_info.c): exact CSV and JSON-lines output on a few
# files of the shared formats folder, exit statuses, CSV quoting.
set -u
sh "$(dirname "$0")/require_shared.sh" testdata/formats || exit $?
phash=$1
case $phash in /*) ;; *) phash=$PWD/$phash ;; esac # the script changes folder
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
cd "$PHASH_SHARED/testdata/formats" || exit 1

"$phash" info jpeg/video-001.jpeg jpeg/hopper_orientation_6.jpg jpeg/video-005.gray.jpeg \
    webp/iss634.webp png/monkey16.png >"$tmp/ok.csv"
check "exit status 0 when all decode" $?
cat >"$tmp/ok.want" <<'END'
path,format,width,height,channels,orientation,status
jpeg/video-001.jpeg,jpeg,150,103,3,1,ok
jpeg/hopper_orientation_6.jpg,jpeg,128,128,3,6,ok
jpeg/video-005.gray.jpeg,jpeg,150,103,1,1,ok
webp/iss634.webp,webp,245,245,3,1,ok
png/monkey16.png,png,149,227,3,1,ok
END
cmp -s "$tmp/ok.csv" "$tmp/ok.want"
check "CSV rows" $?
[ $fail -eq 0 ] || diff "$tmp/ok.csv" "$tmp/ok.want"

cp jpeg/video-001.jpeg "$tmp/a,b.jpg"
"$phash" info huge/gdk_issue205.jpg malformed/truncated_jpeg.jpg "$tmp/a,b.jpg" \
    huge/decompression_bomb.gif nope.png >"$tmp/err.csv"
check "exit status 2 when any fails" $([ $? -eq 2 ]; echo $?)
cat >"$tmp/err.want" <<END
path,format,width,height,channels,orientation,status
huge/gdk_issue205.jpg,jpeg,,,,,too_large: JPEG: 64250x64250 exceeds the limit of 32768x32768
malformed/truncated_jpeg.jpg,jpeg,100,100,3,1,ok
"$tmp/a,b.jpg",jpeg,150,103,3,1,ok
huge/decompression_bomb.gif,gif,,,,,corrupt: GIF: image descriptor: invalid data at byte 44
nope.png,unknown,,,,,io_error: cannot open nope.png: No such file or directory
END
cmp -s "$tmp/err.csv" "$tmp/err.want"
check "CSV error rows and quoting" $?
[ $fail -eq 0 ] || diff "$tmp/err.csv" "$tmp/err.want"

"$phash" info --json --apply-orientation jpeg/hopper_orientation_6.jpg pngsuite/tbbn3p08.png \
    malformed/broken.png >"$tmp/j.txt"
check "json exit status 2" $([ $? -eq 2 ]; echo $?)
cat >"$tmp/j.want" <<'END'
{"path":"jpeg/hopper_orientation_6.jpg","format":"jpeg","width":128,"height":128,"channels":3,"orientation":6,"flags":64,"status":"ok"}
{"path":"pngsuite/tbbn3p08.png","format":"png","width":32,"height":32,"channels":3,"orientation":1,"flags":18,"status":"ok"}
{"path":"malformed/broken.png","format":"png","width":null,"height":null,"channels":null,"orientation":null,"flags":null,"status":"corrupt","error":"PNG: no IHDR chunk first"}
END
cmp -s "$tmp/j.txt" "$tmp/j.want"
check "JSON lines" $?
[ $fail -eq 0 ] || diff "$tmp/j.txt" "$tmp/j.want"

# The formats of issue 16, from the seeds of the decoder fuzz corpus.
cd "$PHASH_SOURCE_ROOT/tests/fuzz/corpus" || exit 1
"$phash" info --json gif/plain.gif gif/animated.gif tiff/rgb-lzw.tif tiff/two-pages.tif \
    tiff/cmyk.tif bmp/rgb24.bmp bmp/pal4-rle.bmp heif/plain.heic avif/plain.avif \
    jxl/rotated.jxl jxl/rgb16.jxl >"$tmp/new.txt"
rc=$?
# A format this build left out (meson options) is named and refused, and
# then info exits 2 as for any file that fails.
check "new formats: exit status 0, or 2 with formats left out ($PHASH_FORMATS_LEFT_OUT)" \
    $([ $rc -eq $([ -n "${PHASH_FORMATS_LEFT_OUT:-}" ] && echo 2 || echo 0) ]; echo $?)
cat >"$tmp/new.all" <<'END'
{"path":"gif/plain.gif","format":"gif","width":40,"height":30,"channels":3,"orientation":1,"flags":16,"status":"ok"}
{"path":"gif/animated.gif","format":"gif","width":24,"height":24,"channels":3,"orientation":1,"flags":48,"status":"ok"}
{"path":"tiff/rgb-lzw.tif","format":"tiff","width":40,"height":30,"channels":3,"orientation":1,"flags":0,"status":"ok"}
{"path":"tiff/two-pages.tif","format":"tiff","width":40,"height":30,"channels":3,"orientation":1,"flags":32,"status":"ok"}
{"path":"tiff/cmyk.tif","format":"tiff","width":40,"height":30,"channels":3,"orientation":1,"flags":4,"status":"ok"}
{"path":"bmp/rgb24.bmp","format":"bmp","width":37,"height":21,"channels":3,"orientation":1,"flags":0,"status":"ok"}
{"path":"bmp/pal4-rle.bmp","format":"bmp","width":37,"height":21,"channels":3,"orientation":1,"flags":16,"status":"ok"}
{"path":"heif/plain.heic","format":"heif","width":64,"height":48,"channels":3,"orientation":1,"flags":0,"status":"ok"}
{"path":"avif/plain.avif","format":"avif","width":64,"height":48,"channels":3,"orientation":1,"flags":0,"status":"ok"}
{"path":"jxl/rotated.jxl","format":"jxl","width":40,"height":30,"channels":3,"orientation":6,"flags":0,"status":"ok"}
{"path":"jxl/rgb16.jxl","format":"jxl","width":40,"height":30,"channels":3,"orientation":1,"flags":8,"status":"ok"}
END
cp "$tmp/new.all" "$tmp/new.want"
for f in ${PHASH_FORMATS_LEFT_OUT:-}; do
    sed -i -E 's/^(\{"path":"[^"]*","format":"'"$f"'",).*/\1"width":null,"height":null,"channels":null,"orientation":null,"flags":null,"status":"unsupported","error":"'"$f"' images are not decoded"}/' "$tmp/new.want"
done
cmp -s "$tmp/new.txt" "$tmp/new.want"
check "new formats: JSON lines" $?
[ $fail -eq 0 ] || diff "$tmp/new.txt" "$tmp/new.want"

"$phash" info >/dev/null 2>&1
check "no file is a usage error (exit 2)" $([ $? -eq 2 ]; echo $?)
"$phash" info --bogus x >/dev/null 2>&1
check "unknown option is a usage error (exit 2)" $([ $? -eq 2 ]; echo $?)
# A named pipe is never opened (opening it for reading would block for ever:
# issue 15), by info, hash, or hash -r over a folder holding one.
# An image followed by other bytes decodes as itself, flagged (256).
f=$PHASH_SHARED/testdata/formats
cat "$f/jpeg/video-001.jpeg" "$f/png/monkey16.png" >"$tmp/trailing.jpg"
"$phash" info --json "$tmp/trailing.jpg" >"$tmp/trailing.txt"
check "trailing data: exit status 0" $?
grep -q '"width":150,"height":103,"channels":3,"orientation":1,"flags":256,"status":"ok"}' \
    "$tmp/trailing.txt"
check "trailing data: flag 256" $?

# (Windows has no FIFOs in folders; under Wine a Linux FIFO is not one.)
if [ "${PHASH_HOST_SYSTEM:-}" != windows ]; then
    mkfifo "$tmp/pipe.jpg"
    timeout 20 "$phash" info "$tmp/pipe.jpg" >"$tmp/fifo.csv"
    check "info on a FIFO: exit 2, no hang" $([ $? -eq 2 ]; echo $?)
    grep -q "pipe.jpg,unknown,,,,,not_a_regular_file: " "$tmp/fifo.csv"
    check "info on a FIFO: not_a_regular_file" $?
    timeout 20 "$phash" hash "$tmp/pipe.jpg" >"$tmp/fifo-hash.csv"
    check "hash on a FIFO: exit 2, no hang" $([ $? -eq 2 ]; echo $?)
    grep -q "pipe.jpg,pdq,,,not a regular file: " "$tmp/fifo-hash.csv"
    check "hash on a FIFO: error row" $?
    mkdir "$tmp/tree" && cp "$PHASH_SHARED/testdata/formats/jpeg/video-001.jpeg" "$tmp/tree/a.jpg" && mkfifo "$tmp/tree/b.jpg"
    timeout 20 "$phash" hash -r "$tmp/tree" >"$tmp/tree.csv"
    check "hash -r over a FIFO: exit 0, no hang" $?
    [ "$(wc -l <"$tmp/tree.csv")" -eq 2 ]
    check "hash -r over a FIFO: the file hashed, the FIFO skipped" $?
fi
exit $fail
