/* SPDX-License-Identifier: MIT */
/* Embedded-picture detector (include/phash/expand.h, PHASH_VIEW_EMBEDDED).
 *
 * A picture pasted into a larger canvas (a screenshot, a page, a meme with
 * caption bars) is bounded by straight luma steps that have a flat canvas
 * on their outer side. The detector:
 *  1. reads the luma of every row at sampled columns and of sampled rows at
 *     every column (a step s = max side / 96, so the edges themselves are
 *     found to the pixel);
 *  2. marks "edge samples": a step of more than EDGE_T between neighbouring
 *     rows (columns) with a flat neighbour on at least one side, and keeps
 *     as candidate edges the CAND_MAX rows and columns with the most edge
 *     samples (local maxima holding at least a fifth of the samples);
 *  3. tries every rectangle whose sides are candidates or the image's own
 *     sides and keeps those where every side that is not an image side is
 *     an edge along >= 60% of its length, but not along most of the line
 *     beyond the rectangle's corners, with a flat strip (>= 75% flat
 *     cells) just outside it, and the whole outside is mostly flat (>= 50%);
 *  4. picks the rectangle bounded by the most such edges, then the largest.
 * Its area must lie between the minimum area option and 95% of the image.
 * The search runs only when one of the four outermost lines is mostly flat
 * (the canvas reaches the image's border), so most photos cost four lines. */
#include <stdlib.h>
#include <string.h>

#include "expand_internal.h"

#define EDGE_T 16      /* luma step across a picture's edge */
#define FLAT_T 6       /* largest luma step between neighbours in a flat canvas */
#define CAND_MAX 10    /* candidate edges per direction */
#define MAX_AREA_PCT 95

typedef struct cand {
    uint32_t pos;   /* the edge lies between pos - 1 and pos */
    uint32_t count; /* edge samples along the whole line */
    uint32_t *sum;  /* prefix sums of edge samples along the line */
} cand;

typedef struct emb {
    const phash_image *img;
    uint32_t w, h, s, gw, gh; /* step, sampled columns, sampled rows */
    uint8_t *cl;              /* h x gw: luma of (y, i * s) */
    uint8_t *rl;              /* gh x w: luma of (j * s, x) */
    uint32_t *fs;             /* (gh + 1) x (gw + 1) prefix sums of flat cells */
    cand hc[CAND_MAX], vc[CAND_MAX];
    unsigned nh, nv;
    uint32_t skip, strip;     /* cells skipped next to an edge; strip depth in cells */
} emb;

static inline int absd(int a, int b) { return a > b ? a - b : b - a; }

static int allocate(phash_expander *ex, emb *e)
{
    size_t ncl, nrl, nfs, nsum, ncount;
    if (ph_mul_size(e->h, e->gw, &ncl) || ph_mul_size(e->gh, e->w, &nrl) ||
        ph_mul_size((size_t)e->gh + 1, (size_t)e->gw + 1, &nfs) ||
        ph_mul_size(nfs, sizeof(uint32_t), &nfs))
        return -1;
    nsum = (size_t)CAND_MAX * ((size_t)e->gw + 1 + (size_t)e->gh + 1) * sizeof(uint32_t);
    ncount = ((size_t)e->w + e->h) * sizeof(uint32_t) + e->w; /* + vcount8 */
    e->cl = ph_buf_reserve(&ex->col_luma, ncl);
    e->rl = ph_buf_reserve(&ex->row_luma, nrl);
    e->fs = ph_buf_reserve(&ex->flat_sum, nfs);
    uint32_t *sums = ph_buf_reserve(&ex->edge_sum, nsum);
    if (!e->cl || !e->rl || !e->fs || !sums || !ph_buf_reserve(&ex->counts, ncount))
        return -1;
    for (unsigned k = 0; k < CAND_MAX; k++) {
        e->hc[k].sum = sums + (size_t)k * (e->gw + 1);
        e->vc[k].sum = sums + (size_t)CAND_MAX * (e->gw + 1) + (size_t)k * (e->gh + 1);
    }
    return 0;
}

