/* SPDX-License-Identifier: MIT */
#include "internal.h"

unsigned phash_version(void) { return PHASH_VERSION_NUMBER; }

const char *phash_version_string(void) { return PHASH_VERSION_STRING; }
