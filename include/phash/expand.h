/* SPDX-License-Identifier: MIT */
/*
 * Query-side expansions: more views of one scanned image, to match copies
 * that lists hold only as the original picture.
 *
 * Signature lists hold hashes of originals; a copy with a border, letterbox
 * bars, a caption bar or a screenshot frame around the picture hashes far
 * from its original. An expander looks at a decoded image and returns the
 * rectangles ("views") worth hashing besides the whole image:
 *
 * - PHASH_VIEW_BORDER ("border"): the content box left after removing
 *   uniform borders: black, white or any flat colour, on any subset of the
 *   four sides (frames, letterbox, pillarbox, one-sided bars), tolerant of
 *   JPEG noise. A side counts only if its border is at least
 *   max(2 px, 2% of that dimension) thick, flat without drift, and ends on
 *   a straight step (a clear sky above a skyline is not a border).
 * - PHASH_VIEW_EMBEDDED ("embedded"): the dominant rectangular picture in a
 *   larger canvas (a screenshot of a viewer or web page, a picture pasted
 *   on a background, a meme with caption bars): a rectangle whose edges
 *   that are not on the image border are straight steps along most of
 *   their length, with a mostly flat canvas outside them and a picture
 *   less flat than the canvas inside.
 *
 * Cost: the detectors read every row and column at a sampling step (96
 * samples per line; border lines only as deep as the border), about
 * 15% of the instructions of one decode + PDQ + pHash at 512 px (less for
 * larger images, bench/accuracy measures it); a view is
 * hashed only when its detector fires, and never more than the configured
 * cap of views per image. The views are rectangles of the image's own
 * pixels: phash_view_image() wraps one without copying.
 *
 * Matching any view is the caller's choice (the alert policy): every match
 * should report the view that produced it (phash_view_kind_name).
 *
 * Thread safety: an expander must be used by one thread at a time (one per
 * thread; it keeps reusable work buffers and its last error). The free
 * functions are reentrant.
 */
#ifndef PHASH_EXPAND_H
#define PHASH_EXPAND_H

#include "phash/image.h"
#include "phash/phash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a view is. The values are bits so that sets of them can be passed
 * as masks (PHASH_EXPAND_OPT_KINDS). */
typedef enum phash_view_kind {
    PHASH_VIEW_ORIG = 0x01,     /* the whole image */
    PHASH_VIEW_BORDER = 0x02,   /* uniform borders removed */
    PHASH_VIEW_EMBEDDED = 0x04  /* the dominant picture in a canvas */
} phash_view_kind;

/* All expansion kinds (not counting ORIG). */
#define PHASH_VIEW_ALL_EXPANSIONS (PHASH_VIEW_BORDER | PHASH_VIEW_EMBEDDED)
/* The most views phash_expand_views() ever returns (orig + one per kind). */
#define PHASH_EXPAND_MAX_VIEWS 3

/* A rectangle of the image, in pixels, and what it is. */
typedef struct phash_view {
    phash_view_kind kind;
    uint32_t x, y;          /* top-left corner */
    uint32_t width, height; /* > 0 */
} phash_view;

/* "orig", "border", "embedded"; "unknown" for other values. Static. */
PHASH_API const char *phash_view_kind_name(phash_view_kind kind);
/* Parse a comma-separated list of kind names ("border,embedded", "all",
 * "none", "" = none) into a mask. PHASH_ERR_INVALID_ARG names nothing back:
 * an unknown name is simply refused. */
PHASH_API PHASH_NODISCARD phash_status phash_view_kinds_parse(const char *text, unsigned *mask);

typedef struct phash_expander phash_expander;

typedef enum phash_expand_option {
    /* Mask of the expansions phash_expand_views() tries (PHASH_VIEW_BORDER
     * | PHASH_VIEW_EMBEDDED, default both). ORIG is always view 0. */
    PHASH_EXPAND_OPT_KINDS = 1,
    /* At most this many views per image, orig included: 1..3 (default 3). */
    PHASH_EXPAND_OPT_MAX_VIEWS = 2,
    /* Border colour tolerance: the largest difference (0..255, per channel)
     * between a border pixel and the border's colour; default 24 (JPEG
     * quality 30 stays within it on flat areas). */
    PHASH_EXPAND_OPT_BORDER_TOLERANCE = 3,
    /* Smallest view, in per cent of the image's area (1..100, default 10):
     * a smaller content box or picture is not reported. */
    PHASH_EXPAND_OPT_MIN_AREA_PERCENT = 4
} phash_expand_option;

/* A new expander with the defaults above; *out NULL on failure
 * (PHASH_ERR_NOMEM, PHASH_ERR_INVALID_ARG for out == NULL). */
PHASH_API PHASH_NODISCARD phash_status phash_expander_new(phash_expander **out);
/* NULL is a no-op. */
PHASH_API void phash_expander_free(phash_expander *ex);
/* PHASH_ERR_INVALID_ARG for an unknown option or a value out of range
 * (the setting is then unchanged). */
PHASH_API PHASH_NODISCARD phash_status phash_expander_set_option(phash_expander *ex,
                                                                 phash_expand_option option,
                                                                 int value);
/* The option's value, or -1 for an unknown option. */
PHASH_API int phash_expander_get_option(const phash_expander *ex, phash_expand_option option);

/* Uniform-border detector. *found = 1 and *out = the content box (kind
 * PHASH_VIEW_BORDER) when at least one side has a border and the box keeps
 * at least the minimum area; *found = 0 ("none") otherwise, *out untouched.
 * Errors: PHASH_ERR_INVALID_ARG (NULL), PHASH_ERR_NOMEM. */
PHASH_API PHASH_NODISCARD phash_status phash_expand_border(phash_expander *ex,
                                                           const phash_image *img,
                                                           phash_view *out, int *found);

/* Embedded-picture detector: the same contract, kind PHASH_VIEW_EMBEDDED. */
PHASH_API PHASH_NODISCARD phash_status phash_expand_embedded(phash_expander *ex,
                                                             const phash_image *img,
                                                             phash_view *out, int *found);

/* The views to hash: views[0] is always the whole image (ORIG), then the
 * border box and the embedded picture when their detectors fire (and are
 * enabled), skipping a view whose box is within 2% of one already listed.
 * At most min(cap, the MAX_VIEWS option) views; *count receives how many.
 * Errors: PHASH_ERR_INVALID_ARG (NULL, cap 0), PHASH_ERR_NOMEM. */
PHASH_API PHASH_NODISCARD phash_status phash_expand_views(phash_expander *ex,
                                                          const phash_image *img,
                                                          phash_view *views, size_t cap,
                                                          size_t *count);

/* Wrap the pixels of a view of img as an image, without copying: valid as
 * long as img's pixels are (a decoder's image: until its next decode). Free
 * with phash_image_free(). PHASH_ERR_INVALID_ARG if the view is empty or
 * not inside the image. */
PHASH_API PHASH_NODISCARD phash_status phash_view_image(const phash_image *img,
                                                        const phash_view *view,
                                                        phash_image **out);

/* The detail of the expander's last error; never NULL. */
PHASH_API const char *phash_expander_last_error(const phash_expander *ex);

#ifdef __cplusplus
}
#endif

#endif /* PHASH_EXPAND_H */
