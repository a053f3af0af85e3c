/* SPDX-License-Identifier: MIT */
/* The endpoint layout of compiled sets (PHASH_SIGSET_SAVE_ENDPOINT,
 * lib/sigset/eowners.c): the same lists compiled in both layouts give the
 * same entries, owners (ids, lists, categories, metadata, quality, flags,
 * lines, in the same order) and matches (entries, distances, variants),
 * opened read or mapped; the endpoint file holds no index and stays under
 * 48 B per PDQ entry; an opened endpoint set takes more lists and saves
 * again, byte for byte the same when nothing changed. */
#include <stdint.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

static char dir[400];
static char fast_path[512], endp_path[512], again_path[512];

#define N_RANDOM 9000 /* more than one 256 KiB scan block (8,192 PDQ codes) */

static void setup(void)
{
    make_temp_dir(dir, sizeof dir, "phash-endpoint");
    snprintf(fast_path, sizeof fast_path, "%s/fast.phx", dir);
    snprintf(endp_path, sizeof endp_path, "%s/endpoint.phx", dir);
    snprintf(again_path, sizeof again_path, "%s/again.phx", dir);
}

static void teardown(void)
{
    unlink(fast_path);
    unlink(endp_path);
    unlink(again_path);
    rmdir(dir);
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void hex64(uint64_t *s, char out[65])
{
    for (int w = 0; w < 4; w++)
        snprintf(out + 16 * w, 17, "%016llx", (unsigned long long)mix(s));
}

#define A1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define A2 "9c151c3af838278e3ef57c180c7d031c07aefd12f2ccc1e18f2a1e1c7d0ff163"
#define A3 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The lists: a CSV with ids, categories, quality, pHash and MD5 entries and
 * a repeated hash; a plain list of random PDQ hashes (line numbers as ids,
 * metadata tails, one hash of the CSV); an allowlist; a vPDQ video (JSON
 * lines). */
static phash_sigset *build(int with_video)
{
    phash_sigset *s = NULL;
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *csv = "id,hash,category,quality,signal_type\n"
                      "id-1," A1 ",A1,90,pdq\n"
                      "77," A2 ",B2,,pdq\n"
                      "id-3," A1 ",A2,80,pdq\n"
                      "p1,8f373714acfcf4d0,B1,,phash\n"
                      "p2,0000ffff0000ffff,,,phash\n"
                      "m1,0cc175b9c0f1b6a831c399e269772661,A1,,md5\n";
    ck_assert_int_eq(phash_sigset_load_memory(s, csv, strlen(csv), "police.csv", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 5);
    ck_assert_uint_eq(r.duplicates, 1);
    size_t cap = (size_t)N_RANDOM * 80 + 200, len = 0;
    char *plain = malloc(cap);
    ck_assert_ptr_nonnull(plain);
    uint64_t seed = 5;
    for (int i = 0; i < N_RANDOM; i++) {
        char h[65];
        hex64(&seed, h);
        if (i == 100)
            memcpy(h, A2, 64); /* a duplicate of the CSV's */
        if (i % 7 == 0)
            len += (size_t)snprintf(plain + len, cap - len, "%s,%d,file%d.jpg\n", h, 50 + i % 51, i);
        else
            len += (size_t)snprintf(plain + len, cap - len, "%s\n", h);
    }
    ck_assert_int_eq(phash_sigset_load_memory(s, plain, len, "ngo.txt", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, N_RANDOM - 1);
    free(plain);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_ALLOWLIST, 1), PHASH_OK);
    const char *allow = A3 "\n" A1 "\n";
    ck_assert_int_eq(phash_sigset_load_memory(s, allow, strlen(allow), "allow.txt", &r), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_ALLOWLIST, 0), PHASH_OK);
    if (with_video) {
        const char *v = "{\"signal_type\": \"vpdq\", \"id\": \"video-9\", \"signal_str\": [\"" A1
                        ",100,0.000\", \"" A3 ",90,1.000\", \"" A1 ",100,2.000\"]}\n";
        ck_assert_int_eq(phash_sigset_load_memory(s, v, strlen(v), "videos.jsonl", &r), PHASH_OK);
        ck_assert_uint_eq(r.videos, 1);
    }
    return s;
}

