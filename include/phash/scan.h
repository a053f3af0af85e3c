/* SPDX-License-Identifier: MIT */
/*
 * The scanner: the whole per-file job of a detection product in one handle.
 *
 * A phash_scanner is configured once (which hashes, which signature set,
 * radii, limits, threads, priority, rate) and then fed files, folders or
 * memory buffers. For each file it:
 *   1. opens it once (regular files only: FIFOs, sockets and devices are
 *      never opened) and reads it once, front to back, into a reused buffer;
 *   2. sniffs the format once from those bytes (media.h, never the name);
 *   3. dispatches on the media kind (image now; video, container and
 *      "other" plug into the same table): an image is decoded once and every
 *      requested hash is computed from that one decode (a CMYK JPEG that
 *      pHash wants as raw channels is decoded a second time from the same
 *      bytes in memory, never read again);
 *   4. matches the hashes against the signature set (sigset.h), when one is
 *      set;
 *   5. reports the file through the caller's callback: its status, format,
 *      hashes (on request) and matches.
 *
 * Reports
 * -------
 * Every file the scanner looks at gets exactly one report, including files
 * that are not media (kind PHASH_MEDIA_OTHER, status PHASH_OK, no hashes)
 * and files that could not be read (status and detail say why). A folder
 * that cannot be read gets a report too (status PHASH_ERR_IO). Reports and
 * the structs they point to are owned by the scanner and valid only during
 * the callback; copy what you keep. Their structs may gain fields at the end
 * in later versions: read them through the pointers given, never allocate or
 * copy them by value.
 *
 * Threads
 * -------
 * phash_scanner_scan_paths() and the start/submit/finish trio run the files
 * on the scanner's worker threads (PHASH_SCAN_OPT_THREADS, default 1) while
 * the calling thread walks folders. Callbacks are serialised (never two at
 * once) but come from the worker threads; with more than one worker their
 * order is not the input order. phash_scanner_scan_file() and _scan_memory()
 * run on the calling thread. A scanner runs one scan at a time; the
 * configuration must not change while a scan runs. phash_scanner_cancel()
 * and phash_scanner_counter() may be called from any thread at any time
 * (cancel is async-signal-safe).
 *
 * Ownership: the matcher given to phash_scanner_set_matcher() is borrowed;
 * it must outlive the scans (it may swap its set while they run: see
 * phash_matcher_use()).
 */
#ifndef PHASH_SCAN_H
#define PHASH_SCAN_H

#include "phash/phash.h"
#include "phash/alert.h"
#include "phash/image.h"
#include "phash/media.h"
#include "phash/sigset.h"
#include "phash/state.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct phash_scanner phash_scanner;

/* ---- reports ------------------------------------------------------------- */

/* One hash of a file (reported with PHASH_SCAN_OPT_REPORT_HASHES). Digest
 * algorithms (md5, sha1, sha256) are computed for every file, media or not,
 * from the same single read; the others for images that decode. */
typedef struct phash_scan_hash {
    const char *algo;    /* "pdq", "phash", "dct256", "md5", ... (phash_scan_algorithm_name) */
    const char *variant; /* "orig", or the dihedral variant ("rot90", ...) */
    const char *hex;     /* canonical text form */
    int quality;         /* 0..100, or -1 when the algorithm has none */
    const char *view;    /* the view of the image hashed: "orig", or with
                            PHASH_SCAN_OPT_EXPAND "border" / "embedded" */
} phash_scan_hash;

/* One match: a hash of the file within the radius of a signature, for one
 * owner (list entry) of that signature. */
