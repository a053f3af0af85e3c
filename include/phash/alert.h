/* SPDX-License-Identifier: MIT */
/*
 * Alert policy: whether the evidence that one scanned image matches one
 * signature (a picture on a list) is an alert, a weak match (reported only
 * on request), or nothing.
 *
 * The evidence for one (image, signature) pair is the best distance of each
 * algorithm over the image's views (orig, and the border-trimmed and
 * embedded views of expand.h when they are hashed) and, for PDQ, over its 8
 * dihedral hashes when dihedral matching is on, with the qualities of the
 * query hash that achieved it and of the signature (-1 when the list does
 * not say). The scanner collects it per signature and asks
 * phash_alert_decide(); the view and dihedral variant that matched are
 * reported beside the decision by the caller.
 *
 * The default rule (chosen from bench/accuracy, figures in
 * bench/accuracy/README.md and the notes of issue 14):
 *   ALERT when the PDQ distance is <= 31 with both PDQ qualities >= 50, or
 *         when the pHash distance is <= 10 with both pHash qualities >= 50
 *         AND PDQ agrees within 56 (with its own quality gate), or when the
 *         pHash distance alone is <= 3 (quality gated): a pHash-only hit
 *         at 4..10 is not an alert, because pHash-64 alone matches
 *         unrelated photos (dark skies against galaxies) at 4-10 with good
 *         quality; 3 is its 99.99%-precision threshold on photo pairs, so
 *         a list of pHash hashes alone still alerts on close copies;
 *   WEAK  when any gated algorithm is within its weak radius (PDQ 40,
 *         pHash 12) without meeting the alert rule;
 *   NONE  otherwise, and always for a hash whose quality gate fails.
 * Dihedral matching and the expansions are the caller's choice; the
 * recommended defaults are PHASH_ALERT_RECOMMENDED_* below.
 *
 * Per-list settings (phash_alert_policy_set_list) override any option for
 * the entries of one list; PHASH_ALERT_OPT_ALGORITHMS and _MAX_LEVEL say
 * which algorithms may alert and how high a match may go.
 *
 * Thread safety: a policy is read-only once configured; phash_alert_decide
 * may be called from many threads at once with one policy. Setting options
 * while another thread decides is not allowed.
 */
#ifndef PHASH_ALERT_H
#define PHASH_ALERT_H

#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum phash_alert_level {
    PHASH_ALERT_NONE = 0,
    PHASH_ALERT_WEAK = 1,  /* close, but not enough to alert: report on request */
    PHASH_ALERT_MATCH = 2  /* alert */
} phash_alert_level;

/* "none", "weak", "alert"; "unknown" for other values. Static. */
PHASH_API const char *phash_alert_level_name(phash_alert_level level);

/* The evidence for one (scanned image, signature) pair. A distance < 0
 * means "no evidence" (the algorithm was not computed, the list has no such
 * hash for this signature, or nothing was within the search radius). */
typedef struct phash_alert_evidence {
    int pdq_distance;         /* 0..256 or -1 */
    int pdq_quality;          /* quality of the query hash that gave it */
    int pdq_sig_quality;      /* the signature's quality, -1 if unknown */
    int phash_distance;       /* 0..64 or -1 */
    int phash_quality;
    int phash_sig_quality;    /* -1 if unknown */
} phash_alert_evidence;

/* The radius a caller must search each algorithm at so that the default
 * rule sees all its evidence (PDQ: the agreement radius; pHash: the weak
 * radius). */
#define PHASH_ALERT_SEARCH_RADIUS_PDQ 56u
#define PHASH_ALERT_SEARCH_RADIUS_PHASH 12u
/* Recommended scanner defaults, from the same measurement: PDQ dihedral
 * matching on with the aligned variants (PHASH_SCAN_DIHEDRAL_ALIGNED:
 * recall on turned/mirrored copies 0% -> 99-100%, no unrelated pair added),
 * expansions "border,embedded". */
#define PHASH_ALERT_RECOMMENDED_DIHEDRAL 1
#define PHASH_ALERT_RECOMMENDED_EXPANSIONS "border,embedded"

