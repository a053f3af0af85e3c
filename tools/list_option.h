/* SPDX-License-Identifier: MIT */
/* phash scan --list-option NAME:KEY=VALUE: one alert-policy setting for the
 * entries of one list (phash_scanner_set_list_option). */
#ifndef PHASH_TOOLS_LIST_OPTION_H
#define PHASH_TOOLS_LIST_OPTION_H

#include <stddef.h>

#include "phash/phash.h"

/* The keys, for --help and messages: "pdq-radius, phash-radius, ...". */
extern const char list_option_keys[];

/* Parse text into its list name (copied into list, cap bytes), option and
 * value. 0, or -1 with a message in err (err_cap bytes). */
int list_option_parse(const char *text, char *list, size_t cap, phash_alert_option *option,
                      int *value, char *err, size_t err_cap);

/* 1 when name names one of the n lists (the path as given, or its last
 * component), as the library resolves it. */
int list_option_names(const char *name, const char *const *lists, int n);

#endif