typedef struct phash_scan_match {
    const char *algo;     /* "pdq", "phash", "md5", "sha1", "sha256" (exact: distance 0) */
    phash_sig_algo sig_algo;
    unsigned distance;    /* Hamming distance */
    const char *variant;  /* the file's variant that matched ("orig", "rot90", ...) */
    const char *hash;     /* the signature's hash text */
    const char *list;     /* the list (file) the signature came from */
    const char *id;       /* its id in the list */
    const char *metadata; /* opaque metadata, "" when none */
    int quality;          /* quality of the file's hash (-1 for digests) */
    const char *category; /* the owner's category / status, "" when none */
    const char *view;     /* the view that matched ("orig", "border", ...);
                             with several views the best distance is kept */
    const char *match_id; /* stable id of this file x signature: 32 hex digits
                             of SHA-256(path, algo, hash, id), the same in
                             every run and in the next release of the list */
    unsigned owner_flags; /* the owner's PHASH_SIGSET_FLAG_* (ALLOW: an allowlist entry) */
    int suppressed;       /* 1: suppressed by an allowlist (reported only with
                             PHASH_SCAN_OPT_REPORT_SUPPRESSED) */
    /* Videos (report kind PHASH_MEDIA_VIDEO; 0 / NULL for other files).
     * sig_algo PHASH_SIG_VPDQ: a listed video matched by the vPDQ rule
     * (include/phash/vmatch.h): hash is "", distance 0, quality -1.
     * sig_algo PHASH_SIG_PDQ: frames of the video matched an image's PDQ:
     * distance and quality are the best frame's. */
    double query_percent, index_percent; /* vPDQ: the rule's percentages */
    double time_start, time_end; /* seconds into the video: first and last matched frame */
    const char *time_ranges;     /* each run of matched frames, "0.000-7.000 10.000-10.000" */
    int64_t frame;               /* PDQ: frame number of the best frame; vPDQ: the first */
    /* The alert policy's decision for this list entry (phash_scanner_set_
     * alert_policy), taken on the best distance of every algorithm over all
     * views and variants of the file: PHASH_ALERT_MATCH (an alert), or
     * PHASH_ALERT_WEAK (reported only with PHASH_SCAN_OPT_REPORT_WEAK).
     * Exact digests are always PHASH_ALERT_MATCH. Every record of one entry
     * carries the same level. Records are reported within their algorithm's
     * alert radius (weak radius with REPORT_WEAK), and the PDQ record that
     * a pHash alert needed as agreement (farther than PDQ's alert radius). */
    phash_alert_level level;
    /* 1: its signature had matched more than PHASH_SCAN_OPT_FLOOD_LIMIT
     * files already (reported only with PHASH_SCAN_OPT_REPORT_FLOODED). */
    int flooded;
} phash_scan_match;

/* Where a report's facts come from. */
typedef enum phash_scan_source {
    PHASH_SCAN_SOURCE_FILE = 0,    /* the file was read (and decoded) */
    PHASH_SCAN_SOURCE_STATE = 1,   /* unchanged since stored in the state:
                                      nothing decoded, hashes matched again */
    PHASH_SCAN_SOURCE_PENDING = 2, /* matches of an earlier run never
                                      delivered (the file is not read) */
    PHASH_SCAN_SOURCE_REMATCH = 3  /* phash_scanner_rematch: stored hashes */
} phash_scan_source;

typedef struct phash_scan_report {
    const char *path;      /* as given or joined by the walk; the name for memory */
    phash_status status;   /* PHASH_OK: processed (matched or not); else why not */
    const char *detail;    /* the error's detail; never NULL. On success "",
                              or for PHASH_MEDIA_OTHER why it is not media */
    int error_number;      /* errno of a PHASH_ERR_IO, else 0 */
    phash_format format;   /* sniffed format (PHASH_FORMAT_UNKNOWN: not media) */
    phash_media_kind kind; /* phash_format_kind(format) */
    uint64_t size;         /* bytes in the file */
    uint32_t width, height; /* decoded image size, 0 when not decoded */
    unsigned image_flags;  /* PHASH_IMAGE_* of the decoded image */
    size_t n_hashes;       /* phash_scan_report_hash(r, 0 .. n_hashes-1) */
    size_t n_matches;      /* phash_scan_report_match(r, 0 .. n_matches-1) */
    size_t n_low_quality;  /* hashes too low in quality to be matched */
    uint32_t channels;     /* decoded image: 1 (grey) or 3 (RGB); 0 when not decoded */
    int orientation;       /* EXIF orientation 1..8 of a decoded image (1 when none) */
    uint32_t depth;        /* 0: a file (or buffer); n >= 1: a member of a container
                              n levels down, path "outer.zip!inner.tar!photo.jpg" */
    int64_t mtime_ns;      /* the file's modification time (ns since 1970), 0 for memory */
    phash_scan_source source;
    size_t n_suppressed;   /* matches suppressed by an allowlist (left out of
                              n_matches unless PHASH_SCAN_OPT_REPORT_SUPPRESSED) */
    int named;             /* 1: a file given to scan itself (a path submitted or
                              passed to scan_paths / scan_file), 0: found by the
                              walk, a member, or memory. A named file that
                              cannot be opened counts in PHASH_SCAN_ROOT_ERRORS */
    /* Videos: frames hashed (vPDQ, every PHASH_SCAN_VIDEO_SECONDS_PER_HASH)
     * and seconds covered (timestamp of the last hashed frame); 0 otherwise. */
    uint64_t video_frames;
    double video_seconds;
} phash_scan_report;

/* Element i of a report's arrays, or NULL when out of range. */
PHASH_API const phash_scan_hash *phash_scan_report_hash(const phash_scan_report *r, size_t i);
PHASH_API const phash_scan_match *phash_scan_report_match(const phash_scan_report *r,
                                                          size_t i);

/* Called once per file. Return 0 to go on, non-zero to cancel the scan (as
 * phash_scanner_cancel()). */
typedef int (*phash_scan_callback)(void *ctx, const phash_scan_report *report);

