/* test_grad_scaler.c - lesson 11's tests of dynamic loss scaling: the golden
 * trajectories of torch.amp.GradScaler's arithmetic bit for bit, the
 * scale's moves by hand (backoff on one overflow, growth after exactly
 * growth_interval clean steps, the tracker reset, inv_scale), inf and NaN
 * gradients, the scale's limits above and below, enabled=false as the
 * identity, scaler.step() with a real optimizer, PyTorch's refusals and the
 * book's, and the lesson program's smoke run. Its tests join the lesson's
 * suite through add_grad_scaler_tests() (see test_lesson11.c). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grad_scaler.h"
#include "lowp.h"
#include "sgd.h"
#include "testing.h"

void add_grad_scaler_tests(TCase *core, TCase *limits);

/* Every number here is compared bit for bit: the scaler's arithmetic is one
 * float32 product (scale, unscale) or one double product rounded to float32
 * (update), which every IEEE compiler rounds alike. */

/* Two float32 numbers are the same: the same bits (so -0 is not 0), or both NaN. */
static bool same_bits(float a, float b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return float_bits(a) == float_bits(b);
}

static GradScaler scaler_with(const GradScalerConfig *cfg)
{
    char err[256];
    ck_assert_msg(grad_scaler_validate(cfg, err, sizeof err) == NULL, "%s", err);
    GradScaler s;
    grad_scaler_init(&s, cfg);
    return s;
}

/* One iteration on one gradient of n numbers, as a training loop runs it;
 * returns whether the step was skipped. */
static bool iteration(GradScaler *s, float *grad /* [n] */, size_t n)
{
    grad_scaler_unscale(s, grad, n);
    bool skipped = grad_scaler_should_skip(s);
    ck_assert_ptr_null(grad_scaler_update(s));
    return skipped;
}

/* An iteration whose gradient is finite (clean) or holds an inf. */
static bool clean_step(GradScaler *s)
{
    float g[2] = {1.0f, -2.0f};
    return iteration(s, g, 2);
}

static bool overflow_step(GradScaler *s)
{
    float g[2] = {1.0f, INFINITY};
    return iteration(s, g, 2);
}

/* ---- tests/golden/grad_scaler.txt ------------------------------------------------
 *
 * Written by tools/grad_scaler_reference.py, a float32 NumPy port of
 * GradScaler and its CUDA kernels (PyTorch 1.13 has none on the CPU; the
 * port's --against-torch checks the tensor operations against torch's). Its
 * format is in the file's header; the reader is here, the tests its only
 * user. */

#define MAX_TENSORS 4

typedef struct {
    float loss, scaled_loss;
    float *grad[MAX_TENSORS];       /* grad[i][numel[i]]: as backward leaves it */
    float *unscaled[MAX_TENSORS];   /* and after unscale_ */
    float found_inf, scale;
    int skipped, growth_tracker;
} ScalerStep;

typedef struct {
    char name[64];
    int num_settings;
    char *settings[GOLDEN_MAX_SETTINGS];   /* "key=value" */
    int count;                             /* gradients a step */
    size_t numel[MAX_TENSORS];
    int steps;
    ScalerStep *step;                      /* step[steps] */
} ScalerCase;

typedef struct {
    int count;
    ScalerCase *cases;
} ScalerFile;

static void scaler_file_free(ScalerFile *f)
{
    for (int k = 0; k < f->count; k++) {
        ScalerCase *c = &f->cases[k];
        for (int i = 0; i < c->num_settings; i++) free(c->settings[i]);
        for (int s = 0; s < c->steps; s++)
            for (int i = 0; i < MAX_TENSORS; i++) free(c->step[s].grad[i]), free(c->step[s].unscaled[i]);
        free(c->step);
    }
    free(f->cases);
    memset(f, 0, sizeof *f);
}

/* The rest of the line: one number, an integer when `integer`. Returns 0 or -1. */
static int read_one(GoldenReader *r, float *out, bool integer)
{
    if (golden_reader_floats(r, out, 1, false) != 0) return -1;
    return integer && !(*out == floorf(*out) && fabsf(*out) < 1e9f) ? -1 : 0;
}

/* Each step's lines come in this order; grad and unscaled once per gradient. */
enum { AT_LOSS, AT_SCALED_LOSS, AT_GRAD, AT_UNSCALED, AT_FOUND_INF, AT_SKIPPED, AT_SCALE, AT_TRACKER };
static const char *const STEP_WORDS[] = {"loss", "scaled_loss", "grad", "unscaled", "found_inf",
                                         "skipped", "scale", "growth_tracker"};

