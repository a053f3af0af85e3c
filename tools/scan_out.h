/* SPDX-License-Identifier: MIT */
/* The one writer of report fields for every command: CSV quoting and JSON
 * string escaping. JSON output is always valid UTF-8; a byte that is not
 * part of valid UTF-8 (a file name in Latin-1, say) is written as the
 * escape \udcXX (XX its value: Python's surrogateescape), so the exact
 * bytes of every path can be recovered. CSV fields are the raw bytes. */
#ifndef PHASH_TOOLS_SCAN_OUT_H
#define PHASH_TOOLS_SCAN_OUT_H

#include <stdio.h>

/* A CSV field, quoted only when it holds a comma, quote, CR or LF. */
void out_csv_field(FILE *f, const char *s);
/* A JSON string literal, with its quotes. */
void out_json_string(FILE *f, const char *s);

#endif
