/* SPDX-License-Identifier: MIT */
/* The container kind: open an archive from the file's bytes (lib/container/)
 * and scan every member as a file of its own, one level down, from memory.
 * The limits (scan.h, PHASH_SCAN_OPT_CONTAINER_*) are checked while the
 * members are read, before each buffer grows: nesting, members per
 * container, uncompressed bytes per file and their ratio to the file's
 * size, bytes per member. PDF documents (lib/container/pdf.c) give their
 * image XObjects as members: embedded JPEG files, and rasters inflated
 * under the same limits and handed on as PNM. */
#include <stdio.h>
#include <string.h>

#include "container/archive.h"
#include "container/pdf.h"
#include "scan_int.h"

/* Bytes of members a file may hold before the ratio is checked: below it
 * nothing is a bomb (it costs a few milliseconds to inflate). */
#define PH_RATIO_FLOOR ((uint64_t)16 << 20)
/* Head of a member read to sniff it; members of no kind the scanner works
 * on are not read further unless digests want every byte. */
#define PH_MEMBER_HEAD ((size_t)64 << 10)
#define PH_MEMBER_CHUNK ((size_t)256 << 10)
/* Object numbers of a PDF visited at most: a real document has far fewer
 * (a 1,000-page scan has a few thousand); a hostile /Size is not walked. */
#define PH_PDF_MAX_OBJECTS 1000000u

/* Why a container stopped early (a limit), or 0. */
typedef struct member_budget {
    phash_status status;
    char detail[PH_DETAIL_LEN];
} member_budget;

static ph_worker *child_worker(ph_worker *w)
{
    if (w->child)
        return w->child;
    ph_worker *c = ph_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (ph_worker_init(c, w->s)) {
        ph_worker_release(c);
        ph_free(c);
        return NULL;
    }
    c->depth = w->depth + 1;
    c->root = w->root ? w->root : w;
    w->child = c;
    return c;
}

/* Count n more uncompressed bytes against the file's budget; 0, or -1 with
 * the reason in b. */
static int spend(ph_worker *w, uint64_t n, member_budget *b)
{
    const phash_scanner *s = w->s;
    ph_worker *root = w->root ? w->root : w;
    root->container_bytes += n;
    uint64_t total = root->container_bytes;
    if (total > s->container_bytes) {
        b->status = PHASH_ERR_BUDGET;
        snprintf(b->detail, sizeof b->detail,
                 "containers: more than %llu uncompressed bytes in one file; the rest not opened",
                 (unsigned long long)s->container_bytes);
        return -1;
    }
    uint64_t base = root->container_base ? root->container_base : 1;
    if (total > PH_RATIO_FLOOR && total / s->container_ratio > base) {
        b->status = PHASH_ERR_BUDGET;
        snprintf(b->detail, sizeof b->detail,
                 "containers: members expand to more than %llu times the file's %llu bytes "
                 "(a decompression bomb?); the rest not opened",
                 (unsigned long long)s->container_ratio, (unsigned long long)base);
        return -1;
    }
    return 0;
}

/* Does the scanner do anything with a member of this format beyond
 * sniffing it? */
static int wants_all_bytes(const phash_scanner *s, phash_format f)
{
    if (s->digests || s->decode_all)
        return 1;
    phash_media_kind k = phash_format_kind(f);
    return ph_scan_kind_for(k) && phash_format_supported(f);
}

/* Read the current member into w->member: its head, then (when anything
 * wants them) the rest, up to the member limit. Returns PHASH_OK with
 * *len, *whole (the member ended within the buffer); PHASH_ERR_TOO_LARGE
 * past the member limit; PHASH_ERR_BUDGET (b says why); an archive error. */
static phash_status read_member(ph_worker *w, ph_archive *a, size_t *len, int *whole,
                                member_budget *b)
{
    const phash_scanner *s = w->s;
    size_t cap = (size_t)s->member_size, n = 0, want = PH_MEMBER_HEAD;
    int sniffed = 0;
    *whole = 0;
    for (;;) {
        if (n == want) {
            if (!sniffed) {
                sniffed = 1;
                if (!wants_all_bytes(s, phash_sniff(w->member.data, n)))
                    break; /* the head says enough */
            }
            if (n >= cap + (size_t)1)
                return PHASH_ERR_TOO_LARGE;
            want = n * 2 > cap + (size_t)1 ? cap + (size_t)1 : n * 2;
        }
        if (ph_scan_buf_grow(&w->member, want))
            return PHASH_ERR_NOMEM;
        size_t step = want - n < PH_MEMBER_CHUNK ? want - n : PH_MEMBER_CHUNK, got = 0;
        phash_status st = ph_archive_read(a, (uint8_t *)w->member.data + n, step, &got);
        if (st != PHASH_OK)
            return st;
        if (got == 0) {
            *whole = 1;
            break;
        }
        if (spend(w, got, b))
            return PHASH_ERR_BUDGET;
        n += got;
    }
    *len = n;
    return PHASH_OK;
}

