/* flags.c - parsing "--key=value" flags into settings structs (see flags.h). */
#include "flags.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int parse_double(const char *text, double *out)
{
    if (!text || !*text) return -1;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

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
    switch (s->type) {
    case OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (!*value || *end || errno || v < INT_MIN || v > INT_MAX) {
            snprintf(err, errlen, "--%s: '%s' is not an integer", s->key, value);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case OPT_FLOAT:
    case OPT_DOUBLE:
        if (parse_double(value, &d) != 0 || (s->type == OPT_FLOAT && fabs(d) > FLT_MAX)) {
            snprintf(err, errlen, "--%s: '%s' is not a finite %snumber", s->key, value,
                     s->type == OPT_FLOAT ? "float32 " : "");
            return -1;
        }
        if (s->type == OPT_FLOAT) *(float *)field = (float)d;
        else *(double *)field = d;
        return 0;
    case OPT_BOOL:
        if (strcmp(value, "true") == 0) *(bool *)field = true;
        else if (strcmp(value, "false") == 0) *(bool *)field = false;
        else {
            snprintf(err, errlen, "--%s: '%s' is not true or false", s->key, value);
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
    case OPT_FLOAT2: {
        const char *comma = strchr(value, ',');
        char first[64];
        double a, b;
        size_t n = comma ? (size_t)(comma - value) : 0;
        if (!comma || n >= sizeof first) goto bad_pair;
        memcpy(first, value, n);
        first[n] = '\0';
        if (parse_double(first, &a) != 0 || parse_double(comma + 1, &b) != 0 ||
            fabs(a) > FLT_MAX || fabs(b) > FLT_MAX)
            goto bad_pair;
        ((float *)field)[0] = (float)a;
        ((float *)field)[1] = (float)b;
        return 0;
    bad_pair:
        snprintf(err, errlen, "--%s: '%s' is not two finite numbers a,b", s->key, value);
        return -1;
    }
    }
    snprintf(err, errlen, "--%s: unknown option type", s->key);
    return -1;
}

int option_set(const OptionSpec *specs, void *settings, const char *key,
               const char *value, char *err, size_t errlen)
{
    const OptionSpec *s = find_option(specs, key, strlen(key));
    if (!s) {
        snprintf(err, errlen, "unknown option '%s'", key);
        return -1;
    }
    return set_value(s, settings, value, err, errlen);
}

int flags_parse(const OptionSpec *specs, void *settings, int argc, char **argv,
                int first, char *err, size_t errlen)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) return 1;
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            snprintf(err, errlen, "unexpected argument '%s' (flags look like --key=value)", arg);
            return -1;
        }
        const char *key = arg + 2;
        const char *eq = strchr(key, '=');
        size_t keylen = eq ? (size_t)(eq - key) : strlen(key);
        const OptionSpec *s = find_option(specs, key, keylen);
        if (!s) {
            snprintf(err, errlen, "unknown flag '--%.*s' (try --help)", (int)keylen, key);
            return -1;
        }
        if (!eq && s->type != OPT_BOOL) {
            snprintf(err, errlen, "--%s needs a value: --%s=...", s->key, s->key);
            return -1;
        }
        if (set_value(s, settings, eq ? eq + 1 : "true", err, errlen) != 0) return -1;
    }
    return 0;
}

void flags_print_help(FILE *out, const OptionSpec *specs, const void *defaults)
{
    for (const OptionSpec *s = specs; s->key; s++) {
        const char *field = (const char *)defaults + s->offset;
        char value[64];
        switch (s->type) {
        case OPT_INT: snprintf(value, sizeof value, "%d", *(const int *)field); break;
        case OPT_FLOAT: snprintf(value, sizeof value, "%g", *(const float *)field); break;
        case OPT_DOUBLE: snprintf(value, sizeof value, "%g", *(const double *)field); break;
        case OPT_BOOL: snprintf(value, sizeof value, "%s", *(const bool *)field ? "true" : "false"); break;
        case OPT_STRING: {
            const char *str = *(const char *const *)field;
            snprintf(value, sizeof value, "%s", str ? str : "");
            break;
        }
        case OPT_FLOAT2:
            snprintf(value, sizeof value, "%g,%g", ((const float *)field)[0], ((const float *)field)[1]);
            break;
        }
        fprintf(out, "  --%-22s %s (default %s)\n", s->key, s->help, value);
    }
}

void die_usage(const char *program, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}
