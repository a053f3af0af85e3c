/* SPDX-License-Identifier: MIT */
/* Compiled signature sets are used in place (lib/sigset/compiled.c). With
 * PHASH_SIGSET_OPEN_MAP the codes a set hands out are the file's own
 * pages, not a copy; a set opened that way still takes more lists; special
 * files are refused without blocking; a matcher keeps serving when the
 * file is replaced by a new compile. By default files are read into
 * private memory (lib/platform/posix.c): rewritten in place under a reader
 * (`cp new live`), a compiled set or index file must not SIGBUS it. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

static char dir[400];
static char setpath[512];

#define H1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define H2 "9c151c3af838278e3ef57c180c7d031c07aefd12f2ccc1e18f2a1e1c7d0ff163"
#define H3 "0000000000000000000000000000000000000000000000000000000000000001"

static void setup(void)
{
    make_temp_dir(dir, sizeof dir, "phash-mapped");
    snprintf(setpath, sizeof setpath, "%s/set.phx", dir);
}

static void teardown(void)
{
    char p[512];
    unlink(setpath);
    snprintf(p, sizeof p, "%s/fifo", dir);
    unlink(p);
    rmdir(dir);
}

static void compile(const char *list)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_load_memory(s, list, strlen(list), "list", &r), PHASH_OK);
    ck_assert_int_eq(phash_sigset_save(s, setpath), PHASH_OK);
    phash_sigset_free(s);
}

#ifdef __linux__ /* /proc/self/maps */
/* Is p inside a mapping of the file with this inode (/proc/self/maps)? */
static int in_file_mapping(const void *p, ino_t ino)
{
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, inode;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &inode) == 3)
            found = inode == (unsigned long)ino && (uintptr_t)p >= lo && (uintptr_t)p < hi;
    }
    fclose(f);
    return found;
}

START_TEST(codes_are_the_file)
{
    compile(H1 "\n" H2 "\n");
    struct stat sb;
    ck_assert_int_eq(stat(setpath, &sb), 0);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_open_flags(setpath, PHASH_SIGSET_OPEN_MAP, &s, NULL), PHASH_OK);
    size_t n;
    const phash_pdq_code *c = phash_sigset_pdq_codes(s, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert(in_file_mapping(c, sb.st_ino));
    phash_sigset_owner o;
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 1, 0, &o), PHASH_OK);
    ck_assert(in_file_mapping(o.list, sb.st_ino)); /* strings too */
    ck_assert_str_eq(o.list, "list");
    ck_assert_str_eq(o.id, "2");

    /* More lists go into a heap copy; what was there stays. */
    phash_sigset_report r;
    static const char more[] = H2 "\n" H3 "\n";
    ck_assert_int_eq(phash_sigset_load_memory(s, more, sizeof more - 1, "more", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 1);
    ck_assert_uint_eq(r.duplicates, 1);
    c = phash_sigset_pdq_codes(s, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert(!in_file_mapping(c, sb.st_ino));
    ck_assert_uint_eq(phash_sigset_owner_count(s, PHASH_SIG_PDQ, 1), 2);
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 1, 1, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "more");
    ck_assert_int_eq(phash_sigset_owner_get(s, PHASH_SIG_PDQ, 0, 0, &o), PHASH_OK);
    ck_assert_str_eq(o.list, "list");
    phash_sigset_free(s);
    const char *detail = NULL;
    s = (phash_sigset *)&s;
    ck_assert_int_eq(phash_sigset_open_flags(setpath, 2, &s, &detail), PHASH_ERR_INVALID_ARG);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(detail, "invalid argument");
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open_flags(m, setpath, 4), PHASH_ERR_INVALID_ARG);
    ck_assert_str_eq(phash_matcher_last_error(m), "unknown open flags 0x4");
    ck_assert_int_eq(phash_matcher_open_flags(m, setpath, PHASH_SIGSET_OPEN_MAP), PHASH_OK);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PDQ), 2);
    phash_matcher_free(m);
}
END_TEST
#endif

/* Truncate the file at path and write a few other bytes: what `cp` does
 * over an existing file, to the same inode. 1 when done; Windows refuses
 * to truncate a file that a reader has mapped (0): nothing to guard there. */
static int rewrite_in_place(const char *path)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
#ifdef _WIN32
    if (fd >= 0)
        close(fd);
    ck_assert_int_lt(fd, 0);
    return 0;
#else
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "not a set\n", 10), 10);
    close(fd);
    return 1;
#endif
}

#ifdef __linux__ /* /proc/self/maps */
/* A small set is a private copy: not in the file's mapping. */
START_TEST(small_set_is_a_copy)
{
    compile(H1 "\n" H2 "\n");
    struct stat sb;
    ck_assert_int_eq(stat(setpath, &sb), 0);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_open(setpath, &s, NULL), PHASH_OK);
    size_t n;
    const phash_pdq_code *c = phash_sigset_pdq_codes(s, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert(!in_file_mapping(c, sb.st_ino));
    phash_sigset_free(s);
}
END_TEST
#endif

