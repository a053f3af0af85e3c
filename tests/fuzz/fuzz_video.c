/* SPDX-License-Identifier: MIT */
/* Fuzz target for vPDQ's demux + decode + hash path (lib/video/) over a
 * memory buffer, with tight limits so that one input stays cheap: every
 * frame hashed (the conversion and PDQ run on each), at most 64 frames of
 * at most 1920x1088, a decoded-pixel budget and half a CPU second. Any
 * status is fine; crashes, leaks, sanitizer reports, hangs and frames out
 * of order are not. Corpus: tests/fuzz/corpus/video (truncations, byte
 * flips and header lies made from the sample videos by make_video_corpus.py). */
#include <stdint.h>
#include <stdlib.h>

#include "phash/phash.h"

typedef struct seen {
    uint32_t next;
} seen;

static int check_frame(void *user, const phash_vpdq_frame *f)
{
    seen *s = user;
    if (f->frame_number < s->next || f->quality < 0 || f->quality > 100 || !(f->timestamp >= 0))
        __builtin_trap();
    s->next = f->frame_number + 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static phash_video_hasher *h;
    if (!h) {
        if (phash_video_hasher_new(&h) != PHASH_OK ||
            phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_SECONDS_PER_HASH, 0) != PHASH_OK ||
            phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_MAX_FRAMES, 64) != PHASH_OK ||
            phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_MAX_PIXELS, 1920 * 1088) != PHASH_OK ||
            phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_MAX_WORK, 64.0 * 1920 * 1088) != PHASH_OK ||
            phash_video_hasher_set_option(h, PHASH_VIDEO_OPT_MAX_CPU_SECONDS, 0.5) != PHASH_OK)
            abort();
    }
    seen s = {0};
    phash_video_info info;
    phash_status st = phash_vpdq_hash_memory_each(h, data, size, check_frame, &s, &info);
    if ((unsigned)st >= PHASH_STATUS_COUNT || info.frames_hashed > info.frames_decoded)
        __builtin_trap();
    if (phash_video_hasher_last_error(h)[0] == '\0')
        __builtin_trap();
    return 0;
}
