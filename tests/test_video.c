/* SPDX-License-Identifier: MIT */
/*
 * vPDQ (include/phash/video.h) against ../shared/testdata/vpdq:
 * - expected/debian12/: the reference CLI built on Debian 12's FFmpeg 5.1,
 *   every file reproduced byte for byte (every frame, -s 128, -r 1);
 * - expected/upstream/: upstream's sample hashes (another FFmpeg build):
 *   upstream's own criterion (same frames, distance < 31 where both
 *   qualities are >= 50) and the exact-frame counts PROVENANCE.md records;
 * - the end-of-stream quirk, memory input, limits, options, hostile input.
 * Decoding every frame of 11 videos 3 times takes tens of CPU seconds, so
 * this program is in suite 'video' (not 'c': too slow under valgrind); the
 * demux+decode path runs under valgrind through fuzz-video's corpus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phash/phash.h"
#include "testutil.h"

typedef struct sample {
    const char *name;
    unsigned frames;
    unsigned exact_full, exact_128; /* PROVENANCE.md section 4; ~0u: no upstream file */
} sample;

static const sample samples[] = {
    {"chair-19-sd-bar", 564, 270, 131},
    {"chair-20-sd-bar", 614, 273, 131},
    {"chair-22-sd-grey-bar", 673, 298, 151},
    {"chair-22-with-large-logo-bar", 673, 392, 147},
    {"chair-22-with-small-logo-bar", 673, 305, 80},
    {"chair-orig-22-sd-bar", 673, 276, 134},
    {"pattern-hd-no-bar", 206, 121, 27},
    {"pattern-longer-no-bar", 235, 131, 24},
    {"pattern-sd-grey-bar", 206, 178, 26},
    {"pattern-sd-with-small-logo-bar", 206, 128, 9},
    {"test-padded-dimensions", 150, 150, ~0u},
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static phash_video_hasher *hasher(double seconds_per_hash, double downsample)
{
    phash_video_hasher *h = NULL;
    ck_assert_int_eq(phash_video_hasher_new(&h), PHASH_OK);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_SECONDS_PER_HASH,
                                                   seconds_per_hash), PHASH_OK);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DOWNSAMPLE, downsample),
                     PHASH_OK);
    return h;
}

static char *video_path(const char *name, const char *ext)
{
    char rel[256];
    snprintf(rel, sizeof rel, "testdata/vpdq/videos/%s%s", name, ext);
    return strdup(shared_path(rel));
}

/* The frames as the reference CLI's text. */
static char *as_text(const phash_vpdq_frame *f, size_t n)
{
    char *out = malloc(n * 100 + 1);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += phash_vpdq_format_line(&f[i], out + len, 100);
    return out;
}

static phash_vpdq_frame *hash_sample(const char *name, double sph, double ds, size_t *n,
                                     phash_video_info *info)
{
    phash_video_hasher *h = hasher(sph, ds);
    char *path = video_path(name, ".mp4");
    phash_vpdq_frame *f = NULL;
    phash_status st = phash_vpdq_hash_file(h, path, &f, n, info);
    ck_assert_msg(st == PHASH_OK, "%s: %s", path, phash_video_hasher_last_error(h));
    free(path);
    phash_video_hasher_free(h);
    return f;
}

static void expect_text(const char *name, const char *suffix, const char *got);

/* The frames equal expected/debian12/NAME SUFFIX.txt byte for byte. */
static void expect_debian(const char *name, const char *suffix, const phash_vpdq_frame *f,
                          size_t n)
{
    char *text = as_text(f, n);
    char debian[128];
    snprintf(debian, sizeof debian, "debian12/%s", name);
    expect_text(debian, suffix, text);
    free(text);
}

static void expect_text(const char *name, const char *suffix, const char *got)
{
    char rel[256];
    size_t len;
    snprintf(rel, sizeof rel, "testdata/vpdq/expected/%s%s.txt", name, suffix);
    char *want = read_all(shared_path(rel), &len);
    ck_assert_msg(want != NULL, "cannot read %s", rel);
    ck_assert_msg(strcmp(got, want) == 0, "%s differs from the reference", rel);
    free(want);
}

