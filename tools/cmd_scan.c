/* SPDX-License-Identifier: MIT */
/* phash scan: hash every image under some folders and report those that
 * match a signature set: a front end over the library scanner
 * (include/phash/scan.h), which walks, reads, sniffs, decodes, hashes and
 * matches on its worker threads. This file parses the options, loads the
 * set, prints the reports and the summary, and with --watch feeds the
 * scanner the files the library's watch announces. Low impact by default: one worker,
 * lowest CPU and I/O priority. Writes nothing but the report (stdout, or
 * --output FILE) and the summary (stderr). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/dct.h"
#include "phash/vmatch.h"
#include "commands.h"
#include "config.h"
#include "files_from.h"
#include "list_option.h"
#include "opts.h"
#include "cli_os.h"
#include "scan_hook.h"
#include "scan_out.h"

/* ---- options ---- */

typedef struct scan_opts {
    const char *signatures;      /* the first --signatures */
    const char **lists;          /* every --signatures and --allowlist, in order */
    unsigned char *allow;        /* per list: an --allowlist */
    int n_lists;
    int report_suppressed;       /* --report-suppressed */
    unsigned algos;                            /* bit (1 << phash_sig_algo) */
    unsigned radius[PHASH_SIG_ALGO_MAX + 1];
    int dihedral, json, verbose, watch, nice, weak;
    int size_filter; /* --size-filter / --no-size-filter (default on) */
    const char **list_options; /* every --list-option NAME:KEY=VALUE */
    int n_list_options;
    unsigned flood_limit; /* --flood-limit N (0: off) */
    unsigned expand; /* PHASH_VIEW_* mask (--expand) */
    unsigned threads;
    double max_rate; /* images/s, 0 = unlimited */
    unsigned max_cpu; /* --max-cpu PERCENT of one core, 0 = unlimited */
    unsigned watch_rescan; /* --watch-rescan SEC (default 600) */
    int watch_inotify;     /* --watch-inotify: never fanotify */
    phash_dct_layout layout;
    const char *output; /* --output FILE, or NULL: stdout */
    int follow, one_file_system; /* walk controls */
    const char **excludes;       /* every --exclude */
    int n_excludes;
    const char *files_from;      /* --files-from LIST ("-": stdin) */
    const char *state;           /* --state FILE: the persistent scan state */
    int rematch;                 /* --rematch: match the state's hashes only */
    const char *on_match;        /* --on-match CMD, run per alert */
    double on_match_timeout;     /* seconds (--on-match-timeout, default 30) */
    /* videos */
    double seconds_per_hash, query_percent, index_percent;
    unsigned video_threads;
    phash_vpdq_rule video_rule;
    const char *log;    /* --log FILE: standard error appended to it */
    int windows_service; /* --windows-service */
    const char *config; /* --config FILE */
    char *config_text;  /* its text: the values of its settings point into it */
} scan_opts;

static void scan_usage(FILE *f)
{
    fprintf(f,
        "usage: phash scan PATH... --signatures SET [options]\n"
        "\n"
        "Hash every image under PATH (files and folders, recursively) and print one\n"
        "record per match with a signature set: CSV with a header, or JSON lines.\n"
        "\n"
        "  -s, --signatures SET\n"
        "                     signature list (plain, CSV/TSV, JSON lines) or compiled\n"
        "                     set (.phx from 'phash sigset compile'); several lists\n"
        "                     may be given (repeat the option), a compiled set alone\n"
        "  --allowlist LIST   also load LIST as an allowlist: known-benign files whose\n"
        "                     entries suppress other lists' matches of the same file\n"
        "                     (digest) or hash (VICS Category 0 and NIST CAID entries\n"
        "                     are allowlist entries already); may be repeated\n"
        "  --report-suppressed\n"
        "                     also print the matches an allowlist suppressed, with a\n"
        "                     last column suppressed = 1 (JSON: \"suppressed\")\n"
        "  --algo LIST        pdq, phash or pdq,phash (default: what the set holds)\n"
        "  --radius N         match distance, inclusive, for every algorithm, or\n"
        "                     pdq=N,phash=M (default pdq=%u, phash=%u)\n"
        "  --dihedral         PDQ: also match the 8 rotations/flips of each image\n"
        "                     (default)\n"
        "  --no-dihedral      PDQ: match the image only as it is\n"
        "  --expand LIST      also hash and match views of each image: border (uniform\n"
        "                     borders removed), embedded (a picture inside a canvas),\n"
        "                     border,embedded (default), or none; the view column says\n"
        "                     which matched (JSON: \"view\")\n"
        "  --weak             also print weak matches: within PDQ 40 or pHash 12 but not\n"
        "                     an alert (a pHash hit without PDQ agreement within 56,\n"
        "                     or PDQ 32-40); adds a level column, alert or weak (JSON:\n"
        "                     \"level\"); weak matches do not change the exit status\n"
        "  --list-option NAME:KEY=VALUE\n"
        "                     a setting for the entries of one list only (NAME: as\n"
        "                     given to --signatures, or its file name): pdq-radius,\n"
        "                     phash-radius, pdq-weak-radius, phash-weak-radius,\n"
        "                     phash-alone-radius, phash-needs-pdq (-1: pHash alone\n"
        "                     alerts), pdq-min-quality, phash-min-quality (0-100),\n"
        "                     algorithms (those that may alert: pdq,phash,md5,...; the\n"
        "                     others' matches are weak), level (alert, weak: its\n"
        "                     matches are weak at most, none: never reported); repeat\n"
        "                     for several\n"
        "  --flood-limit N    a signature that matched N files is suspected wrongly\n"
        "                     listed (a logo, a blank page): its matches in further\n"
        "                     files are not printed, and the summary names it with its\n"
        "                     count (default %u; 0: off)\n"
        "  --size-filter / --no-size-filter\n"
        "                     when every digest entry of the set records its file's\n"
        "                     size (VICS MediaSize, a size column), files that are not\n"
        "                     media and whose size no entry has are not digested: read\n"
        "                     for their first 64 KiB only (default on)\n"
        "  --phash-layout L   pHash bit layout of the set: 1.0 (default) or 0.9\n"
        "  --json             JSON lines instead of CSV\n"
        "  -o, --output FILE  append the records to FILE (created with mode 0600; the\n"
        "                     CSV header only when it is empty; reopened on SIGHUP,\n"
        "                     for log rotation) instead of standard output\n"
        "  --state FILE       keep what is learnt in FILE (SQLite, mode 0600): files\n"
        "                     unchanged since are not decoded again, a match is\n"
        "                     reported until written once, deleted files forgotten\n"
        "  --rematch          with --state and no PATH: match the stored hashes\n"
        "                     against SET, reading no file; only new matches\n"
        "  --on-match CMD     run CMD (split at spaces, no shell) once per match, the\n"
        "                     JSON record on its standard input; a failure stops\n"
        "                     the scan (exit 2; with --state the alert is kept)\n"
        "  --on-match-timeout SEC  kill --on-match after SEC seconds (default 30)\n"
        "  --threads N|auto   worker threads (default 1; auto: one per CPU this process\n"
        "                     may use); records stay in input order\n"
        "  --nice / --no-nice lowest CPU and I/O priority (default on)\n"
        "  --max-rate N       at most N images per second (default unlimited)\n"
        "  --max-cpu PERCENT  the scan's threads use at most PERCENT of one core,\n"
        "                     averaged over about a second, by sleeping (default\n"
        "                     unlimited; e.g. 25)\n"
        "  -v, --verbose      list files that could not be hashed on stderr\n"
        "  --watch            after the first pass, hash new and changed files as they\n"
        "                     appear (Linux: fanotify, one mark per file system, when\n"
        "                     privileged; else inotify, one watch per folder) until\n"
        "                     SIGINT or SIGTERM; SIGHUP or a changed --signatures file\n"
        "                     reloads the set meanwhile; lost events (overflow) walk\n"
        "                     the PATHs again; which watch is used is said on stderr\n"
        "  --watch-inotify    with --watch: use inotify even when fanotify is allowed\n"
        "  --watch-rescan SEC with --watch: walk the folders that cannot be watched\n"
        "                     (inotify's limit reached) every SEC seconds (default 600)\n"
        "  --follow           follow symbolic links found in folders, but only to targets\n"
        "                     inside the PATH being walked (default: links not followed)\n"
        "  --one-file-system  do not enter folders on another file system than their PATH\n"
        "  --exclude GLOB     leave out files and folders whose name matches GLOB (a\n"
        "                     pattern with '/' is matched against the whole path);\n"
        "                     repeat for several\n"
        "  --files-from LIST  also scan the paths listed in the file LIST ('-': standard\n"
        "                     input), one per line or NUL-separated (find -print0)\n"
        "  --log FILE         append the messages (standard error: the summary,\n"
        "                     warnings) to FILE, created with mode 0600\n"
        "  --windows-service  run as a Windows service (started by the service control\n"
        "                     manager: sc create ... binPath= \"phash.exe scan\n"
        "                     --windows-service --config FILE\"); needs --output; stop,\n"
        "                     shutdown and preshutdown act as SIGTERM, paramchange as\n"
        "                     SIGHUP\n"
        "  --config FILE      read settings from FILE first: 'key = value' lines, each\n"
        "                     key a long option above without '--' (a flag alone or\n"
        "                     = yes|no), 'path = PATH' for a PATH; the command line's\n"
        "                     options override the file's, its PATHs replace the file's,\n"
        "                     repeatable options add to the file's\n"
        "Videos (vPDQ; MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, ASF) are matched as\n"
        "videos against the set's vpdq entries and frame by frame against its pdq\n"
        "images; their rows give the matched time ranges (time) and, for vpdq, the\n"
        "percentages of the query's and the listed video's frames that matched:\n"
        "  --seconds-per-hash S  seconds between hashed frames (default 1; 0: all)\n"
        "  --video-threads N  decoder threads per video, taken from --threads' budget\n"
        "                     when workers leave some (default 1)\n"
        "  --video-rule R     pytx (default: de-duplicated frames, distance <= radius)\n"
        "                     or cpp (the C++ reference: every frame, distance < radius)\n"
        "  --video-match Q[,I] a video matches when Q%% of its frames match the listed\n"
        "                     video and I%% of the listed video's frames are matched\n"
        "                     (default 80,0); the frame radius is --radius vpdq=N\n"
        "                     (default %u)\n"
        "\n"
        "Files are recognised by content (magic bytes), never by name; other files are\n"
        "skipped. Each folder is visited once. A summary goes to stderr. Nothing else\n"
        "is written anywhere.\n"
        "Exit status: 0 no match, 1 at least one match, 2 error (bad usage, the set\n"
        "could not be loaded, the records could not be written, or a PATH could not\n"
        "be read and nothing matched), 3 matches found and a PATH could not be read.\n"
        "A PATH that cannot be read is always said on stderr; files inside folders\n"
        "that cannot be read or decoded are counted in the summary only.\n",
        PHASH_SCAN_DEFAULT_RADIUS_PDQ, PHASH_SCAN_DEFAULT_RADIUS_PHASH,
        PHASH_SCAN_DEFAULT_FLOOD_LIMIT, PHASH_SCAN_DEFAULT_RADIUS_VPDQ);
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_algos(const char *s, unsigned *mask)
{
    *mask = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        phash_sig_algo a;
        if (phash_sig_algo_parse(s, n, &a) != PHASH_OK)
            return -1;
        *mask |= 1u << a;
        s += n + (s[n] == ',');
    }
    return *mask ? 0 : -1;
}