/* ---- the scanner ----------------------------------------------------------- */

/* A scanner with the defaults: algorithm "pdq" (or, once a matcher is set,
 * every algorithm its set holds), no matcher, default decoder limits, one
 * worker thread, normal priority, no rate limit. *out is NULL on failure
 * (PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_new(phash_scanner **out);
/* Release the scanner. NULL is a no-op. Must not race with a scan. */
PHASH_API void phash_scanner_free(phash_scanner *s);

/* Values of PHASH_SCAN_OPT_DIHEDRAL. */
#define PHASH_SCAN_DIHEDRAL_OFF 0
#define PHASH_SCAN_DIHEDRAL_ALIGNED 1
#define PHASH_SCAN_DIHEDRAL_REFERENCE 2

typedef enum phash_scan_option {
    /* Worker threads of phash_scanner_scan_paths / _start: 1..256 (default 1). */
    PHASH_SCAN_OPT_THREADS = 1,
    /* PHASH_SCAN_DIHEDRAL_ALIGNED (1, default): also hash the 8
     * rotations/flips (PDQ) and match each, with the aligned variants
     * (PHASH_PDQ_WANT_DIHEDRAL_ALIGNED in pdq.h); PHASH_SCAN_DIHEDRAL_REFERENCE
     * (2): the reference's variants (what `phash hash --dihedral` prints);
     * PHASH_SCAN_DIHEDRAL_OFF (0): the image as it is. On by default since
     * bench/accuracy measured +13 points of recall over make_corpus's 43
     * transforms with the reference's variants and about 3 more with the
     * aligned ones, no unrelated photo pair added. */
    PHASH_SCAN_OPT_DIHEDRAL = 2,
    /* 1: every report lists the file's hashes (default 0: matches only). */
    PHASH_SCAN_OPT_REPORT_HASHES = 3,
    /* pHash bit layout: phash_dct_layout (default PHASH_DCT_LAYOUT_1_0). */
    PHASH_SCAN_OPT_PHASH_LAYOUT = 4,
    /* PDQ convention: phash_pdq_mode (default PHASH_PDQ_FULL). */
    PHASH_SCAN_OPT_PDQ_MODE = 5,
    /* PDQ fast mode minimum side (phash_pdq_hasher_set_fast; 0 = off, the
     * default). Takes effect only when pdq is the only algorithm. */
    PHASH_SCAN_OPT_PDQ_FAST = 6,
    /* Symbolic links met in folders. 0 (default): none is followed (links
     * to files and to folders alike are skipped and counted,
     * PHASH_SCAN_LINKS_SKIPPED). 1: a link is followed when its target (every
     * link resolved) is the root being walked or lies below it; links that
     * lead elsewhere (/, /proc, another user's folder) or nowhere are
     * skipped and counted. A path given to scan is always followed, and
     * every folder is visited once whatever leads to it again (loops end). */
    PHASH_SCAN_OPT_FOLLOW_LINKS = 7,
    /* 1: the worker threads run at the lowest CPU priority (nice 19 and
     * SCHED_IDLE where the OS has it) and idle I/O priority (default 0). */
    PHASH_SCAN_OPT_LOW_PRIORITY = 8,
    /* Bytes of a file read for decoding, 1 MiB .. 4 GiB (default 256 MiB):
     * a larger file is decoded from its first bytes (an image followed by
     * padding still decodes); this bounds the read buffer per thread. */
    PHASH_SCAN_OPT_MAX_READ = 9,
    /* Query-side views (include/phash/expand.h): a mask of PHASH_VIEW_BORDER
     * and PHASH_VIEW_EMBEDDED (default both; 0: off). When a detector fires, the
     * view (content without uniform borders, the picture inside a canvas)
     * is hashed and matched too, from the same decode; reports name the
     * view. Measured by bench/accuracy: +10.5 points of recall over
     * make_corpus's 43 transforms, no unrelated photo pair added, x1.31 CPU
     * at 512 px. */
    PHASH_SCAN_OPT_EXPAND = 10,
    /* 1: every file goes to the image decoder, whatever its kind, and is
     * decoded even when no algorithm needs its pixels: the report then has
     * the decoder's own status and detail, and the image's facts (what
     * `phash info` prints). Default 0. */
    PHASH_SCAN_OPT_DECODE_ALL = 11,
    /* 1: apply EXIF orientation to the pixels before hashing
     * (PHASH_DECODE_APPLY_ORIENTATION; the hash references do not). Default 0. */
    PHASH_SCAN_OPT_APPLY_ORIENTATION = 12,
    /* Containers (archives and documents: ZIP, docx/xlsx/pptx, odt/ods/odp,
     * epub, 7z, tar, gzip/bzip2/xz/zstd) are opened and every member is
     * scanned as a file of its own, read from the archive into memory (never
     * written anywhere): it gets its own report, path "outer!member" (nested:
     * "a.zip!b.tar!c.jpg"), depth >= 1; member names are only reported. The
     * container's report comes after its members' (its status: an archive
     * error or a limit below; PHASH_ERR_ENCRYPTED for encrypted headers, and
     * for each encrypted member in that member's report). Limits:
     * Nesting: containers at levels 0 .. value-1 are opened (0: none is;
     * default 4; at most 32). A container deeper is reported PHASH_ERR_BUDGET. */
    PHASH_SCAN_OPT_CONTAINER_DEPTH = 13,
    /* Members (entries of any type) listed per container, 1 .. 2^31
     * (default 100000); past it the container is PHASH_ERR_BUDGET. */
    PHASH_SCAN_OPT_CONTAINER_MEMBERS = 14,
    /* Uncompressed bytes of all members of one file, all levels counted,
     * skipped bytes that must be decompressed to skip them included:
     * 1 MiB .. 2^62 (default 8 GiB); past it the scan of that file's
     * containers stops (PHASH_ERR_BUDGET). */
    PHASH_SCAN_OPT_CONTAINER_BYTES = 15,
    /* Those bytes over the file's own size, 1 .. 1000000 (default 100); only
     * checked past 16 MiB (small files cannot be bombs); past it:
     * PHASH_ERR_BUDGET. */
    PHASH_SCAN_OPT_CONTAINER_RATIO = 16,
    /* Bytes of one member read into memory, 1 MiB .. 4 GiB (default 256
     * MiB); a larger member is reported PHASH_ERR_TOO_LARGE. */
    PHASH_SCAN_OPT_MEMBER_SIZE = 17,
    /* 1: folders on another file system than the path given to scan (mount
     * points: network shares, /proc, removable media) are not entered
     * (counted, PHASH_SCAN_LINKS_SKIPPED). Default 0. */
    PHASH_SCAN_OPT_ONE_FILE_SYSTEM = 18,
    /* Allowlists (owners flagged PHASH_SIGSET_FLAG_ALLOW: known-benign
     * files) suppress matches, as forensic tools' known-file sets do: a
     * file whose exact digest is on an allowlist has all its matches
     * suppressed; a signature (hash) with an allowlist owner has all its
     * owners' matches suppressed; an allowlist owner's own match never
     * alerts. 0 (default): suppressed matches are left out of the report
     * (counted in n_suppressed); 1: they are reported with suppressed = 1. */
    PHASH_SCAN_OPT_REPORT_SUPPRESSED = 19,
    /* 1: reports come in input order (the order of the submitted paths and
     * of the walk: names in byte order) whatever the number of threads; a
     * worker whose file is done waits for the reports before it (at most
     * the time of the slowest file in flight). 0 (default): in the order
     * the files are done. Same reports either way. */
    PHASH_SCAN_OPT_ORDERED = 20,
    /* 1: also report weak matches (level PHASH_ALERT_WEAK: within the alert
     * policy's weak radii, PDQ 40 / pHash 12 by default, without meeting
     * its alert rule). Default 0: alerts only. */
    PHASH_SCAN_OPT_REPORT_WEAK = 21,
    /* The size filter (sigset.h, phash_sigset_size_possible). 1 (default):
     * when the matcher's set records the file size of every digest entry
     * (VICS MediaSize, a size column), a file of no media kind whose size
     * none of them has is not digested: it is read only for its head (the
     * first 64 KiB, to sniff its kind), not to its end, and its report has
     * no digests (counted, PHASH_SCAN_SIZE_SKIPPED). Media files (images,
     * videos, containers) are always digested: they are read whole anyway.
     * 0: every file is digested. */
    PHASH_SCAN_OPT_SIZE_FILTER = 22,
    /* CPU budget: the scan's threads together use at most this percent of
     * one core, 1 .. 25600, measured over a window of about a second and
     * throttled by sleeping between files, before each container member
     * and after each video frame (so one image's decode can run over it
     * briefly; the average holds). 0 (default): no budget. The time slept
     * is counted (PHASH_SCAN_THROTTLED_MS). Not counted: the thread that
     * walks folders, and FFmpeg's extra decoder threads of a video. */
    PHASH_SCAN_OPT_MAX_CPU = 23,
    /* Seconds between walks of the folders that change notification could
     * not watch (the OS's limit of watches reached; see
     * phash_scanner_watch), 0 .. 31536000; 0: never. Default 600. */
    PHASH_SCAN_OPT_WATCH_RESCAN = 24,
    /* Flood protection: a signature (an algorithm's hash, from any list)
     * that has matched this many distinct files is suspected wrongly
     * listed (a logo, a blank page, an icon every document carries): its
     * matches in further files are dropped (counted, PHASH_SCAN_FLOODED)
     * and it is listed once with its count by phash_scanner_flood_get.
     * Counted per file (a file's views, variants and owners of it count
     * once; allowlisted matches not at all) since the start of the last
     * phash_scanner_start / _scan_paths / _rematch, or, for files scanned
     * one at a time, since phash_scanner_new / _reset_counters. 0 .. 2^31
     * (0: off). Default 100: a real picture held on one PC is found in a
     * handful of copies (duplicates, backups), a wrongly listed common
     * image in every document and cache: hundreds to thousands; the first
     * 100 files are always reported, so a real match is never hidden. */
    PHASH_SCAN_OPT_FLOOD_LIMIT = 25,
    /* 1: matches past the flood limit are reported, flagged flooded = 1,
     * instead of dropped (default 0). */
    PHASH_SCAN_OPT_REPORT_FLOODED = 26,
    /* Change notification of whole file systems (phash_scanner_watch).
     * 1 (default): on Linux, fanotify when the process may use it
     * (CAP_SYS_ADMIN to mark a file system, CAP_DAC_READ_SEARCH to name
     * its events): one mark per file system whatever the number of
     * folders, no limit of watches; inotify (one watch per folder)
     * otherwise. 0: inotify always (as does an unprivileged process). */
    PHASH_SCAN_OPT_WATCH_FANOTIFY = 27
} phash_scan_option;
#define PHASH_SCAN_DEFAULT_FLOOD_LIMIT 100

