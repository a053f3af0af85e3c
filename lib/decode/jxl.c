/* SPDX-License-Identifier: MIT */
/* JPEG XL through libjxl: the first displayed frame (animations set
 * PHASH_IMAGE_ANIMATED), grey or RGB as the image has them, alpha dropped
 * (not requested from libjxl). Deep images (more than 8 bits a sample) are
 * taken as 16-bit samples and follow the 16-bit policy (low byte by
 * default, like a 16-bit PNG of the same picture; or scaled). The
 * orientation of the header is reported like EXIF's and applied only on
 * request (libjxl is told to keep the stored orientation). Lossy (XYB)
 * images come out in the colour space their header names, as libjxl
 * renders them by default.
 *
 * Safety: the size from the basic info is checked against the limits
 * before any pixel buffer is set; libjxl's allocations through its memory
 * manager are counted against the memory limit (libjxl 0.7 routes only
 * part of its memory there: the rest is estimated into the size check).
 * Truncated files: libjxl says it needs more input; with
 * PHASH_DECODE_ALLOW_TRUNCATED what was decoded is flushed out.
 *
 * CPU: the pixels are counted against the work budget from the header, but
 * a file can ask for work beyond its pixels (splines, patches, noise,
 * passes, frames). libjxl runs its work as tasks through a parallel
 * runner; phash gives it its own, which runs every task on the calling
 * thread (one thread per image, as the scanner wants) and stops the decode
 * once the thread's CPU time since the decode began passes the work budget
 * at PH_WORK_NS a unit (3 s by default): PHASH_ERR_BUDGET. libjxl 0.7 runs
 * nearly all of a decode in tasks, each short (48 MP: 1,528 tasks, the
 * longest 14 ms, at most 1.6 ms of CPU outside them), so the cap holds to
 * within a few milliseconds. */
#include <stddef.h>
#include <string.h>

#include <jxl/decode.h>
#include <jxl/parallel_runner.h>

#include "decode.h"
#include "platform/platform.h"

typedef union jxl_block_head {
    size_t size;
    max_align_t align;
} jxl_block_head;

typedef struct jxl_state {
    phash_decoder *dec;
    uint64_t used, budget;
    int over_budget;
    double cpu_start, cpu_cap; /* thread CPU seconds */
    int over_cpu;
    JxlBasicInfo info;
    JxlPixelFormat fmt;
    uint8_t *buf;   /* what libjxl writes: the output, or 16-bit samples */
    int out_set;    /* an output buffer was given */
} jxl_state;

static void *jxl_alloc_cb(void *opaque, size_t size)
{
    jxl_state *s = opaque;
    if (size > s->budget - s->used || size > SIZE_MAX - sizeof(jxl_block_head)) {
        s->over_budget = 1;
        return NULL;
    }
    jxl_block_head *h = ph_malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->size = size;
    s->used += size;
    return h + 1;
}

static void jxl_free_cb(void *opaque, void *p)
{
    if (!p)
        return;
    jxl_state *s = opaque;
    jxl_block_head *h = (jxl_block_head *)p - 1;
    s->used -= h->size;
    ph_free(h);
}

/* libjxl's parallel runner: the tasks start_range..end_range-1 of one
 * stage, run here one after the other, the CPU cap checked after each. */
static JxlParallelRetCode run_tasks(void *opaque, void *jpegxl_opaque, JxlParallelRunInit init,
                                    JxlParallelRunFunction func, uint32_t start_range,
                                    uint32_t end_range)
{
    jxl_state *s = opaque;
    JxlParallelRetCode r = init(jpegxl_opaque, 1);
    if (r != 0)
        return r;
    for (uint32_t i = start_range; i < end_range; i++) {
        func(jpegxl_opaque, i, 0);
        if (ph_thread_cpu_seconds() - s->cpu_start > s->cpu_cap) {
            s->over_cpu = 1;
            return JXL_PARALLEL_RET_RUNNER_ERROR;
        }
    }
    return 0;
}

