/* SPDX-License-Identifier: MIT */
/*
 * Signature sets: lists of known hashes (PDQ, pHash, and the exact file
 * digests MD5, SHA-1, SHA-256) loaded from the text formats police and
 * industry hash lists arrive in, validated, de-duplicated and counted.
 *
 * Formats (docs/formats.md section 2):
 * - plain lists, one hash per line: PDQ as 64 hex digits, pHash as 16 hex
 *   digits or a decimal number (unsigned, or signed as databases store it);
 *   an optional "hash=" prefix and a ",metadata" tail (what Meta's pdq tools
 *   write and read: "hash,quality,filename" or "hash=...,quality=...,..."),
 *   an optional "<algo> <hash>" form (python-threatexchange's file exchange);
 *   blank lines and lines starting with '#' are ignored;
 * - CSV / TSV / ';'-separated with a header: a hash column found by name
 *   (hash, signal_str, signal, hash_value, pdq, phash, ...), an optional id
 *   column (id, signal_id, entry_id, media_id, ...), an optional algorithm
 *   column (signal_type, algo, algorithm, hash_type, ...), an optional quality
 *   column; every other column is kept as opaque metadata "name=value; ...".
 *   The python-threatexchange export (signal_type,signal_str,collab,category,
 *   tags) is one such file;
 * - JSON lines: one object per line with the same member names; the other
 *   members are kept as metadata, as a JSON object text;
 * - VICS JSON (Project VIC 1.3 / 2.0, NIST CAID non-RDS 1.2, UK CAID): one
 *   OData document, recognised by its "odata.metadata" / "@odata.context"
 *   member; each Media object (in "value", or in each case's "Media" array
 *   in the Cases form) is a record: MD5, SHA1 (SHA256), {HashName,
 *   HashValue} alternatives, PhotoDNA kept, Category, MediaID as the id,
 *   the other scalar members as metadata (MediaSize, Series, IsDistributed,
 *   ...). Streamed (a file may be one line of hundreds of MB): memory is
 *   bounded by PHASH_SIGSET_OPT_MAX_LINE per value and per record, nesting
 *   by 64 levels. Messages say "list.json:record N: ..." (N: the Media
 *   object's ordinal); a syntax error anywhere fails the load;
 * - NCMEC hash-sharing XML (API v2 <queryResult>): each <image>/<video> is
 *   a record: <id>, <classification> as the category, <fingerprints> md5,
 *   sha1, pdq (pdna, tmk_pdqf, netclean, videntifier, ... kept, counted);
 *   <deletedImage>/<deletedVideo> tombstones drop the records of their id
 *   that came earlier in the same load (report.tombstones, .deleted; lists
 *   loaded before are not changed). Streamed with libxml2's xmlReader; no
 *   DOCTYPE, no network, no entity expansion.
 *
 * Exact digests: columns / members / algorithm names "md5", "sha1"
 * ("sha-1"), "sha256" ("sha-256"); hex in either case. Without a name, 32
 * hex digits are read as MD5 and 40 as SHA-1 (64 stay PDQ: a SHA-256 must
 * be named). The digests of the empty file (d41d8cd9..., da39a3ee...,
 * e3b0c442...) are on real lists: they are flagged (PHASH_SIGSET_FLAG_EMPTY_FILE),
 * counted, not inserted by default, and never matched.
 *
 * Algorithms phash cannot compute (PhotoDNA, TMK, NetClean, Videntifier,
 * SHA-512, ...): a column or member named after one is kept in the
 * record's metadata and counted in the report by kind (opaque[]); a record
 * that names such an algorithm, or carries only such hashes, is counted as
 * opaque_only, never as an error.
 *
 * Categories: a column / member "category", "status", "classification",
 * "grade" (or "category_id") gives the owner's category text (VICS
 * Category "1", NCMEC classification "A1", ...), reported with every match.
 *
 * Videos (vPDQ, PHASH_SIG_VPDQ): a record whose algorithm is "vpdq" (a
 * signal_type column / member, or a column / member named vpdq) holds one
 * video as python-threatexchange / HMA write it: a JSON array of
 * "pdqhex,quality,timestamp" strings (in a CSV cell, a JSON string, or a
 * JSON array member). The reference CLI's per-frame files are read too
 * (PHASH_SIGSET_VPDQ). Every frame must be valid, or the record is invalid
 * (the message names the frame). Frames under the minimum quality are not
 * inserted (they never count in matching); a video with none left is
 * counted as low quality. A video repeated under the same id in the same
 * list is a duplicate. Each frame of a video is one owner of its frame
 * hash's entry (the owner's quality is the frame's; its line the record's).
 * A CSV / JSON line holds a whole video (about 80 bytes per frame): raise
 * PHASH_SIGSET_OPT_MAX_LINE for videos of more than about 800 frames.
 *
 * Every file may be UTF-8 with or without a BOM, with LF or CRLF line ends.
 * Parsing is streaming: memory per record is bounded by the maximum line
 * length (PHASH_SIGSET_OPT_MAX_LINE); a longer line is an invalid record.
 *
 * Records are validated one by one. An invalid record is skipped and counted
 * by reason, and the first few are described as "file:line: expected ...,
 * found ..." in the load report; in strict mode the first one fails the load
 * and leaves the set as it was. All-zero hashes and PDQ hashes whose quality
 * is below the threshold are valid but "flagged": they match featureless
 * images, so they are counted and, by default, not inserted.
 *
 * A hash value present several times (in one file or across files) is one
 * entry with several owners: every (list, id, metadata) is kept and returned
 * with a match.
 *
 * Entries are numbered per algorithm from 0 in insertion order; that number
 * is the id the index stores (see phash_sigset_pdq_codes()).
 *
 * Thread safety: loading modifies the set; it must not run concurrently
 * with anything else on that set. Read-only functions (sizes, codes, owners)
 * may be called by several threads at once when no load runs.
 */
