/* SPDX-License-Identifier: MIT */
/*
 * vPDQ: decode the first video stream, keep every frame_mod-th frame,
 * convert it to RGB24 with swscale (SWS_AREA) and hash it with PDQ, as
 * facebook/ThreatExchange vpdq/cpp (0.2.5) does; see include/phash/video.h
 * for the behaviour, step by step.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "hash/pdq_internal.h"
#include "video_int.h"

#define MIN_HASH_SIDE 5u /* the reference refuses to hash smaller frames */

struct phash_video_hasher {
    double seconds_per_hash;
    uint32_t downsample;
    uint32_t threads;
    phash_video_drain drain;
    double max_duration;
    uint64_t max_frames;
    uint64_t max_pixels;
    uint64_t max_work;
    double max_cpu_seconds;
    phash_pdq_hasher *pdq;
    ph_error err;
};

/* One file's decoding state. */
typedef struct vp_run {
    phash_video_hasher *h;
    ph_demux dx;
    AVCodecContext *codec;
    AVPacket *pkt;
    AVFrame *frame;     /* decoded */
    AVFrame *rgb;       /* converted, hash size */
    struct SwsContext *sws;
    int sws_w, sws_h, sws_fmt; /* source geometry of sws */
    AVStream *stream;
    double cpu_deadline; /* thread CPU seconds; 0: none */
    int budget_hit;
    uint64_t work;       /* decoded pixels so far */
    phash_vpdq_frame_fn fn;
    void *user;
    phash_video_info *info;
} vp_run;

/* ---- options ------------------------------------------------------------ */

int phash_video_supported(void) { return 1; }

static void quiet_ffmpeg(void) { av_log_set_level(AV_LOG_QUIET); }

phash_status phash_video_hasher_new(phash_video_hasher **out)
{
    static ph_once_flag once = PH_ONCE_INIT;
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    phash_video_hasher *h = ph_calloc(1, sizeof *h);
    if (!h)
        return PHASH_ERR_NOMEM;
    if (phash_pdq_hasher_new(&h->pdq) != PHASH_OK) {
        ph_free(h);
        return PHASH_ERR_NOMEM;
    }
    ph_pdq_hasher_set_float_luma(h->pdq, 1);
    ph_once(&once, quiet_ffmpeg);
    h->seconds_per_hash = 1.0;
    h->threads = 1;
    h->drain = PHASH_VIDEO_DRAIN_REFERENCE;
    h->max_duration = 21600.0;
    h->max_frames = 1000000;
    h->max_pixels = (uint64_t)8192 * 8192;
    h->max_work = (uint64_t)1 << 40;
    *out = h;
    return PHASH_OK;
}

void phash_video_hasher_free(phash_video_hasher *h)
{
    if (!h)
        return;
    phash_pdq_hasher_free(h->pdq);
    ph_free(h);
}

const char *phash_video_hasher_last_error(const phash_video_hasher *h)
{
    return h ? ph_error_message(&h->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

static int is_count(double v, double max) { return v >= 0 && v <= max && v == floor(v); }

phash_status phash_video_hasher_set_option(phash_video_hasher *h, phash_video_opt opt,
                                           double value)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    int ok = isfinite(value) && value >= 0;
    switch (opt) {
    case PHASH_VIDEO_OPT_SECONDS_PER_HASH:
        if (ok && value <= 1e9)
            return h->seconds_per_hash = value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_DOWNSAMPLE:
        if (ok && is_count(value, 65536) && (value == 0 || value >= MIN_HASH_SIDE))
            return h->downsample = (uint32_t)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_THREADS:
        if (ok && is_count(value, 64))
            return h->threads = (uint32_t)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_DRAIN:
        if (value == PHASH_VIDEO_DRAIN_REFERENCE || value == PHASH_VIDEO_DRAIN_ALL)
            return h->drain = (phash_video_drain)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_MAX_DURATION:
        if (ok)
            return h->max_duration = value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_MAX_FRAMES:
        if (ok && is_count(value, INT_MAX))
            return h->max_frames = (uint64_t)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_MAX_PIXELS:
        if (ok && is_count(value, 9007199254740992.0))
            return h->max_pixels = (uint64_t)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_MAX_WORK:
        if (ok && is_count(value, 9007199254740992.0))
            return h->max_work = (uint64_t)value, PHASH_OK;
        break;
    case PHASH_VIDEO_OPT_MAX_CPU_SECONDS:
        if (ok)
            return h->max_cpu_seconds = value, PHASH_OK;
        break;
    default:
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "video: unknown option %d", (int)opt);
    }
    return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "video: value %g out of range for option %d",
                        value, (int)opt);
}