/* Set an option (see the enum). PHASH_ERR_INVALID_ARG for an unknown option
 * or a value out of range, PHASH_ERR_STATE while a scan runs. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_option(phash_scanner *s,
                                                                phash_scan_option option,
                                                                int64_t value);
/* The option's value, or -1 for an unknown option. */
PHASH_API int64_t phash_scanner_get_option(const phash_scanner *s, phash_scan_option option);

/* The hash algorithms to compute, by name, comma-separated ("pdq,phash").
 * NULL or "" goes back to the default; "none" computes no hash (with
 * PHASH_SCAN_OPT_DECODE_ALL: decode only). PHASH_ERR_NOT_FOUND for an unknown
 * name (the detail names it). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_algorithms(phash_scanner *s,
                                                                    const char *names);
/* The i-th algorithm the library computes ("pdq", "phash", "dct64", ...),
 * or NULL past the last; *summary (if not NULL) receives a one-line
 * description. Static storage. */
PHASH_API const char *phash_scan_algorithm_name(size_t i, const char **summary);

/* Match against this matcher's set (borrowed; NULL: hash only). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_matcher(phash_scanner *s,
                                                                 const phash_matcher *m);
/* Alert radius (inclusive) of an algorithm: defaults PDQ 31, pHash 10,
 * vPDQ 31 (the frame distance of the video rule, see vmatch.h).
 * Sets the alert policy's PHASH_ALERT_OPT_PDQ_RADIUS or _PHASH_RADIUS (and
 * raises that algorithm's weak radius to it when lower; for pHash, lowers
 * PHASH_ALERT_OPT_PHASH_ALONE_RADIUS to it when higher): a pHash hit still
 * needs the policy's PDQ agreement to alert (see below). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_radius(phash_scanner *s,
                                                                phash_sig_algo algo,
                                                                unsigned radius);
/* The alert policy (include/phash/alert.h), copied; NULL restores the
 * default rule. Matches are decided per list entry (list and id): the best
 * distance of each algorithm over the file's views and dihedral variants,
 * with the qualities of the query hash and of the signature, goes to
 * phash_alert_decide(). By default PDQ <= 31 alerts; pHash <= 10 alerts
 * only when PDQ agrees within 56 for the same entry, or on its own within 3;
 * other hits within PDQ 40 / pHash 12 are weak. PDQ is searched beyond its
 * alert radius only when a pHash hit needs its agreement. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_alert_policy(
    phash_scanner *s, const phash_alert_policy *policy);
/* A setting of the alert policy for the entries of one list only
 * (phash_alert_policy_set_list: a list named as matches name it, or by its
 * last path component): its radii, quality gates, the algorithms that may
 * alert (PHASH_ALERT_OPT_ALGORITHMS) and its highest level
 * (PHASH_ALERT_OPT_MAX_LEVEL: weak, or none to silence it). The search
 * radius of each algorithm is the widest over the lists, the query's
 * quality gate the lowest; each list entry is then decided with its list's
 * settings. Exact digests and a video's matches follow the list's
 * ALGORITHMS and MAX_LEVEL; a video's frames are searched at the scanner's
 * PDQ radius. phash_scanner_set_alert_policy replaces them with the given
 * policy's; phash_scanner_set_radius changes the policy's own values.
 * PHASH_ERR_INVALID_ARG, PHASH_ERR_TOO_LARGE (PHASH_ALERT_MAX_LISTS),
 * PHASH_ERR_NOMEM, PHASH_ERR_STATE while a scan runs. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_list_option(phash_scanner *s,
                                                                     const char *list,
                                                                     phash_alert_option option,
                                                                     int value);
#define PHASH_SCAN_DEFAULT_RADIUS_PDQ 31u
#define PHASH_SCAN_DEFAULT_RADIUS_PHASH 10u
#define PHASH_SCAN_DEFAULT_RADIUS_VPDQ 31u
/* Videos (PHASH_MEDIA_VIDEO: MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV,
 * ASF) are hashed with vPDQ (include/phash/video.h) when the algorithms
 * include "vpdq" or "pdq" (the default with a set that holds either) and
 * this build has video support: their frames are matched as a video
 * against the set's vPDQ videos (radius of PHASH_SIG_VPDQ: the rule's
 * distance, default 31) and frame by frame against its PDQ images (radius
 * of PHASH_SIG_PDQ), each match with the time it was found at. A video is
 * read like any file (at most PHASH_SCAN_OPT_MAX_READ bytes: a longer one
 * is hashed up to there, as a truncated file). An animated GIF is an image
 * (its first frame hashed as the references' loaders do) and, on the same
 * terms, a video too: its frames are hashed with vPDQ and matched the same
 * way (report.video_frames; a PDQ owner matched by the image and by frames
 * is one record, with the frames' times). */
