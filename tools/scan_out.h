/* SPDX-License-Identifier: MIT */
/* Writing report fields: CSV quoting and JSON string escaping (invalid
 * UTF-8 bytes become U+FFFD so the output is always valid JSON). */
#ifndef PHASH_TOOLS_SCAN_OUT_H
#define PHASH_TOOLS_SCAN_OUT_H

#include <stdio.h>

/* A CSV field, quoted only when it holds a comma, quote, CR or LF. */
void out_csv_field(FILE *f, const char *s);
/* A JSON string literal, with its quotes. */
void out_json_string(FILE *f, const char *s);

#endif
