/* SPDX-License-Identifier: MIT */
/* lists: exact digests in signature sets: MD5/SHA-1/SHA-256 columns and
 * algorithm names in every format, inference from the length, categories,
 * opaque hashes (PhotoDNA, ...) counted, the empty file's digests flagged
 * and never matched, exact matching through the matcher, and compiled sets
 * that keep all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "sigset_testlib.h"
#include "testutil.h"

/* Digests of "abc" (RFC 1321, FIPS 180-2). */
#define MD5_ABC "900150983cd24fb0d6963f7d28e17f72"
#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_EMPTY "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

START_TEST(forensic_csv_with_digest_columns)
{
    /* A hash export as forensic tools write it: digest columns by name,
     * every other column a property; category kept. */
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *csv = "FileName,MD5,SHA1,SHA-256,Size,Category\n"
                      "a.jpg," MD5_ABC "," SHA1_ABC "," SHA256_ABC ",3,1\n"
                      "\"b, c.png\",0123456789ABCDEF0123456789ABCDEF,,,10,2\n"
                      "empty.bin," MD5_EMPTY "," SHA1_EMPTY ",,0,1\n";
    ck_assert_int_eq(load(s, csv, "export.csv"), PHASH_OK);
    check_invariant();
    ck_assert_uint_eq(rep.format, PHASH_SIGSET_CSV);
    ck_assert_uint_eq(rep.records, 6);
    ck_assert_uint_eq(rep.inserted, 4);
    ck_assert_uint_eq(rep.empty_file, 2);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_MD5], 3);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_SHA1], 2);
    ck_assert_uint_eq(rep.per_algo[PHASH_SIG_SHA256], 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA1), 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA256), 1);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_SHA256, SHA256_ABC, 0, &o);
    ck_assert_str_eq(o.list, "export.csv");
    ck_assert_str_eq(o.category, "1");
    ck_assert_str_eq(o.metadata, "FileName=a.jpg; Size=3; Category=1");
    ck_assert_uint_eq(o.line, 2);
    owner_of(s, PHASH_SIG_MD5, "0123456789abcdef0123456789abcdef", 0, &o);
    ck_assert_str_eq(o.category, "2");
    ck_assert_str_eq(o.metadata, "FileName=b, c.png; Size=10; Category=2");
    phash_sigset_free(s);
}
END_TEST

START_TEST(plain_and_jsonl_digests)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    /* Plain: 32 hex digits are MD5, 40 SHA-1; 64 stay PDQ unless named. */
    ck_assert_int_eq(load(s, MD5_ABC "\n" SHA1_ABC "\n" PDQ1 "\nsha256 " SHA256_ABC "\n"
                             "SHA-1 " SHA1_ABC "\n",
                          "plain.txt"),
                     PHASH_OK);
    check_invariant();
    ck_assert_uint_eq(rep.inserted, 4);
    ck_assert_uint_eq(rep.duplicates, 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_MD5), 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA1), 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA256), 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 1);
    /* JSON lines with a category member and a PhotoDNA kept opaquely. */
    ck_assert_int_eq(load(s, "{\"md5\":\"" MD5_ABC "\",\"id\":\"v1\",\"classification\":\"A1\","
                             "\"PhotoDNA\":\"QUJD\"}\n"
                             "{\"signal_type\":\"photodna\",\"signal_str\":\"QUJD\"}\n"
                             "{\"PhotoDNA\":\"REVG\",\"id\":\"v2\"}\n",
                          "x.jsonl"),
                     PHASH_OK);
    check_invariant();
    ck_assert_uint_eq(rep.records, 3);
    ck_assert_uint_eq(rep.duplicates, 1);
    ck_assert_uint_eq(rep.opaque_only, 2);
    ck_assert_uint_eq(rep.invalid, 0);
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_PHOTODNA], 3);
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_MD5, MD5_ABC, 1, &o);
    ck_assert_str_eq(o.id, "v1");
    ck_assert_str_eq(o.category, "A1");
    ck_assert_str_eq(o.metadata, "{\"classification\":\"A1\",\"PhotoDNA\":\"QUJD\"}");
    owner_of(s, PHASH_SIG_MD5, MD5_ABC, 0, &o);
    ck_assert_str_eq(o.category, "");
    phash_sigset_free(s);
}
END_TEST

