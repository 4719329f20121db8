/* golden.h - reading the reference trajectories in tests/golden/.
 *
 * tools/make_golden.py runs PyTorch's own optimizers on fixed gradients and
 * writes what they did in a plain text format that C can read without
 * Python:
 *
 *     case NAME
 *     optimizer sgd
 *     settings lr=0.1 weight_decay=0.01      (PyTorch keyword arguments)
 *     shape 2 3
 *     param  <numel numbers>                  (the starting parameters)
 *     grad   <numel numbers>                  (the gradient of step 1)
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
 * Lines starting with # are comments. */
#ifndef COMMON_GOLDEN_H
#define COMMON_GOLDEN_H

#include <stddef.h>

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
int golden_load(const char *path, GoldenFile *out, char *err, size_t errlen);
/* The case with the given name, or NULL. */
const GoldenCase *golden_find(const GoldenFile *file, const char *name);
/* The index of a state in a case, or -1. */
int golden_state_index(const GoldenCase *c, const char *state_name);
void golden_free(GoldenFile *file);

/* Where the golden files are: $OPTIMIZERS_GOLDEN_DIR, or tests/golden of the
 * source tree. */
const char *golden_dir(void);

#endif
