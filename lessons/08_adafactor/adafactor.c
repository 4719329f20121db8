/* adafactor.c - Adafactor: the update rules for a matrix and for a vector,
 * the rank-1 estimate of the second moment, the Optimizer adapter, and the
 * entry for optlab (see adafactor.h). */
#include "adafactor.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

#include "parallel.h"

double adafactor_eps1(const AdafactorConfig *cfg)
{
    return isnan(cfg->eps[0]) ? FLT_EPSILON : cfg->eps[0];
}

/* snippet: adafactor_helpers, shown in 08_adafactor */
/* torch.lerp(start, end, weight) on float32, as PyTorch's CPU kernel: the
 * weight rounded to float; from 0.5 up it works from `end`, so that a weight
 * of 1 gives exactly end (at t = 1 the state is this step's g^2). */
static float lerp(float start, float end, float weight)
{
    if (fabsf(weight) < 0.5f) return start + weight * (end - start);
    return end - (end - start) * (1.0f - weight);
}

/* ||x|| of n numbers `stride` apart, rounded to float32 as tensor.norm()
 * returns it. The squares are summed in double (PyTorch sums them in
 * float32, in an order of its own: within an ulp of this). */
static float norm(const float *x, size_t n, size_t stride)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)x[i * stride] * x[i * stride];
    return (float)sqrt(sum);
}

/* alpha = max(eps2, RMS(param)) * rho_t with rho_t = min(lr, 1/sqrt(t)):
 * a step relative to the parameter's size, from the sum of the n weights'
 * squares. In double, as PyTorch's Python floats, from the float32 norm. */
static double step_size(double param_sum_sq, size_t n, long step,
                        const AdafactorConfig *cfg)
{
    const double rho_t = fmin(cfg->lr, 1.0 / sqrt((double)step));
    const double rms = (float)sqrt(param_sum_sq) / sqrt((double)n);
    return fmax(cfg->eps[1], rms) * rho_t;
}

/* Decoupled weight decay, as AdamW's: 1 - lr * weight_decay in double,
 * rounded to float once. */
static void decay(float *param, size_t n, const AdafactorConfig *cfg)
{
    if (cfg->weight_decay == 0.0f) return;
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    for (size_t i = 0; i < n; i++) param[i] *= shrink;
}

/* One element of the update, g / sqrt(max(var_est, eps1^2)), rounded as
 * PyTorch's var_estimate.clamp_(min=eps1*eps1).rsqrt_().mul_(grad). The clamp
 * keeps a NaN (as torch.clamp does); rsqrt is 1/sqrt, two roundings. */
static float scaled(float g, float var_est, float eps1_sq)
{
    const float v = var_est < eps1_sq ? eps1_sq : var_est;
    return 1.0f / sqrtf(v) * g;
}

/* The clipping: the step alpha / max(1, RMS(update) / d), negated for
 * param.add_(update, alpha=-alpha/denom), which rounds it to float. */
static float clipped_step(double alpha, double update_sum_sq, size_t n, double d)
{
    const double denom = fmax(1.0, (float)sqrt(update_sum_sq) / (sqrt((double)n) * d));
    return (float)(-alpha / denom);
}
/* end snippet */

/* snippet: adafactor_sums, shown in 08_adafactor */
/* The sums over a whole tensor, taken so that they are fast and come out
 * the same on every machine and any number of threads. One running sum
 * must wait for each addition to finish (about 4 cycles) before it starts
 * the next; LANES running sums, element i into sums[i % LANES], keep the
 * adder busy and fit in one vector register. And the tensor is cut into
 * SECTIONS pieces, each summed on its own and the pieces added in order:
 * built with OpenMP (lesson 10's fast build), the sections are shared
 * among the threads, and the sum does not change. */
enum { LANES = 8, SECTIONS = ADAFACTOR_SECTIONS };

