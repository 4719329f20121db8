/* momentum_measures.h - what lesson 02's program measures momentum with:
 * full-batch runs of SGD with momentum from a problem's start, the sweeps
 * that find the best settings, Polyak's settings, and what a run ends with.
 *
 *   sgd_momentum_config  SGD with momentum at lr, beta, Nesterov or not
 *   full_batch           the Run of `steps` full-batch steps at a config
 *   momentum_path,       the path, and the steps to the target, at lr and
 *   momentum_steps         beta from a problem's start
 *   Best, sweep_betas,   the fewest steps to the target over the grids of
 *   sweep_momentum         learning rates and momentum
 *   heavy_ball_theory    Polyak's lr and beta for curvatures in [mu, L]
 *   KappaRow, kappa_row  one ravine of the kappa sweep, every method on it
 *   most_negative        how far below 0 a coordinate of a path goes
 *   RavineEnd,           what a run on the 2-D ravine ends with: its loss,
 *   ravine_end             and the steep coordinate y
 *   largest_stable_lr    the largest lr whose loss ends below its start
 *   form_b_path          the path of v = beta v + (1 - beta) g from v = 0
 *   VelocityForms,       how far the three ways to write the velocity
 *   velocity_forms         (A, B, C) are apart
 *   steady_slope         the lengths of the steps on a constant gradient
 *   pit_path             a run on a pit landscape from x = -3
 *   PitOutcome,          where such a run settles
 *   pit_outcome
 *   mlp_seeds            SGD with momentum on the digits MLP, over seeds */
#ifndef LESSON_MOMENTUM_MEASURES_H
#define LESSON_MOMENTUM_MEASURES_H

#include <stdbool.h>
#include <stdint.h>

#include "momentum.h"
#include "pit.h"
#include "problems.h"
#include "runs.h"
#include "train.h"

/* SGD with momentum at lr and beta, dampening 0 and no weight decay. */
SGDMomentumConfig sgd_momentum_config(float lr, float momentum, bool nesterov);

/* `steps` full-batch steps of SGD with cfg from a problem's start (the
 * ravine's, its only one). cfg must outlive the Run. */
Run full_batch(const SGDMomentumConfig *cfg, int steps);

/* The path of `steps` full-batch steps at these settings from p's start
 * (the caller frees it). */
TrainHistory momentum_path(Problem *p, float lr, float momentum, bool nesterov, int steps);

/* The steps to the target at these settings (-1: not within max_steps). */
int momentum_steps(Problem *p, float lr, float momentum, bool nesterov, int max_steps);

/* The grids every sweep of the chapter uses: learning rates 10^(k/16) from
 * 0.03 to 4.2 (L = 1 on every ravine, so 2/L = 2 is inside), and momentum
 * 1 - 10^(-j/8), from 0.25 to 0.999, finer as it approaches 1. */
#define LR_GRID 35
#define BETA_GRID 24

typedef struct {
    int steps;            /* steps to the target, or -1 */
    float lr, momentum;   /* the settings that took them (0 with -1) */
} Best;

/* The fewest steps to the target over the lr grid at each momentum of
 * betas[count] (count <= BETA_GRID), each to beat the best before it. */
Best sweep_betas(Problem *p, const float *betas /* [count] */, int count, bool nesterov, int max_steps);

/* The fewest steps to the target over the grids: learning rates only when
 * with_momentum is false, learning rates and momentum otherwise. */
Best sweep_momentum(Problem *p, bool with_momentum, bool nesterov, int max_steps);

/* Heavy ball's optimal settings for a quadratic with curvatures in [mu, L]
 * (Polyak 1964): lr = 4 / (sqrt L + sqrt mu)^2, beta = ((sqrt k - 1)/(sqrt k + 1))^2
 * with k = L / mu. */
void heavy_ball_theory(double L, double mu, float *lr, float *beta);

/* One ravine of the kappa sweep: the best settings of each method and the
 * steps theory's settings take. */
typedef struct {
    Best gd, hb, nag;
    int gd_theory, hb_theory;   /* GD at 2/(L + mu); heavy ball at Polyak's */
    float hb_theory_beta;
} KappaRow;

/* Every method on a ravine of KAPPA_DIM coordinates (see the .c) with
 * condition number kappa, each run capped at 20 kappa + 1000 steps. */
KappaRow kappa_row(double kappa);

/* The most negative value coordinate i takes along a recorded path: how
 * far a run overshoots the minimum at 0 (0 if it never crosses). */
double most_negative(const TrainHistory *h, int i);

/* What `steps` full-batch steps at lr and beta on the 2-D ravine end with. */
typedef struct {
    double loss;   /* after the last step */
    bool grew;     /* diverged, or the loss ended above its start */
    int y_flips;   /* sign changes of the steep coordinate y over the steps */
    double y_at;   /* |y| after step `at` (NaN if the run stopped before it) */
} RavineEnd;

RavineEnd ravine_end(Problem *p, float lr, float beta, bool nesterov, int steps, int at);

/* The largest lr in [0, 8] at which `steps` full-batch steps at beta end
 * with the loss below its start (bisected 30 times). */
double largest_stable_lr(Problem *p, float beta, bool nesterov, int steps);

/* Form B of the velocity, v = beta v + (1 - beta) g from v = 0, at ema's lr
 * and beta (ema->dampening = beta): the path of `steps` full-batch steps
 * from p's start (the caller frees it). */
TrainHistory form_b_path(Problem *p, const SGDMomentumConfig *ema, int steps);

/* Form A (v = beta v + g, PyTorch's dampening 0, at lr), form B
 * (form_b_path at lr / (1 - beta)) and form C (PyTorch's dampening = beta
 * at lr / (1 - beta), whose buffer starts at the first gradient, undamped):
 * `steps` full-batch steps of each from p's start. Index 0, 1, 2: A, B, C. */
typedef struct {
    double first[3];   /* the length of step 1 */
    double apart[3];   /* the farthest each path gets from A's (0 for A) */
    double loss_start;      /* the loss at p's start */
    double loss_after[3];   /* the loss after `steps` steps (INFINITY: it diverged) */
} VelocityForms;

VelocityForms velocity_forms(Problem *p, float lr, float beta, int steps);

/* The lengths of `steps` steps of form A at lr and beta from 0 on a steady slope,
 * the gradient 1 at every step: length[t] is that of step t, length[0] = 0. */
void steady_slope(float lr, float beta, int steps, double *length /* [steps + 1] */);

/* The path of `steps` full-batch steps at lr and beta (heavy ball) on a pit
 * landscape from x = -3 (the caller frees it). */
TrainHistory pit_path(const PitShape *shape, float lr, float beta, int steps);

/* Where a run on a pit landscape is at its end. */
typedef enum { IN_PIT, IN_VALLEY, STILL_MOVING, DIVERGED } PitOutcome;

/* Where SGD with momentum is after `steps` steps from x = -3: settled in the
 * pit (minima[0]) or in the valley (minima[1]), or neither. */
PitOutcome pit_outcome(const PitShape *shape, float lr, float beta, int steps, const double *minima /* [2] */);

/* `seeds` runs of `steps` steps of cfg on the MLP p, `batch` examples a
 * step: run k starts from seed + k and draws its batches with (seed + k)
 * 7919, so that no two runs share a start or a batch. `points` checkpoints
 * of run 0 go to *first. cfg->lr is the run's lr. */
SeedRuns mlp_seeds(Problem *p, const SGDMomentumConfig *cfg, int steps, int batch, uint64_t seed, int seeds,
                   int points, Curve *first);

#endif