typedef enum phash_scan_video_option {
    /* Seconds between hashed frames, 0 (every frame) .. 3600; default 1
     * (python-threatexchange's and HMA's). */
    PHASH_SCAN_VIDEO_SECONDS_PER_HASH = 1,
    /* Decoder threads per video, 1..64 (default 1). Counted in the scan's
     * thread budget (PHASH_SCAN_OPT_THREADS): a video gets more than one
     * only while threads of the budget are not running a worker or another
     * video's decoder. */
    PHASH_SCAN_VIDEO_THREADS = 2,
    /* The phash_vpdq_rule (default PHASH_VPDQ_RULE_PYTX). */
    PHASH_SCAN_VIDEO_RULE = 3,
    /* Thresholds of the rule in percent, 0..100: query (default 80) and
     * index (default 0). */
    PHASH_SCAN_VIDEO_QUERY_PERCENT = 4,
    PHASH_SCAN_VIDEO_INDEX_PERCENT = 5,
    /* Most CPU seconds of this thread per video, 0 (default: none) ..
     * 86400: PHASH_ERR_BUDGET past it. */
    PHASH_SCAN_VIDEO_MAX_CPU_SECONDS = 6
} phash_scan_video_option;
/* PHASH_ERR_INVALID_ARG for an unknown option or a value out of range,
 * PHASH_ERR_STATE while a scan runs. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_video_option(phash_scanner *s,
                                                                      phash_scan_video_option o,
                                                                      double value);
/* The option's value, or -1 for an unknown option. */
PHASH_API double phash_scanner_get_video_option(const phash_scanner *s,
                                                phash_scan_video_option o);