/* Reads tests/golden/NAME; fails the test with the reader's message if it cannot. */
static void load_scaler_file(const char *name, ScalerFile *out)
{
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", golden_dir(), name);
    memset(out, 0, sizeof *out);
    GoldenReader r;
    ck_assert_msg(golden_reader_open(&r, path, err, sizeof err) == 0, "%s", err);
    ScalerCase *c = NULL;
    int at = AT_LOSS, tensor = 0;   /* the line expected next in the step, and its gradient */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "case") == 0) {
            if (c) break;   /* the last one has no end */
            ScalerCase *bigger = realloc(out->cases, sizeof *bigger * (size_t)(out->count + 1));
            if (!bigger) break;
            out->cases = bigger;
            c = &out->cases[out->count++];
            memset(c, 0, sizeof *c);
            at = AT_LOSS;
            if (golden_reader_name(&r, c->name, sizeof c->name) != 0) break;
        } else if (!c) {
            break;
        } else if (strcmp(word, "settings") == 0) {
            if (c->steps || golden_reader_settings(&r, c->settings, &c->num_settings, GOLDEN_MAX_SETTINGS) != 0)
                break;
        } else if (strcmp(word, "shape") == 0) {
            int shape[TENSOR_MAX_DIMS];
            if (c->steps || c->count == MAX_TENSORS ||
                golden_reader_shape(&r, shape, TENSOR_MAX_DIMS, &c->numel[c->count]) < 0)
                break;
            c->count++;
        } else if (strcmp(word, "end") == 0) {
            if (at != AT_LOSS || c->steps == 0 || c->count == 0) break;   /* a step left half-way */
            c = NULL;
        } else {
            if (c->count == 0 || strcmp(word, STEP_WORDS[at]) != 0) break;   /* out of order */
            if (at == AT_LOSS) {
                ScalerStep *more = realloc(c->step, sizeof *more * (size_t)(c->steps + 1));
                if (!more) break;
                c->step = more;
                memset(&c->step[c->steps++], 0, sizeof *more);
            }
            ScalerStep *s = &c->step[c->steps - 1];
            float value;
            int status = 0;
            switch (at) {
            case AT_LOSS: status = read_one(&r, &s->loss, false); break;
            case AT_SCALED_LOSS: status = read_one(&r, &s->scaled_loss, false); break;
            case AT_GRAD:
                status = (s->grad[tensor] = golden_reader_new_floats(&r, c->numel[tensor])) ? 0 : -1;
                break;
            case AT_UNSCALED:
                status = (s->unscaled[tensor] = golden_reader_new_floats(&r, c->numel[tensor])) ? 0 : -1;
                break;
            case AT_FOUND_INF: status = read_one(&r, &s->found_inf, true); break;
            case AT_SKIPPED: status = read_one(&r, &value, true); s->skipped = (int)value; break;
            case AT_SCALE: status = read_one(&r, &s->scale, false); break;
            case AT_TRACKER: status = read_one(&r, &value, true); s->growth_tracker = (int)value; break;
            }
            if (status != 0) break;
            /* the next line: the next gradient, or the next word */
            if ((at == AT_GRAD || at == AT_UNSCALED) && ++tensor < c->count) continue;
            tensor = 0;
            at = at == AT_TRACKER ? AT_LOSS : at + 1;
        }
    }
    if (golden_reader_close(&r, c ? c->name : NULL, err, sizeof err) != 0) {
        scaler_file_free(out);
        ck_abort_msg("%s", err);
    }
}

static const ScalerCase *find_case(const ScalerFile *f, const char *name)
{
    for (int k = 0; k < f->count; k++)
        if (strcmp(f->cases[k].name, name) == 0) return &f->cases[k];
    ck_abort_msg("grad_scaler.txt has no case %s", name);
    return NULL;
}

/* The case's settings as GradScaler's keywords. */
static GradScalerConfig case_config(const ScalerCase *c)
{
    GradScalerConfig cfg;
    char err[256];
    ck_assert_msg(grad_scaler_parse(&cfg, c->num_settings, (const char *const *)c->settings, err, sizeof err) == 0,
                  "case %s: %s", c->name, err);
    return cfg;
}

/* Replays a case through scale, unscale, should_skip and update, from cfg,
 * asserting every recorded number bit for bit. */
