/* SPDX-License-Identifier: MIT */
/* vPDQ videos in signature sets (every list form) and video matching: the
 * python-threatexchange rule and the C++ brute-force variant with exact
 * counts and percentages, quality filters, time ranges, compiled sets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phash/phash.h"
#include "phash/vmatch.h"
#include "testutil.h"

static phash_sigset_report rep;

/* A deterministic pseudo-random code per seed. */
static phash_pdq_code code_of(uint32_t seed)
{
    phash_pdq_code c;
    uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
    for (int i = 0; i < 32; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.bytes[i] = (uint8_t)(x >> 24);
    }
    return c;
}

/* The code with its bits 0, 7, 14, ... (n distinct bits) flipped. */
static phash_pdq_code flipped(phash_pdq_code c, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        unsigned b = (k * 7) % 256;
        c.bytes[b / 8] ^= (uint8_t)(1u << (b % 8));
    }
    return c;
}

static const char *hex(phash_pdq_code c)
{
    static char out[4][65];
    static int i;
    i = (i + 1) % 4;
    phash_pdq_to_hex(&c, out[i]);
    return out[i];
}

/* Video A: seeds 0..9, frame 0 repeated at the end (11 frames, 10 distinct).
 * Video B: seeds 100..109. As HMA JSON arrays inside a CSV export. */
static char *two_videos_csv(void)
{
    size_t cap = 1 << 16, o = 0;
    char *t = malloc(cap);
    o += (size_t)snprintf(t + o, cap - o, "signal_type,signal_str,id,category\nvpdq,\"[");
    for (int i = 0; i <= 10; i++)
        o += (size_t)snprintf(t + o, cap - o, "%s\"\"%s,100,%d.0\"\"", i ? "," : "",
                              hex(code_of(i % 10)), i);
    o += (size_t)snprintf(t + o, cap - o, "]\",A,cat-a\nvpdq,\"[");
    for (int i = 0; i < 10; i++)
        o += (size_t)snprintf(t + o, cap - o, "%s\"\"%s,100,%d.0\"\"", i ? "," : "",
                              hex(code_of(100 + i)), i);
    snprintf(t + o, cap - o, "]\",B,\n");
    return t;
}

static phash_matcher *matcher_of(const char *text)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "videos.csv", &rep),
                     PHASH_OK);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_use(m, s), PHASH_OK);
    return m;
}

/* The query: frames 0..6 near A's 0..6 (5 bits), 7 at 31 bits from A's 7,
 * 8 and 9 unrelated, 10 the same code as 0. Timestamps = frame numbers. */
static void query_frames(phash_vpdq_frame f[11])
{
    for (uint32_t i = 0; i < 11; i++) {
        f[i].frame_number = i;
        f[i].timestamp = i;
        f[i].quality = 100;
        f[i].hash = i < 7 ? flipped(code_of(i), 5) : i == 7 ? flipped(code_of(7), 31)
                  : i < 10 ? code_of(500 + i) : f[0].hash;
    }
}

START_TEST(csv_hma_arrays_load)
{
    char *t = two_videos_csv();
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, t, strlen(t), "videos.csv", &rep), PHASH_OK);
    ck_assert_uint_eq(rep.records, 2);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(rep.videos, 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_VPDQ), 20); /* distinct frame hashes */
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 0);
    /* A's frame 0 is held twice by A: two owners (frames are not merged). */
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_VPDQ, 0), 2);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_VPDQ, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "A");
    ck_assert_str_eq(o.category, "cat-a");
    ck_assert_int_eq(o.quality, 100);
    /* The same video twice in one list: the second is a duplicate. */
    char *rows = strchr(t, '\n') + 1;
    size_t len = strlen(t);
    char *twice = malloc(2 * len + 1);
    memcpy(twice, t, len);
    memcpy(twice + len, rows, strlen(rows) + 1);
    ck_assert_int_eq(phash_sigset_load_memory(s, twice, strlen(twice), "twice.csv", &rep),
                     PHASH_OK);
    ck_assert_uint_eq(rep.records, 4);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(rep.duplicates, 2);
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_VPDQ, 0), 4);
    free(twice);
    phash_sigset_free(s);
    free(t);
}
END_TEST