phash_status phash_video_hasher_get_option(const phash_video_hasher *h, phash_video_opt opt,
                                           double *value)
{
    if (!h || !value)
        return PHASH_ERR_INVALID_ARG;
    switch (opt) {
    case PHASH_VIDEO_OPT_SECONDS_PER_HASH: *value = h->seconds_per_hash; break;
    case PHASH_VIDEO_OPT_DOWNSAMPLE: *value = h->downsample; break;
    case PHASH_VIDEO_OPT_THREADS: *value = h->threads; break;
    case PHASH_VIDEO_OPT_DRAIN: *value = h->drain; break;
    case PHASH_VIDEO_OPT_MAX_DURATION: *value = h->max_duration; break;
    case PHASH_VIDEO_OPT_MAX_FRAMES: *value = (double)h->max_frames; break;
    case PHASH_VIDEO_OPT_MAX_PIXELS: *value = (double)h->max_pixels; break;
    case PHASH_VIDEO_OPT_MAX_WORK: *value = (double)h->max_work; break;
    case PHASH_VIDEO_OPT_MAX_CPU_SECONDS: *value = h->max_cpu_seconds; break;
    default: return PHASH_ERR_INVALID_ARG;
    }
    return PHASH_OK;
}

/* ---- budget ------------------------------------------------------------- */

/* FFmpeg's interrupt callback (stream probing, demuxers' loops) and our
 * own check per packet: 1 once the CPU budget is spent. */
static int over_budget(void *opaque)
{
    vp_run *r = opaque;
    if (!r->budget_hit && r->cpu_deadline > 0 && ph_thread_cpu_seconds() > r->cpu_deadline)
        r->budget_hit = 1;
    return r->budget_hit;
}

/* ---- opening ------------------------------------------------------------ */

static phash_status pick_stream(vp_run *r)
{
    AVFormatContext *fmt = r->dx.fmt;
    phash_video_info *info = r->info;
    snprintf(info->container, sizeof info->container, "%s", fmt->iformat->name);
    if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
        info->duration = (double)fmt->duration / AV_TIME_BASE;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            r->stream = fmt->streams[i];
            info->stream_index = (int)i;
            break;
        }
    if (!r->stream)
        return ph_error_set(&r->h->err, PHASH_ERR_NOT_IMAGE, "video: %s file without a video stream",
                            info->container);
    const AVCodecParameters *par = r->stream->codecpar;
    if (par->width <= 0 || par->height <= 0)
        return ph_error_set(&r->h->err, PHASH_ERR_CORRUPT, "video: stream %d has size %dx%d",
                            info->stream_index, par->width, par->height);
    info->width = (uint32_t)par->width;
    info->height = (uint32_t)par->height;
    if (r->h->max_pixels && (uint64_t)par->width * (uint64_t)par->height > r->h->max_pixels)
        return ph_error_set(&r->h->err, PHASH_ERR_TOO_LARGE,
                            "video: %dx%d frames exceed the limit of %llu pixels", par->width,
                            par->height, (unsigned long long)r->h->max_pixels);
    if (r->h->max_duration > 0 && info->duration > r->h->max_duration)
        return ph_error_set(&r->h->err, PHASH_ERR_TOO_LARGE,
                            "video: %.0f s long, the limit is %.0f s", info->duration,
                            r->h->max_duration);
    info->hash_width = r->h->downsample ? r->h->downsample : info->width;
    info->hash_height = r->h->downsample ? r->h->downsample : info->height;
    if (info->hash_width < MIN_HASH_SIDE || info->hash_height < MIN_HASH_SIDE)
        return ph_error_set(&r->h->err, PHASH_ERR_TOO_SMALL,
                            "video: %ux%u frames are too small to hash (5x5 at least)",
                            (unsigned)info->hash_width, (unsigned)info->hash_height);
    return PHASH_OK;
}