static void replay(const ScalerCase *c, const GradScalerConfig *cfg)
{
    GradScaler s = scaler_with(cfg);
    for (int t = 0; t < c->steps; t++) {
        const ScalerStep *e = &c->step[t];
        char what[160];
        snprintf(what, sizeof what, "case %s, step %d", c->name, t + 1);
        float scaled = grad_scaler_scale(&s, e->loss);
        ck_assert_msg(same_bits(scaled, e->scaled_loss), "%s: scale(%.9g) = %.9g, expected %.9g", what, e->loss,
                      scaled, e->scaled_loss);
        for (int i = 0; i < c->count; i++) {
            float grad[64];
            ck_assert(c->numel[i] <= 64);
            memcpy(grad, e->grad[i], sizeof(float) * c->numel[i]);
            grad_scaler_unscale(&s, grad, c->numel[i]);
            for (size_t j = 0; j < c->numel[i]; j++)
                ck_assert_msg(same_bits(grad[j], e->unscaled[i][j]), "%s: gradient %d [%zu]: %.9g unscaled to %.9g, "
                              "expected %.9g", what, i, j, e->grad[i][j], grad[j], e->unscaled[i][j]);
        }
        ck_assert_msg(s.found_inf == e->found_inf, "%s: found_inf %g", what, s.found_inf);
        ck_assert_msg(grad_scaler_should_skip(&s) == (e->skipped != 0), "%s: skipped", what);
        ck_assert_ptr_null(grad_scaler_update(&s));
        ck_assert_msg(same_bits(s.scale, e->scale), "%s: scale %.9g, expected %.9g", what, s.scale, e->scale);
        ck_assert_msg(s.growth_tracker == e->growth_tracker, "%s: growth_tracker %d, expected %d", what,
                      (int)s.growth_tracker, e->growth_tracker);
        ck_assert(s.found_inf == 0.0f);   /* cleared for the next iteration */
    }
}

/* Every case of the file, in its order. */
static const char *const GOLDEN_CASES[] = {
    "defaults",          "growth_interval_3",       "inf_and_nan",    "consecutive_overflows",
    "growth_interval_1", "growth_past_float32_max", "custom_factors", "custom_init_scale",
    "scale_below_one",   "scale_to_zero",           "disabled",       "disabled_unchecked",
    "long_run",
};

START_TEST(test_golden_trajectories)
{
    ScalerFile f;
    load_scaler_file("grad_scaler.txt", &f);
    const ScalerCase *c = find_case(&f, GOLDEN_CASES[_i]);
    GradScalerConfig cfg = case_config(c);
    replay(c, &cfg);
    scaler_file_free(&f);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    /* A case added to the file is added here, or this fails. */
    ScalerFile f;
    load_scaler_file("grad_scaler.txt", &f);
    ck_assert_int_eq(f.count, TABLE_SIZE(GOLDEN_CASES));
    for (int k = 0; k < f.count; k++) ck_assert_str_eq(f.cases[k].name, GOLDEN_CASES[k]);
    scaler_file_free(&f);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* The port ran with every default written out; GRAD_SCALER_DEFAULTS,
     * with none, must give the same trajectory. */
    ScalerFile f;
    load_scaler_file("grad_scaler.txt", &f);
    const ScalerCase *c = find_case(&f, "defaults");
    ck_assert_int_eq(c->num_settings, 5);
    GradScalerConfig written = case_config(c), none = GRAD_SCALER_DEFAULTS;
    ck_assert(written.init_scale == none.init_scale && written.growth_factor == none.growth_factor &&
              written.backoff_factor == none.backoff_factor && written.growth_interval == none.growth_interval &&
              written.enabled == none.enabled);
    replay(c, &none);
    scaler_file_free(&f);
}
END_TEST