START_TEST(jsonl_and_frame_files_load)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"id\":\"B\",\"vpdq\":[\"%s,100,0.0\",\"%s,80,1.0\"],\"category\":\"A1\"}\n"
             "{\"signal_type\":\"vpdq\",\"signal_str\":\"[\\\"%s,90,1.23e+02\\\"]\","
             "\"id\":\"C\"}\n",
             hex(code_of(1)), hex(code_of(2)), hex(code_of(3)));
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "l.jsonl", &rep), PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_JSONL);
    ck_assert_uint_eq(rep.inserted, 2);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_VPDQ), 3);
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_VPDQ, 1, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "B");
    ck_assert_str_eq(o.category, "A1");
    ck_assert_int_eq(o.quality, 80);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_VPDQ, 2, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "C");

    /* The reference CLI's per-frame file: one video named after the file;
     * a frame under quality 50 is not inserted. */
    snprintf(text, sizeof text, "0,100,%s,0.000\n1,49,%s,0.033\n2,100,%s,0.067\n",
             hex(code_of(10)), hex(code_of(11)), hex(code_of(12)));
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "dir/chair-19.txt", &rep),
                     PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VPDQ);
    ck_assert_uint_eq(rep.records, 1);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_VPDQ), 5);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_VPDQ, 4, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "chair-19");
    ck_assert_uint_eq(o.line, 3);

    /* HMA's JSON array as a file of its own. */
    snprintf(text, sizeof text, "[\"%s,100,0.0\", \"%s,100,1.0\"]\n", hex(code_of(20)),
             hex(code_of(21)));
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "v/hma.json", &rep),
                     PHASH_OK);
    ck_assert_int_eq(rep.format, PHASH_SIGSET_VPDQ);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_VPDQ, 6, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.id, "hma");

    /* A video whose every frame is under the quality threshold: flagged. */
    snprintf(text, sizeof text, "0,10,%s,0.000\n", hex(code_of(30)));
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "low.txt", &rep),
                     PHASH_OK);
    ck_assert_uint_eq(rep.inserted, 0);
    ck_assert_uint_eq(rep.low_quality, 1);
    phash_sigset_free(s);
}
END_TEST

START_TEST(invalid_frames_are_described)
{
    char text[4096];
    snprintf(text, sizeof text,
             "signal_type,signal_str,id\n"
             "vpdq,\"[\"\"%s,100,0.0\"\",\"\"%.63s,100,1.0\"\"]\",bad\n"
             "vpdq,\"[\"\"%s,101,0.0\"\"]\",q\n"
             "vpdq,\"[\"\"%s,100,-1\"\"]\",t\n"
             "vpdq,[],e\n"
             "vpdq,\"[\"\"%s,100,0.0\"\"]\",good\n",
             hex(code_of(1)), hex(code_of(2)), hex(code_of(3)), hex(code_of(4)),
             hex(code_of(5)));
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "list", &rep), PHASH_OK);
    ck_assert_uint_eq(rep.records, 5);
    ck_assert_uint_eq(rep.invalid, 4);
    ck_assert_uint_eq(rep.inserted, 1);
    ck_assert_str_eq(rep.messages[0],
                     "list:2: frame 2: expected 64 hex digits (the frame's PDQ hash)");
    ck_assert_str_eq(rep.messages[1], "list:3: frame 1: expected a quality from 0 to 100");
    ck_assert_str_eq(rep.messages[2], "list:4: frame 1: expected a timestamp >= 0 in seconds");
    ck_assert_str_eq(rep.messages[3], "list:5: expected at least one vPDQ frame, found none");
    /* A bad reference line names itself. */
    snprintf(text, sizeof text, "0,100,%s,0.000\n1,100,%s\n", hex(code_of(1)), hex(code_of(2)));
    ck_assert_int_eq(phash_sigset_load_memory(s, text, strlen(text), "f.txt", &rep), PHASH_OK);
    ck_assert_str_eq(rep.messages[0], "f.txt:2: expected 4 fields "
                                      "\"frame,quality,pdqhex,timestamp\" (vPDQ frame line)");
    phash_sigset_free(s);
}
END_TEST

static void get(phash_video_query *q, size_t i, phash_video_match *m)
{
    ck_assert_int_eq(phash_video_query_get(q, i, m), PHASH_OK);
}