#ifndef _WIN32 /* no FIFOs in Windows folders */
/* A FIFO is refused at once (opening it for reading used to block), and
 * is not a compiled set either. */
START_TEST(fifo_refused)
{
    char p[512];
    snprintf(p, sizeof p, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    phash_sigset *s = NULL;
    const char *detail = NULL;
    ck_assert_int_eq(phash_sigset_open(p, &s, &detail), PHASH_ERR_NOT_REGULAR);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(detail, "the compiled set path is not a regular file");
    ck_assert_int_eq(phash_sigset_open(dir, &s, &detail), PHASH_ERR_NOT_REGULAR);
    ck_assert_int_eq(phash_sigset_file_is_compiled(p), 0);
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open(m, p), PHASH_ERR_NOT_REGULAR);
    phash_matcher_free(m);
}
END_TEST
#endif

static size_t query(phash_matcher *m, const char *hex, unsigned radius)
{
    phash_pdq_code q;
    ck_assert_int_eq(phash_pdq_from_hex(hex, 64, &q, NULL), PHASH_OK);
    phash_matches *r = NULL;
    ck_assert_int_eq(phash_matches_new(&r), PHASH_OK);
    ck_assert_int_eq(phash_matcher_query(m, PHASH_SIG_PDQ, &q, 1, radius, r), PHASH_OK);
    size_t n = phash_matches_count(r);
    phash_matches_free(r);
    return n;
}

/* The file is replaced by a new compile (rename) while a matcher serves
 * the old one from its mapping: the old set keeps answering, the new one
 * answers after phash_matcher_open. */
START_TEST(replaced_while_served)
{
    compile(H1 "\n");
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open(m, setpath), PHASH_OK);
    compile(H2 "\n" H3 "\n");
    ck_assert_uint_eq(query(m, H1, 0), 1);
    ck_assert_uint_eq(query(m, H2, 0), 0);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PDQ), 1);
    ck_assert_int_eq(phash_matcher_open(m, setpath), PHASH_OK);
    ck_assert_uint_eq(query(m, H1, 0), 0);
    ck_assert_uint_eq(query(m, H3, 0), 1);
    ck_assert_uint_eq(phash_matcher_size(m, PHASH_SIG_PDQ), 2);
    phash_matcher_free(m);
}
END_TEST

/* The served file is rewritten in place (issue 17: SIGBUS at the next
 * query): the matcher answers from the set as it was opened; reopening the
 * rewritten file fails and keeps the served set; a proper compile (rename)
 * is then picked up. */
START_TEST(rewritten_in_place_while_served)
{
    compile(H1 "\n");
    phash_matcher *m = NULL;
    ck_assert_int_eq(phash_matcher_new(&m), PHASH_OK);
    ck_assert_int_eq(phash_matcher_open(m, setpath), PHASH_OK);
    ck_assert_uint_eq(query(m, H1, 0), 1);
    int rewritten = rewrite_in_place(setpath);
    ck_assert_uint_eq(query(m, H1, 0), 1);
    ck_assert_uint_eq(query(m, H2, 0), 0);
    ck_assert_int_eq(phash_matcher_open(m, setpath), rewritten ? PHASH_ERR_BAD_FILE : PHASH_OK);
    ck_assert_uint_eq(query(m, H1, 0), 1);
    compile(H2 "\n");
    ck_assert_int_eq(phash_matcher_open(m, setpath), PHASH_OK);
    ck_assert_uint_eq(query(m, H2, 0), 1);
    phash_matcher_free(m);
}
END_TEST

/* The same for an index file (phash_index_open). */
START_TEST(index_rewritten_in_place)
{
    enum { N = 2000 };
    uint64_t codes[N], ids[N];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        codes[i] = x;
        ids[i] = i;
    }
    phash_index *ix = NULL;
    ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
    ck_assert_int_eq(phash_index_add(ix, codes, ids, N), PHASH_OK);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/live.idx", dir);
    ck_assert_int_eq(phash_index_save(ix, idx), PHASH_OK);
    phash_index_free(ix);
    ck_assert_int_eq(phash_index_open(idx, 0, &ix, NULL), PHASH_OK);
    phash_index_results *res = NULL;
    ck_assert_int_eq(phash_index_results_new(&res), PHASH_OK);
    phash_index_search_opts o = {.radius = 0};
    size_t count;
    ck_assert_int_eq(phash_index_search(ix, &codes[N - 1], 1, &o, res), PHASH_OK);
    ck_assert_uint_eq(phash_index_results_hits(res, 0, &count)[0].id, N - 1);
    (void)rewrite_in_place(idx);
    ck_assert_int_eq(phash_index_search(ix, &codes[N - 1], 1, &o, res), PHASH_OK);
    const phash_index_hit *h = phash_index_results_hits(res, 0, &count);
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(h[0].id, N - 1);
    phash_index_results_free(res);
    phash_index_free(ix);
    unlink(idx);
}
END_TEST