/* "N" for every algorithm, or "pdq=N,phash=M". */
static int parse_radius(const char *s, unsigned radius[])
{
    if (!strchr(s, '=')) {
        unsigned r;
        if (parse_uint(s, 64, &r))
            return -1;
        radius[PHASH_SIG_PDQ] = radius[PHASH_SIG_PHASH] = r;
        return 0;
    }
    while (*s) {
        size_t n = strcspn(s, "=");
        phash_sig_algo a;
        if (!s[n] || phash_sig_algo_parse(s, n, &a) != PHASH_OK)
            return -1;
        s += n + 1;
        char num[16];
        size_t m = strcspn(s, ",");
        if (m == 0 || m >= sizeof num)
            return -1;
        memcpy(num, s, m);
        num[m] = '\0';
        if (parse_uint(num, a == PHASH_SIG_PDQ || a == PHASH_SIG_VPDQ ? 256 : 64, &radius[a]))
            return -1;
        s += m + (s[m] == ',');
    }
    return 0;
}

enum {
    OPT_ALGO = 256, OPT_RADIUS, OPT_PHASH_LAYOUT, OPT_THREADS, OPT_MAX_RATE, OPT_EXPAND,
    OPT_DIHEDRAL, OPT_NO_DIHEDRAL, OPT_JSON, OPT_WATCH, OPT_NICE, OPT_NO_NICE, OPT_FOLLOW,
    OPT_ONE_FS,
    OPT_EXCLUDE, OPT_FILES_FROM, OPT_STATE, OPT_REMATCH, OPT_ON_MATCH,
    OPT_ON_MATCH_TIMEOUT, OPT_ALLOWLIST, OPT_REPORT_SUPPRESSED, OPT_SECONDS_PER_HASH,
    OPT_VIDEO_THREADS, OPT_VIDEO_RULE, OPT_VIDEO_MATCH, OPT_WEAK, OPT_CONFIG, OPT_MAX_CPU, OPT_WATCH_RESCAN, OPT_WATCH_INOTIFY,
    OPT_SIZE_FILTER, OPT_NO_SIZE_FILTER, OPT_LIST_OPTION, OPT_FLOOD_LIMIT, OPT_LOG,
    OPT_WINDOWS_SERVICE
};

static const struct option scan_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"signatures", required_argument, NULL, 's'},
    {"algo", required_argument, NULL, OPT_ALGO},
    {"radius", required_argument, NULL, OPT_RADIUS},
    {"phash-layout", required_argument, NULL, OPT_PHASH_LAYOUT},
    {"output", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-rate", required_argument, NULL, OPT_MAX_RATE},
    {"max-cpu", required_argument, NULL, OPT_MAX_CPU},
    {"watch-rescan", required_argument, NULL, OPT_WATCH_RESCAN},
    {"watch-inotify", no_argument, NULL, OPT_WATCH_INOTIFY},
    {"expand", required_argument, NULL, OPT_EXPAND},
    {"dihedral", no_argument, NULL, OPT_DIHEDRAL},
    {"no-dihedral", no_argument, NULL, OPT_NO_DIHEDRAL},
    {"weak", no_argument, NULL, OPT_WEAK},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"watch", no_argument, NULL, OPT_WATCH},
    {"nice", no_argument, NULL, OPT_NICE},
    {"no-nice", no_argument, NULL, OPT_NO_NICE},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"one-file-system", no_argument, NULL, OPT_ONE_FS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"state", required_argument, NULL, OPT_STATE},
    {"rematch", no_argument, NULL, OPT_REMATCH},
    {"on-match", required_argument, NULL, OPT_ON_MATCH},
    {"on-match-timeout", required_argument, NULL, OPT_ON_MATCH_TIMEOUT},
    {"allowlist", required_argument, NULL, OPT_ALLOWLIST},
    {"report-suppressed", no_argument, NULL, OPT_REPORT_SUPPRESSED},
    {"seconds-per-hash", required_argument, NULL, OPT_SECONDS_PER_HASH},
    {"video-threads", required_argument, NULL, OPT_VIDEO_THREADS},
    {"video-rule", required_argument, NULL, OPT_VIDEO_RULE},
    {"video-match", required_argument, NULL, OPT_VIDEO_MATCH},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"size-filter", no_argument, NULL, OPT_SIZE_FILTER},
    {"no-size-filter", no_argument, NULL, OPT_NO_SIZE_FILTER},
    {"list-option", required_argument, NULL, OPT_LIST_OPTION},
    {"flood-limit", required_argument, NULL, OPT_FLOOD_LIMIT},
    {"log", required_argument, NULL, OPT_LOG},
    {"windows-service", no_argument, NULL, OPT_WINDOWS_SERVICE},
    {NULL, 0, NULL, 0}};

/* The video options (one value each; -1 on a bad one, message printed). */
static int apply_video_option(scan_opts *o, int id, const char *val)
{
    char *end;
    switch (id) {
    case OPT_SECONDS_PER_HASH:
        o->seconds_per_hash = strtod(val, &end);
        if (end != val && !*end && o->seconds_per_hash >= 0 && o->seconds_per_hash <= 3600)
            return 0;
        opt_value_error("phash scan", "seconds-per-hash", "expected 0 to 3600, found '%s'", val);
        return -1;
    case OPT_VIDEO_THREADS:
        if (!parse_uint(val, 64, &o->video_threads) && o->video_threads > 0)
            return 0;
        opt_value_error("phash scan", "video-threads", "expected 1 to 64, found '%s'", val);
        return -1;
    case OPT_VIDEO_RULE:
        if (phash_vpdq_rule_parse(val, &o->video_rule) == PHASH_OK)
            return 0;
        opt_value_error("phash scan", "video-rule", "expected pytx or cpp, found '%s'", val);
        return -1;
    default: /* OPT_VIDEO_MATCH: "Q" or "Q,I" */
        o->query_percent = strtod(val, &end);
        if (end != val && *end == ',')
            o->index_percent = strtod(end + 1, &end);
        if (end != val && !*end && o->query_percent >= 0 && o->query_percent <= 100 &&
            o->index_percent >= 0 && o->index_percent <= 100)
            return 0;
        opt_value_error("phash scan", "video-match", "expected Q or Q,I (percent), found '%s'",
                        val);
        return -1;
    }
}

