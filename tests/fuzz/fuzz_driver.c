/* SPDX-License-Identifier: MIT */
/* Regression driver for libFuzzer targets: without libFuzzer, run
 * LLVMFuzzerTestOneInput on every file named on the command line (folders
 * are read one level deep), so that the committed corpus runs in CI under
 * ASan, UBSan and valgrind. Link it with any fuzz_*.c target.
 * Arguments after "--optional" are test data from shared/: a missing one is
 * named and skipped (a checkout without ../shared), unless
 * PHASH_REQUIRE_SHARED=1 (CI), where it counts as unreadable. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned files = 0, errors = 0, skipped = 0;
    int optional = 0;
    const char *req = getenv("PHASH_REQUIRE_SHARED");
    int required = req && strcmp(req, "1") == 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (strcmp(argv[i], "--optional") == 0) {
            optional = 1;
            continue;
        }
        if (optional && !required && stat(argv[i], &st) != 0) {
            printf("SKIP: %s is missing (test data from shared/)\n", argv[i]);
            skipped++;
            continue;
        }
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.')
                    continue;
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                errors += run_file(path) != 0;
                files++;
            }
            if (d)
                closedir(d);
        } else {
            errors += run_file(argv[i]) != 0;
            files++;
        }
    }
    printf("%u inputs, %u unreadable, %u folders missing\n", files, errors, skipped);
    return errors || files == 0;
}