/* Where section s (0 .. SECTIONS) of n elements starts: a multiple of LANES. */
size_t adafactor_section_start(size_t n, int s)
{
    return s == SECTIONS ? n : n / LANES * (size_t)s / SECTIONS * LANES;
}

static double added_in_order(const double *sums /* [count] */, int count)
{
    double total = 0.0;
    for (int k = 0; k < count; k++) total += sums[k];
    return total;
}

/* The squares of x[lo .. hi - 1], lo a multiple of LANES, summed in double. */
static double sum_of_squares(const float *x /* [hi] */, size_t lo, size_t hi)
{
    double sums[LANES] = {0};
    size_t i = lo;
    for (; i + LANES <= hi; i += LANES)
        for (int k = 0; k < LANES; k++) sums[k] += (double)x[i + k] * x[i + k];
    for (; i < hi; i++) sums[i % LANES] += (double)x[i] * x[i];
    return added_in_order(sums, LANES);
}
/* end snippet */

/* snippet: adafactor_var_estimate, shown in 08_adafactor */
/* max(mean(row_var), eps1), the denominator of the rank-1 estimate: summed
 * in double, rounded to float32 once; the clamp keeps a NaN. */
static float row_var_mean(const float *row_var /* [rows] */, int rows, double eps1)
{
    double sum = 0.0;
    for (int i = 0; i < rows; i++) sum += row_var[i];
    const float mean = (float)(sum / rows);
    return mean < (float)eps1 ? (float)eps1 : mean;
}

void adafactor_var_estimate(const float *row_var /* [rows] */,
                            const float *col_var /* [cols] */, int rows, int cols,
                            double eps1, float *var_est /* [rows * cols] */)
{
    const float mean = row_var_mean(row_var, rows, eps1);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            var_est[(size_t)i * cols + j] = row_var[i] * col_var[j] / mean;
}
/* end snippet */

void adafactor_factor(const float *v /* [rows * cols] */, int rows, int cols,
                      float *row_mean /* [rows] */, float *col_mean /* [cols] */)
{
    for (int i = 0; i < rows; i++) {
        double sum = 0.0;
        for (int j = 0; j < cols; j++) sum += v[(size_t)i * cols + j];
        row_mean[i] = (float)(sum / cols);
    }
    for (int j = 0; j < cols; j++) {
        double sum = 0.0;
        for (int i = 0; i < rows; i++) sum += v[(size_t)i * cols + j];
        col_mean[j] = (float)(sum / rows);
    }
}

/* snippet: adafactor_update_matrix, shown in 08_adafactor */
/* Walks the update U = G / sqrt(max(V, eps1^2)) of every element of `batch`
 * matrices, V the rank-1 estimate row_var[i] * col_var[j] / mean: returns
 * ||U||^2 and, when param is not NULL, adds step * U to it. Walked twice,
 * once to measure, once to step, so no array the size of the parameter is
 * needed; the two walks round alike. */
static double matrix_update(float *param /* [batch * rows * cols] or NULL */,
                            const float *grad /* [batch * rows * cols] */,
                            const float *row_var /* [batch * rows] */,
                            const float *col_var /* [batch * cols] */, int batch, int rows,
                            int cols, const AdafactorConfig *cfg, float step)
{
    const double eps1 = adafactor_eps1(cfg);
    const float eps1_sq = (float)(eps1 * eps1);   /* in double: 1e-30^2 is 0 in float */
    double sum_sq = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *r = row_var + (size_t)b * rows, *c = col_var + (size_t)b * cols;
        const float mean = row_var_mean(r, rows, eps1);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                const size_t k = ((size_t)b * rows + i) * cols + j;
                const float g = cfg->maximize ? -grad[k] : grad[k];
                const float u = scaled(g, r[i] * c[j] / mean, eps1_sq);
                sum_sq += (double)u * u;
                if (param) param[k] += step * u;
            }
    }
    return sum_sq;
}