/* The reference's frame rate: avg_frame_rate, else r_frame_rate. */
static phash_status pick_frame_rate(vp_run *r)
{
    AVRational q = r->stream->avg_frame_rate;
    if (q.num == 0 || q.den == 0)
        q = r->stream->r_frame_rate;
    double fps = q.den ? (double)q.num / (double)q.den : 0;
    if (!(fps > 0) || !isfinite(fps) || !isfinite((float)fps))
        return ph_error_set(&r->h->err, PHASH_ERR_CORRUPT, "video: frame rate %d/%d", q.num, q.den);
    r->info->frame_rate = fps;
    /* (int)(seconds_per_hash * fps) truncated, 0 -> 1; large values (kept
     * in int range here, where the reference's cast is undefined) hash
     * frame 0 only. */
    double mod = r->h->seconds_per_hash * fps;
    r->info->frame_mod = mod >= INT_MAX ? (uint32_t)INT_MAX : mod < 1 ? 1u : (uint32_t)mod;
    return PHASH_OK;
}

static phash_status open_decoder(vp_run *r)
{
    const AVCodecParameters *par = r->stream->codecpar;
    const AVCodec *dec = avcodec_find_decoder(par->codec_id);
    if (!dec)
        return ph_error_set(&r->h->err, PHASH_ERR_UNSUPPORTED, "video: no decoder for codec %s",
                            avcodec_get_name(par->codec_id));
    snprintf(r->info->codec, sizeof r->info->codec, "%s", dec->name);
    if (!ph_video_decoder_allowed(dec->name))
        return ph_error_set(&r->h->err, PHASH_ERR_UNSUPPORTED,
                            "video: the %s codec is not among the video decoders phash uses",
                            dec->name);
    r->codec = avcodec_alloc_context3(dec);
    if (!r->codec || avcodec_parameters_to_context(r->codec, par) < 0)
        return ph_error_set(&r->h->err, PHASH_ERR_NOMEM, "video: no memory for the decoder");
    /* Slice threads only, as the reference (frame threads would add delay,
     * not change pixels). */
    if (r->h->threads != 1 && (dec->capabilities & AV_CODEC_CAP_SLICE_THREADS)) {
        r->codec->thread_count = (int)r->h->threads;
        r->codec->thread_type = FF_THREAD_SLICE;
    } else {
        r->codec->thread_count = 1;
    }
    if (r->h->max_pixels && r->h->max_pixels <= INT64_MAX)
        r->codec->max_pixels = (int64_t)r->h->max_pixels;
    char msg[128];
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "codec_whitelist", ph_video_decoder_whitelist, 0);
    int rc = avcodec_open2(r->codec, dec, &opts);
    av_dict_free(&opts);
    if (rc < 0)
        return ph_error_set(&r->h->err, rc == AVERROR(ENOMEM) ? PHASH_ERR_NOMEM : PHASH_ERR_CORRUPT,
                            "video: cannot open the %s decoder (%s)", dec->name,
                            ph_av_err(rc, msg, sizeof msg));
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    r->rgb = av_frame_alloc();
    if (!r->pkt || !r->frame || !r->rgb)
        return ph_error_set(&r->h->err, PHASH_ERR_NOMEM, "video: no memory for frames");
    /* The reference's RGB frame: av_frame_get_buffer with default
     * alignment, so the rows are padded the same way for swscale. */
    r->rgb->format = AV_PIX_FMT_RGB24;
    r->rgb->width = (int)r->info->hash_width;
    r->rgb->height = (int)r->info->hash_height;
    if (av_frame_get_buffer(r->rgb, 0) < 0)
        return ph_error_set(&r->h->err, PHASH_ERR_NOMEM, "video: no memory for a %ux%u RGB frame",
                            (unsigned)r->info->hash_width, (unsigned)r->info->hash_height);
    return PHASH_OK;
}

