/* SPDX-License-Identifier: MIT */
/*
 * phash: find known images by their perceptual fingerprints.
 *
 * This is the umbrella header: version queries, the status enum shared by
 * every function, the allocator hooks, and the headers of each concept.
 *
 * Conventions that hold for the whole API
 * ---------------------------------------
 * - Every fallible function returns a phash_status; PHASH_OK (0) is success.
 *   phash_strerror() turns a status into a static English sentence. Handles
 *   keep a detail string for their last error (e.g. the byte offset where a
 *   JPEG ended early): see the *_last_error() function of each handle.
 * - Handles are opaque, created by phash_status phash_X_new(..., phash_X
 *   **out) (*out is NULL on failure) and released by phash_X_free(), which
 *   accepts NULL.
 * - Every status-returning function is PHASH_NODISCARD.
 * - Caller-filled structs that may grow start with `size_t size` (see
 *   phash_limits in image.h): 0 or the caller's sizeof.
 * - Output pointers are written only on success unless stated otherwise.
 * - The library never prints, never calls exit() or abort(), and releases
 *   everything it allocated on every error path.
 * - Thread safety: functions without a handle are reentrant. A handle must
 *   not be used by two threads at once unless its header says otherwise.
 */
#ifndef PHASH_PHASH_H
#define PHASH_PHASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- visibility ------------------------------------------------------- */
#if defined(_WIN32) && !defined(PHASH_STATIC)
#  ifdef PHASH_BUILDING
#    define PHASH_API __declspec(dllexport)
#  else
#    define PHASH_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define PHASH_API __attribute__((visibility("default")))
#else
#  define PHASH_API
#endif

#if defined(__GNUC__)
#  define PHASH_NODISCARD __attribute__((warn_unused_result))
#else
#  define PHASH_NODISCARD
#endif

/* ---- version ---------------------------------------------------------- */
#define PHASH_VERSION_MAJOR 0
#define PHASH_VERSION_MINOR 1
#define PHASH_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 0.1.0 -> 100. */
#define PHASH_VERSION_NUMBER \
    (PHASH_VERSION_MAJOR * 10000 + PHASH_VERSION_MINOR * 100 + PHASH_VERSION_PATCH)
#define PHASH_VERSION_STRING "0.1.0"

/* The version of the library actually loaded, as PHASH_VERSION_NUMBER.
 * Compare with the macro to detect a header/library mismatch. */
PHASH_API unsigned phash_version(void);
/* The same as "MAJOR.MINOR.PATCH"; static storage, never NULL. */
PHASH_API const char *phash_version_string(void);

/* ---- status ----------------------------------------------------------- */
/* Numeric values are part of the ABI: they never change meaning. */
typedef enum phash_status {
    PHASH_OK = 0,
    PHASH_ERR_NOMEM = 1,          /* an allocation failed */
    PHASH_ERR_INVALID_ARG = 2,    /* NULL where not allowed, value out of range */
    PHASH_ERR_IO = 3,             /* read/write/open failed; errno is kept */
    PHASH_ERR_NOT_IMAGE = 4,      /* bytes are not an image of any kind known */
    PHASH_ERR_UNSUPPORTED = 5,    /* an image, but a format/feature phash does not decode */
    PHASH_ERR_CORRUPT = 6,        /* the image data is malformed */
    PHASH_ERR_TRUNCATED = 7,      /* the image data ends early */
    PHASH_ERR_TOO_LARGE = 8,      /* a decoder limit (size, pixels, memory) is exceeded */
    PHASH_ERR_TOO_SMALL = 9,      /* too small to hash meaningfully */
    PHASH_ERR_BAD_HASH = 10,      /* a hash string or code has a wrong length or character */
    PHASH_ERR_BAD_FILE = 11,      /* a signature or index file is malformed */
    PHASH_ERR_VERSION = 12,       /* a file or struct from an incompatible version */
    PHASH_ERR_NOT_FOUND = 13,     /* a looked-up item (id, column, ...) does not exist */
    PHASH_ERR_STATE = 14,         /* the call is not valid in the handle's current state */
    PHASH_ERR_UNSUPPORTED_CPU = 15, /* a requested SIMD kernel is not available here */
    PHASH_ERR_BUDGET = 16,        /* a per-file work or time budget was used up */
    PHASH_ERR_ENCRYPTED = 17,     /* the content is encrypted (archive member, document) */
    PHASH_ERR_NOT_REGULAR = 18,   /* a FIFO, socket, device or folder: never opened */
    PHASH_ERR_CANCELLED = 19      /* stopped on the caller's request */
} phash_status;
/* One more than the largest status value (for tables indexed by status). */
#define PHASH_STATUS_COUNT 20

/* A static, thread-safe English sentence for a status; never NULL
 * (unknown values give "unknown status"). */
PHASH_API const char *phash_strerror(phash_status status);
/* The enumerator's name, e.g. "PHASH_ERR_TRUNCATED" (static storage, never
 * NULL; unknown values give "PHASH_STATUS_UNKNOWN"). For logs and bindings
 * that want a stable symbolic name rather than a sentence. */
PHASH_API const char *phash_status_name(phash_status status);

/* ---- allocator hooks -------------------------------------------------- */
/* Memory phash allocates itself goes through these functions. (libjpeg,
 * libpng, libwebp and FFTW allocate internally with their own allocators.)
 * realloc_fn and free_fn follow the C semantics (free_fn(NULL) is a no-op);
 * opaque is passed back unchanged. */
typedef struct phash_allocator {
    void *(*malloc_fn)(void *opaque, size_t size);
    void *(*realloc_fn)(void *opaque, void *ptr, size_t size);
    void (*free_fn)(void *opaque, void *ptr);
    void *opaque;
} phash_allocator;

/* Install process-wide allocator hooks (NULL restores malloc/realloc/free).
 * Call it once, before any other phash function and before any other thread
 * uses phash: memory allocated with one allocator must be freed with the
 * same one. Returns PHASH_ERR_INVALID_ARG if a function pointer is NULL. */
PHASH_API PHASH_NODISCARD phash_status phash_set_allocator(const phash_allocator *allocator);

/* Free memory that a phash function documented as "free with phash_free". */
PHASH_API void phash_free(void *ptr);

#ifdef __cplusplus
}
#endif

#include "phash/codes.h"
#include "phash/media.h"
#include "phash/image.h"
#include "phash/sigset.h"
#include "phash/dct.h"
#include "phash/index.h"
#include "phash/cpu.h"
#include "phash/pdq.h"
#include "phash/digest.h"
#include "phash/expand.h"
#include "phash/state.h"
#include "phash/scan.h"
#include "phash/video.h"
#include "phash/alert.h"

#endif /* PHASH_PHASH_H */