START_TEST(icse_csv)
{
    /* INTERPOL ICSE export: ';' separated, MD5, SHA1, PhotoDNA, flags. */
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    const char *icse =
        "MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;"
        "Series name;Number of submissions;File Available;Media Type;Baseline\n"
        MD5_ABC ";" SHA1_ABC ";QUJDREVG;IMG-1;1;0;0;S-one;4;1;Image;1\n"
        ";;QUJDREVG;IMG-2;0;0;0;;1;0;Image;0\n"
        "0123;" SHA1_ABC ";;IMG-3;0;0;0;;1;0;Image;0\n";
    ck_assert_int_eq(load(s, icse, "icse.csv"), PHASH_OK);
    check_invariant();
    ck_assert_uint_eq(rep.records, 5);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(rep.duplicates, 1);
    ck_assert_uint_eq(rep.opaque_only, 1);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.by_reason[PHASH_SIGSET_BAD_LENGTH], 1);
    ck_assert_uint_eq(rep.opaque[PHASH_SIGSET_OPAQUE_PHOTODNA], 2);
    ck_assert_uint_eq(rep.n_messages, 1);
    ck_assert_str_eq(rep.messages[0], "icse.csv:4: expected 32 hex digits (MD5), found 4 hex digits");
    phash_sigset_owner o;
    owner_of(s, PHASH_SIG_SHA1, SHA1_ABC, 0, &o);
    ck_assert_str_eq(o.id, "IMG-1");
    ck_assert_str_eq(o.metadata, "PhotoDNA=QUJDREVG; Is distributed=1; Victim identified=0; "
                                 "Offender identified=0; Series name=S-one; Number of "
                                 "submissions=4; File Available=1; Media Type=Image; Baseline=1");
    phash_sigset_free(s);
}
END_TEST

START_TEST(digest_errors)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(load(s, "md5,sha1,sha256\n" MD5_ABC ",,\n"
                             "0123456789abcdef0123456789abcdeg,,\n"
                             "," SHA1_ABC "0,\n"
                             ",,-" SHA256_ABC "\n",
                          "bad.csv"),
                     PHASH_OK);
    check_invariant();
    ck_assert_uint_eq(rep.invalid, 3);
    ck_assert_str_eq(rep.messages[0], "bad.csv:3: expected 32 hex digits (MD5), found \"g\" at "
                                      "character 32 of the hash");
    ck_assert_str_eq(rep.messages[1], "bad.csv:4: expected 40 hex digits (SHA-1), found 41 hex "
                                      "digits");
    ck_assert_str_eq(rep.messages[2], "bad.csv:5: expected 64 hex digits (SHA-256), found \"-\" "
                                      "at character 1 of the hash");
    /* A named SHA-256 of PDQ's length is a SHA-256, not a PDQ hash. */
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 0);
    phash_sigset_free(s);
}
END_TEST

/* Query one digest; returns the match count, first match in *m. */
static size_t query(phash_matcher *mt, phash_matches *r, phash_sig_algo algo, const char *hex,
                    phash_match *m)
{
    uint8_t code[32];
    hex_bytes(hex, code);
    ck_assert_int_eq(phash_matcher_query(mt, algo, code, 1, 0, r), PHASH_OK);
    size_t n = phash_matches_count(r);
    if (n)
        ck_assert_int_eq(phash_matches_get(r, 0, m), PHASH_OK);
    return n;
}