/* ---- per frame ---------------------------------------------------------- */

/* The scaler for this frame's geometry (normally made once: every frame has
 * the stream's size and format). */
static phash_status scaler_for(vp_run *r, const AVFrame *f)
{
    if (r->sws && f->width == r->sws_w && f->height == r->sws_h && f->format == r->sws_fmt)
        return PHASH_OK;
    sws_freeContext(r->sws);
    r->sws = sws_getContext(f->width, f->height, (enum AVPixelFormat)f->format,
                            (int)r->info->hash_width, (int)r->info->hash_height, AV_PIX_FMT_RGB24,
                            SWS_AREA, NULL, NULL, NULL);
    if (!r->sws)
        return ph_error_set(&r->h->err, PHASH_ERR_UNSUPPORTED,
                            "video: cannot convert %dx%d frames of pixel format %s to RGB",
                            f->width, f->height,
                            av_get_pix_fmt_name((enum AVPixelFormat)f->format)
                                ? av_get_pix_fmt_name((enum AVPixelFormat)f->format)
                                : "?");
    r->sws_w = f->width;
    r->sws_h = f->height;
    r->sws_fmt = f->format;
    return PHASH_OK;
}

static phash_status hash_frame(vp_run *r, const AVFrame *f, uint32_t n)
{
    phash_status st = scaler_for(r, f);
    if (st != PHASH_OK)
        return st;
    if (av_frame_make_writable(r->rgb) < 0)
        return ph_error_set(&r->h->err, PHASH_ERR_NOMEM, "video: no memory for an RGB frame");
    sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, r->rgb->data,
              r->rgb->linesize);
    phash_pdq_result res;
    st = phash_pdq_hash_pixels(r->h->pdq, r->rgb->data[0], r->info->hash_width,
                               r->info->hash_height, (size_t)r->rgb->linesize[0],
                               PHASH_PIXEL_RGB8, 0, &res);
    if (st != PHASH_OK)
        return ph_error_set(&r->h->err, st, "video: frame %u: %s", (unsigned)n,
                            phash_pdq_hasher_last_error(r->h->pdq));
    phash_vpdq_frame out;
    memset(&out, 0, sizeof out);
    out.hash = res.hash;
    out.quality = res.quality;
    out.frame_number = n;
    out.timestamp = (double)((float)n / (float)r->info->frame_rate);
    r->info->frames_hashed++;
    if (r->fn(r->user, &out) != 0)
        return ph_error_set(&r->h->err, PHASH_ERR_CANCELLED, "video: stopped by the caller at frame %u",
                            (unsigned)n);
    return PHASH_OK;
}

/* Limits per decoded frame, then sampling. */
static phash_status on_frame(vp_run *r, const AVFrame *f)
{
    phash_video_hasher *h = r->h;
    uint64_t n = r->info->frames_decoded++;
    uint64_t px = (uint64_t)f->width * (uint64_t)f->height;
    if (n >= INT_MAX || (h->max_frames && n >= h->max_frames))
        return ph_error_set(&h->err, PHASH_ERR_TOO_LARGE, "video: more than %llu frames",
                            (unsigned long long)(h->max_frames ? h->max_frames : INT_MAX));
    if (h->max_duration > 0 && (double)n / r->info->frame_rate > h->max_duration)
        return ph_error_set(&h->err, PHASH_ERR_TOO_LARGE,
                            "video: frame %llu is past the duration limit of %.0f s",
                            (unsigned long long)n, h->max_duration);
    if (f->width <= 0 || f->height <= 0 || (h->max_pixels && px > h->max_pixels))
        return ph_error_set(&h->err, PHASH_ERR_TOO_LARGE, "video: frame %llu is %dx%d",
                            (unsigned long long)n, f->width, f->height);
    r->work += px;
    if (h->max_work && r->work > h->max_work)
        return ph_error_set(&h->err, PHASH_ERR_BUDGET,
                            "video: more than %llu decoded pixels (work budget)",
                            (unsigned long long)h->max_work);
    if (n % r->info->frame_mod != 0)
        return PHASH_OK;
    return hash_frame(r, f, (uint32_t)n);
}

