/* SPDX-License-Identifier: MIT */
/* Status messages and per-handle error details. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *phash_strerror(phash_status status)
{
    switch (status) {
    case PHASH_OK: return "success";
    case PHASH_ERR_NOMEM: return "out of memory";
    case PHASH_ERR_INVALID_ARG: return "invalid argument";
    case PHASH_ERR_IO: return "input/output error";
    case PHASH_ERR_NOT_IMAGE: return "not an image";
    case PHASH_ERR_UNSUPPORTED: return "unsupported image format or feature";
    case PHASH_ERR_CORRUPT: return "corrupt image data";
    case PHASH_ERR_TRUNCATED: return "truncated image data";
    case PHASH_ERR_TOO_LARGE: return "image exceeds a decoder limit";
    case PHASH_ERR_TOO_SMALL: return "image too small";
    case PHASH_ERR_BAD_HASH: return "malformed hash";
    case PHASH_ERR_BAD_FILE: return "malformed signature or index file";
    case PHASH_ERR_VERSION: return "incompatible version";
    case PHASH_ERR_NOT_FOUND: return "not found";
    case PHASH_ERR_STATE: return "invalid call in the current state";
    case PHASH_ERR_UNSUPPORTED_CPU: return "requested CPU feature not available";
    case PHASH_ERR_BUDGET: return "work budget for one file exceeded";
    case PHASH_ERR_ENCRYPTED: return "encrypted content";
    case PHASH_ERR_NOT_REGULAR: return "not a regular file";
    case PHASH_ERR_CANCELLED: return "cancelled";
    }
    return "unknown status";
}

const char *phash_status_name(phash_status status)
{
#define NAME(s) case s: return #s
    switch (status) {
    NAME(PHASH_OK);
    NAME(PHASH_ERR_NOMEM);
    NAME(PHASH_ERR_INVALID_ARG);
    NAME(PHASH_ERR_IO);
    NAME(PHASH_ERR_NOT_IMAGE);
    NAME(PHASH_ERR_UNSUPPORTED);
    NAME(PHASH_ERR_CORRUPT);
    NAME(PHASH_ERR_TRUNCATED);
    NAME(PHASH_ERR_TOO_LARGE);
    NAME(PHASH_ERR_TOO_SMALL);
    NAME(PHASH_ERR_BAD_HASH);
    NAME(PHASH_ERR_BAD_FILE);
    NAME(PHASH_ERR_VERSION);
    NAME(PHASH_ERR_NOT_FOUND);
    NAME(PHASH_ERR_STATE);
    NAME(PHASH_ERR_UNSUPPORTED_CPU);
    NAME(PHASH_ERR_BUDGET);
    NAME(PHASH_ERR_ENCRYPTED);
    NAME(PHASH_ERR_NOT_REGULAR);
    NAME(PHASH_ERR_CANCELLED);
    }
#undef NAME
    return "PHASH_STATUS_UNKNOWN";
}

void ph_detail_vset(char detail[PH_DETAIL_LEN], const char *fmt, va_list ap)
{
    detail[0] = '\0';
    if (fmt)
        vsnprintf(detail, PH_DETAIL_LEN, fmt, ap);
}

phash_status ph_error_set(ph_error *err, phash_status status, const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    ph_detail_vset(err->detail, fmt, ap);
    va_end(ap);
    return status;
}

void ph_error_clear(ph_error *err)
{
    err->status = PHASH_OK;
    err->detail[0] = '\0';
}

const char *ph_error_message(const ph_error *err)
{
    if (!err)
        return phash_strerror(PHASH_ERR_INVALID_ARG);
    return err->detail[0] ? err->detail : phash_strerror(err->status);
}
