/* SPDX-License-Identifier: MIT */
/* Video internals shared by lib/video/ (demux.c: input and demuxer set-up;
 * vpdq.c: decoding, sampling, hashing, the public API). */
#ifndef PHASH_LIB_VIDEO_INT_H
#define PHASH_LIB_VIDEO_INT_H

#include <libavformat/avformat.h>

#include "internal.h"
#include "platform/platform.h"
#include "phash/video.h"

/* Where the bytes come from: a file descriptor or a caller's buffer. */
typedef struct ph_video_src {
    ph_file *file;      /* NULL for memory */
    const uint8_t *mem; /* memory input */
    int64_t size;
    int64_t pos;
} ph_video_src;

/* An opened demuxer over our own I/O (never FFmpeg's protocols). */
typedef struct ph_demux {
    ph_video_src src;
    AVIOContext *pb;
    AVFormatContext *fmt;
} ph_demux;

/* Open src (already set up in d->src) with the listed demuxers only, read
 * the stream info. interrupt (may be NULL) is FFmpeg's interrupt callback:
 * nonzero stops blocking work (the CPU budget). On error d is closed and
 * err says why. */
phash_status ph_demux_open(ph_demux *d, int (*interrupt)(void *), void *user, ph_error *err);
void ph_demux_close(ph_demux *d);

/* FFmpeg error code as text (static buffer per call site is not needed:
 * writes into buf). */
const char *ph_av_err(int code, char *buf, size_t cap);
/* The decoders phash opens, comma-separated (demux.c), and whether name
 * (an AVCodec's name) is one of them. */
extern const char ph_video_decoder_whitelist[];
int ph_video_decoder_allowed(const char *name);

#endif
