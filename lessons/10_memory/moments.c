/* moments.c - Adam's moments of a run and what 8 bits make of them (see
 * moments.h). */
#include "moments.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "quantize.h"

/* numel rounded up to the next multiple of MOMENTS_ALIGN. */
static size_t aligned(size_t numel)
{
    return (numel + MOMENTS_ALIGN - 1) / MOMENTS_ALIGN * MOMENTS_ALIGN;
}

typedef struct {
    Moments *mo;
    int t;
} Keep;

/* After the last step, copies the optimizer's first two slots. */
static void keep_moments(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    (void)before;
    Keep *keep = ctx;
    Moments *mo = keep->mo;
    if (!after || ++keep->t != mo->steps) return;
    size_t at = 0;
    for (int i = 0; i < opt->params.count; i++) {
        size_t numel = opt->params.params[i]->numel;
        if ((long)numel < mo->min_numel) continue;
        memcpy(mo->m + at, opt->slots[0][i]->data, numel * sizeof(float));
        memcpy(mo->v + at, opt->slots[1][i]->data, numel * sizeof(float));
        at += aligned(numel);
    }
    mo->n = at;
}

Moments moments_after(Problem *p, Run run, int min_numel)
{
    size_t padded = 0;
    for (int i = 0; i < p->params.count; i++)
        if ((long)p->params.params[i]->numel >= min_numel) padded += aligned(p->params.params[i]->numel);
    Moments mo = {.steps = run.steps, .min_numel = min_numel, .m = floats_new(padded), .v = floats_new(padded)};
    memset(mo.m, 0, padded * sizeof(float)), memset(mo.v, 0, padded * sizeof(float));
    Keep keep = {&mo, 0};
    if (run_watched(p, run, keep_moments, &keep) != run.steps) fail("Adam diverged before its moments were taken");
    return mo;
}

void moments_free(Moments *mo)
{
    free(mo->m), free(mo->v);
    mo->m = mo->v = NULL;
}

static Errors errors_of(float *relative /* [count], sorted here */, size_t count, size_t zeroed)
{
    Errors e = {sort_median(relative, count), relative[(size_t)(0.99 * (double)(count - 1))],
                (double)zeroed / (double)count};
    return e;
}

/* x[n] stored as 8-bit Adam stores its state, block by block, and read
 * back into back[n]: m (is_signed) with quantize_state1's sign fix, v with
 * quantize_state2. */
static void round_trip(const float *code, bool is_signed, const float *x, size_t n, size_t block,
                       float *back /* [n] */)
{
    for (size_t start = 0; start < n; start += block) {
        const size_t end = n - start < block ? n : start + block;
        const float absmax = block_absmax(x + start, end - start);
        for (size_t i = start; i < end; i++) {
            uint8_t q = is_signed ? quantize_state1(code, x[i], absmax) : quantize_state2(code, x[i], absmax);
            back[i] = dequantize_code(code, q, absmax);
        }
    }
}

StateErrors state_errors(const float *signed_code, const float *unsigned_code, const Moments *mo, size_t block)
{
    size_t n = mo->n, counts[3] = {0, 0, 0}, zeroed[3] = {0, 0, 0};
    float *m = floats_new(n), *v = floats_new(n), *rel[3];
    for (int k = 0; k < 3; k++) rel[k] = floats_new(n);
    round_trip(signed_code, true, mo->m, n, block, m);
    round_trip(unsigned_code, false, mo->v, n, block, v);
    for (size_t i = 0; i < n; i++) {
        if (mo->v[i] == 0) continue;   /* padding, or a weight that never had a gradient */
        double exact[3] = {mo->m[i], mo->v[i], mo->m[i] / (sqrt(mo->v[i]) + 1e-8)};
        double got[3] = {m[i], v[i], m[i] / (sqrt(v[i]) + 1e-8)};
        for (int k = 0; k < 3; k++) {
            if (exact[k] == 0) continue;
            rel[k][counts[k]++] = (float)fabs((got[k] - exact[k]) / exact[k]);
            zeroed[k] += fabs(got[k]) < 1e-3 * fabs(exact[k]);
        }
    }
    StateErrors e = {errors_of(rel[0], counts[0], zeroed[0]), errors_of(rel[1], counts[1], zeroed[1]),
                     errors_of(rel[2], counts[2], zeroed[2])};
    free(m), free(v);
    for (int k = 0; k < 3; k++) free(rel[k]);
    return e;
}