/* The whole file at path (malloc'd), its length in *len. */
static unsigned char *file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    unsigned char *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *fa = file_bytes(a, &la), *fb = file_bytes(b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_msg(memcmp(fa, fb, la) == 0, "%s and %s differ", a, b);
    free(fa);
    free(fb);
}

static void assert_empty(const phash_sigset *s)
{
    for (int a = 1; a <= PHASH_SIG_ALGO_MAX; a++)
        ck_assert_uint_eq(phash_sigset_size(s, (phash_sig_algo)a), 0);
    ck_assert_uint_eq(phash_sigset_list_count(s), 0);
}

/* PHASH_SIGSET_SAVE_RELEASE writes the very file a plain save writes (every
 * algorithm, categories, ids, metadata, sizes: the set's memory is freed
 * section by section), then leaves the set empty with its options, ready
 * for another load; from a mapped set too; and after a failed save. */
START_TEST(release_save_writes_the_same_file)
{
    static const char list[] =
        "signal_type,signal_str,id,category,note,size\n"
        "pdq," H1 ",ID-1,catA,n1,\n"
        "pdq," H2 ",ID-2,catB,n2,\n"
        "phash,e66993e1ba4110be,ID-3,catA,n3,\n"
        "md5,a2e29725ecd1935b01ba6e63953180ef,ID-4,,n4,51195\n"
        "sha256,00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff,ID-5,catC,n5,"
        "77\n";
    char plain[512], released[512], bad[512];
    snprintf(plain, sizeof plain, "%s/plain.phx", dir);
    snprintf(released, sizeof released, "%s/released.phx", dir);
    snprintf(bad, sizeof bad, "%s/missing/x.phx", dir);
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    ck_assert_int_eq(phash_sigset_set_option(s, PHASH_SIGSET_OPT_MIN_QUALITY, 70), PHASH_OK);
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_load_memory(s, list, strlen(list), "list", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 5);
    ck_assert_int_eq(phash_sigset_save_flags(s, plain, 4), PHASH_ERR_INVALID_ARG);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_PDQ), 2); /* untouched */
    ck_assert_int_eq(phash_sigset_save(s, plain), PHASH_OK);
    ck_assert_int_eq(phash_sigset_save_flags(s, released, PHASH_SIGSET_SAVE_RELEASE), PHASH_OK);
    assert_same_file(plain, released);
    assert_empty(s);
    ck_assert_int_eq(phash_sigset_get_option(s, PHASH_SIGSET_OPT_MIN_QUALITY), 70);
    /* loaded into again */
    ck_assert_int_eq(phash_sigset_load_memory(s, list, strlen(list), "list", &r), PHASH_OK);
    ck_assert_uint_eq(r.inserted, 5);
    ck_assert_uint_eq(phash_sigset_size(s, PHASH_SIG_SHA256), 1);
    /* a failed save empties it too, and says why */
    ck_assert_int_ne(phash_sigset_save_flags(s, bad, PHASH_SIGSET_SAVE_RELEASE), PHASH_OK);
    ck_assert_ptr_nonnull(strstr(phash_sigset_last_error(s), "missing"));
    assert_empty(s);
    phash_sigset_free(s);
    /* a set used in place (mapped): emptied at the end */
    ck_assert_int_eq(phash_sigset_open_flags(plain, PHASH_SIGSET_OPEN_MAP, &s, NULL), PHASH_OK);
    unlink(released);
    ck_assert_int_eq(phash_sigset_save_flags(s, released, PHASH_SIGSET_SAVE_RELEASE), PHASH_OK);
    assert_same_file(plain, released);
    assert_empty(s);
    phash_sigset_free(s);
    unlink(plain);
    unlink(released);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sigset_mapped");
    TCase *tc = tcase_create("sigset_mapped");
    tcase_add_checked_fixture(tc, setup, teardown);
#ifdef __linux__
    tcase_add_test(tc, codes_are_the_file);
    tcase_add_test(tc, small_set_is_a_copy);
#endif
#ifndef _WIN32
    tcase_add_test(tc, fifo_refused);
#endif
    tcase_add_test(tc, replaced_while_served);
    tcase_add_test(tc, rewritten_in_place_while_served);
    tcase_add_test(tc, index_rewritten_in_place);
    tcase_add_test(tc, release_save_writes_the_same_file);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
