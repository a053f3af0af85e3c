/* SPDX-License-Identifier: MIT */
/* phash scan --list-option NAME:KEY=VALUE (list_option.h). NAME is a list
 * as given to --signatures, or its file name; it may hold ':' (a Windows
 * path), so the text is split at its last ':'. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list_option.h"

static const struct {
    const char *key;
    phash_alert_option option;
} keys[] = {
    {"pdq-radius", PHASH_ALERT_OPT_PDQ_RADIUS},
    {"phash-radius", PHASH_ALERT_OPT_PHASH_RADIUS},
    {"phash-needs-pdq", PHASH_ALERT_OPT_PHASH_NEEDS_PDQ},
    {"pdq-min-quality", PHASH_ALERT_OPT_PDQ_MIN_QUALITY},
    {"phash-min-quality", PHASH_ALERT_OPT_PHASH_MIN_QUALITY},
    {"pdq-weak-radius", PHASH_ALERT_OPT_PDQ_WEAK_RADIUS},
    {"phash-weak-radius", PHASH_ALERT_OPT_PHASH_WEAK_RADIUS},
    {"phash-alone-radius", PHASH_ALERT_OPT_PHASH_ALONE_RADIUS},
    {"algorithms", PHASH_ALERT_OPT_ALGORITHMS},
    {"level", PHASH_ALERT_OPT_MAX_LEVEL},
};

const char list_option_keys[] =
    "pdq-radius, phash-radius, phash-needs-pdq, pdq-min-quality, phash-min-quality, "
    "pdq-weak-radius, phash-weak-radius, phash-alone-radius, algorithms, level";

/* "pdq,md5": a PHASH_ALERT_ALGO mask; -1 for an unknown name. */
static int algo_mask(const char *s)
{
    int mask = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        phash_sig_algo a;
        if (n == 0 || phash_sig_algo_parse(s, n, &a) != PHASH_OK)
            return -1;
        mask |= PHASH_ALERT_ALGO(a);
        s += n + (s[n] == ',');
    }
    return mask;
}

static int parse_value(phash_alert_option option, const char *v, int *value)
{
    if (option == PHASH_ALERT_OPT_ALGORITHMS) {
        *value = !strcmp(v, "none") ? 0 : algo_mask(v);
        return *value < 0 ? -1 : 0;
    }
    if (option == PHASH_ALERT_OPT_MAX_LEVEL) {
        static const char *const levels[] = {"none", "weak", "alert"};
        for (int l = 0; l < 3; l++)
            if (!strcmp(v, levels[l])) {
                *value = l;
                return 0;
            }
        return -1;
    }
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < -1 || x > 256)
        return -1;
    *value = (int)x;
    return 0;
}

int list_option_parse(const char *text, char *list, size_t cap, phash_alert_option *option,
                      int *value, char *err, size_t err_cap)
{
    const char *colon = strrchr(text, ':');
    const char *eq = colon ? strchr(colon, '=') : NULL;
    if (!colon || colon == text || !eq || eq == colon + 1) {
        snprintf(err, err_cap, "expected NAME:KEY=VALUE, found '%s'", text);
        return -1;
    }
    size_t n = (size_t)(colon - text), klen = (size_t)(eq - colon - 1);
    if (n >= cap) {
        snprintf(err, err_cap, "list name too long in '%s'", text);
        return -1;
    }
    memcpy(list, text, n);
    list[n] = '\0';
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].key) == klen && !strncmp(keys[i].key, colon + 1, klen)) {
            *option = keys[i].option;
            if (parse_value(*option, eq + 1, value) == 0)
                return 0;
            snprintf(err, err_cap, "%s: bad value '%s' (%s)", keys[i].key, eq + 1,
                     *option == PHASH_ALERT_OPT_ALGORITHMS ? "algorithm names: pdq,phash,md5,..."
                     : *option == PHASH_ALERT_OPT_MAX_LEVEL ? "alert, weak or none"
                                                              : "a number, -1 to 256");
            return -1;
        }
    snprintf(err, err_cap, "unknown key '%.*s' (known: %s)", (int)klen, colon + 1,
             list_option_keys);
    return -1;
}

int list_option_names(const char *name, const char *const *lists, int n)
{
    for (int i = 0; i < n; i++) {
        const char *base = lists[i];
        for (const char *c = lists[i]; *c; c++)
            if (*c == '/' || *c == '\\')
                base = c + 1;
        if (!strcmp(name, lists[i]) || !strcmp(name, base))
            return 1;
    }
    return 0;
}
