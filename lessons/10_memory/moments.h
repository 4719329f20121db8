/* moments.h - what storing Adam's state in 8 bits loses: Adam's exp_avg
 * and exp_avg_sq taken from a real run, stored block by block as 8-bit Adam
 * stores them (quantize.h) and read back, and the relative error of m, of v
 * and of the direction of the step, m / (sqrt(v) + eps). Lesson 10's
 * program measures block sizes and maps with them. */
#ifndef LESSON_MOMENTS_H
#define LESSON_MOMENTS_H

#include <stddef.h>

#include "problems.h"
#include "runs.h"

/* Each tensor's moments start on a multiple of this many values (zeros pad
 * the gap), so that no block of a size dividing it straddles two tensors. */
#define MOMENTS_ALIGN 4096

/* Adam's exp_avg and exp_avg_sq after `steps` steps, concatenated over the
 * tensors of min_numel elements or more (4096: those 8-bit Adam
 * quantizes), each padded to MOMENTS_ALIGN. */
typedef struct {
    int steps;
    int min_numel;   /* the smallest tensor taken */
    size_t n;        /* values, the padding included */
    float *m, *v;    /* [n] each */
} Moments;

/* run (an Adam: its first two slots are exp_avg and exp_avg_sq) on p from
 * its start; its moments after run.steps steps. Fails if the run diverges. */
Moments moments_after(Problem *p, Run run, int min_numel);
void moments_free(Moments *mo);

/* The relative errors |x~ - x| / |x| of the nonzero x, summed up: the
 * median, the 99th percentile and the share sent to 0: read back as 0, or
 * as less than a thousandth of itself (the linear map has a second "zero",
 * 3.7e-9, where a small positive m lands). */
typedef struct {
    double median, p99, zeroed;
} Errors;

/* What storing m and v blockwise does to m, to v and to the direction of
 * the step, element by element. */
typedef struct {
    Errors m, v, direction;
} StateErrors;

/* mo's m through the signed map (with quantize_state1's sign fix) and v
 * through the unsigned one (quantize_state2), in blocks of `block` values,
 * against mo's own; the values whose v is 0 (padding, or a weight that never
 * had a gradient) left out. */
StateErrors state_errors(const float *signed_code /* [256] */, const float *unsigned_code /* [256] */,
                         const Moments *mo, size_t block);

#endif
