/* SPDX-License-Identifier: MIT */
/*
 * Video: vPDQ, Meta's video hash (facebook/ThreatExchange vpdq/, 0.2.5): the
 * PDQ hash of sampled frames, each with its frame number, quality and
 * timestamp. Demuxing and decoding use the system's FFmpeg libraries
 * (libavformat, libavcodec, libswscale); a build without them (meson
 * -Dvideo=disabled) keeps these functions, which then return
 * PHASH_ERR_UNSUPPORTED (phash_video_supported() says which build this is).
 *
 * The pipeline is the reference's (vpdq/cpp/vpdq/cpp/hashing/), step for step:
 * - the first video stream of the file; its codec parameters' size;
 * - frame rate = the stream's average frame rate, or its r_frame_rate when
 *   that is 0/x or x/0;
 * - frames are counted as the decoder outputs them (0, 1, 2, ...); frame n
 *   is hashed when n % max(1, (int)(seconds_per_hash * frame_rate)) == 0,
 *   so seconds_per_hash 0 hashes every frame;
 * - a kept frame is converted to RGB24 by swscale with SWS_AREA, at the
 *   stream size or N x N (downsample N, aspect ratio not kept), and hashed
 *   by PDQ from float luma at full resolution (no 512x512 squash, no grey
 *   shortcut);
 * - timestamp = (float)n / (float)frame_rate (not the packet time);
 * - end of stream: the reference drains the decoder's delayed frames only
 *   when the video stream is stream 0 of the file (a side effect of how it
 *   reuses its packet); PHASH_VIDEO_DRAIN_REFERENCE (the default) does the
 *   same, so that hashes of files with audio first match lists made by the
 *   reference; PHASH_VIDEO_DRAIN_ALL always drains (all frames hashed).
 * On Debian 12's FFmpeg 5.1 the output is byte-identical to the reference
 * CLI built against the same libraries (tests/test_video.c). Other FFmpeg
 * builds convert to RGB slightly differently: expect a few bits of
 * distance, not equality, against hashes made elsewhere.
 *
 * Where the reference is undefined (a frame whose size or pixel format
 * differs from the stream's) phash converts the frame as it is, to the same
 * output size. Where the reference fails a whole file, phash fails it too,
 * with a status: no video stream or a zero size (PHASH_ERR_NOT_IMAGE /
 * _CORRUPT), no decoder (_UNSUPPORTED), a zero or negative frame rate
 * (_CORRUPT), a hashing size under 5x5 (_TOO_SMALL), a packet or frame the
 * decoder refuses (_CORRUPT). A file whose demuxing stops at an error after
 * some frames (a truncated download, a damaged tail) is hashed up to there,
 * as the reference does; info.read_error says so. A file that yields no
 * frame at all is PHASH_ERR_CORRUPT (the reference writes an empty list).
 *
 * Limits (options below; checked before the work they bound): duration,
 * frames, pixels per frame, decoded pixels per file (a deterministic work
 * budget: PHASH_ERR_BUDGET) and optionally this thread's CPU seconds per
 * file (PHASH_ERR_BUDGET). Only listed demuxers are used (MP4/MOV,
 * Matroska/WebM, AVI, MPEG-TS, MPEG-PS, FLV, ASF, GIF) and only listed
 * video decoders (H.264, HEVC, MPEG-1/2/4, VP8, VP9, AV1, WMV, VC-1, FLV,
 * H.263, Theora, MJPEG, ProRes, DV, GIF and a few more: lib/video/demux.c),
 * also when the demuxer probes the streams, so no audio, subtitle or image
 * decoder runs on a scanned file; another codec is PHASH_ERR_UNSUPPORTED. A
 * file never opens another file or URL (no references, no playlists).
 *
 * Ownership: frame arrays are allocated by the library; free them with
 * phash_free. Errors: every fallible call returns a phash_status; the
 * hasher keeps the detail (phash_video_hasher_last_error).
 *
 * Thread safety: one phash_video_hasher per thread. FFmpeg's log output is
 * switched off process-wide (av_log_set_level(AV_LOG_QUIET)) when the first
 * video hasher is created, because the library never prints.
 */
#ifndef PHASH_VIDEO_H
#define PHASH_VIDEO_H

#include "phash/phash.h"
#include "phash/codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One hashed frame. */
typedef struct phash_vpdq_frame {
    phash_pdq_code hash;
    int quality;          /* 0..100; matching ignores frames under 50 */
    uint32_t frame_number; /* 0-based, in decoder output order */
    double timestamp;     /* seconds: (float)frame_number / (float)frame_rate */
} phash_vpdq_frame;

/* What was found in the file (filled as far as the work got, also on error). */
typedef struct phash_video_info {
    int stream_index;         /* of the video stream hashed; -1 if none */
    uint32_t width, height;   /* the stream's size */
    uint32_t hash_width, hash_height; /* the size frames are hashed at */
    double frame_rate;        /* as used for sampling and timestamps */
    uint32_t frame_mod;       /* every frame_mod-th frame is hashed */
    double duration;          /* the container's claim in seconds; -1 unknown */
    uint64_t frames_decoded;
    uint64_t frames_hashed;
    int read_error;           /* 1: demuxing ended at an error, not at the end */
    int drained;              /* 1: the decoder's delayed frames were output */
    char container[32];       /* demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
    char codec[32];           /* decoder name, e.g. "h264" */
} phash_video_info;

