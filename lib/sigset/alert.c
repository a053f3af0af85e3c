/* SPDX-License-Identifier: MIT */
/* Alert policy (include/phash/alert.h): the rule that turns the best
 * distances of one (scanned image, signature) pair into alert / weak /
 * nothing, with per-list overrides. The defaults come from bench/accuracy. */
#include <string.h>

#include "internal.h"
#include "alert_int.h"
#include "phash/alert.h"
#include "phash/sigset.h"

#define N_OPTS (PHASH_ALERT_OPT_MAX_LEVEL + 1)
#define MAX_LIST_NAME 4096

/* One list's settings: the options it sets (bit o of set), their values. */
typedef struct alert_list {
    char *name;
    unsigned set;
    int v[N_OPTS];
} alert_list;

struct phash_alert_policy {
    int v[N_OPTS]; /* indexed by phash_alert_option */
    alert_list *lists;
    size_t n_lists;
};

static const struct {
    int def, min, max;
} limits[N_OPTS] = {
    [PHASH_ALERT_OPT_PDQ_RADIUS] = {31, 0, 256},
    [PHASH_ALERT_OPT_PHASH_RADIUS] = {10, 0, 64},
    [PHASH_ALERT_OPT_PHASH_NEEDS_PDQ] = {56, -1, 256},
    [PHASH_ALERT_OPT_PDQ_MIN_QUALITY] = {50, 0, 100},
    [PHASH_ALERT_OPT_PHASH_MIN_QUALITY] = {50, 0, 100},
    [PHASH_ALERT_OPT_PDQ_WEAK_RADIUS] = {40, 0, 256},
    [PHASH_ALERT_OPT_PHASH_WEAK_RADIUS] = {12, 0, 64},
    [PHASH_ALERT_OPT_PHASH_ALONE_RADIUS] = {3, -1, 64},
    [PHASH_ALERT_OPT_ALGORITHMS] = {PHASH_ALERT_ALGOS_ALL, 0, PHASH_ALERT_ALGOS_ALL},
    [PHASH_ALERT_OPT_MAX_LEVEL] = {PHASH_ALERT_MATCH, PHASH_ALERT_NONE, PHASH_ALERT_MATCH},
};

static int known_option(phash_alert_option o)
{
    return o >= PHASH_ALERT_OPT_PDQ_RADIUS && o <= PHASH_ALERT_OPT_MAX_LEVEL;
}

static int valid(phash_alert_option o, int value)
{
    return known_option(o) && value >= limits[o].min && value <= limits[o].max;
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
    [PHASH_ALERT_OPT_ALGORITHMS] = PHASH_ALERT_ALGOS_ALL,
    [PHASH_ALERT_OPT_MAX_LEVEL] = PHASH_ALERT_MATCH,
}, NULL, 0};

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
    *out = ph_calloc(1, sizeof **out);
    if (!*out)
        return PHASH_ERR_NOMEM;
    for (int o = PHASH_ALERT_OPT_PDQ_RADIUS; o < N_OPTS; o++)
        (*out)->v[o] = limits[o].def;
    return PHASH_OK;
}

static void free_lists(alert_list *lists, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ph_free(lists[i].name);
    ph_free(lists);
}

void phash_alert_policy_free(phash_alert_policy *p)
{
    if (!p)
        return;
    free_lists(p->lists, p->n_lists);
    ph_free(p);
}

