/* momentum_measures.c - the runs, sweeps and settings lesson 02's program
 * measures momentum with (see momentum_measures.h). */
#include "momentum_measures.h"

#include <math.h>
#include <stdlib.h>

#include "experiment.h"

SGDMomentumConfig sgd_momentum_config(float lr, float momentum, bool nesterov)
{
    SGDMomentumConfig cfg = SGD_MOMENTUM_DEFAULTS;   /* dampening 0, no weight decay */
    cfg.lr = lr, cfg.momentum = momentum, cfg.nesterov = nesterov;
    return cfg;
}

Run full_batch(const SGDMomentumConfig *cfg, int steps)
{
    return (Run){.optimizer = &SGD_MOMENTUM_SPEC, .config = cfg, .lr = cfg->lr, .steps = steps};
}

TrainHistory momentum_path(Problem *p, float lr, float momentum, bool nesterov, int steps)
{
    SGDMomentumConfig cfg = sgd_momentum_config(lr, momentum, nesterov);
    return run_path(p, full_batch(&cfg, steps));
}

int momentum_steps(Problem *p, float lr, float momentum, bool nesterov, int max_steps)
{
    SGDMomentumConfig cfg = sgd_momentum_config(lr, momentum, nesterov);
    return run_steps_to_target(p, full_batch(&cfg, max_steps));
}

Best sweep_betas(Problem *p, const float *betas, int count, bool nesterov, int max_steps)
{
    float lrs[LR_GRID];
    lr_grid(lrs, LR_GRID, -24, 16);
    SGDMomentumConfig cfgs[BETA_GRID];
    for (int j = 0; j < count; j++) cfgs[j] = sgd_momentum_config(0.0f, betas[j], nesterov);   /* the sweep sets lr */
    GridBest b = sweep_configs_steps_to_target(p, full_batch(cfgs, max_steps), cfgs, sizeof *cfgs, count, lrs,
                                               LR_GRID);
    return b.steps >= 0 ? (Best){b.steps, b.lr, betas[b.config]} : (Best){-1, 0, 0};
}

Best sweep_momentum(Problem *p, bool with_momentum, bool nesterov, int max_steps)
{
    float betas[BETA_GRID] = {0.0f};
    for (int j = 0; with_momentum && j < BETA_GRID; j++) betas[j] = (float)(1.0 - pow(10.0, -(j + 1) / 8.0));
    return sweep_betas(p, betas, with_momentum ? BETA_GRID : 1, nesterov && with_momentum, max_steps);
}

void heavy_ball_theory(double L, double mu, float *lr, float *beta)
{
    double k = L / mu;
    *lr = (float)(4.0 / ((sqrt(L) + sqrt(mu)) * (sqrt(L) + sqrt(mu))));
    *beta = (float)(((sqrt(k) - 1.0) / (sqrt(k) + 1.0)) * ((sqrt(k) - 1.0) / (sqrt(k) + 1.0)));
}

/* The ravine of the kappa sweep has KAPPA_DIM coordinates, their curvatures
 * spread geometrically from 1/kappa to 1, like the spectrum of a real model
 * (with only two curvatures, a lucky setting can exploit the gap between them). */
#define KAPPA_DIM 10

KappaRow kappa_row(double kappa)
{
    Problem *p = must(ravine_new(KAPPA_DIM, kappa), "out of memory");
    int cap = (int)(20 * kappa) + 1000;   /* GD needs about kappa steps per decade */
    KappaRow row = {.gd = sweep_momentum(p, false, false, cap)};
    /* Momentum only has to beat GD: a cap at GD's steps saves the sweep the
     * settings that cannot. */
    row.hb = sweep_momentum(p, true, false, row.gd.steps > 0 ? row.gd.steps : cap);
    row.nag = sweep_momentum(p, true, true, row.gd.steps > 0 ? row.gd.steps : cap);
    /* Theory: GD's best lr is 2/(L + mu); heavy ball's is Polyak's. */
    float lr;
    heavy_ball_theory(1.0, 1.0 / kappa, &lr, &row.hb_theory_beta);
    row.gd_theory = momentum_steps(p, (float)(2.0 / (1.0 + 1.0 / kappa)), 0.0f, false, cap);
    row.hb_theory = momentum_steps(p, lr, row.hb_theory_beta, false, cap);
    problem_free(p);
    return row;
}

double most_negative(const TrainHistory *h, int i)
{
    double lowest = 0.0;
    for (int s = 0; s <= h->steps_done; s++) lowest = fmin(lowest, h->path[h->numel * s + i]);
    return lowest;
}

