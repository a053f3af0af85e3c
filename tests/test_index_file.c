/* SPDX-License-Identifier: MIT */
/* Index files: save/open round trips equal a fresh build; every header
 * byte flipped, every truncation, random body bytes and structurally
 * hostile (re-checksummed) files give a clear status, never a crash; a
 * save killed with SIGKILL leaves the previous file intact.
 * With "--write-corpus DIR" it writes the fuzz seed corpus instead. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "index_testlib.h"
#include "index/index_file.h"
#include "index/index_internal.h"

static const phash_index_method METHODS[] = {PHASH_INDEX_AUTO, PHASH_INDEX_SCAN,
                                             PHASH_INDEX_BKTREE, PHASH_INDEX_MIH};

static char g_dir[4096];

static const char *tmp_path(const char *name)
{
    static char buf[4096 + 64];
    snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
    return buf;
}

static void make_dir(void)
{
    const char *b = getenv("PHASH_BUILD_ROOT");
    snprintf(g_dir, sizeof g_dir, "%s/index-test-%d", b ? b : "/tmp", (int)getpid());
    mkdir(g_dir, 0700);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    /* 64-byte aligned, as a mapping would be. */
    unsigned char *p = aligned_alloc(64, ((size_t)n + 64) & ~(size_t)63);
    ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void write_all(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, len, f), len);
    fclose(f);
}

static void check_methods(phash_index *ix, const tl_set *s, const unsigned char *alive,
                          const uint64_t *q, size_t nq, unsigned r, const char *what)
{
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    tl_truths t = tl_truths_make(s, alive, q, nq, 1, r, 0);
    for (unsigned mi = 0; mi < 4; mi++) {
        phash_index_search_opts o = {.radius = r, .method = METHODS[mi]};
        ck_assert_int_eq(phash_index_search(ix, q, nq, &o, res), PHASH_OK);
        tl_compare(&t, res, what);
    }
    tl_truths_free(&t);
    phash_index_results_free(res);
}

START_TEST(round_trip)
{
    static const size_t sizes[] = {0, 1, 3000, 9000};
    for (unsigned w = 0; w <= 4; w += w == 0 ? 1 : 3) /* 0: 64-bit compact */
        for (unsigned si = 0; si < 4; si++) {
            int compact = w == 0;
            w += compact;
            tl_set s = tl_make(TL_CLUSTERED, w, sizes[si], 60 + si + w);
            uint64_t *q = tl_queries(&s, TL_CLUSTERED, 10, 61);
            unsigned r = w == 1 ? 10 : 31;
            phash_index *ix = tl_index(&s, 0), *ld;
            ck_assert_int_eq(phash_index_set_compact(ix, compact), PHASH_OK);
            const char *path = tmp_path("rt.idx");
            ck_assert_int_eq(phash_index_save(ix, path), PHASH_OK); /* builds first */
            struct stat st;
            ck_assert_int_eq(stat(path, &st), 0);
            ck_assert_int_eq(st.st_mode & 0777, 0600);
            const char *detail = "unset";
            ck_assert_int_eq(phash_index_open(path, 0, &ld, &detail), PHASH_OK);
            ck_assert_ptr_null(detail);
            ck_assert_uint_eq(phash_index_bits(ld), 64 * w);
            ck_assert_uint_eq(phash_index_count(ld), s.n);
            check_methods(ld, &s, NULL, q, 10, r, "opened");
            phash_index_free(ld);
            ck_assert_int_eq(phash_index_open(path, PHASH_INDEX_OPEN_TRUST, &ld, NULL), PHASH_OK);
            check_methods(ld, &s, NULL, q, 10, r, "opened trusted");
            /* Updates on a mapped index, then save over the file it maps. */
            unsigned char *alive = malloc(s.n + 1);
            memset(alive, 1, s.n);
            for (size_t i = 0; i < s.n; i += 3) {
                ck_assert_int_eq(phash_index_remove(ld, s.ids[i]), PHASH_OK);
                alive[i] = 0;
            }
            check_methods(ld, &s, alive, q, 10, r, "mapped + tombstones");
            ck_assert_int_eq(phash_index_save(ld, path), PHASH_OK);
            phash_index *again;
            ck_assert_int_eq(phash_index_open(path, 0, &again, NULL), PHASH_OK);
            check_methods(again, &s, alive, q, 10, r, "reopened");
            /* Swap the mapped index with a fresh build of everything. */
            ck_assert_int_eq(phash_index_swap(again, ix), PHASH_OK);
            check_methods(again, &s, NULL, q, 10, r, "swapped in");
            check_methods(ix, &s, alive, q, 10, r, "swapped out");
            /* From memory too. */
            size_t len;
            unsigned char *buf = read_all(path, &len);
            phash_index *mem;
            ck_assert_int_eq(phash_index_open_memory(buf, len, 0, &mem, NULL), PHASH_OK);
            check_methods(mem, &s, alive, q, 10, r, "memory");
            phash_index_free(mem);
            ck_assert_int_eq(phash_index_open_memory(buf + 4, len - 4, 0, &mem, NULL),
                             PHASH_ERR_INVALID_ARG);
            free(buf);
            free(alive);
            phash_index_free(again);
            phash_index_free(ld);
            phash_index_free(ix);
            free(q);
            tl_set_free(&s);
            unlink(path);
            w -= compact;
        }
}
END_TEST

