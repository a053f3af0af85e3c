/* SPDX-License-Identifier: MIT */
/* The image kind: decode once, compute every requested hash from that one
 * decode, match. */
#include <string.h>

#include "scan_int.h"

/* The decoder giving a CMYK JPEG's raw first three channels (pHash's
 * reference loader), created on first need. */
static phash_decoder *raw3_decoder(ph_worker *w)
{
    if (!w->dec_raw3) {
        phash_decoder *d = NULL;
        if (phash_decoder_new(&d) != PHASH_OK || phash_decoder_set_limits(d, &w->s->limits) != PHASH_OK ||
            phash_decoder_set_option(d, PHASH_DECODE_APPLY_ORIENTATION,
                                     w->s->apply_orientation) != PHASH_OK ||
            phash_decoder_set_option(d, PHASH_DECODE_CMYK_MODE, PHASH_CMYK_RAW3) != PHASH_OK) {
            phash_decoder_free(d);
            return NULL;
        }
        w->dec_raw3 = d;
    }
    return w->dec_raw3;
}

static void record_image(ph_worker *w, const phash_image *img)
{
    w->rep.width = phash_image_width(img);
    w->rep.height = phash_image_height(img);
    w->rep.image_flags = phash_image_flags(img);
    w->rep.channels = phash_image_channels(img);
    w->rep.orientation = phash_image_orientation(img);
}

static phash_status decode_fail(ph_worker *w, phash_decoder *dec, phash_status st)
{
    w->rep.error_number = phash_decoder_last_errno(dec);
    ph_report_fail(w, st, "%s", phash_decoder_last_error(dec));
    return PHASH_OK;
}

/* A CMYK JPEG for an algorithm that wants the raw channels: a second
 * decode of the same bytes in memory (the pixels of one cannot be derived
 * from the other's: ImageMagick's conversion folds K in). */
static phash_status raw3_image(ph_worker *w, ph_scan_input *in, const phash_image **img)
{
    phash_decoder *d = raw3_decoder(w);
    if (!d) {
        ph_report_fail(w, PHASH_ERR_NOMEM, "cannot create a decoder");
        return PHASH_ERR_NOMEM;
    }
    phash_status st = phash_decode_memory(d, in->data, in->len, img);
    if (st != PHASH_OK)
        decode_fail(w, d, st);
    return st;
}

/* Every image algorithm on one view of the decoded image (view 0: the
 * image itself; a CMYK JPEG's raw channels are used only there). */
static phash_status hash_all(ph_worker *w, ph_scan_input *in, const phash_image *img, size_t view)
{
    phash_scanner *s = w->s;
    const phash_image *raw3 = NULL;
    for (size_t i = 0; i < s->n_algos; i++) {
        const ph_scan_algo *a = s->algos[i];
        const phash_image *use = img;
        if (a->digest || !a->hash_image)
            continue; /* digests; vpdq (videos only) */
        if (view == 0 && a->cmyk_raw3 && (phash_image_flags(img) & PHASH_IMAGE_CMYK)) {
            if (!raw3 && raw3_image(w, in, &raw3) != PHASH_OK)
                return w->rep.status;
            use = raw3;
        }
        const char *detail = NULL;
        phash_status st = a->hash_image(w->state[i], use, ph_scan_out(w, view, i), &detail);
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "%s", detail ? detail : phash_strerror(st));
            return st;
        }
    }
    return PHASH_OK;
}

/* Only one algorithm with a path of its own from the bytes (see algos.c). */
static int use_bytes_path(const phash_scanner *s)
{
    if (s->n_image_algos != 1 || s->n_algos != 1 || !s->algos[0]->hash_bytes || s->expand ||
        s->apply_orientation)
        return 0;
    /* PDQ's own path only matters for fast mode; pHash's always saves rows. */
    return s->algos[0]->sig != PHASH_SIG_PDQ || s->pdq_fast;
}

void ph_scan_report_hashes(ph_worker *w)
{
    phash_scanner *s = w->s;
    size_t n = 0;
    for (size_t view = 0; view < w->n_views; view++)
        for (size_t i = 0; i < s->n_algos; i++) {
            const ph_algo_out *o = ph_scan_out(w, view, i);
            for (unsigned v = 0; v < o->n_variants; v++) {
                phash_scan_hash *h = &w->hashes[n++];
                h->algo = s->algos[i]->name;
                h->variant = phash_pdq_dihedral_name((phash_pdq_dihedral)v);
                h->hex = o->hex[v];
                h->quality = o->quality;
                h->view = w->view_name[view];
            }
        }
    w->rep.n_hashes = s->report_hashes ? n : 0;
}

/* The query-side views (expand.h) of the decoded image, each hashed by
 * every image algorithm. A view that cannot be made is skipped: the image
 * itself is already hashed. */
static phash_status hash_views(ph_worker *w, ph_scan_input *in, const phash_image *img)
{
    phash_view views[PH_SCAN_MAX_VIEWS];
    size_t n = 0;
    if (!w->expander ||
        phash_expand_views(w->expander, img, views, PH_SCAN_MAX_VIEWS, &n) != PHASH_OK)
        return PHASH_OK;
    for (size_t v = 1; v < n; v++) {
        phash_image *vimg = NULL;
        if (phash_view_image(img, &views[v], &vimg) != PHASH_OK)
            continue;
        size_t slot = w->n_views;
        w->view_name[slot] = phash_view_kind_name(views[v].kind);
        phash_status st = hash_all(w, in, vimg, slot);
        phash_image_free(vimg);
        if (st != PHASH_OK)
            return st;
        w->n_views++;
    }
    return PHASH_OK;
}

phash_status ph_scan_image(ph_worker *w, ph_scan_input *in)
{
    phash_scanner *s = w->s;
    if (!s->decode_all && !phash_format_supported(in->format)) {
        ph_report_fail(w, PHASH_ERR_UNSUPPORTED, "%s images are not decoded by this build",
                       phash_format_name(in->format));
        return PHASH_OK;
    }
    /* Decode-only mode (phash info) asks the decoder's verdict on any file;
     * for one sniffed as a video, container or nothing known, the head it
     * was sniffed from gives that verdict: the rest is not read. */
    phash_status st = s->decode_all && in->kind != PHASH_MEDIA_IMAGE ? PHASH_OK
                                                                      : ph_scan_read_rest(w, in);
    if (st != PHASH_OK)
        return st == PHASH_ERR_CANCELLED ? st : PHASH_OK;
    /* An animated GIF's frames go to vPDQ too: its flags come from a decode. */
    int frames = s->video && in->format == PHASH_FORMAT_GIF;
    if (use_bytes_path(s) && !frames) {
        const char *detail = NULL;
        st = s->algos[0]->hash_bytes(w->state[0], in->data, in->len, &w->out[0], &detail);
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "%s", detail ? detail : phash_strerror(st));
            return PHASH_OK;
        }
    } else {
        const phash_image *img;
        st = phash_decode_memory(w->dec, in->data, in->len, &img);
        if (st != PHASH_OK)
            return decode_fail(w, w->dec, st);
        record_image(w, img);
        if (hash_all(w, in, img, 0) != PHASH_OK || hash_views(w, in, img) != PHASH_OK)
            return PHASH_OK;
    }
    st = ph_scan_match_hashes(w);
    if (frames && st == PHASH_OK)
        ph_scan_animated_image(w, in);
    return st;
}
