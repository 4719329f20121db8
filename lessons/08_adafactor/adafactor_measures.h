/* adafactor_measures.h - what lesson 08's program measures of Adafactor: its rank-1
 * estimate of the second moment held against the whole v it replaces,
 * matrix by matrix, during a run (a Watch, and watched_run: lesson 07's
 * trace_run with the watch looking at each step), the RMS of its updates
 * that the clipping holds against d, the state an optimizer allocates as
 * the memory ledger counts it, and the relative step rho_t of the paper, of
 * Hugging Face and of PyTorch.
 *
 *   Watch, watch_new/_free,      a matrix's estimate against the whole v,
 *   watch_step, watch_end        step by step, and at the end of a run
 *   watched_run, watch_matrices  a run with watches on each step; on matrices
 *                                named by the caller
 *   one_example_error            the estimate's error after a step on one example
 *   watch_largest_rms,           RMS(U) over a run, against a limit
 *   watch_steps_over
 *   beta2_at                     Adafactor's beta2_t at a beta2_decay
 *   ClipRun, clip_run,           Adafactor's first steps at a beta2_decay and d,
 *   clip_runs, ClipOutcome,      and how large their updates and losses grew
 *   clip_outcome
 *   Compared, compared_run,      the runs of a comparison, each an optimizer at
 *   compare_seeds,               a learning rate: from several starts, or one
 *   compare_traces               start with one of them watched
 *   sweep_failed                 the lrs of a sweep that ended no better than a guess
 *   ledger_state_bytes,          the state an optimizer allocates, as the memory
 *   StateBytes, state_bytes,     ledger counts it: AdamW's and Adafactor's of some
 *   layer_state_bytes            parameters, or of a large layer of its own
 *   measured_rho, rho_paper,     rho_t of PyTorch (measured), of the paper and of
 *   rho_warmup_init, rho_worst   Hugging Face, and how far PyTorch's is from the paper's */
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

/* Watches w[count] on p's matrices names[count] (watch_new), then the
 * watched_run of run with them. A watch keeps its name's pointer: the names
 * must outlive the watches. */
Trace watch_matrices(Problem *p, Run run, const char *const *names /* [count] */, int count,
                     Watch *w /* [count] */);

/* The estimate's error ||V - v|| / ||v|| after one step of run (its steps
 * and batch set to 1) on a single example, in each matrix of names[count]
 * (count at most ONE_EXAMPLE_MAX), into error[count]. One example's
 * gradient of a linear layer is delta x^T, so g^2 = (delta^2)(x^2)^T is
 * rank 1 and the error is rounding alone. */
#define ONE_EXAMPLE_MAX 8
void one_example_error(Problem *p, Run run, const char *const *names /* [count] */, int count,
                       double *error /* [count] */);

/* The largest RMS(U) of w's steps 1 .. steps: how far past d the updates
 * would go unclipped. */
double watch_largest_rms(const Watch *w, int steps);
/* The steps among 1 .. steps at which RMS(U) of any of w[count] is over
 * `limit`: the steps the clipping at d = limit touches. */
int watch_steps_over(const Watch *w /* [count] */, int count, int steps, double limit);

/* Adafactor's beta2_t = 1 - t^decay at step t (decay: its beta2_decay,
 * PyTorch's -0.8): 0 at step 1, nearer 1 the slower v forgets. */
double beta2_at(double decay, long t);

/* A run of Adafactor's first steps: at lr, with beta2_t = 1 - t^decay (its
 * beta2_decay) and the update clipped at RMS d (INFINITY: no clipping). */
typedef struct {
    float lr;
    double decay, d;
} ClipRun;

/* c's run: run (Adafactor's, on p) at c's lr, decay and d, p's matrices
 * names[2] watched into w[2] (the caller frees them, and the Trace). */
Trace clip_run(Problem *p, Run run, ClipRun c, const char *const *names /* [2] */,
               Watch *w /* [2] */);