#ifndef PHASH_SIGSET_H
#define PHASH_SIGSET_H

#include "phash/phash.h"
#include "phash/codes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct phash_sigset phash_sigset;

/* The hash algorithms a signature set holds. Values are ABI-stable. */
typedef enum phash_sig_algo {
    PHASH_SIG_PDQ = 1,   /* 256-bit PDQ */
    PHASH_SIG_PHASH = 2, /* 64-bit pHash (DCT) */
    PHASH_SIG_MD5 = 3,   /* exact: MD5 of the file (16 bytes) */
    PHASH_SIG_SHA1 = 4,  /* exact: SHA-1 of the file (20 bytes) */
    PHASH_SIG_SHA256 = 5, /* exact: SHA-256 of the file (32 bytes) */
    /* vPDQ: the PDQ hashes of a video's frames. An entry is one distinct
     * frame hash (32 bytes, like PDQ); its owners are the videos (list, id)
     * whose bag of frames holds it, one owner per frame (include/phash/vmatch.h
     * matches a whole video). */
    PHASH_SIG_VPDQ = 6
} phash_sig_algo;
#define PHASH_SIG_ALGO_MAX 6

/* 1 for the exact digests (MD5, SHA-1, SHA-256): matched by equality,
 * queried with their raw bytes, radius 0. */
PHASH_API int phash_sig_algo_is_exact(phash_sig_algo algo);
/* Code size in bytes: 32 (PDQ), 8 (pHash), 16, 20, 32, 32 (vPDQ frame); 0
 * for others. */
PHASH_API size_t phash_sig_algo_code_size(phash_sig_algo algo);

/* "pdq", "phash", "md5", "sha1", "sha256", "vpdq"; "unknown" for other values.
 * Static storage. */
PHASH_API const char *phash_sig_algo_name(phash_sig_algo algo);
/* Parse an algorithm name as lists spell it, case-insensitively: "pdq",
 * "hash_pdq", "pdqhash", "phash", "phash64", "dct64", ... Returns
 * PHASH_ERR_NOT_FOUND for names of algorithms phash does not hold (md5,
 * photodna, ...). len is the number of characters at name. */
PHASH_API PHASH_NODISCARD phash_status phash_sig_algo_parse(const char *name, size_t len,
                                            phash_sig_algo *out);

