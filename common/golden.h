/* golden.h - reading the reference trajectories in tests/golden/.
 *
 * tools/make_golden.py runs PyTorch's own optimizers on fixed gradients and
 * writes what they did in a plain text format that C can read without
 * Python (for Lion, Adafactor and 8-bit Adam, which that PyTorch lacks, the
 * NumPy ports in tools/ write the same format):
 *
 *     case NAME
 *     optimizer sgd
 *     settings lr=0.1 weight_decay=0.01      (PyTorch keyword arguments)
 *     shape 2 3
 *     param  <numel numbers>                  (the starting parameters)
 *     grad   <numel numbers>                  (the gradient of step 1; may hold
 *                                              nan and inf, as lesson 10's do)
 *     expect <numel numbers>                  (the parameters after step 1)
 *     state momentum_buffer <numel numbers>   (optional: state after step 1)
 *     grad ... expect ... state ...           (step 2, and so on)
 *     end
 *
 * A state not shaped like the parameter (Adafactor's row_var of a 2 x 3
 * weight is 2 x 1) has its shape on a line before its first row,
 *     state_shape row_var 2 1
 * and then as many numbers in each of its rows. A state without one is
 * shaped like the parameter.
 *
 * Lines starting with # are comments. Lesson 7's clipping and schedule
 * files are read with the same line reader (GoldenReader, at the end). */
#ifndef COMMON_GOLDEN_H
#define COMMON_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GOLDEN_MAX_SETTINGS 16
#define GOLDEN_MAX_STATES 4

typedef struct {
    char name[96];
    char optimizer[32];
    int num_settings;
    char *settings[GOLDEN_MAX_SETTINGS];   /* "key=value" */
    int ndim;
    int shape[4];
    int numel;
    int steps;
    float *param;             /* numel */
    float *grad;              /* steps x numel */
    float *expect;            /* steps x numel */
    int num_states;
    char state_names[GOLDEN_MAX_STATES][32];
    float *state[GOLDEN_MAX_STATES];   /* steps x state_numel[k] each */
    int state_ndim[GOLDEN_MAX_STATES];           /* each state's shape: the */
    int state_shape[GOLDEN_MAX_STATES][4];       /* parameter's, unless a   */
    int state_numel[GOLDEN_MAX_STATES];          /* state_shape line gave it */
} GoldenCase;

typedef struct {
    int count;
    GoldenCase *cases;
} GoldenFile;

/* Reads a golden file. Returns 0, or -1 with a message in err. */
int golden_load(const char *path, GoldenFile *out, char *err /* [errlen] */, size_t errlen);
/* The case with the given name, or NULL. */
const GoldenCase *golden_find(const GoldenFile *file, const char *name);
/* The index of a state in a case, or -1. */
int golden_state_index(const GoldenCase *c, const char *state_name);
/* The largest |value| a state takes over all the steps of a case, 0 when
 * the case has no such state: the scale of an atol for a state that
 * cancels towards zero (an average of gradients of both signs). */
double golden_state_largest(const GoldenCase *c, const char *state_name);
void golden_free(GoldenFile *file);

/* Where the golden files are: $OPTIMIZERS_GOLDEN_DIR, or tests/golden of the
 * source tree. */
const char *golden_dir(void);

/* ---- the line reader every golden file's reader uses ------------------------------
 *
 * Every file in tests/golden/ is lines of a first word and what follows it
 * ("case NAME", "grad 0.5 1", "end"), with # comments and blank lines. A
 * reader of one format is then one loop:
 *
 *     GoldenReader r;
 *     if (golden_reader_open(&r, path, err, errlen) != 0) return -1;
 *     for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
 *         if (strcmp(word, "grad") == 0) {
 *             if (golden_reader_floats(&r, row, numel, true) != 0) break;
 *         } else ...
 *     }
 *     return golden_reader_close(&r, open_case_name, err, errlen);
 *
 * A line it cannot read ends the loop early (break): golden_reader_close
 * then reports that line as PATH:LINE. */
typedef struct {
    const char *path;
    FILE *in;
    char *line;          /* the line read last (getline's buffer of cap bytes) */
    size_t cap;
    int lineno;          /* its number, from 1 */
    char *next_word;     /* strtok_r's place in line */
    bool at_end;         /* every line was read */
} GoldenReader;

/* Opens path. Returns 0, or -1 with "cannot open PATH" in err. */
int golden_reader_open(GoldenReader *r, const char *path, char *err /* [errlen] */, size_t errlen);
/* The first word of the next line that has one, not counting comments:
 * "case", "grad", ...; NULL at the end of the file. */
const char *golden_reader_next(GoldenReader *r);
/* The line's next word (the first after golden_reader_next's), or NULL. */
char *golden_reader_word(GoldenReader *r);
/* The line's next word copied into name[size]. Returns 0, or -1 when there
 * is none or it does not fit. */
int golden_reader_name(GoldenReader *r, char *name /* [size] */, size_t size);
/* The rest of the line: exactly n numbers into out[n]. finite_only refuses
 * nan and inf, which a file may hold only where they are part of the
 * record. Returns 0, or -1. */
int golden_reader_floats(GoldenReader *r, float *out /* [n] */, size_t n, bool finite_only);
/* The same into a new array of n floats (free it), nan and inf allowed;
 * NULL when the line does not hold exactly n numbers (or out of memory). */
float *golden_reader_new_floats(GoldenReader *r, size_t n);
/* The rest of the line: a shape of 0 to max_dims sizes, each at least 1,
 * into shape[max_dims], and the number of elements into *numel (1 for no
 * sizes: a single number, a tensor of 0 dimensions). Returns how many
 * sizes, or -1. */
int golden_reader_shape(GoldenReader *r, int *shape /* [max_dims] */, int max_dims, size_t *numel);
/* The rest of the line: its words ("lr=0.1 T_max=10") each copied to the
 * end of settings[max] (free them), *count of them there so far. Returns 0,
 * or -1 when there is no room or memory. */
int golden_reader_settings(GoldenReader *r, char **settings /* [max] */, int *count, int max);
/* Closes the file. Returns 0 when it was read to its end and no case was
 * left open (open_case NULL); otherwise -1 with the reason in err:
 * "PATH:LINE: cannot read this line" for the line the loop stopped at, or
 * "PATH: case 'NAME' has no 'end'". */
int golden_reader_close(GoldenReader *r, const char *open_case, char *err /* [errlen] */, size_t errlen);

#endif