/* Append v to a growing array of strings; -1 out of memory. */
static int push_string(const char ***arr, int *n, const char *v)
{
    const char **p = realloc(*arr, ((size_t)*n + 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "phash scan: out of memory\n");
        return -1;
    }
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

/* --list-option NAME:KEY=VALUE: well formed, and a value the policy takes
 * (tried on a scratch policy). -1 with a message. */
static int check_list_option(const char *val)
{
    char list[4097], err[512];
    phash_alert_option option;
    int value;
    if (list_option_parse(val, list, sizeof list, &option, &value, err, sizeof err)) {
        opt_value_error("phash scan", "list-option", "%s", err);
        return -1;
    }
    phash_alert_policy *p = NULL;
    phash_status st = phash_alert_policy_new(&p);
    if (st == PHASH_OK)
        st = phash_alert_policy_set_list(p, list, option, value);
    phash_alert_policy_free(p);
    if (st != PHASH_OK)
        opt_value_error("phash scan", "list-option", "value out of range in '%s'", val);
    return st == PHASH_OK ? 0 : -1;
}

/* One option with its value (NULL for flags) into o, from the command line
 * or a --config file. -1 on a bad value (message printed). */
static int apply_option(scan_opts *o, int id, const char *val)
{
    switch (id) {
    case 's':
    case OPT_ALLOWLIST: {
        if (!o->signatures && id == 's')
            o->signatures = val;
        unsigned char *allow = realloc(o->allow, (size_t)o->n_lists + 1);
        if (!allow)
            return -1;
        o->allow = allow;
        allow[o->n_lists] = id == OPT_ALLOWLIST;
        return push_string(&o->lists, &o->n_lists, val);
    }
    case OPT_REPORT_SUPPRESSED: o->report_suppressed = 1; return 0;
    case OPT_ALGO:
        if (parse_algos(val, &o->algos)) {
            opt_value_error("phash scan", "algo", "expected pdq, phash or pdq,phash, found '%s'", val);
            return -1;
        }
        return 0;
    case OPT_RADIUS:
        if (parse_radius(val, o->radius)) {
            opt_value_error("phash scan", "radius", "expected N or pdq=N,phash=M, found '%s'", val);
            return -1;
        }
        return 0;
    case OPT_PHASH_LAYOUT:
        if (phash_dct_layout_parse(val, &o->layout) != PHASH_OK) {
            opt_value_error("phash scan", "phash-layout", "expected 1.0 or 0.9, found '%s'", val);
            return -1;
        }
        return 0;
    case 'o': o->output = val; return 0;
    case OPT_THREADS:
        if (!strcmp(val, "auto"))
            o->threads = cli_cpus_available();
        else if (parse_uint(val, 256, &o->threads) || o->threads == 0) {
            opt_value_error("phash scan", "threads", "expected 1 to 256 or auto, found '%s'", val);
            return -1;
        }
        return 0;
    case OPT_MAX_RATE: {
        char *end;
        o->max_rate = strtod(val, &end);
        if (end == val || *end || !(o->max_rate >= 0) || o->max_rate > 1e9) {
            opt_value_error("phash scan", "max-rate", "expected images per second, found '%s'", val);
            return -1;
        }
        return 0;
    }
    case OPT_MAX_CPU:
        if (parse_uint(val, 25600, &o->max_cpu) || o->max_cpu == 0) {
            fprintf(stderr, "phash scan: --max-cpu: expected a percent of one core, 1 to "
                            "25600, found '%s'\n", val);
            return -1;
        }
        return 0;
    case OPT_WATCH_RESCAN:
        if (parse_uint(val, 86400 * 365, &o->watch_rescan) || o->watch_rescan == 0) {
            fprintf(stderr, "phash scan: --watch-rescan: expected seconds, 1 to 31536000, "
                            "found '%s'\n", val);
            return -1;
        }
        return 0;
    case OPT_EXPAND:
        if (phash_view_kinds_parse(val, &o->expand) != PHASH_OK ||
            (o->expand & ~(unsigned)PHASH_VIEW_ALL_EXPANSIONS)) {
            opt_value_error("phash scan", "expand",
                            "expected border, embedded, border,embedded or none, found '%s'",
                            val);
            return -1;
        }
        return 0;
    case OPT_DIHEDRAL: o->dihedral = 1; return 0;
    case OPT_NO_DIHEDRAL: o->dihedral = 0; return 0;
    case OPT_WEAK: o->weak = 1; return 0;
    case OPT_SIZE_FILTER: o->size_filter = 1; return 0;
    case OPT_NO_SIZE_FILTER: o->size_filter = 0; return 0;
    case OPT_FLOOD_LIMIT:
        if (parse_uint(val, 2147483647u, &o->flood_limit)) {
            opt_value_error("phash scan", "flood-limit", "expected files, 0 to 2147483647, "
                            "found '%s'", val);
            return -1;
        }
        return 0;
    case OPT_LIST_OPTION:
        if (check_list_option(val))
            return -1;
        return push_string(&o->list_options, &o->n_list_options, val);
    case OPT_JSON: o->json = 1; return 0;
    case 'v': o->verbose = 1; return 0;
    case OPT_WATCH: o->watch = 1; return 0;
    case OPT_WATCH_INOTIFY: o->watch_inotify = 1; return 0;
    case OPT_NICE: o->nice = 1; return 0;
    case OPT_NO_NICE: o->nice = 0; return 0;
    case OPT_FOLLOW: o->follow = 1; return 0;
    case OPT_ONE_FS: o->one_file_system = 1; return 0;
    case OPT_EXCLUDE:
        if (!*val) {
            opt_value_error("phash scan", "exclude", "needs a pattern");
            return -1;
        }
        return push_string(&o->excludes, &o->n_excludes, val);
    case OPT_FILES_FROM: o->files_from = val; return 0;
    case OPT_STATE: o->state = val; return 0;
    case OPT_REMATCH: o->rematch = 1; return 0;
    case OPT_LOG: o->log = val; return 0;
    case OPT_WINDOWS_SERVICE: o->windows_service = 1; return 0;
    case OPT_ON_MATCH: o->on_match = val; return 0;
    case OPT_ON_MATCH_TIMEOUT: {
        char *end;
        o->on_match_timeout = strtod(val, &end);
        if (end == val || *end || !(o->on_match_timeout > 0) || o->on_match_timeout > 86400) {
            opt_value_error("phash scan", "on-match-timeout", "expected seconds, found '%s'", val);
            return -1;
        }
        return 0;
    }
    case OPT_SECONDS_PER_HASH:
    case OPT_VIDEO_THREADS:
    case OPT_VIDEO_RULE:
    case OPT_VIDEO_MATCH: return apply_video_option(o, id, val);
    default: return -1;
    }
}

/* --config FILE: its settings, before the command line's (config.h). */
struct config_target {
    scan_opts *o;
    const char ***paths;
    int *npaths;
};

static int config_option(void *ctx, int id, const char *val)
{
    return apply_option(((struct config_target *)ctx)->o, id, val);
}

static int config_path(void *ctx, const char *path)
{
    struct config_target *t = ctx;
    return push_string(t->paths, t->npaths, path);
}

static int read_config(scan_opts *o, const char ***paths, int *npaths)
{
    static const char *const refused[] = {"help", "config", NULL};
    struct config_target t = {o, paths, npaths};
    config_sink sink = {"phash scan", scan_options, refused, config_option, config_path, &t};
    return config_read(o->config, &sink, &o->config_text);
}

/* Returns -1 on a usage error (message printed), 1 for --help. */
static int parse_args(int argc, char **argv, scan_opts *o, const char ***paths, int *npaths)
{
    *o = (scan_opts){.threads = 1, .nice = 1, .size_filter = 1,
                     .flood_limit = PHASH_SCAN_DEFAULT_FLOOD_LIMIT, .layout = PHASH_DCT_LAYOUT_1_0,
                     .dihedral = 1, .expand = PHASH_VIEW_ALL_EXPANSIONS,
                     .on_match_timeout = 30, .seconds_per_hash = 1.0,
                     .query_percent = 80.0, .video_threads = 1,
                     .video_rule = PHASH_VPDQ_RULE_PYTX};
    o->radius[PHASH_SIG_VPDQ] = PHASH_SCAN_DEFAULT_RADIUS_VPDQ;
    o->radius[PHASH_SIG_PDQ] = PHASH_SCAN_DEFAULT_RADIUS_PDQ;
    o->radius[PHASH_SIG_PHASH] = PHASH_SCAN_DEFAULT_RADIUS_PHASH;
    *paths = NULL;
    *npaths = 0;
    const char *val;
    int id, first = argc;
    /* First pass: usage errors, --help and --config, whose settings are
     * applied first so that the command line's override them. */
    opt_begin();
    while ((id = opt_next(argc, argv, "phash scan", "hs:o:v", scan_options, &val, &first)) != -1) {
        if (id == 'h')
            return 1;
        if (id == OPT_BAD)
            return -1;
        if (id == OPT_CONFIG && o->config) {
            fprintf(stderr, "phash scan: --config may be given once\n");
            return -1;
        }
        if (id == OPT_CONFIG)
            o->config = val;
    }
    if (o->config && read_config(o, paths, npaths))
        return -1;
    if (first < argc)
        *npaths = 0; /* PATHs given replace the file's */
    opt_begin();
    while ((id = opt_next(argc, argv, "phash scan", "hs:o:v", scan_options, &val, &first)) != -1)
        if (id != OPT_CONFIG && apply_option(o, id, val))
            return -1;
    for (int i = first; i < argc; i++)
        if (push_string(paths, npaths, argv[i]))
            return -1;
    if (o->rematch && (!o->state || *npaths || o->files_from || o->watch)) {
        fprintf(stderr, "phash scan: --rematch needs --state FILE and takes no PATH, "
                        "--files-from or --watch (see phash scan --help)\n");
        return -1;
    }
    if (o->windows_service && !o->output) {
        fprintf(stderr, "phash scan: --windows-service needs --output FILE (a service has no "
                        "standard output)\n");
        return -1;
    }
    if (!o->signatures || (*npaths == 0 && !o->files_from && !o->rematch)) {
        fprintf(stderr, "phash scan: %s (see phash scan --help)\n",
                !o->signatures ? "--signatures SET is required"
                               : "no PATH to scan (nor --files-from)");
        return -1;
    }
    return 0;
}

/* ---- shared state ---- */

/* Why a file could not be hashed, for the summary and --verbose. */
typedef enum scan_error_kind {
    SCAN_OK = 0,
    SCAN_ERR_UNREADABLE, /* permission denied, I/O error */
    SCAN_ERR_VANISHED,   /* deleted while the scan ran */
    SCAN_ERR_NOT_IMAGE,  /* magic bytes said image, the decoder disagreed */
    SCAN_ERR_UNSUPPORTED, /* e.g. 12-bit JPEG */
    SCAN_ERR_CORRUPT,
    SCAN_ERR_TRUNCATED,
    SCAN_ERR_TOO_LARGE,  /* a decoder limit */
    SCAN_ERR_NOMEM,
    SCAN_ERR_ENCRYPTED, /* an archive member or header */
    SCAN_ERR_LIMIT,     /* a container limit (nesting, members, bytes, ratio) */
    SCAN_ERR_OTHER,
    SCAN_ERR_PATH,      /* a PATH given (command line, --files-from) not read */
    SCAN_ERROR_KINDS
} scan_error_kind;

static const char *scan_error_name(scan_error_kind kind)
{
    static const char *const names[SCAN_ERROR_KINDS] = {
        "ok", "unreadable", "vanished", "not an image", "unsupported", "corrupt",
        "truncated", "too large", "out of memory", "encrypted", "container limit", "other",
        "PATH not read"};
    return kind < SCAN_ERROR_KINDS ? names[kind] : "other";
}

static scan_error_kind kind_of(const phash_scan_report *r)
{
    switch (r->status) {
    case PHASH_OK: return SCAN_OK;
    case PHASH_ERR_IO: return r->error_number == ENOENT ? SCAN_ERR_VANISHED : SCAN_ERR_UNREADABLE;
    case PHASH_ERR_NOT_REGULAR: return SCAN_ERR_UNREADABLE;
    case PHASH_ERR_NOT_IMAGE: return SCAN_ERR_NOT_IMAGE;
    case PHASH_ERR_UNSUPPORTED: return SCAN_ERR_UNSUPPORTED;
    case PHASH_ERR_CORRUPT: return SCAN_ERR_CORRUPT;
    case PHASH_ERR_TRUNCATED: return SCAN_ERR_TRUNCATED;
    case PHASH_ERR_TOO_LARGE: return SCAN_ERR_TOO_LARGE;
    case PHASH_ERR_NOMEM: return SCAN_ERR_NOMEM;
    case PHASH_ERR_ENCRYPTED: return SCAN_ERR_ENCRYPTED;
    case PHASH_ERR_BUDGET: return SCAN_ERR_LIMIT;
    default: return SCAN_ERR_OTHER;
    }
}

typedef struct scan {
    scan_opts opt;
    phash_matcher *matcher;
    phash_scanner *scanner;
    unsigned long long error_kind[SCAN_ERROR_KINDS]; /* under the callback lock */
    unsigned long long paths_special; /* named PATHs that were FIFOs, devices... */
    double last_progress;
    int progress, progress_shown;
    int output_failed; /* a report row could not be written: stop, exit 2 */
    FILE *out;         /* stdout, or --output FILE */
    phash_state *state; /* --state FILE */
    struct list_stamp { /* the --signatures files as loaded (hot reload) */
        dev_t dev;
        ino_t ino;
        off_t size;
        long long mtime_ns;
    } list_stamp[64];
    double list_changed; /* when a change was first seen (0: none) */
    /* The algorithms the running scanner computes, and those a reloaded
     * set holds that it does not (set by the reload, on any thread): the
     * scan restarts with them (restart_scanner) instead of ignoring them. */
    unsigned algos_covered; /* computed by this scan's scanners so far */
    atomic_uint algos_added;
    unsigned long long counted[PHASH_SCAN_COUNTERS]; /* of finished scanners */
    const char **paths; /* the PATHs, walked again on such a restart */
    int npaths;
    const char **fed; /* --watch: the PATHs read from --files-from, kept for the same */
    int n_fed;
    double list_checked;
    int out_fresh;     /* --output FILE was empty: it gets the CSV header */
    char watch_said[512]; /* --watch: the watch in use, as said on stderr */
} scan;

static phash_scanner *volatile g_scanner;
static volatile sig_atomic_t g_stop, g_reopen, g_reload;

static void on_hangup(int sig)
{
    (void)sig;
    g_reopen = 1; /* the next report reopens --output FILE */
    g_reload = 1; /* --watch loads the signature set again */
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_scanner)
        phash_scanner_cancel(g_scanner); /* async-signal-safe */
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- output ---- */

/* Push the report rows out; on the first failure (a full disk, a closed
 * file) say so once and remember it: the scan stops and exits 2, since a
 * match that cannot be reported must never look like a success. */
static int output_ok(scan *s)
{
    if (fflush(s->out) == 0 && !ferror(s->out))
        return 1;
    if (!s->output_failed)
        fprintf(stderr, "phash scan: cannot write the report to %s: %s; stopping\n",
                s->opt.output ? s->opt.output : "standard output", strerror(errno));
    s->output_failed = 1;
    return 0;
}

/* --output FILE, for appending: a regular file only (never a FIFO or
 * device: opened without blocking, then checked), created with mode 0600
 * since match records are sensitive. NULL with a message on failure. */
static FILE *open_output(const char *path, int *fresh)
{
    const char *why;
    FILE *f = cli_open_append_private(path, fresh, &why);
    if (!f)
        fprintf(stderr, "phash scan: --output %s: %s\n", path, why);
    return f;
}

/* After SIGHUP (log rotation): write to a new file at the --output path.
 * If it cannot be opened, say so and keep writing to the old one. */
/* Columns of video matches: the matched time ranges in seconds ("0.000-7.000
 * 10.000-12.000") and the vPDQ rule's percentages; empty for images. */
#define VIDEO_COLUMNS ",time,query_percent,index_percent"

static void reopen_output(scan *s)
{
    g_reopen = 0;
    int fresh = 0;
    FILE *f = open_output(s->opt.output, &fresh);
    if (!f) {
        fprintf(stderr, "phash scan: keeping the previous --output file\n");
        return;
    }
    if (!output_ok(s) || fclose(s->out) != 0)
        s->output_failed = 1;
    s->out = f;
    if (fresh && !s->opt.json)
        fprintf(f, "path,algo,distance,variant,list,id,metadata,hash%s%s%s%s\n",
                s->opt.expand ? ",view" : "", VIDEO_COLUMNS,
                s->opt.report_suppressed ? ",suppressed" : "", s->opt.weak ? ",level" : "");
}

static void print_header(const scan *s)
{
    if (!s->opt.json && (!s->opt.output || s->out_fresh))
        fprintf(s->out, "path,algo,distance,variant,list,id,metadata,hash%s%s%s%s\n",
                s->opt.expand ? ",view" : "", VIDEO_COLUMNS,
                s->opt.report_suppressed ? ",suppressed" : "", s->opt.weak ? ",level" : "");
}

/* view: the --expand column (the view of the image that matched). */
static const char *source_name(phash_scan_source src)
{
    switch (src) {
    case PHASH_SCAN_SOURCE_STATE: return "state";
    case PHASH_SCAN_SOURCE_PENDING: return "pending";
    case PHASH_SCAN_SOURCE_REMATCH: return "rematch";
    default: return "file";
    }
}

/* The file's own hashes in a JSON record: {"pdq":"...","md5":"..."} (the
 * image as decoded, not its rotations or views). */
static void print_file_hashes(FILE *o, const phash_scan_report *r)
{
    fputs(",\"file_hashes\":{", o);
    const char *sep = "";
    for (size_t i = 0; i < r->n_hashes; i++) {
        const phash_scan_hash *h = phash_scan_report_hash(r, i);
        if (strcmp(h->variant, "orig") || strcmp(h->view, "orig"))
            continue;
        fprintf(o, "%s\"%s\":\"%s\"", sep, h->algo, h->hex);
        sep = ",";
    }
    fputc('}', o);
}

/* One match record (docs/match-record.schema.json for JSON). view: the
 * --expand column (the view of the image that matched); level: the --weak
 * column (alert or weak). */
static void print_match(FILE *o, const phash_scan_report *r, const phash_scan_match *m, int json,
                        int view, int suppressed, int level)
{
    const char *path = r->path;
    if (json) {
        fputs("{\"type\":\"match\",\"version\":1,\"path\":", o);
        out_json_string(o, path);
        fprintf(o, ",\"algo\":\"%s\",\"distance\":%u,\"variant\":\"%s\",\"list\":", m->algo,
                m->distance, m->variant);
        out_json_string(o, m->list);
        fputs(",\"id\":", o);
        out_json_string(o, m->id);
        fputs(",\"metadata\":", o);
        out_json_string(o, m->metadata);
        fprintf(o, ",\"hash\":\"%s\"", m->hash);
        if (view)
            fprintf(o, ",\"view\":\"%s\"", m->view);
        fputs(",\"category\":", o);
        out_json_string(o, m->category ? m->category : "");
        fprintf(o, ",\"match_id\":\"%s\",\"size\":%llu,\"mtime_ns\":%lld,\"source\":\"%s\"",
                m->match_id ? m->match_id : "", (unsigned long long)r->size,
                (long long)r->mtime_ns, source_name(r->source));
        print_file_hashes(o, r);
        if (m->time_ranges) /* a video: where in it, and the vPDQ rule's figures */
            fprintf(o, ",\"time_start\":%.3f,\"time_end\":%.3f,\"time\":\"%s\",\"frame\":%lld",
                    m->time_start, m->time_end, m->time_ranges, (long long)m->frame);
        if (m->time_ranges && m->sig_algo == PHASH_SIG_VPDQ)
            fprintf(o, ",\"query_percent\":%.2f,\"index_percent\":%.2f", m->query_percent,
                    m->index_percent);
        if (suppressed)
            fprintf(o, ",\"suppressed\":%s", m->suppressed ? "true" : "false");
        if (level)
            fprintf(o, ",\"level\":\"%s\"", phash_alert_level_name(m->level));
        fputs("}\n", o);
    } else {
        out_csv_field(o, path);
        fprintf(o, ",%s,%u,%s,", m->algo, m->distance, m->variant);
        out_csv_field(o, m->list);
        fputc(',', o);
        out_csv_field(o, m->id);
        fputc(',', o);
        out_csv_field(o, m->metadata);
        fprintf(o, ",%s", m->hash);
        if (view)
            fprintf(o, ",%s", m->view);
        /* time, query_percent, index_percent: videos only */
        fprintf(o, ",%s", m->time_ranges ? m->time_ranges : "");
        if (m->time_ranges && m->sig_algo == PHASH_SIG_VPDQ)
            fprintf(o, ",%.2f,%.2f", m->query_percent, m->index_percent);
        else
            fputs(",,", o);
        if (suppressed)
            fprintf(o, ",%d", m->suppressed);
        if (level)
            fprintf(o, ",%s", phash_alert_level_name(m->level));
        fputc('\n', o);
    }
}

static void show_progress(scan *s, int final)
{
    if (!s->progress)
        return;
    double t = now();
    if (!final && t - s->last_progress < 0.25)
        return;
    s->last_progress = t;
    if (final) {
        if (s->progress_shown)
            fputs("\r\033[K", stderr);
        s->progress_shown = 0;
        return;
    }
    fprintf(stderr, "\r\033[Kscanning: %llu files, %llu images, %llu matches",
            (unsigned long long)phash_scanner_counter(s->scanner, PHASH_SCAN_FILES),
            (unsigned long long)phash_scanner_counter(s->scanner, PHASH_SCAN_MEDIA),
            (unsigned long long)phash_scanner_counter(s->scanner, PHASH_SCAN_MATCHES));
    s->progress_shown = 1;
}

/* One match's JSON record, written to an --on-match command's stdin. */
struct hook_record {
    const scan *s;
    const phash_scan_report *r;
    const phash_scan_match *m;
};

static void write_record(FILE *f, void *ctx)
{
    const struct hook_record *h = ctx;
    print_match(f, h->r, h->m, 1, h->s->opt.expand != 0, h->s->opt.report_suppressed,
                h->s->opt.weak);
}

/* --on-match: the command once per match, the JSON record on its stdin.
 * A failure is a delivery failure: said once, the scan stops (exit 2) and,
 * with --state, the match stays pending for the next run. */
static int run_hooks(scan *s, const phash_scan_report *r)
{
    for (size_t i = 0; s->opt.on_match && i < r->n_matches; i++) {
        const phash_scan_match *m = phash_scan_report_match(r, i);
        if (m->suppressed)
            continue; /* --report-suppressed: printed, but no alert */
        if (m->level != PHASH_ALERT_MATCH)
            continue; /* weak matches are printed, never acted on */
        char why[512];
        struct hook_record rec = {s, r, m};
        int rc = hook_run(s->opt.on_match, s->opt.on_match_timeout, write_record, &rec,
                          m->match_id ? m->match_id : "", r->path, why, sizeof why);
        if (rc) {
            if (!s->output_failed)
                fprintf(stderr, "phash scan: %s; stopping\n", why);
            s->output_failed = 1;
            return -1;
        }
    }
    return 0;
}

/* One report from the scanner (callbacks are serialised by it). */
static void maybe_reload(scan *s); /* hot reload, below */

static int on_report(void *ctx, const phash_scan_report *r)
{
    scan *s = ctx;
    scan_error_kind kind = kind_of(r);
    if (r->named && (r->status == PHASH_ERR_IO || r->status == PHASH_ERR_NOT_REGULAR)) {
        /* a PATH the user named: always said (a typo, a missing mount) */
        fprintf(stderr, "phash scan: cannot scan %s: %s\n", r->path,
                r->status == PHASH_ERR_NOT_REGULAR ? "not a regular file or folder"
                : r->error_number                ? strerror(r->error_number)
                                                 : r->detail);
        s->error_kind[SCAN_ERR_PATH]++;
        /* the library counts a named FIFO or device as skipped, not an
         * error: the summary's errors total counts it (print_summary) */
        s->paths_special += r->status == PHASH_ERR_NOT_REGULAR && !r->error_number;
        kind = SCAN_OK;
    }
    int counted_error = kind != SCAN_OK &&
                        !(r->status == PHASH_ERR_UNSUPPORTED && !phash_format_supported(r->format)) &&
                        !(r->status == PHASH_ERR_NOT_REGULAR && !r->error_number);
    if (counted_error) {
        s->error_kind[kind]++;
        if (s->opt.verbose)
            fprintf(stderr, "phash scan: %s: %s (%s)\n", r->path, scan_error_name(kind),
                    r->detail);
    }
    if (g_reopen && s->opt.output)
        reopen_output(s);
    if (r->n_matches) {
        if (s->progress_shown) { /* never a match row after a half-written progress line */
            fputs("\r\033[K", stderr);
            s->progress_shown = 0;
        }
        for (size_t i = 0; i < r->n_matches; i++)
            print_match(s->out, r, phash_scan_report_match(r, i), s->opt.json,
                        s->opt.expand != 0, s->opt.report_suppressed, s->opt.weak);
        if (!output_ok(s) || run_hooks(s, r)) {
            g_stop = 1; /* a --watch ends too */
            return 1;   /* cancel the scan */
        }
    }
    show_progress(s, 0);
    if (!s->opt.rematch)
        maybe_reload(s); /* SIGHUP or a changed list, during a walk too */
    return 0;
}

/* ---- walking and watching ---- */

/* Follow the changes under the PATHs (the library's watch: new and
 * changed files, new folders, lost events, folders over the OS's limit)
 * until a signal, reloading the set when asked; say at once when events
 * were lost or folders cannot be watched. */
static unsigned long long counter(const scan *s, phash_scan_counter c);

static void watch_notes(scan *s, unsigned long long *overflows, unsigned long long *unwatched)
{
    unsigned long long o = counter(s, PHASH_SCAN_WATCH_OVERFLOWS);
    unsigned long long u = counter(s, PHASH_SCAN_UNWATCHED);
    if (o > *overflows)
        fprintf(stderr, "phash scan: warning: --watch: change events were lost (the kernel's "
                        "queue overflowed): the PATHs are walked again%s\n",
                s->state ? " (unchanged files answered from the state)" : "");
    if (u > *unwatched)
        fprintf(stderr, "phash scan: warning: --watch: %llu folder%s cannot be watched: %s\n",
                u - *unwatched, u - *unwatched == 1 ? "" : "s",
                phash_scanner_watch_detail(s->scanner));
    *overflows = o;
    *unwatched = u;
    const char *backend = phash_scanner_watch_backend(s->scanner);
    if (*backend && strcmp(backend, s->watch_said)) { /* at the start, and when it changes */
        fprintf(stderr, "phash scan: --watch: %s\n", backend);
        snprintf(s->watch_said, sizeof s->watch_said, "%s", backend);
    }
}

static int restart_watch(scan *s, unsigned added);

/* -1 when the scan cannot go on (a restart failed: said). */
static int watch_loop(scan *s)
{
    unsigned long long overflows = 0, unwatched = 0;
    watch_notes(s, &overflows, &unwatched);
    while (!g_stop) {
        phash_status st = phash_scanner_watch_wait(s->scanner, 0.25);
        watch_notes(s, &overflows, &unwatched);
        if (st != PHASH_OK)
            return 0; /* cancelled */
        maybe_reload(s);
        unsigned added = atomic_exchange(&s->algos_added, 0);
        if (added && !g_stop && restart_watch(s, added))
            return -1;
    }
    return 0;
}

/* A PATH to scan (from the command line or --files-from), watched first
 * with --watch. Non-zero when the scan was cancelled. */
struct root_feed {
    scan *s;
    int watch_failed; /* --watch cannot work here: said once */
};

static int submit_root(void *ctx, const char *path);

/* --watch: a PATH read from --files-from is kept (s->fed), to be watched
 * and walked again after a restart (restart_scanner). */
static int submit_fed_root(void *ctx, const char *path)
{
    struct root_feed *feed = ctx;
    if (feed->s->opt.watch) {
        char *copy = strdup(path);
        if (!copy || push_string(&feed->s->fed, &feed->s->n_fed, copy)) {
            free(copy);
            return 1;
        }
    }
    return submit_root(ctx, path);
}

static int submit_root(void *ctx, const char *path)
{
    struct root_feed *feed = ctx;
    if (feed->s->opt.watch && !feed->watch_failed) {
        phash_status ws = phash_scanner_watch(feed->s->scanner, path);
        if (ws != PHASH_OK && ws != PHASH_ERR_CANCELLED) {
            fprintf(stderr, "phash scan: --watch: %s\n", phash_scanner_last_error(feed->s->scanner));
            feed->watch_failed = 1;
            return 1;
        }
    }
    return g_stop || phash_scanner_submit(feed->s->scanner, path) != PHASH_OK;
}

/* ---- the set ---- */

static int load_signatures(scan *s)
{
    if ((!s->matcher && phash_matcher_new(&s->matcher) != PHASH_OK) || !s->opt.lists)
        return -1;
    if (phash_sigset_file_is_compiled(s->opt.signatures)) {
        if (s->opt.n_lists > 1) {
            fprintf(stderr, "phash scan: a compiled set must be the only --signatures\n");
            return -1;
        }
        if (phash_matcher_open(s->matcher, s->opt.signatures) != PHASH_OK) {
            fprintf(stderr, "phash scan: %s\n", phash_matcher_last_error(s->matcher));
            return -1;
        }
        return 0;
    }
    phash_sigset *set = NULL;
    if (phash_sigset_new(&set) != PHASH_OK) {
        fprintf(stderr, "phash scan: out of memory\n");
        return -1;
    }
    for (int i = 0; i < s->opt.n_lists; i++) {
        const char *list = s->opt.lists[i];
        phash_sigset_report rep;
        if (phash_sigset_set_option(set, PHASH_SIGSET_OPT_ALLOWLIST, s->opt.allow[i])) {
            phash_sigset_free(set);
            return -1;
        }
        phash_status st = !phash_sigset_file_is_compiled(list)
                              ? phash_sigset_load_file(set, list, &rep)
                              : PHASH_ERR_INVALID_ARG;
        if (st == PHASH_ERR_INVALID_ARG) {
            fprintf(stderr, "phash scan: %s: a compiled set must be the only --signatures\n",
                    list);
            phash_sigset_free(set);
            return -1;
        }
        if (st != PHASH_OK) {
            fprintf(stderr, "phash scan: cannot load the signature set: %s\n",
                    phash_sigset_last_error(set));
            for (unsigned k = 0; k < rep.n_messages; k++)
                fprintf(stderr, "  %s\n", rep.messages[k]);
            phash_sigset_free(set);
            return -1;
        }
        if (rep.invalid)
            fprintf(stderr, "phash scan: %s: %llu invalid records skipped (first: %s); "
                            "'phash sigset check' lists them\n",
                    list, (unsigned long long)rep.invalid, rep.messages[0]);
    }
    if (phash_matcher_use(s->matcher, set) != PHASH_OK) {
        phash_sigset_free(set);
        return -1;
    }
    return 0;
}

/* ---- hot reload (--watch) ---- */

static void stamp_lists(const scan *s, struct list_stamp *out)
{
    for (int i = 0; i < s->opt.n_lists && i < 64; i++) {
        struct stat sb;
        memset(&out[i], 0, sizeof out[i]);
        if (stat(s->opt.lists[i], &sb) == 0)
            out[i] = (struct list_stamp){sb.st_dev, sb.st_ino, sb.st_size, CLI_MTIME_NS(sb)};
    }
}

/* Load the set again, on SIGHUP or when a --signatures file changed (and
 * then stayed unchanged for a second: a list being written is not read
 * half-way; install lists by rename). The matcher swaps the new set in
 * atomically while the workers go on matching; a set that fails to load
 * leaves the old one serving, and the message says why. */
/* The reload runs on whichever thread gets here first: the --watch loop
 * or a worker delivering a report (a one-shot scan reloads during its
 * walk); the others skip it meanwhile. Reports of the old set stay valid
 * (phash_matches keeps its set alive). */
static atomic_flag g_reloading = ATOMIC_FLAG_INIT;

static void reload_if_due(scan *s);

static void maybe_reload(scan *s)
{
    if (atomic_flag_test_and_set(&g_reloading))
        return;
    reload_if_due(s);
    atomic_flag_clear(&g_reloading);
}

static int algos_to_compute(const scan *s, int tell, unsigned *mask);
static void algo_names(unsigned mask, char *names, size_t size);

/* A reloaded set may hold hashes of an algorithm the running scanner does
 * not compute (its hashers are made at start): never ignore them. The
 * scan restarts with them (--watch: at once, the PATHs watched and walked
 * again; otherwise: the PATHs are walked again for them after this walk).
 * With --algo the user chose the algorithms: nothing changes. */
static void note_new_algos(scan *s)
{
    unsigned want;
    if (s->opt.algos || algos_to_compute(s, 0, &want))
        return;
    unsigned added = want & ~s->algos_covered & ~atomic_load(&s->algos_added);
    if (!added)
        return;
    atomic_fetch_or(&s->algos_added, added);
    char names[128];
    algo_names(added, names, sizeof names);
    fprintf(stderr, "phash scan: the reloaded set holds %s hashes, which this scan does not "
                    "compute: %s\n", names,
            s->opt.watch ? "the scan restarts with them (the PATHs are watched and walked again)"
                         : "the PATHs are walked again for them after this walk");
}

static void reload_if_due(scan *s)
{
    double t = now();
    int due = g_reload;
    if (!due && t - s->list_checked >= 0.5) {
        struct list_stamp cur[64];
        memset(cur, 0, sizeof cur);
        s->list_checked = t;
        stamp_lists(s, cur);
        if (memcmp(cur, s->list_stamp, sizeof cur)) {
            memcpy(s->list_stamp, cur, sizeof cur);
            s->list_changed = t; /* changed again: wait for it to settle */
        } else if (s->list_changed && t - s->list_changed >= 1.0) {
            due = 1;
        }
    }
    if (!due)
        return;
    g_reload = 0;
    s->list_changed = 0;
    stamp_lists(s, s->list_stamp);
    if (load_signatures(s) == 0) {
        fprintf(stderr, "phash scan: signature set reloaded from %s%s\n", s->opt.signatures,
                s->opt.n_lists > 1 ? " and the other lists" : "");
        note_new_algos(s);
    } else
        fprintf(stderr, "phash scan: the new signature set was not loaded (above): the "
                        "previous one keeps serving\n");
}

/* ---- main ---- */

static unsigned long long counter(const scan *s, phash_scan_counter c)
{
    return s->counted[c] + (unsigned long long)phash_scanner_counter(s->scanner, c);
}

/* ", N weak matches" with --weak, else "" (static buffer: one caller). */
static const char *weak_note(scan *s)
{
    static char note[64];
    note[0] = '\0';
    if (s->opt.weak)
        snprintf(note, sizeof note, ", %llu weak matches", counter(s, PHASH_SCAN_WEAK_MATCHES));
    return note;
}

/* Signatures past --flood-limit: one line each (the first 20), most files
 * first. */
static void print_floods(scan *s)
{
    size_t n = phash_scanner_flood_count(s->scanner);
    for (size_t i = 0; i < n && i < 20; i++) {
        const phash_scan_flood *f = phash_scanner_flood_get(s->scanner, i);
        /* a vPDQ signature is a listed video: no hash, its list and id */
        fprintf(stderr, "phash scan: suspected bad signature: %s%s%s (%s, id %s) matched %llu "
                        "files; its matches in the last %llu not printed (--flood-limit %u)\n",
                f->algo, *f->hash ? " " : "", f->hash, f->list, f->id, (unsigned long long)f->files,
                (unsigned long long)f->dropped, s->opt.flood_limit);
    }
    if (n > 20)
        fprintf(stderr, "phash scan: ... and %zu more suspected bad signatures\n", n - 20);
}

static void print_summary(scan *s, double seconds)
{
    unsigned long long images = counter(s, PHASH_SCAN_MEDIA),
                       errors = counter(s, PHASH_SCAN_ERRORS) + s->paths_special;
    fprintf(stderr,
            "phash scan: %llu files, %llu images hashed, %llu not images, %llu unsupported "
            "formats, %llu errors; %llu matches, %llu images matched%s; %u thread%s, "
            "%.1f images/s, "
            "%.2f s\n",
            counter(s, PHASH_SCAN_FILES), images, counter(s, PHASH_SCAN_NOT_MEDIA),
            counter(s, PHASH_SCAN_UNSUPPORTED), errors, counter(s, PHASH_SCAN_MATCHES),
            counter(s, PHASH_SCAN_MATCHED_FILES), weak_note(s), s->opt.threads,
            s->opt.threads == 1 ? "" : "s",
            seconds > 0 ? (double)images / seconds : 0.0, seconds);
    if (counter(s, PHASH_SCAN_MEMBERS))
        fprintf(stderr, "phash scan: %llu members of containers scanned (counted as files), "
                        "%llu containers opened\n",
                counter(s, PHASH_SCAN_MEMBERS), counter(s, PHASH_SCAN_CONTAINERS));
    if (errors) {
        fputs("phash scan: errors:", stderr);
        const char *sep = " ";
        for (int k = 1; k < SCAN_ERROR_KINDS; k++)
            if (s->error_kind[k]) {
                fprintf(stderr, "%s%s %llu", sep, scan_error_name((scan_error_kind)k),
                        s->error_kind[k]);
                sep = ", ";
            }
        /* PATHs not read are named above already, whatever --verbose */
        int unlisted = !s->opt.verbose && errors > s->error_kind[SCAN_ERR_PATH];
        fputs(unlisted ? " (--verbose lists the files)\n" : "\n", stderr);
    }
    if (counter(s, PHASH_SCAN_LOW_QUALITY))
        fprintf(stderr, "phash scan: %llu hashes too low in quality to match (flat or tiny "
                        "images)\n", counter(s, PHASH_SCAN_LOW_QUALITY));
    print_floods(s);
    if (counter(s, PHASH_SCAN_SIZE_SKIPPED))
        fprintf(stderr, "phash scan: %llu files not digested: no listed digest has their size "
                        "(--no-size-filter digests them)\n", counter(s, PHASH_SCAN_SIZE_SKIPPED));
    if (s->opt.max_cpu)
        fprintf(stderr, "phash scan: --max-cpu %u: threads slept %.2f s to stay in budget\n",
                s->opt.max_cpu, (double)counter(s, PHASH_SCAN_THROTTLED_MS) / 1000.0);
}

/* The algorithms to compute, as bits (1 << phash_sig_algo): --algo, or
 * every one the set holds that this build computes (those it cannot are
 * said when tell). -1 (said) when --algo names one this build cannot
 * compute, or when nothing is left to match. */
static int algos_to_compute(const scan *s, int tell, unsigned *mask)
{
    *mask = 0;
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++) {
        int want = s->opt.algos ? (s->opt.algos >> a) & 1
                                : phash_matcher_size(s->matcher, (phash_sig_algo)a) > 0;
        if (!want)
            continue;
        const char *name = phash_sig_algo_name((phash_sig_algo)a);
        int computable = 0;
        for (size_t i = 0; phash_scan_algorithm_name(i, NULL); i++)
            computable |= !strcmp(phash_scan_algorithm_name(i, NULL), name);
        if (!computable) {
            if (tell)
                fprintf(stderr, "phash scan: %s hashes %s\n", name,
                        s->opt.algos ? "cannot be computed by this build"
                                     : "in the set cannot be computed by this build: not matched");
            if (s->opt.algos)
                return -1;
            continue;
        }
        *mask |= 1u << a;
    }
    if (!*mask) {
        if (tell)
            fprintf(stderr,
                    "phash scan: nothing to match: the set holds no hash this build computes\n");
        return -1;
    }
    return 0;
}

