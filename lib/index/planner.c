/* SPDX-License-Identifier: MIT */
/* The planner: scan, BK-tree or MIH for one query shape, from a cost model
 * calibrated on this project's measurements (docs/index.md 4 and 6), in
 * units of "one 64-bit code compared in a sequential SIMD scan":
 *   scan:  N * words
 *   MIH:   probes * C_PROBE + candidates * C_CAND, where candidates =
 *          probes * expected bucket size; the bucket size is the mean of the
 *          uniform estimate N/65536 and the data-weighted one sum(size^2)/N
 *          (real codes have skewed substrings: a query drawn like the data
 *          lands in a big bucket more often).
 * The BK-tree loses to MIH at every radius measured, and to the scan above
 * r = 4 (64-bit) / 8 (256-bit); it is chosen only when MIH is absent. */
#include "index_internal.h"

#define C_PROBE 24.0
#define C_CAND64 1.5   /* filters, SIMD (and the few survivors) */
#define C_CAND256 16.0 /* gathered 32-byte codes: a cache miss each, amortised */

static double ball(int bits, int radius)
{
    if (radius < 0)
        return 0;
    double sum = 0, c = 1;
    for (int i = 0; i <= radius && i <= bits; i++) {
        sum += c;
        c = c * (bits - i) / (i + 1);
    }
    return sum;
}

static double mih_cost(const ph_core *c, unsigned radius)
{
    unsigned m = c->m, s = radius / m, a = radius % m;
    double cost = 0;
    for (unsigned j = 0; j < m; j++) {
        unsigned wj = ph_sub_width(c->mbits, j);
        double probes = ball((int)wj, j <= a ? (int)s : (int)s - 1);
        double bucket = ((double)c->n / (double)((size_t)1 << wj) + c->mih_occupancy) / 2;
        cost += probes * C_PROBE + probes * bucket * (c->words == 1 ? C_CAND64 : C_CAND256);
    }
    return cost;
}

/* Per radius, once per core: the planner runs for every query. */
void ph_plan_prepare(ph_core *c)
{
    for (unsigned r = 0; r <= 64 * c->words; r++)
        c->mih_cost[r] = (float)mih_cost(c, r);
}

phash_index_method ph_plan(const ph_core *c, size_t nbuf, unsigned radius, size_t k,
                           phash_index_method forced)
{
    (void)nbuf; /* the buffer is scanned whatever the plan */
    if (forced != PHASH_INDEX_AUTO)
        return forced;
    if (c->n == 0)
        return PHASH_INDEX_SCAN;
    if (radius > 64 * c->words)
        radius = 64 * c->words;
    double scan = (double)c->n * c->words;
    if (c->mih_off) {
        /* Unbounded k-NN: the scan with a shrinking radius is the engine. */
        if (k > 0 && radius >= 64 * c->words / 4)
            return PHASH_INDEX_SCAN;
        return c->mih_cost[radius] < scan ? PHASH_INDEX_MIH : PHASH_INDEX_SCAN;
    }
    if (c->bk_nodes > 1 && radius <= 4 * c->words / (c->words == 1 ? 1 : 2))
        return PHASH_INDEX_BKTREE;
    return PHASH_INDEX_SCAN;
}
