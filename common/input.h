/* input.h - the book's one way with input from outside: numbers are parsed
 * strictly, bad input is quoted short in the message, and a program refuses
 * it with one line on stderr and exit status 2.
 *
 * Library code (the flags, the problems, the golden-file reader, plotting)
 * uses parse_double and excerpt to write its messages; only a program's
 * main() decides to stop, with die_usage. */
#ifndef COMMON_INPUT_H
#define COMMON_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* The exit status of a program that was given bad input. */
#define EXIT_USAGE 2

/* Parses a whole string as a finite number. Returns 0, or -1. */
int parse_double(const char *text, double *out);

/* Is text a number too close to 0 for a double (1e-400), which strtod
 * gives as 0 or a number with fewer digits? */
bool number_underflows(const char *text);

/* Parses a whole string as a finite float32. Returns NULL with the number in
 * *out, or why not, to follow the quoted text in a message: "is not a finite
 * float32 number", or "is too small for float32 (it would be 0)" for a
 * number that is not 0 but rounds to it (1e-50): never taken as 0 silently. */
const char *parse_float32(const char *text, float *out);

/* What a message quotes of bad input: its first EXCERPT_BYTES bytes, then
 * "..." if there was more (bad input may be megabytes long), with control
 * characters shown as '?'.  Excerpt ex; printf("'%s'", excerpt(s, strlen(s), &ex)); */
#define EXCERPT_BYTES 32
typedef struct {
    char text[EXCERPT_BYTES + 4];
} Excerpt;
const char *excerpt(const char *text /* [len] */, size_t len, Excerpt *out);

/* Prints "PROGRAM: message" on stderr and exits with status EXIT_USAGE. */
void die_usage(const char *program, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

#endif
