/* SPDX-License-Identifier: MIT */
/* The scanner's internals (lib/scan/): the handle, the per-thread worker,
 * the algorithm table and the media-kind table. */
#ifndef PHASH_LIB_SCAN_INT_H
#define PHASH_LIB_SCAN_INT_H

#include <stdatomic.h>

#include "internal.h"
#include "phash/dct.h"
#include "phash/digest.h"
#include "phash/expand.h"
#include "phash/pdq.h"
#include "phash/scan.h"
#include "phash/video.h"
#include "platform/platform.h"

#define PH_SCAN_MAX_ALGOS 8
#define PH_SCAN_MAX_VARIANTS 8
#define PH_SCAN_MAX_VIEWS PHASH_EXPAND_MAX_VIEWS
#define PH_MATCH_HEX 65 /* longest match hash text (SHA-256, PDQ: 64) + NUL */
#define PH_SCAN_HEX_MAX 260 /* longest text form (dct1024: 256 digits) + NUL */
#define PH_SCAN_QUEUE_CAP 64
/* First read of a file: enough to sniff any format; files of no media kind
 * are not read further. */
#define PH_SCAN_HEAD_BYTES ((size_t)64 << 10)
#define PH_SCAN_DEFAULT_MAX_READ ((uint64_t)256 << 20)

typedef struct phash_scanner phash_scanner;
typedef struct ph_worker ph_worker;

/* ---- algorithms (algos.c): one row per hash the scanner computes ---- */

/* One algorithm's result for one image. */
typedef struct ph_algo_out {
    int quality;             /* 0..100, -1 when none */
    unsigned n_variants;     /* 1, or 8 for PDQ with dihedral */
    char hex[PH_SCAN_MAX_VARIANTS][PH_SCAN_HEX_MAX];
    phash_pdq_code pdq[PH_SCAN_MAX_VARIANTS]; /* binary codes for matching */
    uint64_t u64;
    uint8_t digest[PHASH_DIGEST_MAX_LEN]; /* digest algorithms: the raw bytes */
} ph_algo_out;

typedef struct ph_scan_algo {
    const char *name, *summary;
    phash_sig_algo sig;  /* the signature-set algorithm it matches, 0 = none */
    int min_quality;     /* below this a hash is not matched */
    int cmyk_raw3;       /* wants a CMYK JPEG's raw first three channels */
    unsigned digest;     /* a phash_digest_algo bit: computed from the file's
                            bytes as they are read (any kind of file); the
                            functions below are then NULL */
    void *(*state_new)(const phash_scanner *s);
    void (*state_free)(void *state);
    phash_status (*hash_image)(void *state, const phash_image *img, ph_algo_out *out,
                               const char **detail);
    /* Optional: hash straight from the file's bytes when this is the only
     * algorithm (fast paths that decode less: pHash's JPEG row skipping,
     * PDQ's fast mode); same result as decoding + hash_image unless the
     * scanner's options ask for an inexact fast mode. */
    phash_status (*hash_bytes)(void *state, const uint8_t *data, size_t len, ph_algo_out *out,
                               const char **detail);
} ph_scan_algo;

const ph_scan_algo *ph_scan_algo_find(const char *name, size_t len);
const ph_scan_algo *ph_scan_algo_for_sig(phash_sig_algo sig);
const ph_scan_algo *ph_scan_algo_at(size_t i);

/* ---- one file in flight ---- */

typedef struct ph_scan_input {
    const char *path;
    ph_file *file;       /* open file, NULL for memory input */
    const uint8_t *data; /* bytes read so far (all of them for memory) */
    size_t len;
    uint64_t size;       /* the file's size */
    int complete;        /* data holds the whole file (or max_read of it) */
    int eof;             /* the file was read to its end */
    phash_format format;
    phash_media_kind kind;
    ph_stat st;          /* the open file's facts (identity for the state) */
} ph_scan_input;

/* Read the rest of the file (up to max_read) after the head, continuing the
 * same read: every byte is read once. */
phash_status ph_scan_read_rest(ph_worker *w, ph_scan_input *in);
/* Digests: read whatever of the file is still unread (past max_read too,
 * through a small window, fed to the digests and dropped), then fill the
 * digest algorithms' results. */