/* Input formats. Values are ABI-stable. */
typedef enum phash_sigset_format {
    PHASH_SIGSET_AUTO = 0,  /* decide from the first bytes / first non-blank line */
    PHASH_SIGSET_PLAIN = 1, /* one hash per line */
    PHASH_SIGSET_CSV = 2,   /* header + rows; delimiter from the header */
    PHASH_SIGSET_JSONL = 3, /* one JSON object per line */
    /* vPDQ frame hashes of one video: the reference CLI's lines
     * "frame,quality,pdqhex,timestamp" (vpdq-hash-video's output; the file
     * is one video, its id the file's base name without extension), or
     * lines that each hold one video as HMA's JSON array of
     * "pdqhex,quality,timestamp" strings (id: the base name for the first,
     * "base:LINE" for later ones). Detected by AUTO from the first line. */
    PHASH_SIGSET_VPDQ = 4,
    PHASH_SIGSET_VICS = 5,  /* Project VIC VICS / CAID JSON document (OData) */
    PHASH_SIGSET_NCMEC = 6  /* NCMEC hash-sharing XML (queryResult) */
} phash_sigset_format;

/* Why a record was rejected. Values are ABI-stable. */
typedef enum phash_sigset_problem {
    PHASH_SIGSET_BAD_LENGTH = 0,     /* hash text of the wrong length */
    PHASH_SIGSET_BAD_CHARACTER = 1,  /* a character that is not a hex digit / digit */
    PHASH_SIGSET_OUT_OF_RANGE = 2,   /* decimal pHash outside 64 bits */
    PHASH_SIGSET_MISSING_HASH = 3,   /* no hash value in the record */
    PHASH_SIGSET_UNKNOWN_ALGO = 4,   /* algorithm name phash does not hold */
    PHASH_SIGSET_BAD_SYNTAX = 5,     /* CSV quoting or JSON syntax */
    PHASH_SIGSET_LINE_TOO_LONG = 6,  /* longer than PHASH_SIGSET_OPT_MAX_LINE */
    PHASH_SIGSET_BAD_QUALITY = 7,    /* quality not an integer 0..100 */
    PHASH_SIGSET_WRONG_ALGO = 8      /* the hash does not fit the declared algorithm */
} phash_sigset_problem;
#define PHASH_SIGSET_PROBLEMS 16 /* size of by_reason[]; unused slots stay 0 */

/* "bad length", "bad character", ...; static storage, never NULL. */
PHASH_API const char *phash_sigset_problem_name(phash_sigset_problem problem);

/* Kinds of hashes phash keeps but cannot compute or match. ABI-stable. */
typedef enum phash_sigset_opaque {
    PHASH_SIGSET_OPAQUE_PHOTODNA = 0,    /* photodna, pdna, ssvh_pdna */
    PHASH_SIGSET_OPAQUE_TMK = 1,         /* tmk, tmk_pdqf, videotmk */
    PHASH_SIGSET_OPAQUE_NETCLEAN = 2,    /* netclean */
    PHASH_SIGSET_OPAQUE_VIDENTIFIER = 3, /* videntifier */
    PHASH_SIGSET_OPAQUE_OTHER = 4        /* sha512, sha384, edonkey, ssvh_safer_hash, ... */
} phash_sigset_opaque;
#define PHASH_SIGSET_OPAQUE_KINDS 8 /* size of opaque[]; unused slots stay 0 */
/* "PhotoDNA", "TMK", "NetClean", "Videntifier", "other"; static, never NULL. */
PHASH_API const char *phash_sigset_opaque_name(phash_sigset_opaque kind);

#define PHASH_SIGSET_MESSAGES 8      /* first problems kept in a report */
#define PHASH_SIGSET_MESSAGE_LEN 256 /* bytes per message, NUL included */

/* What one load did. Invariant:
 * records = inserted + duplicates + invalid + opaque_only + flagged_skipped,
 * where flagged_skipped = zero + low_quality + empty_file unless flagged
 * entries are kept (then 0). */
