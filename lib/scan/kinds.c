/* SPDX-License-Identifier: MIT */
/* The media-kind table: what the scanner does with each kind of file after
 * sniffing. A new kind (video, container, digests of any file) is one file
 * with its process function plus one row here. Kinds without a row are
 * reported as they are, with nothing computed. */
#include "scan_int.h"

static const ph_scan_kind kinds[] = {
    {PHASH_MEDIA_IMAGE, ph_scan_image},
    {PHASH_MEDIA_CONTAINER, ph_scan_container},
    {PHASH_MEDIA_VIDEO, ph_scan_video},
};

const ph_scan_kind *ph_scan_kind_for(phash_media_kind kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == kind)
            return &kinds[i];
    return NULL;
}
