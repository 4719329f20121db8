/* optlab.h - the subcommands of build/bin/optlab, the lab bench. */
#ifndef OPTLAB_H
#define OPTLAB_H

#include <stdbool.h>
#include <stdio.h>

/* Bad input gives one message on stderr and exit status 2 (die_usage and
 * EXIT_USAGE in common/input.h), in every subcommand; memory running out,
 * status 1. */

/* Stops with the message err of a library call that failed: status 1 when
 * memory ran out, else 2, as for bad input (optlab.c). The library's calls
 * that take an err buffer say an allocation failed with a message that
 * begins "out of memory", and only then. */
_Noreturn void refuse_or_fail(const char *command, const char *err);

/* What optlab takes at most, so that no input can make it run out of memory
 * or time; the usage text states them. */
#define TRACE_MAX_PARAMS 65536        /* numbers on the first line of trace's input */
#define TRACE_MAX_STEPS 100000        /* gradient lines */
#define TRACE_MAX_LINE 1048576        /* bytes in one input line (1 MiB) */
#define TRACE_MAX_NUMBERS 16777216    /* numbers in all: 64 MiB of float32 */
#define RACE_MAX_STEPS 100000         /* --steps of race */
#define RACE_MAX_BATCH 65536          /* --batch of race (more than a problem has means all) */
#define RACE_MAX_RACERS 8             /* entries of --opt */
#define SCHEDULE_MAX_STEPS 1000000    /* --steps of schedule: lrs printed */
#define CLIP_MAX_TENSORS 65536        /* gradient lines of clip (its lines and numbers: as trace's) */

int optlab_list(int argc, char **argv /* [argc] */);
int optlab_trace(int argc, char **argv /* [argc] */);
int optlab_race(int argc, char **argv /* [argc] */);
int optlab_schedule(int argc, char **argv /* [argc] */);
int optlab_clip(int argc, char **argv /* [argc] */);
int optlab_memory(int argc, char **argv /* [argc] */);   /* memory.c; its accounting: lessons/10_memory/accounting.h */

/* Reading standard input a line at a time (lines.c), for trace and clip. */
typedef struct {
    const char *command;   /* names the command in messages: "optlab trace" */
    char *text;            /* TRACE_MAX_LINE + 1 bytes: the line, NUL-terminated */
    size_t len;
    long number;           /* counted from 1, for messages */
} InputLine;

/* Reads the next line into line->text, without its end (LF, CRLF or CR).
 * Returns false at the end of the input. Refuses (die_usage) a line longer
 * than TRACE_MAX_LINE bytes, one with a NUL byte, one that is not UTF-8. */
bool input_line_read(FILE *in, InputLine *line);
/* The line's text after leading blanks (and a byte-order mark on line 1), or
 * NULL when it is blank or a comment (#). */
char *input_line_content(InputLine *line);

#endif