phash_status ph_scan_finish_digests(ph_worker *w, ph_scan_input *in);

/* ---- the media-kind table (kinds.c) ---- */

typedef struct ph_scan_kind {
    phash_media_kind kind;
    /* Fill the worker's report for this input (status, hashes, matches). */
    phash_status (*process)(ph_worker *w, ph_scan_input *in);
} ph_scan_kind;

const ph_scan_kind *ph_scan_kind_for(phash_media_kind kind);
phash_status ph_scan_image(ph_worker *w, ph_scan_input *in); /* kind_image.c */
phash_status ph_scan_container(ph_worker *w, ph_scan_input *in); /* kind_container.c */
phash_status ph_scan_video(ph_worker *w, ph_scan_input *in); /* kind_video.c */

/* Video options (phash_scanner_set_video_option, kind_video.c). */
typedef struct ph_scan_video_config {
    double seconds_per_hash, query_percent, index_percent, max_cpu;
    unsigned threads;
    int rule;
} ph_scan_video_config;
void ph_scan_video_defaults(ph_scan_video_config *c);
/* A worker's video state (hasher, query, buffers), freed with the worker. */
struct ph_video_work;
void ph_scan_video_release(ph_worker *w);
/* The state (cache.c): the frames of the video this report is of (n 0:
 * none); room for n frames of a video answered from the state (NULL: out
 * of memory, or n 0), filled by the caller; then, with the report's status
 * set, its video fields filled and, when OK, its frames matched (records
 * appended). */
const phash_vpdq_frame *ph_scan_video_frames(const ph_worker *w, size_t *n);
phash_vpdq_frame *ph_scan_video_room(ph_worker *w, size_t n);
void ph_scan_video_answer(ph_worker *w);
/* An image just hashed and matched: when it is an animated GIF and videos
 * are hashed (s->video), its frames are hashed with vPDQ from the same
 * bytes and matched as a video's (report.video_frames, records with times;
 * the image's own PDQ records gain the times of the frames that match them).
 * A failure leaves the image's results and says why in the detail. */
void ph_scan_animated_image(ph_worker *w, ph_scan_input *in);

/* ---- the worker: per-thread state ---- */

/* A match record: what the report shows, and what the alert decision needs
 * besides (the signature's own quality). */
typedef struct ph_match_rec {
    phash_scan_match pub;
    int sig_quality; /* the list entry's quality, -1 when it gave none */
    int decided;     /* the entry's level is set (match.c) */
    int shown;       /* printed (match.c: shown()) */
    char hex[PH_MATCH_HEX]; /* the entry's hash text (the matcher's is reused) */
} ph_match_rec;

struct ph_worker {
    phash_scanner *s;
    int named; /* the file now scanned was given to scan (report.named) */
    ph_thread *thread;
    ph_buf buf;                 /* the file's bytes, reused */
    phash_decoder *dec;         /* CMYK to RGB (PDQ's reference) */
    phash_decoder *dec_raw3;    /* CMYK as raw channels (pHash's), on demand */
    void *state[PH_SCAN_MAX_ALGOS];
    /* Query results per view and algorithm: a report's match records point
     * into them, so each query of a file needs its own. */
    phash_matches *matches[PH_SCAN_MAX_VIEWS][PH_SCAN_MAX_ALGOS];
    phash_digest *digest;       /* fed every byte read, when digests are asked */
    ph_algo_out out[PH_SCAN_MAX_ALGOS]; /* view 0 (the image as decoded) */
    /* Views 1.. (expansions): out of every image algorithm per view. */
    ph_algo_out view_out[PH_SCAN_MAX_VIEWS - 1][PH_SCAN_MAX_ALGOS];
    const char *view_name[PH_SCAN_MAX_VIEWS];
    size_t n_views;
    phash_expander *expander;
    /* the report being built */
    phash_scan_report rep;
    phash_scan_hash hashes[PH_SCAN_MAX_VIEWS * PH_SCAN_MAX_ALGOS * PH_SCAN_MAX_VARIANTS];
    ph_buf match_recs; /* phash_scan_match[]: the report's */
    size_t match_cap;
    /* The hash text of match record k, in slot k (PH_MATCH_HEX bytes each,
     * match.c): the matcher keeps one match's text at a time. */
    ph_buf match_hex;
    size_t hex_cap;
    ph_buf match_work; /* ph_match_rec[]: being decided (match.c) */
    size_t work_n, work_cap;
    char detail[PH_DETAIL_LEN];
    /* containers (kind_container.c): members are scanned by a child worker
     * one level down (made on first need), from a buffer of this one */
    unsigned depth;            /* 0 for files; members: their nesting level */
    ph_worker *child;
    ph_worker *root;           /* the worker of the file itself (depth 0) */
    ph_buf member;             /* the member being scanned by the child */
    ph_buf member_path;        /* "this path!member name" */
    uint64_t container_bytes;  /* root only: members' bytes of the current file */
    uint64_t container_base;   /* root only: the file's own size */
    struct ph_scan_cache *cache; /* cache.c's per-worker buffers */
    struct ph_video_work *video; /* kind_video.c, created on the first video */
};

