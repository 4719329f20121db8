/* mixed_measures.c - what lesson 11's program measures the 16-bit formats
 * with (see mixed_measures.h). */
#include "mixed_measures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "lowp.h"

float fp32_ulp(float w)
{
    return nextafterf(fabsf(w), INFINITY) - fabsf(w);
}

/* moved_shares's watcher: the step's count of changed weights, as a share. */
typedef struct {
    double *moved;   /* [steps + 1] */
    int t;           /* steps seen */
} Moved;

static void watch_moved(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    if (!after) return;
    Moved *m = ctx;
    const size_t n = paramlist_numel(&opt->params);
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) moved += after[i] != before[i];
    m->moved[++m->t] = (double)moved / (double)n;
}

int moved_shares(Problem *p, Run run, double *moved)
{
    Moved m = {moved, 0};
    return run_watched(p, run, watch_moved, &m);
}

int stall_step(const double *moved, int steps)
{
    int stall = 0;
    for (int t = steps; t >= 1 && moved[t] < 0.5; t--) stall = t;
    return stall;
}

void fp16_count(Fp16Shares *s, const float *g, size_t n, const double *scale, int scales)
{
    for (size_t j = 0; j < n; j++) {
        const float x = g[j];
        if (x == 0.0f) continue;   /* a zero is no loss: it stays 0 in any format */
        s->nonzero++;
        s->largest = fmax(s->largest, fabsf(x));
        s->bf16_zero += bf16_round(x) == 0.0f;
        for (int k = 0; k < scales; k++) {
            /* the product in double, as backward from scale(loss) would
             * carry it before the FP16 store */
            const float h = fp16_round((float)(x * scale[k]));
            s->zero[k] += h == 0.0f;
            s->subnormal[k] += h != 0.0f && fabsf(h) < 0x1p-14f;
            s->overflow[k] += isinf(h) != 0;   /* glibc: -1 for -inf */
        }
    }
}

void fp16_shares_finish(Fp16Shares *s, int scales)
{
    for (int k = 0; k < scales; k++)
        s->zero[k] /= s->nonzero, s->subnormal[k] /= s->nonzero, s->overflow[k] /= s->nonzero;
    s->bf16_zero /= s->nonzero;
}

/* fp16_at_steps's watcher: before each step the gradient is whole, so the
 * steps looked at are counted there. */
typedef struct {
    const int *at;          /* [points] */
    int points, next;       /* the next of at to come */
    long t;                 /* steps seen so far */
    const double *scale;    /* [scales] */
    int scales;
    Fp16Shares *out;        /* [points] */
} Fp16Watch;

static void watch_gradients(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    (void)before;
    Fp16Watch *w = ctx;
    if (after || w->next == w->points || ++w->t != w->at[w->next]) return;
    Fp16Shares *s = &w->out[w->next++];
    for (int i = 0; i < opt->params.count; i++)
        fp16_count(s, opt->params.grads[i]->data, opt->params.grads[i]->numel, w->scale, w->scales);
    fp16_shares_finish(s, w->scales);
}

int fp16_at_steps(Problem *p, Run run, const int *at, int points, const double *scale, int scales,
                  Fp16Shares *out)
{
    if (scales > FP16_MAX_SCALES) fail("more than %d loss scales", FP16_MAX_SCALES);
    for (int k = 0; k < points; k++)   /* the watcher waits for each in turn: a repeat would never come */
        if (at[k] < 1 || (k > 0 && at[k] <= at[k - 1])) fail("fp16_at_steps: steps not increasing from 1");
    memset(out, 0, sizeof *out * (size_t)points);
    Fp16Watch w = {at, points, 0, 0, scale, scales, out};
    return run_watched(p, run, watch_gradients, &w);
}

/* tensor_unchanged's watcher: where each tensor lies in the flat parameters,
 * and its sums so far. */
typedef struct {
    int count;
    size_t *offset, *numel;          /* [count] */
    double *unchanged, *mean_square;   /* [count] */
    double steps;
} TensorSteps;

static void watch_tensors(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    (void)opt;
    if (!after) return;
    TensorSteps *ts = ctx;
    ts->steps++;
    for (int i = 0; i < ts->count; i++) {
        double same = 0, sq = 0;
        for (size_t j = ts->offset[i]; j < ts->offset[i] + ts->numel[i]; j++)
            same += after[j] == before[j], sq += (double)after[j] * after[j];
        ts->unchanged[i] += same / (double)ts->numel[i];
        ts->mean_square[i] = sq / (double)ts->numel[i];   /* the last step's stays */
    }
}

int tensor_unchanged(Problem *p, Run run, double *unchanged, double *rms)
{
    const int count = p->params.count;
    TensorSteps ts = {count, must(calloc((size_t)count, sizeof(size_t)), "out of memory"),
                      must(calloc((size_t)count, sizeof(size_t)), "out of memory"), unchanged, rms, 0};
    for (int i = 0, at = 0; i < count; i++)
        ts.offset[i] = (size_t)at, ts.numel[i] = p->params.params[i]->numel, at += (int)ts.numel[i];
    memset(unchanged, 0, sizeof *unchanged * (size_t)count), memset(rms, 0, sizeof *rms * (size_t)count);
    const int steps = run_watched(p, run, watch_tensors, &ts);
    for (int i = 0; i < count; i++) unchanged[i] /= ts.steps, rms[i] = sqrt(rms[i]);
    free(ts.offset), free(ts.numel);
    return steps;
}

MemoryTable adamw_account(double n, MemoryRecipe recipe, int grads_fp32)
{
    /* 4096 x 4096: a Llama-sized layer, as lesson 10 counts; AdamW's state
     * does not care about the shape */
    MemoryQuery q = {.params = n, .rows = 4096, .cols = 4096, .recipe = recipe, .grads_fp32 = grads_fp32};
    if (!memory_optimizer_find("adamw", &q.opt)) fail("no optimizer adamw");
    MemoryTable t;
    char err[256];
    if (memory_account(&q, &t, err, sizeof err) != 0) fail("%s", err);
    return t;
}

double rows_per_param(const MemoryTable *t, const char *prefix)
{
    double bytes = 0;
    for (int i = 0; i < t->num_rows; i++)
        if (strncmp(t->rows[i].what, prefix, strlen(prefix)) == 0) bytes += t->rows[i].bytes_per_param;
    return bytes;
}

void spiky_gradient(Rng *rng, int t, float *grad)
{
    double largest = 0.5 * exp(0.3 * rng_normal(rng));
    if (t == 9 || t == 10) largest *= 20;
    if (t == 21) largest *= 3;
    grad[0] = (float)largest;
    grad[1] = (float)(-0.25 * largest);
    grad[2] = (float)(1e-3 * largest);
}

bool scaler_iteration(GradScaler *s, float *grad, float *scaled, size_t n)
{
    for (size_t i = 0; i < n; i++) scaled[i] = grad[i] = fp16_round(grad_scaler_scale(s, grad[i]));
    grad_scaler_unscale(s, grad, n);
    const bool skip = grad_scaler_should_skip(s);   /* before update() forgets the overflow */
    const char *problem = grad_scaler_update(s);
    if (problem) fail("%s", problem);
    return skip;
}
