/* SPDX-License-Identifier: MIT */
/* Files phash writes (compiled signature sets, index files) replace only
 * regular files, never write through or replace symbolic links, and clean
 * up the temporary files of killed writers (lib/atomic_file.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "phash/phash.h"
#include "testutil.h"

static char dir[64];

static const char *in_dir(const char *name)
{
    static char buf[2][512];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/phash-outfiles-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Remove the test folder's files (one level, plus one sub-folder level). */
static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        const char *p = in_dir(e->d_name);
        if (unlink(p) != 0)
            rmdir(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* Names in the test folder other than . and .., sorted, joined by ' '. */
static const char *listing(void)
{
    static char out[4096];
    char names[32][256];
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < 32)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    if (d)
        closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char t[256];
                memcpy(t, names[i], sizeof t);
                memcpy(names[i], names[j], sizeof t);
                memcpy(names[j], t, sizeof t);
            }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, names[i]);
    }
    return out;
}

static phash_sigset *small_set(void)
{
    phash_sigset *s = NULL;
    ck_assert_int_eq(phash_sigset_new(&s), PHASH_OK);
    static const char list[] =
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n"
        "9c151c3af838278e3ef57c180c7d031c07aefd12f2ccc1e18f2a1e1c7d0ff163\n";
    phash_sigset_report r;
    ck_assert_int_eq(phash_sigset_load_memory(s, list, sizeof list - 1, "list", &r), PHASH_OK);
    return s;
}

static phash_index *small_index(void)
{
    phash_index *ix;
    ck_assert_int_eq(phash_index_new(64, &ix), PHASH_OK);
    uint64_t codes[3] = {1, 0xffff, 0x123456789abcdefull}, ids[3] = {7, 8, 9};
    ck_assert_int_eq(phash_index_add(ix, codes, ids, 3), PHASH_OK);
    return ix;
}

/* Save both kinds of files to path; both statuses must be want. */
static void save_both(const char *path, phash_status want)
{
    phash_sigset *s = small_set();
    phash_index *ix = small_index();
    ck_assert_int_eq(phash_sigset_save(s, path), want);
    ck_assert_int_eq(phash_index_save(ix, path), want);
    if (want == PHASH_ERR_NOT_REGULAR)
        ck_assert_ptr_nonnull(strstr(phash_sigset_last_error(s), "refusing to replace"));
    phash_index_free(ix);
    phash_sigset_free(s);
}

START_TEST(regular_file_replaced)
{
    const char *p = in_dir("set.phx");
    FILE *f = fopen(p, "w");
    fputs("old", f);
    fclose(f);
    save_both(p, PHASH_OK);
    phash_index *ix = NULL;
    ck_assert_int_eq(phash_index_open(p, 0, &ix, NULL), PHASH_OK); /* the index came last */
    ck_assert_uint_eq(phash_index_count(ix), 3);
    phash_index_free(ix);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
    ck_assert_str_eq(listing(), "set.phx");
}
END_TEST

/* Saving onto name (made by the test) is refused and leaves it a `kind`. */
static void assert_refused(const char *name, mode_t kind)
{
    save_both(in_dir(name), PHASH_ERR_NOT_REGULAR);
    struct stat sb;
    ck_assert_int_eq(lstat(in_dir(name), &sb), 0);
    ck_assert_uint_eq(sb.st_mode & S_IFMT, kind);
    ck_assert_str_eq(listing(), name);
}

START_TEST(fifo_refused)
{
    ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
    assert_refused("fifo", S_IFIFO);
}
END_TEST

START_TEST(folder_refused)
{
    ck_assert_int_eq(mkdir(in_dir("sub"), 0700), 0);
    assert_refused("sub", S_IFDIR);
}
END_TEST

/* A link is neither written through nor replaced: its target keeps its
 * bytes and the link stays a link. */
START_TEST(symlink_refused)
{
    const char *target = in_dir("real.phx");
    FILE *f = fopen(target, "w");
    fputs("keep", f);
    fclose(f);
    ck_assert_int_eq(symlink("real.phx", in_dir("link.phx")), 0);
    save_both(in_dir("link.phx"), PHASH_ERR_NOT_REGULAR);
    struct stat sb;
    ck_assert_int_eq(lstat(in_dir("link.phx"), &sb), 0);
    ck_assert(S_ISLNK(sb.st_mode));
    char buf[16] = {0};
    f = fopen(target, "r");
    ck_assert_uint_eq(fread(buf, 1, sizeof buf - 1, f), 4);
    fclose(f);
    ck_assert_str_eq(buf, "keep");
    /* A dangling link too: nothing is created at its target. */
    ck_assert_int_eq(symlink("nowhere.phx", in_dir("dangling.phx")), 0);
    save_both(in_dir("dangling.phx"), PHASH_ERR_NOT_REGULAR);
    ck_assert_str_eq(listing(), "dangling.phx link.phx real.phx");
}
END_TEST

/* As root, a device node (the numbers of /dev/null, made in the test
 * folder) stays a device. */
START_TEST(device_refused)
{
    if (geteuid() != 0)
        return; /* mknod needs root */
    ck_assert_int_eq(mknod(in_dir("null"), S_IFCHR | 0600, makedev(1, 3)), 0);
    assert_refused("null", S_IFCHR);
}
END_TEST

/* Temporary files of this target whose writer is gone are removed by the
 * next write; one whose writer still holds its lock, and temporary files
 * of other targets, are kept. */
START_TEST(stale_temporaries_removed)
{
    const char *stale = in_dir("set.phx.phash-tmp-AbCd0123");
    const char *live = in_dir("set.phx.phash-tmp-LiVe4567");
    const char *other = in_dir("other.phx.phash-tmp-AbCd0123");
    const char *names[] = {stale, live, other};
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(names[i], "w");
        fputs("partial", f);
        fclose(f);
    }
    int held = open(live, O_RDONLY);
    ck_assert_int_ge(held, 0);
    ck_assert_int_eq(flock(held, LOCK_EX), 0);
    phash_sigset *s = small_set();
    ck_assert_int_eq(phash_sigset_save(s, in_dir("set.phx")), PHASH_OK);
    ck_assert_str_eq(listing(),
                     "other.phx.phash-tmp-AbCd0123 set.phx set.phx.phash-tmp-LiVe4567");
    close(held);
    /* The index writer sweeps the same way. */
    phash_index *ix = small_index();
    ck_assert_int_eq(phash_index_save(ix, in_dir("set.phx")), PHASH_OK);
    ck_assert_str_eq(listing(), "other.phx.phash-tmp-AbCd0123 set.phx");
    phash_index_free(ix);
    phash_sigset_free(s);
}
END_TEST

/* A write that fails (the folder is gone) leaves nothing and says why. */
START_TEST(missing_folder)
{
    phash_sigset *s = small_set();
    ck_assert_int_eq(phash_sigset_save(s, in_dir("nope/set.phx")), PHASH_ERR_IO);
    ck_assert_int_eq(phash_sigset_last_errno(s), ENOENT);
    ck_assert_ptr_nonnull(strstr(phash_sigset_last_error(s), "nope/set.phx"));
    phash_sigset_free(s);
    ck_assert_str_eq(listing(), "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("output_files");
    TCase *tc = tcase_create("output_files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, regular_file_replaced);
    tcase_add_test(tc, fifo_refused);
    tcase_add_test(tc, folder_refused);
    tcase_add_test(tc, symlink_refused);
    tcase_add_test(tc, device_refused);
    tcase_add_test(tc, stale_temporaries_removed);
    tcase_add_test(tc, missing_folder);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
