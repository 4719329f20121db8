/* ex2_quadratic.c - exercise 2, solved: Lion on f(w) = h w^2 / 2, from w0 to
 * the minimum, past it, and back. */
#include <math.h>

#include "exercises.h"

LionOnQuadratic ex_lion_on_quadratic(float w0, float h, const LionConfig *cfg, long steps)
{
    LionOnQuadratic r = {0, 0.0, 0};
    float w = w0, exp_avg = 0.0f;
    const float band = 2.0f * cfg->lr;
    long last_outside = 0;   /* the last step whose |w| was above the band */
    for (long t = 1; t <= steps; t++) {
        const float g = h * w;
        lion_update(&w, &g, &exp_avg, 1, cfg);
        if (r.reach == 0 && w <= 0.0f) r.reach = t;
        if (-(double)w > r.overshoot) r.overshoot = -(double)w;
        if (fabsf(w) > band) last_outside = t;
    }
    r.settle = last_outside == steps ? 0 : last_outside + 1;
    return r;
}