static void compile_both(int with_video)
{
    phash_sigset *s = build(with_video);
    ck_assert_int_eq(phash_sigset_save_flags(s, fast_path, 0), PHASH_OK);
    ck_assert_int_eq(phash_sigset_save_flags(s, endp_path, PHASH_SIGSET_SAVE_ENDPOINT), PHASH_OK);
    phash_sigset_free(s);
}

static void same_owner(const phash_sigset_owner *a, const phash_sigset_owner *b)
{
    ck_assert_str_eq(a->list, b->list);
    ck_assert_str_eq(a->id, b->id);
    ck_assert_str_eq(a->metadata, b->metadata);
    ck_assert_str_eq(a->category, b->category);
    ck_assert_int_eq(a->quality, b->quality);
    ck_assert_uint_eq(a->flags, b->flags);
    ck_assert_uint_eq(a->line, b->line);
}

/* Every entry, code and owner of a and b are the same. */
static void same_sets(const phash_sigset *a, const phash_sigset *b)
{
    ck_assert_uint_eq(phash_sigset_list_count(a), phash_sigset_list_count(b));
    for (size_t i = 0; i < phash_sigset_list_count(a); i++) {
        const char *na, *nb;
        uint8_t ha[32], hb[32];
        ck_assert_int_eq(phash_sigset_list_info(a, i, &na, NULL, ha, NULL), PHASH_OK);
        ck_assert_int_eq(phash_sigset_list_info(b, i, &nb, NULL, hb, NULL), PHASH_OK);
        ck_assert_str_eq(na, nb);
        ck_assert_mem_eq(ha, hb, 32);
    }
    for (int al = 1; al <= PHASH_SIG_ALGO_MAX; al++) {
        size_t n = phash_sigset_size(a, (phash_sig_algo)al), nb;
        ck_assert_uint_eq(n, phash_sigset_size(b, (phash_sig_algo)al));
        const void *ca = phash_sigset_codes(a, (phash_sig_algo)al, NULL),
                   *cb = phash_sigset_codes(b, (phash_sig_algo)al, &nb);
        ck_assert_uint_eq(n, nb);
        if (n)
            ck_assert_mem_eq(ca, cb, n * phash_sig_algo_code_size((phash_sig_algo)al));
        for (size_t e = 0; e < n; e++) {
            size_t k = phash_sigset_owner_count(a, (phash_sig_algo)al, e);
            ck_assert_uint_ge(k, 1);
            ck_assert_uint_eq(k, phash_sigset_owner_count(b, (phash_sig_algo)al, e));
            for (size_t j = 0; j < k; j++) {
                phash_sigset_owner oa, ob;
                ck_assert_int_eq(phash_sigset_owner_get(a, (phash_sig_algo)al, e, j, &oa), PHASH_OK);
                ck_assert_int_eq(phash_sigset_owner_get(b, (phash_sig_algo)al, e, j, &ob), PHASH_OK);
                same_owner(&oa, &ob);
            }
            ck_assert_int_eq(phash_sigset_owner_get(b, (phash_sig_algo)al, e, k, &(phash_sigset_owner){0}),
                             PHASH_ERR_NOT_FOUND);
        }
    }
}

static phash_sigset *open_set(const char *path, unsigned flags)
{
    phash_sigset *s = NULL;
    const char *why = NULL;
    ck_assert_msg(phash_sigset_open_flags(path, flags, &s, &why) == PHASH_OK, "%s: %s", path,
                  why ? why : "");
    return s;
}

