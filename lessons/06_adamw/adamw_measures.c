/* adamw_measures.c - the update rules of lesson 06's program run by hand,
 * and what its runs end with (see adamw_measures.h). */
#include "adamw_measures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "experiment.h"
#include "gpt.h"
#include "sgd.h"

void shrink_rates(const AdamConfig *cfg, bool decoupled, const float *s, int n, int steps, int window,
                  double *rate, double *size)
{
    size_t bytes = sizeof(float) * (size_t)n;
    float *w = floats_new((size_t)n), *g = floats_new((size_t)n), *before = floats_new((size_t)n);
    float *m = must(calloc((size_t)n, sizeof(float)), "out of memory");
    float *v = must(calloc((size_t)n, sizeof(float)), "out of memory");
    for (int i = 0; i < n; i++) w[i] = 1.0f;
    for (int t = 1; t <= steps; t++) {
        for (int i = 0; i < n; i++) g[i] = t % 2 ? s[i] : -s[i];
        if (t == steps - window + 1) memcpy(before, w, bytes);
        if (decoupled) adamw_update(w, g, m, v, NULL, (size_t)n, t, cfg);
        else adam_update(w, g, m, v, NULL, (size_t)n, t, cfg);
    }
    for (int i = 0; i < n; i++) {
        rate[i] = 1 - pow((double)w[i] / before[i], 1.0 / window);
        size[i] = sqrt((double)w[i] * before[i]);
    }
    free(w), free(g), free(before), free(m), free(v);
}

/* snippet: decoupled_step, shown in 06_adamw */
/* w = w - adam_lr adam_step - decay w, the decay taken from w before the
 * step, as the AdamW paper writes it: its Algorithm 2 is adam_lr = alpha
 * eta_t, decay = eta_t lambda; the study notes' W = W - lr adam_step -
 * lambda W is decay = lambda whatever the schedule. `decayed` is scratch. */
void decoupled_step(float *w /* [n] */, const float *g /* [n] */,
                    float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                    float *decayed /* [n] */, size_t n, long t, float adam_lr,
                    double decay)
{
    AdamConfig adam = ADAM_DEFAULTS;
    adam.lr = adam_lr;   /* weight_decay 0: Adam's own step only */
    for (size_t i = 0; i < n; i++) decayed[i] = (float)(decay * w[i]);
    adam_update(w, g, exp_avg, exp_avg_sq, NULL, n, t, &adam);
    for (size_t i = 0; i < n; i++) w[i] -= decayed[i];
}
/* end snippet */

double recipe_eta(bool cosine, long t, int steps)
{
    return cosine ? 0.5 * (1 + cos(acos(-1.0) * (double)(t - 1) / steps)) : 1.0;
}

void recipe_step(const DecayRecipe *rc, float *w, const float *g, float *m, float *v, float *scratch, size_t n,
                 long t, int steps)
{
    double eta = recipe_eta(rc->cosine, t, steps);
    SGDConfig sgd = {.lr = rc->lr, .weight_decay = rc->rule == SGD_L2 ? rc->lambda : 0.0f};
    AdamConfig adam = ADAM_DEFAULTS;
    adam.lr = (float)(rc->lr * eta), adam.weight_decay = rc->lambda;
    switch (rc->rule) {
    case SGD_L2: sgd_update(w, g, n, &sgd); break;
    case SGD_DECOUPLED:   /* the shrink in double, then rounded, as adamw_update's */
        for (size_t i = 0; i < n; i++) w[i] *= (float)(1.0 - (double)rc->lr * rc->lambda);
        sgd_update(w, g, n, &sgd);
        break;
    case ADAM_L2: adam_update(w, g, m, v, NULL, n, t, &adam); break;
    case ADAMW_TORCH: adamw_update(w, g, m, v, NULL, n, t, &adam); break;
    case DECOUPLED:
        decoupled_step(w, g, m, v, scratch, n, t, adam.lr, rc->decay_in_schedule ? eta * rc->lambda : rc->lambda);
        break;
    }
}