typedef struct phash_sigset_report {
    uint64_t lines;        /* physical lines read */
    uint64_t records;      /* records seen (not blank, comment or header) */
    uint64_t inserted;     /* records that created a new entry */
    uint64_t duplicates;   /* valid records whose hash was already an entry */
    uint64_t invalid;      /* rejected records (sum of by_reason) */
    uint64_t by_reason[PHASH_SIGSET_PROBLEMS]; /* indexed by phash_sigset_problem */
    uint64_t zero;         /* valid but all-zero (flagged) */
    uint64_t low_quality;  /* valid PDQ or pHash with quality < the threshold (flagged) */
    /* valid records by algorithm up to SHA-256 (vPDQ videos: `videos`) */
    uint64_t per_algo[PHASH_SIG_SHA256 + 1];
    phash_sigset_format format; /* the format used (detected when AUTO) */
    unsigned n_messages;   /* messages[] used, <= PHASH_SIGSET_MESSAGES */
    /* "list.csv:17: expected 64 hex digits (PDQ), found 63 characters" */
    char messages[PHASH_SIGSET_MESSAGES][PHASH_SIGSET_MESSAGE_LEN];
    uint64_t empty_file;   /* valid digests of the empty file (flagged) */
    uint64_t opaque_only;  /* records with no hash phash can match, only opaque ones */
    /* opaque hash values kept (in metadata), not matchable, by phash_sigset_opaque */
    uint64_t opaque[PHASH_SIGSET_OPAQUE_KINDS];
    uint64_t videos;       /* valid vPDQ records (each one video) */
    /* NCMEC tombstones (<deletedImage>/<deletedVideo>) read, and the owners
     * they removed from the same load (records counted as inserted or
     * duplicates above before the tombstone came) */
    uint64_t tombstones;
    uint64_t deleted;
} phash_sigset_report;

/* Options, set before loading (they apply to later loads). */
typedef enum phash_sigset_option {
    /* 0 (default): skip bad records and report; 1: fail on the first. */
    PHASH_SIGSET_OPT_STRICT = 1,
    /* phash_sigset_format to read; default PHASH_SIGSET_AUTO. */
    PHASH_SIGSET_OPT_FORMAT = 2,
    /* Algorithm of records that do not name one: 0 (default) infers it from
     * the text (64 hex digits: PDQ; 16 hex digits or a decimal: pHash), or a
     * phash_sig_algo. */
    PHASH_SIGSET_OPT_ALGO = 3,
    /* PDQ and pHash quality below this is flagged; default 50 (Meta: discard
     * PDQ <= 49; the same gate as the alert policy's on the query side,
     * include/phash/alert.h). Records without a quality (and digests) are
     * not flagged for it. 0..101. */
    PHASH_SIGSET_OPT_MIN_QUALITY = 4,
    /* 0 (default): flagged records are counted, not inserted; 1: inserted. */
    PHASH_SIGSET_OPT_KEEP_FLAGGED = 5,
    /* Longest line accepted, in bytes: 256..16 MiB, default 65536. */
    PHASH_SIGSET_OPT_MAX_LINE = 6,
    /* How 16-character all-digit pHash values are read when no algorithm or
     * form says: phash_u64_form PHASH_U64_HEX (default) or
     * PHASH_U64_UNSIGNED. Other lengths are unambiguous. */
    PHASH_SIGSET_OPT_U64_FORM = 7,
    /* 1: the lists loaded from now on are allowlists (known-benign files, as
     * forensic tools' known-file sets): every owner they add is flagged
     * PHASH_SIGSET_FLAG_ALLOW. 0 (default): the list's own content decides
     * (VICS Category 0 and NIST CAID entries are allowlist entries). */
    PHASH_SIGSET_OPT_ALLOWLIST = 8
} phash_sigset_option;

/* An empty set with default options in *out (NULL on failure:
 * PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG for a NULL out). */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_new(phash_sigset **out);
/* Release the set. NULL is a no-op. */
PHASH_API void phash_sigset_free(phash_sigset *set);

/* PHASH_ERR_INVALID_ARG for an unknown option or a value out of range. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_set_option(phash_sigset *set, phash_sigset_option option,
                                               int value);
/* The option's value, or -1 for an unknown option. */
PHASH_API int phash_sigset_get_option(const phash_sigset *set, phash_sigset_option option);

