/* adafactor_measures.c - what lesson 08's program measures of Adafactor (see
 * adafactor_measures.h). */
#include "adafactor_measures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "experiment.h"

Watch watch_new(const Problem *p, const char *name, int steps)
{
    int i = paramlist_find(&p->params, name);
    if (i < 0 || p->params.params[i]->ndim != 2) fail("no matrix %s to watch", name);
    const Tensor *x = p->params.params[i];
    return (Watch){.name = name, .index = i, .rows = x->shape[0], .cols = x->shape[1],
                   .v = must(calloc(x->numel, sizeof(float)), "out of memory"), .estimate = floats_new(x->numel),
                   .v_error = doubles_new((size_t)steps + 1), .u_error = doubles_new((size_t)steps + 1),
                   .u_rms = doubles_new((size_t)steps + 1)};
}

void watch_free(Watch *w)
{
    free(w->v), free(w->estimate), free(w->v_error), free(w->u_error), free(w->u_rms);
}

/* The state `slot` ("row_var", "col_var") of parameter i. */
static const float *slot_of(const Optimizer *opt, const char *slot, int i)
{
    for (int k = 0; k < opt->num_slots; k++)
        if (strcmp(opt->slot_names[k], slot) == 0 && opt->slots[k][i]) return opt->slots[k][i]->data;
    fail("the optimizer keeps no %s for parameter %d", slot, i);
}

void watch_step(Watch *w, const Optimizer *opt, const AdafactorConfig *cfg, long t)
{
    const float *g = opt->params.grads[w->index]->data;
    const double eps1 = adafactor_eps1(cfg), floor = eps1 * eps1;   /* the update's clamp */
    const float weight = (float)pow((double)t, cfg->beta2_decay);
    adafactor_var_estimate(slot_of(opt, "row_var", w->index), slot_of(opt, "col_var", w->index), w->rows,
                           w->cols, eps1, w->estimate);
    size_t n = (size_t)w->rows * w->cols;
    double dv = 0, vv = 0, du = 0, uu = 0, u_sq = 0;
    for (size_t i = 0; i < n; i++) {
        w->v[i] += weight * (g[i] * g[i] - w->v[i]);   /* the library's moving average */
        double e = w->estimate[i], v = w->v[i];
        double u = g[i] / sqrt(fmax(e, floor)), u_v = g[i] / sqrt(fmax(v, floor));
        dv += (e - v) * (e - v), vv += v * v, du += (u - u_v) * (u - u_v), uu += u_v * u_v, u_sq += u * u;
    }
    w->v_error[t] = sqrt(dv / vv), w->u_error[t] = sqrt(du / uu), w->u_rms[t] = sqrt(u_sq / n);
}

void watch_end(Watch *w)
{
    size_t n = (size_t)w->rows * w->cols, m = 0;
    float *ratio = floats_new(n);
    w->mean_v = 0;
    for (size_t i = 0; i < n; i++) {
        w->mean_v += w->v[i] / (double)n;
        if (w->v[i] > 0) ratio[m++] = w->estimate[i] / w->v[i];
    }
    w->median_ratio = m ? sort_median(ratio, m) : NAN;
    free(ratio);
}

/* The watches of a run, and the steps they have seen. */
typedef struct {
    Watch *w;
    int count;
    AdafactorConfig cfg;
    long t;
} Watches;

/* Each step, once it is taken, to every watch (a StepWatch). */
static void watch_each_step(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    (void)before;
    Watches *ws = ctx;
    if (!after) return;
    ws->t++;
    for (int k = 0; k < ws->count; k++) watch_step(&ws->w[k], opt, &ws->cfg, ws->t);
}

Trace watched_run(Problem *p, Run run, Watch *w, int count)
{
    Watches ws = {.w = w, .count = count, .cfg = ADAFACTOR_DEFAULTS};
    if (count > 0 && run.config) ws.cfg = *(const AdafactorConfig *)run.config;
    Recipe rc = {.watch = count > 0 ? watch_each_step : NULL, .watch_ctx = &ws};
    Trace tr = trace_run(p, run, &rc, NULL);
    for (int k = 0; k < count; k++) watch_end(&w[k]);
    return tr;
}

Trace watch_matrices(Problem *p, Run run, const char *const *names, int count, Watch *w)
{
    for (int k = 0; k < count; k++) w[k] = watch_new(p, names[k], run.steps);
    return watched_run(p, run, w, count);
}

void one_example_error(Problem *p, Run run, const char *const *names, int count, double *error)
{
    if (count > ONE_EXAMPLE_MAX)
        fail("one_example_error watches %d matrices at most", ONE_EXAMPLE_MAX);
    Watch w[ONE_EXAMPLE_MAX];
    run.steps = 1, run.batch = 1;   /* one example's g^2 is rank 1: no more than one step of it */
    Trace tr = watch_matrices(p, run, names, count, w);
    for (int k = 0; k < count; k++) error[k] = w[k].v_error[1], watch_free(&w[k]);
    trace_free(&tr);
}