START_TEST(pytx_rule)
{
    char *t = two_videos_csv();
    phash_matcher *m = matcher_of(t);
    ck_assert_uint_eq(phash_matcher_video_count(m), 2);
    phash_video_query *q;
    ck_assert_int_eq(phash_video_query_new(&q), PHASH_OK);
    phash_vpdq_frame f[11];
    query_frames(f);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 1);
    phash_video_match r;
    get(q, 0, &r);
    ck_assert_str_eq(r.id, "A");
    ck_assert_str_eq(r.list, "videos.csv");
    ck_assert_str_eq(r.category, "cat-a");
    ck_assert_uint_eq(r.video, 0);
    /* 10 distinct query hashes, 8 within 31 (0..6 at 5 bits, 7 at 31);
     * A's 10 distinct hashes, 8 matched. */
    ck_assert_uint_eq(r.query_frames, 10);
    ck_assert_uint_eq(r.query_matched, 8);
    ck_assert_uint_eq(r.index_frames, 10);
    ck_assert_uint_eq(r.index_matched, 8);
    ck_assert_double_eq(r.query_percent, 80.0);
    ck_assert_double_eq(r.index_percent, 80.0);
    ck_assert_int_eq(r.matched, 1);
    /* Time ranges: frames 0..7, then frame 10 (8 and 9 did not match). */
    ck_assert_uint_eq(r.ranges, 2);
    phash_video_range g;
    ck_assert_int_eq(phash_video_query_range(q, 0, 0, &g), PHASH_OK);
    ck_assert_double_eq(g.start, 0.0);
    ck_assert_double_eq(g.end, 7.0);
    ck_assert_uint_eq(g.first_frame, 0);
    ck_assert_uint_eq(g.last_frame, 7);
    ck_assert_uint_eq(g.frames, 8);
    ck_assert_int_eq(phash_video_query_range(q, 0, 1, &g), PHASH_OK);
    ck_assert_uint_eq(g.first_frame, 10);
    ck_assert_uint_eq(g.frames, 1);
    ck_assert_int_eq(phash_video_query_range(q, 0, 2, &g), PHASH_ERR_NOT_FOUND);

    /* Threshold 81 %: no match; with all candidates, A is reported unmatched. */
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_QUERY_PERCENT, 81), PHASH_OK);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 0);
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_ALL_CANDIDATES, 1), PHASH_OK);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 1);
    get(q, 0, &r);
    ck_assert_int_eq(r.matched, 0);
    ck_assert_double_eq(r.query_percent, 80.0);

    /* Distance 30: frame 7 (31 bits) no longer counts: 7 of 10. */
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_DISTANCE, 30), PHASH_OK);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    get(q, 0, &r);
    ck_assert_uint_eq(r.query_matched, 7);
    ck_assert_uint_eq(r.index_matched, 7);

    /* Query frames under the quality threshold are ignored: with 0..4 at
     * quality 49, 5 distinct of the remaining 6 kept... */
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_DISTANCE, 31), PHASH_OK);
    for (int i = 0; i < 5; i++)
        f[i].quality = 49;
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    get(q, 0, &r);
    /* kept: 5, 6, 7, 8, 9, 10 (10 is frame 0's hash at quality 100) */
    ck_assert_uint_eq(r.query_frames, 6);
    ck_assert_uint_eq(r.query_matched, 4); /* 5, 6, 7, 10 */
    ck_assert_uint_eq(r.index_matched, 4); /* A's 0, 5, 6, 7 */
    ck_assert_uint_eq(r.ranges, 2);        /* 5..7 and 10: 8, 9 break it, 0..4 do not count */

    /* Bad options keep their value. */
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_DISTANCE, 257),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_RULE, 0.5),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_double_eq(phash_video_query_get_option(q, PHASH_VQ_OPT_DISTANCE), 31);
    ck_assert_int_eq(phash_video_query_run(q, m, NULL, 0), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 0);
    phash_video_query_free(q);
    phash_matcher_free(m);
    free(t);
}
END_TEST

