/* SPDX-License-Identifier: MIT */
/* tools/cli_os_win32.c's service control handler (phash scan
 * --windows-service), called directly: the controls Wine's service manager
 * cannot send (shutdown, preshutdown: Windows sends them only when it shuts
 * down) and a stop that comes while the scan is still being set up.
 * test_cli_service.py runs the service itself under Wine. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <check.h>
#include <stdlib.h>

#include "cli_os_win32.c" /* its static functions too */
#include "testutil.h"

static int stops, hangups;

static void on_stop(int sig)
{
    ck_assert_int_eq(sig, 0);
    stops++;
}

static void on_hangup(int sig)
{
    ck_assert_int_eq(sig, 0);
    hangups++;
}

START_TEST(controls_act_as_signals)
{
    /* a stop before the scan set its handlers: acted on when it does */
    ck_assert_int_eq(cli_service_control(SERVICE_CONTROL_STOP), NO_ERROR);
    ck_assert_int_eq(stops, 0);
    cli_on_signals(on_stop, on_hangup);
    ck_assert_int_eq(stops, 1);
    const struct {
        unsigned long control;
        long answer;
        int stops, hangups;
    } cases[] = {
        {SERVICE_CONTROL_STOP, NO_ERROR, 2, 0},
        {SERVICE_CONTROL_SHUTDOWN, NO_ERROR, 3, 0},
        {SERVICE_CONTROL_PRESHUTDOWN, NO_ERROR, 4, 0},
        {SERVICE_CONTROL_PARAMCHANGE, NO_ERROR, 4, 1}, /* SIGHUP: reload, reopen */
        {SERVICE_CONTROL_INTERROGATE, NO_ERROR, 4, 1},
        {SERVICE_CONTROL_PAUSE, ERROR_CALL_NOT_IMPLEMENTED, 4, 1},
        {SERVICE_CONTROL_CONTINUE, ERROR_CALL_NOT_IMPLEMENTED, 4, 1},
        {SERVICE_CONTROL_NETBINDADD, ERROR_CALL_NOT_IMPLEMENTED, 4, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(cli_service_control(cases[i].control), cases[i].answer);
        ck_assert_int_eq(stops, cases[i].stops);
        ck_assert_int_eq(hangups, cases[i].hangups);
    }
}
END_TEST

START_TEST(console_events)
{
    const DWORD events[] = {CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT,
                            CTRL_SHUTDOWN_EVENT};
    const int in_service[] = {1, 1, 1, 0, 0}; /* any user's logoff is sent to services */
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        ck_assert_int_eq(console_event_stops(events[i], 0), 1);
        ck_assert_int_eq(console_event_stops(events[i], 1), in_service[i]);
    }
    ck_assert_int_eq(console_event_stops(7, 0), 0); /* not a console event */
    /* a service's handler: logoff and shutdown handled (TRUE, not the
     * default handler's exit) without a stop */
    InterlockedExchange(&g_is_service, 1);
    cli_on_signals(on_stop, on_hangup);
    int before = stops;
    ck_assert_int_eq(on_console_event(CTRL_LOGOFF_EVENT), TRUE);
    ck_assert_int_eq(on_console_event(CTRL_SHUTDOWN_EVENT), TRUE);
    ck_assert_int_eq(stops, before);
    ck_assert_int_eq(on_console_event(CTRL_BREAK_EVENT), TRUE);
    ck_assert_int_eq(stops, before + 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_os");
    TCase *tc = tcase_create("service");
    tcase_add_test(tc, controls_act_as_signals);
    tcase_add_test(tc, console_events);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