START_TEST(same_entries_and_owners)
{
    compile_both(_i);
    phash_sigset *heap = build(_i), *f = open_set(fast_path, 0);
    /* Sanity of the lists themselves: the repeated hash has its 4 owners in load order. */
    ck_assert_uint_eq(phash_sigset_owner_count(heap, PHASH_SIG_PDQ, 0), 3); /* A1 */
    ck_assert_uint_eq(phash_sigset_owner_count(heap, PHASH_SIG_PDQ, 1), 2); /* A2 */
    for (unsigned flags = 0; flags <= PHASH_SIGSET_OPEN_MAP; flags += PHASH_SIGSET_OPEN_MAP) {
        phash_sigset *e = open_set(endp_path, flags);
        same_sets(heap, e);
        same_sets(f, e);
        phash_sigset_owner o;
        ck_assert_int_eq(phash_sigset_owner_get(e, PHASH_SIG_PDQ, 0, 2, &o), PHASH_OK);
        ck_assert_str_eq(o.list, "allow.txt");
        ck_assert_str_eq(o.id, "2");
        ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_ALLOW);
        ck_assert_int_eq(phash_sigset_owner_get(e, PHASH_SIG_PDQ, 1, 1, &o), PHASH_OK);
        ck_assert_str_eq(o.list, "ngo.txt");
        ck_assert_str_eq(o.id, "101");
        ck_assert_uint_eq(o.line, 101);
        phash_sigset_free(e);
    }
    phash_sigset_free(f);
    phash_sigset_free(heap);
}
END_TEST

static long file_size(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    return size;
}

/* The file: version 2, no INDEX section; a plain PDQ list (what police and
 * NGO lists mostly are: a hash per line) at most 48 B per entry. */
START_TEST(endpoint_file_is_small)
{
    compile_both(0);
    FILE *fp = fopen(endp_path, "rb");
    ck_assert_ptr_nonnull(fp);
    uint8_t head[32 + 32 * 64];
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    ck_assert_uint_ge(got, 32);
    ck_assert_uint_eq(head[8], 2); /* format version 2 */
    uint32_t n = head[12];
    for (uint32_t i = 0; i < n; i++)
        ck_assert_uint_ne(head[32 + 32 * i], 5); /* SEC_INDEX */
    fp = fopen(fast_path, "rb");
    ck_assert_ptr_nonnull(fp);
    got = fread(head, 1, 32, fp);
    fclose(fp);
    ck_assert_uint_eq(got, 32);
    ck_assert_uint_eq(head[8], 1); /* the default layout is unchanged: version 1 */
    /* The mixed lists (metadata on every 7th line, ids, categories). */
    ck_assert_int_eq(file_size(endp_path), 444288);
    ck_assert_int_eq(file_size(fast_path), 5711552);
    size_t cap = (size_t)N_RANDOM * 65, len = 0;
    char *plain = malloc(cap);
    ck_assert_ptr_nonnull(plain);
    uint64_t seed = 9;
    for (int i = 0; i < N_RANDOM; i++) {
        hex64(&seed, plain + len);
        plain[len + 64] = '\n';
        len += 65;
    }
    phash_sigset *s = NULL;
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, plain, len, "plain.txt", &r), PHASH_OK);
    free(plain);
    ck_assert_uint_eq(r.inserted, N_RANDOM);
    ck_assert_int_eq(phash_sigset_save_flags(s, again_path, PHASH_SIGSET_SAVE_ENDPOINT), PHASH_OK);
    phash_sigset_free(s);
    long size = file_size(again_path);
    ck_assert_msg((double)size / N_RANDOM <= 48.0, "%ld bytes for %d entries", size, N_RANDOM);
    ck_assert_int_eq(size, 351168); /* 39.0 B per entry */
}
END_TEST