/* Load a signature file into the set (added to what is already there; the
 * file becomes a "list" named by its path). report (may be NULL) is filled
 * whatever the outcome. Returns:
 * - PHASH_OK when at least one record was valid (invalid ones were skipped);
 * - PHASH_ERR_BAD_FILE when no record was valid, when the header names no
 *   hash column, or (strict mode) at the first invalid record; the set is
 *   then unchanged;
 * - PHASH_ERR_IO (errno in phash_sigset_last_errno()), PHASH_ERR_NOMEM
 *   (set unchanged), PHASH_ERR_INVALID_ARG.
 * phash_sigset_last_error() gives the detail. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_load_file(phash_sigset *set,
                                                              const char *path,
                                                              phash_sigset_report *report);
/* The same from memory; name is used as the list name and in messages
 * (NULL: "<memory>"). */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_load_memory(phash_sigset *set,
                                                                const void *data, size_t len,
                                                                const char *name,
                                                                phash_sigset_report *report);

/* The detail of the last error on this set; never NULL; valid until the
 * next call that modifies the set. */
PHASH_API const char *phash_sigset_last_error(const phash_sigset *set);
/* errno of the last PHASH_ERR_IO, 0 otherwise. */
PHASH_API int phash_sigset_last_errno(const phash_sigset *set);

/* ---- reading the set ---------------------------------------------------- */

/* Number of distinct entries of an algorithm (0 for an unknown algorithm). */
PHASH_API size_t phash_sigset_size(const phash_sigset *set, phash_sig_algo algo);
/* Number of lists (files) loaded. */
PHASH_API size_t phash_sigset_list_count(const phash_sigset *set);
/* Provenance of list i (0 .. phash_sigset_list_count() - 1), for an operator
 * auditing what a set was built from: its name (the path or memory name it
 * was loaded under; valid as long as the set), its size in bytes, the
 * SHA-256 of those bytes and when it was loaded (seconds since 1970-01-01
 * UTC). A compiled set keeps them from the lists it was compiled from. Any
 * output pointer may be NULL. PHASH_ERR_NOT_FOUND when i is out of range;
 * PHASH_ERR_UNSUPPORTED (with the name still set) when the provenance is
 * unknown: a set compiled before it was recorded. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_list_info(const phash_sigset *set, size_t i,
                                                              const char **name, uint64_t *size,
                                                              uint8_t sha256[32],
                                                              int64_t *loaded);

/* The codes of all entries, contiguous, entry i at index i; valid until the
 * set is modified or freed. *count (may be NULL) receives the size. NULL
 * when there are none. */
PHASH_API const phash_pdq_code *phash_sigset_pdq_codes(const phash_sigset *set, size_t *count);
PHASH_API const uint64_t *phash_sigset_u64_codes(const phash_sigset *set, phash_sig_algo algo,
                                                 size_t *count);
/* The codes of any algorithm as bytes, entry i at i *
 * phash_sig_algo_code_size(algo) (pHash: host-order uint64_t). */
PHASH_API const void *phash_sigset_codes(const phash_sigset *set, phash_sig_algo algo,
                                         size_t *count);

/* One owner of an entry. Strings are NUL-terminated, owned by the set and
 * valid until it is modified or freed. */
typedef struct phash_sigset_owner {
    const char *list;     /* the file (list) the record came from */
    const char *id;       /* its id column, or its line number when none */
    const char *metadata; /* opaque metadata, "" when none */
    const char *category; /* the record's category / status / classification, "" when none */
    int quality;          /* 0..100, or -1 when the record gave none */
    unsigned flags;       /* PHASH_SIGSET_FLAG_* */
    uint64_t line;        /* line number in the list */
} phash_sigset_owner;

#define PHASH_SIGSET_FLAG_ZERO 0x1u        /* all-zero hash (kept only on request) */
#define PHASH_SIGSET_FLAG_LOW_QUALITY 0x2u /* PDQ or pHash quality below the threshold */
#define PHASH_SIGSET_FLAG_EMPTY_FILE 0x4u  /* digest of the empty file: never matched */
/* Known-benign (allowlist) owner: a list loaded with
 * PHASH_SIGSET_OPT_ALLOWLIST, a NIST CAID (VICS 1.2) document, or a VICS
 * record of Category 0 (Non-Pertinent). Its matches never alert; the
 * scanner suppresses the other lists' matches of the same file or hash
 * (scan.h, PHASH_SCAN_OPT_REPORT_SUPPRESSED). */
