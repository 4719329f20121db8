/* adafactor_measures.h - what lesson 08's program measures of Adafactor: its rank-1
 * estimate of the second moment held against the whole v it replaces,
 * matrix by matrix, during a run (a Watch, and watched_run: lesson 07's
 * trace_run with the watch looking at each step), the RMS of its updates
 * that the clipping holds against d, the state an optimizer allocates as
 * the memory ledger counts it, and the relative step rho_t of the paper, of
 * Hugging Face and of PyTorch. */
#ifndef LESSON_ADAFACTOR_MEASURES_H
#define LESSON_ADAFACTOR_MEASURES_H

#include "adafactor.h"
#include "problems.h"
#include "recipe.h"
#include "runs.h"

/* A matrix watched during an Adafactor run. Beside the optimizer's row and
 * column means it keeps the whole second moment v that Adam would keep,
 * averaged with the same beta2_t, so that the rank-1 estimate can be held
 * against what it replaces. Arrays over steps are indexed by t = 1, 2 ... */
typedef struct {
    const char *name;        /* "fc1.weight" */
    int index, rows, cols;   /* its place in the parameters, its shape */
    float *v;                /* [rows * cols] the whole second moment */
    float *estimate;         /* [rows * cols] row_var col_var^T / mean(row_var) */
    double *v_error;         /* [steps + 1] ||estimate - v|| / ||v|| after step t */
    double *u_error;         /* [steps + 1] ||U - U_v|| / ||U_v||: U = g / sqrt(estimate),
                                U_v = g / sqrt(v), the update with the whole v */
    double *u_rms;           /* [steps + 1] RMS(U), what the clipping holds against d */
    double median_ratio;     /* the median of estimate / v after the last step */
    double mean_v;           /* the mean of v then: also the mean of row_var */
} Watch;

/* A watch on p's matrix `name` for a run of up to `steps` steps; fails when
 * p has no such matrix. */
Watch watch_new(const Problem *p, const char *name, int steps);
void watch_free(Watch *w);

/* After step t: v takes this step's g^2 (opt's gradient) with Adafactor's
 * weight t^beta2_decay, and the estimate is rebuilt from opt's row_var and
 * col_var; the errors and RMS(U) of step t are measured. */
void watch_step(Watch *w, const Optimizer *opt, const AdafactorConfig *cfg, long t);
/* median_ratio and mean_v, over the elements where v is not 0. */
void watch_end(Watch *w);

/* run.steps mini-batch steps of run from p->reset(p, run.seed) (lesson 07's
 * trace_run, no schedule), each step shown to the watches w[count] (none
 * with count 0); a watched run is Adafactor's, at run.config or its
 * defaults. The watches end (watch_end) with the run. */
Trace watched_run(Problem *p, Run run, Watch *w /* [count] */, int count);

/* The largest RMS(U) of w's steps 1 .. steps: how far past d the updates
 * would go unclipped. */
double watch_largest_rms(const Watch *w, int steps);
/* The steps among 1 .. steps at which RMS(U) of any of w[count] is over
 * `limit`: the steps the clipping at d = limit touches. */
int watch_steps_over(const Watch *w /* [count] */, int count, int steps, double limit);

/* The bytes of state `spec` (at its defaults) allocates for params, as
 * their memory ledger counts them (TAG_STATE); fails if the optimizer's own
 * count, optimizer_state_bytes, disagrees. */
size_t ledger_state_bytes(const OptimizerSpec *spec, ParamList params);

/* rho_t of torch.optim.Adafactor at lr, measured: one weight at 1 whose
 * gradient alternates +1, -1, so that v = g^2 and |U| = 1 at every step and
 * the weight moves by alpha_t = max(eps2, |x|) rho_t. Fills rho[1 .. last]
 * of rho[last + 1]. */
void measured_rho(float lr, int last, double *rho /* [last + 1] */);
/* rho_t of the paper, T5 and Hugging Face's default: min(10^-2, 1/sqrt(t)). */
double rho_paper(long t);
/* rho_t of Hugging Face's warmup_init: min(10^-6 t, 1/sqrt(t)). */
double rho_warmup_init(long t);

#endif