phash_status phash_alert_policy_set(phash_alert_policy *p, phash_alert_option option, int value)
{
    if (!p || !valid(option, value))
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

/* The rule on the values v (an option-indexed array). */
static phash_alert_level decide_values(const int *v, const phash_alert_evidence *e)
{
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

phash_alert_level phash_alert_decide(const phash_alert_policy *p, const phash_alert_evidence *e)
{
    if (!e)
        return PHASH_ALERT_NONE;
    return decide_values((p ? p : &default_policy)->v, e);
}

/* ---- per-list settings ------------------------------------------------------ */

static char *copy_name(const char *name)
{
    size_t n = strlen(name) + 1;
    char *c = ph_malloc(n);
    if (c)
        memcpy(c, name, n);
    return c;
}

/* The last path component of a list name ('/' or, as Windows paths have
 * them, '\\'). */
static const char *last_component(const char *name)
{
    const char *base = name;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c == '\\')
            base = c + 1;
    return base;
}

/* The settings of list: those named exactly, else those named by its last
 * component; NULL when none. */
static const alert_list *find_list(const phash_alert_policy *p, const char *list)
{
    if (!p || !list || !p->n_lists)
        return NULL;
    for (size_t i = 0; i < p->n_lists; i++)
        if (!strcmp(p->lists[i].name, list))
            return &p->lists[i];
    const char *base = last_component(list);
    for (size_t i = 0; i < p->n_lists; i++)
        if (!strcmp(p->lists[i].name, base))
            return &p->lists[i];
    return NULL;
}

/* The values for entries of list in out[]. */
static void resolve(const phash_alert_policy *p, const char *list, int out[N_OPTS])
{
    if (!p)
        p = &default_policy;
    memcpy(out, p->v, sizeof p->v);
    const alert_list *l = find_list(p, list);
    for (int o = PHASH_ALERT_OPT_PDQ_RADIUS; l && o < N_OPTS; o++)
        if (l->set & (1u << o))
            out[o] = l->v[o];
}

phash_status phash_alert_policy_set_list(phash_alert_policy *p, const char *list,
                                         phash_alert_option option, int value)
{
    if (!p || !list || !*list || strlen(list) > MAX_LIST_NAME || !valid(option, value))
        return PHASH_ERR_INVALID_ARG;
    alert_list *l = NULL;
    for (size_t i = 0; i < p->n_lists && !l; i++)
        if (!strcmp(p->lists[i].name, list))
            l = &p->lists[i];
    if (!l) {
        if (p->n_lists == PHASH_ALERT_MAX_LISTS)
            return PHASH_ERR_TOO_LARGE;
        alert_list *grown = ph_realloc(p->lists, (p->n_lists + 1) * sizeof *grown);
        if (!grown)
            return PHASH_ERR_NOMEM;
        p->lists = grown;
        char *name = copy_name(list);
        if (!name)
            return PHASH_ERR_NOMEM;
        l = &p->lists[p->n_lists++];
        *l = (alert_list){.name = name};
    }
    l->set |= 1u << option;
    l->v[option] = value;
    return PHASH_OK;
}

int phash_alert_policy_get_list(const phash_alert_policy *p, const char *list,
                                phash_alert_option option)
{
    if (!p || !known_option(option))
        return -2;
    int v[N_OPTS];
    resolve(p, list, v);
    return v[option];
}

static phash_alert_level cap(phash_alert_level level, int max_level)
{
    return (int)level > max_level ? (phash_alert_level)max_level : level;
}

/* The rule on the evidence of the algorithms that may alert alone; what
 * the others add makes a match weak at most. */
static phash_alert_level decide_resolved(const int *v, const phash_alert_evidence *e)
{
    phash_alert_level all = decide_values(v, e);
    int mask = v[PHASH_ALERT_OPT_ALGORITHMS];
    int pdq = (mask & PHASH_ALERT_ALGO(PHASH_SIG_PDQ)) != 0,
        ph = (mask & PHASH_ALERT_ALGO(PHASH_SIG_PHASH)) != 0;
    phash_alert_level level = all;
    if (all == PHASH_ALERT_MATCH && !(pdq && ph)) {
        phash_alert_evidence alone = *e;
        if (!pdq)
            alone.pdq_distance = -1;
        if (!ph)
            alone.phash_distance = -1;
        level = decide_values(v, &alone) == PHASH_ALERT_MATCH ? PHASH_ALERT_MATCH
                                                              : PHASH_ALERT_WEAK;
    }
    return cap(level, v[PHASH_ALERT_OPT_MAX_LEVEL]);
}

phash_alert_level phash_alert_decide_list(const phash_alert_policy *p, const char *list,
                                          const phash_alert_evidence *e)
{
    if (!e)
        return PHASH_ALERT_NONE;
    int v[N_OPTS];
    resolve(p, list, v);
    return decide_resolved(v, e);
}

phash_alert_level phash_alert_exact_level(const phash_alert_policy *p, const char *list,
                                          int sig_algo)
{
    int v[N_OPTS];
    resolve(p, list, v);
    int alerts = sig_algo >= 0 && sig_algo < 31 &&
                 (v[PHASH_ALERT_OPT_ALGORITHMS] & PHASH_ALERT_ALGO(sig_algo));
    return cap(alerts ? PHASH_ALERT_MATCH : PHASH_ALERT_WEAK, v[PHASH_ALERT_OPT_MAX_LEVEL]);
}

phash_status phash_alert_policy_copy(phash_alert_policy *dst, const phash_alert_policy *src)
{
    if (!dst)
        return PHASH_ERR_INVALID_ARG;
    if (!src)
        src = &default_policy;
    if (dst == src)
        return PHASH_OK;
    alert_list *lists = NULL;
    if (src->n_lists) {
        lists = ph_calloc(src->n_lists, sizeof *lists);
        if (!lists)
            return PHASH_ERR_NOMEM;
        for (size_t i = 0; i < src->n_lists; i++) {
            lists[i] = src->lists[i];
            if (!(lists[i].name = copy_name(src->lists[i].name))) {
                free_lists(lists, i);
                return PHASH_ERR_NOMEM;
            }
        }
    }
    free_lists(dst->lists, dst->n_lists);
    memcpy(dst->v, src->v, sizeof dst->v);
    dst->lists = lists;
    dst->n_lists = src->n_lists;
    return PHASH_OK;
}

/* ---- for the scanner (alert_int.h) ------------------------------------------- */

int ph_alert_policy_widest(const phash_alert_policy *p, phash_alert_option option, int lowest)
{
    if (!p)
        p = &default_policy;
    int v = p->v[option];
    for (size_t i = 0; i < p->n_lists; i++)
        if (p->lists[i].set & (1u << option)) {
            int x = p->lists[i].v[option];
            v = lowest ? (x < v ? x : v) : (x > v ? x : v);
        }
    return v;
}