/* "pdq,md5" for a mask of algorithms. */
static void algo_names(unsigned mask, char *names, size_t size)
{
    names[0] = '\0';
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        if ((mask >> a) & 1)
            snprintf(names + strlen(names), size - strlen(names), "%s%s", *names ? "," : "",
                     phash_sig_algo_name((phash_sig_algo)a));
}

/* A scanner computing the algorithms of mask, configured from the options.
 * -1 on error (message printed). */
static int configure_algos(scan *s, unsigned mask)
{
    phash_scanner *sc;
    if (phash_scanner_new(&sc) != PHASH_OK) {
        fprintf(stderr, "phash scan: out of memory\n");
        return -1;
    }
    s->scanner = sc;
    s->algos_covered |= mask;
    char names[128];
    algo_names(mask, names, sizeof names);
    phash_status st = phash_scanner_set_algorithms(sc, names);
    if (st == PHASH_OK)
        st = phash_scanner_set_matcher(sc, s->matcher);
    for (int a = 1; st == PHASH_OK && a <= PHASH_SIG_ALGO_MAX; a++)
        if (a == PHASH_SIG_PDQ || a == PHASH_SIG_PHASH || a == PHASH_SIG_VPDQ)
            st = phash_scanner_set_radius(sc, (phash_sig_algo)a, s->opt.radius[a]);
    const struct {
        phash_scan_video_option opt;
        double value;
    } video[] = {{PHASH_SCAN_VIDEO_SECONDS_PER_HASH, s->opt.seconds_per_hash},
                 {PHASH_SCAN_VIDEO_THREADS, s->opt.video_threads},
                 {PHASH_SCAN_VIDEO_RULE, s->opt.video_rule},
                 {PHASH_SCAN_VIDEO_QUERY_PERCENT, s->opt.query_percent},
                 {PHASH_SCAN_VIDEO_INDEX_PERCENT, s->opt.index_percent}};
    for (size_t i = 0; st == PHASH_OK && i < sizeof video / sizeof video[0]; i++)
        st = phash_scanner_set_video_option(sc, video[i].opt, video[i].value);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_DIHEDRAL, s->opt.dihedral);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_EXPAND, s->opt.expand);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_REPORT_SUPPRESSED,
                                      s->opt.report_suppressed);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_REPORT_WEAK, s->opt.weak);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_SIZE_FILTER, s->opt.size_filter);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_FLOOD_LIMIT, s->opt.flood_limit);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_PHASH_LAYOUT, s->opt.layout);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_THREADS, s->opt.threads);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_LOW_PRIORITY, s->opt.nice);
    if (st == PHASH_OK)
        st = phash_scanner_set_rate(sc, s->opt.max_rate);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_MAX_CPU, s->opt.max_cpu);
    if (st == PHASH_OK && s->opt.watch_rescan)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_WATCH_RESCAN, s->opt.watch_rescan);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_WATCH_FANOTIFY, !s->opt.watch_inotify);
    if (st == PHASH_OK) /* rows in input order, stable from run to run */
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_ORDERED, 1);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_FOLLOW_LINKS, s->opt.follow);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_ONE_FILE_SYSTEM,
                                      s->opt.one_file_system);
    for (int i = 0; st == PHASH_OK && i < s->opt.n_excludes; i++)
        st = phash_scanner_add_exclude(sc, s->opt.excludes[i]);
    if (st == PHASH_OK && s->opt.json) /* JSON records carry the file's own hashes */
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_REPORT_HASHES, 1);
    for (int i = 0; st == PHASH_OK && i < s->opt.n_list_options; i++) {
        char list[4097], err[512];
        phash_alert_option option;
        int value;
        if (list_option_parse(s->opt.list_options[i], list, sizeof list, &option, &value, err,
                              sizeof err)) /* checked when given */
            continue;
        st = phash_scanner_set_list_option(sc, list, option, value);
        if (!phash_sigset_file_is_compiled(s->opt.signatures) &&
            !list_option_names(list, s->opt.lists, s->opt.n_lists))
            fprintf(stderr, "phash scan: warning: --list-option %s: no list of --signatures or "
                            "--allowlist is named '%s'\n", s->opt.list_options[i], list);
    }
    if (st != PHASH_OK) {
        fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(sc));
        return -1;
    }
    return 0;
}

