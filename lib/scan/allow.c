/* SPDX-License-Identifier: MIT */
/* Allowlists over one file's matches, as forensic tools use known-file
 * sets: owners flagged PHASH_SIGSET_FLAG_ALLOW (an operator's allowlist,
 * NIST CAID, VICS Category 0) are known-benign. A file whose exact digest
 * is allowlisted is benign whatever else it matches (the same bytes); a
 * signature with an allowlist owner is benign for every list that carries
 * it (the same hash). A perceptual match to an allowlisted hash does not
 * clear the file's other signatures: near is not the same. */
#include <string.h>

#include "scan_int.h"

static int is_allow(const phash_scan_match *m)
{
    return (m->owner_flags & PHASH_SIGSET_FLAG_ALLOW) != 0;
}

/* Same signature: the same algorithm and hash. A vPDQ record names a
 * listed video, not one hash: two are the same signature when the file
 * matched them alike (the same frames at the same times, the same share of
 * each), i.e. the same video on two lists; a different video that the file
 * also matches is not cleared by an allowlisted one. */
static int same_signature(const phash_scan_match *a, const phash_scan_match *b)
{
    if (a->sig_algo != b->sig_algo)
        return 0;
    if (a->sig_algo == PHASH_SIG_VPDQ)
        return a->query_percent == b->query_percent && a->index_percent == b->index_percent &&
               !strcmp(a->time_ranges, b->time_ranges);
    return !strcmp(a->hash, b->hash);
}

/* Does any owner of m's signature allow it? */
static int signature_allowed(const phash_scan_match *recs, size_t n, const phash_scan_match *m)
{
    for (size_t k = 0; k < n; k++)
        if (is_allow(&recs[k]) && same_signature(&recs[k], m))
            return 1;
    return 0;
}

void ph_scan_apply_allowlist(ph_worker *w)
{
    phash_scan_match *recs = w->match_recs.data;
    size_t n = w->rep.n_matches;
    int file_allowed = 0, any = 0;
    for (size_t k = 0; k < n; k++)
        if (is_allow(&recs[k])) {
            any = 1;
            file_allowed |= phash_sig_algo_is_exact(recs[k].sig_algo);
        }
    if (!any)
        return; /* the common case: nothing to do */
    size_t out = 0, marked = 0;
    for (size_t k = 0; k < n; k++) {
        phash_scan_match m = recs[k];
        m.suppressed = file_allowed || signature_allowed(recs, n, &m);
        if (m.suppressed && !w->s->report_suppressed) {
            w->rep.n_suppressed++;
            continue;
        }
        marked += (size_t)m.suppressed;
        recs[out++] = m;
    }
    w->rep.n_matches = out;
    if (w->s->report_suppressed)
        w->rep.n_suppressed = marked;
}