/* Decoder limits for every file (copied). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_limits(phash_scanner *s,
                                                                const phash_limits *limits);
/* At most this many files per second over the whole scan (0: unlimited). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_rate(phash_scanner *s,
                                                              double files_per_second);

/* Leave out of walks every file and folder whose name matches a shell
 * pattern (*, ?, [...]; fnmatch on POSIX, PathMatchSpec on Windows): a
 * pattern without '/' is matched against the last name ("*.tmp", ".cache"),
 * one with '/' against the whole path as walked ("/srv/backup*", where '*'
 * matches '/' too). A matched folder is not entered. Paths given to scan
 * are never left out. Patterns add up; NULL removes them all.
 * PHASH_ERR_INVALID_ARG (empty pattern), PHASH_ERR_NOMEM, PHASH_ERR_STATE
 * while a scan runs. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_add_exclude(phash_scanner *s,
                                                                const char *pattern);
/* Keep what is learnt in a persistent state (state.h; borrowed, must
 * outlive the scans; NULL: none). With a state, unchanged files are not
 * decoded again, only matches not yet delivered are reported, and the
 * pending matches of earlier runs are delivered first by _start and
 * _scan_paths. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_set_state(phash_scanner *s,
                                                               phash_state *state);
/* Match the hashes stored in the state (those hashed with this scanner's
 * settings) against the scanner's matcher, reading no file: one report per
 * file with matches not yet delivered (source PHASH_SCAN_SOURCE_REMATCH),
 * none for the others. Runs on the calling thread. PHASH_OK,
 * PHASH_ERR_CANCELLED, PHASH_ERR_STATE (no state, or a scan running),
 * PHASH_ERR_IO (the state could not be read). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_rematch(phash_scanner *s,
                                                             phash_scan_callback cb, void *ctx);

/* ---- scanning -------------------------------------------------------------- */

