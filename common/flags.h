/* flags.h - "--key=value" command-line flags and "key=value" settings.
 *
 * A program describes its flags in a table of OptionSpec: the key, the type,
 * where the value goes in its settings struct (offsetof), a line of help and,
 * for an integer, the range it may take. The same tables describe optimizer
 * configs, so optlab, the lesson programs and the tests all parse PyTorch
 * keyword names the same way, and reject bad input the same way: one clear
 * message, exit status 2. */
#ifndef COMMON_FLAGS_H
#define COMMON_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Programs that parse flags refuse bad values with die_usage(). */
#include "input.h"

typedef enum {
    OPT_INT,       /* int */
    OPT_FLOAT,     /* float (hyper-parameters are float32, as PyTorch applies them) */
    OPT_DOUBLE,    /* double */
    OPT_BOOL,      /* bool: true/false; a bare --key means true */
    OPT_STRING,    /* const char *, pointing into argv */
    OPT_DOUBLE2,   /* double[2], written "a,b": PyTorch's tuples, such as betas, hold
                      Python floats, and 1 - beta2**t must be worked out in double */
    OPT_DOUBLE2_NONE   /* OPT_DOUBLE2 whose first may be None, stored as NAN:
                          Adafactor's eps=(None, 1e-3) */
} OptionType;

typedef struct {
    const char *key;
    OptionType type;
    size_t offset;       /* offsetof(settings struct, field) */
    const char *help;
    int min, max;        /* OPT_INT: the values allowed, enforced and shown by
                            --help; 0, 0 for any int (and for the other types) */
} OptionSpec;

/* A table holds at most this many options (one bit each records which were given). */
#define OPTIONS_MAX 64

/* Parses settings "key=value", or a bare "key" (true, for a bool), on top of
 * what `settings` holds; each may also be written "--key=value", as on a
 * command line (a message about a bad value names it "--key" either way). A
 * key given twice is refused: "lr=0.1 lr=0.2" is more likely a slip than a
 * wish. Returns 0, or -1 with a message in err. */
int options_parse(const OptionSpec *specs /* up to a {NULL} entry */, void *settings, int count,
                  const char *const *texts /* [count] */, char *err /* [errlen] */, size_t errlen);

/* Parses argv[first..argc-1], each "--key=value" (or a bare "--key" for a
 * bool), refusing a flag given twice. Returns 1 when --help or -h is anywhere
 * among them (checked before anything else, so that `prog --steps=x --help`
 * still helps); 0; or -1 with a message in err. */
int flags_parse(const OptionSpec *specs /* up to a {NULL} entry */, void *settings, int argc,
                char **argv /* [argc] */, int first, char *err /* [errlen] */, size_t errlen);

/* Whether --help or -h is among argv[first..argc-1]. */
bool flags_help_wanted(int argc, char **argv /* [argc] */, int first);

/* Prints one line per option: key, help, range, default taken from `defaults`
 * (none for a string whose default is empty). */
void flags_print_help(FILE *out, const OptionSpec *specs /* up to a {NULL} entry */, const void *defaults);

#endif