START_TEST(test_golden_skipped_steps_leave_the_parameters)
{
    /* scaler.step(optimizer) on the file's gradients, with SGD at lr 0.5
     * (lesson 01): a skipped step leaves every parameter and the step count
     * as they were; a step taken is sgd_update on the unscaled gradients. */
    ScalerFile f;
    load_scaler_file("grad_scaler.txt", &f);
    const char *names[] = {"inf_and_nan", "scale_to_zero", "long_run"};
    for (int k = 0; k < 3; k++) {
        const ScalerCase *c = find_case(&f, names[k]);
        GradScalerConfig cfg = case_config(c);
        GradScaler s = scaler_with(&cfg);
        int numel[MAX_TENSORS];
        for (int i = 0; i < c->count; i++) numel[i] = (int)c->numel[i];
        Grads g;
        grads_make_1d(&g, c->count, numel, (const float *const *)c->step[0].grad);
        SGDConfig sgd_cfg = {.lr = 0.5f};
        Optimizer *opt = sgd_new(g.list, &sgd_cfg);
        ck_assert_ptr_nonnull(opt);
        float want[MAX_TENSORS][64] = {{0}};
        long taken = 0;
        for (int t = 0; t < c->steps; t++) {
            const ScalerStep *e = &c->step[t];
            for (int i = 0; i < c->count; i++) memcpy(g.grads[i]->data, e->grad[i], sizeof(float) * c->numel[i]);
            bool stepped = grad_scaler_step(&s, opt);
            ck_assert_msg(stepped == !e->skipped, "case %s, step %d", c->name, t + 1);
            if (stepped) {
                for (int i = 0; i < c->count; i++) sgd_update(want[i], e->unscaled[i], c->numel[i], &sgd_cfg);
                taken++;
            }
            for (int i = 0; i < c->count; i++)
                for (size_t j = 0; j < c->numel[i]; j++)
                    ck_assert_msg(same_bits(g.params[i]->data[j], want[i][j]), "case %s, step %d, param %d[%zu]",
                                  c->name, t + 1, i, j);
            ck_assert_int_eq(opt->step_count, taken);
            ck_assert_ptr_null(grad_scaler_update(&s));
            ck_assert(same_bits(s.scale, e->scale));
        }
        /* scale_to_zero: the steps taken at scale 0 had NaN gradients, and
         * nothing stopped them */
        if (k == 1) ck_assert(isnan(g.params[0]->data[0]));
        else ck_assert(taken > 0 && taken < c->steps && isfinite(g.params[0]->data[0]));
        optimizer_free(opt);
        grads_free(&g);
    }
    scaler_file_free(&f);
}
END_TEST

/* ---- by hand --------------------------------------------------------------------- */

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.amp.GradScaler(device, init_scale=2.0**16, growth_factor=2.0,
     * backoff_factor=0.5, growth_interval=2000, enabled=True), its keywords
     * in its order. */
    GradScalerConfig d = GRAD_SCALER_DEFAULTS;
    ck_assert(d.init_scale == 65536.0 && d.growth_factor == 2.0 && d.backoff_factor == 0.5);
    ck_assert(d.growth_interval == 2000 && d.enabled);
    const char *keys[] = {"init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled"};
    int k = 0;
    for (const OptionSpec *o = GRAD_SCALER_OPTIONS; o->key; o++, k++) {
        ck_assert_int_lt(k, 5);
        ck_assert_str_eq(o->key, keys[k]);
    }
    ck_assert_int_eq(k, 5);
    GradScaler s = scaler_with(&d);
    ck_assert(s.scale == 65536.0f && s.growth_tracker == 0 && s.found_inf == 0.0f && !s.unscaled);
    /* scale(loss): 0.75 * 2^16 = 49152 */
    ck_assert(grad_scaler_scale(&s, 0.75f) == 49152.0f);
}
END_TEST

START_TEST(test_one_overflow_halves_the_scale)
{
    /* 65536 -> 32768 on one overflow: the step skipped, the tracker back to 0. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s = scaler_with(&cfg);
    for (int t = 0; t < 5; t++) ck_assert(!clean_step(&s));
    ck_assert_int_eq(s.growth_tracker, 5);
    ck_assert(overflow_step(&s));
    ck_assert(s.scale == 32768.0f);
    ck_assert_int_eq(s.growth_tracker, 0);
    /* and again on the next, and the next: 16384, 8192 */
    ck_assert(overflow_step(&s) && s.scale == 16384.0f);
    ck_assert(overflow_step(&s) && s.scale == 8192.0f);
}
END_TEST

START_TEST(test_growth_after_exactly_growth_interval)
{
    /* PyTorch's default: the scale doubles at the 2000th clean step in a
     * row, not at the 1999th. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s = scaler_with(&cfg);
    for (int t = 1; t < 2000; t++) {
        ck_assert(!clean_step(&s));
        ck_assert_msg(s.scale == 65536.0f && s.growth_tracker == t, "step %d: scale %g, tracker %d", t, s.scale,
                      (int)s.growth_tracker);
    }
    ck_assert(!clean_step(&s));
    ck_assert(s.scale == 131072.0f);
    ck_assert_int_eq(s.growth_tracker, 0);
    /* growth_interval 3: 1, 2, then growth and 0 */
    cfg.growth_interval = 3;
    s = scaler_with(&cfg);
    clean_step(&s);
    ck_assert(s.scale == 65536.0f && s.growth_tracker == 1);
    clean_step(&s);
    ck_assert(s.scale == 65536.0f && s.growth_tracker == 2);
    clean_step(&s);
    ck_assert(s.scale == 131072.0f && s.growth_tracker == 0);
    /* growth_interval 1: every clean step grows */
    cfg.growth_interval = 1;
    s = scaler_with(&cfg);
    clean_step(&s);
    ck_assert(s.scale == 131072.0f && s.growth_tracker == 0);
    clean_step(&s);
    ck_assert(s.scale == 262144.0f && s.growth_tracker == 0);
}
END_TEST