static void same_results(const phash_matches *a, const phash_matches *b)
{
    ck_assert_uint_eq(phash_matches_count(a), phash_matches_count(b));
    for (size_t i = 0; i < phash_matches_count(a); i++) {
        phash_match ma, mb;
        ck_assert_int_eq(phash_matches_get(a, i, &ma), PHASH_OK);
        ck_assert_int_eq(phash_matches_get(b, i, &mb), PHASH_OK);
        ck_assert_int_eq(ma.algo, mb.algo);
        ck_assert_uint_eq(ma.entry, mb.entry);
        ck_assert_uint_eq(ma.distance, mb.distance);
        ck_assert_uint_eq(ma.variant, mb.variant);
        ck_assert_uint_eq(ma.owners, mb.owners);
        ck_assert_str_eq(ma.hash, mb.hash);
        for (size_t k = 0; k < ma.owners; k++) {
            phash_sigset_owner oa, ob;
            ck_assert_int_eq(phash_matches_owner(a, i, k, &oa), PHASH_OK);
            ck_assert_int_eq(phash_matches_owner(b, i, k, &ob), PHASH_OK);
            same_owner(&oa, &ob);
        }
    }
}

START_TEST(same_matches)
{
    compile_both(1);
    phash_matcher *mf = NULL, *me = NULL;
    phash_matches *rf = NULL, *re = NULL;
    ck_assert_int_eq(phash_matcher_new(&mf), PHASH_OK);
    ck_assert_int_eq(phash_matcher_new(&me), PHASH_OK);
    ck_assert_int_eq(phash_matches_new(&rf), PHASH_OK);
    ck_assert_int_eq(phash_matches_new(&re), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open_flags(mf, fast_path, PHASH_SIGSET_OPEN_MAP), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open_flags(me, endp_path, PHASH_SIGSET_OPEN_MAP), PHASH_OK);
    phash_sigset *s = open_set(endp_path, 0);
    size_t n;
    const phash_pdq_code *codes = phash_sigset_pdq_codes(s, &n);
    uint64_t seed = 77;
    size_t total = 0, near = 0;
    for (int i = 0; i < 200; i++) {
        phash_pdq_code q[8];
        for (int v = 0; v < 8; v++) {
            q[v] = codes[mix(&seed) % n];
            for (int k = 0; k < 10 + i % 20; k++) /* up to 29 bits away */
                q[v].bytes[mix(&seed) % 32] ^= (uint8_t)(1u << (mix(&seed) % 8));
        }
        unsigned variants = i % 2 ? 8 : 1, radius = i % 3 ? 31 : 20;
        ck_assert_int_eq(phash_matcher_query(mf, PHASH_SIG_PDQ, q, variants, radius, rf), PHASH_OK);
        ck_assert_int_eq(phash_matcher_query(me, PHASH_SIG_PDQ, q, variants, radius, re), PHASH_OK);
        same_results(rf, re);
        total += phash_matches_count(re);
        near += phash_matches_count(re) > 0;
    }
    ck_assert_uint_ge(near, 150); /* most queries found their entries */
    ck_assert_uint_ge(total, 400);
    /* pHash, MD5 and a video frame hash */
    uint64_t ph[1] = {0x8f373714acfcf4d1ull};
    ck_assert_int_eq(phash_matcher_query(mf, PHASH_SIG_PHASH, ph, 1, 10, rf), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(me, PHASH_SIG_PHASH, ph, 1, 10, re), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(re), 1);
    same_results(rf, re);
    const uint8_t md5[16] = {0x0c, 0xc1, 0x75, 0xb9, 0xc0, 0xf1, 0xb6, 0xa8,
                             0x31, 0xc3, 0x99, 0xe2, 0x69, 0x77, 0x26, 0x61};
    ck_assert_int_eq(phash_matcher_query(mf, PHASH_SIG_MD5, md5, 1, 0, rf), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(me, PHASH_SIG_MD5, md5, 1, 0, re), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(re), 1);
    same_results(rf, re);
    phash_pdq_code a1;
    ck_assert_int_eq(phash_pdq_from_hex(A1, 64, &a1, NULL), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(mf, PHASH_SIG_VPDQ, &a1, 1, 0, rf), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(me, PHASH_SIG_VPDQ, &a1, 1, 0, re), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(re), 1);
    same_results(rf, re);
    phash_sigset_free(s);
    phash_matches_free(rf);
    phash_matches_free(re);
    phash_matcher_free(mf);
    phash_matcher_free(me);
}
END_TEST

