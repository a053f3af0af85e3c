/* SPDX-License-Identifier: MIT */
/* The persistent scan state (include/phash/state.h, lib/state/,
 * lib/scan/cache.c): a rescan of an unchanged tree decodes nothing and
 * reports the same hashes; a changed file is hashed again; a deleted one is
 * pruned; a match is reported until delivered and never after; matches a
 * cancelled run never delivered come first in the next run; a new set is
 * matched from the stored hashes without opening a file; a damaged or
 * foreign file is set aside and rebuilt; mode 0600; no image bytes. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

#define MAX_IDS 64

typedef struct seen {
    int files, matches, pending_reports, cached_reports;
    int stop_at_match; /* cancel at the first report with matches */
    phash_scanner *cancel_at_match; /* ... through phash_scanner_cancel, report taken */
    char ids[MAX_IDS][40];
    char rows[MAX_IDS][200];
    int n_ids;
    char hashes[64][300]; /* "path algo hex" of every reported hash */
    int n_hashes;
} seen;

static int on_report(void *ctx, const phash_scan_report *r)
{
    seen *c = ctx;
    c->files++;
    c->pending_reports += r->source == PHASH_SCAN_SOURCE_PENDING;
    c->cached_reports += r->source == PHASH_SCAN_SOURCE_STATE;
    for (size_t i = 0; i < r->n_matches; i++) {
        const phash_scan_match *m = phash_scan_report_match(r, i);
        ck_assert_ptr_nonnull(m->match_id);
        ck_assert_uint_eq(strlen(m->match_id), 32);
        ck_assert_int_lt(c->n_ids, MAX_IDS);
        snprintf(c->ids[c->n_ids], sizeof c->ids[0], "%s", m->match_id);
        const char *base = strrchr(r->path, '/');
        snprintf(c->rows[c->n_ids], sizeof c->rows[0], "%s,%s,%u,%s", base ? base + 1 : r->path,
                 m->algo, m->distance, m->id);
        c->n_ids++;
        c->matches++;
    }
    for (size_t i = 0; i < r->n_hashes && c->n_hashes < 64; i++) {
        const phash_scan_hash *h = phash_scan_report_hash(r, i);
        const char *base = strstr(r->path, "tree/");
        snprintf(c->hashes[c->n_hashes++], sizeof c->hashes[0], "%s %s %s %d",
                 base ? base : r->path, h->algo, h->hex, h->quality);
    }
    if (c->cancel_at_match && r->n_matches) {
        /* as a SIGTERM handler would, while the other thread finishes its file */
        phash_scanner_cancel(c->cancel_at_match);
        c->cancel_at_match = NULL;
        usleep(300 * 1000);
    }
    return c->stop_at_match && r->n_matches;
}

static int by_str(const void *a, const void *b) { return strcmp(a, b); }

static phash_matcher *matcher_from(const char *list)
{
    phash_sigset *set = NULL;
    ck_assert_int_eq(phash_sigset_new(&set), PHASH_OK);
    ck_assert_ptr_nonnull(set);
    phash_sigset_report rep;
    ck_assert_int_eq(phash_sigset_load_file(set, list, &rep), PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(phash_matcher_use(m, set), PHASH_OK);
    return m;
}

static phash_state *open_state(const char *path)
{
    phash_state *st = NULL;
    ck_assert_int_eq(phash_state_new(&st), PHASH_OK);
    phash_status ps = phash_state_open(st, path);
    ck_assert_msg(ps == PHASH_OK, "%s", phash_state_last_error(st));
    return st;
}

static phash_scanner *scanner_for(const phash_matcher *m, phash_state *st, int hashes)
{
    phash_scanner *s = NULL;
    ck_assert_int_eq(phash_scanner_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_matcher(s, m), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_algorithms(s, "pdq,phash,md5"), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_REPORT_HASHES, hashes), PHASH_OK);
    ck_assert_int_eq(phash_scanner_set_state(s, st), PHASH_OK);
    return s;
}

/* Part of the sample folder in a new temporary folder: originals/ (8
 * images), variants/o0002/ (6), README.md and signatures.csv: 16 files, 14
 * images, 14 matches with sample/signatures.csv (10 of SAMPLE-0002, two of them
 * through PDQ's dihedral hashes, on by default). */
