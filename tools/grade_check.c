/* grade_check.c - reads a student's source file before it is compiled and
 * refuses what an exercise never needs but a cheat does:
 *
 *     grade_check [--not NAME]... FILE HEADER_DIR...
 *
 * - the NAMEs: the functions an exercise asks the student to write, which
 *   the book's libraries also have (`adam_update` in Adam's exercise 1), and
 *   the other exercises' functions, as identifiers in the code or as
 *   headers included (`--not lowp.h`). Token pasting is refused (below), so
 *   a name cannot be put together where this does not see it;
 * - #include of anything but the C standard headers listed below and the
 *   book's own headers (a bare name found in one of HEADER_DIRs: the pristine
 *   exercise directory, common/, lessons/NN/). Not a path, not a macro, not
 *   a .c file: `#include "../../solutions/01_sgd/ex1_sgd.c"` is refused.
 * - other ways to pull in files or code: #include_next, #import, #embed,
 *   #line, asm (.incbin), _Pragma, token pasting (##), trigraphs;
 * - code that runs outside the tests: constructor and destructor attributes,
 *   and the section, alias and ifunc attributes.
 * Comments, string literals and line splices are handled as the compiler
 * does, so hiding a directive in them does not help. Prints one line per
 * problem, "FILE:LINE: ...", and exits 1 when it refused the file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCE (256 * 1024)

static const char *const STANDARD_HEADERS[] = {
    "assert.h", "ctype.h",  "errno.h",  "float.h",  "inttypes.h", "limits.h", "math.h",
    "stdalign.h", "stdarg.h", "stdbool.h", "stddef.h", "stdint.h",  "stdio.h",  "stdlib.h",
    "string.h", "time.h", NULL};

static const char *const DIRECTIVES[] = {"include", "define", "undef", "if", "ifdef", "ifndef",
                                         "elif", "else", "endif", "pragma", "error", "warning", NULL};

static const char *const FORBIDDEN_WORDS[] = {
    "asm", "__asm", "__asm__", "_Pragma", "constructor", "__constructor__", "destructor",
    "__destructor__", "section", "__section__", "alias", "__alias__", "ifunc", "__ifunc__",
    "weakref", "__weakref__", NULL};

static const char *file;
static int refused;

#define MAX_NOT 64
static const char *not_names[MAX_NOT + 1];   /* --not NAME: NULL-terminated */

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return 1;
    return 0;
}

static void refuse(int line, const char *what, const char *detail)
{
    printf("%s:%d: refused: %s%s%s\n", file, line, what, detail ? " " : "", detail ? detail : "");
    refused = 1;
}

/* A name this exercise may not use (--not). */
static void refuse_name(int line, const char *name)
{
    printf("%s:%d: refused: %s, which this exercise may not use (see its README.md)\n", file, line, name);
    refused = 1;
}

