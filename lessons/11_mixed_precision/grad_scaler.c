/* grad_scaler.c - dynamic loss scaling: scale, unscale, skip, update, in
 * the order and the arithmetic of torch.amp.GradScaler and its kernels (see
 * grad_scaler.h), and its settings as text. */
#include "grad_scaler.h"

#include <math.h>
#include <stdio.h>

void grad_scaler_init(GradScaler *scaler, const GradScalerConfig *cfg)
{
    /* torch.full((1,), init_scale, dtype=torch.float32): the Python float
     * rounded to float32 once. A disabled scaler has no scale tensor, and
     * its get_scale() is 1. */
    *scaler = (GradScaler){.config = *cfg,
                           .scale = cfg->enabled ? (float)cfg->init_scale : 1.0f,
                           .growth_tracker = 0,
                           .found_inf = 0.0f,
                           .unscaled = false};
}

/* snippet: grad_scaler_unscale, shown in 11_mixed_precision */
float grad_scaler_scale(const GradScaler *scaler, float loss)
{
    if (!scaler->config.enabled) return loss;
    return loss * scaler->scale;   /* a float32 product, as fp32 tensors multiply */
}

void grad_scaler_unscale(GradScaler *scaler, float *grad /* [n] */, size_t n)
{
    if (!scaler->config.enabled) return;
    /* self._scale.double().reciprocal().float(): 1 / scale in double, rounded
     * to float32 (the float32 quotient 1.0f / scale, as a double has more
     * than twice float's bits, and rounding twice then changes nothing).
     * Multiplying by it, not dividing by the scale, is what the kernel does:
     * the two differ in the last bit for a scale that is not a power of two. */
    const float inv_scale = (float)(1.0 / (double)scaler->scale);
    for (size_t i = 0; i < n; i++) {
        /* The check looks at the scaled value, before the multiply. */
        if (!isfinite(grad[i])) scaler->found_inf = 1.0f;
        /* Every element is unscaled, inf and NaN too: the step that would
         * read them is skipped anyway. (The kernel skips the multiply when
         * inv_scale is 1; g * 1 is g, so this loop need not.) */
        grad[i] *= inv_scale;
    }
    scaler->unscaled = true;
}

bool grad_scaler_should_skip(const GradScaler *scaler)
{
    /* _maybe_opt_step: optimizer.step() only if found_inf sums to 0 */
    return scaler->config.enabled && scaler->found_inf != 0.0f;
}
/* end snippet */

/* snippet: grad_scaler_step, shown in 11_mixed_precision */
bool grad_scaler_step(GradScaler *scaler, Optimizer *opt)
{
    if (!scaler->config.enabled) {
        optimizer_step(opt);
        return true;
    }
    /* step() unscales only if unscale_() was not called this iteration: the
     * gradients may have been unscaled already, to clip them (lesson 07). */
    if (!scaler->unscaled)
        for (int i = 0; i < opt->params.count; i++)
            grad_scaler_unscale(scaler, opt->params.grads[i]->data,
                                opt->params.grads[i]->numel);
    /* A skipped step is not a step: the optimizer's step count (Adam's t)
     * stays where it was. */
    if (grad_scaler_should_skip(scaler)) return false;
    optimizer_step(opt);
    return true;
}
/* end snippet */

/* snippet: grad_scaler_update, shown in 11_mixed_precision */
const char *grad_scaler_update(GradScaler *scaler)
{
    const GradScalerConfig *c = &scaler->config;
    if (!c->enabled) return NULL;
    if (!scaler->unscaled) return "No inf checks were recorded prior to update.";
    /* The kernel _amp_update_scale_, whose factors are C++ doubles: the
     * float32 scale times a double is a double, rounded to float32 when it
     * is stored. */
    if (scaler->found_inf != 0.0f) {
        scaler->scale = (float)(scaler->scale * c->backoff_factor);
        scaler->growth_tracker = 0;
    } else {
        /* A successful step: counted before it is compared, so the scale
         * grows at the growth_interval-th clean step in a row. */
        int32_t successful = scaler->growth_tracker + 1;
        if (successful == c->growth_interval) {
            /* Rounded to float32 first, then checked: a product that is a
             * finite double beyond FLT_MAX is inf here, and the scale stays. */
            float new_scale = (float)(scaler->scale * c->growth_factor);
            if (isfinite(new_scale)) scaler->scale = new_scale;
            scaler->growth_tracker = 0;   /* reset even when it could not grow */
        } else {
            scaler->growth_tracker = successful;
        }
    }
    /* PyTorch starts each iteration with fresh per-optimizer state. */
    scaler->found_inf = 0.0f;
    scaler->unscaled = false;
    return NULL;
}
/* end snippet */

/* ---- settings ---------------------------------------------------------------------- */

const char *grad_scaler_validate(const GradScalerConfig *cfg, char *buf /* [len] */, size_t len)
{
    if (!cfg->enabled) return NULL;   /* PyTorch checks only an enabled scaler */
    const float first_scale = (float)cfg->init_scale;
    /* PyTorch's asserts, in its order (a NaN fails them too) ... */
    if (!(cfg->growth_factor > 1.0))
        snprintf(buf, len, "The growth factor must be > 1.0.");
    else if (!(cfg->backoff_factor < 1.0))
        snprintf(buf, len, "The backoff factor must be < 1.0.");
    /* ... then what PyTorch lets through, each a scaler that cannot work. */
    else if (!(first_scale > 0.0f) || isinf(first_scale))
        snprintf(buf, len,
                 "init_scale must be positive and finite in float32, got %g (PyTorch does not check; "
                 "a scale of 0 or inf stays so for good)", cfg->init_scale);
    else if (isinf(cfg->growth_factor))
        snprintf(buf, len, "growth_factor must be finite, got %g (PyTorch does not check; the scale would "
                           "never grow)", cfg->growth_factor);
    else if (!(cfg->backoff_factor > 0.0))
        snprintf(buf, len,
                 "backoff_factor must be > 0, got %g (PyTorch does not check; an inf would make the "
                 "scale 0 or flip its sign)", cfg->backoff_factor);
    else if (cfg->growth_interval < 1)
        snprintf(buf, len, "growth_interval must be >= 1, got %d (PyTorch does not check; the scale would "
                           "never grow)", cfg->growth_interval);
    else
        return NULL;
    return buf;
}

const OptionSpec GRAD_SCALER_OPTIONS[] = {
    {"init_scale", OPT_DOUBLE, offsetof(GradScalerConfig, init_scale), "the first scale", 0, 0},
    {"growth_factor", OPT_DOUBLE, offsetof(GradScalerConfig, growth_factor),
     "the scale's factor after growth_interval clean steps", 0, 0},
    {"backoff_factor", OPT_DOUBLE, offsetof(GradScalerConfig, backoff_factor),
     "the scale's factor after a step with an inf or NaN", 0, 0},
    {"growth_interval", OPT_INT, offsetof(GradScalerConfig, growth_interval),
     "clean steps in a row before the scale grows", 0, 0},
    {"enabled", OPT_BOOL, offsetof(GradScalerConfig, enabled), "false: no scaling at all", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

int grad_scaler_parse(GradScalerConfig *cfg, int count, const char *const *settings, char *err,
                      size_t errlen)
{
    GradScalerConfig parsed = GRAD_SCALER_DEFAULTS;
    if (options_parse(GRAD_SCALER_OPTIONS, &parsed, count, settings, err, errlen) != 0) return -1;
    if (grad_scaler_validate(&parsed, err, errlen)) return -1;
    *cfg = parsed;
    return 0;
}