#define PHASH_SIGSET_FLAG_ALLOW 0x8u

/* Number of owners of entry `entry` (0 if out of range). */
PHASH_API size_t phash_sigset_owner_count(const phash_sigset *set, phash_sig_algo algo,
                                          size_t entry);
/* Owner k (0-based, in load order) of an entry. PHASH_ERR_NOT_FOUND when out
 * of range. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_owner_get(const phash_sigset *set, phash_sig_algo algo,
                                              size_t entry, size_t k,
                                              phash_sigset_owner *out);

/* The size filter. Lists that record the file size of their digest
 * entries (VICS MediaSize; a "size", "file_size", "filesize" or
 * "media_size" column or member in CSV / JSON lines) give the set a size
 * set. 0 when no digest entry of the set can be a file of `size` bytes:
 * every digest entry has a recorded size and none is this one. 1
 * otherwise: the size is listed, or some digest entry has no size (a list
 * without sizes, a compiled set written before sizes were kept), or the
 * set has no digest entry. The scanner uses it to leave non-media files
 * of other sizes undigested (scan.h, PHASH_SCAN_OPT_SIZE_FILTER). */
PHASH_API int phash_sigset_size_possible(const phash_sigset *set, uint64_t size);

/* ---- compiled sets ------------------------------------------------------ */

/* Write the set as a compiled set file ("SET.phx": its codes, owners, lists
 * and metadata, plus the index of each algorithm when the library has one),
 * atomically: a temporary file in the same folder (mode 0600: signature
 * sets are sensitive; on Linux an unnamed O_TMPFILE, so a killed writer
 * leaves nothing; elsewhere "PATH.phash-tmp-XXXXXXXX", removed by the next
 * save to PATH once its writer is gone), fsync, rename over path, fsync of
 * the folder. A crash leaves the previous file intact. Only a regular file
 * is ever replaced: a device, FIFO, socket, folder or symbolic link at
 * path gives PHASH_ERR_NOT_REGULAR and is left alone (a link is neither
 * written through nor replaced: name the real file). PHASH_ERR_IO (errno
 * kept), PHASH_ERR_NOMEM. The set is not modified. Not thread-safe with
 * loads into the same set. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_save(phash_sigset *set, const char *path);

/* phash_sigset_save with flags. PHASH_SIGSET_SAVE_RELEASE: the set is
 * written for the last time, and its memory is given back while it is
 * written (each array freed once its section is out: owners, strings and
 * lookup tables before the indexes are built, each algorithm's codes after
 * its index), so compiling costs the set plus one index, not the set plus
 * every index and its copies (`phash sigset compile` of 10M PDQ entries:
 * see docs). On return, success or not, the set is empty (its options
 * kept) and may be loaded into again; a set opened from a compiled file
 * is emptied at the end only. PHASH_ERR_INVALID_ARG for unknown flags.
 * (PHASH_SIGSET_SAVE_ENDPOINT: below.) */
#define PHASH_SIGSET_SAVE_RELEASE 1u
/* PHASH_SIGSET_SAVE_ENDPOINT: the endpoint layout, for machines where the
 * set's memory matters more than its query speed (the default layout,
 * "fast", is for servers). The file holds the codes, the strings (ids,
 * metadata, list names, categories) and compact owner records (the list,
 * category, quality, flags and line coded in as few bytes as the set needs,
 * the entry implicit), and no index: a PDQ or pHash query is a SIMD scan
 * of the codes in the file, the 8 dihedral codes of a query in one pass
 * (at 10M PDQ entries ~44 B per entry instead of ~169, and some queries a
 * second instead of thousands; see docs/formats.md). Opened (best with
 * PHASH_SIGSET_OPEN_MAP) it is used in place: nothing per entry is built
 * on the heap, except for a set holding vPDQ videos (their owners are
 * decoded for the video matcher). Exact digests keep their sorted tables.
 * Every query gives the same matches, owners and distances as the default
 * layout. Files in this layout are format version 2: a phash that predates
 * it refuses them with PHASH_ERR_VERSION. Combines with RELEASE. */