void recipe_shrink(const DecayRecipe *rc, int steps, double *first, double *last)
{
    *first = rc->rule == ADAMW_TORCH ? (double)rc->lr * rc->lambda : rc->lambda;
    bool scheduled = rc->rule == ADAMW_TORCH || rc->decay_in_schedule;
    *last = scheduled ? *first * recipe_eta(rc->cosine, steps, steps) : *first;
}

MlpEnd mlp_measured(Problem *p, double loss)
{
    double b1 = param_norm(&p->params, "fc1.bias"), b2 = param_norm(&p->params, "fc2.bias");
    double test = 100 * p->test_accuracy(p);
    return (MlpEnd){loss, 100 * digits_train_accuracy(p), test, param_norm(&p->params, "fc1.weight"),
                    sqrt(b1 * b1 + b2 * b2), test, test};
}

/* flat_run's rule: the recipe's step, the norm of fc1.weight before it kept
 * (p holds the parameters before the step). */
typedef struct {
    Problem *p;
    const DecayRecipe *rc;
    int steps;
    float *m, *v, *scratch;   /* [n] each */
    double *norm;             /* [steps + 1], or NULL */
} FlatRun;

static void flat_step(float *theta, const float *g, size_t n, long t, void *ctx)
{
    FlatRun *f = ctx;
    if (f->norm) f->norm[t - 1] = param_norm(&f->p->params, "fc1.weight");
    recipe_step(f->rc, theta, g, f->m, f->v, f->scratch, n, t, f->steps);
}

MlpEnd flat_run(Problem *p, uint64_t seed, const DecayRecipe *rc, int steps, int batch, float *theta,
                double *norm)
{
    size_t n = paramlist_numel(&p->params);
    FlatRun f = {p, rc, steps, must(calloc(n, sizeof(float)), "out of memory"),
                 must(calloc(n, sizeof(float)), "out of memory"), floats_new(n), norm};
    int done = run_rule_batches(p, seed, steps, batch, flat_step, &f, theta, NULL);
    if (done < steps) fail("a run on the MLP diverged at step %d", done + 1);
    MlpEnd end = mlp_measured(p, problem_loss_at(p, theta));
    if (norm) norm[steps] = end.fc1_norm;
    free(f.m), free(f.v), free(f.scratch);
    return end;
}

MlpEnd mlp_end(Problem *p, Run run, int seeds)
{
    MlpEnd mean = {.test_low = INFINITY, .test_high = -INFINITY};
    for (int k = 0; k < seeds; k++) {
        Curve c = run_curve(p, run_from_start(run, k), 1, NULL);
        if (c.message[0]) fail("%s", c.message);
        MlpEnd e = mlp_measured(p, c.final_loss);
        mean.loss += e.loss / seeds, mean.train_acc += e.train_acc / seeds, mean.test_acc += e.test_acc / seeds;
        mean.fc1_norm += e.fc1_norm / seeds, mean.bias_norm += e.bias_norm / seeds;
        mean.test_low = fmin(mean.test_low, e.test_acc), mean.test_high = fmax(mean.test_high, e.test_acc);
    }
    return mean;
}

GptEnd gpt_end(Problem *p, Run run)
{
    GptEnd out = {.batch_loss = doubles_new((size_t)run.steps)};
    double *grad_rms = doubles_new((size_t)p->params.count), *step_rms = doubles_new((size_t)p->params.count);
    int steps = run_tensor_rms(p, run, 1, out.batch_loss, grad_rms, step_rms);   /* the rms: not needed here */
    out.val_loss = steps == run.steps ? gpt_validation_loss(p) : INFINITY;
    size_t gains = 0;
    for (int i = 0; i < p->params.count; i++) {
        const Tensor *x = p->params.params[i];
        if (!strstr(x->name, "ln_") || !strstr(x->name, ".weight")) continue;
        for (size_t j = 0; j < x->numel; j++) out.gain_mean += x->data[j];
        gains += x->numel;
    }
    out.gain_mean /= (double)gains;
    out.wte = param_norm(&p->params, "wte.weight"), out.wpe = param_norm(&p->params, "wpe.weight");
    free(grad_rms), free(step_rms);
    return out;
}
