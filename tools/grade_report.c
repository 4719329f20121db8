/* grade_report.c - turns the TAP reports of the exercise graders into what
 * students and autograders read:
 *
 *     a table on stdout (exercise, tests passed/total, points),
 *     OUTDIR/results.json in Gradescope's autograder format,
 *     OUTDIR/junit.xml for CI systems.
 *
 *     grade_report OUTDIR SET TAPFILE POINTSFILE [SET TAPFILE POINTSFILE ...]
 *
 * POINTSFILE lists "exN POINTS TITLE" per exercise; an exercise's points are
 * shared equally by its tests (the Check test case named exN). The TAP file
 * is written by tools/grade_run.c, one line per test. An exercise with no
 * tests in it was not run: the file next to the TAP file, SET.why instead of
 * SET.tap, says why in lines "exN MESSAGE" (scripts/grade.sh writes them:
 * refused, did not compile, did not link); it scores 0 with that message.
 * Exits 0 whenever it could write the report, whatever the score: grading
 * worked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 256
#define MAX_EXERCISES 16

typedef struct {
    char name[128];       /* the test function */
    char exercise[32];    /* its Check test case: ex1, ex2, ... */
    int passed;
    char message[512];
} TestResult;

typedef struct {
    char id[32];
    char title[160];
    double points;
    int tests, passed;
    char why[512];        /* why it was not run, when it has no tests */
} Exercise;

typedef struct {
    const char *name;     /* e.g. 01_sgd */
    int num_tests;
    TestResult tests[MAX_TESTS];
    int num_exercises;
    Exercise exercises[MAX_EXERCISES];
} Set;

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

static int read_points(const char *path, Set *set)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    while (fgets(line, sizeof line, f) && set->num_exercises < MAX_EXERCISES) {
        chomp(line);
        if (line[0] == '#' || line[0] == '\0') continue;
        Exercise *e = &set->exercises[set->num_exercises];
        int used = 0;
        if (sscanf(line, "%31s %lf %n", e->id, &e->points, &used) < 2) continue;
        snprintf(e->title, sizeof e->title, "%s", line + used);
        set->num_exercises++;
    }
    fclose(f);
    return 0;
}

/* grade_run writes "ok 1 - SET:EXERCISE:test_name: MESSAGE" and
 * "not ok 2 - SET:EXERCISE:test_name: <why it failed>". */
static void read_tap(const char *path, Set *set)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[2048];
    while (fgets(line, sizeof line, f) && set->num_tests < MAX_TESTS) {
        chomp(line);
        int passed = strncmp(line, "ok ", 3) == 0;
        if (!passed && strncmp(line, "not ok ", 7) != 0) continue;
        char *rest = strstr(line, " - ");
        if (!rest) continue;
        rest += 3;
        char *field[3];
        int n = 0;
        while (n < 3 && rest) {
            char *colon = strchr(rest, ':');
            if (!colon) break;
            *colon = '\0';
            /* skip a line number after the file name */
            if (!(n == 1 && rest[0] && strspn(rest, "0123456789") == strlen(rest))) field[n++] = rest;
            rest = colon + 1;
        }
        if (n < 3) continue;
        TestResult *t = &set->tests[set->num_tests++];
        snprintf(t->exercise, sizeof t->exercise, "%s", field[1]);
        snprintf(t->name, sizeof t->name, "%s", field[2]);
        snprintf(t->message, sizeof t->message, "%s", rest + strspn(rest, " "));
        t->passed = passed;
    }
    fclose(f);
}

static Exercise *find_exercise(Set *set, const char *id);

/* SET.why, next to SET.tap: "exN MESSAGE" for each exercise not run. */
static void read_why(const char *tap_path, Set *set)
{
    char path[4096];
    size_t n = strlen(tap_path);
    if (n < 4 || n - 4 + 5 > sizeof path) return;
    snprintf(path, sizeof path, "%.*s.why", (int)(n - 4), tap_path);
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024], id[32];
    int used = 0;
    while (fgets(line, sizeof line, f)) {
        chomp(line);
        if (sscanf(line, "%31s %n", id, &used) < 1) continue;
        Exercise *e = find_exercise(set, id);
        if (e && !e->why[0]) snprintf(e->why, sizeof e->why, "%s", line + used);
    }
    fclose(f);
}