/* A saved file of each width in memory, and its queries. */
typedef struct sample {
    tl_set s;
    unsigned char *buf;
    size_t len;
    uint64_t *q;
} sample;

static sample make_sample(unsigned w, size_t n)
{
    sample sm = {tl_make(TL_CLUSTERED, w, n, 70 + w), NULL, 0, NULL};
    sm.q = tl_queries(&sm.s, TL_CLUSTERED, 4, 71);
    phash_index *ix = tl_index(&sm.s, 1);
    ck_assert_int_eq(phash_index_save(ix, tmp_path("sample.idx")), PHASH_OK);
    phash_index_free(ix);
    sm.buf = read_all(tmp_path("sample.idx"), &sm.len);
    unlink(tmp_path("sample.idx"));
    return sm;
}

static void free_sample(sample *sm)
{
    free(sm->buf);
    free(sm->q);
    tl_set_free(&sm->s);
}

/* Open (trusting or not); if it opens, every method must run safely. */
static phash_status try_open(const unsigned char *buf, size_t len, unsigned flags, const uint64_t *q)
{
    phash_index *ix;
    const char *detail = NULL;
    phash_status st = phash_index_open_memory(buf, len, flags, &ix, &detail);
    if (st != PHASH_OK) {
        ck_assert_ptr_nonnull(detail);
        ck_assert(st == PHASH_ERR_BAD_FILE || st == PHASH_ERR_VERSION);
        return st;
    }
    phash_index_results *res;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    for (unsigned mi = 0; mi < 4; mi++) {
        phash_index_search_opts o = {.radius = 8 * phash_index_bits(ix) / 64, .method = METHODS[mi]};
        ck_assert_int_eq(phash_index_search(ix, q, 4, &o, res), PHASH_OK);
        o.k = 3;
        o.radius = phash_index_bits(ix);
        ck_assert_int_eq(phash_index_search(ix, q, 4, &o, res), PHASH_OK);
    }
    phash_index_results_free(res);
    phash_index_free(ix);
    return st;
}