/* The scanner, configured from the options and the set. */
static int configure(scan *s)
{
    unsigned mask;
    return algos_to_compute(s, 1, &mask) ? -1 : configure_algos(s, mask);
}

/* --state FILE: open it (a damaged or foreign file is set aside: say so),
 * hand it to the scanner; -1 with a message on failure. */
static int use_state(scan *s)
{
    phash_status st = phash_state_new(&s->state);
    if (st == PHASH_OK)
        st = phash_state_open(s->state, s->opt.state);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash scan: --state: %s\n",
                s->state ? phash_state_last_error(s->state) : phash_strerror(st));
        return -1;
    }
    if (phash_state_rebuilt(s->state))
        fprintf(stderr, "phash scan: warning: %s\n", phash_state_rebuilt(s->state));
    if (phash_scanner_set_state(s->scanner, s->state) != PHASH_OK) {
        fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
        return -1;
    }
    return 0;
}

static int on_report(void *ctx, const phash_scan_report *r);

/* Replace the finished scanner (its counters kept for the summary) by one
 * computing the algorithms of mask, with the same options and state, and
 * start it. -1 (said) on error. */
static int restart_scanner(scan *s, unsigned mask)
{
    g_scanner = NULL;
    for (int c = 0; c < PHASH_SCAN_COUNTERS; c++)
        s->counted[c] += phash_scanner_counter(s->scanner, (phash_scan_counter)c);
    phash_scanner_free(s->scanner);
    s->scanner = NULL;
    if (configure_algos(s, mask))
        return -1;
    phash_status st = PHASH_OK;
    if (s->state)
        st = phash_scanner_set_state(s->scanner, s->state);
    if (st == PHASH_OK)
        st = phash_scanner_start(s->scanner, on_report, s);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
        return -1;
    }
    g_scanner = s->scanner;
    if (g_stop)
        phash_scanner_cancel(s->scanner);
    return 0;
}