START_TEST(test_overflow_resets_the_tracker)
{
    /* Two clean steps of three, then an overflow: the count starts again,
     * and the scale grows only after three more clean steps. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.growth_interval = 3;
    GradScaler s = scaler_with(&cfg);
    clean_step(&s);
    clean_step(&s);
    ck_assert_int_eq(s.growth_tracker, 2);
    overflow_step(&s);
    ck_assert(s.scale == 32768.0f && s.growth_tracker == 0);
    clean_step(&s);
    clean_step(&s);
    ck_assert(s.scale == 32768.0f && s.growth_tracker == 2);
    clean_step(&s);
    ck_assert(s.scale == 65536.0f && s.growth_tracker == 0);
}
END_TEST

START_TEST(test_inv_scale_is_exact_for_powers_of_two)
{
    /* 1 / 65536 is 2^-16 exactly, so unscaling at the default scale is
     * exact: 65536 -> 1, 1 -> 2^-16, 3 -> 3 * 2^-16, and a subnormal
     * 2^-130 -> 2^-146, no flush to zero. */
    ck_assert((float)(1.0 / 65536.0) == ldexpf(1.0f, -16));
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s = scaler_with(&cfg);
    float g[5] = {65536.0f, 1.0f, 3.0f, -0.0f, ldexpf(1.0f, -130)};
    grad_scaler_unscale(&s, g, 5);
    ck_assert(g[0] == 1.0f && g[1] == ldexpf(1.0f, -16) && g[2] == ldexpf(3.0f, -16));
    ck_assert(g[3] == 0.0f && signbit(g[3]));   /* -0 stays -0 */
    ck_assert(g[4] == ldexpf(1.0f, -146));
    ck_assert(s.found_inf == 0.0f && !grad_scaler_should_skip(&s));
    /* A scale of 1000 is not a power of two: the gradient is multiplied by
     * float32(1 / 1000), not divided by 1000, and the two differ: 10 / 1000
     * rounds to 0.00999999978, 10 * 0.001f to 0.0100000007. */
    cfg.init_scale = 1000.0;
    s = scaler_with(&cfg);
    float h[1] = {10.0f};
    grad_scaler_unscale(&s, h, 1);
    ck_assert(h[0] == 10.0f * 0.001f && h[0] != 10.0f / 1000.0f);
    ck_assert_float_eq_tol(h[0], 0.0100000007f, 1e-12f);
}
END_TEST

START_TEST(test_nan_gradient_skips_the_step)
{
    /* A NaN sets found_inf and the step is skipped; every element is still
     * unscaled (the NaN stays NaN), and found_inf, once set, stays set over
     * the gradients unscaled after it, until update(). */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s = scaler_with(&cfg);
    float a[3] = {131072.0f, NAN, -65536.0f}, b[2] = {65536.0f, 32768.0f};
    grad_scaler_unscale(&s, a, 3);
    ck_assert(s.found_inf == 1.0f && grad_scaler_should_skip(&s));
    ck_assert(a[0] == 2.0f && isnan(a[1]) && a[2] == -1.0f);
    grad_scaler_unscale(&s, b, 2);   /* a clean gradient after it */
    ck_assert(b[0] == 1.0f && b[1] == 0.5f);
    ck_assert(grad_scaler_should_skip(&s));
    ck_assert_ptr_null(grad_scaler_update(&s));
    ck_assert(s.scale == 32768.0f && s.found_inf == 0.0f && !grad_scaler_should_skip(&s));
    /* -inf and +inf alike, in the last element */
    const float bad[2] = {-INFINITY, INFINITY};
    for (int k = 0; k < 2; k++) {
        s = scaler_with(&cfg);
        float g[4] = {1.0f, 2.0f, 3.0f, bad[k]};
        ck_assert(iteration(&s, g, 4));
        ck_assert(g[3] == bad[k] && g[2] == ldexpf(3.0f, -16));
        ck_assert(s.scale == 32768.0f);
    }
    /* the largest finite float is not an overflow */
    s = scaler_with(&cfg);
    float big[1] = {FLT_MAX};
    ck_assert(!iteration(&s, big, 1));
    ck_assert(big[0] == ldexpf(FLT_MAX, -16) && s.growth_tracker == 1);
}
END_TEST

