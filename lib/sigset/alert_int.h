/* SPDX-License-Identifier: MIT */
/* The alert policy's internals the scanner needs (lib/scan/match.c). */
#ifndef PHASH_LIB_ALERT_INT_H
#define PHASH_LIB_ALERT_INT_H

#include "phash/alert.h"

/* The widest value of a known option over the policy and every list's
 * setting of it: the largest (lowest 0), or the smallest (lowest 1). The
 * scanner searches at the largest radii and gates the query at the lowest
 * quality any list accepts, then decides per list. */
int ph_alert_policy_widest(const phash_alert_policy *p, phash_alert_option option, int lowest);

#endif