static void make_tree(char *dir, size_t cap, char *tree, char *state)
{
    snprintf(dir, cap, "/tmp/phash-state-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(tree, cap, "%s/tree", dir);
    snprintf(state, cap, "%s/scan.state", dir);
    char cmd[40000];
    char sample[4096];
    snprintf(sample, sizeof sample, "%s", source_path("sample"));
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/variants' && cp -r '%s/originals' '%s/' && "
             "cp -r '%s/variants/o0002' '%s/variants/' && cp '%s/README.md' '%s/signatures.csv' '%s/'",
             tree, sample, tree, sample, tree, sample, sample, tree);
    ck_assert_int_eq(system(cmd), 0);
}

static void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void scan(phash_scanner *s, const char *tree, seen *c)
{
    const char *paths[] = {tree};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, on_report, c), PHASH_OK);
}

static uint64_t count(phash_state *st, phash_state_count_what what)
{
    uint64_t n = 0;
    ck_assert_int_eq(phash_state_count(st, what, &n), PHASH_OK);
    return n;
}

START_TEST(rescan_decodes_nothing)
{
    char dir[4096], tree[4096], state[4096];
    make_tree(dir, sizeof dir, tree, state);
    phash_matcher *m = matcher_from(source_path("sample/signatures.csv"));

    phash_state *st = open_state(state);
    ck_assert_ptr_null(phash_state_rebuilt(st));
    phash_scanner *s = scanner_for(m, st, 1);
    seen first = {0};
    scan(s, tree, &first);
    ck_assert_int_eq(first.files, 16);
    ck_assert_int_eq(first.matches, 14);
    ck_assert_int_eq(first.cached_reports, 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEDIA), 14);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CACHED), 0);
    ck_assert_uint_eq(count(st, PHASH_STATE_FILES), 16);
    ck_assert_uint_eq(count(st, PHASH_STATE_MATCHES), 14);
    ck_assert_uint_eq(count(st, PHASH_STATE_PENDING_MATCHES), 0);
    phash_scanner_free(s);
    phash_state_free(st);

    /* mode 0600, also for the write-ahead log */
    struct stat sb;
    ck_assert_int_eq(stat(state, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);

    /* A new run: nothing decoded, the same hashes, no match repeated. */
    st = open_state(state);
    s = scanner_for(m, st, 1);
    seen second = {0};
    scan(s, tree, &second);
    ck_assert_int_eq(second.files, 16);
    ck_assert_int_eq(second.cached_reports, 16);
    ck_assert_int_eq(second.matches, 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEDIA), 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CACHED), 16);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_KNOWN_MATCHES), 14);
    ck_assert_int_eq(second.n_hashes, first.n_hashes);
    qsort(first.hashes, (size_t)first.n_hashes, sizeof first.hashes[0], by_str);
    qsort(second.hashes, (size_t)second.n_hashes, sizeof second.hashes[0], by_str);
    for (int i = 0; i < first.n_hashes; i++)
        ck_assert_str_eq(second.hashes[i], first.hashes[i]);

    /* o0001.jpg replaced by o0008.jpg's bytes: hashed again, and its
     * matches (SAMPLE-0008 under a new path) are new; one file deleted:
     * pruned. */
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "cp '%s/originals/o0008.jpg' '%s/originals/o0001.jpg' && rm '%s/variants/o0002/caption.jpg'",
             tree, tree, tree);
    ck_assert_int_eq(system(cmd), 0);
    phash_scanner_reset_counters(s);
    seen third = {0};
    scan(s, tree, &third);
    ck_assert_int_eq(third.files, 15);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_MEDIA), 1);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CACHED), 14);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_PRUNED), 1);
    ck_assert_int_eq(third.matches, 2);
    qsort(third.rows, 2, sizeof third.rows[0], by_str);
    ck_assert_str_eq(third.rows[0], "o0001.jpg,pdq,0,SAMPLE-0008");
    ck_assert_str_eq(third.rows[1], "o0001.jpg,phash,0,SAMPLE-0008");
    ck_assert_uint_eq(count(st, PHASH_STATE_FILES), 15);
    phash_scanner_free(s);
    phash_state_free(st);
    phash_matcher_free(m);
    remove_tree(dir);
}
END_TEST

