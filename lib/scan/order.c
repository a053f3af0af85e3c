/* SPDX-License-Identifier: MIT */
/* Reports in input order (PHASH_SCAN_OPT_ORDERED). Every file queued and
 * every walk error gets a ticket, in the walk's order; a thread delivering
 * the reports of ticket k (a file's, or a container's members' and its own)
 * first waits until ticket k-1 is done, and holds the turn until the item is
 * finished. The ticket a thread works on is thread-local, so the delivery
 * path (worker.c, containers) needs no change. No deadlock: tickets are
 * taken from the queue in order, so the lowest ticket not done is always held
 * by a thread that waits for nobody. A cancel releases every waiter. */
#include "scan_int.h"

static _Thread_local struct {
    uint64_t ticket;
    int active;  /* this thread works on `ticket` */
    int holding; /* ... and has its turn */
} cur;

void ph_order_begin(phash_scanner *s)
{
    s->tickets_issued = s->tickets_done = 0;
}

uint64_t ph_order_ticket(phash_scanner *s)
{
    return s->tickets_issued++; /* under s->lock, or on the walking thread */
}

void ph_order_enter(const phash_scanner *s, uint64_t ticket)
{
    cur.ticket = ticket;
    cur.active = s->ordered; /* called only by threaded scans */
    cur.holding = 0;
}

/* With s->cb_lock held: wait for this thread's turn. */
void ph_order_wait_turn(phash_scanner *s)
{
    if (!cur.active || cur.holding)
        return;
    while (s->tickets_done != cur.ticket && !atomic_load(&s->cancelled))
        ph_cond_wait(s->turn, s->cb_lock);
    cur.holding = 1;
}

void ph_order_leave(phash_scanner *s)
{
    if (!cur.active)
        return;
    ph_mutex_lock(s->cb_lock);
    ph_order_wait_turn(s); /* an item that made no report still takes its turn */
    s->tickets_done = cur.ticket + 1;
    ph_cond_broadcast(s->turn);
    ph_mutex_unlock(s->cb_lock);
    cur.active = 0;
}