/* Upstream's criterion (vpdq/python/tests/test_vpdq_hash.py): the same
 * frames in the same order, and distance < 31 wherever both qualities are
 * >= 50. Returns the number of bit-exact frames. */
static unsigned check_upstream(const char *name, const char *suffix, const phash_vpdq_frame *f,
                               size_t n)
{
    char rel[256];
    size_t len;
    snprintf(rel, sizeof rel, "testdata/vpdq/expected/upstream/%s%s.txt", name, suffix);
    char *text = read_all(shared_path(rel), &len);
    ck_assert_msg(text != NULL, "cannot read %s", rel);
    unsigned exact = 0, maxd = 0;
    size_t i = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), i++) {
        unsigned number;
        int quality;
        char hex[65], ts[32];
        ck_assert_int_eq(sscanf(line, "%u,%d,%64[0-9a-f],%31s", &number, &quality, hex, ts), 4);
        ck_assert_msg(i < n, "%s: more frames upstream", rel);
        phash_pdq_code code;
        ck_assert_int_eq(phash_pdq_from_hex(hex, 64, &code, NULL), PHASH_OK);
        ck_assert_uint_eq(f[i].frame_number, number);
        char mine[32];
        snprintf(mine, sizeof mine, "%.3f", f[i].timestamp);
        ck_assert_str_eq(mine, ts);
        unsigned d = phash_pdq_distance(&code, &f[i].hash);
        if (quality >= 50 && f[i].quality >= 50) {
            ck_assert_msg(d < 31, "%s frame %u: distance %u", rel, number, d);
            if (d > maxd)
                maxd = d;
        }
        exact += d == 0;
    }
    ck_assert_uint_eq(i, n);
    printf("%-44s %4zu frames, %4u exact (%5.1f%%), max distance %u\n", rel, n, exact,
           100.0 * exact / (double)n, maxd);
    free(text);
    return exact;
}

/* Every frame at full size: debian12 byte for byte, upstream within
 * tolerance with the recorded number of exact frames. */
START_TEST(every_frame)
{
    const sample *s = &samples[_i];
    size_t n;
    phash_video_info info;
    phash_vpdq_frame *f = hash_sample(s->name, 0, 0, &n, &info);
    ck_assert_uint_eq(n, s->frames);
    ck_assert_uint_eq(info.frames_decoded, s->frames);
    ck_assert_uint_eq(info.frames_hashed, s->frames);
    ck_assert_uint_eq(info.frame_mod, 1);
    ck_assert(info.frame_rate == 30.0);
    ck_assert_int_eq(info.stream_index, 0);
    ck_assert_int_eq(info.drained, 1);
    ck_assert_int_eq(info.read_error, 0);
    ck_assert_str_eq(info.codec, "h264");
    ck_assert_uint_eq(info.hash_width, info.width);
    expect_debian(s->name, "", f, n);
    ck_assert_uint_eq(check_upstream(s->name, "", f, n), s->exact_full);
    phash_free(f);
}
END_TEST

START_TEST(downsample_128)
{
    const sample *s = &samples[_i];
    size_t n;
    phash_video_info info;
    phash_vpdq_frame *f = hash_sample(s->name, 0, 128, &n, &info);
    ck_assert_uint_eq(n, s->frames);
    ck_assert_uint_eq(info.hash_width, 128);
    ck_assert_uint_eq(info.hash_height, 128);
    expect_debian(s->name, "-128x128", f, n);
    if (s->exact_128 != ~0u)
        ck_assert_uint_eq(check_upstream(s->name, "-128x128", f, n), s->exact_128);
    phash_free(f);
}
END_TEST