START_TEST(cpp_rule)
{
    char *t = two_videos_csv();
    phash_matcher *m = matcher_of(t);
    phash_video_query *q;
    ck_assert_int_eq(phash_video_query_new(&q), PHASH_OK);
    phash_vpdq_rule rule;
    ck_assert_int_eq(phash_vpdq_rule_parse("C++", &rule), PHASH_OK);
    ck_assert_int_eq(rule, PHASH_VPDQ_RULE_CPP);
    ck_assert_str_eq(phash_vpdq_rule_name(rule), "cpp");
    ck_assert_int_eq(phash_vpdq_rule_parse("faiss", &rule), PHASH_ERR_NOT_FOUND);
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_RULE, PHASH_VPDQ_RULE_CPP),
                     PHASH_OK);
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_ALL_CANDIDATES, 1), PHASH_OK);
    phash_vpdq_frame f[11];
    query_frames(f);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 1);
    phash_video_match r;
    get(q, 0, &r);
    /* Every frame counts: 11 query frames, 8 matched (0..6 and 10; 7 is at
     * 31, not < 31); A's 11 frames, 8 matched (frame 0's hash twice). */
    ck_assert_uint_eq(r.query_frames, 11);
    ck_assert_uint_eq(r.query_matched, 8);
    ck_assert_uint_eq(r.index_frames, 11);
    ck_assert_uint_eq(r.index_matched, 8);
    ck_assert_double_eq_tol(r.query_percent, 800.0 / 11, 1e-9);
    ck_assert_int_eq(r.matched, 0); /* 72.7 % < 80 % */
    /* At distance 32 frame 7 counts: 9 of 11 = 81.8 %. */
    ck_assert_int_eq(phash_video_query_set_option(q, PHASH_VQ_OPT_DISTANCE, 32), PHASH_OK);
    ck_assert_int_eq(phash_video_query_run(q, m, f, 11), PHASH_OK);
    get(q, 0, &r);
    ck_assert_uint_eq(r.query_matched, 9);
    ck_assert_uint_eq(r.index_matched, 9);
    ck_assert_int_eq(r.matched, 1);
    phash_video_query_free(q);
    phash_matcher_free(m);
    free(t);
}
END_TEST

START_TEST(compiled_set_keeps_videos)
{
    char *t = two_videos_csv();
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_load_memory(s, t, strlen(t), "videos.csv", &rep), PHASH_OK);
    char path[] = "/tmp/phash-vmatch-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(phash_sigset_save(s, path), PHASH_OK);
    phash_sigset_free(s);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_msg(phash_matcher_open(m, path) == PHASH_OK, "%s", phash_matcher_last_error(m));
    unlink(path);
    ck_assert_uint_eq(phash_matcher_video_count(m), 2);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_VPDQ), 20);
    phash_video_query *q;
    ck_assert_int_eq(phash_video_query_new(&q), PHASH_OK);
    /* B itself, every frame: 100 % / 100 %. */
    phash_vpdq_frame f[10];
    for (uint32_t i = 0; i < 10; i++)
        f[i] = (phash_vpdq_frame){code_of(100 + i), 100, i, i / 2.0};
    ck_assert_int_eq(phash_video_query_run(q, m, f, 10), PHASH_OK);
    ck_assert_uint_eq(phash_video_query_count(q), 1);
    phash_video_match r;
    get(q, 0, &r);
    ck_assert_str_eq(r.id, "B");
    ck_assert_double_eq(r.query_percent, 100.0);
    ck_assert_double_eq(r.index_percent, 100.0);
    phash_video_range g;
    ck_assert_int_eq(phash_video_query_range(q, 0, 0, &g), PHASH_OK);
    ck_assert_double_eq(g.end, 4.5);
    /* Frame-level queries work on the same entries. */
    phash_matches *mm = NULL;
    ck_assert_int_eq(phash_matches_new(&mm), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_VPDQ, &f[3].hash, 1, 0, mm), PHASH_OK);
    ck_assert_uint_eq(phash_matches_count(mm), 1);
    phash_match one;
    ck_assert_int_eq(phash_matches_get(mm, 0, &one), PHASH_OK);
    ck_assert_str_eq(one.hash, hex(code_of(103)));
    phash_matches_free(mm);
    phash_video_query_free(q);
    phash_matcher_free(m);
    free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vmatch");
    TCase *tc = tcase_create("lists");
    tcase_add_test(tc, csv_hma_arrays_load);
    tcase_add_test(tc, jsonl_and_frame_files_load);
    tcase_add_test(tc, invalid_frames_are_described);
    suite_add_tcase(s, tc);
    tc = tcase_create("match");
    tcase_add_test(tc, pytx_rule);
    tcase_add_test(tc, cpp_rule);
    tcase_add_test(tc, compiled_set_keeps_videos);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
