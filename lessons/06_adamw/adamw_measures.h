/* adamw_measures.h - what lesson 06's program measures weight decay with:
 * the update rules it compares, run by hand on the digits MLP's parameters
 * as one flat array, and what a run on the MLP or on the tiny GPT ends with.
 *
 *   shrink_rates       how fast decay shrinks weights whose gradient has scale s
 *   DecayRule,         one of the update rules the chapter compares (SGD and
 *   DecayRecipe        Adam with L2 or decoupled decay, PyTorch's AdamW, the
 *                      paper's), its lr, decay and schedule
 *   decoupled_step     the AdamW paper's decoupled decay on top of adam_update
 *   recipe_eta         the schedule's multiplier eta_t
 *   recipe_step        one step of a recipe on flat parameters
 *   recipe_shrink      the shrink of a weight with no gradient, first and last step
 *   flat_run           a recipe trained on the MLP from a start
 *   MlpEnd,            what a run on the MLP ends with: its loss, accuracies
 *   mlp_measured,      and norms, and their mean over several starts
 *   mlp_end
 *   GptEnd, gpt_end    what a run on the tiny GPT ends with */
#ifndef LESSON_ADAMW_MEASURES_H
#define LESSON_ADAMW_MEASURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "problems.h"
#include "runs.h"

/* `steps` steps of Adam with L2 (decoupled false) or of AdamW, at cfg's lr
 * and weight_decay, on n weights that start at 1, each with its own
 * gradient s[i] (-1)^(t+1), +s[i] at t = 1: zero on average, so all that pulls a weight in is
 * the decay. Into rate[n]: the fraction each weight shrinks by per step over
 * the last `window` steps (an even number: the alternation cancels), and
 * into size[n] its size there (the geometric mean of the window's ends). */
void shrink_rates(const AdamConfig *cfg, bool decoupled, const float *s /* [n] */, int n, int steps, int window,
                  double *rate /* [n] */, double *size /* [n] */);

/* The update rules sections 2 and 4 compare, each a step on all the MLP's
 * parameters as one flat array: lesson 01's and lesson 05's updates with
 * L2, this chapter's adamw_update, and two written here because they are
 * not optimizers of the book but the same rules spelled otherwise. */
typedef enum {
    SGD_L2,          /* sgd_update with weight_decay lambda: g += lambda w */
    SGD_DECOUPLED,   /* w *= 1 - lr lambda, then sgd_update without decay */
    ADAM_L2,         /* adam_update with weight_decay lambda */
    ADAMW_TORCH,     /* adamw_update: w *= 1 - lr_t lambda, lr_t = lr eta_t */
    DECOUPLED,       /* decoupled_step: w -= lr_t adam_step + d_t w */
} DecayRule;

typedef struct {
    DecayRule rule;
    float lr;                 /* SGD's, or Adam's alpha (at eta_t = 1) */
    float lambda;             /* weight_decay */
    bool cosine;              /* eta_t falls from 1 to 0 over the run (else 1); the Adam
                                 rules only: the SGD rules keep lr */
    bool decay_in_schedule;   /* DECOUPLED: d_t = eta_t lambda (the paper), else lambda */
} DecayRecipe;

/* w = w - adam_lr adam_step - decay w on w[n], Adam's state in exp_avg[n]
 * and exp_avg_sq[n] at step t (see adamw_measures.c); decayed[n] is scratch. */
void decoupled_step(float *w /* [n] */, const float *g /* [n] */, float *exp_avg /* [n] */,
                    float *exp_avg_sq /* [n] */, float *decayed /* [n] */, size_t n, long t, float adam_lr,
                    double decay);

/* The schedule's multiplier eta_t at step t = 1..steps: 1, or a cosine from
 * 1 at the first step down towards 0 at the last. */
double recipe_eta(bool cosine, long t, int steps);

/* Step t of `steps` of a recipe on the flat parameters w[n] with their
 * gradient g[n]: m[n] and v[n] are Adam's state (unused by SGD), scratch[n]
 * is decoupled_step's. */
void recipe_step(const DecayRecipe *rc, float *w /* [n] */, const float *g /* [n] */, float *m /* [n] */,
                 float *v /* [n] */, float *scratch /* [n] */, size_t n, long t, int steps);

/* The fraction by which a recipe of section 4 (ADAMW_TORCH or DECOUPLED)
 * shrinks a weight with no gradient at the first step, into *first, and at
 * the last of `steps`, into *last: lr lambda for PyTorch's AdamW (times
 * eta_t), lambda for DECOUPLED (times eta_t when the decay is in the
 * schedule). Adam's own step is left out. */
void recipe_shrink(const DecayRecipe *rc, int steps, double *first, double *last);

/* What a run on the digits MLP ends with. */
typedef struct {
    double loss, train_acc, test_acc;   /* all training examples' loss; accuracies in percent */
    double fc1_norm, bias_norm;         /* ||fc1.weight||; ||(fc1.bias, fc2.bias)|| */
    double test_low, test_high;         /* over the starts mlp_end averages */
} MlpEnd;

/* The MLP's accuracies and norms at its parameters now, beside `loss`
 * (test_low and test_high: its test accuracy). */
MlpEnd mlp_measured(Problem *p, double loss);

/* `steps` steps of a recipe on the MLP p from the start and the batches (of
 * `batch` examples) of `seed`; the parameters end in theta[numel], and in
 * p. The norm of fc1.weight before each step and after the last goes to
 * norm[steps + 1] (NULL: not kept). Fails if the run diverges. */
MlpEnd flat_run(Problem *p, uint64_t seed, const DecayRecipe *rc, int steps, int batch,
                float *theta /* [numel] */, double *norm /* [steps + 1] */);

/* The mean over `seeds` starts (run_from_start(run, 0), (run, 1) ...) of
 * what a Run on the MLP ends with; test_low and test_high are the lowest
 * and the highest test accuracy among them. Fails if a run diverges. */
MlpEnd mlp_end(Problem *p, Run run, int seeds);

/* What a run on the tiny GPT ends with. */
typedef struct {
    double val_loss;      /* INFINITY: diverged */
    double gain_mean;     /* the mean of every LayerNorm gain (they start at 1) */
    double wte, wpe;      /* the embeddings' norms */
    double *batch_loss;   /* [steps] each step's batch loss (the caller frees it) */
} GptEnd;

/* run on the GPT p from its start. */
GptEnd gpt_end(Problem *p, Run run);

#endif