typedef enum phash_alert_option {
    PHASH_ALERT_OPT_PDQ_RADIUS = 1,        /* default 31 (0..256) */
    PHASH_ALERT_OPT_PHASH_RADIUS = 2,      /* default 10 (0..64) */
    /* PDQ agreement a pHash hit needs: 0..256, default 56; -1 lets a pHash
     * hit alert on its own (not recommended: see above). */
    PHASH_ALERT_OPT_PHASH_NEEDS_PDQ = 3,
    PHASH_ALERT_OPT_PDQ_MIN_QUALITY = 4,   /* default 50 (0..100) */
    PHASH_ALERT_OPT_PHASH_MIN_QUALITY = 5, /* default 50 (0..100) */
    PHASH_ALERT_OPT_PDQ_WEAK_RADIUS = 6,   /* default 40 (0..256) */
    PHASH_ALERT_OPT_PHASH_WEAK_RADIUS = 7, /* default 12 (0..64) */
    /* pHash distance that alerts without PDQ agreement (quality gated):
     * default 3, -1..64 (-1: never). */
    PHASH_ALERT_OPT_PHASH_ALONE_RADIUS = 8,
    /* The algorithms that can make an alert: a mask of PHASH_ALERT_ALGO(a)
     * bits of phash_sig_algo values (sigset.h), 0 .. PHASH_ALERT_ALGOS_ALL
     * (the default: every algorithm). An alert is decided on the evidence
     * of these algorithms alone; what the others find is weak at most (a
     * PDQ hit of a list whose mask holds only MD5 is weak). */
    PHASH_ALERT_OPT_ALGORITHMS = 9,
    /* The highest level a match reaches: PHASH_ALERT_MATCH (default),
     * PHASH_ALERT_WEAK (every match at most weak: reported on request
     * only), PHASH_ALERT_NONE (never reported). Meant per list (below): a
     * list of low confidence, or one kept loaded but silenced. */
    PHASH_ALERT_OPT_MAX_LEVEL = 10
} phash_alert_option;
#define PHASH_ALERT_ALGO(sig_algo) (1 << (sig_algo))
#define PHASH_ALERT_ALGOS_ALL 0x7fffffff

typedef struct phash_alert_policy phash_alert_policy;

/* A policy with the default rule; *out NULL on failure. */
PHASH_API PHASH_NODISCARD phash_status phash_alert_policy_new(phash_alert_policy **out);
/* NULL is a no-op. */
PHASH_API void phash_alert_policy_free(phash_alert_policy *p);
/* PHASH_ERR_INVALID_ARG for an unknown option or a value out of range (the
 * setting is then unchanged). */
PHASH_API PHASH_NODISCARD phash_status phash_alert_policy_set(phash_alert_policy *p,
                                                              phash_alert_option option,
                                                              int value);
/* The option's value; -2 for an unknown option or p NULL (-1 is a valid
 * value of PHASH_ALERT_OPT_PHASH_NEEDS_PDQ). */
PHASH_API int phash_alert_policy_get(const phash_alert_policy *p, phash_alert_option option);

/* The decision for one pair (p NULL: the default rule). NONE for NULL
 * evidence. */
PHASH_API phash_alert_level phash_alert_decide(const phash_alert_policy *p,
                                               const phash_alert_evidence *e);

/* ---- per-list settings --------------------------------------------------
 * Any option may be set for the entries of one list only: a list of low
 * confidence alerts at a narrower radius or only weakly, a list's pHash
 * hashes never alert, a list is silenced without being unloaded. A list is
 * named as matches name it (phash_scan_match.list: the path given to
 * phash_sigset_load_file, or the name given to _load_memory), or by its
 * last path component ("vics.json" names "/srv/lists/vics.json"); a setting
 * for the exact name wins over one for the last component. A list's
 * options not set for it follow the policy's own (phash_alert_policy_set,
 * before or after). At most PHASH_ALERT_MAX_LISTS lists; list names up to
 * 4096 bytes.
 * PHASH_ERR_INVALID_ARG (unknown option, value out of range, empty or too
 * long name), PHASH_ERR_TOO_LARGE (too many lists), PHASH_ERR_NOMEM; the
 * policy is then unchanged. */
#define PHASH_ALERT_MAX_LISTS 256
PHASH_API PHASH_NODISCARD phash_status phash_alert_policy_set_list(phash_alert_policy *p,
                                                                   const char *list,
                                                                   phash_alert_option option,
                                                                   int value);
/* The option's value for entries of list (the list's own, else the
 * policy's); -2 as phash_alert_policy_get. */
PHASH_API int phash_alert_policy_get_list(const phash_alert_policy *p, const char *list,
                                          phash_alert_option option);
/* The decision for one pair whose signature belongs to list (NULL: the
 * policy's own settings): phash_alert_decide with the list's settings,
 * then PHASH_ALERT_OPT_ALGORITHMS and PHASH_ALERT_OPT_MAX_LEVEL applied. */
PHASH_API phash_alert_level phash_alert_decide_list(const phash_alert_policy *p,
                                                    const char *list,
                                                    const phash_alert_evidence *e);
/* The level of an exact match (a digest, or a match another rule decided:
 * a video's) of algorithm sig_algo for an entry of list: PHASH_ALERT_MATCH,
 * or WEAK when the list's PHASH_ALERT_OPT_ALGORITHMS leaves sig_algo out,
 * capped by its PHASH_ALERT_OPT_MAX_LEVEL. */
PHASH_API phash_alert_level phash_alert_exact_level(const phash_alert_policy *p,
                                                    const char *list, int sig_algo);
/* Make dst a copy of src, per-list settings included (src NULL: the
 * default rule). PHASH_ERR_NOMEM (dst unchanged), PHASH_ERR_INVALID_ARG. */
PHASH_API PHASH_NODISCARD phash_status phash_alert_policy_copy(phash_alert_policy *dst,
                                                               const phash_alert_policy *src);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_ALERT_H */