static void check_matches(phash_matcher *mt)
{
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    phash_match m;
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA256, SHA256_ABC, &m), 1);
    ck_assert_int_eq(m.algo, PHASH_SIG_SHA256);
    ck_assert_uint_eq(m.distance, 0);
    ck_assert_str_eq(m.hash, SHA256_ABC);
    ck_assert_uint_eq(m.owners, 2);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_matches_owner(r, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "cam.csv");
    ck_assert_str_eq(o.id, "M-1");
    ck_assert_str_eq(o.category, "1");
    ck_assert_int_eq(phash_matches_owner(r, 0, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "ncmec.jsonl");
    ck_assert_str_eq(o.category, "A1");
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_MD5, MD5_ABC, &m), 1);
    ck_assert_str_eq(m.hash, MD5_ABC);
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA1, SHA1_ABC, &m), 1);
    ck_assert_str_eq(m.hash, SHA1_ABC);
    /* A digest of another length in the table of one algorithm: no match. */
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_MD5, "900150983cd24fb0d6963f7d28e17f73", &m), 0);
    /* The empty file's digest is an entry (kept flagged) but never matches. */
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_MD5, MD5_EMPTY, &m), 0);
    /* Exact queries take one code and radius 0. */
    uint8_t code[32] = {0};
    ck_assert_int_eq(phash_matcher_query(mt, PHASH_SIG_MD5, code, 1, 1, r), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_matcher_query(mt, PHASH_SIG_SHA1, code, 8, 0, r), PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_matcher_query(mt, PHASH_SIG_ALGO_MAX + 1, code, 1, 0, r), PHASH_ERR_INVALID_ARG);
    phash_matches_free(r);
}

static phash_sigset *exact_set(void)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_KEEP_FLAGGED, 1), PHASH_OK);
    ck_assert_int_eq(load(s, "MediaID,MD5,SHA256,Category\n"
                             "M-1," MD5_ABC "," SHA256_ABC ",1\n"
                             "M-0," MD5_EMPTY ",,0\n",
                          "cam.csv"),
                     PHASH_OK);
    ck_assert_uint_eq(rep.empty_file, 1);
    ck_assert_int_eq(load(s, "{\"sha256\":\"" SHA256_ABC "\",\"sha1\":\"" SHA1_ABC
                             "\",\"classification\":\"A1\",\"pdq\":\"" PDQ1 "\"}\n",
                          "ncmec.jsonl"),
                     PHASH_OK);
    return s;
}

START_TEST(exact_matching)
{
    phash_matcher *mt = NULL;
    ck_assert_int_eq(phash_matcher_new(&mt), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(mt, exact_set()), PHASH_OK);
    ck_assert_uint_eq(phash_matcher_size(mt, PHASH_SIG_MD5), 2);
    check_matches(mt);
    /* PDQ beside the digests still goes through its index. */
    phash_pdq_code c;
    ck_assert_int_eq(phash_pdq_from_hex(PDQ1, 64, &c, NULL), PHASH_OK);
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(mt, PHASH_SIG_PDQ, &c, 1, 31, r), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(r), 1);
    phash_matches_free(r);
    phash_matcher_free(mt);
}
END_TEST

START_TEST(compiled_set_keeps_digests_and_categories)
{
    char path[256];
    snprintf(path, sizeof path, "%s/exact-%ld.phx",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp", (long)getpid());
    phash_sigset *s = exact_set();
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    phash_sigset *back = NULL;
    ck_assert_int_eq(phash_sigset_open(path, &back, NULL), PHASH_OK);
    for (int a = PHASH_SIG_MD5; a <= PHASH_SIG_SHA256; a++) {
        size_t n, nb;
        const void *x = phash_sigset_codes(s, a, &n), *y = phash_sigset_codes(back, a, &nb);
        ck_assert_uint_eq(n, nb);
        ck_assert_mem_eq(x, y, n * phash_sig_algo_code_size(a));
    }
    phash_sigset_owner o;
    owner_of(back, PHASH_SIG_SHA1, SHA1_ABC, 0, &o);
    ck_assert_str_eq(o.category, "A1");
    owner_of(back, PHASH_SIG_MD5, MD5_EMPTY, 0, &o);
    ck_assert_uint_eq(o.flags, PHASH_SIGSET_FLAG_EMPTY_FILE);
    ck_assert_str_eq(o.category, "0");
    phash_sigset_free(back);
    phash_sigset_free(s);
    phash_matcher *mt = NULL;
    ck_assert_int_eq(phash_matcher_new(&mt), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open(mt, path), PHASH_OK);
    check_matches(mt);
    phash_matcher_free(mt);
    unlink(path);
}
END_TEST

/* The digest of test entry i as 40 hex digits: spread over the whole range,
 * except every 20th, which shares its first 6 bytes with the others of its
 * kind (one bucket of 150 entries: the directory's worst case). */
static void digest_hex(unsigned i, char out[41])
{
    uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1), y = x ^ (x >> 29) ^ ((uint64_t)i << 7);
    if (i % 20 == 0)
        x = 0xabcdef0123450000ULL | (i & 0xffff);
    snprintf(out, 41, "%016llx%016llx%08x", (unsigned long long)x, (unsigned long long)y, i);
}

