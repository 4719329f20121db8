/* adafactor.h - Adafactor, exactly as torch.optim.Adafactor (PyTorch >= 2.5)
 * runs it: RMSprop's second moment without its memory. For a matrix
 * [rows x cols] it keeps only the mean of g^2 along each row (row_var[rows])
 * and down each column (col_var[cols]), and rebuilds the whole second moment
 * from them as a rank-1 matrix; a vector keeps the whole variance. There is
 * no momentum, and the step is relative to the parameter's own size
 * (Shazeer and Stern, "Adafactor: Adaptive Learning Rates with Sublinear
 * Memory Cost", 2018).
 *
 *     g     = grad, negated when maximize
 *     t     = t + 1
 *     one_minus_beta2_t = t^beta2_decay          (1 at t = 1: the state is g^2)
 *     rho_t = min(lr, 1 / sqrt(t))               (the relative step)
 *     alpha = max(eps2, RMS(param)) * rho_t      (RMS(x) = ||x|| / sqrt(numel))
 *     param = param * (1 - lr * weight_decay)    (only when weight_decay != 0)
 *     a matrix (2 or more dims: the last two; any before them count matrices):
 *       row_var = lerp(row_var, mean of g^2 along each row,  one_minus_beta2_t)
 *       col_var = lerp(col_var, mean of g^2 down each column, one_minus_beta2_t)
 *       var_est = row_var col_var^T / max(mean(row_var), eps1)
 *     a vector (or a single number):
 *       variance = lerp(variance, g^2, one_minus_beta2_t),   var_est = variance
 *     update = g / sqrt(max(var_est, eps1^2))
 *     denom  = max(1, RMS(update) / d)           (update clipping)
 *     param  = param - (alpha / denom) * update
 *
 * lerp(a, b, w) = a + w (b - a): a moving average that keeps 1 - w of the
 * old a. RMS(param) is measured before the decay. */
#ifndef LESSON_ADAFACTOR_H
#define LESSON_ADAFACTOR_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: adafactor_config, shown in 08_adafactor */
typedef struct {
    float lr;              /* caps the relative step rho_t; scales the weight decay */
    double beta2_decay;    /* one_minus_beta2_t = t^beta2_decay (<= 0). A double, as
                              PyTorch's Python float: t^-0.8 is worked out in double */
    double eps[2];         /* (eps1, eps2). eps1 keeps the estimate off zero; NAN is
                              PyTorch's None: float32's machine epsilon, 1.19e-7.
                              eps2 is the smallest RMS(param) the step is relative to */
    double d;              /* clipping threshold: RMS(update) above d is scaled to d */
    float weight_decay;    /* decoupled, as AdamW's: param *= 1 - lr * weight_decay */
    bool maximize;         /* climb the function instead of descending it */
} AdafactorConfig;

/* PyTorch's defaults: torch.optim.Adafactor(params, lr=1e-2, beta2_decay=-0.8,
 * eps=(None, 1e-3), d=1.0, weight_decay=0.0, maximize=False). */
#define ADAFACTOR_DEFAULTS                                                             \
    ((AdafactorConfig){.lr = 1e-2f, .beta2_decay = -0.8, .eps = {NAN, 1e-3}, .d = 1.0, \
                       .weight_decay = 0.0f, .maximize = false})
/* end snippet */

/* eps1 as the update uses it: eps[0], or float32's machine epsilon
 * (torch.finfo(torch.float32).eps, FLT_EPSILON) for None. */
double adafactor_eps1(const AdafactorConfig *cfg);

/* One step on a parameter of 2 or more dimensions, as `batch` matrices of
 * [rows x cols] one after another (batch 1 for a matrix; [2, 3, 4] is 2
 * matrices of 3 x 4, each with its own row_var and col_var). `step` is t
 * after this step's increment (1 on the first). row_var and col_var start
 * at 0. alpha and the clipping look at the whole parameter, as PyTorch's. */
void adafactor_update_matrix(float *param /* [batch * rows * cols] */,
                             const float *grad /* [batch * rows * cols] */,
                             float *row_var /* [batch * rows] */,
                             float *col_var /* [batch * cols] */,
                             int batch, int rows, int cols, long step,
                             const AdafactorConfig *cfg);

/* The vector step's sums over the whole tensor go section by section
 * (adafactor.c, adafactor_sums): section s of n elements, s = 0 ..
 * ADAFACTOR_SECTIONS - 1, runs from adafactor_section_start(n, s) up to
 * adafactor_section_start(n, s + 1). Lesson 10's roofline walks the same
 * sections in its memory-only kernel. */
#define ADAFACTOR_SECTIONS 64
size_t adafactor_section_start(size_t n, int s);

/* One step on a parameter of 1 dimension (or 0: a single number), which
 * keeps the whole variance (starting at 0), as RMSprop's square_avg. */
void adafactor_update_vector(float *param /* [n] */, const float *grad /* [n] */,
                             float *variance /* [n] */, size_t n, long step,
                             const AdafactorConfig *cfg);

/* The rank-1 estimate of a [rows x cols] second moment from its row and
 * column means, as the update rebuilds it: var_est[i][j] = row_var[i] *
 * col_var[j] / max(mean(row_var), eps1), in float32 as PyTorch rounds it.
 * eps1: adafactor_eps1(cfg). */
void adafactor_var_estimate(const float *row_var /* [rows] */, const float *col_var /* [cols] */,
                            int rows, int cols, double eps1, float *var_est /* [rows * cols] */);

/* The row and column means of a [rows x cols] matrix v (for the experiments:
 * v = g^2 gives what row_var and col_var hold at t = 1, summed in double). */
void adafactor_factor(const float *v /* [rows * cols] */, int rows, int cols,
                      float *row_mean /* [rows] */, float *col_mean /* [cols] */);

/* The Optimizer adapter, PyTorch's state: for a parameter of 2 or more
 * dimensions the slots "row_var" (shaped [..., rows, 1]) and "col_var"
 * ([..., 1, cols]), for one of fewer the slot "variance" (shaped like it);
 * a slot a parameter does not have is NULL for it (optimizer.h). Each param
 * group steps at its own lr and weight_decay. NULL if out of memory. */
Optimizer *adafactor_new(ParamList params, const AdafactorConfig *cfg);

/* NULL when an AdafactorConfig is one torch.optim.Adafactor accepts, else
 * PyTorch's ValueError message in buf: lr >= 0, beta2_decay <= 0, eps1 (when
 * not None) and eps2 >= 0, d >= 1, weight_decay >= 0, in PyTorch's order. */
const char *adafactor_validate(const void *config, char *buf, size_t len);

/* torch.optim.Adafactor for optlab and the tests: keys lr, beta2_decay, eps
 * (a pair, eps=None,1e-3), d, weight_decay, maximize. Its name is "adafactor". */
extern const OptimizerSpec ADAFACTOR_SPEC;

#endif