/* Submit the PATHs again to a restarted scanner (watched first with
 * --watch): the command line's, and those of --files-from (read again
 * from its file; --watch kept them; a one-shot scan cannot read
 * --files-from - twice: said). Non-zero when cancelled or not watchable. */
static int walk_again(scan *s, int *list_failed)
{
    struct root_feed feed = {s, 0};
    for (int i = 0; i < s->npaths; i++)
        if (submit_root(&feed, s->paths[i]))
            return 1;
    for (int i = 0; i < s->n_fed; i++)
        if (submit_root(&feed, s->fed[i]))
            return 1;
    if (s->opt.files_from && !s->opt.watch) {
        if (!strcmp(s->opt.files_from, "-"))
            fprintf(stderr, "phash scan: warning: the files named on --files-from - cannot be "
                            "read again: the hashes new in the reloaded set were not computed "
                            "for them\n");
        else if (files_from_each(s->opt.files_from, submit_root, &feed) < 0)
            *list_failed = 1;
    }
    return feed.watch_failed || g_stop;
}

/* --watch: after a reload that brought algorithms the scan does not
 * compute, finish it and start again with every algorithm, the PATHs
 * watched and walked again (with --state, unchanged files are hashed again
 * for the new algorithms only once, and known matches are not repeated).
 * -1 when the scan cannot go on. */
