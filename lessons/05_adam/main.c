/* main.c - lesson 05's program: every table and figure of the Adam chapter.
 *
 *     build/bin/05_adam [--steps=N] [--seed=S] [--quick] [--out=DIR]
 *
 * Tables print here and go to DIR/out/05_adam/, figures to DIR/fig/.
 * --quick shrinks every experiment so that the whole program runs in about
 * a second (the tests use it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adam.h"
#include "experiment.h"

static const OptionSpec FLAGS[] = {
    LESSON_FLAGS,
    {NULL, 0, 0, NULL, 0, 0},
};

/* ==== PART A: Adam itself (sections 1-5) ==== */

/* ---- 1. bias correction: how much of the gradient's scale the averages hold ---- */

static void bias_correction(Report *r)
{
    const AdamConfig cfg = ADAM_DEFAULTS;
    const Column columns[] = {{"step t", "%d"}, {"beta1^t", "%.4f"}, {"1/(1-beta1^t)", "%.3f"},
                              {"beta2^t", "%.4f"}, {"1/(1-beta2^t)", "%.1f"}, {NULL, NULL}};
    Table *t = table_begin(r, "bias_correction", "Bias correction at PyTorch's betas (0.9, 0.999)", columns);
    const int steps[] = {1, 10, 100, 1000};
    for (int k = 0; k < 4; k++) {
        double b1t = pow(cfg.betas[0], steps[k]), b2t = pow(cfg.betas[1], steps[k]);
        table_row(t, steps[k], b1t, 1.0 / (1.0 - b1t), b2t, 1.0 / (1.0 - b2t));
    }
    table_end(t);
}

/* ==== PART B: Adam against momentum and RMSProp (sections 6-7) ==== */

/* ---- 6. the ravine, Rosenbrock and the digits MLP, each at its best lr ---------- */

static void race(Report *r, const LessonArgs *a)
{
    (void)r, (void)a;   /* being written */
}

/* ---- 7. the tiny GPT: where Adam pulls away, and why ----------------------------- */

static void gpt(Report *r, const LessonArgs *a)
{
    (void)r, (void)a;   /* being written */
}

/* ==== the program ==== */

int main(int argc, char **argv)
{
    LessonArgs args = LESSON_DEFAULTS;
    lesson_parse("05_adam", FLAGS, &args, argc, argv);
    Report report;
    if (report_open(&report, args.out, "05_adam") != 0) return EXIT_USAGE;   /* a bad --out */
    /* Part A */
    bias_correction(&report);
    /* Part B */
    race(&report, &args);
    gpt(&report, &args);
    return report_close(&report) == 0 ? 0 : 1;
}