#define PHASH_SIGSET_SAVE_ENDPOINT 2u
PHASH_API PHASH_NODISCARD phash_status phash_sigset_save_flags(phash_sigset *set,
                                                               const char *path,
                                                               unsigned flags);

/* 1 if the file at path starts like a compiled set (written by
 * phash_sigset_save()), 0 otherwise (a text list, or unreadable). Cheap:
 * reads the first bytes. Only lib/sigset knows the file's magic. A FIFO,
 * device or folder gives 0 without being read (and without blocking). */
PHASH_API int phash_sigset_file_is_compiled(const char *path);

/* Open a compiled set file as a new set (free with phash_sigset_free()).
 * The file is read into private memory at open and used in place (the
 * codes, owners and strings the set hands out point into that copy), so
 * RSS after the open is about the file's size, and nothing done to the
 * file afterwards (rewritten in place with `cp new.phx live.phx`,
 * renamed over, deleted) can touch the open set, which keeps answering as
 * the file was when opened. Loading more lists into the set first copies
 * it to the heap. Every byte is checked (checksums, counts, offsets)
 * before anything is returned. Statuses: PHASH_ERR_IO,
 * PHASH_ERR_NOT_REGULAR (a FIFO, device, folder...: refused without
 * blocking), PHASH_ERR_BAD_FILE (not a compiled set, truncated, corrupt),
 * PHASH_ERR_VERSION (written by a newer phash), PHASH_ERR_UNSUPPORTED (a
 * host that is not 64-bit little-endian), PHASH_ERR_NOMEM. On failure
 * *detail (if not NULL) receives a static sentence saying what is wrong. */
PHASH_API PHASH_NODISCARD phash_status phash_sigset_open(const char *path, phash_sigset **out,
                                                         const char **detail);
/* phash_sigset_open() with flags: 0 is phash_sigset_open();
 * PHASH_SIGSET_OPEN_MAP memory-maps the file instead of reading it: its
 * pages are shared with the page cache and with every process that maps
 * the same file (one copy in RAM for many scanner processes), read on
 * demand, and the open is faster. The price: on POSIX, truncating the
 * file in place while it is open (`cp new.phx live.phx`) raises SIGBUS in
 * this process at the next access. Use it only where compiled sets are
 * replaced by rename (phash_sigset_save and `phash sigset compile` do).
 * Windows always maps (it refuses to truncate a mapped file). Unknown
 * flags: PHASH_ERR_INVALID_ARG. */
#define PHASH_SIGSET_OPEN_MAP 1u
PHASH_API PHASH_NODISCARD phash_status phash_sigset_open_flags(const char *path, unsigned flags,
                                                               phash_sigset **out,
                                                               const char **detail);

/* ---- matching ----------------------------------------------------------- */

/* A matcher serves queries against one signature set at a time and lets
 * the set be replaced while queries run: the new set is loaded and checked
 * completely first, then swapped in atomically; queries already running
 * finish on the old one, which is freed after the last of them. A new set
 * that fails to load leaves the old one serving.
 *
 * Thread safety: queries (phash_matcher_query) may run from any number of
 * threads at once, each with its own phash_matches; replacing the set may
 * run concurrently with them (replacements are serialised). */
typedef struct phash_matcher phash_matcher;
/* Results of one query, reusable. They keep the set they were computed on
 * alive (even across a replacement) until the next query or their free. */
typedef struct phash_matches phash_matches;

/* An empty matcher (no set: queries find nothing) in *out (NULL on
 * failure: PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG for a NULL out). */
PHASH_API PHASH_NODISCARD phash_status phash_matcher_new(phash_matcher **out);
/* Release the matcher; NULL is a no-op. Must not race with queries. */
PHASH_API void phash_matcher_free(phash_matcher *m);
/* Serve this set from now on. The matcher takes ownership of set on
 * success (do not use or free it afterwards); on failure the caller keeps
 * it and the previous set keeps serving. PHASH_ERR_NOMEM,
 * PHASH_ERR_INVALID_ARG. */