static int is_ident(int c, int first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* A bare header name (no path) found in one of the book's directories. */
static int book_header(const char *name, char **dirs, int num_dirs)
{
    size_t n = strlen(name);
    if (n < 3 || strcmp(name + n - 2, ".h") != 0 || strchr(name, '/') || strchr(name, '\\')) return 0;
    for (int i = 0; i < num_dirs; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        FILE *f = fopen(path, "r");
        if (f) {
            fclose(f);
            return 1;
        }
    }
    return 0;
}

static void check_include(int line, const char *rest, char **dirs, int num_dirs)
{
    char name[256];
    char close;
    rest += strspn(rest, " \t");
    if (rest[0] == '<') close = '>';
    else if (rest[0] == '"') close = '"';
    else {
        refuse(line, "#include must name a header in <> or \"\", not a macro", NULL);
        return;
    }
    const char *end = strchr(rest + 1, close);
    if (!end || (size_t)(end - rest - 1) >= sizeof name || end[1 + strspn(end + 1, " \t")] != '\0') {
        refuse(line, "malformed #include", NULL);
        return;
    }
    memcpy(name, rest + 1, (size_t)(end - rest - 1));
    name[end - rest - 1] = '\0';
    if (in_list(not_names, name)) {
        refuse_name(line, name);
        return;
    }
    if (close == '>' ? in_list(STANDARD_HEADERS, name) : book_header(name, dirs, num_dirs)) return;
    char detail[300];
    snprintf(detail, sizeof detail, "%c%s%c: only the standard C headers (<math.h>, <stdlib.h>, ...) "
             "and the book's headers (\"exercises.h\", \"problems.h\", ...) may be included",
             close == '>' ? '<' : '"', name, close);
    refuse(line, "#include", detail);
}

int main(int argc, char **argv)
{
    int num_not = 0;
    while (argc >= 3 && strcmp(argv[1], "--not") == 0) {
        if (num_not == MAX_NOT) {
            fprintf(stderr, "grade_check: more than %d --not names\n", MAX_NOT);
            return 2;
        }
        not_names[num_not++] = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: grade_check [--not NAME]... FILE HEADER_DIR...\n");
        return 2;
    }
    file = argv[1];
    FILE *f = fopen(file, "rb");
    if (!f) {
        printf("%s: cannot read it: %s\n", file, strerror(errno));
        return 1;
    }
    static char src[MAX_SOURCE + 2];
    size_t len = fread(src, 1, MAX_SOURCE + 1, f);
    /* A file that cannot be read (a directory) is refused, not passed as empty. */
    const bool unreadable = ferror(f);
    const int read_errno = errno;
    fclose(f);
    if (unreadable) {
        printf("%s: cannot read it: %s\n", file, strerror(read_errno));
        return 1;
    }
    if (len > MAX_SOURCE) {
        printf("%s: refused: larger than %d KiB\n", file, MAX_SOURCE / 1024);
        return 1;
    }
    if (memchr(src, '\0', len)) {
        printf("%s: refused: not a text file\n", file);
        return 1;
    }

    /* One pass turns the file into logical lines without comments (kept:
     * the line numbers), with string and character literals emptied. */
    static char text[MAX_SOURCE + 2];
    static int line_of[MAX_SOURCE + 2];
    size_t n = 0;
    int line = 1;
    enum { CODE, LINE_COMMENT, BLOCK_COMMENT, STRING, CHAR } state = CODE;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '?' && i + 2 < len && src[i + 1] == '?' && strchr("=/'()!<>-", src[i + 2])) {
            refuse(line, "trigraphs (??x)", NULL);
        }
        if (c == '\\' && i + 1 < len && (src[i + 1] == '\n' || (src[i + 1] == '\r' && i + 2 < len && src[i + 2] == '\n'))) {
            i += src[i + 1] == '\r' ? 2 : 1;   /* a line splice joins two lines */
            line++;
            continue;
        }
        if (c == '\n') line++;
        switch (state) {
        case CODE:
            if (c == '/' && i + 1 < len && src[i + 1] == '/') { state = LINE_COMMENT; i++; c = ' '; }
            else if (c == '/' && i + 1 < len && src[i + 1] == '*') { state = BLOCK_COMMENT; i++; c = ' '; }
            else if (c == '"') state = STRING;
            else if (c == '\'') state = CHAR;
            break;
        case LINE_COMMENT:
            if (c == '\n') state = CODE;
            else continue;
            break;
        case BLOCK_COMMENT:
            if (c == '*' && i + 1 < len && src[i + 1] == '/') { state = CODE; i++; c = ' '; }
            else if (c != '\n') continue;
            break;
        case STRING:
        case CHAR:
            if (c == '\\' && i + 1 < len) { i++; if (src[i] == '\n') line++; continue; }
            if (c == (state == STRING ? '"' : '\'')) state = CODE;
            else if (c == '\n') state = CODE;   /* unterminated: the compiler complains */
            else continue;
            break;
        }
        line_of[n] = line - (c == '\n');
        text[n++] = c;
    }
    text[n] = '\0';

    /* Line by line: directives, then the words and operators in the code.
     * Literals are emptied above, except that #include keeps its "name":
     * so the directive is read from the source line with the same number. */
    char *start = text;
    while (*start) {
        char *end = strchr(start, '\n');
        if (end) *end = '\0';
        int at = line_of[start - text];
        char *p = start + strspn(start, " \t\f\v\r");
        if (p[0] == '#' || (p[0] == '%' && p[1] == ':')) {
            p += p[0] == '#' ? 1 : 2;
            p += strspn(p, " \t");
            char word[32] = "";
            int k = 0;
            while (is_ident((unsigned char)p[k], k == 0) && k < 31) { word[k] = p[k]; k++; }
            word[k] = '\0';
            if (word[0] && !in_list(DIRECTIVES, word)) refuse(at, "the directive", word);
            if (strcmp(word, "include") == 0) {
                /* the header name, from the original text of that line */
                const char *orig = src;
                for (int l = 1; l < at && orig; l++) { orig = strchr(orig, '\n'); if (orig) orig++; }
                const char *inc = orig ? strstr(orig, "include") : NULL;
                const char *eol = orig ? strchr(orig, '\n') : NULL;
                char copy[512] = "";
                if (inc && (!eol || inc < eol)) {
                    size_t m = eol ? (size_t)(eol - inc - 7) : strlen(inc + 7);
                    if (m >= sizeof copy) m = sizeof copy - 1;
                    memcpy(copy, inc + 7, m);
                    copy[m] = '\0';
                    char *cut = strstr(copy, "//");
                    if (cut) *cut = '\0';
                    cut = strstr(copy, "/*");
                    if (cut) *cut = '\0';
                    for (size_t m2 = strlen(copy); m2 && (copy[m2 - 1] == ' ' || copy[m2 - 1] == '\t' || copy[m2 - 1] == '\r'); m2--) copy[m2 - 1] = '\0';
                }
                check_include(at, copy, argv + 2, argc - 2);
            }
        }
        for (char *q = start; *q; q++) {
            if ((q[0] == '#' && q[1] == '#') || (q[0] == '%' && q[1] == ':' && q[2] == '%' && q[3] == ':'))
                refuse(at, "token pasting (##)", NULL);
            if (is_ident((unsigned char)*q, 1) && (q == start || !is_ident((unsigned char)q[-1], 0))) {
                char word[64];
                int k = 0;
                while (is_ident((unsigned char)q[k], 0) && k < 63) { word[k] = q[k]; k++; }
                word[k] = '\0';
                if (in_list(FORBIDDEN_WORDS, word)) refuse(at, "the word", word);
                if (in_list(not_names, word)) refuse_name(at, word);
            }
        }
        if (!end) break;
        start = end + 1;
    }
    return refused;
}