START_TEST(test_scale_never_grows_to_inf)
{
    /* At 2^127 the next doubling is 2^128, past float32: the scale stays,
     * and the tracker goes back to 0 all the same. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.init_scale = ldexp(1.0, 127);
    cfg.growth_interval = 2;
    GradScaler s = scaler_with(&cfg);
    clean_step(&s);
    clean_step(&s);
    ck_assert(s.scale == ldexpf(1.0f, 127) && s.growth_tracker == 0);
    /* 3e38 * 1.5 = 4.5e38 is a finite double but not a float32: rounded
     * first, then checked. */
    cfg.init_scale = 3e38;
    cfg.growth_factor = 1.5;
    s = scaler_with(&cfg);
    ck_assert(isfinite(3e38 * 1.5));
    clean_step(&s);
    clean_step(&s);
    ck_assert(s.scale == 3e38f && s.growth_tracker == 0);
    /* 2e38 * 1.5 = 3e38 is one: it grows */
    cfg.init_scale = 2e38;
    s = scaler_with(&cfg);
    clean_step(&s);
    clean_step(&s);
    ck_assert(s.scale == (float)((double)2e38f * 1.5));
}
END_TEST

START_TEST(test_scale_is_not_bounded_below)
{
    /* 2^-149, the smallest float32, halves to 0 (2^-150 ties to even, 0).
     * At 0, inv_scale is 1 / 0 = inf; every scaled gradient is 0, so no inf
     * is found, and each unscales to 0 * inf = NaN: the step is taken on
     * NaN gradients. And 0 grows to 0. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.init_scale = ldexp(1.0, -149);
    cfg.growth_interval = 1;
    GradScaler s = scaler_with(&cfg);
    ck_assert(s.scale == ldexpf(1.0f, -149));
    overflow_step(&s);
    ck_assert(s.scale == 0.0f);
    float loss_grad[2] = {grad_scaler_scale(&s, 0.5f) * 3.0f, grad_scaler_scale(&s, 0.5f) * -1.0f};
    ck_assert(loss_grad[0] == 0.0f);
    ck_assert(!iteration(&s, loss_grad, 2));
    ck_assert(isnan(loss_grad[0]) && isnan(loss_grad[1]));
    ck_assert(s.scale == 0.0f && s.growth_tracker == 0);
    /* Below 1, inv_scale is above 1: a finite scaled gradient can unscale
     * to inf, and found_inf, which looks before unscaling, stays 0. */
    cfg.init_scale = 0.25;
    s = scaler_with(&cfg);
    float g[1] = {1e38f};
    ck_assert(!iteration(&s, g, 1));
    ck_assert(isinf(g[0]));
}
END_TEST

START_TEST(test_update_needs_an_unscale)
{
    /* update() with no gradient unscaled since the last one: PyTorch's
     * AssertionError, and the scaler left as it was. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.growth_interval = 1;
    GradScaler s = scaler_with(&cfg);
    const char *msg = grad_scaler_update(&s);
    ck_assert_ptr_nonnull(msg);
    ck_assert_str_eq(msg, "No inf checks were recorded prior to update.");
    ck_assert(s.scale == 65536.0f && s.growth_tracker == 0);
    clean_step(&s);   /* grows: 131072 */
    ck_assert_str_eq(grad_scaler_update(&s), "No inf checks were recorded prior to update.");
    ck_assert(s.scale == 131072.0f && s.growth_tracker == 0);
    /* An empty gradient is still a check, as an unscale_ of a gradient on a device is. */
    grad_scaler_unscale(&s, NULL, 0);
    ck_assert_ptr_null(grad_scaler_update(&s));
    ck_assert(s.scale == 262144.0f);
}
END_TEST

