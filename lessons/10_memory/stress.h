/* stress.h - the stress case of 8-bit Adam: gradients whose scales lie 10^4
 * apart in one block, with zeros, as the embeddings of rare and frequent
 * tokens give them. Each setup (32-bit, 8-bit at a block size and an eps)
 * takes the same gradients; what matters is how far each kind of element
 * moves. Lesson 10's program prints a row a setup. */
#ifndef LESSON_STRESS_H
#define LESSON_STRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Within each block of 256: one element with gradients of scale 1 (a
 * frequent feature), sparse ones (scale 0.01, nonzero on 2% of the steps,
 * else exactly 0), never-seen ones (always 0), and the rest at a small
 * (10^-3) and a tiny (10^-4) scale. */
enum { LARGE, SPARSE, NEVER, SMALL, TINY, CLASSES };

/* The elements of the stress case. */
#define STRESS_N 4096

typedef struct {
    const char *label;   /* in the table */
    const char *tag;     /* in the names of its values: "b256" */
    int block_size;
    float eps;
    bool eight_bit;   /* false: bitsandbytes' 32-bit step */
} Setup;

/* What one setup's steps were, against 32-bit Adam's on the same gradients. */
typedef struct {
    double v_zeroed;             /* share of elements with v > 0 in 32 bits whose v code is 0 */
    double median[CLASSES];      /* median |step| / lr over the run, per class */
    double largest[CLASSES];     /* the largest |step| / lr, per class */
} Stress;

/* `steps` steps of Adam8bit (ADAM8BIT_DEFAULTS but for s's block size and
 * eps) on STRESS_N elements, the gradients drawn from seed. */
Stress stress_run(const Setup *s, int steps, uint64_t seed);

#endif