START_TEST(header_flips)
{
    sample sm = make_sample(_i ? 4 : 1, _i ? 5000 : 300);
    for (size_t b = 0; b < 256; b++)
        for (unsigned x = 0; x < 2; x++) {
            sm.buf[b] ^= x ? 0xff : 0x01;
            phash_status st = try_open(sm.buf, sm.len, 0, sm.q);
            ck_assert_msg(st != PHASH_OK, "header byte %zu flipped: opened", b);
            if (b == 8 && x == 1)
                ck_assert_int_eq(st, PHASH_ERR_VERSION); /* version 0xfe */
            sm.buf[b] ^= x ? 0xff : 0x01;
        }
    ck_assert_int_eq(try_open(sm.buf, sm.len, 0, sm.q), PHASH_OK);
    free_sample(&sm);
}
END_TEST

START_TEST(truncations)
{
    sample sm = make_sample(_i ? 4 : 1, _i ? 5000 : 300);
    /* Every length through the header, then around every 64-byte boundary
     * of the body (section starts and ends), then the full file minus one. */
    for (size_t len = 0; len < sm.len; len += len < 300 ? 1 : 61) {
        phash_status st = try_open(sm.buf, len, 0, sm.q);
        ck_assert_int_eq(st, PHASH_ERR_BAD_FILE);
        ck_assert_int_eq(try_open(sm.buf, len, PHASH_INDEX_OPEN_TRUST, sm.q), PHASH_ERR_BAD_FILE);
    }
    ck_assert_int_eq(try_open(sm.buf, sm.len - 1, 0, sm.q), PHASH_ERR_BAD_FILE);
    /* The same through real files, at a few lengths. */
    const size_t lens[] = {0, 7, 8, 100, 255, 256, 257, 4096, sm.len - 64, sm.len - 1};
    for (unsigned i = 0; i < 10; i++) {
        write_all(tmp_path("trunc.idx"), sm.buf, lens[i]);
        phash_index *ix;
        const char *detail = NULL;
        ck_assert_int_eq(phash_index_open(tmp_path("trunc.idx"), 0, &ix, &detail), PHASH_ERR_BAD_FILE);
        ck_assert_ptr_nonnull(detail);
    }
    /* Trailing garbage is rejected too. */
    unsigned char *longer = calloc(1, sm.len + 64);
    memcpy(longer, sm.buf, sm.len);
    write_all(tmp_path("trunc.idx"), longer, sm.len + 1);
    phash_index *ix;
    ck_assert_int_eq(phash_index_open(tmp_path("trunc.idx"), 0, &ix, NULL), PHASH_ERR_BAD_FILE);
    free(longer);
    unlink(tmp_path("trunc.idx"));
    phash_index *none;
    ck_assert_int_eq(phash_index_open(tmp_path("missing.idx"), 0, &none, NULL), PHASH_ERR_IO);
    free_sample(&sm);
}
END_TEST

START_TEST(body_flips)
{
    sample sm = make_sample(_i ? 4 : 1, _i ? 5000 : 300);
    uint64_t rng = 81;
    for (unsigned i = 0; i < 300; i++) {
        size_t b = 256 + tl_rand(&rng) % (sm.len - 256);
        unsigned char x = (unsigned char)(1u << (tl_rand(&rng) % 8));
        sm.buf[b] ^= x;
        ck_assert_msg(try_open(sm.buf, sm.len, 0, sm.q) == PHASH_ERR_BAD_FILE,
                      "body byte %zu flipped: not detected", b);
        try_open(sm.buf, sm.len, PHASH_INDEX_OPEN_TRUST, sm.q); /* must not crash */
        sm.buf[b] ^= x;
    }
    free_sample(&sm);
}
END_TEST

/* Rewrite the section checksums and the header checksum of a buffer. */
static void reseal(unsigned char *buf)
{
    for (unsigned i = 0; i < 7; i++) {
        uint64_t off, len, sum;
        memcpy(&off, buf + 56 + 24 * i, 8);
        memcpy(&len, buf + 64 + 24 * i, 8);
        sum = ph_index_checksum(len ? buf + off : buf, (size_t)len);
        memcpy(buf + 72 + 24 * i, &sum, 8);
    }
    uint64_t h = ph_index_checksum(buf, 248);
    memcpy(buf + 248, &h, 8);
}

