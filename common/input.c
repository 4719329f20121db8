/* input.c - reading numbers strictly, quoting bad input short, and refusing
 * it (see input.h). */
#include "input.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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

bool number_underflows(const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    return text[0] && *end == '\0' && errno == ERANGE && fabs(v) < 1.0;
}

const char *parse_float32(const char *text, float *out)
{
    double v;
    if (number_underflows(text)) return "is too small for float32 (it would be 0)";
    /* A number rounds to FLT_MAX up to halfway to 2^128 (0x1.ffffffp+127), as
     * torch.tensor(3.4028235e38) does: FLT_MAX printed to 8 digits is read back. */
    if (parse_double(text, &v) != 0 || fabs(v) >= 0x1.ffffffp+127) return "is not a finite float32 number";
    if (v != 0.0 && (float)v == 0.0f) return "is too small for float32 (it would be 0)";
    *out = fabs(v) > FLT_MAX ? (v > 0 ? FLT_MAX : -FLT_MAX) : (float)v;
    return NULL;
}

const char *excerpt(const char *text, size_t len, Excerpt *out)
{
    size_t n = len;
    if (n > EXCERPT_BYTES) {
        n = EXCERPT_BYTES;
        /* Cut before a UTF-8 character, not inside one (10xxxxxx continues one). */
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
    }
    for (size_t i = 0; i < n; i++) out->text[i] = iscntrl((unsigned char)text[i]) ? '?' : text[i];
    strcpy(out->text + n, n < len ? "..." : "");
    return out->text;
}

void die_usage(const char *program, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}
