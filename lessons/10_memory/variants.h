/* variants.h - the four Adams whose training lesson 10 compares, and what
 * a run of one shows step by step: 32-bit Adam; Adam8bit at its defaults;
 * Adam8bit with every tensor in 8 bits (min_8bit_size 0: the biases too);
 * and Adam8bit with bitsandbytes' linear maps in place of its dynamic
 * ones. The four run side by side: on the GPT with its curve watched
 * (variants_watched), on the digits from several starts
 * (variants_digits_means). */
#ifndef LESSON_VARIANTS_H
#define LESSON_VARIANTS_H

#include "adam8bit.h"
#include "problems.h"
#include "runs.h"

#define VARIANTS 4

/* Where a variant's config and spec live while its run lasts. */
typedef struct {
    Adam8bitConfig config;
    OptimizerSpec linear;
} Variant;

/* run with variant k's optimizer (0 .. VARIANTS - 1, in the order above) in
 * place of its own; the Run points into *v, which must outlive it. */
Run variant_run(int k, Run run, Variant *v);

/* What run_8bit_watched saw. */
typedef struct {
    int done;              /* the steps taken (fewer: a batch loss was not finite) */
    double largest;        /* the largest |step| / lr of any weight in any step */
    double v_zero_share;   /* of the elements with 8-bit state, summed over the
                              steps, the share whose v reads back exactly 0 while
                              m does not (the step is then m / eps); 0 without */
} Watched8bit;

/* run on p from its start (run_watched), and measure(p) (a validation loss)
 * at the start and after every `every` steps: curve[i] after i every steps,
 * NAN for the points a run that stopped early did not reach. */
Watched8bit run_8bit_watched(Problem *p, Run run, int every, double (*measure)(Problem *p),
                             double *curve /* [run.steps / every + 1] */);

/* What a variant's run showed, with the bytes of state its optimizer
 * allocates (run_state_bytes). */
typedef struct {
    Watched8bit watched;
    double state_bytes;
} VariantWatch;

/* run_8bit_watched of base with each variant on p, the four runs side by
 * side (parallel_jobs: the same numbers as one after the other): variant
 * k's curve into curves[k points .. k points + points - 1], points =
 * base.steps / every + 1, and what its run showed into seen[k]. */
void variants_watched(Problem *p, Run base, int every, double (*measure)(Problem *p),
                      double *curves /* [VARIANTS * points] */,
                      VariantWatch *seen /* [VARIANTS] */);

/* Each variant's run of base on the digits model p from `seeds` starts
 * (run_from_start 0 .. seeds - 1), every run side by side (parallel_jobs):
 * the means over the starts of the test loss into loss[k] and of the test
 * accuracy in percent into accuracy[k]; NAN where a run stopped early. */
void variants_digits_means(Problem *p, Run base, int seeds, double *loss /* [VARIANTS] */,
                           double *accuracy /* [VARIANTS] */);

#endif
