/* flags.c - parsing "--key=value" flags into settings structs (see flags.h). */
#include "flags.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const OptionSpec *find_option(const OptionSpec *specs, const char *key, size_t keylen)
{
    for (const OptionSpec *s = specs; s->key; s++)
        if (strlen(s->key) == keylen && strncmp(s->key, key, keylen) == 0) return s;
    return NULL;
}

static int set_value(const OptionSpec *s, void *settings, const char *value,
                     char *err, size_t errlen)
{
    char *field = (char *)settings + s->offset;
    double d;
    Excerpt shown;
    excerpt(value, strlen(value), &shown);
    switch (s->type) {
    case OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);   /* beyond long: LONG_MIN or LONG_MAX */
        bool ranged = s->min != 0 || s->max != 0;
        if (!*value || *end) {
            snprintf(err, errlen, "--%s: '%s' is not an integer", s->key, shown.text);
            return -1;
        }
        if (!ranged && (errno || v < INT_MIN || v > INT_MAX)) {
            snprintf(err, errlen, "--%s: '%s' is out of range (from %d to %d)", s->key, shown.text, INT_MIN,
                     INT_MAX);
            return -1;
        }
        if (ranged && (v < s->min || v > s->max)) {
            snprintf(err, errlen, "--%s must be at %s %d (got %s)", s->key,
                     v < s->min ? "least" : "most", v < s->min ? s->min : s->max, shown.text);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case OPT_FLOAT: {
        const char *why = parse_float32(value, (float *)field);
        if (why) snprintf(err, errlen, "--%s: '%s' %s", s->key, shown.text, why);
        return why ? -1 : 0;
    }
    case OPT_DOUBLE:
        if (parse_double(value, &d) != 0) {
            snprintf(err, errlen, "--%s: '%s' %s", s->key, shown.text,
                     number_underflows(value) ? "is too small for a double (it would lose its digits, or be 0)"
                                              : "is not a finite number");
            return -1;
        }
        *(double *)field = d;
        return 0;
    case OPT_BOOL:
        if (strcmp(value, "true") == 0) *(bool *)field = true;
        else if (strcmp(value, "false") == 0) *(bool *)field = false;
        else {
            snprintf(err, errlen, "--%s: '%s' is not true or false", s->key, shown.text);
            return -1;
        }
        return 0;
    case OPT_STRING:
        if (!*value) {
            snprintf(err, errlen, "--%s: needs a value", s->key);
            return -1;
        }
        *(const char **)field = value;
        return 0;
    case OPT_DOUBLE2:
    case OPT_DOUBLE2_NONE: {
        const char *comma = strchr(value, ',');
        char first[64];
        double a, b;
        size_t n = comma ? (size_t)(comma - value) : 0;
        if (!comma || n >= sizeof first) goto bad_pair;
        memcpy(first, value, n);
        first[n] = '\0';
        bool none = s->type == OPT_DOUBLE2_NONE && strcmp(first, "None") == 0;
        if (none) a = NAN;   /* Python's None: the optimizer supplies the value */
        else if (parse_double(first, &a) != 0 || !isfinite(a)) goto bad_pair;
        if (parse_double(comma + 1, &b) != 0 || !isfinite(b)) goto bad_pair;
        ((double *)field)[0] = a;
        ((double *)field)[1] = b;
        return 0;
    bad_pair:
        snprintf(err, errlen, "--%s: '%s' is not two finite numbers a,b%s", s->key, shown.text,
                 s->type == OPT_DOUBLE2_NONE ? " (a may be None)" : "");
        return -1;
    }
    }
    snprintf(err, errlen, "--%s: unknown option type", s->key);
    return -1;
}

/* Sets one option from "key=value" or a bare "key", either perhaps written
 * with "--" in front, as a message about the key (given twice) then writes
 * it too; a message about its value names it "--key". `given` holds a bit
 * per option already set. An unknown key is a "flag" on the command line
 * (where --help lists them), an "option" in a list of settings. */
