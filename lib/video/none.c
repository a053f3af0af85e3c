/* SPDX-License-Identifier: MIT */
/* A build without FFmpeg (meson -Dvideo=disabled, or the libraries not
 * found): the video API exists and says so with PHASH_ERR_UNSUPPORTED. */
#include "internal.h"
#include "phash/video.h"

static const char no_video[] = "video: this build of phash has no video support (built without FFmpeg)";

int phash_video_supported(void) { return 0; }

phash_status phash_video_hasher_new(phash_video_hasher **out)
{
    if (out)
        *out = NULL;
    return out ? PHASH_ERR_UNSUPPORTED : PHASH_ERR_INVALID_ARG;
}

void phash_video_hasher_free(phash_video_hasher *h) { (void)h; }

phash_status phash_video_hasher_set_option(phash_video_hasher *h, phash_video_opt opt, double value)
{
    (void)h, (void)opt, (void)value;
    return PHASH_ERR_UNSUPPORTED;
}

phash_status phash_video_hasher_get_option(const phash_video_hasher *h, phash_video_opt opt,
                                           double *value)
{
    (void)h, (void)opt, (void)value;
    return PHASH_ERR_UNSUPPORTED;
}

phash_status phash_vpdq_hash_file_each(phash_video_hasher *h, const char *path,
                                       phash_vpdq_frame_fn fn, void *user, phash_video_info *info)
{
    (void)h, (void)path, (void)fn, (void)user, (void)info;
    return PHASH_ERR_UNSUPPORTED;
}

phash_status phash_vpdq_hash_memory_each(phash_video_hasher *h, const void *data, size_t len,
                                         phash_vpdq_frame_fn fn, void *user,
                                         phash_video_info *info)
{
    (void)h, (void)data, (void)len, (void)fn, (void)user, (void)info;
    return PHASH_ERR_UNSUPPORTED;
}

phash_status phash_vpdq_hash_file(phash_video_hasher *h, const char *path,
                                  phash_vpdq_frame **frames, size_t *count, phash_video_info *info)
{
    (void)h, (void)path, (void)frames, (void)count, (void)info;
    return PHASH_ERR_UNSUPPORTED;
}

phash_status phash_vpdq_hash_memory(phash_video_hasher *h, const void *data, size_t len,
                                    phash_vpdq_frame **frames, size_t *count,
                                    phash_video_info *info)
{
    (void)h, (void)data, (void)len, (void)frames, (void)count, (void)info;
    return PHASH_ERR_UNSUPPORTED;
}

const char *phash_video_hasher_last_error(const phash_video_hasher *h)
{
    (void)h;
    return no_video;
}