double watch_largest_rms(const Watch *w, int steps)
{
    double largest = 0;
    for (int t = 1; t <= steps; t++) largest = fmax(largest, w->u_rms[t]);
    return largest;
}

int watch_steps_over(const Watch *w, int count, int steps, double limit)
{
    int over = 0;
    for (int t = 1; t <= steps; t++) {
        bool any = false;
        for (int k = 0; k < count; k++) any |= w[k].u_rms[t] > limit;
        over += any;
    }
    return over;
}

double beta2_at(double decay, long t)
{
    return 1 - pow((double)t, decay);
}

Trace clip_run(Problem *p, Run run, ClipRun c, const char *const *names, Watch *w)
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;   /* outlives the run: the run ends here */
    cfg.beta2_decay = c.decay, cfg.d = c.d;
    run.lr = c.lr, run.config = &cfg;
    return watch_matrices(p, run, names, 2, w);
}

void clip_runs(Problem *p, Run run, const ClipRun *c, int count, const char *const *names,
               Trace *tr, Watch (*w)[2])
{
    for (int k = 0; k < count; k++) tr[k] = clip_run(p, run, c[k], names, w[k]);
}

ClipOutcome clip_outcome(const Trace *tr, const Watch *w)
{
    int steps = tr->steps_done;   /* a run that diverged stopped early: its steps only */
    ClipOutcome o = {.over = watch_steps_over(w, 2, steps, 1),
                     .highest = tr->loss[index_of_max(tr->loss, steps)]};
    for (int k = 0; k < 2; k++) o.largest[k] = watch_largest_rms(&w[k], steps);
    return o;
}

Run compared_run(Run base, const Compared *c)
{
    base.optimizer = c->spec, base.config = c->config, base.lr = c->lr;
    return base;
}

void compare_seeds(Problem *p, Run base, const Compared *runs, int count, int seeds,
                   TraceSeeds *out)
{
    for (int k = 0; k < count; k++)
        out[k] = trace_seeds(p, compared_run(base, &runs[k]), &(Recipe){0}, seeds);
}

void compare_traces(Problem *p, Run base, const Compared *runs, int count, int watched,
                    const char *const *names, int watches, Watch *w, Trace *tr)
{
    for (int k = 0; k < count; k++) {
        Run run = compared_run(base, &runs[k]);
        if (k == watched) tr[k] = watch_matrices(p, run, names, watches, w);
        else tr[k] = watched_run(p, run, NULL, 0);
    }
}

int sweep_failed(const Sweep *s, double guess)
{
    int failed = 0;
    for (int k = 0; k < s->count; k++) failed += !(s->score[k] < guess);   /* NaN fails too */
    return failed;
}

size_t ledger_state_bytes(const OptimizerSpec *spec, ParamList params)
{
    MemoryLedger *ledger = params.params[0]->ledger;
    size_t before = ledger->live[TAG_STATE];
    Optimizer *opt = must(spec->create(params, spec->defaults), "out of memory");
    size_t bytes = ledger->live[TAG_STATE] - before;
    if (bytes != optimizer_state_bytes(opt)) fail("the ledger and %s disagree on its state", spec->name);
    optimizer_free(opt);
    return bytes;
}

StateBytes state_bytes(ParamList params)
{
    return (StateBytes){.params = (double)paramlist_numel(&params),
                        .adamw = (double)ledger_state_bytes(&ADAMW_SPEC, params),
                        .adafactor = (double)ledger_state_bytes(&ADAFACTOR_SPEC, params)};
}

StateBytes layer_state_bytes(int rows, int cols)
{
    MemoryLedger ledger = {0};   /* its own: the layer is nobody's parameters */
    Tensor *w = tensor_new_2d(&ledger, "layer.weight", TAG_PARAM, rows, cols);
    Tensor *g = tensor_new_2d(&ledger, "layer.weight.grad", TAG_GRAD, rows, cols);
    if (!w || !g) fail("out of memory");
    StateBytes bytes = state_bytes((ParamList){1, &w, &g});
    tensor_free(w), tensor_free(g);
    return bytes;
}

void measured_rho(float lr, int last, double *rho)
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    cfg.lr = lr;
    float x = 1.0f, variance = 0.0f;
    for (long t = 1; t <= last; t++) {
        float before = x, g = t % 2 ? 1.0f : -1.0f;
        adafactor_update_vector(&x, &g, &variance, 1, t, &cfg);
        rho[t] = fabs((double)x - before) / fmax(cfg.eps[1], fabs((double)before));
    }
}

double rho_paper(long t)
{
    return fmin(1e-2, 1 / sqrt((double)t));
}

double rho_warmup_init(long t)
{
    return fmin(1e-6 * (double)t, 1 / sqrt((double)t));
}

double rho_worst(const double *rho, int last)
{
    double worst = 0;
    for (int t = 1; t <= last; t++) worst = fmax(worst, fabs(rho[t] / rho_paper(t) - 1));
    return worst;
}
