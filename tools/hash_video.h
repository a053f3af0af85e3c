/* SPDX-License-Identifier: MIT */
/* phash hash --algo vpdq (tools/hash_video.c): videos have their own path. */
#ifndef PHASH_TOOLS_HASH_VIDEO_H
#define PHASH_TOOLS_HASH_VIDEO_H

/* 1 if the command line asks for --algo vpdq (alone). */
int hash_video_is_vpdq(int argc, char **argv);
/* Run phash hash for vPDQ; returns the exit status. */
int hash_video_main(int argc, char **argv);

#endif