void adafactor_update_matrix(float *param /* [batch * rows * cols] */,
                             const float *grad /* [batch * rows * cols] */,
                             float *row_var /* [batch * rows] */,
                             float *col_var /* [batch * cols] */,
                             int batch, int rows, int cols, long step,
                             const AdafactorConfig *cfg)
{
    const size_t n = (size_t)batch * rows * cols;
    /* beta2_t = 1 - t^beta2_decay: 0 at t = 1, then a memory that grows. */
    const float one_minus_beta2_t = (float)pow((double)step, cfg->beta2_decay);
    /* RMS(param) before the decay */
    const double alpha = step_size(sum_of_squares(param, 0, n), n, step, cfg);
    decay(param, n, cfg);
    /* Each matrix keeps the means of g^2 along its rows and down its
     * columns: rows + cols numbers for rows * cols weights. PyTorch gets a
     * mean as ||g||^2 / size, the norm rounded to float before it is
     * squared (the sign of g, maximize's, does not matter here). */
    for (int b = 0; b < batch; b++) {
        const float *g = grad + (size_t)b * rows * cols;
        float *r = row_var + (size_t)b * rows, *c = col_var + (size_t)b * cols;
        for (int i = 0; i < rows; i++) {
            const float row_norm = norm(g + (size_t)i * cols, (size_t)cols, 1);
            r[i] = lerp(r[i], row_norm * row_norm / (float)cols, one_minus_beta2_t);
        }
        for (int j = 0; j < cols; j++) {
            const float col_norm = norm(g + j, (size_t)rows, (size_t)cols);
            c[j] = lerp(c[j], col_norm * col_norm / (float)rows, one_minus_beta2_t);
        }
    }
    /* U = G / sqrt(V) with V = row_var col_var^T / mean(row_var), clipped
     * so that RMS(U) is at most d; then param -= alpha * U. */
    const double sum_sq =
        matrix_update(NULL, grad, row_var, col_var, batch, rows, cols, cfg, 0.0f);
    const float step_alpha = clipped_step(alpha, sum_sq, n, cfg->d);
    matrix_update(param, grad, row_var, col_var, batch, rows, cols, cfg, step_alpha);
}
/* end snippet */

/* snippet: adafactor_update_vector, shown in 08_adafactor */
/* One element of a vector's first walk: its variance takes this step's g^2,
 * and U^2, its share of ||U||^2, is returned. */
static double vector_variance(float g, float *variance, float one_minus_beta2_t,
                              float eps1_sq)
{
    *variance = lerp(*variance, g * g, one_minus_beta2_t);
    const float u = scaled(g, *variance, eps1_sq);
    return (double)u * u;
}

/* The first walk over a section, lo .. hi - 1: ||U||^2 of its elements. */
static double vector_first_walk(const float *grad /* [n] */, float *variance /* [n] */,
                                size_t lo, size_t hi, float one_minus_beta2_t,
                                float eps1_sq, bool maximize)
{
    double sums[LANES] = {0};
    size_t i = lo;
    for (; i + LANES <= hi; i += LANES)
        for (int k = 0; k < LANES; k++) {
            const float g = maximize ? -grad[i + k] : grad[i + k];
            sums[k] += vector_variance(g, &variance[i + k], one_minus_beta2_t, eps1_sq);
        }
    for (; i < hi; i++) {
        const float g = maximize ? -grad[i] : grad[i];
        sums[i % LANES] += vector_variance(g, &variance[i], one_minus_beta2_t, eps1_sq);
    }
    return added_in_order(sums, LANES);
}