/* One hash per second (the Python binding's and HMA's default). */
START_TEST(one_per_second)
{
    const sample *s = &samples[_i];
    size_t n;
    phash_video_info info;
    phash_vpdq_frame *f = hash_sample(s->name, 1.0, 0, &n, &info);
    ck_assert_uint_eq(info.frame_mod, 30);
    ck_assert_uint_eq(info.frames_decoded, s->frames);
    ck_assert_uint_eq(n, (s->frames + 29) / 30);
    expect_debian(s->name, "-r1", f, n);
    phash_free(f);
}
END_TEST

/* The defaults are 1 s per hash and the stream size. */
START_TEST(defaults)
{
    phash_video_hasher *h = NULL;
    ck_assert_int_eq(phash_video_supported(), 1);
    ck_assert_int_eq(phash_video_hasher_new(&h), PHASH_OK);
    double v;
    ck_assert_int_eq(phash_video_hasher_get_option(h, PHASH_VIDEO_OPT_SECONDS_PER_HASH, &v),
                     PHASH_OK);
    ck_assert(v == 1.0);
    ck_assert_int_eq(phash_video_hasher_get_option(h, PHASH_VIDEO_OPT_THREADS, &v), PHASH_OK);
    ck_assert(v == 1.0);
    /* Out of range values are refused and leave the option unchanged. */
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_SECONDS_PER_HASH, -1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DOWNSAMPLE, 4),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DOWNSAMPLE, 12.5),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DRAIN, 2),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_hasher_set_option(h, (phash_video_opt)99, 1),
                     PHASH_ERR_INVALID_ARG);
    ck_assert_int_eq(phash_video_hasher_get_option(h, PHASH_VIDEO_OPT_DOWNSAMPLE, &v), PHASH_OK);
    ck_assert(v == 0);
    char *path = video_path("test-padded-dimensions", ".mp4");
    phash_vpdq_frame *f;
    size_t n;
    phash_video_info info;
    ck_assert_int_eq(phash_vpdq_hash_file(h, path, &f, &n, &info), PHASH_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_uint_eq(f[4].frame_number, 120);
    ck_assert(f[4].timestamp == 4.0);
    phash_free(f);
    free(path);
    phash_video_hasher_free(h);
}
END_TEST

/* Memory input gives the file's hashes. */
START_TEST(memory_equals_file)
{
    char *path = video_path("test-padded-dimensions", ".mp4");
    size_t len;
    char *data = read_all(path, &len);
    ck_assert_ptr_nonnull(data);
    phash_video_hasher *h = hasher(0, 0);
    phash_vpdq_frame *f;
    size_t n;
    ck_assert_int_eq(phash_vpdq_hash_memory(h, data, len, &f, &n, NULL), PHASH_OK);
    char *text = as_text(f, n);
    expect_text("debian12/test-padded-dimensions", "", text);
    free(text);
    phash_free(f);
    phash_video_hasher_free(h);
    free(data);
    free(path);
}
END_TEST

/* The video as stream 1 behind an audio stream (tests/data/video/
 * audio-first.mp4: test-padded-dimensions remuxed by ffmpeg with silent AAC
 * first). The reference drains the decoder only for stream 0, so it loses
 * the 2 frames H.264 High holds back; DRAIN_ALL gets them. */
START_TEST(drain_quirk)
{
    const char *path = source_path("tests/data/video/audio-first.mp4");
    phash_video_hasher *h = hasher(0, 0);
    phash_vpdq_frame *f;
    size_t n;
    phash_video_info info;
    ck_assert_int_eq(phash_vpdq_hash_file(h, path, &f, &n, &info), PHASH_OK);
    ck_assert_int_eq(info.stream_index, 1);
    ck_assert_int_eq(info.drained, 0);
    ck_assert_uint_eq(n, 148);
    char *text = as_text(f, n);
    phash_free(f);
    size_t len;
    char *want = read_all(shared_path("testdata/vpdq/expected/debian12/test-padded-dimensions.txt"),
                          &len);
    /* The first 148 lines are the reference's lines for the same frames. */
    ck_assert_int_eq(strncmp(text, want, strlen(text)), 0);
    free(text);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DRAIN, PHASH_VIDEO_DRAIN_ALL),
                     PHASH_OK);
    ck_assert_int_eq(phash_vpdq_hash_file(h, path, &f, &n, &info), PHASH_OK);
    ck_assert_int_eq(info.drained, 1);
    text = as_text(f, n);
    ck_assert_str_eq(text, want);
    free(text);
    free(want);
    phash_free(f);
    phash_video_hasher_free(h);
}
END_TEST