static char *digest_list(unsigned from, unsigned n)
{
    char *text = malloc((size_t)n * 41 + 16), *p = text;
    ck_assert_ptr_nonnull(text);
    p += sprintf(p, "sha1\n");
    for (unsigned i = from; i < from + n; i++) {
        digest_hex(i, p);
        p += 40;
        *p++ = '\n';
    }
    *p = '\0';
    return text;
}

/* Entry i found (its owner: line i + 2 of list `list`), or not. */
static void expect_digest(phash_matcher *mt, phash_matches *r, unsigned i, const char *list,
                          unsigned line)
{
    char hex[41];
    digest_hex(i, hex);
    phash_match m;
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA1, hex, &m), list ? 1 : 0);
    if (!list)
        return;
    ck_assert_str_eq(m.hash, hex);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_matches_owner(r, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.list, list);
    ck_assert_uint_eq(o.line, line);
}

/* A compiled set answers exact queries from its sorted digest table, in
 * the mapped file: every entry found, a near miss (last digit changed) not,
 * whatever the bucket; loading another list into the opened set goes back
 * to the hash table with the new entries. */
START_TEST(compiled_digest_table)
{
    enum { N = 3000 };
    char path[256];
    snprintf(path, sizeof path, "%s/dt-%ld.phx",
             getenv("PHASH_BUILD_ROOT") ? getenv("PHASH_BUILD_ROOT") : "/tmp", (long)getpid());
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    char *text = digest_list(0, N);
    ck_assert_int_eq(load(s, text, "big.csv"), PHASH_OK);
    free(text);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA1), N);
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    phash_sigset_free(s);
    phash_matcher *mt = NULL;
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matcher_new(&mt), PHASH_OK);
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open(mt, path), PHASH_OK);
    for (unsigned i = 0; i < N; i++)
        expect_digest(mt, r, i, "big.csv", i + 2);
    for (unsigned i = N; i < N + 200; i++)
        expect_digest(mt, r, i, NULL, 0);
    phash_match m;
    char hex[41];
    for (unsigned i = 0; i < N; i += 7) {
        digest_hex(i, hex);
        hex[39] = hex[39] == '0' ? '1' : '0';
        ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA1, hex, &m), 0);
    }
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA1, "0000000000000000000000000000000000000000", &m), 0);
    ck_assert_uint_eq(query(mt, r, PHASH_SIG_SHA1, "ffffffffffffffffffffffffffffffffffffffff", &m), 0);
    /* More lists on top of the compiled set. */
    ck_assert_int_eq(phash_sigset_open(path, &s, NULL), PHASH_OK);
    text = digest_list(N, 100);
    ck_assert_int_eq(load(s, text, "more.csv"), PHASH_OK);
    free(text);
    ck_assert_int_eq(phash_matcher_use(mt, s), PHASH_OK);
    for (unsigned i = 0; i < N + 100; i += 3)
        expect_digest(mt, r, i, i < N ? "big.csv" : "more.csv", i < N ? i + 2 : i - N + 2);
    expect_digest(mt, r, N + 100, NULL, 0);
    phash_matches_free(r);
    phash_matcher_free(mt);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exact");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, forensic_csv_with_digest_columns);
    tcase_add_test(tc, plain_and_jsonl_digests);
    tcase_add_test(tc, icse_csv);
    tcase_add_test(tc, digest_errors);
    tcase_add_test(tc, exact_matching);
    tcase_add_test(tc, compiled_set_keeps_digests_and_categories);
    tcase_add_test(tc, compiled_digest_table);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
