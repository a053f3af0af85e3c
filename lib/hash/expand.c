/* SPDX-License-Identifier: MIT */
/* The expander handle, its options and the list of views to hash
 * (include/phash/expand.h). The detectors are expand_border.c and
 * expand_embedded.c. */
#include <string.h>

#include "expand_internal.h"

#define DEFAULT_BORDER_TOL 24
#define DEFAULT_MIN_AREA_PCT 10

static const struct {
    phash_view_kind kind;
    const char *name;
} view_names[] = {
    {PHASH_VIEW_ORIG, "orig"},
    {PHASH_VIEW_BORDER, "border"},
    {PHASH_VIEW_EMBEDDED, "embedded"},
};

const char *phash_view_kind_name(phash_view_kind kind)
{
    for (size_t i = 0; i < sizeof view_names / sizeof view_names[0]; i++)
        if (view_names[i].kind == kind)
            return view_names[i].name;
    return "unknown";
}

/* The mask bit of one expansion name of len bytes, 0 if unknown. */
static unsigned expansion_bit(const char *name, size_t len)
{
    if (len == 3 && memcmp(name, "all", 3) == 0)
        return PHASH_VIEW_ALL_EXPANSIONS;
    if (len == 4 && memcmp(name, "none", 4) == 0)
        return 0x100u; /* valid, adds nothing */
    for (size_t i = 1; i < sizeof view_names / sizeof view_names[0]; i++)
        if (strlen(view_names[i].name) == len && memcmp(view_names[i].name, name, len) == 0)
            return (unsigned)view_names[i].kind;
    return 0;
}

phash_status phash_view_kinds_parse(const char *text, unsigned *mask)
{
    if (!text || !mask)
        return PHASH_ERR_INVALID_ARG;
    unsigned m = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned bit = expansion_bit(p, len);
        if (!bit)
            return PHASH_ERR_INVALID_ARG;
        m |= bit;
        p += len;
        if (*p == ',' && *++p == '\0')
            return PHASH_ERR_INVALID_ARG; /* trailing comma */
    }
    *mask = m & PHASH_VIEW_ALL_EXPANSIONS;
    return PHASH_OK;
}

phash_status phash_expander_new(phash_expander **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    phash_expander *ex = ph_calloc(1, sizeof *ex);
    *out = ex;
    if (!ex)
        return PHASH_ERR_NOMEM;
    ex->kinds = PHASH_VIEW_ALL_EXPANSIONS;
    ex->max_views = PHASH_EXPAND_MAX_VIEWS;
    ex->border_tol = DEFAULT_BORDER_TOL;
    ex->min_area_pct = DEFAULT_MIN_AREA_PCT;
    return PHASH_OK;
}

void phash_expander_free(phash_expander *ex)
{
    if (!ex)
        return;
    ph_buf_release(&ex->col_luma);
    ph_buf_release(&ex->row_luma);
    ph_buf_release(&ex->flat_sum);
    ph_buf_release(&ex->edge_sum);
    ph_buf_release(&ex->counts);
    ph_free(ex);
}

phash_status phash_expander_set_option(phash_expander *ex, phash_expand_option option, int value)
{
    if (!ex)
        return PHASH_ERR_INVALID_ARG;
    switch (option) {
    case PHASH_EXPAND_OPT_KINDS:
        if (value < 0 || ((unsigned)value & ~(unsigned)PHASH_VIEW_ALL_EXPANSIONS))
            break;
        ex->kinds = (unsigned)value;
        return PHASH_OK;
    case PHASH_EXPAND_OPT_MAX_VIEWS:
        if (value < 1 || value > PHASH_EXPAND_MAX_VIEWS)
            break;
        ex->max_views = value;
        return PHASH_OK;
    case PHASH_EXPAND_OPT_BORDER_TOLERANCE:
        if (value < 0 || value > 255)
            break;
        ex->border_tol = value;
        return PHASH_OK;
    case PHASH_EXPAND_OPT_MIN_AREA_PERCENT:
        if (value < 1 || value > 100)
            break;
        ex->min_area_pct = value;
        return PHASH_OK;
    default:
        return ph_error_set(&ex->err, PHASH_ERR_INVALID_ARG, "expand: unknown option %d",
                            (int)option);
    }
    return ph_error_set(&ex->err, PHASH_ERR_INVALID_ARG, "expand: value %d out of range for option %d",
                        value, (int)option);
}