static int stop_at_3(void *user, const phash_vpdq_frame *f)
{
    (*(int *)user)++;
    return f->frame_number == 3;
}

START_TEST(callback_stops)
{
    const char *path = video_path("test-padded-dimensions", ".mp4");
    phash_video_hasher *h = hasher(0, 0);
    int calls = 0;
    ck_assert_int_eq(phash_vpdq_hash_file_each(h, path, stop_at_3, &calls, NULL),
                     PHASH_ERR_CANCELLED);
    ck_assert_int_eq(calls, 4);
    free((void *)path);
    phash_video_hasher_free(h);
}
END_TEST

static phash_status hash_with(phash_video_opt opt, double value, const char *path,
                              phash_video_info *info)
{
    phash_video_hasher *h = hasher(0, 0);
    ck_assert_int_eq(phash_video_hasher_set_option(h, opt, value), PHASH_OK);
    phash_vpdq_frame *f = NULL;
    size_t n = 0;
    phash_status st = phash_vpdq_hash_file(h, path, &f, &n, info);
    if (st != PHASH_OK)
        ck_assert_ptr_null(f);
    ck_assert(strlen(phash_video_hasher_last_error(h)) > 0);
    phash_free(f);
    phash_video_hasher_free(h);
    return st;
}

START_TEST(limits)
{
    char *path = video_path("test-padded-dimensions", ".mp4");
    phash_video_info info;
    /* 150 frames of 1080x1080, 5 s. */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_FRAMES, 149, path, &info), PHASH_ERR_TOO_LARGE);
    ck_assert_uint_eq(info.frames_decoded, 150); /* the 150th tripped it */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_FRAMES, 150, path, &info), PHASH_OK);
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_PIXELS, 1080 * 1079, path, &info),
                     PHASH_ERR_TOO_LARGE);
    ck_assert_uint_eq(info.frames_decoded, 0); /* refused before decoding */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_DURATION, 4, path, &info), PHASH_ERR_TOO_LARGE);
    ck_assert_uint_eq(info.frames_decoded, 0); /* the container says 5 s */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_WORK, 1080.0 * 1080 * 10, path, &info),
                     PHASH_ERR_BUDGET);
    ck_assert_uint_eq(info.frames_decoded, 11);
    /* A CPU budget no decode fits in. */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_MAX_CPU_SECONDS, 1e-9, path, &info),
                     PHASH_ERR_BUDGET);
    free(path);
}
END_TEST

static phash_status hash_bytes(const void *data, size_t len, size_t *n)
{
    phash_video_hasher *h = hasher(0, 0);
    phash_vpdq_frame *f = NULL;
    *n = 0;
    phash_status st = phash_vpdq_hash_memory(h, data, len, &f, n, NULL);
    phash_free(f);
    phash_video_hasher_free(h);
    return st;
}

