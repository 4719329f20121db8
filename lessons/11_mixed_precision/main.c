/* main.c - lesson 11's program: how a GradScaler's scale moves when the
 * scaled gradients overflow half precision now and then.
 *
 *     build/bin/11_mixed_precision [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/11_mixed_precision/, the figure to
 * DIR/fig/. --steps is the iterations of the scaler (30; the table shows the
 * first 40, the notes and the figure all of them); --seed draws the
 * gradients. The program takes milliseconds: --quick changes nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "grad_scaler.h"
#include "lowp.h"
#include "mixed.h"
#include "rng.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS,
    {NULL, 0, 0, NULL, 0, 0},
};

#define DEFAULT_STEPS 30
#define TABLE_ROWS 40
/* fp16's largest number is 65504; from 65520 on, a number rounds to inf. */
#define FP16_OVERFLOW 65520.0
/* PyTorch's 2000 clean steps before a growth would not show in a table. */
#define GROWTH_INTERVAL 4
#define NUMEL 3

/* The gradient of step t (from 1): its largest element wanders about 0.5,
 * and steps 9, 10 and 21 bring a spike, as a bad batch does. */
static void gradient(Rng *rng, int t, float *grad /* [NUMEL] */)
{
    double largest = 0.5 * exp(0.3 * rng_normal(rng));
    if (t == 9 || t == 10) largest *= 20;
    if (t == 21) largest *= 3;
    grad[0] = (float)largest;
    grad[1] = (float)(-0.25 * largest);
    grad[2] = (float)(1e-3 * largest);
}

/* ---- 1. the swallowed update: what a step must be to survive --------------------------- */

/* The spacing of float32 at w: the distance from |w| to the next float up. */
static float fp32_ulp(float w)
{
    return nextafterf(fabsf(w), INFINITY) - fabsf(w);
}

static void spacing(Report *r)
{
    static const float WEIGHTS[] = {1e-3f, 0.01f, 0.1f, 1.0f, 10.0f, 100.0f, 1000.0f};
    const Column columns[] = {{"weight", "%.3g"},         {"BF16\nspacing", "%.3g"}, {"smallest step\nBF16 keeps", "%.3g"},
                              {"FP16\nspacing", "%.3g"}, {"FP32\nspacing", "%.3g"}, {"lr 1e-5\nin BF16", "%s"},
                              {NULL, NULL}};
    Table *t = table_begin(r, "spacing", "The smallest change each format can hold, at each size of weight",
                           columns);
    for (size_t k = 0; k < sizeof WEIGHTS / sizeof WEIGHTS[0]; k++) {
        const float w = bf16_round(WEIGHTS[k]);   /* a weight a BF16 model can hold */
        const float keeps = bf16_smallest_surviving_update(w);
        table_row(t, (double)w, (double)bf16_ulp(w), (double)keeps, (double)fp16_ulp(w), (double)fp32_ulp(w),
                  bf16_round(w + 1e-5f) == w ? "lost" : "kept");
    }
    table_note(t, "weight: the BF16 number nearest the size named; spacing: from the weight to the next");
    table_note(t, "number up; smallest step: the least u for which bf16(w + u) != w (about half the spacing).");
    table_end(t);
    /* Significant digits: a format with p bits of significand (the stored
     * ones and the leading 1) resolves one part in 2^p, p log10(2) digits. */
    report_values(r, NULL, (NamedValue[]){{"bf16_bits", "%d", 8}, {"bf16_digits", "%.2f", 8 * log10(2.0)},
                                          {"fp16_digits", "%.2f", 11 * log10(2.0)},
                                          {"fp32_digits", "%.2f", 24 * log10(2.0)},
                                          {"bf16_keeps_at_1", "%.8g", (double)bf16_smallest_surviving_update(1.0f)},
                                          {"bf16_one_plus_1e5", "%.9g", (double)bf16_round(1.0f + 1e-5f)},
                                          {"bf16_spacing_at_1", "%.6g", (double)bf16_ulp(1.0f)},
                                          {NULL}});
}