int phash_expander_get_option(const phash_expander *ex, phash_expand_option option)
{
    if (!ex)
        return -1;
    switch (option) {
    case PHASH_EXPAND_OPT_KINDS: return (int)ex->kinds;
    case PHASH_EXPAND_OPT_MAX_VIEWS: return ex->max_views;
    case PHASH_EXPAND_OPT_BORDER_TOLERANCE: return ex->border_tol;
    case PHASH_EXPAND_OPT_MIN_AREA_PERCENT: return ex->min_area_pct;
    }
    return -1;
}

const char *phash_expander_last_error(const phash_expander *ex)
{
    return ex ? ph_error_message(&ex->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

int ph_expand_box_big_enough(const phash_expander *ex, const phash_image *img, uint32_t w,
                             uint32_t h)
{
    if (w < 8 || h < 8)
        return 0;
    return (uint64_t)w * h * 100u >= (uint64_t)img->width * img->height * (unsigned)ex->min_area_pct;
}

/* 1 when every edge of a is within 2% of the image's size of b's. */
static int same_box(const phash_image *img, const phash_view *a, const phash_view *b)
{
    uint32_t tx = img->width / 50, ty = img->height / 50;
    uint32_t ax1 = a->x + a->width, bx1 = b->x + b->width;
    uint32_t ay1 = a->y + a->height, by1 = b->y + b->height;
#define NEAR(p, q, t) ((p) > (q) ? (p) - (q) <= (t) : (q) - (p) <= (t))
    return NEAR(a->x, b->x, tx) && NEAR(ax1, bx1, tx) && NEAR(a->y, b->y, ty) && NEAR(ay1, by1, ty);
#undef NEAR
}

/* Append v unless an equivalent box is listed already. */
static void add_view(const phash_image *img, phash_view *views, size_t *n, const phash_view *v)
{
    for (size_t i = 0; i < *n; i++)
        if (same_box(img, &views[i], v))
            return;
    views[(*n)++] = *v;
}

phash_status phash_expand_views(phash_expander *ex, const phash_image *img, phash_view *views,
                                size_t cap, size_t *count)
{
    if (!ex || !img || !views || cap == 0 || !count)
        return ex ? ph_error_set(&ex->err, PHASH_ERR_INVALID_ARG, "expand: invalid argument")
                  : PHASH_ERR_INVALID_ARG;
    size_t limit = cap < (size_t)ex->max_views ? cap : (size_t)ex->max_views;
    size_t n = 0;
    views[n++] = (phash_view){PHASH_VIEW_ORIG, 0, 0, img->width, img->height};
    phash_view v;
    int found = 0;
    phash_status st;
    if (n < limit && (ex->kinds & PHASH_VIEW_BORDER)) {
        if ((st = phash_expand_border(ex, img, &v, &found)) != PHASH_OK)
            return st;
        if (found)
            add_view(img, views, &n, &v);
    }
    if (n < limit && (ex->kinds & PHASH_VIEW_EMBEDDED)) {
        if ((st = phash_expand_embedded(ex, img, &v, &found)) != PHASH_OK)
            return st;
        if (found)
            add_view(img, views, &n, &v);
    }
    *count = n;
    return PHASH_OK;
}

phash_status phash_view_image(const phash_image *img, const phash_view *view, phash_image **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    if (!img || !view || view->width == 0 || view->height == 0 || view->x >= img->width ||
        view->y >= img->height || view->width > img->width - view->x ||
        view->height > img->height - view->y)
        return PHASH_ERR_INVALID_ARG;
    const uint8_t *p = ph_image_row(img, view->y) + (size_t)view->x * img->channels;
    phash_status st = phash_image_wrap(p, view->width, view->height, img->stride,
                                       (phash_pixel_format)img->channels, out);
    if (st == PHASH_OK) { /* keep the facts of the source */
        (*out)->format = img->format;
        (*out)->orientation = img->orientation;
        (*out)->flags = img->flags;
    }
    return st;
}
