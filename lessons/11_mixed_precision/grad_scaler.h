/* grad_scaler.h - dynamic loss scaling, exactly as torch.amp.GradScaler runs
 * it (torch.cuda.amp.GradScaler in PyTorch 1.13; the arithmetic is that of
 * its kernels in aten/src/ATen/native/cuda/AmpKernels.cu).
 *
 * Half-precision gradients underflow: in fp16 a gradient below 3e-8 rounds
 * to 0 (its smallest number is 6e-8). So the loss is multiplied by a large
 * scale before backward, every gradient comes out scale times larger, and
 * before the optimizer's step they are divided back. Too large a scale
 * overflows instead, to inf or NaN; the scaler then skips that step and
 * halves the scale. One iteration:
 *
 *     scaled = grad_scaler_scale(&scaler, loss)      loss * scale; backward from it
 *     grad_scaler_unscale(&scaler, grad, n)          each gradient: g * (1 / scale),
 *                                                    found_inf = 1 on any inf or NaN
 *     if (!grad_scaler_should_skip(&scaler)) optimizer_step(opt);
 *     grad_scaler_update(&scaler)                    found_inf: scale *= backoff_factor
 *                                                    growth_interval clean steps in a
 *                                                    row: scale *= growth_factor
 *
 * (grad_scaler_step does the middle two lines for an Optimizer, as
 * scaler.step(optimizer) does.) The scale is a float32, as PyTorch's scale
 * tensor; growth_factor and backoff_factor are doubles, as the kernel takes
 * them, so each new scale is a double product rounded to float32. The scale
 * never grows to inf, but it is not bounded below: halved often enough it
 * reaches 0, and then every gradient unscales to NaN with no inf found.
 *
 * One GradScaler here serves one optimizer. PyTorch sums found_inf over every
 * optimizer (and device) in update(), and skips each optimizer's step on its
 * own found_inf; its errors for calling unscale_() or step() twice in one
 * iteration are not kept here, where each gradient is unscaled on its own. */
#ifndef LESSON_GRAD_SCALER_H
#define LESSON_GRAD_SCALER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flags.h"
#include "optimizer.h"

/* snippet: grad_scaler_config, shown in 11_mixed_precision */
typedef struct {
    double init_scale;       /* the first scale (rounded to float32) */
    double growth_factor;    /* the scale's factor after growth_interval clean steps */
    double backoff_factor;   /* and after a step with an inf or NaN gradient */
    int growth_interval;     /* clean steps in a row before the scale grows */
    bool enabled;            /* false: every function leaves everything as it is */
} GradScalerConfig;

/* torch.amp.GradScaler(device, init_scale=2.0**16, growth_factor=2.0,
 * backoff_factor=0.5, growth_interval=2000, enabled=True) */
#define GRAD_SCALER_DEFAULTS                                                    \
    ((GradScalerConfig){.init_scale = 65536.0, .growth_factor = 2.0,             \
                        .backoff_factor = 0.5, .growth_interval = 2000,          \
                        .enabled = true})
/* end snippet */

/* snippet: grad_scaler_state, shown in 11_mixed_precision */
typedef struct {
    GradScalerConfig config;
    float scale;              /* _scale: a float32 tensor of one element (1 when
                                 disabled, what get_scale() returns then) */
    int32_t growth_tracker;   /* _growth_tracker (int32): clean steps in a row
                                 since the scale last changed */
    float found_inf;          /* 1 once a gradient unscaled since the last update
                                 held an inf or NaN, else 0: a float32 tensor in
                                 PyTorch, which a GPU writes without a sync */
    bool unscaled;            /* a gradient was unscaled since the last update
                                 (PyTorch's OptState.UNSCALED) */
} GradScaler;
/* end snippet */

/* A scaler at the start: scale (float)init_scale, growth_tracker 0, nothing
 * found. cfg should pass grad_scaler_validate (PyTorch's constructor
 * asserts its two checks). */
void grad_scaler_init(GradScaler *scaler, const GradScalerConfig *cfg);

/* scale(loss): loss * scale in float32 (the loss itself when disabled). */
float grad_scaler_scale(const GradScaler *scaler, float loss);

/* unscale_ of one gradient: found_inf = 1 if an element is inf or NaN, and
 * every element, inf and NaN too, times float32(1 / double(scale)). Call it
 * for each gradient before the step. Nothing when disabled. */
void grad_scaler_unscale(GradScaler *scaler, float *grad /* [n] */, size_t n);

/* Whether step() skips the optimizer's step: an inf or NaN was found since
 * the last update. Never when disabled. */
bool grad_scaler_should_skip(const GradScaler *scaler);

/* scaler.step(optimizer): unscales every gradient of opt unless gradients
 * were unscaled since the last update, then steps opt unless an inf or NaN
 * was found. Returns whether it stepped. Disabled: just steps. */
bool grad_scaler_step(GradScaler *scaler, Optimizer *opt);

/* update(): backs off after an inf or NaN, grows after growth_interval clean
 * steps in a row, and clears found_inf for the next iteration. Returns NULL,
 * or PyTorch's message when no gradient was unscaled since the last update
 * (the scaler is then left as it was). Nothing when disabled. */
const char *grad_scaler_update(GradScaler *scaler);

/* NULL when cfg is a scaler PyTorch would make and the book accepts, else
 * the message (written in buf): PyTorch's for growth_factor <= 1 and
 * backoff_factor >= 1 (checked first, in its order), then the book's for
 * what PyTorch lets through and never recovers from. A disabled scaler uses
 * none of its settings, and, as PyTorch's, none is checked. */
const char *grad_scaler_validate(const GradScalerConfig *cfg, char *buf, size_t len);

/* GradScaler's keywords as "key=value" settings: init_scale growth_factor
 * backoff_factor growth_interval enabled, up to a {NULL} entry. */
extern const OptionSpec GRAD_SCALER_OPTIONS[];

/* Parses settings ("growth_interval=3", "--enabled=false") on top of
 * GRAD_SCALER_DEFAULTS into *cfg and validates them. Returns 0, or -1 with
 * the message in err (cfg then unchanged). */
int grad_scaler_parse(GradScalerConfig *cfg, int count, const char *const *settings, char *err,
                      size_t errlen);

#endif