void adafactor_update_vector(float *param /* [n] */, const float *grad /* [n] */,
                             float *variance /* [n] */, size_t n, long step,
                             const AdafactorConfig *cfg)
{
    const double eps1 = adafactor_eps1(cfg);
    const float eps1_sq = (float)(eps1 * eps1);
    const float one_minus_beta2_t = (float)pow((double)step, cfg->beta2_decay);
    const bool maximize = cfg->maximize;
    /* A vector keeps its whole variance, as RMSprop's square_avg. The first
     * walk measures RMS(param), before the decay, and ||U|| for the
     * clipping, section by section ... */
    double param_sq[SECTIONS], update_sq[SECTIONS];
    PARALLEL_FOR
    for (int s = 0; s < SECTIONS; s++) {
        const size_t lo = adafactor_section_start(n, s);
        const size_t hi = adafactor_section_start(n, s + 1);
        param_sq[s] = sum_of_squares(param, lo, hi);
        update_sq[s] = vector_first_walk(grad, variance, lo, hi, one_minus_beta2_t,
                                         eps1_sq, maximize);
    }
    const double alpha = step_size(added_in_order(param_sq, SECTIONS), n, step, cfg);
    const float step_alpha =
        clipped_step(alpha, added_in_order(update_sq, SECTIONS), n, cfg->d);
    decay(param, n, cfg);
    /* ... the second steps. */
    PARALLEL_FOR
    for (int s = 0; s < SECTIONS; s++) {
        const size_t lo = adafactor_section_start(n, s);
        const size_t hi = adafactor_section_start(n, s + 1);
        for (size_t i = lo; i < hi; i++) {
            const float g = maximize ? -grad[i] : grad[i];
            param[i] += step_alpha * scaled(g, variance[i], eps1_sq);
        }
    }
}
/* end snippet */

/* snippet: adafactor_state_shapes, shown in 08_adafactor */
/* The state's shapes, PyTorch's: row_var [..., rows, 1] and col_var
 * [..., 1, cols] for a parameter of 2 or more dims, variance shaped like a
 * parameter of fewer. false: this parameter has no such state. */
static bool row_var_shape(const Tensor *param, int *ndim, int *shape)
{
    if (param->ndim < 2) return false;
    *ndim = param->ndim;
    for (int d = 0; d < param->ndim; d++) shape[d] = param->shape[d];
    shape[param->ndim - 1] = 1;
    return true;
}

static bool col_var_shape(const Tensor *param, int *ndim, int *shape)
{
    if (!row_var_shape(param, ndim, shape)) return false;
    shape[param->ndim - 1] = param->shape[param->ndim - 1];
    shape[param->ndim - 2] = 1;
    return true;
}

static bool variance_shape(const Tensor *param, int *ndim, int *shape)
{
    if (param->ndim >= 2) return false;
    *ndim = param->ndim;
    for (int d = 0; d < param->ndim; d++) shape[d] = param->shape[d];
    return true;
}
/* end snippet */

/* snippet: adafactor_adapter, shown in 08_adafactor */
typedef struct {
    Optimizer base;   /* first, so an Adafactor* is also an Optimizer* */
    AdafactorConfig config;
    int row_var_slot, col_var_slot, variance_slot;
} Adafactor;

static void adafactor_step_group(Optimizer *self, const ParamGroup *group)
{
    Adafactor *ada = (Adafactor *)self;
    AdafactorConfig cfg = ada->config;
    cfg.lr = group->lr;   /* the group's own: a schedule may have changed it */
    cfg.weight_decay = group->weight_decay;
    for (int i = group->first; i < group->first + group->count; i++) {
        Tensor *p = self->params.params[i];
        const float *grad = self->params.grads[i]->data;
        if (p->ndim >= 2) {   /* the last two dims a matrix, any before them a batch */
            int rows = p->shape[p->ndim - 2], cols = p->shape[p->ndim - 1];
            int batch = (int)(p->numel / ((size_t)rows * (size_t)cols));
            adafactor_update_matrix(p->data, grad, self->slots[ada->row_var_slot][i]->data,
                                    self->slots[ada->col_var_slot][i]->data, batch, rows,
                                    cols, self->step_count, &cfg);
        } else {
            adafactor_update_vector(p->data, grad, self->slots[ada->variance_slot][i]->data,
                                    p->numel, self->step_count, &cfg);
        }
    }
}

