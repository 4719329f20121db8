/* flags.h - "--key=value" command-line flags and "key=value" settings.
 *
 * A program describes its flags in a table of OptionSpec: the key, the type,
 * where the value goes in its settings struct (offsetof), and a line of help.
 * The same tables describe optimizer configs, so optlab, the lesson programs
 * and the tests all parse PyTorch keyword names the same way, and reject bad
 * input the same way: one clear message, exit status 2. */
#ifndef COMMON_FLAGS_H
#define COMMON_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    OPT_INT,       /* int */
    OPT_FLOAT,     /* float (hyper-parameters are float32, as PyTorch applies them) */
    OPT_DOUBLE,    /* double */
    OPT_BOOL,      /* bool: true/false; a bare --key means true */
    OPT_STRING,    /* const char *, pointing into argv */
    OPT_FLOAT2     /* float[2], written "a,b" (PyTorch's tuples, such as betas) */
} OptionType;

typedef struct {
    const char *key;
    OptionType type;
    size_t offset;       /* offsetof(settings struct, field) */
    const char *help;
} OptionSpec;

/* Sets one option from its text. Returns 0, or -1 with a message in err. */
int option_set(const OptionSpec *specs, void *settings, const char *key,
               const char *value, char *err, size_t errlen);

/* Parses argv[first..argc-1], each "--key=value" (or a bare "--key" for a
 * bool). Returns 0; 1 when --help was given; -1 with a message in err. */
int flags_parse(const OptionSpec *specs, void *settings, int argc, char **argv,
                int first, char *err, size_t errlen);

/* Prints one line per option: key, type, default taken from `defaults`. */
void flags_print_help(FILE *out, const OptionSpec *specs, const void *defaults);

/* Parses a whole string as a finite number. Returns 0, or -1. */
int parse_double(const char *text, double *out);

/* Prints "PROGRAM: message" on stderr and exits with status 2, the book's
 * status for bad input. */
void die_usage(const char *program, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

#endif