static long file_bytes(const char *path, uint8_t **out)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)n);
    ck_assert_ptr_nonnull(*out);
    ck_assert_uint_eq(fread(*out, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return n;
}

/* An opened endpoint set saved again (either layout) is the same set:
 * in its own layout byte for byte; loaded into, it becomes a heap set
 * with every owner. */
START_TEST(saved_again_and_loaded_into)
{
    compile_both(_i);
    phash_sigset *e = open_set(endp_path, PHASH_SIGSET_OPEN_MAP);
    ck_assert_int_eq(phash_sigset_save_flags(e, again_path, PHASH_SIGSET_SAVE_ENDPOINT), PHASH_OK);
    uint8_t *x, *y;
    long nx = file_bytes(endp_path, &x), ny = file_bytes(again_path, &y);
    ck_assert_int_eq(nx, ny);
    ck_assert_mem_eq(x, y, (size_t)nx);
    free(x);
    free(y);
    /* In the default layout: the same set (its owners are written in the
     * endpoint file's grouped order, not in load order). */
    ck_assert_int_eq(phash_sigset_save_flags(e, again_path, 0), PHASH_OK);
    phash_sigset *f = open_set(fast_path, 0), *g = open_set(again_path, 0);
    same_sets(f, g);
    phash_sigset_free(f);
    phash_sigset_free(g);
    const char *more = "hash,id,category\n" A2 ",late,C3\n";
    phash_sigset_report r;
    phash_sigset *heap = build(_i);
    ck_assert_int_eq(phash_sigset_load_memory(e, more, strlen(more), "late.csv", &r), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(heap, more, strlen(more), "late.csv", &r), PHASH_OK);
    ck_assert_uint_eq(phash_sigset_owner_count(e, PHASH_SIG_PDQ, 1), 3);
    same_sets(heap, e);
    phash_sigset_free(heap);
    phash_sigset_free(e);
}
END_TEST

/* SAVE_RELEASE with SAVE_ENDPOINT (what `phash sigset compile --layout
 * endpoint` does) writes the same file as a plain endpoint save. */
START_TEST(release_writes_the_same_file)
{
    compile_both(1);
    phash_sigset *s = build(1);
    ck_assert_int_eq(phash_sigset_save_flags(s, again_path,
                                             PHASH_SIGSET_SAVE_ENDPOINT | PHASH_SIGSET_SAVE_RELEASE),
                     PHASH_OK);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 0);
    phash_sigset_free(s);
    uint8_t *x, *y;
    long nx = file_bytes(endp_path, &x), ny = file_bytes(again_path, &y);
    ck_assert_int_eq(nx, ny);
    /* The LISTINFO load times may differ by a second: compare the sets. */
    free(x);
    free(y);
    phash_sigset *a = open_set(endp_path, 0), *b = open_set(again_path, 0);
    same_sets(a, b);
    phash_sigset_free(a);
    phash_sigset_free(b);
    ck_assert_int_eq(phash_sigset_save_flags(NULL, again_path, PHASH_SIGSET_SAVE_ENDPOINT),
                     PHASH_ERR_INVALID_ARG);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sigset_endpoint");
    TCase *tc = tcase_create("endpoint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, same_entries_and_owners, 0, 2); /* without, with a video */
    tcase_add_test(tc, endpoint_file_is_small);
    tcase_add_test(tc, same_matches);
    tcase_add_loop_test(tc, saved_again_and_loaded_into, 0, 2);
    tcase_add_test(tc, release_writes_the_same_file);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