static int set_option(const OptionSpec *specs, void *settings, const char *text,
                      bool command_line, uint64_t *given, char *err, size_t errlen)
{
    const char *dashes = strncmp(text, "--", 2) == 0 ? "--" : "";
    text += strlen(dashes);
    const char *eq = strchr(text, '=');
    size_t keylen = eq ? (size_t)(eq - text) : strlen(text);
    const OptionSpec *s = find_option(specs, text, keylen);
    Excerpt key;
    if (!s) {
        if (command_line) snprintf(err, errlen, "unknown flag '--%s' (try --help)", excerpt(text, keylen, &key));
        else snprintf(err, errlen, "unknown option '%s'", excerpt(text, keylen, &key));
        return -1;
    }
    if (s - specs >= OPTIONS_MAX) {
        snprintf(err, errlen, "%s%s: a table holds at most %d options", dashes, s->key, OPTIONS_MAX);
        return -1;
    }
    uint64_t bit = (uint64_t)1 << (s - specs);
    if (*given & bit) {
        snprintf(err, errlen, "%s%s is given twice (once is enough)", dashes, s->key);
        return -1;
    }
    *given |= bit;
    if (!eq && s->type != OPT_BOOL) {
        snprintf(err, errlen, "%s%s needs a value: %s%s=...", dashes, s->key, dashes, s->key);
        return -1;
    }
    return set_value(s, settings, eq ? eq + 1 : "true", err, errlen);
}

int options_parse(const OptionSpec *specs, void *settings, int count,
                  const char *const *texts, char *err, size_t errlen)
{
    uint64_t given = 0;
    for (int i = 0; i < count; i++)
        if (set_option(specs, settings, texts[i], false, &given, err, errlen) != 0) return -1;
    return 0;
}

bool flags_help_wanted(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

int flags_parse(const OptionSpec *specs, void *settings, int argc, char **argv,
                int first, char *err, size_t errlen)
{
    if (flags_help_wanted(argc, argv, first)) return 1;
    uint64_t given = 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            Excerpt shown;
            snprintf(err, errlen, "unexpected argument '%s' (flags look like --key=value)",
                     excerpt(arg, strlen(arg), &shown));
            return -1;
        }
        if (set_option(specs, settings, arg, true, &given, err, errlen) != 0) return -1;
    }
    return 0;
}

void flags_print_help(FILE *out, const OptionSpec *specs, const void *defaults)
{
    for (const OptionSpec *s = specs; s->key; s++) {
        const char *field = (const char *)defaults + s->offset;
        char value[64], range[48] = "";
        switch (s->type) {
        case OPT_INT:
            snprintf(value, sizeof value, "%d", *(const int *)field);
            if (s->min != 0 || s->max != 0) snprintf(range, sizeof range, "%d..%d, ", s->min, s->max);
            break;
        case OPT_FLOAT: snprintf(value, sizeof value, "%g", *(const float *)field); break;
        case OPT_DOUBLE: snprintf(value, sizeof value, "%g", *(const double *)field); break;
        case OPT_BOOL: snprintf(value, sizeof value, "%s", *(const bool *)field ? "true" : "false"); break;
        case OPT_STRING: {
            const char *str = *(const char *const *)field;
            snprintf(value, sizeof value, "%s", str ? str : "");
            break;
        }
        case OPT_DOUBLE2:
        case OPT_DOUBLE2_NONE:
            if (isnan(((const double *)field)[0]))
                snprintf(value, sizeof value, "None,%g", ((const double *)field)[1]);
            else
                snprintf(value, sizeof value, "%g,%g", ((const double *)field)[0], ((const double *)field)[1]);
            break;
        }
        if (value[0] == '\0')   /* a string with no default (a required one, or one that is off unless given) */
            fprintf(out, "  --%-22s %s\n", s->key, s->help);
        else
            fprintf(out, "  --%-22s %s (%sdefault %s)\n", s->key, s->help, range, value);
    }
}