START_TEST(test_disabled_is_the_identity)
{
    /* enabled=false: scale() returns the loss, unscale_() touches nothing
     * and finds nothing, no step is skipped, update() does nothing and asks
     * for nothing; get_scale() is 1 and the tracker 0. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.enabled = false;
    GradScaler s = scaler_with(&cfg);
    ck_assert(s.scale == 1.0f && s.growth_tracker == 0);
    const float losses[] = {0.5f, -3.0f, 1e-40f, FLT_MAX, INFINITY, -0.0f, NAN};
    for (int i = 0; i < TABLE_SIZE(losses); i++)
        ck_assert(same_bits(grad_scaler_scale(&s, losses[i]), losses[i]));
    float g[4] = {65536.0f, INFINITY, NAN, -0.0f}, before[4];
    memcpy(before, g, sizeof g);
    grad_scaler_unscale(&s, g, 4);
    ck_assert(memcmp(g, before, sizeof g) == 0);
    ck_assert(!grad_scaler_should_skip(&s) && s.found_inf == 0.0f);
    for (int t = 0; t < 3; t++) ck_assert_ptr_null(grad_scaler_update(&s));
    ck_assert(s.scale == 1.0f && s.growth_tracker == 0);
    /* scaler.step(optimizer) just steps, inf and all */
    Grads grads;
    grads_make_1d(&grads, 1, (const int[]){2}, (const float *const[]){(const float[]){INFINITY, 1.0f}});
    SGDConfig sgd_cfg = {.lr = 0.5f};
    Optimizer *opt = sgd_new(grads.list, &sgd_cfg);
    ck_assert(grad_scaler_step(&s, opt));
    ck_assert(isinf(grads.params[0]->data[0]) && grads.params[0]->data[1] == -0.5f && opt->step_count == 1);
    optimizer_free(opt);
    grads_free(&grads);
}
END_TEST