/* Hostile structure behind valid checksums: random words in the MIH and
 * BK sections, hostile counts in the header. Must be rejected or safe. */
START_TEST(resealed_garbage)
{
    sample sm = make_sample(_i ? 4 : 1, _i ? 5000 : 300);
    unsigned char *work = aligned_alloc(64, (sm.len + 64) & ~(size_t)63);
    uint64_t rng = 91;
    for (unsigned i = 0; i < 400; i++) {
        memcpy(work, sm.buf, sm.len);
        for (unsigned k = 0; k < 1 + i % 4; k++) {
            size_t at = (256 + tl_rand(&rng) % (sm.len - 256)) & ~(size_t)3;
            uint32_t v = (uint32_t)tl_rand(&rng);
            if (i % 3 == 0)
                v %= 10000; /* plausible-looking values */
            memcpy(work + at, &v, 4);
        }
        if (i % 5 == 0) { /* header fields too */
            size_t at = 16 + 4 * (tl_rand(&rng) % 10);
            uint32_t v = (uint32_t)(tl_rand(&rng) % 300);
            memcpy(work + at, &v, 4);
        }
        reseal(work);
        try_open(work, sm.len, 0, sm.q);
    }
    /* Targeted: a BK-tree cycle, MIH offsets past n, entry numbers past n. */
    uint64_t off[7];
    for (unsigned i = 0; i < 7; i++)
        memcpy(&off[i], sm.buf + 56 + 24 * i, 8);
    uint32_t n = (uint32_t)sm.s.n, big = 0xffffffffu;
    if (_i) { /* 5000 entries: the BK-tree has a root and children */
        memcpy(work, sm.buf, sm.len);
        uint32_t self = 1;
        memcpy(work + off[5] + 24 + 8, &self, 4); /* node 1 -> child 1 */
        memcpy(work + off[5] + 24 + 12, &self, 4);
        reseal(work);
        ck_assert_int_eq(try_open(work, sm.len, 0, sm.q), PHASH_ERR_BAD_FILE);
        memcpy(work, sm.buf, sm.len);
        memcpy(work + off[5] + 4, &big, 4); /* root hi past n */
        reseal(work);
        ck_assert_int_eq(try_open(work, sm.len, 0, sm.q), PHASH_ERR_BAD_FILE);
    }
    memcpy(work, sm.buf, sm.len);
    uint32_t past = n + 10;
    memcpy(work + off[2] + 4 * 5, &past, 4);
    reseal(work);
    ck_assert_int_eq(try_open(work, sm.len, 0, sm.q), PHASH_ERR_BAD_FILE);
    memcpy(work, sm.buf, sm.len);
    for (uint32_t i = 0; i < n; i += 2)
        memcpy(work + off[3] + 4 * i, &big, 4); /* entry numbers past n: skipped */
    reseal(work);
    ck_assert_int_eq(try_open(work, sm.len, 0, sm.q), PHASH_OK);
    free(work);
    free_sample(&sm);
}
END_TEST

/* The u32 at byte offset `at` of the header of the index file at path. */
static uint32_t header_u32(const char *path, size_t at)
{
    unsigned char h[64];
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(h, 1, sizeof h, f), sizeof h);
    fclose(f);
    uint32_t v;
    memcpy(&v, h + at, 4);
    return v;
}

/* phash_index_set_wide_min selects the wide 256-bit layout (12 substrings
 * of 21-22 bits, header field b = 21), which saves and opens like the others. */