/* Luma of n pixels of a row, every step-th from the first. */
static void luma_samples(const phash_image *img, const uint8_t *row, uint32_t step, uint32_t n,
                         uint8_t *out)
{
    const size_t adv = (size_t)step * img->channels;
    if (ph_image_is_grey(img)) {
        for (uint32_t i = 0; i < n; i++, row += adv)
            out[i] = row[0];
        return;
    }
    for (uint32_t i = 0; i < n; i++, row += adv) /* ph_expand_luma's formula */
        out[i] = (uint8_t)((77u * row[0] + 150u * row[1] + 29u * row[2] + 128u) >> 8);
}

/* The sampled rows first; the rows of cl that are sampled rows copy their
 * samples from rl instead of computing them again. */
static void read_luma(emb *e)
{
    const phash_image *img = e->img;
    for (uint32_t j = 0; j < e->gh; j++)
        luma_samples(img, ph_image_row(img, j * e->s), 1, e->w, e->rl + (size_t)j * e->w);
    for (uint32_t y = 0; y < e->h; y++) {
        uint8_t *o = e->cl + (size_t)y * e->gw;
        if (y % e->s == 0) {
            const uint8_t *r = e->rl + (size_t)(y / e->s) * e->w;
            for (uint32_t i = 0; i < e->gw; i++)
                o[i] = r[(size_t)i * e->s];
        } else {
            luma_samples(img, ph_image_row(img, y), e->s, e->gw, o);
        }
    }
}

/* Edge sample at line pos (1 <= pos < n) of a sequence v[k * stride],
 * k = 0..n-1: a step over EDGE_T with a flat step on one side. */
static inline int is_edge(const uint8_t *v, size_t stride, uint32_t pos, uint32_t n)
{
    int a = v[(size_t)(pos - 1) * stride], b = v[(size_t)pos * stride];
    if (absd(a, b) <= EDGE_T)
        return 0;
    if (pos >= 2 && absd(a, v[(size_t)(pos - 2) * stride]) <= FLAT_T)
        return 1;
    return pos + 1 < n && absd(b, v[(size_t)(pos + 1) * stride]) <= FLAT_T;
}

/* Keep the CAND_MAX largest local maxima of counts[1..n-1] >= floor_. */
static unsigned pick_candidates(const uint32_t *counts, uint32_t n, uint32_t floor_, cand *out)
{
    unsigned m = 0;
    for (uint32_t p = 1; p < n; p++) {
        uint32_t c = counts[p];
        if (c < floor_ || c <= counts[p - 1] || (p + 1 < n && c < counts[p + 1]))
            continue;
        if (m == CAND_MAX && c <= out[m - 1].count)
            continue;
        unsigned k = m < CAND_MAX ? m++ : m - 1;
        while (k > 0 && out[k - 1].count < c) {
            out[k].pos = out[k - 1].pos;
            out[k].count = out[k - 1].count;
            k--;
        }
        out[k].pos = p;
        out[k].count = c;
    }
    return m;
}

/* Order candidates by position, so that the search only tries top < bottom
 * and left < right. */
static void sort_by_position(cand *c, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned k = i; k > 0 && c[k - 1].pos > c[k].pos; k--) {
            uint32_t p = c[k].pos, q = c[k].count;
            c[k].pos = c[k - 1].pos;
            c[k].count = c[k - 1].count;
            c[k - 1].pos = p;
            c[k - 1].count = q;
        }
}

/* Edge samples, 16 lines at a time: the lines are lanes, the four
 * neighbours along them (pos - 2, pos - 1, pos, pos + 1) are vectors. Byte
 * lanes compare as unsigned (|x - y| from the larger minus the smaller);
 * a mask lane is 0xff where it holds. Same rule as is_edge when both outer
 * neighbours exist. */
typedef uint8_t u8x16 __attribute__((vector_size(16)));