/* Send one packet (NULL data: drain) and take every frame it releases. */
static phash_status decode_packet(vp_run *r, const AVPacket *pkt)
{
    char msg[128];
    int rc = avcodec_send_packet(r->codec, pkt);
    if (rc < 0)
        return ph_error_set(&r->h->err, rc == AVERROR(ENOMEM) ? PHASH_ERR_NOMEM : PHASH_ERR_CORRUPT,
                            "video: the %s decoder refused packet %s after frame %llu (%s)",
                            r->info->codec, pkt && pkt->data ? "data" : "drain",
                            (unsigned long long)r->info->frames_decoded,
                            ph_av_err(rc, msg, sizeof msg));
    for (;;) {
        rc = avcodec_receive_frame(r->codec, r->frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return PHASH_OK;
        if (rc < 0)
            return ph_error_set(&r->h->err,
                                rc == AVERROR(ENOMEM) ? PHASH_ERR_NOMEM : PHASH_ERR_CORRUPT,
                                "video: the %s decoder failed after frame %llu (%s)",
                                r->info->codec, (unsigned long long)r->info->frames_decoded,
                                ph_av_err(rc, msg, sizeof msg));
        phash_status st = on_frame(r, r->frame);
        av_frame_unref(r->frame);
        if (st != PHASH_OK)
            return st;
        if (over_budget(r))
            return ph_error_set(&r->h->err, PHASH_ERR_BUDGET,
                                "video: CPU budget of %.3g s used up after frame %llu",
                                r->h->max_cpu_seconds,
                                (unsigned long long)r->info->frames_decoded);
    }
}

static phash_status decode_all(vp_run *r)
{
    int vs = r->stream->index;
    int rc;
    while ((rc = av_read_frame(r->dx.fmt, r->pkt)) >= 0) {
        phash_status st = PHASH_OK;
        if (r->pkt->stream_index == vs)
            st = decode_packet(r, r->pkt);
        av_packet_unref(r->pkt);
        if (st != PHASH_OK)
            return st;
        if (over_budget(r))
            return ph_error_set(&r->h->err, PHASH_ERR_BUDGET, "video: CPU budget of %.3g s used up",
                                r->h->max_cpu_seconds);
    }
    if (rc == AVERROR_EXIT || r->budget_hit)
        return ph_error_set(&r->h->err, PHASH_ERR_BUDGET, "video: CPU budget of %.3g s used up",
                            r->h->max_cpu_seconds);
    if (rc != AVERROR_EOF)
        r->info->read_error = 1;
    /* The reference drains with its reused packet, whose stream index
     * av_packet_unref reset to 0: only a video at stream 0 is drained. */
    if (r->h->drain == PHASH_VIDEO_DRAIN_ALL || vs == 0) {
        r->info->drained = 1;
        return decode_packet(r, NULL);
    }
    return PHASH_OK;
}

static void run_free(vp_run *r)
{
    sws_freeContext(r->sws);
    av_frame_free(&r->rgb);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->codec);
    ph_demux_close(&r->dx);
}

static phash_status run(phash_video_hasher *h, vp_run *r)
{
    if (h->max_cpu_seconds > 0)
        r->cpu_deadline = ph_thread_cpu_seconds() + h->max_cpu_seconds;
    phash_status st = ph_demux_open(&r->dx, over_budget, r, &h->err);
    if (st == PHASH_OK)
        st = pick_stream(r);
    if (st == PHASH_OK)
        st = pick_frame_rate(r);
    if (st == PHASH_OK)
        st = open_decoder(r);
    if (st == PHASH_OK)
        st = decode_all(r);
    if (st == PHASH_OK && r->info->frames_decoded == 0)
        st = ph_error_set(&h->err, r->info->read_error ? PHASH_ERR_TRUNCATED : PHASH_ERR_CORRUPT,
                          "video: no frame could be decoded from the %s stream", r->info->codec);
    if (st == PHASH_OK)
        ph_error_clear(&h->err);
    run_free(r);
    return st;
}