int ph_worker_init(ph_worker *w, phash_scanner *s);
void ph_worker_release(ph_worker *w);
/* Scan one path or buffer and deliver its report. Returns PHASH_OK or
 * PHASH_ERR_CANCELLED (the callback asked to stop). */
phash_status ph_worker_scan_path(ph_worker *w, const char *path);
phash_status ph_worker_scan_memory(ph_worker *w, const void *data, size_t len,
                                   const char *name);
/* A member scanned from memory: as ph_worker_scan_memory, the report's
 * size set to the member's (its data may hold only the head of a member
 * nobody decodes). */
phash_status ph_worker_scan_member(ph_worker *w, const void *data, size_t len, uint64_t size,
                                   const char *name);
/* A member that is reported without being scanned (encrypted, too large,
 * unreadable): st and its detail. */
phash_status ph_worker_report_member(ph_worker *w, const char *name, uint64_t size,
                                     phash_status st, const char *detail);
/* Grow a buffer to size bytes keeping its contents; -1 on failure. */
int ph_scan_buf_grow(ph_buf *b, size_t size);
/* Set the report's status with a printf-style detail. */
void ph_report_fail(ph_worker *w, phash_status st, const char *fmt, ...)
    PH_PRINTF(3, 4)
    ;
/* The results of algorithm i for view v (0: the image itself). */
ph_algo_out *ph_scan_out(ph_worker *w, size_t view, size_t i);
/* Fill the report's hash list from the worker's results (only those
 * computed for this file: n_variants > 0). */
void ph_scan_report_hashes(ph_worker *w);
/* Append a match record (its hash text copied into the record's own slot).
 * PHASH_ERR_NOMEM. */
phash_status ph_scan_add_match(ph_worker *w, const phash_scan_match *rec);
/* Match the worker's computed hashes; fills rep.matches. */
phash_status ph_scan_match_hashes(ph_worker *w);
/* Match the digests (after ph_scan_finish_digests), appending records. */
phash_status ph_scan_match_digests(ph_worker *w);
/* Allowlists over the file's matches so far (allow.c): suppressed ones are
 * dropped (counted in n_suppressed) or, with PHASH_SCAN_OPT_REPORT_SUPPRESSED,
 * marked. Run after each matching step; idempotent. */
void ph_scan_apply_allowlist(ph_worker *w);

/* ---- the handle ---- */

/* ---- the CPU budget (budget.c) ---- */

#define PH_BUDGET_WINDOW 1.0 /* seconds of credit an idle scan may save up */

typedef struct ph_cpu_budget {
    double share;    /* CPU seconds allowed per wall second; 0: no budget */
    double balance;  /* CPU seconds of credit; negative: debt to sleep off */
    double refilled; /* wall time (ph_now) of the last refill */
} ph_cpu_budget;

/* Start a bucket: no credit, refilled at now. */
void ph_cpu_budget_start(ph_cpu_budget *b, double share, double now);
/* Refill the bucket up to now, charge cpu seconds; the wall seconds to
 * sleep before more work (0 when in credit). */
double ph_cpu_budget_charge(ph_cpu_budget *b, double now, double cpu);

