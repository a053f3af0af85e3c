/* SPDX-License-Identifier: MIT */
/* The CLI's option parser over getopt_long (see opts.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opts.h"

void opt_begin(void)
{
    optind = 0; /* glibc: a full re-initialisation, so each command parses afresh */
    opterr = 0; /* our messages, naming the command */
}

/* The long option a '--name[=value]' argument names, or NULL. */
static const struct option *long_named(const struct option *longs, const char *arg)
{
    size_t n = strcspn(arg + 2, "=");
    for (const struct option *o = longs; o->name; o++)
        if (strlen(o->name) == n && !strncmp(o->name, arg + 2, n))
            return o;
    return NULL;
}

int opt_next(int argc, char **argv, const char *cmd, const char *shorts,
             const struct option *longs, const char **value, int *first)
{
    char spec[64];
    /* ':' first: a missing value is ':' rather than '?' */
    snprintf(spec, sizeof spec, ":%s", shorts ? shorts : "");
    int c = getopt_long(argc, argv, spec, longs, NULL);
    *value = optarg;
    if (c == -1) {
        *first = optind;
        return -1;
    }
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2))
        fprintf(stderr, "%s: %s option '-%c' (see %s --help)\n", cmd,
                c == ':' ? "a value is needed after the" : "unknown", optopt, cmd);
    else if (c == ':')
        fprintf(stderr, "%s: %s needs a value (%s VALUE or %s=VALUE)\n", cmd, arg, arg, arg);
    else if (strchr(arg, '=') && long_named(longs, arg) &&
             long_named(longs, arg)->has_arg == no_argument)
        fprintf(stderr, "%s: --%s takes no value, found '%s'\n", cmd,
                long_named(longs, arg)->name, arg);
    else
        fprintf(stderr, "%s: unknown or ambiguous option '%s' (see %s --help)\n", cmd, arg, cmd);
    return OPT_BAD;
}

static const char *g_origin; /* NULL: the command line */

void opt_set_origin(const char *origin)
{
    g_origin = origin;
}

void opt_value_error(const char *cmd, const char *name, const char *fmt, ...)
{
    if (g_origin)
        fprintf(stderr, "%s: %s: %s: ", cmd, g_origin, name);
    else
        fprintf(stderr, "%s: --%s: ", cmd, name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