/* clip_run of each of c[count] into tr[count], its watches into w[count]
 * (the caller frees them, and the Traces). */
void clip_runs(Problem *p, Run run, const ClipRun *c /* [count] */, int count,
               const char *const *names /* [2] */, Trace *tr /* [count] */,
               Watch (*w)[2] /* [count] */);

/* How large a clip_run's updates and losses grew. */
typedef struct {
    double largest[2];   /* the largest RMS(U) of each watched matrix */
    int over;            /* the steps with RMS(U) over 1 in either: those d = 1 clips */
    double highest;      /* the highest batch loss */
} ClipOutcome;

/* Over the steps tr took, of the watches w[2] that saw them. */
ClipOutcome clip_outcome(const Trace *tr, const Watch *w /* [2] */);

/* A run of a comparison, on the MLP or the GPT: an optimizer at a learning
 * rate and a config (NULL: its defaults), and how the tables and the
 * values name it. */
typedef struct {
    const char *label, *tag;
    const OptimizerSpec *spec;
    const void *config;
    float lr;
} Compared;

/* base (its steps, batch, start and batches) with c's optimizer, config
 * and lr. */
Run compared_run(Run base, const Compared *c);

/* compared_run of each of runs[count] from `seeds` starts (trace_seeds, no
 * recipe) into out[count] (the caller frees each curve). */
void compare_seeds(Problem *p, Run base, const Compared *runs /* [count] */, int count, int seeds,
                   TraceSeeds *out /* [count] */);

/* compared_run of each of runs[count] into tr[count] (trace_free each):
 * run `watched` on p's matrices names[watches] watched into w[watches]
 * (watch_matrices; watch_free each), the others plain (watched_run with no
 * watch). */
void compare_traces(Problem *p, Run base, const Compared *runs /* [count] */, int count,
                    int watched, const char *const *names /* [watches] */, int watches,
                    Watch *w /* [watches] */, Trace *tr /* [count] */);

/* How many learning rates of a sweep ended with a score not below `guess`
 * (a failed or diverged run among them): for a final loss on 10 classes,
 * guess = ln 10 is what a model that knows nothing scores. */
int sweep_failed(const Sweep *s, double guess);

/* The bytes of state `spec` (at its defaults) allocates for params, as
 * their memory ledger counts them (TAG_STATE); fails if the optimizer's own
 * count, optimizer_state_bytes, disagrees. */
size_t ledger_state_bytes(const OptimizerSpec *spec, ParamList params);

/* What AdamW and Adafactor allocate for some parameters. */
typedef struct {
    double params;             /* the numbers in the parameters */
    double adamw, adafactor;   /* the bytes of state each allocates at its defaults */
} StateBytes;

/* ledger_state_bytes of AdamW and Adafactor for params. */
StateBytes state_bytes(ParamList params);
/* The same for one rows x cols matrix of its own, a layer of a large model
 * (calloc'd: the pages of the weights, never touched, cost nothing). */
StateBytes layer_state_bytes(int rows, int cols);

/* rho_t of torch.optim.Adafactor at lr, measured: one weight at 1 whose
 * gradient alternates +1, -1, so that v = g^2 and |U| = 1 at every step and
 * the weight moves by alpha_t = max(eps2, |x|) rho_t. Fills rho[1 .. last]
 * of rho[last + 1]. */
void measured_rho(float lr, int last, double *rho /* [last + 1] */);
/* rho_t of the paper, T5 and Hugging Face's default: min(10^-2, 1/sqrt(t)). */
double rho_paper(long t);
/* rho_t of Hugging Face's warmup_init: min(10^-6 t, 1/sqrt(t)). */
double rho_warmup_init(long t);
/* The largest |rho[t] / rho_paper(t) - 1| over t = 1 .. last of
 * rho[last + 1]: how far a measured rho_t (PyTorch's at lr 0.01) is from
 * the paper's, 0 when they agree. */
double rho_worst(const double *rho /* [last + 1] */, int last);

#endif