/* Every match is delivered exactly once over two runs, the first cancelled
 * by its callback at the first match (the output failed, say). */
START_TEST(undelivered_matches_come_back)
{
    char dir[4096], tree[4096], state[4096];
    make_tree(dir, sizeof dir, tree, state);
    phash_matcher *m = matcher_from(source_path("sample/signatures.csv"));
    phash_state *st = open_state(state);
    phash_scanner *s = scanner_for(m, st, 0);
    seen first = {.stop_at_match = 1};
    const char *paths[] = {tree};
    ck_assert_int_eq(phash_scanner_scan_paths(s, paths, 1, on_report, &first),
                     PHASH_ERR_CANCELLED);
    ck_assert_int_ge(first.matches, 1);
    uint64_t pending = count(st, PHASH_STATE_PENDING_MATCHES);
    ck_assert_uint_eq(pending, (uint64_t)first.matches);
    phash_scanner_free(s);
    phash_state_free(st);

    st = open_state(state);
    s = scanner_for(m, st, 0);
    seen second = {0};
    scan(s, tree, &second);
    ck_assert_int_eq(second.pending_reports, 1);
    ck_assert_int_eq(second.matches, 14); /* the pending ones first, then the rest */
    for (int i = 0; i < first.matches; i++)
        ck_assert_str_eq(second.ids[i], first.ids[i]);
    qsort(second.ids, (size_t)second.n_ids, sizeof second.ids[0], by_str);
    for (int i = 1; i < second.n_ids; i++)
        ck_assert_str_ne(second.ids[i], second.ids[i - 1]);
    ck_assert_uint_eq(count(st, PHASH_STATE_PENDING_MATCHES), 0);
    phash_scanner_free(s);
    phash_state_free(st);
    phash_matcher_free(m);
    remove_tree(dir);
}
END_TEST

/* A scan cancelled while other threads still hold finished files: their
 * reports are not given to the callback, so their matches stay pending
 * (they were marked delivered: those alerts were lost). */
START_TEST(cancelled_scan_loses_no_match)
{
    char dir[4096], tree[4096], state[4096];
    make_tree(dir, sizeof dir, tree, state);
    phash_matcher *m = matcher_from(source_path("sample/signatures.csv"));
    phash_state *st = open_state(state);
    phash_scanner *s = scanner_for(m, st, 0);
    ck_assert_int_eq(phash_scanner_set_option(s, PHASH_SCAN_OPT_THREADS, 2), PHASH_OK);
    seen first = {.cancel_at_match = s};
    const char *paths[] = {tree};
    phash_status ps = phash_scanner_scan_paths(s, paths, 1, on_report, &first);
    ck_assert_int_eq(ps, PHASH_ERR_CANCELLED);
    ck_assert_int_ge(first.matches, 1);
    /* every match marked delivered was given to the callback, which took it */
    ck_assert_uint_eq(count(st, PHASH_STATE_MATCHES) - count(st, PHASH_STATE_PENDING_MATCHES),
                      (uint64_t)first.matches);
    phash_scanner_free(s);

    s = scanner_for(m, st, 0);
    seen second = {0};
    scan(s, tree, &second);
    ck_assert_int_eq(first.matches + second.matches, 14); /* every match, once */
    ck_assert_uint_eq(count(st, PHASH_STATE_PENDING_MATCHES), 0);
    phash_scanner_free(s);
    phash_state_free(st);
    phash_matcher_free(m);
    remove_tree(dir);
}
END_TEST

/* A new set is matched from the stored hashes: no file opened, only the
 * matches new to the operator reported, and the ids are those a scan gives. */
