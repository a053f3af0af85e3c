/* SPDX-License-Identifier: MIT */
/* A build without qpdf (-Dpdf=disabled, or libqpdf not found): PDF
 * documents are recognised by content and not opened (see pdf.h). */
#include <stdio.h>

#include "container/pdf.h"

int ph_pdf_supported(void) { return 0; }

phash_status ph_pdf_open(const void *data, size_t len, const ph_pdf_limits *lim, ph_pdf **out,
                         char *detail, size_t detail_len)
{
    (void)data, (void)len, (void)lim;
    *out = NULL;
    snprintf(detail, detail_len, "this build does not open PDF documents (no qpdf)");
    return PHASH_ERR_UNSUPPORTED;
}

phash_status ph_pdf_next(ph_pdf *p, ph_pdf_image *img)
{
    (void)p, (void)img;
    return PHASH_ERR_NOT_FOUND;
}

void ph_pdf_read(ph_pdf *p, ph_pdf_image *img)
{
    (void)p;
    img->status = PHASH_ERR_UNSUPPORTED;
}

void ph_pdf_close(ph_pdf *p) { (void)p; }