START_TEST(hostile)
{
    size_t n;
    /* Audio only; an image; nothing; text. */
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_THREADS, 1,
                               source_path("tests/data/video/audio-only.m4a"), NULL),
                     PHASH_ERR_NOT_IMAGE);
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0";
    ck_assert_int_eq(hash_bytes(png, sizeof png - 1, &n), PHASH_ERR_NOT_IMAGE);
    ck_assert_int_eq(hash_bytes("", 0, &n), PHASH_ERR_NOT_IMAGE);
    ck_assert_int_eq(hash_bytes("hello, world\n", 13, &n), PHASH_ERR_NOT_IMAGE);
    /* An M3U playlist naming a local file is not followed (no HLS demuxer,
     * no nested opens). */
    static const char m3u[] = "#EXTM3U\n#EXTINF:10,\n/etc/passwd\n";
    ck_assert_int_eq(hash_bytes(m3u, sizeof m3u - 1, &n), PHASH_ERR_NOT_IMAGE);
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_THREADS, 1, "/nonexistent/video.mp4", NULL),
                     PHASH_ERR_IO);
    ck_assert_int_eq(hash_with(PHASH_VIDEO_OPT_THREADS, 1, "/", NULL), PHASH_ERR_NOT_REGULAR);

    /* Truncations of a sample whose index is at the start: the frames up to
     * the cut are hashed; the first bytes alone are refused. */
    char *path = video_path("pattern-sd-grey-bar", ".mp4");
    size_t len;
    char *data = read_all(path, &len);
    ck_assert_ptr_nonnull(data);
    size_t prev = 0;
    for (size_t cut = len / 8; cut < len; cut += len / 8) {
        phash_status st = hash_bytes(data, cut, &n);
        ck_assert_msg(st == PHASH_OK || st == PHASH_ERR_CORRUPT || st == PHASH_ERR_TRUNCATED ||
                          st == PHASH_ERR_NOT_IMAGE,
                      "cut %zu: %s", cut, phash_status_name(st));
        if (st == PHASH_OK) {
            ck_assert_uint_ge(n, prev);
            ck_assert_uint_le(n, 206);
            prev = n;
        }
    }
    ck_assert_int_ne(hash_bytes(data, 64, &n), PHASH_OK);
    /* Byte flips through the file: a status, never a crash (and ASan/UBSan
     * in CI check the rest). */
    for (size_t at = 40; at < len; at += len / 16) {
        char saved = data[at];
        data[at] = (char)~saved;
        phash_status st = hash_bytes(data, len, &n);
        ck_assert_int_ge(st, 0);
        ck_assert_int_lt(st, PHASH_STATUS_COUNT);
        data[at] = saved;
    }
    free(data);
    free(path);
}
END_TEST

/* One small file per container and codec (tests/data/video/README.md): the
 * sniffer names the container, every frame is decoded and hashed, and each
 * frame is within matching distance of the lossless (FFV1) copy's. */
static const struct {
    const char *file;
    phash_format format;
    const char *codec;
} tiny[] = {
    {"tiny-ffv1.mkv", PHASH_FORMAT_MATROSKA, "ffv1"},
    {"tiny-h264.mp4", PHASH_FORMAT_MP4, "h264"},
    {"tiny-mjpeg.mov", PHASH_FORMAT_MP4, "mjpeg"},
    {"tiny-vp9.webm", PHASH_FORMAT_MATROSKA, "vp9"},
    {"tiny-mpeg4.avi", PHASH_FORMAT_AVI, "mpeg4"},
    {"tiny-mpeg2.ts", PHASH_FORMAT_MPEGTS, "mpeg2video"},
    {"tiny-flv1.flv", PHASH_FORMAT_FLV, "flv"},
    {"tiny-mpeg1.mpg", PHASH_FORMAT_MPEGPS, "mpeg1video"},
    {"tiny-wmv2.wmv", PHASH_FORMAT_ASF, "wmv2"},
    {"tiny-anim.gif", PHASH_FORMAT_GIF, "gif"},
};

static phash_vpdq_frame *hash_tiny(size_t i, size_t *n, phash_video_info *info)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/data/video/%s", tiny[i].file);
    size_t len;
    char *data = read_all(source_path(rel), &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(phash_sniff(data, len), tiny[i].format);
    /* GIF is sniffed as an image (the image decoders own it); vPDQ takes
     * animated GIFs too. */
    if (tiny[i].format != PHASH_FORMAT_GIF)
        ck_assert_int_eq(phash_format_supported(tiny[i].format), 1);
    phash_video_hasher *h = hasher(0, 0);
    ck_assert_int_eq(phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_DRAIN, PHASH_VIDEO_DRAIN_ALL),
                     PHASH_OK);
    phash_vpdq_frame *f;
    ck_assert_int_eq(phash_vpdq_hash_memory(h, data, len, &f, n, info), PHASH_OK);
    phash_video_hasher_free(h);
    free(data);
    return f;
}