/* Scan one file on the calling thread (a folder is refused:
 * PHASH_ERR_NOT_REGULAR in the report). Returns PHASH_OK once the report
 * was made, whatever the file's own status; PHASH_ERR_CANCELLED if the
 * callback asked to stop; PHASH_ERR_NOMEM; PHASH_ERR_STATE during another
 * scan. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_scan_file(phash_scanner *s,
                                                               const char *path,
                                                               phash_scan_callback cb,
                                                               void *ctx);
/* The same for bytes in memory (not copied); name is reported as the path
 * (NULL: "<memory>"). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_scan_memory(phash_scanner *s,
                                                                 const void *data, size_t len,
                                                                 const char *name,
                                                                 phash_scan_callback cb,
                                                                 void *ctx);
/* Scan files and folders (walked recursively, entries in byte order of
 * their names) on the worker threads; returns when all are reported.
 * PHASH_OK, PHASH_ERR_CANCELLED, PHASH_ERR_NOMEM, PHASH_ERR_STATE. A path
 * that cannot be read is reported and counted (PHASH_SCAN_ROOT_ERRORS). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_scan_paths(phash_scanner *s,
                                                                const char *const *paths,
                                                                size_t n,
                                                                phash_scan_callback cb,
                                                                void *ctx);
/* The same in steps, for callers that learn of files over time (a watch):
 * start the workers, submit files or folders from one thread (blocks while
 * the queue is full), then finish (waits for the queue to drain, stops the
 * workers). */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_start(phash_scanner *s,
                                                           phash_scan_callback cb, void *ctx);
PHASH_API PHASH_NODISCARD phash_status phash_scanner_submit(phash_scanner *s, const char *path);
PHASH_API PHASH_NODISCARD phash_status phash_scanner_finish(phash_scanner *s);
/* Stop the scan running on s as soon as possible: files not yet started are
 * dropped (not reported). Async-signal-safe; a no-op when idle. The next
 * scan starts uncancelled. */
PHASH_API void phash_scanner_cancel(phash_scanner *s);

/* Change notification: follow a running scan's roots.
 * After phash_scanner_start, phash_scanner_watch(s, root) watches the
 * folder root and every folder below it (symbolic links not followed);
 * call it before phash_scanner_submit(s, root) so that nothing written
 * between the walk and the watch is missed. A root that is a file is not
 * watched (PHASH_OK). Then phash_scanner_watch_wait(s, seconds) follows the
 * changes for that long and submits to the scan (on the calling thread):
 * - a file written and closed, or moved in, once its events settle (no
 *   event for a quarter second, at most 2 s of steady events) and if it is
 *   still a regular file: a file written under a temporary name and renamed
 *   is scanned once, under its final name;
 * - a new folder: watched, then walked;
 * - the walk controls hold: nothing excluded (phash_scanner_add_exclude) or
 *   below an excluded folder, nor with PHASH_SCAN_OPT_ONE_FILE_SYSTEM on
 *   another file system than its root, is watched or submitted; a symbolic
 *   link moved in is not followed;
 * - a root deleted or moved away, then back: watched and walked again;
 * - events the OS dropped (its queue overflowed): every root watched and
 *   walked again (with a state, unchanged files come from it), counted
 *   PHASH_SCAN_WATCH_OVERFLOWS;
 * - folders over the OS's limit of watches (Linux:
 *   fs.inotify.max_user_watches): not watched, counted
 *   PHASH_SCAN_UNWATCHED, walked every PHASH_SCAN_OPT_WATCH_RESCAN seconds
 *   instead; phash_scanner_watch_detail() says so in words ("" otherwise).
 * The watch is of whole file systems where the OS allows it (Linux:
 * fanotify, privileged; see PHASH_SCAN_OPT_WATCH_FANOTIFY), else one watch
 * per folder (inotify); a root whose file system cannot be marked turns it
 * to inotify for every root (those watched before are walked again).
 * phash_scanner_watch_backend() says which in words, once a root is
 * watched ("" before): "fanotify: one mark per file system ..." or
 * "inotify: one watch per folder (limit: fs.inotify.max_user_watches =
 * N); <why not fanotify>".
 * phash_scanner_finish ends the watch. Call these from the thread that
 * started the scan. PHASH_ERR_UNSUPPORTED where the OS has no change
 * notification the library uses (Linux: inotify, fanotify), PHASH_ERR_STATE
 * without a scan started (watch) or a watch (watch_wait),
 * PHASH_ERR_CANCELLED once the scan was cancelled. */
PHASH_API PHASH_NODISCARD phash_status phash_scanner_watch(phash_scanner *s, const char *root);
PHASH_API PHASH_NODISCARD phash_status phash_scanner_watch_wait(phash_scanner *s, double seconds);
PHASH_API const char *phash_scanner_watch_detail(const phash_scanner *s);
PHASH_API const char *phash_scanner_watch_backend(const phash_scanner *s);

