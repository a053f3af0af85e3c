/* SPDX-License-Identifier: MIT */
/* ph_once: one-time set-up on every OS from C11 atomics (platform.h).
 *
 * Why not pthread_once / InitOnceExecuteOnce: their flag types differ per
 * OS and would drag <pthread.h> or <windows.h> into every file that needs a
 * static flag. The waiting path is taken only by threads that race the very
 * first call, and fn is short (a library's global set-up), so a loser sleeps
 * in short steps rather than blocking on an OS object. */
#include <stdatomic.h>

#include "platform.h"

void ph_once(ph_once_flag *flag, void (*fn)(void))
{
    if (atomic_load_explicit(&flag->state, memory_order_acquire) == 2)
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong_explicit(&flag->state, &expected, 1, memory_order_acq_rel,
                                                memory_order_acquire)) {
        fn();
        atomic_store_explicit(&flag->state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&flag->state, memory_order_acquire) != 2)
        ph_sleep(0.0002);
}
