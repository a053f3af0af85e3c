/* SPDX-License-Identifier: MIT */
/* The configuration file reader of phash scan --config (see config.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_os.h"
#include "config.h"
#include "opts.h"

#define CONFIG_MAX_BYTES (1024 * 1024) /* settings, not data: a larger file is a mistake */

/* The whole file as one NUL-terminated string; NULL with *why set. A regular
 * file only: opened without blocking (a FIFO named by mistake), then checked. */
static char *read_text(const char *file, const char **why)
{
    int fd = cli_open_read(file);
    struct stat sb;
    char *text = NULL;
    *why = NULL;
    if (fd < 0 || fstat(fd, &sb) != 0)
        *why = strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        *why = "not a regular file";
    else if (sb.st_size > CONFIG_MAX_BYTES)
        *why = "larger than 1 MiB: not a configuration file";
    else if (!(text = malloc((size_t)sb.st_size + 1)))
        *why = "out of memory";
    size_t got = 0;
    while (!*why && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, text + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            *why = n < 0 ? strerror(errno) : "changed while read";
        else
            got += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    if (*why) {
        free(text);
        return NULL;
    }
    text[got] = '\0';
    if (memchr(text, '\0', got)) {
        *why = "holds NUL bytes: not a text file";
        free(text);
        return NULL;
    }
    return text;
}

/* s with blanks cut off both ends (in place). */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static const struct option *option_named(const struct option *longs, const char *name)
{
    for (const struct option *o = longs; o->name; o++)
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

/* A flag's value: 1 yes, 0 no, -1 neither. */
static int flag_value(const char *v)
{
    static const char *const yes[] = {"", "yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!strcasecmp(v, yes[i]))
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (!strcasecmp(v, no[i]))
            return 0;
    return -1;
}

/* "key = no" for a flag: the option that turns it off, if it has one
 * ("nice" -> "no-nice", "no-nice" -> "nice"); NULL when it is off by
 * default, so that leaving it alone is the answer. */
static const struct option *flag_inverse(const struct option *longs, const char *key)
{
    char name[128];
    if (!strncmp(key, "no-", 3))
        return option_named(longs, key + 3);
    snprintf(name, sizeof name, "no-%s", key);
    return option_named(longs, name);
}

/* One line's setting (key and value already trimmed; value NULL without
 * '='). 0, or non-zero after printing why. */
static int apply_line(const config_sink *k, const char *where, const char *key, char *value)
{
    size_t n = value ? strlen(value) : 0;
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        value++;
    }
    if (!strcmp(key, "path") && k->path) {
        if (value && *value)
            return k->path(k->ctx, value);
        fprintf(stderr, "%s: %s: path: needs a value (path = PATH)\n", k->cmd, where);
        return -1;
    }
    for (const char *const *r = k->refused; r && *r; r++)
        if (!strcmp(*r, key)) {
            fprintf(stderr, "%s: %s: %s: cannot be set in a configuration file\n", k->cmd,
                    where, key);
            return -1;
        }
    const struct option *o = option_named(k->longs, key);
    if (!o) {
        fprintf(stderr, "%s: %s: %s: unknown key (keys are the long options of %s --help, "
                        "without '--', and path)\n",
                k->cmd, where, key, k->cmd);
        return -1;
    }
    if (o->has_arg == required_argument) {
        if (value && *value)
            return k->apply(k->ctx, o->val, value);
        fprintf(stderr, "%s: %s: %s: needs a value (%s = VALUE)\n", k->cmd, where, key, key);
        return -1;
    }
    int on = flag_value(value ? value : "");
    if (on < 0) {
        fprintf(stderr, "%s: %s: %s: a flag: expected yes or no, found '%s'\n", k->cmd, where,
                key, value);
        return -1;
    }
    if (on)
        return k->apply(k->ctx, o->val, NULL);
    const struct option *inverse = flag_inverse(k->longs, key);
    return inverse ? k->apply(k->ctx, inverse->val, NULL) : 0;
}

int config_read(const char *file, const config_sink *k, char **text)
{
    const char *why;
    *text = read_text(file, &why);
    if (!*text) {
        fprintf(stderr, "%s: --config %s: %s\n", k->cmd, file, why);
        return -1;
    }
    char where[4096 + 32];
    unsigned line = 0;
    int rc = 0;
    for (char *next = *text; next && rc == 0;) {
        char *s = next;
        next = strchr(s, '\n');
        if (next)
            *next++ = '\0';
        line++;
        s = trim(s);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq)
            *eq = '\0';
        char *key = trim(s), *value = eq ? trim(eq + 1) : NULL;
        snprintf(where, sizeof where, "%s:%u", file, line);
        if (!*key) {
            fprintf(stderr, "%s: %s: expected 'key = value', found no key\n", k->cmd, where);
            rc = -1;
            break;
        }
        opt_set_origin(where); /* the option's own messages name the file and line */
        rc = apply_line(k, where, key, value);
        opt_set_origin(NULL);
    }
    return rc ? -1 : 0;
}