RavineEnd ravine_end(Problem *p, float lr, float beta, bool nesterov, int steps, int at)
{
    TrainHistory h = momentum_path(p, lr, beta, nesterov, steps);
    RavineEnd end = {.loss = loss_after(&h, steps),   /* infinite once diverged (h.loss is 0 past it) */
                     .grew = h.diverged_at || h.loss[steps] > h.loss[0],
                     .y_flips = sign_changes(&h, 1, steps), .y_at = NAN};
    if (at <= h.steps_done) end.y_at = fabs(h.path[h.numel * at + 1]);   /* the rows after a divergence: unset */
    train_history_free(&h);
    return end;
}

double largest_stable_lr(Problem *p, float beta, bool nesterov, int steps)
{
    SGDMomentumConfig cfg = sgd_momentum_config(0.0f, beta, nesterov);   /* the bisection sets lr */
    return largest_lr(p, full_batch(&cfg, steps), loss_ends_lower, 0.0, 8.0, 30);
}

/* Form B's rule: the same update function as form A, told that the (zero)
 * buffer already exists, so that its first step is damped as well. */
typedef struct {
    const SGDMomentumConfig *ema;
    float *buffer;   /* [n] */
} FormB;

static void form_b_step(float *x, const float *g, size_t n, long t, void *ctx)
{
    FormB *b = ctx;
    sgd_momentum_update(x, g, b->buffer, n, b->ema, t + 1);   /* never "step 1" */
}

TrainHistory form_b_path(Problem *p, const SGDMomentumConfig *ema, int steps)
{
    FormB b = {ema, must(calloc(paramlist_numel(&p->params), sizeof(float)), "out of memory")};
    TrainHistory h = run_rule_path(p, 0, steps, form_b_step, &b);
    free(b.buffer);
    return h;
}

VelocityForms velocity_forms(Problem *p, float lr, float beta, int steps)
{
    SGDMomentumConfig plain = sgd_momentum_config(lr, beta, false);
    SGDMomentumConfig ema = sgd_momentum_config(lr / (1.0f - beta), beta, false);
    ema.dampening = beta;
    TrainHistory h[3];
    h[0] = run_path(p, full_batch(&plain, steps));
    h[1] = form_b_path(p, &ema, steps);
    h[2] = run_path(p, full_batch(&ema, steps));
    VelocityForms f;
    f.loss_start = h[0].loss[0];
    for (int k = 0; k < 3; k++) {
        f.first[k] = step_length(&h[k], 1), f.apart[k] = paths_apart(&h[0], &h[k]);
        f.loss_after[k] = loss_after(&h[k], steps);
    }
    for (int k = 0; k < 3; k++) train_history_free(&h[k]);
    return f;
}

void steady_slope(float lr, float beta, int steps, double *length)
{
    SGDMomentumConfig plain = sgd_momentum_config(lr, beta, false);
    float param[1] = {0.0f}, buf[1] = {0.0f}, grad[1] = {1.0f};
    length[0] = 0.0;
    for (int s = 1; s <= steps; s++) {
        float before = param[0];
        sgd_momentum_update(param, grad, buf, 1, &plain, s);
        length[s] = fabs(param[0] - before);
    }
}

TrainHistory pit_path(const PitShape *shape, float lr, float beta, int steps)
{
    Problem *p = must(pit_new(shape, -3.0), "out of memory");
    TrainHistory h = momentum_path(p, lr, beta, false, steps);
    problem_free(p);   /* the history keeps its own copy of the path */
    return h;
}

PitOutcome pit_outcome(const PitShape *shape, float lr, float beta, int steps, const double *minima)
{
    TrainHistory h = pit_path(shape, lr, beta, steps);
    PitOutcome outcome = h.diverged_at ? DIVERGED : STILL_MOVING;
    /* Settled: within 0.01 of a minimum and no longer moving. */
    for (int m = 0; m < 2 && !h.diverged_at; m++)
        if (fabs(h.path[steps] - minima[m]) < 1e-2 && step_length(&h, steps) < 1e-4)
            outcome = m == 0 ? IN_PIT : IN_VALLEY;
    train_history_free(&h);
    return outcome;
}

SeedRuns mlp_seeds(Problem *p, const SGDMomentumConfig *cfg, int steps, int batch, uint64_t seed, int seeds,
                   int points, Curve *first)
{
    Run mlp = {.optimizer = &SGD_MOMENTUM_SPEC, .config = cfg, .lr = cfg->lr, .steps = steps, .batch = batch,
               .seed = seed, .batch_seed = seed * 7919u};
    return run_seeds(p, mlp, seeds, 7919u, points, first);   /* run k: batches (seed + k) 7919 */
}
