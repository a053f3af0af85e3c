/* SPDX-License-Identifier: MIT */
/* vPDQ text forms (no FFmpeg needed: built in every configuration). */
#include <stdio.h>

#include "phash/video.h"

/* The reference CLI writes frameNumber, quality, Hash256::format() and the
 * timestamp with std::fixed and setprecision(3): the same as "%.3f". */
size_t phash_vpdq_format_line(const phash_vpdq_frame *frame, char *buf, size_t cap)
{
    char hex[65];
    if (!frame) {
        if (buf && cap)
            buf[0] = '\0';
        return 0;
    }
    phash_pdq_to_hex(&frame->hash, hex);
    int n = snprintf(buf, buf ? cap : 0, "%u,%d,%s,%.3f\n", (unsigned)frame->frame_number,
                     frame->quality, hex, frame->timestamp);
    return n < 0 ? 0 : (size_t)n;
}
