/* SPDX-License-Identifier: MIT */
/* phash info [--json] [--apply-orientation] FILE...
 *
 * A front end over the library scanner in decode-only mode: each file is
 * read once and given to the decoder whatever it holds; FIFOs, sockets and
 * devices are never opened (status not_a_regular_file).
 *
 * Decode each file and print what the decoder saw, as CSV
 * (path,format,width,height,channels,orientation,status) with a header
 * line, or one JSON object per line with --json. status is "ok", or a short
 * code and the decoder's detail ("truncated: JPEG: Premature end of JPEG
 * file at byte 6690"); for failed files the format is what the first bytes
 * say. Exit status 0 when every file decoded, 2 when any failed. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "phash/phash.h"
#include "scan_out.h"

/* Short, stable names for the statuses a decode can return. */
static const char *status_code(phash_status st)
{
    switch (st) {
    case PHASH_OK: return "ok";
    case PHASH_ERR_NOMEM: return "out_of_memory";
    case PHASH_ERR_INVALID_ARG: return "invalid_argument";
    case PHASH_ERR_IO: return "io_error";
    case PHASH_ERR_NOT_IMAGE: return "not_an_image";
    case PHASH_ERR_UNSUPPORTED: return "unsupported";
    case PHASH_ERR_CORRUPT: return "corrupt";
    case PHASH_ERR_TRUNCATED: return "truncated";
    case PHASH_ERR_TOO_LARGE: return "too_large";
    case PHASH_ERR_NOT_REGULAR: return "not_a_regular_file";
    case PHASH_ERR_BUDGET: return "budget_exceeded";
    default: return "error";
    }
}

/* The format the file's first bytes announce (for rows of failed files). */
static void print_csv(const phash_scan_report *r)
{
    out_csv_field(stdout, r->path);
    if (r->status == PHASH_OK) {
        printf(",%s,%u,%u,%u,%d,ok\n", phash_format_name(r->format), r->width, r->height,
               r->channels, r->orientation);
        return;
    }
    char status[512];
    snprintf(status, sizeof status, "%s: %s", status_code(r->status), r->detail);
    printf(",%s,,,,,", phash_format_name(r->format));
    out_csv_field(stdout, status);
    putchar('\n');
}

static void print_json(const phash_scan_report *r)
{
    fputs("{\"path\":", stdout);
    out_json_string(stdout, r->path);
    if (r->status == PHASH_OK) {
        printf(",\"format\":\"%s\",\"width\":%u,\"height\":%u,\"channels\":%u,"
               "\"orientation\":%d,\"flags\":%u,\"status\":\"ok\"}\n",
               phash_format_name(r->format), r->width, r->height, r->channels, r->orientation,
               r->image_flags);
        return;
    }
    printf(",\"format\":\"%s\",\"width\":null,\"height\":null,\"channels\":null,"
           "\"orientation\":null,\"flags\":null,\"status\":\"%s\",\"error\":",
           phash_format_name(r->format), status_code(r->status));
    out_json_string(stdout, r->detail);
    fputs("}\n", stdout);
}

typedef struct info_run {
    int json, failed;
} info_run;

static int on_report(void *ctx, const phash_scan_report *r)
{
    info_run *run = ctx;
    run->failed |= r->status != PHASH_OK;
    if (run->json)
        print_json(r);
    else
        print_csv(r);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: phash info [--json] [--apply-orientation] FILE...\n\n"
                 "Decode each file and print path,format,width,height,channels,orientation,status\n"
                 "(CSV with a header), or JSON lines with --json. Exit status 0 when every\n"
                 "file decoded, 2 when any failed.\n");
}

int cmd_decode_info(int argc, char **argv)
{
    static const struct option info_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'j'},
        {"apply-orientation", no_argument, NULL, 'O'},
        {NULL, 0, NULL, 0}};
    int json = 0, orient = 0, first = argc, id;
    const char *v;
    opt_begin();
    while ((id = opt_next(argc, argv, "phash info", "h", info_options, &v, &first)) != -1) {
        if (id == 'h') {
            usage(stdout);
            return 0;
        }
        if (id == OPT_BAD) {
            usage(stderr);
            return EXIT_ERROR;
        }
        json |= id == 'j';
        orient |= id == 'O';
    }
    if (first >= argc) {
        usage(stderr);
        return EXIT_ERROR;
    }
    /* The scanner in decode-only mode: each file read once, given to the
     * decoder whatever it is, no hash computed. */
    phash_scanner *sc = NULL;
    phash_status st = phash_scanner_new(&sc);
    if (st == PHASH_OK)
        st = phash_scanner_set_algorithms(sc, "none");
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_DECODE_ALL, 1);
    if (st == PHASH_OK)
        st = phash_scanner_set_option(sc, PHASH_SCAN_OPT_APPLY_ORIENTATION, orient);
    if (st != PHASH_OK) {
        fprintf(stderr, "phash info: %s\n", sc ? phash_scanner_last_error(sc) : phash_strerror(st));
        phash_scanner_free(sc);
        return EXIT_ERROR;
    }
    if (!json)
        puts("path,format,width,height,channels,orientation,status");
    info_run run = {json, 0};
    for (int i = first; i < argc; i++) {
        st = phash_scanner_scan_file(sc, argv[i], on_report, &run);
        if (st != PHASH_OK) {
            fprintf(stderr, "phash info: %s: %s\n", argv[i], phash_scanner_last_error(sc));
            run.failed = 1;
        }
    }
    phash_scanner_free(sc);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "phash info: cannot write the output\n");
        return EXIT_ERROR;
    }
    return run.failed ? EXIT_ERROR : 0;
}
