/* SPDX-License-Identifier: MIT */
/* phash info [--json] [--apply-orientation] FILE...
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
    default: return "error";
    }
}

/* The format the file's first bytes announce (for rows of failed files). */
static phash_format sniff_file(const char *path)
{
    unsigned char head[32];
    FILE *f = fopen(path, "rb");
    if (!f)
        return PHASH_FORMAT_UNKNOWN;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return phash_sniff(head, n);
}

static void print_csv(const char *path, phash_status st, const phash_image *img,
                      const char *detail)
{
    out_csv_field(stdout, path);
    if (st == PHASH_OK) {
        printf(",%s,%u,%u,%u,%d,ok\n", phash_format_name(phash_image_format(img)),
               phash_image_width(img), phash_image_height(img), phash_image_channels(img),
               phash_image_orientation(img));
        return;
    }
    char status[512];
    snprintf(status, sizeof status, "%s: %s", status_code(st), detail);
    printf(",%s,,,,,", phash_format_name(sniff_file(path)));
    out_csv_field(stdout, status);
    putchar('\n');
}

static void print_json(const char *path, phash_status st, const phash_image *img,
                       const char *detail)
{
    fputs("{\"path\":", stdout);
    out_json_string(stdout, path);
    if (st == PHASH_OK) {
        printf(",\"format\":\"%s\",\"width\":%u,\"height\":%u,\"channels\":%u,"
               "\"orientation\":%d,\"flags\":%u,\"status\":\"ok\"}\n",
               phash_format_name(phash_image_format(img)), phash_image_width(img),
               phash_image_height(img), phash_image_channels(img), phash_image_orientation(img),
               phash_image_flags(img));
        return;
    }
    printf(",\"format\":\"%s\",\"width\":null,\"height\":null,\"channels\":null,"
           "\"orientation\":null,\"flags\":null,\"status\":\"%s\",\"error\":",
           phash_format_name(sniff_file(path)), status_code(st));
    out_json_string(stdout, detail);
    fputs("}\n", stdout);
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
    int json = 0, orient = 0, first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (!strcmp(argv[first], "--json")) {
            json = 1;
        } else if (!strcmp(argv[first], "--apply-orientation")) {
            orient = 1;
        } else if (!strcmp(argv[first], "--")) {
            first++;
            break;
        } else if (!strcmp(argv[first], "-h") || !strcmp(argv[first], "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "phash info: unknown option '%s'\n", argv[first]);
            usage(stderr);
            return EXIT_ERROR;
        }
    }
    if (first >= argc) {
        usage(stderr);
        return EXIT_ERROR;
    }
    phash_decoder *dec = phash_decoder_new();
    if (!dec || phash_decoder_set_option(dec, PHASH_DECODE_APPLY_ORIENTATION, orient)) {
        fprintf(stderr, "phash info: out of memory\n");
        phash_decoder_free(dec);
        return EXIT_ERROR;
    }
    if (!json)
        puts("path,format,width,height,channels,orientation,status");
    int failed = 0;
    for (int i = first; i < argc; i++) {
        const phash_image *img = NULL;
        phash_status st = phash_decode_file(dec, argv[i], &img);
        const char *detail = phash_decoder_last_error(dec);
        failed |= st != PHASH_OK;
        if (json)
            print_json(argv[i], st, img, detail);
        else
            print_csv(argv[i], st, img, detail);
    }
    phash_decoder_free(dec);
    return failed ? EXIT_ERROR : 0;
}
