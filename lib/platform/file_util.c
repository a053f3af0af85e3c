/* SPDX-License-Identifier: MIT */
/* Helpers over the platform layer's file reading, the same on every OS. */
#include "platform.h"

int ph_file_read_full(ph_file *f, void *buf, size_t n, size_t *got)
{
    size_t have = 0, step = 1;
    int err = 0;
    while (!err && have < n && step > 0)
        if (!(err = ph_file_read(f, (unsigned char *)buf + have, n - have, &step)))
            have += step;
    *got = have;
    return err;
}
