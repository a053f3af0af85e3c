/* SPDX-License-Identifier: MIT */
/* Alert policy (include/phash/alert.h): the rule that turns the best
 * distances of one (scanned image, signature) pair into alert / weak /
 * nothing. The defaults come from bench/accuracy. */
#include "internal.h"
#include "phash/alert.h"

struct phash_alert_policy {
    int v[PHASH_ALERT_OPT_PHASH_ALONE_RADIUS + 1]; /* indexed by phash_alert_option */
};

static const struct {
    int def, min, max;
} limits[PHASH_ALERT_OPT_PHASH_ALONE_RADIUS + 1] = {
    [PHASH_ALERT_OPT_PDQ_RADIUS] = {31, 0, 256},
    [PHASH_ALERT_OPT_PHASH_RADIUS] = {10, 0, 64},
    [PHASH_ALERT_OPT_PHASH_NEEDS_PDQ] = {56, -1, 256},
    [PHASH_ALERT_OPT_PDQ_MIN_QUALITY] = {50, 0, 100},
    [PHASH_ALERT_OPT_PHASH_MIN_QUALITY] = {50, 0, 100},
    [PHASH_ALERT_OPT_PDQ_WEAK_RADIUS] = {40, 0, 256},
    [PHASH_ALERT_OPT_PHASH_WEAK_RADIUS] = {12, 0, 64},
    [PHASH_ALERT_OPT_PHASH_ALONE_RADIUS] = {3, -1, 64},
};

static int known_option(phash_alert_option o)
{
    return o >= PHASH_ALERT_OPT_PDQ_RADIUS && o <= PHASH_ALERT_OPT_PHASH_ALONE_RADIUS;
}

/* The default rule, for phash_alert_decide(NULL, ...): the same values as
 * the defaults in `limits` (a test checks they agree). */
static const phash_alert_policy default_policy = {{
    [PHASH_ALERT_OPT_PDQ_RADIUS] = 31,
    [PHASH_ALERT_OPT_PHASH_RADIUS] = 10,
    [PHASH_ALERT_OPT_PHASH_NEEDS_PDQ] = 56,
    [PHASH_ALERT_OPT_PDQ_MIN_QUALITY] = 50,
    [PHASH_ALERT_OPT_PHASH_MIN_QUALITY] = 50,
    [PHASH_ALERT_OPT_PDQ_WEAK_RADIUS] = 40,
    [PHASH_ALERT_OPT_PHASH_WEAK_RADIUS] = 12,
    [PHASH_ALERT_OPT_PHASH_ALONE_RADIUS] = 3,
}};

const char *phash_alert_level_name(phash_alert_level level)
{
    switch (level) {
    case PHASH_ALERT_NONE: return "none";
    case PHASH_ALERT_WEAK: return "weak";
    case PHASH_ALERT_MATCH: return "alert";
    }
    return "unknown";
}

phash_status phash_alert_policy_new(phash_alert_policy **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = ph_malloc(sizeof **out);
    if (!*out)
        return PHASH_ERR_NOMEM;
    for (int o = PHASH_ALERT_OPT_PDQ_RADIUS; o <= PHASH_ALERT_OPT_PHASH_ALONE_RADIUS; o++)
        (*out)->v[o] = limits[o].def;
    return PHASH_OK;
}

void phash_alert_policy_free(phash_alert_policy *p) { ph_free(p); }

phash_status phash_alert_policy_set(phash_alert_policy *p, phash_alert_option option, int value)
{
    if (!p || !known_option(option) || value < limits[option].min || value > limits[option].max)
        return PHASH_ERR_INVALID_ARG;
    p->v[option] = value;
    return PHASH_OK;
}

int phash_alert_policy_get(const phash_alert_policy *p, phash_alert_option option)
{
    return p && known_option(option) ? p->v[option] : -2;
}

/* A distance that counts: present and both qualities pass the gate (an
 * unknown signature quality does not fail it). */
static int usable(int distance, int quality, int sig_quality, int min_quality)
{
    return distance >= 0 && quality >= min_quality && (sig_quality < 0 || sig_quality >= min_quality);
}

phash_alert_level phash_alert_decide(const phash_alert_policy *p, const phash_alert_evidence *e)
{
    if (!e)
        return PHASH_ALERT_NONE;
    if (!p)
        p = &default_policy;
    const int *v = p->v;
    int pdq = usable(e->pdq_distance, e->pdq_quality, e->pdq_sig_quality,
                     v[PHASH_ALERT_OPT_PDQ_MIN_QUALITY]);
    int ph = usable(e->phash_distance, e->phash_quality, e->phash_sig_quality,
                    v[PHASH_ALERT_OPT_PHASH_MIN_QUALITY]);
    if (pdq && e->pdq_distance <= v[PHASH_ALERT_OPT_PDQ_RADIUS])
        return PHASH_ALERT_MATCH;
    if (ph && e->phash_distance <= v[PHASH_ALERT_OPT_PHASH_RADIUS]) {
        int need = v[PHASH_ALERT_OPT_PHASH_NEEDS_PDQ];
        if (need < 0 || (pdq && e->pdq_distance <= need))
            return PHASH_ALERT_MATCH;
    }
    if (ph && e->phash_distance <= v[PHASH_ALERT_OPT_PHASH_ALONE_RADIUS])
        return PHASH_ALERT_MATCH;
    if ((pdq && e->pdq_distance <= v[PHASH_ALERT_OPT_PDQ_WEAK_RADIUS]) ||
        (ph && e->phash_distance <= v[PHASH_ALERT_OPT_PHASH_WEAK_RADIUS]))
        return PHASH_ALERT_WEAK;
    return PHASH_ALERT_NONE;
}