static Exercise *find_exercise(Set *set, const char *id)
{
    for (int i = 0; i < set->num_exercises; i++)
        if (strcmp(set->exercises[i].id, id) == 0) return &set->exercises[i];
    return NULL;
}

static double test_max_score(Set *set, const TestResult *t)
{
    Exercise *e = find_exercise(set, t->exercise);
    return e && e->tests ? e->points / e->tests : 0.0;
}

/* Why an exercise has no test results. */
static const char *not_run_message(const char *outdir, const Set *set, const Exercise *e)
{
    static char message[1024];
    if (e->why[0]) snprintf(message, sizeof message, "%s (details in %s/log/%s.txt)", e->why, outdir, set->name);
    else snprintf(message, sizeof message, "not run (details in %s/log/%s.txt)", outdir, set->name);
    return message;
}

/* The length of the well-formed UTF-8 character at s (1 to 4 bytes), or 0
 * where s starts no such character: a student's file may put any bytes in
 * a compiler message, and neither report may be left unreadable by them. */
static int utf8_length(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    /* no overlong forms, surrogates or code points past U+10FFFF */
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) || (s[0] == 0xF0 && s[1] < 0x90) ||
        (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

/* Copies the character at *s to out, or '?' for a byte that starts none;
 * advances *s past what it used. */
static void put_utf8(FILE *out, const char **s)
{
    int n = utf8_length((const unsigned char *)*s);
    if (n == 0) fputc('?', out), n = 1;
    else fwrite(*s, 1, (size_t)n, out);
    *s += n;
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) { put_utf8(out, &s); continue; }
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
        s++;
    }
    fputc('"', out);
}