static void scale_trajectory(Report *r, const LessonArgs *a)
{
    GradScalerConfig cfg = GRAD_SCALER_DEFAULTS;
    cfg.growth_interval = GROWTH_INTERVAL;
    GradScaler scaler;
    grad_scaler_init(&scaler, &cfg);
    Rng rng;
    rng_seed(&rng, (uint64_t)a->seed, 11);
    const int steps = a->steps;
    double *x = doubles_new((size_t)steps), *scale = doubles_new((size_t)steps);
    double lowest = scaler.scale, highest = scaler.scale;
    int skipped = 0;

    const Column columns[] = {{"step", "%d"},         {"largest\n|grad|", "%.3g"}, {"scaled\n(fp16)", "%.6g"},
                              {"unscaled", "%.3g"},   {"optimizer\nstep", "%s"},   {"scale\nafter", "%.0f"},
                              {"growth\ntracker", "%d"}, {NULL, NULL}};
    Table *t = table_begin(r, "scale", "A GradScaler's scale as overflows come and go", columns);
    for (int step = 1; step <= steps; step++) {
        float grad[NUMEL];
        gradient(&rng, step, grad);
        const float largest = grad[0];
        /* backward from scale(loss): backward is linear, so each gradient
         * comes out times the scale, and is stored in fp16 (common/lowp.h) */
        for (int i = 0; i < NUMEL; i++) grad[i] = fp16_round(grad_scaler_scale(&scaler, grad[i]));
        const float scaled = grad[0];
        grad_scaler_unscale(&scaler, grad, NUMEL);
        const bool skip = grad_scaler_should_skip(&scaler);
        skipped += skip;
        const char *problem = grad_scaler_update(&scaler);
        if (problem) fail("%s", problem);
        x[step - 1] = step, scale[step - 1] = scaler.scale;
        lowest = fmin(lowest, scaler.scale), highest = fmax(highest, scaler.scale);
        if (step <= TABLE_ROWS)
            table_row(t, step, (double)largest, (double)scaled, (double)grad[0], skip ? "skipped" : "taken",
                      (double)scaler.scale, (int)scaler.growth_tracker);
    }
    table_note(t, "GradScaler(init_scale=65536, growth_factor=2, backoff_factor=0.5, growth_interval=%d);",
               GROWTH_INTERVAL);
    table_note(t, "a scaled gradient of %.0f or more is inf in fp16. %d of %d steps skipped%s", FP16_OVERFLOW,
               skipped, steps, steps > TABLE_ROWS ? " (the first 40 shown)" : "");
    table_end(t);
    report_values(r, NULL, (NamedValue[]){{"scale_skipped", "%d", skipped},
                                          {"scale_final", "%.0f", scale[steps - 1]},
                                          {"scale_lowest", "%g", lowest},
                                          {"scale_highest", "%g", highest},
                                          {NULL}});

    Figure *fig = report_figure(r, "11_scale");
    fprintf(figure_commands(fig), "set xlabel 'step'\nset ylabel 'scale'\nset logscale y 2\nset key top right\n");
    figure_xy(fig, "steps ls 1", x, scale, steps, "scale after update()");
    figure_close(fig);
    free(x);
    free(scale);
}

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    args.steps = DEFAULT_STEPS;
    lesson_parse("11_mixed_precision", FLAGS, &args, argc, argv);
    /* lesson_parse makes --quick's default 200 steps, the short run of a
     * lesson that trains; this one is shorter still. */
    bool steps_given = false;
    for (int i = 1; i < argc; i++) steps_given = steps_given || strncmp(argv[i], "--steps", 7) == 0;
    if (!steps_given) args.steps = DEFAULT_STEPS;
    Report report;
    if (report_open(&report, args.out, "11_mixed_precision") != 0) return EXIT_USAGE;   /* a bad --out */
    spacing(&report);
    scale_trajectory(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