PHASH_API PHASH_NODISCARD phash_status phash_matcher_use(phash_matcher *m, phash_sigset *set);
/* Serve the compiled set in path (phash_sigset_open()), atomically
 * replacing the current one; on any error the current one keeps serving
 * and phash_matcher_last_error() says why. */
PHASH_API PHASH_NODISCARD phash_status phash_matcher_open(phash_matcher *m, const char *path);
/* phash_matcher_open() with the flags of phash_sigset_open_flags()
 * (PHASH_SIGSET_OPEN_MAP: map the file, shared between processes; see
 * there for the SIGBUS it risks when the file is rewritten in place). */
PHASH_API PHASH_NODISCARD phash_status phash_matcher_open_flags(phash_matcher *m, const char *path,
                                                                unsigned flags);
/* phash_sigset_size_possible() on the set being served (1 with no set). */
PHASH_API int phash_matcher_size_possible(const phash_matcher *m, uint64_t size);
/* Entries of an algorithm in the set being served. */
PHASH_API size_t phash_matcher_size(const phash_matcher *m, phash_sig_algo algo);
/* Detail of the last failed replacement; never NULL. */
PHASH_API const char *phash_matcher_last_error(const phash_matcher *m);

/* One match: an entry of the set within the radius of the query. */
typedef struct phash_match {
    phash_sig_algo algo;
    unsigned distance; /* Hamming distance (best over the query's variants) */
    unsigned variant;  /* index (0-7) of the query code that matched best */
    size_t entry;      /* entry index in the set */
    size_t owners;     /* number of owners: phash_matches_owner(.., 0..owners-1) */
    const char *hash;  /* canonical text of the entry's hash (hex: 64 PDQ, 16
                          pHash, 32 MD5, 40 SHA-1, 64 SHA-256); valid as
                          long as the results */
} phash_match;

/* Empty, reusable results in *out (NULL on failure: PHASH_ERR_NOMEM,
 * PHASH_ERR_INVALID_ARG for a NULL out). */
PHASH_API PHASH_NODISCARD phash_status phash_matches_new(phash_matches **out);
PHASH_API void phash_matches_free(phash_matches *r);

/* Find every entry of `algo` within `radius` of the query. codes holds
 * `variants` codes (phash_pdq_code[] for PDQ, uint64_t[] for pHash): 1 for
 * a plain query, 8 for PDQ's dihedral hashes of one image (the reference
 * order: orig, rot90, rot180, rot270, flipx, flipy, flipp, flipm). Matches
 * are sorted by distance, then entry. Flagged entries (kept with
 * PHASH_SIGSET_OPT_KEEP_FLAGGED) are matched like the others, except the
 * empty file's digests, which never match.
 * Exact digests (phash_sig_algo_is_exact): codes is the digest's raw bytes
 * (phash_digest_result.md5 / .sha1 / .sha256), variants 1, radius 0; no
 * index: a set opened from a compiled file looks them up in place in its
 * sorted digest table (a bucket directory, then a binary search over a few
 * entries: nothing is built at open, ~0.2-0.3 us a query), a set loaded
 * from lists in a hash table.
 * PHASH_ERR_INVALID_ARG for a bad algo, variants or radius; PHASH_ERR_NOMEM. */
PHASH_API PHASH_NODISCARD phash_status phash_matcher_query(const phash_matcher *m,
                                                           phash_sig_algo algo,
                                                           const void *codes, unsigned variants,
                                                           unsigned radius, phash_matches *r);
PHASH_API size_t phash_matches_count(const phash_matches *r);
/* Match i (0-based). PHASH_ERR_NOT_FOUND when out of range. */
PHASH_API PHASH_NODISCARD phash_status phash_matches_get(const phash_matches *r, size_t i, phash_match *out);
/* Owner k of match i; strings valid as long as the results. */
PHASH_API PHASH_NODISCARD phash_status phash_matches_owner(const phash_matches *r, size_t i, size_t k,
                                           phash_sigset_owner *out);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_SIGSET_H */