START_TEST(test_step_unscales_once)
{
    /* scaler.step() unscales the optimizer's gradients, unless they were
     * unscaled already this iteration (to clip them): then it leaves them. */
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    GradScaler s = scaler_with(&cfg);
    Grads grads;
    grads_make_1d(&grads, 2, (const int[]){1, 2},
                  (const float *const[]){(const float[]){65536.0f}, (const float[]){131072.0f, -65536.0f}});
    SGDConfig sgd_cfg = {.lr = 1.0f};
    Optimizer *opt = sgd_new(grads.list, &sgd_cfg);
    ck_assert(grad_scaler_step(&s, opt));
    ck_assert(grads.grads[0]->data[0] == 1.0f && grads.grads[1]->data[0] == 2.0f);
    ck_assert(grads.params[0]->data[0] == -1.0f && grads.params[1]->data[1] == 1.0f);
    ck_assert_ptr_null(grad_scaler_update(&s));
    /* unscaled by hand first: step() does not unscale again */
    grads.grads[0]->data[0] = 65536.0f;
    grads.grads[1]->data[0] = grads.grads[1]->data[1] = 0.0f;
    grad_scaler_unscale(&s, grads.grads[0]->data, 1);
    ck_assert(grad_scaler_step(&s, opt));
    ck_assert(grads.grads[0]->data[0] == 1.0f && grads.params[0]->data[0] == -2.0f);
    ck_assert_ptr_null(grad_scaler_update(&s));
    /* an inf in the second tensor skips the whole step */
    grads.grads[0]->data[0] = 65536.0f;
    grads.grads[1]->data[1] = -INFINITY;
    ck_assert(!grad_scaler_step(&s, opt));
    ck_assert(grads.params[0]->data[0] == -2.0f && opt->step_count == 2);
    ck_assert_ptr_null(grad_scaler_update(&s));
    ck_assert(s.scale == 32768.0f);
    optimizer_free(opt);
    grads_free(&grads);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------------- */

/* grad_scaler_parse refuses the settings with a message holding `expected`. */
static void refuses(const char *expected, int count, const char *const *settings)
{
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.init_scale = 7.0;   /* left as it is */
    char err[512] = "";
    ck_assert_msg(grad_scaler_parse(&cfg, count, settings, err, sizeof err) == -1, "'%s' accepted", settings[0]);
    ck_assert_msg(strstr(err, expected) != NULL, "'%s': '%s', expected '%s'", settings[0], err, expected);
    ck_assert(cfg.init_scale == 7.0);
}
#define REFUSES(expected, ...)                                                                   \
    refuses(expected, TABLE_SIZE(((const char *[]){__VA_ARGS__})), (const char *const[]){__VA_ARGS__})

START_TEST(test_refuses_what_pytorch_refuses)
{
    /* PyTorch's two asserts, their messages, their order. */
    char err[512];
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    const double growths[] = {1.0, 0.5, -2.0, NAN};
    for (int i = 0; i < TABLE_SIZE(growths); i++) {
        cfg.growth_factor = growths[i];
        ck_assert_str_eq(grad_scaler_validate(&cfg, err, sizeof err), "The growth factor must be > 1.0.");
    }
    cfg = GRAD_SCALER_DEFAULTS;
    const double backoffs[] = {1.0, 2.0, NAN};
    for (int i = 0; i < TABLE_SIZE(backoffs); i++) {
        cfg.backoff_factor = backoffs[i];
        ck_assert_str_eq(grad_scaler_validate(&cfg, err, sizeof err), "The backoff factor must be < 1.0.");
    }
    cfg.growth_factor = 1.0;   /* both wrong: growth's first */
    ck_assert_str_eq(grad_scaler_validate(&cfg, err, sizeof err), "The growth factor must be > 1.0.");
    /* Disabled, PyTorch checks nothing: neither do we. */
    cfg.enabled = false;
    cfg.init_scale = -1, cfg.growth_interval = 0;
    ck_assert_ptr_null(grad_scaler_validate(&cfg, err, sizeof err));
    /* The same from text. */
    REFUSES("The growth factor must be > 1.0.", "growth_factor=1");
    REFUSES("The growth factor must be > 1.0.", "--growth_factor=0.5");
    REFUSES("The backoff factor must be < 1.0.", "backoff_factor=1");
    REFUSES("The growth factor must be > 1.0.", "backoff_factor=1", "growth_factor=1");
    /* The edges PyTorch accepts */
    const char *edges[] = {"growth_factor=1.0000001", "backoff_factor=0.9999999", "growth_interval=1",
                           "init_scale=1e-30"};
    ck_assert_int_eq(grad_scaler_parse(&cfg, 4, edges, err, sizeof err), 0);
    ck_assert(cfg.growth_factor == 1.0000001 && cfg.backoff_factor == 0.9999999 && cfg.growth_interval == 1 &&
              cfg.init_scale == 1e-30 && cfg.enabled);
    const char *off[] = {"enabled=false", "growth_factor=0.5", "backoff_factor=2"};
    ck_assert_int_eq(grad_scaler_parse(&cfg, 3, off, err, sizeof err), 0);
    ck_assert(!cfg.enabled && cfg.growth_factor == 0.5);
}
END_TEST

START_TEST(test_refuses_a_scaler_that_cannot_work)
{
    /* What PyTorch lets through and never recovers from. */
    REFUSES("init_scale must be positive and finite in float32, got 0", "init_scale=0");
    REFUSES("init_scale must be positive and finite in float32, got -65536", "init_scale=-65536");
    REFUSES("got 1e+39", "init_scale=1e39");   /* inf in float32 */
    REFUSES("got 1e-50", "init_scale=1e-50");  /* 0 in float32 */
    REFUSES("backoff_factor must be > 0, got 0 (PyTorch does not check", "backoff_factor=0");
    REFUSES("backoff_factor must be > 0, got -0.5", "backoff_factor=-0.5");
    REFUSES("growth_interval must be >= 1, got 0 (PyTorch does not check; the scale would never grow)",
            "growth_interval=0");
    REFUSES("growth_interval must be >= 1, got -5", "growth_interval=-5");
    char err[512];
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.growth_factor = INFINITY;   /* only by hand: text refuses inf */
    ck_assert_str_eq(grad_scaler_validate(&cfg, err, sizeof err),
                     "growth_factor must be finite, got inf (PyTorch does not check; the scale would never grow)");
    /* What is not a setting at all. */
    REFUSES("not a finite number", "init_scale=inf");
    REFUSES("not a finite number", "growth_factor=nan");
    REFUSES("not an integer", "growth_interval=2.5");
    REFUSES("is not true or false", "enabled=yes");
    REFUSES("unknown option 'device'", "device=cuda");
    REFUSES("given twice", "growth_interval=3", "growth_interval=4");
    /* The edge of float32: FLT_MAX is a scale. */
    const char *top[] = {"init_scale=3.4028234e38"};
    ck_assert_int_eq(grad_scaler_parse(&cfg, 1, top, err, sizeof err), 0);
}
END_TEST

void add_grad_scaler_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_golden_skipped_steps_leave_the_parameters);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_test(core, test_one_overflow_halves_the_scale);
    tcase_add_test(core, test_growth_after_exactly_growth_interval);
    tcase_add_test(core, test_overflow_resets_the_tracker);
    tcase_add_test(core, test_inv_scale_is_exact_for_powers_of_two);
    tcase_add_test(core, test_step_unscales_once);
    tcase_add_test(limits, test_nan_gradient_skips_the_step);
    tcase_add_test(limits, test_scale_never_grows_to_inf);
    tcase_add_test(limits, test_scale_is_not_bounded_below);
    tcase_add_test(limits, test_update_needs_an_unscale);
    tcase_add_test(limits, test_disabled_is_the_identity);
    tcase_add_test(limits, test_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_refuses_a_scaler_that_cannot_work);
}