struct phash_scanner {
    /* configuration */
    unsigned threads;
    int dihedral, report_hashes, follow_links, low_priority;
    uint32_t pdq_fast;
    phash_dct_layout layout;
    phash_pdq_mode pdq_mode;
    uint64_t max_read;
    unsigned expand; /* PHASH_VIEW_* mask of query-side views */
    int decode_all, apply_orientation;
    int report_suppressed; /* PHASH_SCAN_OPT_REPORT_SUPPRESSED */
    unsigned container_depth;   /* levels opened */
    uint64_t container_members, container_bytes, container_ratio, member_size;
    const ph_scan_algo *algos[PH_SCAN_MAX_ALGOS];
    size_t n_algos;
    size_t n_image_algos; /* algorithms that need a decoded image */
    unsigned digests;     /* phash_digest_algo bits of the digest algorithms */
    int algos_chosen; /* set_algorithms was called with a list */
    const phash_matcher *matcher;
    unsigned radius[PHASH_SIG_ALGO_MAX + 1]; /* the policy's alert radii */
    phash_alert_policy *policy; /* owned copy (phash_scanner_set_alert_policy) */
    int report_weak;
    int size_filter; /* PHASH_SCAN_OPT_SIZE_FILTER */
    phash_limits limits;
    double rate;
    /* reports in input order (order.c) */
    int ordered;
    uint64_t tickets_issued; /* under lock */
    uint64_t tickets_done;   /* under cb_lock */
    ph_cond *turn;
    /* walk controls (walk.c) */
    int one_file_system;
    char **excludes; /* phash_scanner_add_exclude patterns */
    size_t n_excludes;
    /* the scan in progress */
    int running;
    atomic_int cancelled;
    phash_scan_callback cb;
    void *cb_ctx;
    ph_mutex *cb_lock;
    ph_worker *sync_worker; /* scan_file / scan_memory */
    ph_worker *workers;
    size_t n_workers;
    ph_mutex *lock;
    ph_cond *not_empty, *not_full;
    struct ph_queue_item {
        char *path;
        uint64_t ticket; /* order.c */
        int named;       /* given to scan (a root), not found by the walk */
    } queue[PH_SCAN_QUEUE_CAP];
    size_t q_head, q_count;
    int q_closed;
    ph_mutex *rate_lock;
    double next_slot;
    unsigned max_cpu;    /* PHASH_SCAN_OPT_MAX_CPU, percent of one core; 0: none */
    ph_cpu_budget budget; /* under rate_lock */
    /* change notification (watch.c) */
    struct ph_scan_watch *watch; /* NULL until phash_scanner_watch */
    unsigned watch_rescan;       /* PHASH_SCAN_OPT_WATCH_RESCAN, seconds */
    int watch_fanotify;          /* PHASH_SCAN_OPT_WATCH_FANOTIFY */
    atomic_uint_fast64_t counters[PHASH_SCAN_COUNTERS];
    ph_error err;
    /* the persistent state (cache.c) */
    phash_state *state;
    char state_config[512]; /* the settings files are hashed with */
    /* videos (kind_video.c) */
    int video;      /* a chosen algorithm hashes videos: vpdq or pdq */
    ph_scan_video_config vcfg;
    atomic_uint video_extra; /* decoder threads beyond the workers, in use */
    /* flood protection (flood.c) */
    uint64_t flood_limit; /* PHASH_SCAN_OPT_FLOOD_LIMIT; 0: off */
    int report_flooded;   /* PHASH_SCAN_OPT_REPORT_FLOODED */
    struct ph_scan_flood *flood;
};

void ph_scan_count(phash_scanner *s, phash_scan_counter c, uint64_t n);
/* Deliver a report through the callback (serialised); counts it. Returns
 * PHASH_ERR_CANCELLED when the callback asked to stop. */
phash_status ph_scan_deliver(phash_scanner *s, const phash_scan_report *r);
/* ---- input order (order.c) ---- */
/* Start a scan's tickets. */
void ph_order_begin(phash_scanner *s);
/* The next ticket (under s->lock). */
uint64_t ph_order_ticket(phash_scanner *s);
/* The calling thread now works on this ticket (a no-op unless ordered and
 * threaded); ph_scan_deliver waits for its turn, ph_order_leave ends it. */
