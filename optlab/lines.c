/* lines.c - how optlab reads text from standard input, one line at a time
 * (trace's and clip's numbers): a line ends in LF, CRLF or CR; it must be
 * UTF-8 text without NUL bytes, and no longer than TRACE_MAX_LINE bytes, or
 * the command stops with one message naming the line (see optlab.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "optlab.h"

/* Whether s[0..n-1] is UTF-8: each character in its shortest form, no
 * surrogates, nothing past U+10FFFF. A comment may be any text, but bytes
 * that are not text mean the input is not what optlab reads. */
static bool is_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], least;   /* the smallest code point that needs this many bytes */
        size_t len;
        if (c < 0x80) len = 1, least = 0;
        else if ((c & 0xE0) == 0xC0) len = 2, least = 0x80, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0) len = 3, least = 0x800, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0) len = 4, least = 0x10000, c &= 0x07;
        else return false;
        if (len > n - i) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < least || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

/* A line is refused as soon as it grows past TRACE_MAX_LINE, and a NUL byte
 * in it is refused too: C strings would silently end the line there. */
bool input_line_read(FILE *in, InputLine *line)
{
    errno = 0;
    int c = getc(in);
    if (c == EOF && ferror(in))   /* standard input a directory: not "no input" */
        die_usage(line->command, "cannot read standard input: %s", errno ? strerror(errno) : "a read failed");
    if (c == EOF) return false;
    line->number++;
    line->len = 0;
    for (; c != EOF && c != '\n' && c != '\r'; c = getc(in)) {
        if (c == '\0') die_usage(line->command, "line %ld: has a NUL byte (the input must be text)", line->number);
        if (line->len == TRACE_MAX_LINE)
            die_usage(line->command, "line %ld: longer than %d bytes (the most a line may hold)",
                      line->number, TRACE_MAX_LINE);
        line->text[line->len++] = (char)c;
    }
    if (c == '\r') {   /* CRLF is one line end, a CR alone another */
        c = getc(in);
        if (c != '\n' && c != EOF) ungetc(c, in);
    }
    if (ferror(in))
        die_usage(line->command, "cannot read standard input: %s", errno ? strerror(errno) : "a read failed");
    line->text[line->len] = '\0';
    if (!is_utf8((const unsigned char *)line->text, line->len))
        die_usage(line->command, "line %ld: is not UTF-8 text", line->number);
    return true;
}

char *input_line_content(InputLine *line)
{
    char *p = line->text;
    if (line->number == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;   /* a byte-order mark */
    p += strspn(p, " \t");
    return *p == '\0' || *p == '#' ? NULL : p;
}
