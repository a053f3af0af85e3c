/* SPDX-License-Identifier: MIT */
/* For the fuzz targets: a setup call that fails is a bug of the target (its
 * arguments are valid), not a finding about the input: trap so the fuzzer
 * and the regression driver both see it. */
#ifndef PHASH_FUZZ_CHECK_H
#define PHASH_FUZZ_CHECK_H

#include "../win_compat.h"
#include "phash/phash.h"

#define FUZZ_OK(call)                                                                         \
    do {                                                                                      \
        if ((call) != PHASH_OK)                                                               \
            __builtin_trap();                                                                 \
    } while (0)

/* Any status is a fine answer to a hostile input (only crashes, leaks and
 * sanitizer reports are findings): the result is consumed and dropped. */
#define FUZZ_ANY(call)                                                                        \
    do {                                                                                      \
        phash_status fuzz_any_ = (call);                                                      \
        (void)fuzz_any_;                                                                      \
    } while (0)

#endif
