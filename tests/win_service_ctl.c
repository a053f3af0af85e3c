/* SPDX-License-Identifier: MIT */
/* Test helper (Windows): what Wine's sc.exe cannot do for test_cli_service.py.
 *   win_service_ctl control NAME CODE   send control CODE (e.g. 6,
 *                                       SERVICE_CONTROL_PARAMCHANGE) to the
 *                                       service NAME; exit 0 when accepted
 *   win_service_ctl sleep SEC           stay alive SEC seconds (under Wine,
 *                                       services are shut down when no other
 *                                       program runs) */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "sleep")) {
        Sleep((DWORD)atoi(argv[2]) * 1000);
        return 0;
    }
    if (argc != 4 || strcmp(argv[1], "control")) {
        fprintf(stderr, "usage: win_service_ctl control NAME CODE | sleep SEC\n");
        return 2;
    }
    SC_HANDLE m = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    SC_HANDLE s = m ? OpenServiceA(m, argv[2], SERVICE_USER_DEFINED_CONTROL | SERVICE_STOP |
                                                   SERVICE_PAUSE_CONTINUE | SERVICE_QUERY_STATUS)
                    : NULL;
    SERVICE_STATUS st;
    if (!s || !ControlService(s, (DWORD)atoi(argv[3]), &st)) {
        fprintf(stderr, "win_service_ctl: control %s %s: error %lu\n", argv[2], argv[3],
                (unsigned long)GetLastError());
        return 1;
    }
    CloseServiceHandle(s);
    CloseServiceHandle(m);
    return 0;
}