static inline u8x16 load16(const uint8_t *p)
{
    u8x16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline u8x16 absd16(u8x16 a, u8x16 b)
{
    u8x16 gt = (u8x16)(a > b);
    return ((a - b) & gt) | ((b - a) & ~gt);
}

static inline u8x16 edge16(u8x16 c, u8x16 a, u8x16 b, u8x16 d)
{
    const u8x16 et = (u8x16){0} + EDGE_T, ft = (u8x16){0} + FLAT_T;
    return (u8x16)(absd16(a, b) > et) &
           ((u8x16)(absd16(a, c) <= ft) | (u8x16)(absd16(b, d) <= ft));
}

/* Edge samples between rows pos - 1 and pos of cl (every sampled column),
 * 2 <= pos <= h - 2. */
static uint32_t row_edges(const emb *e, uint32_t pos)
{
    const size_t gw = e->gw;
    const uint8_t *c = e->cl + (pos - 2) * gw, *a = c + gw, *b = a + gw, *d = b + gw;
    uint32_t count = 0, i = 0;
    u8x16 acc = {0}; /* at most 96 / 16 steps: no lane overflows */
    for (; i + 16 <= gw; i += 16)
        acc -= edge16(load16(c + i), load16(a + i), load16(b + i), load16(d + i));
    for (unsigned k = 0; k < 16; k++)
        count += acc[k];
    for (; i < gw; i++)
        count += (uint32_t)is_edge(e->cl + i, gw, pos, e->h);
    return count;
}

/* Adds the edge samples of row j of rl to vcount8[x] for 2 <= x <= w - 2. */
static void col_edges(const emb *e, uint32_t j, uint8_t *vcount8)
{
    const uint8_t *r = e->rl + (size_t)j * e->w;
    uint32_t x = 2;
    for (; x + 16 <= e->w - 1; x += 16) {
        u8x16 m = edge16(load16(r + x - 2), load16(r + x - 1), load16(r + x), load16(r + x + 1));
        u8x16 v = load16(vcount8 + x) - m;
        memcpy(vcount8 + x, &v, sizeof v);
    }
    for (; x + 1 < e->w; x++)
        vcount8[x] += (uint8_t)is_edge(r, 1, x, e->w);
}

static void find_candidates(phash_expander *ex, emb *e)
{
    uint32_t *hcount = ex->counts.data, *vcount = hcount + e->h;
    for (uint32_t y = 1; y < e->h; y++) { /* rows 1 and h - 1 lack an outer neighbour */
        if (y >= 2 && y + 2 <= e->h) {
            hcount[y] = row_edges(e, y);
            continue;
        }
        uint32_t c = 0;
        for (uint32_t i = 0; i < e->gw; i++)
            c += (uint32_t)is_edge(e->cl + i, e->gw, y, e->h);
        hcount[y] = c;
    }
    /* Columns: counts of at most gh <= 96 per column fit a byte. */
    uint8_t *vcount8 = (uint8_t *)(vcount + e->w);
    memset(vcount8, 0, e->w);
    for (uint32_t j = 0; j < e->gh; j++)
        col_edges(e, j, vcount8);
    for (uint32_t x = 2; x + 1 < e->w; x++)
        vcount[x] = vcount8[x];
    const uint32_t ends[2] = {1, e->w - 1}; /* lines without an outer neighbour */
    for (unsigned k = 0; k < 2; k++) {
        uint32_t c = 0;
        for (uint32_t j = 0; j < e->gh; j++)
            c += (uint32_t)is_edge(e->rl + (size_t)j * e->w, 1, ends[k], e->w);
        vcount[ends[k]] = c;
    }
    hcount[0] = vcount[0] = 0;
    e->nh = pick_candidates(hcount, e->h, e->gw / 5 > 2 ? e->gw / 5 : 2, e->hc);
    e->nv = pick_candidates(vcount, e->w, e->gh / 5 > 2 ? e->gh / 5 : 2, e->vc);
    sort_by_position(e->hc, e->nh);
    sort_by_position(e->vc, e->nv);
    for (unsigned k = 0; k < e->nh; k++) {
        e->hc[k].sum[0] = 0;
        for (uint32_t i = 0; i < e->gw; i++)
            e->hc[k].sum[i + 1] =
                e->hc[k].sum[i] + (uint32_t)is_edge(e->cl + i, e->gw, e->hc[k].pos, e->h);
    }
    for (unsigned k = 0; k < e->nv; k++) {
        e->vc[k].sum[0] = 0;
        for (uint32_t j = 0; j < e->gh; j++)
            e->vc[k].sum[j + 1] = e->vc[k].sum[j] +
                (uint32_t)is_edge(e->rl + (size_t)j * e->w, 1, e->vc[k].pos, e->w);
    }
}

/* Cell (j, i) at pixel (j s, i s) is flat when its steps to the pixel above
 * and to the pixel on its left are at most FLAT_T. */
static void flat_sums(emb *e)
{
    uint32_t W = e->gw + 1;
    for (uint32_t i = 0; i <= e->gw; i++)
        e->fs[i] = 0;
    for (uint32_t j = 0; j < e->gh; j++) {
        uint32_t y = j * e->s, run = 0;
        const uint8_t *r = e->rl + (size_t)j * e->w;
        e->fs[(size_t)(j + 1) * W] = 0;
        for (uint32_t i = 0; i < e->gw; i++) {
            uint32_t x = i * e->s;
            int flat = (y == 0 || absd(e->cl[(size_t)y * e->gw + i],
                                       e->cl[(size_t)(y - 1) * e->gw + i]) <= FLAT_T) &&
                       (x == 0 || absd(r[x], r[x - 1]) <= FLAT_T);
            run += (uint32_t)flat;
            e->fs[(size_t)(j + 1) * W + i + 1] = e->fs[(size_t)j * W + i + 1] + run;
        }
    }
}

/* Flat cells in [j0, j1) x [i0, i1) and the cell count (clamped). */
static uint32_t flat_in(const emb *e, int64_t j0, int64_t j1, int64_t i0, int64_t i1, uint32_t *n)
{
    j0 = j0 < 0 ? 0 : j0;
    i0 = i0 < 0 ? 0 : i0;
    j1 = j1 > e->gh ? e->gh : j1;
    i1 = i1 > e->gw ? e->gw : i1;
    if (j1 <= j0 || i1 <= i0) {
        *n = 0;
        return 0;
    }
    uint32_t W = e->gw + 1;
    const uint32_t *f = e->fs;
    *n = (uint32_t)((j1 - j0) * (i1 - i0));
    return f[j1 * W + i1] - f[j0 * W + i1] - f[j1 * W + i0] + f[j0 * W + i0];
}

/* First sampled index at or after pixel p. */
static inline int64_t cell_at(const emb *e, uint32_t p) { return (p + e->s - 1) / e->s; }

/* A rectangle side that is not an image side must be an edge along >= 60%
 * of [lo, hi) with a flat strip (>= 75%) on its outer side. before: the
 * outside lies before the edge (a top or left side). */
static int side_ok(const emb *e, const cand *c, int horizontal, int before, uint32_t lo,
                   uint32_t hi)
{
    int64_t a = cell_at(e, lo), b = cell_at(e, hi), at = cell_at(e, c->pos);
    if (b <= a)
        return 0;
    uint32_t n_line = horizontal ? e->gw : e->gh;
    uint32_t hits = c->sum[b] - c->sum[a], beyond = c->sum[n_line] - hits;
    if ((uint64_t)hits * 100u < (uint64_t)(b - a) * 60u)
        return 0;
    /* A picture's edge ends at its corners: a line that is an edge beyond
     * them too (the bottom of a title bar) bounds something larger. */
    uint32_t beyond_len = n_line - (uint32_t)(b - a);
    if (beyond_len >= 2 && beyond * 2u > beyond_len)
        return 0;
    int64_t s0 = before ? at - e->skip - e->strip : at + e->skip;
    int64_t s1 = before ? at - e->skip : at + e->skip + e->strip;
    uint32_t n, flat = horizontal ? flat_in(e, s0, s1, a, b, &n) : flat_in(e, a, b, s0, s1, &n);
    return n > 0 && (uint64_t)flat * 100u >= (uint64_t)n * 75u;
}

typedef struct best {
    int edges;
    uint64_t area;
    uint32_t t, b, l, r;
} best;

static void try_rect(const emb *e, const phash_expander *ex, const cand *top, const cand *bot,
                     const cand *left, const cand *right, best *bst)
{
    uint32_t t = top ? top->pos : 0, b = bot ? bot->pos : e->h;
    uint32_t l = left ? left->pos : 0, r = right ? right->pos : e->w;
    if (b <= t || r <= l || b - t < 16 || r - l < 16)
        return;
    int edges = !!top + !!bot + !!left + !!right;
    uint64_t area = (uint64_t)(b - t) * (r - l), total = (uint64_t)e->w * e->h;
    if (edges < bst->edges || (edges == bst->edges && area <= bst->area))
        return;
    if (area * 100u > total * MAX_AREA_PCT || !ph_expand_box_big_enough(ex, e->img, r - l, b - t))
        return;
    if ((top && !side_ok(e, top, 1, 1, l, r)) || (bot && !side_ok(e, bot, 1, 0, l, r)) ||
        (left && !side_ok(e, left, 0, 1, t, b)) || (right && !side_ok(e, right, 0, 0, t, b)))
        return;
    /* The canvas (everything outside) is mostly flat. The inside is not
     * compared with it: a meme's caption bar full of text can be less flat
     * than a night photo. */
    uint32_t n_all, n_in;
    uint32_t f_all = flat_in(e, 0, e->gh, 0, e->gw, &n_all);
    uint32_t f_in = flat_in(e, cell_at(e, t), cell_at(e, b), cell_at(e, l), cell_at(e, r), &n_in);
    if (n_in == 0 || n_all <= n_in || (uint64_t)(f_all - f_in) * 100u < (uint64_t)(n_all - n_in) * 50u)
        return;
    *bst = (best){edges, area, t, b, l, r};
}

/* Every rectangle of candidate sides (or image sides, -1 / n): top before
 * bottom, left before right. */
static void search(const emb *e, const phash_expander *ex, best *bst)
{
    int nh = (int)e->nh, nv = (int)e->nv;
    for (int ti = -1; ti < nh; ti++)
        for (int bi = ti + 1; bi <= nh; bi++)
            for (int li = -1; li < nv; li++)
                for (int ri = li + 1; ri <= nv; ri++)
                    try_rect(e, ex, ti < 0 ? NULL : &e->hc[ti], bi == nh ? NULL : &e->hc[bi],
                             li < 0 ? NULL : &e->vc[li], ri == nv ? NULL : &e->vc[ri], bst);
}

/* Share (per cent) of neighbouring samples along an outermost line (row
 * `index` when horizontal, else column) whose luma differs by <= FLAT_T. */
static uint32_t outer_flat_percent(const phash_image *img, int horizontal, uint32_t index)
{
    uint32_t len = horizontal ? img->width : img->height, step = ph_expand_step(len);
    uint32_t n = 0, flat = 0;
    int prev = -1;
    for (uint32_t pos = 0; pos < len; pos += step) {
        uint32_t x = horizontal ? pos : index, y = horizontal ? index : pos;
        int v = ph_expand_luma(img, ph_image_row(img, y), x);
        if (prev >= 0) {
            n++;
            flat += (uint32_t)(absd(v, prev) <= FLAT_T);
        }
        prev = v;
    }
    return n ? flat * 100u / n : 0;
}

/* The canvas around an embedded picture reaches the image's border: when
 * none of the four outermost lines is mostly flat, there is no canvas and
 * the full search (a read of every row and column) is skipped. */
static int may_have_canvas(const phash_image *img)
{
    return outer_flat_percent(img, 1, 0) >= 60 || outer_flat_percent(img, 1, img->height - 1) >= 60 ||
           outer_flat_percent(img, 0, 0) >= 60 || outer_flat_percent(img, 0, img->width - 1) >= 60;
}

phash_status phash_expand_embedded(phash_expander *ex, const phash_image *img, phash_view *out,
                                   int *found)
{
    if (!ex || !img || !out || !found)
        return ex ? ph_error_set(&ex->err, PHASH_ERR_INVALID_ARG, "expand: invalid argument")
                  : PHASH_ERR_INVALID_ARG;
    *found = 0;
    if (img->width < 32 || img->height < 32 || !may_have_canvas(img))
        return PHASH_OK;
    emb e = {.img = img, .w = img->width, .h = img->height};
    e.s = ph_expand_step(e.w > e.h ? e.w : e.h);
    e.gw = (e.w + e.s - 1) / e.s;
    e.gh = (e.h + e.s - 1) / e.s;
    e.skip = 1 + 3 / e.s;
    e.strip = (e.gw < e.gh ? e.gw : e.gh) / 64;
    e.strip = e.strip < 2 ? 2 : e.strip;
    if (allocate(ex, &e) != 0)
        return ph_error_set(&ex->err, PHASH_ERR_NOMEM, "expand: no memory for a %ux%u image",
                            (unsigned)e.w, (unsigned)e.h);
    read_luma(&e);
    find_candidates(ex, &e);
    if (e.nh == 0 && e.nv == 0)
        return PHASH_OK;
    flat_sums(&e);
    best bst = {0, 0, 0, 0, 0, 0};
    search(&e, ex, &bst);
    if (bst.edges == 0)
        return PHASH_OK;
    *out = (phash_view){PHASH_VIEW_EMBEDDED, bst.l, bst.t, bst.r - bst.l, bst.b - bst.t};
    *found = 1;
    return PHASH_OK;
}