static void start(phash_video_hasher *h, vp_run *r, phash_vpdq_frame_fn fn, void *user,
                  phash_video_info *info, phash_video_info *local)
{
    memset(r, 0, sizeof *r);
    r->h = h;
    r->fn = fn;
    r->user = user;
    r->info = info ? info : local;
    memset(r->info, 0, sizeof *r->info);
    r->info->stream_index = -1;
    r->info->duration = -1;
    r->dx.src.file = NULL;
}

phash_status phash_vpdq_hash_memory_each(phash_video_hasher *h, const void *data, size_t len,
                                         phash_vpdq_frame_fn fn, void *user,
                                         phash_video_info *info)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if ((!data && len) || !fn || len > INT64_MAX)
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "video: invalid argument");
    vp_run r;
    phash_video_info local;
    start(h, &r, fn, user, info, &local);
    r.dx.src.mem = data;
    r.dx.src.size = (int64_t)len;
    return run(h, &r);
}

phash_status phash_vpdq_hash_file_each(phash_video_hasher *h, const char *path,
                                       phash_vpdq_frame_fn fn, void *user, phash_video_info *info)
{
    if (!h)
        return PHASH_ERR_INVALID_ARG;
    if (!path || !fn)
        return ph_error_set(&h->err, PHASH_ERR_INVALID_ARG, "video: invalid argument");
    vp_run r;
    phash_video_info local;
    start(h, &r, fn, user, info, &local);
    ph_file *f;
    ph_stat st;
    int err = ph_file_open(path, &f, &st);
    if (err == EISDIR || err == ENODEV)
        return ph_error_set(&h->err, PHASH_ERR_NOT_REGULAR, "video: %s is not a regular file", path);
    if (err)
        return ph_error_set(&h->err, err == ENOMEM ? PHASH_ERR_NOMEM : PHASH_ERR_IO,
                            "video: cannot open %s: %s", path, strerror(err));
    if (st.size > (uint64_t)INT64_MAX) {
        ph_file_close(f);
        return ph_error_set(&h->err, PHASH_ERR_TOO_LARGE, "video: %s is too large", path);
    }
    r.dx.src.file = f;
    r.dx.src.size = (int64_t)st.size;
    phash_status s = run(h, &r);
    ph_file_close(f);
    return s;
}

/* ---- collecting --------------------------------------------------------- */

typedef struct vp_list {
    phash_vpdq_frame *v;
    size_t n, cap;
    int nomem;
} vp_list;

static int collect(void *user, const phash_vpdq_frame *f)
{
    vp_list *l = user;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        phash_vpdq_frame *v = ph_realloc(l->v, cap * sizeof *v);
        if (!v)
            return l->nomem = 1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *f;
    return 0;
}

static phash_status collected(phash_video_hasher *h, phash_status st, vp_list *l,
                              phash_vpdq_frame **frames, size_t *count)
{
    if (st == PHASH_ERR_CANCELLED && l->nomem)
        st = ph_error_set(&h->err, PHASH_ERR_NOMEM, "video: no memory for %zu frame hashes",
                          l->n + 1);
    if (st != PHASH_OK) {
        ph_free(l->v);
        return st;
    }
    *frames = l->v;
    *count = l->n;
    return PHASH_OK;
}

phash_status phash_vpdq_hash_file(phash_video_hasher *h, const char *path,
                                  phash_vpdq_frame **frames, size_t *count,
                                  phash_video_info *info)
{
    if (!h || !frames || !count)
        return PHASH_ERR_INVALID_ARG;
    vp_list l = {0};
    return collected(h, phash_vpdq_hash_file_each(h, path, collect, &l, info), &l, frames, count);
}

phash_status phash_vpdq_hash_memory(phash_video_hasher *h, const void *data, size_t len,
                                    phash_vpdq_frame **frames, size_t *count,
                                    phash_video_info *info)
{
    if (!h || !frames || !count)
        return PHASH_ERR_INVALID_ARG;
    vp_list l = {0};
    return collected(h, phash_vpdq_hash_memory_each(h, data, len, collect, &l, info), &l, frames,
                     count);
}
