/* SPDX-License-Identifier: MIT */
/* phash scan --on-match's runner (tools/scan_hook*.c) with a real command,
 * tests/hook_child.c: the arguments arrive byte for byte (Windows: spaces,
 * quotes and backslashes through the quoting CommandLineToArgvW reads), the
 * record on standard input, the environment, exit statuses, a program not
 * found, and a timeout that kills the command and the process it started.
 * Usage: test_scan_hook HOOK_CHILD */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "scan_hook.h"
#include "testutil.h"
#include "win_compat.h"

static char *child; /* tests/hook_child */

static void put_record(FILE *f, void *ctx)
{
    fputs(ctx, f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static void nap(unsigned seconds)
{
#ifdef _WIN32
    Sleep(seconds * 1000);
#else
    sleep(seconds);
#endif
}

START_TEST(arguments_arrive_intact)
{
    char dir[512], out[600], why[512] = "";
    make_temp_dir(dir, sizeof dir, "phash-hook");
    snprintf(out, sizeof out, "%s/args.txt", dir);
    char *argv[] = {child, "args", out, "plain", "with space", "q\"uote", "back\\slash\\",
                    "two\\\\\"q", "trail\\", "", "tab\there", "\xc3\xa9t\xc3\xa9", "a\\\\b c\\",
                    NULL};
    ck_assert_int_eq(hook_run_argv(argv, 60, put_record, "{\"a\":\"b c\"}\n", "m-1",
                                   "C:\\dir with space\\a.png", why, sizeof why), 0);
    ck_assert_str_eq(why, "");
    ck_assert_str_eq(slurp(out), "[plain]\n[with space]\n[q\"uote]\n[back\\slash\\]\n"
                                 "[two\\\\\"q]\n[trail\\]\n[]\n[tab\there]\n[\xc3\xa9t\xc3\xa9]\n"
                                 "[a\\\\b c\\]\n"
                                 "id=m-1\npath=C:\\dir with space\\a.png\n"
                                 "stdin={\"a\":\"b c\"}\n");
    remove(out);
    rmdir(dir);
}
END_TEST

START_TEST(command_split_at_spaces)
{
    char dir[512], out[600], cmd[2048], why[512] = "";
    make_temp_dir(dir, sizeof dir, "phash-hook");
    snprintf(out, sizeof out, "%s/args.txt", dir);
    snprintf(cmd, sizeof cmd, "%s args %s  a\"b\tc\\d\\ ", child, out);
    ck_assert_int_eq(hook_run(cmd, 60, put_record, "", "", "p", why, sizeof why), 0);
    ck_assert_str_eq(slurp(out), "[a\"b]\n[c\\d\\]\nid=\npath=p\nstdin=");
    remove(out);
    rmdir(dir);
}
END_TEST

START_TEST(exit_status_and_not_found)
{
    char cmd[2048], why[512], want[2048];
    snprintf(cmd, sizeof cmd, "%s exit 3", child);
    ck_assert_int_eq(hook_run(cmd, 60, put_record, "{}\n", "", "p", why, sizeof why), -1);
    snprintf(want, sizeof want, "--on-match %s: exit status 3", child);
    ck_assert_str_eq(why, want);
    ck_assert_int_eq(hook_run("phash-no-such-program x", 60, put_record, "{}\n", "", "p", why,
                              sizeof why), -1);
    ck_assert_str_eq(why, "--on-match phash-no-such-program: cannot be run (not found?)");
    ck_assert_int_eq(hook_run(" \t", 60, put_record, "{}\n", "", "p", why, sizeof why), -1);
    ck_assert_str_eq(why, "--on-match ' \t': no command");
}
END_TEST

START_TEST(timeout_kills_the_command_and_its_children)
{
    char dir[512], alive[600], late[600], why[512], want[2048];
    make_temp_dir(dir, sizeof dir, "phash-hook");
    snprintf(alive, sizeof alive, "%s/alive", dir);
    snprintf(late, sizeof late, "%s/late", dir);
    char *argv[] = {child, "tree", dir, NULL};
    ck_assert_int_eq(hook_run_argv(argv, 4.0, put_record, "{}\n", "", "p", why, sizeof why), -1);
    snprintf(want, sizeof want, "--on-match %s: no exit after 4 s: killed", child);
    ck_assert_str_eq(why, want);
    ck_assert_msg(exists(alive), "the command's child did not start within 4 s");
    nap(11); /* a child still alive would write DIR/late within 10 s of DIR/alive */
    ck_assert_msg(!exists(late), "the command's child outlived the timeout");
    remove(alive);
    rmdir(dir);
}
END_TEST

/* A record larger than the pipe holds, to a command that never reads it:
 * the timeout still holds (the record was written before the timeout was
 * watched, so phash waited for the command to end: 60 s, then "exit 0"). */
START_TEST(unread_record_does_not_outlast_the_timeout)
{
    char dir[512], why[512], want[2048];
    make_temp_dir(dir, sizeof dir, "phash-hook");
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', n);
    big[n] = '\0';
    char *argv[] = {child, "tree", dir, NULL};
    ck_assert_int_eq(hook_run_argv(argv, 4.0, put_record, big, "", "p", why, sizeof why), -1);
    snprintf(want, sizeof want, "--on-match %s: no exit after 4 s: killed", child);
    ck_assert_str_eq(why, want);
    free(big);
    nap(11); /* what the command started is gone too (its late file) */
    char late[600], alive[600];
    snprintf(late, sizeof late, "%s/late", dir);
    snprintf(alive, sizeof alive, "%s/alive", dir);
    ck_assert_msg(!exists(late), "the command's child outlived the timeout");
    remove(alive);
    rmdir(dir);
}
END_TEST

#ifdef _WIN32
START_TEST(batch_files_refused)
{
    char dir[512], bat[600], why[512], want[2048];
    make_temp_dir(dir, sizeof dir, "phash-hook");
    snprintf(bat, sizeof bat, "%s/alert.bat", dir);
    FILE *f = fopen(bat, "w");
    ck_assert_ptr_nonnull(f);
    fputs("@exit 0\n", f);
    fclose(f);
    ck_assert_int_eq(hook_run(bat, 60, put_record, "{}\n", "", "p", why, sizeof why), -1);
    snprintf(want, sizeof want, "--on-match %s: a batch file runs through cmd.exe: not run "
                                "(name a program)", bat);
    ck_assert_str_eq(why, want);
    remove(bat);
    rmdir(dir);
}
END_TEST
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_scan_hook HOOK_CHILD\n");
        return 2;
    }
    child = argv[1];
    Suite *s = suite_create("scan_hook");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, arguments_arrive_intact);
    tcase_add_test(tc, command_split_at_spaces);
    tcase_add_test(tc, exit_status_and_not_found);
    tcase_add_test(tc, timeout_kills_the_command_and_its_children);
    tcase_add_test(tc, unread_record_does_not_outlast_the_timeout);
#ifdef _WIN32
    tcase_add_test(tc, batch_files_refused);
#endif
    suite_add_tcase(s, tc);
    return run_suite(s);
}
