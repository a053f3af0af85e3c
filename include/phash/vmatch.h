/* SPDX-License-Identifier: MIT */
/*
 * Video matching: a video's vPDQ frames (include/phash/video.h) against the
 * video entries of the signature set a matcher serves (PHASH_SIG_VPDQ,
 * include/phash/sigset.h), through an index over the frame hashes of all
 * videos (hash -> videos), never a brute force over videos.
 *
 * The rule is vPDQ's "bag of hashes" (frame numbers and timestamps play no
 * part): query frames and each listed video's frames are filtered by
 * quality (>= PHASH_VQ_OPT_QUALITY, default 50); a query frame matches a
 * video when one of the video's frames is within the distance; then
 *   query %  = matched query frames / query frames,
 *   index %  = matched frames of the video / frames of the video,
 * and the video matches when query % >= PHASH_VQ_OPT_QUERY_PERCENT (default
 * 80) and index % >= PHASH_VQ_OPT_INDEX_PERCENT (default 0). Two variants
 * of the reference (PHASH_VQ_OPT_RULE):
 * - PHASH_VPDQ_RULE_PYTX (default): python-threatexchange and HMA
 *   (vpdq_brute_matcher.py, VPDQIndex): frames de-duplicated by hash on both
 *   sides before counting, distance <= D (D = PHASH_VQ_OPT_DISTANCE, 31);
 * - PHASH_VPDQ_RULE_CPP: the C++ reference's matchTwoHashBrute
 *   (matchTwoHash.cpp): no de-duplication (a frame hash present n times
 *   counts n times on its side), distance < D (strict: <= 30 at D = 31).
 * A side with no frame left after the quality filter gives 0 % / 0 %.
 *
 * With each matched video the query's matched time ranges are reported:
 * runs of consecutive query frames (in the order given, which is time order
 * for a hashed video) that match that video, from the first one's
 * timestamp to the last one's.
 *
 * Handles: a phash_video_query holds the options and the results of its
 * last run (reused; no allocation in the steady state). Ownership: strings
 * returned point into the set the results were computed on, which stays
 * alive (even across a matcher replacement) until the next run or the
 * free. Thread safety: one phash_video_query per thread; any number may run
 * against one matcher at once. Errors: PHASH_ERR_INVALID_ARG, PHASH_ERR_NOMEM,
 * with the detail in phash_video_query_last_error().
 */
#ifndef PHASH_VMATCH_H
#define PHASH_VMATCH_H

#include "phash/phash.h"
#include "phash/sigset.h"
#include "phash/video.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Matching rules. Values are ABI-stable. */
typedef enum phash_vpdq_rule {
    PHASH_VPDQ_RULE_PYTX = 0, /* "pytx": de-duplicated, distance <= D */
    PHASH_VPDQ_RULE_CPP = 1   /* "cpp": not de-duplicated, distance < D */
} phash_vpdq_rule;

/* "pytx", "cpp"; "unknown" for other values. Static storage. */
PHASH_API const char *phash_vpdq_rule_name(phash_vpdq_rule rule);
/* "pytx" (also "hma", "python") or "cpp" (also "c++", "brute"),
 * case-insensitive; PHASH_ERR_NOT_FOUND otherwise. */
PHASH_API PHASH_NODISCARD phash_status phash_vpdq_rule_parse(const char *name,
                                                             phash_vpdq_rule *out);

typedef enum phash_video_query_opt {
    PHASH_VQ_OPT_RULE = 1,          /* a phash_vpdq_rule; default PYTX */
    PHASH_VQ_OPT_DISTANCE = 2,      /* D, 0..256; default 31 */
    PHASH_VQ_OPT_QUALITY = 3,       /* frames under this are ignored, 0..101; default 50 */
    PHASH_VQ_OPT_QUERY_PERCENT = 4, /* 0..100; default 80 */
    PHASH_VQ_OPT_INDEX_PERCENT = 5, /* 0..100; default 0 */
    /* 1: report every video with at least one matched frame, with its
     * percentages, whether or not it passes the thresholds (see
     * phash_video_match.matched); 0 (default): only those that pass. */
    PHASH_VQ_OPT_ALL_CANDIDATES = 6
} phash_video_query_opt;

typedef struct phash_video_query phash_video_query;

/* A query with the default options. PHASH_ERR_NOMEM. */
PHASH_API PHASH_NODISCARD phash_status phash_video_query_new(phash_video_query **out);
PHASH_API void phash_video_query_free(phash_video_query *q);
/* PHASH_ERR_INVALID_ARG for an unknown option or a value out of range
 * (whole numbers for RULE, DISTANCE, QUALITY and ALL_CANDIDATES). */
PHASH_API PHASH_NODISCARD phash_status phash_video_query_set_option(phash_video_query *q,
                                                                    phash_video_query_opt opt,
                                                                    double value);
/* The option's value; -1 for an unknown option. */
PHASH_API double phash_video_query_get_option(const phash_video_query *q,
                                              phash_video_query_opt opt);

/* Match n frames (a video's vPDQ hashes, in time order) against the video
 * entries of the set m serves; replaces the results. n may be 0 (nothing
 * matches). */
PHASH_API PHASH_NODISCARD phash_status phash_video_query_run(phash_video_query *q,
                                                             const phash_matcher *m,
                                                             const phash_vpdq_frame *frames,
                                                             size_t n);

/* One listed video found by the last run. Sorted by query % (highest
 * first), then index %, then list order. */
typedef struct phash_video_match {
    double query_percent;  /* 0..100 */
    double index_percent;  /* 0..100 */
    size_t query_matched, query_frames; /* the counts behind query % */
    size_t index_matched, index_frames; /* the counts behind index % */
    int matched;           /* 1: passes both thresholds */
    size_t ranges;         /* matched time ranges: phash_video_query_range(.., 0..ranges-1) */
    /* The listed video: its list, id, metadata and category as loaded
     * ("" when none); valid as long as the results. */
    const char *list, *id, *metadata, *category;
    size_t video;          /* the video's number in the set (0-based, load order) */
} phash_video_match;

typedef struct phash_video_range {
    double start, end;           /* timestamps of the first and last matched frame */
    uint32_t first_frame, last_frame; /* their frame numbers */
    size_t frames;               /* query frames in the run */
} phash_video_range;

/* Results of the last run. */
PHASH_API size_t phash_video_query_count(const phash_video_query *q);
/* Match i; PHASH_ERR_NOT_FOUND when out of range. */
PHASH_API PHASH_NODISCARD phash_status phash_video_query_get(const phash_video_query *q, size_t i,
                                                             phash_video_match *out);
/* Time range k of match i; PHASH_ERR_NOT_FOUND when out of range. */
PHASH_API PHASH_NODISCARD phash_status phash_video_query_range(const phash_video_query *q,
                                                               size_t i, size_t k,
                                                               phash_video_range *out);
/* Detail of the last error; never NULL. */
PHASH_API const char *phash_video_query_last_error(const phash_video_query *q);

/* Number of videos in the set a matcher serves (distinct (list, id) of its
 * vPDQ entries). */
PHASH_API size_t phash_matcher_video_count(const phash_matcher *m);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_VMATCH_H */