/* "path!name" into w->member_path. */
static const char *member_path(ph_worker *w, const char *name)
{
    size_t a = strlen(w->rep.path), n = strlen(name);
    if (!ph_buf_reserve(&w->member_path, a + n + 2))
        return NULL;
    char *p = w->member_path.data;
    memcpy(p, w->rep.path, a);
    p[a] = '!';
    memcpy(p + a + 1, name, n + 1);
    return p;
}

/* The child worker and the path of member `name`; -1 (b says why) when
 * out of memory. */
static int member_target(ph_worker *w, const char *name, ph_worker **c, const char **path,
                         member_budget *b)
{
    *c = child_worker(w);
    *path = member_path(w, name);
    if (*c && *path)
        return 0;
    b->status = PHASH_ERR_NOMEM;
    snprintf(b->detail, sizeof b->detail, "containers: out of memory");
    return -1;
}

/* Skipping the unread rest of a member may cost decompressing it: count it
 * against the budget first, and refuse when its size is unknown. */
static int spend_skip(ph_worker *w, ph_archive *a, const ph_archive_member *m, size_t read,
                      member_budget *b)
{
    if (!ph_archive_skip_decompresses(a))
        return 0;
    if (m->size < 0) {
        b->status = PHASH_ERR_BUDGET;
        snprintf(b->detail, sizeof b->detail,
                 "containers: a member over the size limit of unknown length cannot be "
                 "skipped without decompressing it; the rest not opened");
        return -1;
    }
    return (uint64_t)m->size > read ? spend(w, (uint64_t)m->size - read, b) : 0;
}

/* One member: read it, hand it to the child worker (which reports it).
 * PHASH_OK to go on, PHASH_ERR_BUDGET to stop (b says why),
 * PHASH_ERR_CANCELLED, or an archive error that ends the archive. */
static phash_status scan_member(ph_worker *w, ph_archive *a, const ph_archive_member *m,
                                member_budget *b)
{
    ph_worker *c;
    const char *path;
    if (member_target(w, m->name, &c, &path, b))
        return PHASH_ERR_BUDGET;
    uint64_t declared = m->size > 0 ? (uint64_t)m->size : 0;
    if (m->encrypted)
        return ph_worker_report_member(c, path, declared, PHASH_ERR_ENCRYPTED,
                                       "encrypted member: not read (no password is tried)");
    size_t len = 0;
    int whole = 0;
    phash_status st = read_member(w, a, &len, &whole, b);
    if (st == PHASH_ERR_BUDGET)
        return st;
    if (st == PHASH_ERR_TOO_LARGE) {
        char d[PH_DETAIL_LEN];
        snprintf(d, sizeof d, "member larger than the member limit (%llu bytes): not scanned",
                 (unsigned long long)w->s->member_size);
        st = ph_worker_report_member(c, path, declared, PHASH_ERR_TOO_LARGE, d);
        if (st == PHASH_OK && spend_skip(w, a, m, w->s->member_size + 1, b))
            return PHASH_ERR_BUDGET;
        return st;
    }
    if (st != PHASH_OK) {
        phash_status rst = ph_worker_report_member(c, path, declared, st, ph_archive_error(a));
        return rst == PHASH_OK ? PHASH_OK : rst;
    }
    st = ph_worker_scan_member(c, w->member.data, len, whole ? len : declared, path);
    if (st == PHASH_OK && !whole && spend_skip(w, a, m, len, b))
        return PHASH_ERR_BUDGET;
    return st;
}

/* Every member in order; the container's own report gets the first error
 * of the archive or the limit that stopped it. */
static phash_status scan_members(ph_worker *w, ph_archive *a)
{
    const phash_scanner *s = w->s;
    uint64_t listed = 0;
    for (;;) {
        if (atomic_load(&w->s->cancelled))
            return PHASH_ERR_CANCELLED;
        ph_archive_member m;
        phash_status st = ph_archive_next(a, &m);
        if (st == PHASH_ERR_NOT_FOUND)
            return PHASH_OK;
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "%s", ph_archive_error(a));
            return PHASH_OK;
        }
        if (++listed > s->container_members) {
            ph_report_fail(w, PHASH_ERR_BUDGET,
                           "containers: more than %llu members; the rest not opened",
                           (unsigned long long)s->container_members);
            return PHASH_OK;
        }
        if (!m.regular)
            continue; /* folders, links, devices: nothing to scan */
        member_budget b = {0};
        st = scan_member(w, a, &m, &b);
        if (st == PHASH_ERR_CANCELLED)
            return st;
        if (st == PHASH_ERR_BUDGET) {
            ph_report_fail(w, b.status, "%s", b.detail);
            return PHASH_OK;
        }
    }
}