static phash_status jxl_fail(jxl_state *s, phash_status st, const char *what)
{
    if (s->over_cpu)
        return ph_error_set(&s->dec->err, PHASH_ERR_BUDGET,
                            "JPEG XL: stopped after %.2f s of CPU, the work budget of %d units "
                            "(%.0f ns each)",
                            s->cpu_cap, s->dec->max_work, PH_WORK_NS);
    if (s->over_budget)
        st = PHASH_ERR_TOO_LARGE;
    return ph_error_set(&s->dec->err, st, "JPEG XL: %s%s", what,
                        s->over_budget ? " (over the memory limit)" : "");
}

static phash_status on_basic_info(JxlDecoder *jd, jxl_state *s)
{
    phash_decoder *dec = s->dec;
    if (JxlDecoderGetBasicInfo(jd, &s->info) != JXL_DEC_SUCCESS)
        return jxl_fail(s, PHASH_ERR_CORRUPT, "bad header");
    const JxlBasicInfo *i = &s->info;
    uint32_t ch = i->num_color_channels == 1 ? 1 : 3;
    int deep = i->bits_per_sample > 8;
    /* libjxl keeps float planes of the frame (4 bytes a sample, colour and
     * extra channels) besides our buffer (16-bit samples when deep). */
    uint64_t px = (uint64_t)i->xsize * i->ysize;
    uint64_t extra = px * 4 * (ch + i->num_extra_channels) + (deep ? px * ch * 2 : 0);
    phash_status st = ph_decoder_check_size(dec, "JPEG XL", i->xsize, i->ysize, ch, extra);
    if (st == PHASH_OK) /* libjxl, one thread: about 33 ns a pixel here */
        st = ph_decoder_check_work(dec, "JPEG XL", i->xsize, i->ysize, PH_WORK_JXL);
    if (st != PHASH_OK)
        return st;
    s->fmt = (JxlPixelFormat){ch, deep ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
    dec->img.orientation = i->orientation >= 1 && i->orientation <= 8 ? (int)i->orientation : 1;
    if (i->alpha_bits)
        dec->img.flags |= PHASH_IMAGE_HAD_ALPHA;
    if (deep)
        dec->img.flags |= PHASH_IMAGE_SIXTEEN_BIT;
    if (i->have_animation)
        dec->img.flags |= PHASH_IMAGE_ANIMATED;
    return PHASH_OK;
}

static phash_status on_need_buffer(JxlDecoder *jd, jxl_state *s)
{
    phash_decoder *dec = s->dec;
    const JxlBasicInfo *i = &s->info;
    uint32_t ch = s->fmt.num_channels;
    unsigned flags = dec->img.flags;
    uint8_t *out = ph_decoder_begin_image(dec, i->xsize, i->ysize, ch, PHASH_FORMAT_JXL);
    if (!out)
        return dec->err.status;
    dec->img.flags = flags;
    size_t want = 0;
    if (JxlDecoderImageOutBufferSize(jd, &s->fmt, &want) != JXL_DEC_SUCCESS)
        return jxl_fail(s, PHASH_ERR_CORRUPT, "no output size");
    size_t n = (size_t)i->xsize * i->ysize * ch * (s->fmt.data_type == JXL_TYPE_UINT16 ? 2 : 1);
    if (want != n)
        return jxl_fail(s, PHASH_ERR_UNSUPPORTED, "unexpected output layout");
    s->buf = s->fmt.data_type == JXL_TYPE_UINT16 ? ph_buf_reserve(&dec->work, n) : out;
    if (!s->buf)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "JPEG XL: cannot allocate %zu bytes", n);
    /* Rows a truncated file never reaches stay zero. */
    memset(s->buf, 0, n);
    if (JxlDecoderSetImageOutBuffer(jd, &s->fmt, s->buf, n) != JXL_DEC_SUCCESS)
        return jxl_fail(s, PHASH_ERR_CORRUPT, "output buffer refused");
    s->out_set = 1;
    return PHASH_OK;
}