static int restart_watch(scan *s, unsigned added)
{
    phash_status st = phash_scanner_finish(s->scanner);
    if (st != PHASH_OK && st != PHASH_ERR_CANCELLED) {
        fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
        return -1;
    }
    int list_failed = 0;
    if (restart_scanner(s, s->algos_covered | added) || walk_again(s, &list_failed))
        return -1;
    return 0;
}

/* A one-shot scan whose set gained algorithms during its walk (a reload):
 * once the walk is finished, the PATHs are walked again computing only
 * those, so that no file goes unmatched against them and no match already
 * reported is repeated. Repeated while reloads bring more. -1 on error. */
static int walk_for_new_algos(scan *s, int *list_failed)
{
    unsigned added;
    while (!g_stop && (added = atomic_exchange(&s->algos_added, 0)) != 0) {
        char names[128];
        algo_names(added, names, sizeof names);
        fprintf(stderr, "phash scan: walking the PATHs again for the %s hashes of the reloaded "
                        "set\n", names);
        if (restart_scanner(s, added))
            return -1;
        walk_again(s, list_failed);
        phash_status st = phash_scanner_finish(s->scanner);
        if (st != PHASH_OK && st != PHASH_ERR_CANCELLED) {
            fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
            return -1;
        }
    }
    return 0;
}