START_TEST(containers)
{
    size_t n;
    phash_video_info info;
    phash_vpdq_frame *lossless = hash_tiny(0, &n, &info);
    ck_assert_uint_eq(n, 10);
    phash_vpdq_frame *f = hash_tiny((size_t)_i, &n, &info);
    ck_assert_str_eq(info.codec, tiny[_i].codec);
    ck_assert_uint_eq(info.width, 64);
    ck_assert_uint_eq(info.height, 48);
    ck_assert_uint_eq(n, 10);
    unsigned maxd = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(f[i].frame_number, i);
        unsigned d = phash_pdq_distance(&f[i].hash, &lossless[i].hash);
        maxd = d > maxd ? d : maxd;
    }
    printf("%-16s max distance to the lossless copy %u\n", tiny[_i].file, maxd);
    ck_assert_uint_le(maxd, 31);
    phash_free(f);
    phash_free(lossless);
}
END_TEST

/* Only the listed video decoders are opened (lib/video/demux.c): a
 * Matroska file whose video is PNG images is refused with a clear status,
 * by the hasher and by the demuxer's probing, which opens no decoder
 * outside the list either (the sample videos with an audio track, whose
 * decoder is not listed, are hashed exactly: every_frame, drain_quirk). */
START_TEST(codec_whitelist)
{
    size_t len, n = 0;
    char *data = read_all(source_path("tests/data/video/tiny-png.mkv"), &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(phash_sniff(data, len), PHASH_FORMAT_MATROSKA);
    phash_video_hasher *h = hasher(0, 0);
    phash_vpdq_frame *f = NULL;
    phash_video_info info;
    ck_assert_int_eq(phash_vpdq_hash_memory(h, data, len, &f, &n, &info), PHASH_ERR_UNSUPPORTED);
    ck_assert_ptr_null(f);
    ck_assert_str_eq(info.codec, "png");
    ck_assert_str_eq(phash_video_hasher_last_error(h),
                     "video: the png codec is not among the video decoders phash uses");
    phash_video_hasher_free(h);
    free(data);
}
END_TEST

START_TEST(format_line)
{
    phash_vpdq_frame f;
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(phash_pdq_from_hex("e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c",
                                        64, &f.hash, NULL), PHASH_OK);
    f.quality = 100;
    f.frame_number = 61;
    f.timestamp = (double)(61.0f / 30.0f);
    char buf[128];
    size_t need = phash_vpdq_format_line(&f, buf, sizeof buf);
    ck_assert_str_eq(buf, "61,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,2.033\n");
    ck_assert_uint_eq(need, strlen(buf));
    ck_assert_uint_eq(phash_vpdq_format_line(&f, buf, 10), need);
    ck_assert_str_eq(buf, "61,100,e2");
}
END_TEST

static Suite *video_suite(void)
{
    Suite *s = suite_create("video");
    TCase *tc = tcase_create("reference");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, every_frame, 0, (int)NSAMPLES);
    tcase_add_loop_test(tc, downsample_128, 0, (int)NSAMPLES);
    tcase_add_loop_test(tc, one_per_second, 0, (int)NSAMPLES);
    suite_add_tcase(s, tc);
    TCase *api = tcase_create("api");
    tcase_set_timeout(api, 300);
    tcase_add_test(api, defaults);
    tcase_add_test(api, memory_equals_file);
    tcase_add_test(api, drain_quirk);
    tcase_add_test(api, callback_stops);
    tcase_add_test(api, limits);
    tcase_add_test(api, hostile);
    tcase_add_test(api, format_line);
    tcase_add_test(api, codec_whitelist);
    tcase_add_loop_test(api, containers, 0, (int)(sizeof tiny / sizeof tiny[0]));
    suite_add_tcase(s, api);
    return s;
}

int main(void)
{
    require_shared("testdata/vpdq"); /* skipped (77) without ../shared, unless CI requires it */
    return run_suite(video_suite());
}
