/* input.h - the book's one way with input from outside: numbers are parsed
 * strictly, bad input is quoted short in the message, and a program refuses
 * it with one line on stderr and exit status 2.
 *
 * Library code (the flags, the problems, the golden-file reader, plotting)
 * uses parse_double and excerpt to write its messages; only a program's
 * main() decides to stop, with die_usage. */
#ifndef COMMON_INPUT_H
#define COMMON_INPUT_H

#include <stddef.h>

/* The exit status of a program that was given bad input. */
#define EXIT_USAGE 2

/* Parses a whole string as a finite number. Returns 0, or -1. */
int parse_double(const char *text, double *out);

/* What a message quotes of bad input: its first EXCERPT_BYTES bytes, then
 * "..." if there was more (bad input may be megabytes long), with control
 * characters shown as '?'.  Excerpt ex; printf("'%s'", excerpt(s, strlen(s), &ex)); */
#define EXCERPT_BYTES 32
typedef struct {
    char text[EXCERPT_BYTES + 4];
} Excerpt;
const char *excerpt(const char *text, size_t len, Excerpt *out);

/* Prints "PROGRAM: message" on stderr and exits with status EXIT_USAGE. */
void die_usage(const char *program, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

#endif
