/* SPDX-License-Identifier: MIT */
/*
 * Video input: the bytes reach libavformat through our own AVIOContext (a
 * file descriptor read with pread, or a caller's buffer), never through
 * FFmpeg's protocols, and only listed demuxers may claim them. So a hostile
 * file cannot make the library open another file or URL (playlists, MOV
 * data references, concat lists), and formats that are not videos (images,
 * raw elementary streams, text subtitles) are not demuxed at all.
 */
#include <errno.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/mem.h>

#include "video_int.h"

/* Demuxers allowed, by the names libavformat gives them (a demuxer whose
 * comma-separated name shares one entry is allowed). */
static const char demuxer_whitelist[] = "mov,matroska,avi,mpegts,mpeg,flv,asf,gif";

/* Decoders allowed (libavcodec's names): the video codecs found in those
 * containers. Neither the demuxer's probing (avformat_find_stream_info
 * decodes a few frames of every stream) nor the hasher opens any other, so
 * the audio, subtitle and image decoders (and rare video ones) are no attack
 * surface here. */
const char ph_video_decoder_whitelist[] =
    "h264,hevc,mpeg4,msmpeg4v1,msmpeg4v2,msmpeg4,mpeg1video,mpeg2video,mpegvideo,mjpeg,vp8,"
    "vp9,libdav1d,av1,wmv1,wmv2,wmv3,vc1,flv,h263,h263p,h263i,theora,gif,vp6,vp6f,vp6a,"
    "prores,dvvideo,rv10,rv20,rv30,rv40,svq1,svq3,cinepak,qtrle,rawvideo,huffyuv,ffvhuff,"
    "ffv1";

#define IO_BUFFER 65536

int ph_video_decoder_allowed(const char *name)
{
    size_t n = strlen(name);
    for (const char *p = ph_video_decoder_whitelist;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !memcmp(p, name, n))
            return 1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

const char *ph_av_err(int code, char *buf, size_t cap)
{
    if (av_strerror(code, buf, cap) < 0)
        snprintf(buf, cap, "error %d", code);
    return buf;
}

static int src_read(void *opaque, uint8_t *buf, int size)
{
    ph_video_src *s = opaque;
    if (size <= 0)
        return 0;
    int64_t left = s->size - s->pos;
    if (left <= 0)
        return AVERROR_EOF;
    size_t n = (size_t)(left < size ? left : size);
    if (!s->file) {
        memcpy(buf, s->mem + s->pos, n);
    } else {
        size_t got;
        int err = ph_file_pread(s->file, (uint64_t)s->pos, buf, n, &got);
        if (err)
            return AVERROR(err);
        if (got == 0)
            return AVERROR_EOF; /* the file shrank under us */
        n = got;
    }
    s->pos += (int64_t)n;
    return (int)n;
}

static int64_t src_seek(void *opaque, int64_t offset, int whence)
{
    ph_video_src *s = opaque;
    int64_t to;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return s->size;
    case SEEK_SET: to = offset; break;
    case SEEK_CUR: to = s->pos + offset; break;
    case SEEK_END: to = s->size + offset; break;
    default: return AVERROR(EINVAL);
    }
    if (to < 0 || to > s->size)
        return AVERROR(EINVAL);
    s->pos = to;
    return to;
}

/* Nested opens (MOV external references, HLS/DASH segments, concat) are
 * refused: a scanned file must not make us read anything else. */
static int refuse_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                          AVDictionary **options)
{
    (void)s, (void)pb, (void)url, (void)flags, (void)options;
    return AVERROR(EPERM);
}

void ph_demux_close(ph_demux *d)
{
    if (d->fmt)
        avformat_close_input(&d->fmt);
    if (d->pb) {
        av_freep(&d->pb->buffer);
        avio_context_free(&d->pb);
    }
}

static phash_status open_status(int code)
{
    if (code == AVERROR(ENOMEM))
        return PHASH_ERR_NOMEM;
    if (code == AVERROR_EXIT)
        return PHASH_ERR_BUDGET;
    if (code == AVERROR(EIO))
        return PHASH_ERR_IO;
    return PHASH_ERR_NOT_IMAGE;
}

phash_status ph_demux_open(ph_demux *d, int (*interrupt)(void *), void *user, ph_error *err)
{
    char msg[128];
    uint8_t *iobuf = av_malloc(IO_BUFFER);
    d->fmt = avformat_alloc_context();
    if (iobuf)
        d->pb = avio_alloc_context(iobuf, IO_BUFFER, 0, &d->src, src_read, NULL, src_seek);
    if (!d->fmt || !d->pb) {
        if (!d->pb)
            av_free(iobuf);
        ph_demux_close(d);
        return ph_error_set(err, PHASH_ERR_NOMEM, "video: no memory for the demuxer");
    }
    d->fmt->pb = d->pb;
    d->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    d->fmt->io_open = refuse_io_open;
    d->fmt->interrupt_callback.callback = interrupt;
    d->fmt->interrupt_callback.opaque = user;
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "format_whitelist", demuxer_whitelist, 0);
    av_dict_set(&opts, "protocol_whitelist", "none", 0);
    av_dict_set(&opts, "codec_whitelist", ph_video_decoder_whitelist, 0);
    int rc = avformat_open_input(&d->fmt, "", NULL, &opts);
    av_dict_free(&opts);
    if (rc < 0) {
        /* avformat_open_input frees the context on failure (not our pb). */
        d->fmt = NULL;
        ph_demux_close(d);
        return ph_error_set(err, open_status(rc), "video: not a video container phash demuxes (%s)",
                            ph_av_err(rc, msg, sizeof msg));
    }
    rc = avformat_find_stream_info(d->fmt, NULL);
    if (rc < 0) {
        ph_demux_close(d);
        return ph_error_set(err, rc == AVERROR_EXIT ? PHASH_ERR_BUDGET : PHASH_ERR_CORRUPT,
                            "video: cannot read the stream information (%s)",
                            ph_av_err(rc, msg, sizeof msg));
    }
    return PHASH_OK;
}