Optimizer *adafactor_new(ParamList params, const AdafactorConfig *cfg)
{
    Adafactor *ada = calloc(1, sizeof *ada);
    if (!ada) return NULL;
    ada->config = *cfg;
    optimizer_init(&ada->base, "adafactor", params, cfg->lr, cfg->weight_decay,
                   adafactor_step_group);
    /* rows + cols floats for a matrix, in place of Adam's 2 * rows * cols. */
    ada->row_var_slot = optimizer_add_slot_shaped(&ada->base, "row_var", row_var_shape);
    ada->col_var_slot = optimizer_add_slot_shaped(&ada->base, "col_var", col_var_shape);
    ada->variance_slot = optimizer_add_slot_shaped(&ada->base, "variance", variance_shape);
    if (ada->row_var_slot < 0 || ada->col_var_slot < 0 || ada->variance_slot < 0) {
        optimizer_free(&ada->base);
        return NULL;
    }
    return &ada->base;
}
/* end snippet */

/* ---- the entry for optlab and the tests -------------------------------------- */

static const OptionSpec adafactor_options[] = {
    {"lr", OPT_FLOAT, offsetof(AdafactorConfig, lr), "caps the relative step rho_t", 0, 0},
    {"beta2_decay", OPT_DOUBLE, offsetof(AdafactorConfig, beta2_decay),
     "one_minus_beta2_t = t^beta2_decay", 0, 0},
    {"eps", OPT_DOUBLE2_NONE, offsetof(AdafactorConfig, eps),
     "eps1 (None: float32's epsilon), eps2", 0, 0},
    {"d", OPT_DOUBLE, offsetof(AdafactorConfig, d), "clipping threshold of RMS(update)", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(AdafactorConfig, weight_decay),
     "decoupled decay: param *= 1 - lr * weight_decay", 0, 0},
    {"maximize", OPT_BOOL, offsetof(AdafactorConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const AdafactorConfig adafactor_defaults = ADAFACTOR_DEFAULTS;

/* The checks torch.optim.Adafactor's constructor makes, in its order, with
 * its messages. A NaN fails every check, as it fails PyTorch's. */
const char *adafactor_validate(const void *config, char *buf, size_t len)
{
    const AdafactorConfig *cfg = config;
    return first_refused((ConfigCheck[]){
        {!(cfg->lr >= 0.0f), "Learning rate should be >= 0 but is: %g", cfg->lr},
        {!(cfg->beta2_decay <= 0.0), "beta2_decay should be <= 0 but is: %g", cfg->beta2_decay},
        {!isnan(cfg->eps[0]) && !(cfg->eps[0] >= 0.0),   /* NAN: None, not checked */
         "epsilon1 should be >= 0 but is: %g", cfg->eps[0]},
        {!(cfg->eps[1] >= 0.0), "epsilon2 should be >= 0 but is: %g", cfg->eps[1]},
        {!(cfg->d >= 1.0), "Clipping threshold d should be >= 1 but is: %g", cfg->d},
        {!(cfg->weight_decay >= 0.0f), "weight_decay should be >= 0 but is: %g", cfg->weight_decay},
        {0}}, buf, len);
}

static Optimizer *adafactor_create(ParamList params, const void *config)
{
    return adafactor_new(params, config);
}

const OptimizerSpec ADAFACTOR_SPEC = {
    .name = "adafactor",
    .torch_name = "torch.optim.Adafactor",
    .options = adafactor_options,
    .config_size = sizeof(AdafactorConfig),
    .defaults = &adafactor_defaults,
    .validate = adafactor_validate,
    .create = adafactor_create,
    .state_has_step = true,   /* state["step"]: the t of rho_t and beta2_t */
};
