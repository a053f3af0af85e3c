/* SPDX-License-Identifier: MIT */
/* dctN internals for the benchmark (bench/phash times each DCT backend
 * alone). Not part of the API. */
#ifndef PHASH_LIB_DCTN_H
#define PHASH_LIB_DCTN_H

#include "internal.h"
#include "phash/dct.h"

/* Copy grid (N x N cell values, N = 4s) into the hasher and run only the
 * DCT of the given backend (MATRIX or FFTW) into its coefficient block. */
phash_status ph_dctn_transform(phash_dctn_hasher *h, phash_dctn_backend backend,
                               const double *grid);

#endif