static void release(scan *s, const char **paths)
{
    if (s->out && s->out != stdout)
        fclose(s->out);
    phash_scanner_free(s->scanner);
    phash_state_free(s->state);
    phash_matcher_free(s->matcher);
    free(paths);
    free(s->opt.lists);
    free(s->opt.allow);
    free(s->opt.excludes);
    free(s->opt.list_options);
    free(s->opt.config_text);
    for (int i = 0; i < s->n_fed; i++)
        free((char *)s->fed[i]);
    free(s->fed);
    free(s);
}

/* The scan of the parsed options, from loading the set to the summary: its
 * exit status (s released). Run by cmd_scan, or as a Windows service's
 * work. */
struct scan_run {
    scan *s;
    const char **paths;
    int npaths;
};

static int run_scan(void *ctx)
{
    scan *s = ((struct scan_run *)ctx)->s;
    const char **paths = ((struct scan_run *)ctx)->paths;
    int npaths = ((struct scan_run *)ctx)->npaths;
    s->out = stdout;
    if ((s->opt.output && !(s->out = open_output(s->opt.output, &s->out_fresh))) ||
        load_signatures(s) || configure(s)) {
        release(s, paths);
        return EXIT_ERROR;
    }
    if (s->opt.state && use_state(s)) {
        release(s, paths);
        return EXIT_ERROR;
    }
    g_scanner = s->scanner;
    /* SIGHUP is never a kill: reopen --output, reload the set */
    cli_on_signals(on_signal, on_hangup);
    stamp_lists(s, s->list_stamp);

    s->progress = isatty(2) && !s->opt.verbose;
    int fatal = 0;
    print_header(s);
    if (!output_ok(s))
        fatal = 1;
    double t0 = now();
    if (s->opt.rematch && !fatal) {
        phash_status rs = phash_scanner_rematch(s->scanner, on_report, s);
        if (rs != PHASH_OK && rs != PHASH_ERR_CANCELLED) {
            fprintf(stderr, "phash scan: --rematch: %s\n", phash_scanner_last_error(s->scanner));
            fatal = 1;
        }
        fatal |= 2; /* no scan to start */
    }
    phash_status st = fatal ? PHASH_OK : phash_scanner_start(s->scanner, on_report, s);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
        fatal = 1;
    }
    struct root_feed feed = {s, 0};
    s->paths = paths;
    s->npaths = npaths;
    for (int i = 0; i < npaths && !fatal && !g_stop; i++)
        if (submit_root(&feed, paths[i]))
            break; /* cancelled */
    int list_failed = s->opt.files_from && !fatal && !g_stop &&
                      files_from_each(s->opt.files_from, submit_fed_root, &feed) < 0;
    fatal |= feed.watch_failed;
    if (s->opt.watch && !g_stop && !fatal && watch_loop(s)) {
        phash_status ws = phash_scanner_finish(s->scanner); /* whatever a restart started */
        (void)ws;
        fatal = 1;
    }
    fatal &= 1;
    if (!fatal && !s->opt.rematch) {
        st = phash_scanner_finish(s->scanner);
        if (st != PHASH_OK && st != PHASH_ERR_CANCELLED) {
            fprintf(stderr, "phash scan: %s\n", phash_scanner_last_error(s->scanner));
            fatal = 1;
        }
    }
    if (!fatal && !s->opt.rematch && !s->opt.watch && walk_for_new_algos(s, &list_failed))
        fatal = 1;
    g_scanner = NULL;
    show_progress(s, 1);
    print_summary(s, now() - t0);
    if (s->state)
        fprintf(stderr, "phash scan: state: %llu files answered from %s (not decoded), %llu "
                        "entries of deleted files pruned, %llu matches reported before "
                        "(not repeated)\n",
                counter(s, PHASH_SCAN_CACHED), s->opt.state, counter(s, PHASH_SCAN_PRUNED),
                counter(s, PHASH_SCAN_KNOWN_MATCHES));
    if (s->state && phash_state_last_error(s->state)[0] &&
        strcmp(phash_state_last_error(s->state), phash_strerror(PHASH_OK)))
        fprintf(stderr, "phash scan: state: %s\n", phash_state_last_error(s->state));
    if (counter(s, PHASH_SCAN_UNWATCHED) || counter(s, PHASH_SCAN_WATCH_OVERFLOWS))
        fprintf(stderr, "phash scan: --watch: %llu folders could not be watched (walked again "
                        "periodically instead), events lost %llu times (the PATHs walked again)\n",
                counter(s, PHASH_SCAN_UNWATCHED), counter(s, PHASH_SCAN_WATCH_OVERFLOWS));
    if (!output_ok(s) || (s->out != stdout && fclose(s->out) != 0))
        fatal = 1;
    if (s->out != stdout)
        s->out = NULL; /* closed */
    /* 0 no match, 1 matches; 2 the scan failed (usage, set, output) or a
     * PATH was not read; 3 matches found and a PATH not read. */
    int path_failed = list_failed || counter(s, PHASH_SCAN_ROOT_ERRORS) > 0;
    int matches = counter(s, PHASH_SCAN_MATCHES) > 0;
    int status = fatal || s->output_failed ? EXIT_ERROR
                 : path_failed             ? (matches ? EXIT_MATCH_AND_ERROR : EXIT_ERROR)
                 : matches                 ? EXIT_MATCH
                                           : EXIT_NO_MATCH;
    release(s, paths);
    return status;
}

int cmd_scan(int argc, char **argv)
{
    scan *s = calloc(1, sizeof *s);
    const char **paths = NULL;
    int npaths, rc = s ? parse_args(argc, argv, &s->opt, &paths, &npaths) : -1;
    const char *why;
    if (rc == 0 && s->opt.log && cli_log_to(s->opt.log, &why)) {
        fprintf(stderr, "phash scan: --log %s: %s\n", s->opt.log, why);
        rc = -1;
    }
    if (rc) {
        if (rc > 0)
            scan_usage(stdout);
        if (s)
            release(s, paths);
        return rc > 0 ? EXIT_NO_MATCH : EXIT_ERROR;
    }
    struct scan_run run = {s, paths, npaths};
    if (!s->opt.windows_service)
        return run_scan(&run);
    rc = cli_service_run(run_scan, &run); /* run_scan on the service's thread */
    if (rc < 0) {
        release(s, paths);
        return EXIT_ERROR;
    }
    return rc;
}