static void xml_string(FILE *out, const char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) { put_utf8(out, &s); continue; }
        switch (c) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\t': case '\n': case '\r': fputc(c, out); break;
        default: fputc(c < 0x20 ? '?' : c, out);   /* XML 1.0 allows no other C0 control */
        }
        s++;
    }
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0) {
        fprintf(stderr, "usage: grade_report OUTDIR SET TAPFILE POINTSFILE [...]\n");
        return 2;
    }
    const char *outdir = argv[1];
    int num_sets = (argc - 2) / 3;
    Set *sets = calloc((size_t)num_sets, sizeof *sets);
    if (!sets) return 1;
    for (int s = 0; s < num_sets; s++) {
        Set *set = &sets[s];
        set->name = argv[2 + 3 * s];
        if (read_points(argv[4 + 3 * s], set) != 0) {
            fprintf(stderr, "grade_report: cannot read %s\n", argv[4 + 3 * s]);
            return 1;
        }
        read_tap(argv[3 + 3 * s], set);
        read_why(argv[3 + 3 * s], set);
        for (int i = 0; i < set->num_tests; i++) {
            Exercise *e = find_exercise(set, set->tests[i].exercise);
            if (!e) continue;
            e->tests++;
            e->passed += set->tests[i].passed;
        }
    }

    /* The table. */
    double score = 0, max_score = 0;
    printf("\n%-18s %-4s %-46s %7s %13s\n", "set", "", "exercise", "tests", "points");
    for (int s = 0; s < num_sets; s++) {
        Set *set = &sets[s];
        for (int i = 0; i < set->num_exercises; i++) {
            Exercise *e = &set->exercises[i];
            double earned = e->tests ? e->points * e->passed / e->tests : 0.0;
            score += earned;
            max_score += e->points;
            if (e->tests)
                printf("%-18s %-4s %-46.46s %3d/%-3d %6.2f / %-4g\n", set->name, e->id, e->title,
                       e->passed, e->tests, earned, e->points);
            else
                printf("%-18s %-4s %-46.46s %7s %6.2f / %-4g\n%23s%s\n", set->name, e->id, e->title,
                       "-", 0.0, e->points, "", not_run_message(outdir, set, e));
        }
    }
    printf("%-18s %-4s %-46s %7s %6.2f / %-4g\n", "total", "", "", "", score, max_score);

    /* Gradescope: results.json */
    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", outdir);
    FILE *json = fopen(path, "w");
    if (!json) {
        fprintf(stderr, "grade_report: cannot write %s\n", path);
        return 1;
    }
    fprintf(json, "{\n  \"score\": %.4f,\n  \"max_score\": %.4f,\n  \"tests\": [", score, max_score);
    int first = 1;
    for (int s = 0; s < num_sets; s++) {
        Set *set = &sets[s];
        for (int i = 0; i < set->num_exercises; i++) {
            const Exercise *e = &set->exercises[i];
            if (e->tests) continue;
            char name[256];
            snprintf(name, sizeof name, "%s %s: %s", set->name, e->id, e->title);
            fprintf(json, "%s\n    {\"name\": ", first ? "" : ",");
            json_string(json, name);
            fprintf(json, ", \"score\": 0, \"max_score\": %.4f, \"output\": ", e->points);
            json_string(json, not_run_message(outdir, set, e));
            fprintf(json, "}");
            first = 0;
        }
        for (int i = 0; i < set->num_tests; i++) {
            TestResult *t = &set->tests[i];
            double max = test_max_score(set, t);
            char name[256];
            snprintf(name, sizeof name, "%s %s: %s", set->name, t->exercise, t->name);
            fprintf(json, "%s\n    {\"name\": ", first ? "" : ",");
            json_string(json, name);
            fprintf(json, ", \"score\": %.4f, \"max_score\": %.4f, \"output\": ", t->passed ? max : 0.0, max);
            json_string(json, t->message);
            fprintf(json, "}");
            first = 0;
        }
    }
    fprintf(json, "\n  ]\n}\n");
    int status = fclose(json) == 0 ? 0 : 1;

    /* JUnit XML */
    snprintf(path, sizeof path, "%s/junit.xml", outdir);
    FILE *xml = fopen(path, "w");
    if (!xml) {
        fprintf(stderr, "grade_report: cannot write %s\n", path);
        return 1;
    }
    fprintf(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (int s = 0; s < num_sets; s++) {
        Set *set = &sets[s];
        int failures = 0, errors = 0;
        for (int i = 0; i < set->num_tests; i++) failures += !set->tests[i].passed;
        for (int i = 0; i < set->num_exercises; i++) errors += set->exercises[i].tests == 0;
        fprintf(xml, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n", set->name,
                set->num_tests + errors, failures, errors);
        for (int i = 0; i < set->num_exercises; i++) {
            const Exercise *e = &set->exercises[i];
            if (e->tests) continue;
            fprintf(xml, "    <testcase classname=\"%s.%s\" name=\"build\"><error message=\"", set->name, e->id);
            xml_string(xml, not_run_message(outdir, set, e));
            fprintf(xml, "\"/></testcase>\n");
        }
        for (int i = 0; i < set->num_tests; i++) {
            TestResult *t = &set->tests[i];
            fprintf(xml, "    <testcase classname=\"%s.%s\" name=\"", set->name, t->exercise);
            xml_string(xml, t->name);
            if (t->passed) {
                fprintf(xml, "\"/>\n");
            } else {
                fprintf(xml, "\"><failure message=\"");
                xml_string(xml, t->message);
                fprintf(xml, "\"/></testcase>\n");
            }
        }
        fprintf(xml, "  </testsuite>\n");
    }
    fprintf(xml, "</testsuites>\n");
    if (fclose(xml) != 0) status = 1;
    printf("\nreport: %s/results.json (Gradescope) and %s/junit.xml; each test's messages and the\n"
           "compiler's: %s/log/\n", outdir, outdir, outdir);
    free(sets);
    return status;
}