START_TEST(wide_layout_round_trip)
{
    tl_set s = tl_make(TL_CLUSTERED, 4, 3000, 64);
    uint64_t *q = tl_queries(&s, TL_CLUSTERED, 10, 65);
    phash_index *ix = tl_index(&s, 0), *ld;
    ck_assert_int_eq(phash_index_set_wide_min(ix, 2000), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    const char *path = tmp_path("wide.idx");
    ck_assert_int_eq(phash_index_save(ix, path), PHASH_OK);
    ck_assert_uint_eq(header_u32(path, 32), 12); /* m */
    ck_assert_uint_eq(header_u32(path, 36), 21); /* b */
    ck_assert_int_eq(phash_index_open(path, 0, &ld, NULL), PHASH_OK);
    check_methods(ld, &s, NULL, q, 10, 31, "wide, opened");
    check_methods(ld, &s, NULL, q, 10, 12, "wide, opened, r=12");
    phash_index_free(ld);
    phash_index_free(ix);
    /* Below the threshold: the usual layout (8-bit substrings at 3000). */
    ix = tl_index(&s, 0);
    ck_assert_int_eq(phash_index_set_wide_min(ix, 3001), PHASH_OK);
    ck_assert_int_eq(phash_index_build(ix), PHASH_OK);
    ck_assert_int_eq(phash_index_save(ix, path), PHASH_OK);
    ck_assert_uint_eq(header_u32(path, 36), 8);
    phash_index_free(ix);
    /* The default (6M) leaves 3000 entries in the usual layout too. */
    ix = tl_index(&s, 1);
    ck_assert_int_eq(phash_index_save(ix, path), PHASH_OK);
    ck_assert_uint_eq(header_u32(path, 36), 8);
    phash_index_free(ix);
    unlink(path);
    free(q);
    tl_set_free(&s);
}
END_TEST

/* The lean 64-bit layout (flag 8: no BK-tree, table 0 in the entry order)
 * saves, opens and answers like the others. */
START_TEST(lean_layout_round_trip)
{
    for (size_t n = 3000; n <= 9000; n += 6000) { /* 8- and 16-bit substrings */
        tl_set s = tl_make(TL_CLUSTERED, 1, n, 66);
        uint64_t *q = tl_queries(&s, TL_CLUSTERED, 10, 67);
        phash_index *ix = tl_index(&s, 0), *ld;
        ck_assert_int_eq(phash_index_set_compact(ix, PHASH_INDEX_LAYOUT_LEAN), PHASH_OK);
        const char *path = tmp_path("lean.idx");
        ck_assert_int_eq(phash_index_save(ix, path), PHASH_OK);
        ck_assert_uint_eq(header_u32(path, 20), 1 | 8); /* flags: MIH, lean; no BK-tree */
        ck_assert_int_eq(phash_index_open(path, 0, &ld, NULL), PHASH_OK);
        for (unsigned r = 0; r <= 12; r += 4)
            check_methods(ld, &s, NULL, q, 10, r, "lean, opened");
        phash_index_free(ld);
        phash_index_free(ix);
        unlink(path);
        free(q);
        tl_set_free(&s);
    }
}
END_TEST

START_TEST(version_and_magic)
{
    sample sm = make_sample(1, 100);
    uint32_t v = 3;
    memcpy(sm.buf + 8, &v, 4);
    reseal(sm.buf);
    phash_index *ix;
    const char *detail = NULL;
    ck_assert_int_eq(phash_index_open_memory(sm.buf, sm.len, 0, &ix, &detail), PHASH_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(detail, "newer"));
    /* Version 1 had 8-byte inline codes where version 2 has 4-byte filters. */
    v = 1;
    memcpy(sm.buf + 8, &v, 4);
    reseal(sm.buf);
    ck_assert_int_eq(phash_index_open_memory(sm.buf, sm.len, 0, &ix, &detail), PHASH_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(detail, "older"));
    v = 2;
    memcpy(sm.buf + 8, &v, 4);
    reseal(sm.buf);
    ck_assert_int_eq(phash_index_open_memory(sm.buf, sm.len, 0, &ix, NULL), PHASH_OK);
    phash_index_free(ix);
    sm.buf[0] = 'X';
    ck_assert_int_eq(phash_index_open_memory(sm.buf, sm.len, 0, &ix, &detail), PHASH_ERR_BAD_FILE);
    ck_assert_ptr_nonnull(strstr(detail, "magic"));
    /* A PNG is not an index. */
    static const unsigned char png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ck_assert_int_eq(phash_index_open_memory(png, 16, 0, &ix, &detail), PHASH_ERR_BAD_FILE);
    free_sample(&sm);
}
END_TEST

START_TEST(save_failure_keeps_old_file)
{
    tl_set s = tl_make(TL_RANDOM, 1, 100, 5);
    phash_index *ix = tl_index(&s, 1);
    ck_assert_int_eq(phash_index_save(ix, tmp_path("no/such/dir/x.idx")), PHASH_ERR_IO);
    ck_assert_ptr_nonnull(strstr(phash_index_last_error(ix), "temporary"));
    phash_index_free(ix);
    tl_set_free(&s);
}
END_TEST

/* A child saves set B over a file holding set A, again and again; it is
 * killed at a random moment. The file must then be A or B, complete. */
START_TEST(sigkill_during_save)
{
    tl_set a = tl_make(TL_RANDOM, 4, 20000, 101), b = tl_make(TL_RANDOM, 4, 20001, 102);
    const char *path = tmp_path("kill.idx");
    phash_index *ia = tl_index(&a, 1), *ib = tl_index(&b, 1);
    uint64_t rng = 103;
    for (int round = 0; round < 6; round++) {
        ck_assert_int_eq(phash_index_save(ia, path), PHASH_OK);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            /* Saved over and over until killed; a failed save only
             * means this round wrote nothing. */
            for (;;)
                if (phash_index_save(ib, path) != PHASH_OK)
                    continue;
        }
        struct timespec ts = {0, (long)(1 + tl_rand(&rng) % 60) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        phash_index *ld;
        const char *detail = NULL;
        ck_assert_msg(phash_index_open(path, 0, &ld, &detail) == PHASH_OK, "round %d: %s", round,
                      detail ? detail : "");
        size_t n = phash_index_count(ld);
        ck_assert(n == a.n || n == b.n);
        phash_index_free(ld);
    }
    phash_index_free(ia);
    phash_index_free(ib);
    tl_set_free(&a);
    tl_set_free(&b);
}
END_TEST

/* The committed fuzz seeds are valid files of the current format. */
START_TEST(fuzz_seeds_load)
{
    static const char *const names[] = {"w64-n0",  "w64-n1",  "w64-n20",         "w64-n20-compact",
                                        "w64-n20-lean", "w256-n0", "w256-n1", "w256-n20"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/fuzz/corpus/index/%s.idx", names[i]);
        phash_index *ix;
        const char *detail = NULL;
        ck_assert_msg(phash_index_open(source_path(rel), 0, &ix, &detail) == PHASH_OK, "%s: %s", rel,
                      detail ? detail : "");
        phash_index_free(ix);
    }
}
END_TEST

static int write_corpus(const char *dir)
{
    /* Small files (8-bit MIH substrings below 4096 entries) of both
     * widths, plus damaged copies: seeds for tests/fuzz/fuzz_index.c. */
    const size_t sizes[] = {0, 1, 20};
    char path[4096];
    for (unsigned w = 1; w <= 4; w += 3)
        for (unsigned i = 0; i < 3; i++) {
            tl_set s = tl_make(i == 2 ? TL_CLUSTERED : TL_RANDOM, w, sizes[i], 7 + i);
            phash_index *ix;
            ck_assert_int_eq(phash_index_new(64 * w, &ix), PHASH_OK);
            ck_assert_int_eq(phash_index_add(ix, s.codes, s.ids, s.n), PHASH_OK);
            snprintf(path, sizeof path, "%s/w%u-n%zu.idx", dir, 64 * w, sizes[i]);
            if (phash_index_save(ix, path) != PHASH_OK)
                return 1;
            phash_index_free(ix);
            tl_set_free(&s);
        }
    /* The other 64-bit layouts (file flags and sections of their own). */
    static const char *const layout_names[] = {"", "compact", "lean"};
    for (int layout = PHASH_INDEX_LAYOUT_COMPACT; layout <= PHASH_INDEX_LAYOUT_LEAN; layout++) {
        tl_set s = tl_make(TL_CLUSTERED, 1, 20, 9);
        phash_index *ix;
        ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
        ck_assert_int_eq(phash_index_set_compact(ix, layout), PHASH_OK);
        ck_assert_int_eq(phash_index_add(ix, s.codes, s.ids, s.n), PHASH_OK);
        snprintf(path, sizeof path, "%s/w64-n20-%s.idx", dir, layout_names[layout]);
        if (phash_index_save(ix, path) != PHASH_OK)
            return 1;
        phash_index_free(ix);
        tl_set_free(&s);
    }
    return 0;
}

/* ph_index_build_from (compiled sets build their indexes with it, without
 * the append buffer) writes the very file that phash_index_add with ids
 * 0..n-1 and phash_index_build write: 64 and 256 bits, clustered codes
 * with repeats, and none. */
START_TEST(build_from_equals_add_and_build)
{
    static const size_t counts[] = {0, 1, 5000};
    for (unsigned w = 1; w <= 4; w += 3)
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            size_t n = counts[k];
            tl_set s = tl_make(TL_DUPS, w, n ? n : 1, 90 + w);
            uint64_t *ids = malloc((n ? n : 1) * sizeof *ids);
            for (size_t i = 0; i < n; i++)
                ids[i] = i;
            phash_index *a = NULL, *b = NULL;
            ck_assert_int_eq(ph_index_build_from(64 * w, s.codes, n, &a), PHASH_OK);
            ck_assert_int_eq(phash_index_new(64 * w, &b), PHASH_OK);
            ck_assert_int_eq(phash_index_add(b, s.codes, ids, n), PHASH_OK);
            ck_assert_int_eq(phash_index_build(b), PHASH_OK);
            ck_assert_uint_eq(phash_index_count(a), n);
            ck_assert_int_eq(phash_index_save(a, tmp_path("from.idx")), PHASH_OK);
            ck_assert_int_eq(phash_index_save(b, tmp_path("add.idx")), PHASH_OK);
            size_t la, lb;
            unsigned char *fa = read_all(tmp_path("from.idx"), &la);
            unsigned char *fb = read_all(tmp_path("add.idx"), &lb);
            ck_assert_uint_eq(la, lb);
            ck_assert_msg(memcmp(fa, fb, la) == 0, "w %u, n %zu: the files differ", w, n);
            free(fa), free(fb), free(ids);
            unlink(tmp_path("from.idx"));
            unlink(tmp_path("add.idx"));
            phash_index_free(a);
            phash_index_free(b);
            tl_set_free(&s);
        }
}
END_TEST

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    make_dir();
    Suite *s = suite_create("index-file");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, round_trip);
    tcase_add_loop_test(tc, header_flips, 0, 2);
    tcase_add_loop_test(tc, truncations, 0, 2);
    tcase_add_loop_test(tc, body_flips, 0, 2);
    tcase_add_loop_test(tc, resealed_garbage, 0, 2);
    tcase_add_test(tc, version_and_magic);
    tcase_add_test(tc, wide_layout_round_trip);
    tcase_add_test(tc, lean_layout_round_trip);
    tcase_add_test(tc, save_failure_keeps_old_file);
    tcase_add_test(tc, sigkill_during_save);
    tcase_add_test(tc, fuzz_seeds_load);
    tcase_add_test(tc, build_from_equals_add_and_build);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    rmdir(g_dir);
    return rc;
}