START_TEST(rematch_reads_no_file)
{
    char dir[4096], tree[4096], state[4096], small[4200];
    make_tree(dir, sizeof dir, tree, state);
    snprintf(small, sizeof small, "%s/small.csv", dir);
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "grep -e '^signal_type' -e SAMPLE-0002 '%s' > '%s'",
             source_path("sample/signatures.csv"), small);
    ck_assert_int_eq(system(cmd), 0);

    phash_matcher *few = matcher_from(small);
    phash_state *st = open_state(state);
    phash_scanner *s = scanner_for(few, st, 0);
    seen first = {0};
    scan(s, tree, &first);
    ck_assert_int_eq(first.matches, 10); /* SAMPLE-0002's rows of the 14 */
    phash_scanner_free(s);

    phash_matcher *all = matcher_from(source_path("sample/signatures.csv"));
    s = scanner_for(all, st, 0);
    seen re = {0};
    ck_assert_int_eq(phash_scanner_rematch(s, on_report, &re), PHASH_OK);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_FILES_OPENED), 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_BYTES_READ), 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_CACHED), 16);
    ck_assert_int_eq(re.matches, 4);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_KNOWN_MATCHES), 10);
    for (int i = 0; i < re.n_ids; i++)
        ck_assert_ptr_null(strstr(re.rows[i], "SAMPLE-0002"));
    /* again: nothing new */
    seen again = {0};
    ck_assert_int_eq(phash_scanner_rematch(s, on_report, &again), PHASH_OK);
    ck_assert_int_eq(again.matches, 0);
    ck_assert_uint_eq(count(st, PHASH_STATE_MATCHES), 14);
    phash_scanner_free(s);

    /* a full scan with the whole set agrees: every id known, none new */
    s = scanner_for(all, st, 0);
    seen full = {0};
    scan(s, tree, &full);
    ck_assert_int_eq(full.matches, 0);
    ck_assert_uint_eq(phash_scanner_counter(s, PHASH_SCAN_KNOWN_MATCHES), 14);
    phash_scanner_free(s);
    phash_state_free(st);
    phash_matcher_free(few);
    phash_matcher_free(all);
    remove_tree(dir);
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Opening path sets the old file aside as path.corrupt and starts empty. */
static void expect_rebuilt(const char *path, const char *why)
{
    phash_state *st = open_state(path);
    const char *note = phash_state_rebuilt(st);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(strstr(note, why) != NULL, "%s", note);
    ck_assert_uint_eq(count(st, PHASH_STATE_FILES), 0);
    phash_state_free(st);
    char aside[4200];
    snprintf(aside, sizeof aside, "%s.corrupt", path);
    ck_assert_int_eq(access(aside, F_OK), 0);
    ck_assert_int_eq(unlink(aside), 0);
    /* reopened: now a valid, empty state */
    st = open_state(path);
    ck_assert_ptr_null(phash_state_rebuilt(st));
    phash_state_free(st);
}