/* 16-bit samples to bytes by the decoder's policy. */
static void narrow(jxl_state *s)
{
    if (s->fmt.data_type != JXL_TYPE_UINT16)
        return;
    phash_image *img = &s->dec->img;
    size_t n = (size_t)img->width * img->height * img->channels;
    int scale = s->dec->sixteen_bit == PHASH_SIXTEEN_BIT_SCALE;
    for (size_t k = 0; k < n; k++) {
        uint16_t v;
        memcpy(&v, s->buf + 2 * k, 2);
        ((uint8_t *)s->dec->pixels.data)[k] = scale ? (uint8_t)((v * 255u + 32767u) / 65535u) : (uint8_t)(v & 0xff);
    }
}

/* Run libjxl's event loop to the first full frame. */
static phash_status run(JxlDecoder *jd, jxl_state *s)
{
    for (;;) {
        JxlDecoderStatus r = JxlDecoderProcessInput(jd);
        phash_status st = PHASH_OK;
        switch (r) {
        case JXL_DEC_BASIC_INFO: st = on_basic_info(jd, s); break;
        case JXL_DEC_NEED_IMAGE_OUT_BUFFER: st = on_need_buffer(jd, s); break;
        case JXL_DEC_FULL_IMAGE: return PHASH_OK;
        case JXL_DEC_NEED_MORE_INPUT: /* all of it was given */
            if (s->out_set && s->dec->allow_truncated &&
                JxlDecoderFlushImage(jd) == JXL_DEC_SUCCESS) {
                s->dec->img.flags |= PHASH_IMAGE_TRUNCATED;
                return PHASH_OK;
            }
            return jxl_fail(s, PHASH_ERR_TRUNCATED, "data ends early");
        case JXL_DEC_SUCCESS: return jxl_fail(s, PHASH_ERR_CORRUPT, "no image in the file");
        case JXL_DEC_ERROR: return jxl_fail(s, PHASH_ERR_CORRUPT, "invalid data");
        default: return jxl_fail(s, PHASH_ERR_CORRUPT, "unexpected decoder event");
        }
        if (st != PHASH_OK)
            return st;
    }
}

phash_status ph_decode_jxl(phash_decoder *dec, const uint8_t *data, size_t len)
{
    jxl_state s = {.dec = dec, .budget = ph_decoder_memory_left(dec, 0)};
    s.cpu_cap = dec->cpu_cap > 0 ? dec->cpu_cap : dec->max_work * PH_WORK_NS * 1e-9;
    if (!(dec->cpu_cap > 0) && s.cpu_cap < PH_CPU_CAP_MIN)
        s.cpu_cap = PH_CPU_CAP_MIN;
    if (!dec->max_work && !(dec->cpu_cap > 0))
        s.cpu_cap = 1e300; /* no budget */
    s.cpu_start = ph_thread_cpu_seconds();
    JxlMemoryManager mm = {&s, jxl_alloc_cb, jxl_free_cb};
    JxlDecoder *jd = JxlDecoderCreate(&mm);
    if (!jd)
        return ph_error_set(&dec->err, PHASH_ERR_NOMEM, "JPEG XL: cannot create a decoder");
    phash_status st = PHASH_OK;
    if (JxlDecoderSubscribeEvents(jd, JXL_DEC_BASIC_INFO | JXL_DEC_FULL_IMAGE) !=
            JXL_DEC_SUCCESS ||
        JxlDecoderSetKeepOrientation(jd, JXL_TRUE) != JXL_DEC_SUCCESS ||
        JxlDecoderSetParallelRunner(jd, run_tasks, &s) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(jd, data, len) != JXL_DEC_SUCCESS)
        st = jxl_fail(&s, PHASH_ERR_CORRUPT, "cannot set up the decoder");
    if (st == PHASH_OK)
        st = run(jd, &s);
    if (st == PHASH_OK)
        narrow(&s);
    JxlDecoderDestroy(jd);
    return st;
}