void ph_order_enter(const phash_scanner *s, uint64_t ticket);
void ph_order_wait_turn(phash_scanner *s); /* s->cb_lock held */
void ph_order_leave(phash_scanner *s);
/* Wait for the rate limit's next slot; 0, or -1 when cancelled. */
int ph_scan_rate_wait(phash_scanner *s);
/* The CPU budget: reset at the start of a scan; enter/leave around a
 * file's or member's work on a thread (nested: members inside their
 * container); point charges the CPU used so far and sleeps off any debt
 * (0, or -1 when cancelled). No-ops without PHASH_SCAN_OPT_MAX_CPU. */
void ph_scan_budget_begin(phash_scanner *s);
void ph_scan_budget_enter(phash_scanner *s);
int ph_scan_budget_point(phash_scanner *s);
void ph_scan_budget_leave(phash_scanner *s);
/* End the watch of phash_scanner_watch (at finish and free). */
typedef struct ph_scan_watch ph_scan_watch;
void ph_scan_watch_end(phash_scanner *s);
/* The algorithms of this scan (resolving the default against the matcher). */
void ph_scan_resolve_algos(phash_scanner *s);

/* ---- the persistent state (cache.c) ---- */
/* At the start of a scan: the settings key; seen-set reset. 0 or -1. */
int ph_scan_cache_begin(phash_scanner *s);
/* A file just opened and its head read: 1 when answered from the state
 * (the report and results filled, nothing decoded), else 0. */
int ph_scan_cache_lookup(ph_worker *w, ph_scan_input *in);
/* Before delivery: match ids for every record; with a state, store the file
 * (unless cached) with its new matches as pending, drop matches delivered
 * earlier. */
void ph_scan_cache_record(ph_worker *w, const ph_scan_input *in, int cached);
/* After the callback accepted the report: its matches are delivered. */
void ph_scan_cache_delivered(ph_worker *w);
void ph_scan_cache_release(ph_worker *w);
/* The walk saw path / finished root (prunes what it did not see). */
void ph_scan_cache_seen(phash_scanner *s, const char *path);
void ph_scan_cache_prune(phash_scanner *s, const char *root);
/* Deliver the pending matches of earlier runs. PHASH_OK or CANCELLED. */
phash_status ph_scan_cache_deliver_pending(phash_scanner *s);
/* phash_scanner_rematch on worker w (the calling thread's). */
phash_status ph_scan_cache_rematch(ph_worker *w);

/* ---- flood protection (flood.c) ---- */
typedef struct ph_scan_flood ph_scan_flood;
/* Create the shared counts (at phash_scanner_new); -1 out of memory. */
int ph_scan_flood_begin(phash_scanner *s);
/* Forget the counts (a new scan, reset_counters); free them. */
void ph_scan_flood_reset(phash_scanner *s);
void ph_scan_flood_free(phash_scanner *s);
/* A report's matches, final but for the state's: count a file per
 * signature; flood the matches of signatures past the limit (dropped, or
 * flagged with REPORT_FLOODED). */
void ph_scan_flood_apply(ph_worker *w);

/* ---- the walk (walk.c) ---- */
typedef struct ph_walk_sink {
    void *ctx;
    /* A regular file found (named: the root itself); non-zero stops the walk. */
    int (*file)(void *ctx, const char *path, int named);
    /* A path that could not be read (errno err; named: the root itself). */
    void (*error)(void *ctx, const char *path, int err, int named);
} ph_walk_sink;
/* Walk root (file or folder); -1 if root itself cannot be read (reported
 * through error), else 0. */
int ph_walk(phash_scanner *s, const char *root, const ph_walk_sink *sink);
/* Free the walk controls' memory (the exclude patterns). */
void ph_walk_release(phash_scanner *s);
/* 1 when path is excluded by a pattern (phash_scanner_add_exclude) as the
 * walk judges one entry: a pattern with a '/' against the whole path,
 * others against its last name. */
int ph_walk_excluded(const phash_scanner *s, const char *path);

#endif