START_TEST(damaged_or_foreign_state_rebuilt)
{
    char dir[] = "/tmp/phash-state-bad-XXXXXX", path[4200], aside[4300];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.state", dir);
    snprintf(aside, sizeof aside, "%s.corrupt", path);

    /* not a database at all: kept aside byte for byte */
    const char junk[] = "this is a text file, not a phash state\n";
    write_file(path, junk, sizeof junk - 1);
    char back[128];
    phash_state *st = open_state(path);
    ck_assert_ptr_nonnull(strstr(phash_state_rebuilt(st), "not an SQLite database"));
    phash_state_free(st);
    ck_assert_uint_eq(read_file(aside, back, sizeof back), sizeof junk - 1);
    ck_assert_int_eq(memcmp(back, junk, sizeof junk - 1), 0);
    unlink(aside);
    unlink(path);

    /* another application's SQLite database */
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    expect_rebuilt(path, "another application");

    /* a real state, damaged: a page in the middle overwritten */
    st = open_state(path);
    phash_matcher *m = matcher_from(source_path("sample/signatures.csv"));
    phash_scanner *s = scanner_for(m, st, 0);
    seen c = {0};
    scan(s, source_path("sample/originals"), &c);
    phash_scanner_free(s);
    phash_matcher_free(m);
    phash_state_free(st);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_gt(sb.st_size, 8192);
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    char garbage[4096];
    memset(garbage, 0xA5, sizeof garbage);
    ck_assert_int_eq(pwrite(fd, garbage, sizeof garbage, 4096), (ssize_t)sizeof garbage);
    close(fd);
    expect_rebuilt(path, "damaged");

    /* cut short */
    st = open_state(path);
    m = matcher_from(source_path("sample/signatures.csv"));
    s = scanner_for(m, st, 0);
    memset(&c, 0, sizeof c);
    scan(s, source_path("sample/originals"), &c);
    phash_scanner_free(s);
    phash_matcher_free(m);
    phash_state_free(st);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(truncate(path, sb.st_size / 2), 0);
    expect_rebuilt(path, "damaged");

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(refuses_links_specials_and_a_second_user)
{
    char dir[] = "/tmp/phash-state-ref-XXXXXX", path[4200], link[4200], fifo[4200];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.state", dir);
    snprintf(link, sizeof link, "%s/link.state", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.state", dir);
    phash_state *st = open_state(path);
    phash_state *other = NULL;
    ck_assert_int_eq(phash_state_new(&other), PHASH_OK);
    ck_assert_int_eq(phash_state_open(other, path), PHASH_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(phash_state_last_error(other), "in use"));
    ck_assert_int_eq(phash_state_open(st, path), PHASH_ERR_STATE); /* already open */
    phash_state_free(st);
    ck_assert_int_eq(phash_state_open(other, path), PHASH_OK); /* free once closed */
    phash_state_free(other);

    ck_assert_int_eq(symlink(path, link), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(phash_state_new(&st), PHASH_OK);
    ck_assert_int_eq(phash_state_open(st, link), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_state_open(st, fifo), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_state_open(st, dir), PHASH_ERR_NOT_REGULAR);
    phash_state_free(st);
    struct stat sb;
    ck_assert_int_eq(lstat(link, &sb), 0);
    ck_assert(S_ISLNK(sb.st_mode));
    ck_assert_int_eq(lstat(fifo, &sb), 0);
    ck_assert(S_ISFIFO(sb.st_mode));

    /* an existing file is made 0600 */
    ck_assert_int_eq(chmod(path, 0644), 0);
    st = open_state(path);
    phash_state_free(st);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The state holds hashes, never image bytes: no 64-byte run from the middle
 * of any sample image appears in the database or its log. */
START_TEST(no_image_bytes_stored)
{
    char dir[4096], tree[4096], state[4096];
    make_tree(dir, sizeof dir, tree, state);
    phash_matcher *m = matcher_from(source_path("sample/signatures.csv"));
    phash_state *st = open_state(state);
    phash_scanner *s = scanner_for(m, st, 0);
    seen c = {0};
    scan(s, tree, &c);
    phash_scanner_free(s);
    phash_matcher_free(m);
    static char db[8 << 20], wal[8 << 20], img[1 << 20];
    size_t n_db = read_file(state, db, sizeof db);
    char walp[4200];
    snprintf(walp, sizeof walp, "%s-wal", state);
    size_t n_wal = read_file(walp, wal, sizeof wal);
    ck_assert_uint_gt(n_db + n_wal, 0);
    static const char *const images[] = {"originals/o0001.jpg", "originals/o0002.webp",
                                         "originals/o0003.png", "variants/o0002/scale50.jpg"};
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", tree, images[i]);
        size_t n = read_file(p, img, sizeof img);
        ck_assert_uint_gt(n, 4096);
        const char *probe = img + n / 2;
        ck_assert_ptr_null(memmem(db, n_db, probe, 64));
        ck_assert_ptr_null(memmem(wal, n_wal, probe, 64));
    }
    phash_state_free(st);
    remove_tree(dir);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("state");
    TCase *tc = tcase_create("state");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, rescan_decodes_nothing);
    tcase_add_test(tc, undelivered_matches_come_back);
    tcase_add_test(tc, cancelled_scan_loses_no_match);
    tcase_add_test(tc, rematch_reads_no_file);
    tcase_add_test(tc, damaged_or_foreign_state_rebuilt);
    tcase_add_test(tc, refuses_links_specials_and_a_second_user);
    tcase_add_test(tc, no_image_bytes_stored);
    suite_add_tcase(suite, tc);
    return run_suite(suite);
}