/* One image of a PDF: its dictionary already checked; the inflated bytes
 * counted against the budget before they are produced. */
static phash_status scan_pdf_image(ph_worker *w, ph_pdf *p, ph_pdf_image *img, member_budget *b)
{
    ph_worker *c;
    const char *path;
    if (member_target(w, img->name, &c, &path, b))
        return PHASH_ERR_BUDGET;
    if (img->status == PHASH_OK && spend(w, img->inflate, b))
        return PHASH_ERR_BUDGET;
    if (img->status == PHASH_OK)
        ph_pdf_read(p, img);
    if (img->status == PHASH_OK && img->len > w->s->member_size) {
        img->status = PHASH_ERR_TOO_LARGE;
        snprintf(img->detail, sizeof img->detail, "member larger than the member limit (%llu bytes): not scanned",
                 (unsigned long long)w->s->member_size);
    }
    if (img->status != PHASH_OK)
        return ph_worker_report_member(c, path, 0, img->status, img->detail);
    return ph_worker_scan_member(c, img->data, img->len, img->len, path);
}

/* Every image XObject of a PDF document, as members. */
static phash_status scan_pdf(ph_worker *w, ph_scan_input *in)
{
    const phash_scanner *s = w->s;
    ph_pdf_limits lim = {s->limits.max_width, s->limits.max_height, s->limits.max_pixels,
                         s->member_size, PH_PDF_MAX_OBJECTS};
    ph_pdf *p = NULL;
    phash_status st = ph_pdf_open(in->data, in->len, &lim, &p, w->detail, sizeof w->detail);
    if (st != PHASH_OK) {
        ph_report_fail(w, st, "%s", w->detail);
        return PHASH_OK;
    }
    uint64_t listed = 0;
    ph_pdf_image img;
    while (!atomic_load(&s->cancelled) && (st = ph_pdf_next(p, &img)) == PHASH_OK) {
        if (++listed > s->container_members) {
            ph_report_fail(w, PHASH_ERR_BUDGET, "containers: more than %llu members; the rest not opened",
                           (unsigned long long)s->container_members);
            break;
        }
        member_budget b = {0};
        st = scan_pdf_image(w, p, &img, &b);
        if (st == PHASH_ERR_CANCELLED)
            break;
        if (st == PHASH_ERR_BUDGET) {
            ph_report_fail(w, b.status, "%s", b.detail);
            break;
        }
    }
    ph_pdf_close(p);
    if (st == PHASH_ERR_BUDGET && w->rep.status == PHASH_OK)
        ph_report_fail(w, PHASH_ERR_BUDGET, "PDF: more than %u objects; the rest not opened",
                       PH_PDF_MAX_OBJECTS);
    return atomic_load(&s->cancelled) ? PHASH_ERR_CANCELLED : PHASH_OK;
}

phash_status ph_scan_container(ph_worker *w, ph_scan_input *in)
{
    const phash_scanner *s = w->s;
    int pdf = in->format == PHASH_FORMAT_PDF;
    if (!(pdf ? ph_pdf_supported() : ph_archive_format_supported(in->format))) {
        ph_report_fail(w, PHASH_ERR_UNSUPPORTED, "%s containers are not opened by this build",
                       phash_format_name(in->format));
        return PHASH_OK;
    }
    if (s->container_depth == 0) {
        snprintf(w->detail, sizeof w->detail, "containers are not opened (depth limit 0)");
        return PHASH_OK;
    }
    if (w->depth >= s->container_depth) {
        ph_report_fail(w, PHASH_ERR_BUDGET,
                       "containers nested more than %u deep: members not opened",
                       s->container_depth);
        return PHASH_OK;
    }
    phash_status st = ph_scan_read_rest(w, in);
    if (st != PHASH_OK)
        return PHASH_OK;
    if (w->depth == 0) {
        w->container_bytes = 0;
        w->container_base = in->size;
    }
    if (pdf) {
        st = scan_pdf(w, in);
    } else {
        ph_archive *a = NULL;
        st = ph_archive_open(in->data, in->len, &a, w->detail, sizeof w->detail);
        if (st != PHASH_OK) {
            ph_report_fail(w, st, "%s", w->detail);
            return PHASH_OK;
        }
        st = scan_members(w, a);
        ph_archive_close(a);
    }
    if (st == PHASH_OK && w->rep.status == PHASH_OK && in->len < in->size)
        ph_report_fail(w, PHASH_ERR_TRUNCATED,
                       "container larger than the read limit (%llu bytes): members past it "
                       "not opened",
                       (unsigned long long)s->max_read);
    return st;
}