/* End-of-stream behaviour (PHASH_VIDEO_OPT_DRAIN). */
typedef enum phash_video_drain {
    PHASH_VIDEO_DRAIN_REFERENCE = 0, /* drain only if the video is stream 0 */
    PHASH_VIDEO_DRAIN_ALL = 1        /* always drain: every frame */
} phash_video_drain;

/* Options (phash_video_hasher_set_option). Values are doubles; options that
 * count take whole numbers. A limit of 0 means "no limit". */
typedef enum phash_video_opt {
    /* >= 0; 0 hashes every frame. Default 1.0 (python-threatexchange, HMA
     * and the reference's Python binding; its C++ CLI defaults to 0). */
    PHASH_VIDEO_OPT_SECONDS_PER_HASH = 1,
    /* N > 0: frames are scaled to N x N before hashing; 0 (default): the
     * stream's size. 5..65536. */
    PHASH_VIDEO_OPT_DOWNSAMPLE = 2,
    /* Decoder slice threads: default 1 (the caller's thread only); 0 lets
     * FFmpeg choose (the reference); at most 64. Output is the same. */
    PHASH_VIDEO_OPT_THREADS = 3,
    /* phash_video_drain; default PHASH_VIDEO_DRAIN_REFERENCE. */
    PHASH_VIDEO_OPT_DRAIN = 4,
    /* Seconds of video (the container's claim, then the frames' own count):
     * PHASH_ERR_TOO_LARGE beyond. Default 21600 (6 hours). */
    PHASH_VIDEO_OPT_MAX_DURATION = 5,
    /* Decoded frames: PHASH_ERR_TOO_LARGE beyond. Default 1,000,000. */
    PHASH_VIDEO_OPT_MAX_FRAMES = 6,
    /* Pixels of one frame (the stream's and every decoded frame's):
     * PHASH_ERR_TOO_LARGE beyond. Default 67,108,864 (8192 x 8192). */
    PHASH_VIDEO_OPT_MAX_PIXELS = 7,
    /* Decoded pixels summed over the file: PHASH_ERR_BUDGET beyond.
     * Default 2^40 (about 6 hours of 1080p at 30 fps). */
    PHASH_VIDEO_OPT_MAX_WORK = 8,
    /* CPU seconds of the calling thread per file: PHASH_ERR_BUDGET beyond.
     * Default 0 (off). */
    PHASH_VIDEO_OPT_MAX_CPU_SECONDS = 9
} phash_video_opt;

typedef struct phash_video_hasher phash_video_hasher;

/* 1 if this build hashes videos (built with FFmpeg), else 0. */
PHASH_API int phash_video_supported(void);

/* A hasher with the default options. *out is NULL on failure
 * (PHASH_ERR_NOMEM, PHASH_ERR_UNSUPPORTED without video support). */
PHASH_API PHASH_NODISCARD phash_status phash_video_hasher_new(phash_video_hasher **out);
PHASH_API void phash_video_hasher_free(phash_video_hasher *h);

/* Set / read one option. PHASH_ERR_INVALID_ARG for an unknown option or a
 * value out of its range (the option keeps its value). */
PHASH_API PHASH_NODISCARD phash_status phash_video_hasher_set_option(phash_video_hasher *h,
                                                                     phash_video_opt opt,
                                                                     double value);
PHASH_API PHASH_NODISCARD phash_status phash_video_hasher_get_option(const phash_video_hasher *h,
                                                                     phash_video_opt opt,
                                                                     double *value);

/* Called for each hashed frame, in frame order; return 0 to go on, anything
 * else to stop (the hash call then returns PHASH_ERR_CANCELLED). */
typedef int (*phash_vpdq_frame_fn)(void *user, const phash_vpdq_frame *frame);

/* Hash a video file (path) or a video in memory (data, len; not copied,
 * read during the call only), calling fn for each hashed frame. info (may
 * be NULL) is filled as far as the work got, also on error. */
PHASH_API PHASH_NODISCARD phash_status phash_vpdq_hash_file_each(phash_video_hasher *h,
                                                                 const char *path,
                                                                 phash_vpdq_frame_fn fn,
                                                                 void *user,
                                                                 phash_video_info *info);
PHASH_API PHASH_NODISCARD phash_status phash_vpdq_hash_memory_each(phash_video_hasher *h,
                                                                   const void *data, size_t len,
                                                                   phash_vpdq_frame_fn fn,
                                                                   void *user,
                                                                   phash_video_info *info);

/* The same, collecting the frames: *frames (free with phash_free) and
 * *count are set on success only. */
PHASH_API PHASH_NODISCARD phash_status phash_vpdq_hash_file(phash_video_hasher *h,
                                                            const char *path,
                                                            phash_vpdq_frame **frames,
                                                            size_t *count,
                                                            phash_video_info *info);
PHASH_API PHASH_NODISCARD phash_status phash_vpdq_hash_memory(phash_video_hasher *h,
                                                              const void *data, size_t len,
                                                              phash_vpdq_frame **frames,
                                                              size_t *count,
                                                              phash_video_info *info);

/* Detail of the hasher's last error; valid until the next call on h; never
 * NULL. */
PHASH_API const char *phash_video_hasher_last_error(const phash_video_hasher *h);

/* ---- text forms --------------------------------------------------------- */

/* The reference CLI's line (vpdq-hash-video output, one per frame):
 * "frameNumber,quality,pdqhex,timestamp\n", timestamp with 3 decimals, e.g.
 * "0,100,e271...055c,0.000\n". Writes at most cap bytes including the NUL;
 * returns the length the full line needs (without the NUL), like snprintf. */
PHASH_API size_t phash_vpdq_format_line(const phash_vpdq_frame *frame, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_VIDEO_H */
