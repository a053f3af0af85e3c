/* SPDX-License-Identifier: MIT */
/* A walk over a JPEG's markers that decodes nothing (lib/decode/jpeg_walk.c),
 * shared by the JPEG decoder and the pHash JPEG fast path. */
#ifndef PHASH_LIB_JPEG_WALK_H
#define PHASH_LIB_JPEG_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jpeglib.h>

/* What the walk found. */
typedef struct ph_jpeg_walk {
    unsigned scans;                /* start-of-scan markers before the end */
    unsigned component_scans[256]; /* scans coding each component id */
    size_t end;                    /* offset just past the end-of-image marker; 0 if none */
} ph_jpeg_walk;

/* Walk the markers of data (from its start-of-image marker) without
 * decoding: scans, the components of each, the end of the image. */
void ph_jpeg_walk_markers(const uint8_t *data, size_t len, ph_jpeg_walk *w);

/* The 8x8 blocks the walked scans would decode (each block of a component
 * once per scan coding that component), from the frame header libjpeg has
 * read (call after jpeg_read_header). */
uint64_t ph_jpeg_scan_blocks(const struct jpeg_decompress_struct *d, const ph_jpeg_walk *w);

/* The blocks of one iMCU row of the scan libjpeg is reading: the work of
 * one call of its progress monitor while it consumes a multi-scan file. */
uint64_t ph_jpeg_row_blocks(const struct jpeg_decompress_struct *d);

#endif