/* Counters since the scanner was created (or phash_scanner_reset_counters),
 * readable from any thread while a scan runs. */
typedef enum phash_scan_counter {
    PHASH_SCAN_FILES = 0,         /* reports made (files and unreadable paths) */
    PHASH_SCAN_MEDIA = 1,         /* files decoded and hashed */
    PHASH_SCAN_NOT_MEDIA = 2,     /* files of no media kind (skipped) */
    PHASH_SCAN_UNSUPPORTED = 3,   /* media formats this build does not decode */
    PHASH_SCAN_ERRORS = 4,        /* reports with another error status */
    PHASH_SCAN_MATCHES = 5,       /* match records reported */
    PHASH_SCAN_MATCHED_FILES = 6, /* files with at least one match */
    PHASH_SCAN_LOW_QUALITY = 7,   /* hashes too low in quality to match */
    PHASH_SCAN_FILES_OPENED = 8,  /* open() calls on files */
    PHASH_SCAN_BYTES_READ = 9,    /* bytes read from files */
    PHASH_SCAN_FOLDERS = 10,      /* folders read */
    PHASH_SCAN_SPECIAL = 11,      /* FIFOs, sockets, devices skipped unopened */
    PHASH_SCAN_LINKS_SKIPPED = 12, /* links not followed, folders not entered
                                      (loops, other file systems) */
    PHASH_SCAN_ROOT_ERRORS = 13,  /* paths given to scan that could not be read */
    PHASH_SCAN_CONTAINERS = 14,   /* containers whose members were all listed */
    PHASH_SCAN_MEMBERS = 15,      /* reports of container members (also in FILES) */
    PHASH_SCAN_CACHED = 16,       /* files answered from the state, not decoded */
    PHASH_SCAN_PRUNED = 17,       /* state entries of files gone, removed */
    PHASH_SCAN_KNOWN_MATCHES = 18, /* matches delivered earlier: not reported again */
    PHASH_SCAN_WEAK_MATCHES = 19, /* weak match records reported (REPORT_WEAK);
                                     PHASH_SCAN_MATCHES counts alerts only */
    PHASH_SCAN_SIZE_SKIPPED = 20, /* files not digested: no listed digest has
                                     their size (PHASH_SCAN_OPT_SIZE_FILTER) */
    PHASH_SCAN_THROTTLED_MS = 21, /* milliseconds the scan's threads slept for
                                     PHASH_SCAN_OPT_MAX_CPU, summed over threads */
    PHASH_SCAN_WATCH_OVERFLOWS = 22, /* times the OS dropped change events: the
                                        watched roots were walked again */
    PHASH_SCAN_UNWATCHED = 23,    /* folders the OS would not watch (its limit):
                                     walked every PHASH_SCAN_OPT_WATCH_RESCAN s */
    PHASH_SCAN_FLOODED = 24       /* match records past the flood limit: dropped
                                     (or flagged, PHASH_SCAN_OPT_REPORT_FLOODED) */
} phash_scan_counter;
#define PHASH_SCAN_COUNTERS 25

/* A counter's value (0 for an unknown counter). */
PHASH_API uint64_t phash_scanner_counter(const phash_scanner *s, phash_scan_counter which);
PHASH_API void phash_scanner_reset_counters(phash_scanner *s);

/* Detail of the scanner's last failed call; never NULL. */
PHASH_API const char *phash_scanner_last_error(const phash_scanner *s);

/* ---- flood protection: signatures that matched too many files ---------------- */

/* One signature that passed PHASH_SCAN_OPT_FLOOD_LIMIT. */
typedef struct phash_scan_flood {
    const char *algo;         /* "pdq", "phash", "md5", ... */
    phash_sig_algo sig_algo;
    const char *hash;         /* the signature's hash text */
    const char *list, *id;    /* the owner of its first match past the limit */
    uint64_t files;           /* distinct files it matched (reported or not) */
    uint64_t dropped;         /* of those, files past the limit (their matches of
                                 it dropped, or flagged flooded) */
} phash_scan_flood;

/* The signatures past the flood limit so far (most files first, then by
 * algorithm and hash): takes a snapshot that phash_scanner_flood_get(s,
 * 0 .. count-1) reads. Meant for the end of a scan; safe during one (the
 * snapshot is then a moment's). Records are valid until the next
 * flood_count, the next scan's start, phash_scanner_reset_counters or
 * phash_scanner_free. 0 for NULL. */
PHASH_API size_t phash_scanner_flood_count(phash_scanner *s);
PHASH_API const phash_scan_flood *phash_scanner_flood_get(const phash_scanner *s, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_SCAN_H */
