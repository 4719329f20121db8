/* test_optlab.c - the optlab contract, tested on the built program: trace
 * reproduces PyTorch's golden trajectories through stdin and stdout, list and
 * race work, schedule reproduces torch.optim.lr_scheduler's learning rates,
 * clip reproduces PyTorch's clip_grad_norm_, and every kind of bad input gives
 * one message and exit status 2. test_memory.c adds memory's tests. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clip_golden.h"
#include "registry.h"
#include "schedule_golden.h"
#include "testing.h"

/* See lessons/01_sgd/test_sgd.c: one ulp per step, up to 10 steps. */
#define GOLDEN_RTOL 1.9e-6
/* See lessons/02_momentum/test_momentum.c: momentum adds a rounding in the
 * buffer per step, and its longest cases run 20 steps. */
#define MOMENTUM_RTOL 3.8e-6
/* See lessons/03_adagrad/test_adagrad.c: a square root and a division more
 * per step than SGD, eight steps. */
#define ADAGRAD_RTOL 3.8e-6
/* See lessons/04_rmsprop/test_rmsprop.c: RMSprop's cases, up to 20 steps. */
#define RMSPROP_RTOL 6e-7
/* See lessons/05_adam/test_adam.c: Adam's cases, up to 30 steps, are within
 * 1.9e-7 of each number's largest size (exp_avg, which crosses zero, within
 * an ulp of its largest); its GOLDEN_RTOL, 5 ulp. */
#define ADAM_RTOL 6e-7
/* See lessons/06_adamw/test_adamw.c: AdamW's cases, up to 30 steps, are
 * within 1.9e-7 of each number's largest size (exp_avg within two of its
 * ulps); the decay adds one rounding a step. Its GOLDEN_RTOL, 5 ulp. */
#define ADAMW_RTOL 6e-7
/* See lessons/08_adafactor/test_adafactor.c: the golden file's port and
 * torch.optim.Adafactor itself agree to 4.1e-7 of each number's largest
 * size, up to 30 steps; this code and the port to 1.6e-7. Its GOLDEN_RTOL. */
#define ADAFACTOR_RTOL 6e-7
/* See lessons/09_lion/test_lion.c: the golden file's port of the authors'
 * Lion and this code agree bit for bit (exp_avg too), and with PyTorch's
 * own operations the parameters do; two ulps. */
#define LION_RTOL 2.4e-7
/* See lessons/10_memory/test_adam8bit.c: this code and the NumPy port of
 * bitsandbytes' kernels agree bit for bit; 5 ulp allowed, which keeps the
 * codes (0..255) exact. */
#define ADAM8BIT_RTOL 6e-7

static ProgramRun optlab(const char *args, const char *input)
{
    char cmd[4096];
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
    ProgramRun run;
    ck_assert(run_program(cmd, input, &run) == 0);
    return run;
}

/* Runs optlab, asserting that it succeeds and that its output holds each
 * text of `wanted` (NULL-terminated; NULL: none). Free the run. */
static ProgramRun optlab_ok(const char *args, const char *input, const char *const *wanted)
{
    ProgramRun run = optlab(args, input);
    ck_assert_msg(run.status == 0, "optlab %s: exit %d: %s", args, run.status, run.err);
    for (int k = 0; wanted && wanted[k]; k++)
        ck_assert_msg(strstr(run.out, wanted[k]) != NULL, "optlab %s: no '%s' in:\n%s", args, wanted[k], run.out);
    return run;
}

/* A run of optlab that asks for help, and what its help must say. */
typedef struct {
    const char *args;
    const char *expected[4];   /* NULL-terminated */
} Help;

/* Asserts that each of helps[n] succeeds, prints its texts and nothing on stderr. */
static void assert_helps(const Help *helps /* [n] */, int n)
{
    for (int i = 0; i < n; i++) {
        ProgramRun run = optlab_ok(helps[i].args, NULL, helps[i].expected);
        ck_assert_msg(strcmp(run.err, "") == 0, "%s: stderr %s", helps[i].args, run.err);
        program_run_free(&run);
    }
}

/* A golden case as trace input: the start, then one gradient per line. */
static char *trace_input(const GoldenCase *c)
{
    size_t cap = (size_t)(c->steps + 1) * (size_t)c->numel * 20 + 16, used = 0;
    char *text = malloc(cap);
    for (int row = 0; row <= c->steps; row++) {
        const float *values = row == 0 ? c->param : c->grad + (size_t)(row - 1) * c->numel;
        for (int j = 0; j < c->numel; j++)
            used += (size_t)snprintf(text + used, cap - used, j ? " %.9g" : "%.9g", values[j]);
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    return text;
}

/* Every case of tests/golden/sgd.txt: lesson 01's, then every keyword of
 * torch.optim.SGD (momentum, dampening, nesterov, with weight_decay and
 * maximize, and the defaults written out); then torch.optim.Adagrad's,
 * torch.optim.RMSprop's, torch.optim.Adam's and torch.optim.AdamW's from
 * their files; each with its tolerance. */
static const struct {
    const char *file, *name;
    double rtol;
} TRACE_CASES[] = {
    {"sgd.txt", "sgd_lr_default", GOLDEN_RTOL},
    {"sgd.txt", "sgd_lr", GOLDEN_RTOL},
    {"sgd.txt", "sgd_weight_decay", GOLDEN_RTOL},
    {"sgd.txt", "sgd_maximize", GOLDEN_RTOL},
    {"sgd.txt", "sgd_maximize_weight_decay", GOLDEN_RTOL},
    {"sgd.txt", "sgd_zero_grad_decay", GOLDEN_RTOL},
    {"sgd.txt", "sgd_lr_zero", GOLDEN_RTOL},
    {"sgd.txt", "sgd_huge_tiny", GOLDEN_RTOL},
    {"sgd.txt", "sgd_quadratic_path", GOLDEN_RTOL},
    {"sgd.txt", "sgd_momentum_default", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_zero_dampening_ignored", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_dampening", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_ema", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_nesterov", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_weight_decay", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_maximize_nesterov", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_099", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_zero_grad", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_huge_tiny", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_momentum_quadratic_path", MOMENTUM_RTOL},
    {"sgd.txt", "sgd_nesterov_quadratic_path", MOMENTUM_RTOL},
    /* lesson 03: torch.optim.Adagrad, every keyword (trace prints the
     * parameters; the state `sum` is checked by test_adagrad) */
    {"adagrad.txt", "adagrad_default", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_lr_decay", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_weight_decay", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_initial_accumulator", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_eps", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_all_keywords", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_2d", ADAGRAD_RTOL},
    {"adagrad.txt", "adagrad_huge_tiny", ADAGRAD_RTOL},
    /* lesson 04: torch.optim.RMSprop, every keyword (the states are checked
     * by test_trace_state_matches_pytorch below) */
    {"rmsprop.txt", "rmsprop_default", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_alpha", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_alpha_zero", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_eps", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_weight_decay", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_maximize", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_momentum", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_centered", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_all_keywords", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_2d", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_huge_tiny", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_centered_momentum_path", RMSPROP_RTOL},
    /* lesson 05: torch.optim.Adam, every keyword (the states are checked
     * by test_trace_state_matches_pytorch below) */
    {"adam.txt", "adam_default", ADAM_RTOL},
    {"adam.txt", "adam_lr", ADAM_RTOL},
    {"adam.txt", "adam_betas_no_momentum", ADAM_RTOL},
    {"adam.txt", "adam_betas_half", ADAM_RTOL},
    {"adam.txt", "adam_eps_large", ADAM_RTOL},
    {"adam.txt", "adam_eps_zero", ADAM_RTOL},
    {"adam.txt", "adam_weight_decay", ADAM_RTOL},
    {"adam.txt", "adam_maximize", ADAM_RTOL},
    {"adam.txt", "adam_amsgrad", ADAM_RTOL},
    {"adam.txt", "adam_all_keywords", ADAM_RTOL},
    {"adam.txt", "adam_2d", ADAM_RTOL},
    {"adam.txt", "adam_huge_tiny", ADAM_RTOL},
    {"adam.txt", "adam_amsgrad_path", ADAM_RTOL},
    /* lesson 06: torch.optim.AdamW, every keyword (the states are checked
     * by test_trace_state_matches_pytorch below) */
    {"adamw.txt", "adamw_default", ADAMW_RTOL},
    {"adamw.txt", "adamw_lr", ADAMW_RTOL},
    {"adamw.txt", "adamw_decay", ADAMW_RTOL},
    {"adamw.txt", "adamw_no_decay", ADAMW_RTOL},
    {"adamw.txt", "adamw_decay_half", ADAMW_RTOL},
    {"adamw.txt", "adamw_betas_no_momentum", ADAMW_RTOL},
    {"adamw.txt", "adamw_betas_short", ADAMW_RTOL},
    {"adamw.txt", "adamw_eps_large", ADAMW_RTOL},
    {"adamw.txt", "adamw_maximize", ADAMW_RTOL},
    {"adamw.txt", "adamw_amsgrad", ADAMW_RTOL},
    {"adamw.txt", "adamw_all_keywords", ADAMW_RTOL},
    {"adamw.txt", "adamw_2d", ADAMW_RTOL},
    {"adamw.txt", "adamw_huge_tiny", ADAMW_RTOL},
    {"adamw.txt", "adamw_long", ADAMW_RTOL},
    {"adamw.txt", "adamw_quadratic_path", ADAMW_RTOL},
    /* lesson 08: torch.optim.Adafactor, every keyword, vectors, matrices
     * (--shape=R,C) and a stack of them (--shape=2,3,4) */
    {"adafactor.txt", "adafactor_default_vector", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_default_matrix", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_3d", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_one_column", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_lr_crossing", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_beta2_decay", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_eps1_paper", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_eps2", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_d", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_weight_decay_half", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_maximize", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_all_keywords", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_vector_keywords", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_huge_matrix", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_long_matrix", ADAFACTOR_RTOL},
    /* lesson 09: Lion as its authors' code runs it: every keyword, c = 0
     * exactly, subnormal and huge gradients, a 4 x 8 matrix, a single
     * number, a long run */
    {"lion.txt", "lion_default", LION_RTOL},
    {"lion.txt", "lion_all_keywords", LION_RTOL},
    {"lion.txt", "lion_betas_zero", LION_RTOL},
    {"lion.txt", "lion_c_zero", LION_RTOL},
    {"lion.txt", "lion_subnormal", LION_RTOL},
    {"lion.txt", "lion_huge", LION_RTOL},
    {"lion.txt", "lion_wide", LION_RTOL},
    {"lion.txt", "lion_scalar", LION_RTOL},
    {"lion.txt", "lion_long_matrix", LION_RTOL},
    /* lesson 10: bitsandbytes.optim.Adam8bit, 8-bit (a 64 x 64 weight at the
     * defaults; blocks of 64 and 2048 with --min_8bit_size=0) and 32-bit
     * (under min_8bit_size). Its case of NaN gradients is not here: trace
     * refuses NaN in its input. */
    {"adam8bit.txt", "adam8bit_defaults", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_block64", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_block2048", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_weight_decay", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_zeros_and_scales", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_32bit", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_32bit_decay", ADAM8BIT_RTOL},
};

/* `optlab trace NAME [--state]` with golden case c's settings and shape
 * (a vector or a single number needs none), into args. */
static void trace_args(const GoldenCase *c, bool state, char *args, size_t len)
{
    int used = snprintf(args, len, "trace %s%s", c->optimizer, state ? " --state" : "");
    for (int s = 0; s < c->num_settings; s++)
        used += snprintf(args + used, len - (size_t)used, " --%s", c->settings[s]);
    for (int d = 0; c->ndim > 1 && d < c->ndim; d++)
        used += snprintf(args + used, len - (size_t)used, "%s%d", d ? "," : " --shape=", c->shape[d]);
}

/* Reads the numbers of tensor k at step `step` from line (k = -1: the
 * parameters, else state k) and holds each against golden case c, at the
 * largest size it has had (the parameters' start included): grad_avg,
 * momentum_buffer and exp_avg cross zero, where a relative error means
 * nothing. Returns where the numbers end. */
static char *check_numbers(const GoldenCase *c, char *line, int step, int k, double rtol)
{
    int n = k < 0 ? c->numel : c->state_numel[k];
    const float *rows = k < 0 ? c->expect : c->state[k];
    for (int j = 0; j < n; j++) {
        char *end;
        double v = strtod(line, &end);
        ck_assert_msg(end != line, "case %s: step %d has too few numbers", c->name, step + 1);
        line = end;
        double ref = rows[(size_t)step * n + j], scale = k < 0 ? fabs(c->param[j]) : 0;
        for (int t = 0; t <= step; t++) scale = fmax(scale, fabs(rows[(size_t)t * n + j]));
        ck_assert_msg(fabs(v - ref) <= rtol * scale, "case %s, step %d, %s[%d]: optlab %.9g, PyTorch %.9g",
                      c->name, step + 1, k < 0 ? "param" : c->state_names[k], j, v, ref);
    }
    return line;
}

/* The end of step `step`'s line; returns the next line. */
static char *end_of_step(const GoldenCase *c, char *line, int step)
{
    ck_assert_msg(*line == '\n', "case %s: step %d has extra output", c->name, step + 1);
    return line + 1;
}

/* Loads case NAME of tests/golden/FILE into *g (*c) and runs `optlab trace`
 * on it, with --state when with_state, asserting that it succeeds. Free the
 * run and g. */
static ProgramRun trace_golden_case(const char *file, const char *name, bool with_state,
                                    GoldenFile *g, const GoldenCase **c)
{
    *c = load_golden_case(file, name, g);
    char args[1024];
    trace_args(*c, with_state, args, sizeof args);
    char *input = trace_input(*c);
    ProgramRun run = optlab(args, input);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", args, run.status, run.err);
    free(input);
    return run;
}

/* Runs `optlab trace` on a golden case and compares its output. */
START_TEST(test_trace_matches_pytorch)
{
    GoldenFile g;
    const GoldenCase *c;
    ProgramRun run = trace_golden_case(TRACE_CASES[_i].file, TRACE_CASES[_i].name, false, &g, &c);
    char *line = run.out;
    for (int step = 0; step < c->steps; step++)
        line = end_of_step(c, check_numbers(c, line, step, -1, TRACE_CASES[_i].rtol), step);
    ck_assert_msg(*line == '\0', "case %s: more lines than steps", c->name);
    program_run_free(&run);
    golden_free(&g);
}
END_TEST

/* Golden cases whose every state trace --state must print under PyTorch's
 * names, in PyTorch's order, with the step count last where the optimizer
 * keeps one (Lion keeps none). */
static const struct {
    const char *file, *name;
    double rtol;
} STATE_CASES[] = {
    {"adagrad.txt", "adagrad_all_keywords", ADAGRAD_RTOL},
    {"rmsprop.txt", "rmsprop_all_keywords", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_zero_grad_momentum", RMSPROP_RTOL},
    {"rmsprop.txt", "rmsprop_centered_momentum_path", RMSPROP_RTOL},
    {"adam.txt", "adam_default", ADAM_RTOL},
    {"adam.txt", "adam_all_keywords", ADAM_RTOL},
    {"adam.txt", "adam_zero_grad_amsgrad", ADAM_RTOL},
    {"adam.txt", "adam_amsgrad_path", ADAM_RTOL},
    {"adamw.txt", "adamw_default", ADAMW_RTOL},
    {"adamw.txt", "adamw_all_keywords", ADAMW_RTOL},
    {"adamw.txt", "adamw_zero_grad", ADAMW_RTOL},
    {"adamw.txt", "adamw_quadratic_path", ADAMW_RTOL},
    /* Adafactor's state is not shaped like the parameter: row_var has a
     * number per row, col_var one per column; a vector keeps a variance. */
    {"adafactor.txt", "adafactor_default_vector", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_default_matrix", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_3d", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_one_row", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_all_keywords", ADAFACTOR_RTOL},
    {"adafactor.txt", "adafactor_zero_grad_matrix", ADAFACTOR_RTOL},
    /* Lion keeps exp_avg only, and no step count. */
    {"lion.txt", "lion_default", LION_RTOL},
    {"lion.txt", "lion_all_keywords", LION_RTOL},
    {"lion.txt", "lion_zero_grad_steps", LION_RTOL},
    {"lion.txt", "lion_matrix", LION_RTOL},
    /* 8-bit Adam's state: the codes state1 and state2 (printed as the
     * integers 0..255) and a float absmax1, absmax2 per block; a tensor under
     * min_8bit_size keeps float32 moments and no absmax. */
    {"adam8bit.txt", "adam8bit_weight_decay", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_zeros_and_scales", ADAM8BIT_RTOL},
    {"adam8bit.txt", "adam8bit_32bit_decay", ADAM8BIT_RTOL},
};

START_TEST(test_trace_state_matches_pytorch)
{
    GoldenFile g;
    const GoldenCase *c;
    ProgramRun run = trace_golden_case(STATE_CASES[_i].file, STATE_CASES[_i].name, true, &g, &c);
    const OptimizerSpec *spec = registry_find(c->optimizer);
    ck_assert_ptr_nonnull(spec);
    /* The header: "# param[0] ... NAME[0] ... step", the states in the golden file's
     * order, which is the order PyTorch creates them in, each of its own size. */
    char want[16384] = "#";
    size_t w = 1;
    for (int k = -1; k < c->num_states; k++)
        for (int j = 0; j < (k < 0 ? c->numel : c->state_numel[k]); j++)
            w += (size_t)snprintf(want + w, sizeof want - w, " %s[%d]", k < 0 ? "param" : c->state_names[k], j);
    snprintf(want + w, sizeof want - w, spec->state_has_step ? " step\n" : "\n");
    ck_assert_msg(strncmp(run.out, want, strlen(want)) == 0, "%s: header\n%s\nexpected\n%s", c->name, run.out,
                  want);
    char *line = run.out + strlen(want);
    for (int step = 0; step < c->steps; step++) {
        for (int k = -1; k < c->num_states; k++) line = check_numbers(c, line, step, k, STATE_CASES[_i].rtol);
        if (spec->state_has_step) {
            char *end;
            long counted = strtol(line, &end, 10);
            ck_assert_msg(end != line && counted == step + 1, "case %s: step %d: no step count %d", c->name,
                          step + 1, step + 1);
            line = end;
        }
        line = end_of_step(c, line, step);
    }
    ck_assert_msg(*line == '\0', "case %s: more lines than steps", c->name);
    program_run_free(&run);
    golden_free(&g);
}
END_TEST

/* Runs of `optlab trace` whose whole output is known exactly. */
static const struct {
    const char *name, *args, *input, *output;
} TRACE_OUTPUTS[] = {
    /* lr 0.1, momentum 0.9: buf = 0.5, p = 0.95; buf = 0.45 + 0.25 = 0.7, p = 0.88. */
    {"momentum state", "trace sgd --lr=0.1 --momentum=0.9 --state", "1\n0.5\n0.25\n",
     "# param[0] momentum_buffer[0]\n0.949999988 0.5\n0.879999995 0.699999988\n"},
    /* lr 0.1: sum = 0.25, p = 1 - 0.1*0.5/0.5 = 0.9; sum = 0.3125,
     * p = 0.9 - 0.1*0.25/sqrt(0.3125) = 0.8552786 */
    {"adagrad state", "trace adagrad --lr=0.1 --state", "1\n0.5\n0.25\n",
     "# param[0] sum[0] step\n0.899999976 0.25 1\n0.855278611 0.3125 2\n"},
    /* every keyword, step 1 (lr_decay acts from step 2): g = -0.5 + 0.1*1 = -0.4,
     * sum = 0.1 + 0.16 = 0.26, p = 1 + 0.1*0.4/(sqrt(0.26) + 1e-8) = 1.0784465;
     * g = 1 + 0.1*2 = 1.2, sum = 0.1 + 1.44 = 1.54, p = 2 - 0.12/sqrt(1.54) = 1.9033012 */
    {"adagrad keywords",
     "trace adagrad --lr=0.1 --lr_decay=0.1 --weight_decay=0.1 --initial_accumulator_value=0.1 "
     "--eps=1e-8 --maximize=true --state",
     "1 2\n0.5 -1\n", "# param[0] param[1] sum[0] sum[1] step\n1.07844651 1.90330124 0.26000002 1.54000008 1\n"},
    /* lr 0.01, alpha 0.99: square_avg = 0.01*0.25 = 0.0025, p = 1 - 0.01*0.5/(0.05 + 1e-8)
     * = 0.90000002: the first step is lr/sqrt(1 - alpha) = 10 lr. Then square_avg =
     * 0.99*0.0025 + 0.01*0.0625 = 0.0031, p = 0.90000002 - 0.0025/sqrt(0.0031) = 0.8550987 */
    {"rmsprop state", "trace rmsprop --state", "1\n0.5\n0.25\n",
     "# param[0] square_avg[0] step\n0.900000036 0.00249999994 1\n0.855098724 0.00309999986 2\n"},
    /* Every state, in PyTorch's order: grad_avg = 0.01*0.5 = 0.005, avg = sqrt(0.0025 -
     * 0.000025) + 1e-8 = 0.04974937, momentum_buffer = 0 + 0.5/avg = 10.050376,
     * p = 1 - 0.01*10.050376 = 0.89949624 */
    {"rmsprop every state", "trace rmsprop --momentum=0.9 --centered --state", "1\n0.5\n",
     "# param[0] square_avg[0] momentum_buffer[0] grad_avg[0] step\n"
     "0.899496257 0.00249999994 10.0503759 0.00499999989 1\n"},
    /* lr 0.01: exp_avg = 0.1*0.5 = 0.05, exp_avg_sq = 0.001*0.25 = 0.00025; both
     * corrected are g and g^2, p = 1 - 0.01*0.5/(0.5 + 1e-8) = 0.99. Then exp_avg =
     * 0.045 + 0.025 = 0.07, exp_avg_sq = 0.00024975 + 0.0000625 = 0.00031225,
     * p = 0.99 - (0.01/0.19)*0.07/sqrt(0.00031225/0.001999) = 0.9806782 */
    {"adam state", "trace adam --lr=0.01 --state", "1\n0.5\n0.25\n",
     "# param[0] exp_avg[0] exp_avg_sq[0] step\n0.99000001 0.0500000007 0.000250000012 1\n"
     "0.980678201 0.0700000003 0.00031225002 2\n"},
    /* Every state, in PyTorch's order: at betas (0.5, 0.5) exp_avg_sq falls from
     * 0.125 to 0.0625 + 0.03125 = 0.09375, max_exp_avg_sq keeps 0.125: p = 0.99 -
     * (0.01/0.75)*0.25/sqrt(0.125/0.75) = 0.9818350 (without amsgrad 0.9805719) */
    {"adam every state", "trace adam --lr=0.01 --betas=0.5,0.5 --amsgrad --state", "1\n0.5\n0.25\n",
     "# param[0] exp_avg[0] exp_avg_sq[0] max_exp_avg_sq[0] step\n0.99000001 0.25 0.125 0.125 1\n"
     "0.981835067 0.25 0.09375 0.125 2\n"},
    /* AdamW shrinks first, by 1 - 0.01*0.1 = 0.999, then takes Adam's step on
     * the gradient alone: the states are Adam's above. p = 0.999 - 0.01*0.5/(0.5 +
     * 1e-8) = 0.989; p = 0.989*0.999 - (0.01/0.19)*0.07/sqrt(0.00031225/0.001999)
     * = 0.988011 - 0.0093218 = 0.9786892 */
    {"adamw state", "trace adamw --lr=0.01 --weight_decay=0.1 --state", "1\n0.5\n0.25\n",
     "# param[0] exp_avg[0] exp_avg_sq[0] step\n0.989000022 0.0500000007 0.000250000012 1\n"
     "0.978689253 0.0700000003 0.00031225002 2\n"},
    /* Every state, in PyTorch's order: at betas (0.5, 0.5) max_exp_avg_sq keeps
     * 0.125: p = 0.989*0.999 - (0.01/0.75)*0.25/sqrt(0.125/0.75) = 0.9798460 */
    {"adamw every state", "trace adamw --lr=0.01 --weight_decay=0.1 --betas=0.5,0.5 --amsgrad --state",
     "1\n0.5\n0.25\n",
     "# param[0] exp_avg[0] exp_avg_sq[0] max_exp_avg_sq[0] step\n0.989000022 0.25 0.125 0.125 1\n"
     "0.97984612 0.25 0.09375 0.125 2\n"},
    /* Zero gradients: Adam moves nothing, the decay alone shrinks: 0.99, 0.9801 */
    {"adamw decay alone", "trace adamw --lr=0.1 --weight_decay=0.1", "1 -2\n0 0\n0 0\n",
     "0.99000001 -1.98000002\n0.980100036 -1.96020007\n"},
    /* Adafactor, one number, PyTorch's defaults: at t = 1 the variance is
     * g^2 = 0.25 and the update g/|g| = 1, p = 1 - 0.01. At t = 2 variance =
     * 0.25 + 2^-0.8 * (0.0625 - 0.25) = 0.1423095292, the update 0.25 /
     * sqrt(0.1423095292) = 0.6627092275, p = 0.99 - 0.0099 * 0.6627092275 =
     * 0.9834391786 (each printed as the float32 nearest it). */
    {"adafactor state", "trace adafactor --state", "1\n0.5\n0.25\n",
     "# param[0] variance[0] step\n0.99000001 0.25 1\n0.983439207 0.142309532 2\n"},
    /* A 2 x 2 matrix: g = [[1, 2], [2, 4]] has g^2 of rank one, row and column
     * means 2.5 and 10, and the estimate is g^2 itself: every weight moves
     * by lr. Then g = [[2, 0], [0, 0]] at weight 2^-0.8: row_var = col_var =
     * [2.212825411, 4.256508225], and only the first weight moves, by 0.0099
     * * 2 / sqrt(2.212825411^2 / 3.234666818) to 0.9739071554. */
    {"adafactor matrix state", "trace adafactor --shape=2,2 --state", "1 1 1 1\n1 2 2 4\n2 0 0 0\n",
     "# param[0] param[1] param[2] param[3] row_var[0] row_var[1] col_var[0] col_var[1] step\n"
     "0.99000001 0.99000001 0.99000001 0.99000001 2.5 10 2.5 10 1\n"
     "0.973907173 0.99000001 0.99000001 0.99000001 2.2128253 4.25650835 2.2128253 4.25650835 2\n"},
    /* Clipping: g = diag(3, 1) gives V = [[8.1, 0.9], [0.9, 0.1]], updates
     * 3/sqrt(8.1) and 1/sqrt(0.1) of RMS 5/3, so the step is 0.01 * 3/5:
     * 1 - 0.006 * 1.054092553 = 0.9936754447, 1 - 0.006 * 3.162277660 =
     * 0.9810263340. */
    {"adafactor clipping", "trace adafactor --shape=2,2", "1 1 1 1\n3 0 0 1\n", "0.99367547 1 1 0.981026351\n"},
    /* Lion, lr 0.1: c = 0.1 g at t = 1, so both weights step by lr against
     * their gradients, and exp_avg = 0.01 g = 0.005. Then c = 0.9 * 0.005 +
     * 0.1 g: -0.0205 for g = -0.25, whose weight steps back up to 1, and
     * 0.0545 for g = 0.5; exp_avg = 0.00495 + 0.01 g. No step column. */
    {"lion state", "trace lion --lr=0.1 --state", "1 -1\n0.5 0.5\n-0.25 0.5\n",
     "# param[0] param[1] exp_avg[0] exp_avg[1]\n0.899999976 -1.10000002 0.00499999989 0.00499999989\n"
     "1 -1.20000005 0.00245000003 0.00994999986\n"},
    /* Zero gradients after real ones: c = 0.9 exp_avg is not 0, and Lion
     * keeps stepping by lr while exp_avg decays by 0.99 a step. */
    {"lion coasts", "trace lion --lr=0.1 --state", "1 -2\n1 -1\n0 0\n0 0\n",
     "# param[0] param[1] exp_avg[0] exp_avg[1]\n0.899999976 -1.89999998 0.00999999978 -0.00999999978\n"
     "0.799999952 -1.79999995 0.00989999995 -0.00989999995\n"
     "0.699999928 -1.69999993 0.00980100036 -0.00980100036\n"},
    /* Zero gradients from the start: c = 0, no step; the decay alone acts,
     * 1 - 0.1 * 0.5 = 0.95 a step. */
    {"lion decay alone", "trace lion --lr=0.1 --weight_decay=0.5", "1 -2\n0 0\n0 0\n",
     "0.949999988 -1.89999998\n0.902499974 -1.80499995\n"},
    /* 1 - 0.1*0.5 = 0.95, then 0.95 - 0.1*(-1) = 1.05 */
    {"by hand", "trace sgd --lr=0.1", "1\n0.5\n-1\n", "0.949999988\n1.04999995\n"},
    /* blank lines and comments are skipped; no gradient lines, no output */
    {"no gradients", "trace sgd", "# start\n\n1 2\n", ""},
    /* lr 1 and gradient 1: each element goes down by one */
    {"shape", "trace sgd --lr=1 --shape=2,2", "1 2 3 4\n1 1 1 1\n", "0 1 2 3\n"},
    /* CRLF and a CR alone each end a line as LF does; the numbers are "by hand"'s. */
    {"CRLF", "trace sgd --lr=0.1", "1\r\n0.5\r\n-1\r\n", "0.949999988\n1.04999995\n"},
    {"CR", "trace sgd --lr=0.1", "1\r0.5\r-1\r", "0.949999988\n1.04999995\n"},
    {"mixed line ends", "trace sgd --lr=0.1", "1\r\n# c\r\r0.5\n-1", "0.949999988\n1.04999995\n"},
    {"byte-order mark", "trace sgd --lr=0.1", "\xEF\xBB\xBF" "1\n0.5\n-1\n", "0.949999988\n1.04999995\n"},
    {"byte-order mark on a blank line", "trace sgd --lr=0.1", "\xEF\xBB\xBF \n1\n0.5\n-1\n",
     "0.949999988\n1.04999995\n"},
    {"byte-order mark on a blank line, clip", "clip --max_norm=1", "\xEF\xBB\xBF\t\n3 4\n",
     "0.599999905 0.799999833\n5\n"},
    /* A comment may be any UTF-8 text. */
    {"UTF-8 comment", "trace sgd --lr=0.1", "# \xce\xb2 = 0.9, \xe2\x86\x92 \xf0\x9f\x98\x80\n1\n0.5\n",
     "0.949999988\n"},
};

START_TEST(test_trace_output)
{
    ProgramRun run = optlab(TRACE_OUTPUTS[_i].args, TRACE_OUTPUTS[_i].input);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", TRACE_OUTPUTS[_i].name, run.status, run.err);
    ck_assert_msg(strcmp(run.out, TRACE_OUTPUTS[_i].output) == 0, "%s: optlab %s printed:\n%s",
                  TRACE_OUTPUTS[_i].name, TRACE_OUTPUTS[_i].args, run.out);
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_momentum_state)
{
    /* momentum 0 (the default) keeps no buffer, as in PyTorch. */
    ProgramRun run = optlab_ok("trace sgd --lr=0.1 --dampening=0.5 --state", "1\n0.5\n",
                               (const char *[]){"keeps no state", NULL});
    ck_assert(strstr(run.out, "momentum_buffer") == NULL);
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_state_columns)
{
    ProgramRun run = optlab_ok("trace sgd --lr=0.1 --state", "1 2\n0 0\n",
                               (const char *[]){"keeps no state", "\n1 2\n", NULL});
    ck_assert_msg(strncmp(run.out, "# param[0] param[1]", 19) == 0, "%s", run.out);
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_adam8bit_state)
{
    /* 8-bit Adam on 6 numbers in blocks of 4: a block and a tail of 2. The
     * codes print as integers; absmax1 and absmax2 have a number per block.
     * At t = 1 from 0 the largest m of each block, 0.1 max|g|, is stored as
     * code 255 (+1) or 0 (-0.99), and v's largest as 255. */
    ProgramRun run = optlab_ok("trace adam8bit --block_size=4 --min_8bit_size=0 --state",
                               "1 2 3 4 5 6\n0.1 -0.2 0.3 -0.4 0.5 0.6\n",
                               (const char *[]){"# param[0]", " state1[5] state2[0]", " absmax1[1] absmax2[0]",
                                                " absmax2[1] step\n", NULL});
    const char *row = strchr(run.out, '\n') + 1;
    float p[6];
    unsigned c1[6], c2[6];
    float a1[2], a2[2];
    int step, n = sscanf(row, "%g %g %g %g %g %g %u %u %u %u %u %u %u %u %u %u %u %u %g %g %g %g %d",
                         &p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &c1[0], &c1[1], &c1[2], &c1[3], &c1[4],
                         &c1[5], &c2[0], &c2[1], &c2[2], &c2[3], &c2[4], &c2[5], &a1[0], &a1[1], &a2[0],
                         &a2[1], &step);
    ck_assert_int_eq(n, 23);
    ck_assert_int_eq(step, 1);
    ck_assert(c1[3] == 0 && c2[3] == 255 && c1[5] == 255 && c2[5] == 255);
    ck_assert_close(a1[0], 0.04, 0, 1e-5);   /* 0.1 * 0.4: 1 - beta1 in float32 */
    ck_assert_close(a1[1], 0.06, 0, 1e-5);
    /* Each p moves by lr = 1e-3 against its gradient's sign (t = 1). */
    const float g[6] = {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, 0.6f};
    for (int i = 0; i < 6; i++) ck_assert_close(p[i], (i + 1) - (g[i] > 0 ? 1e-3 : -1e-3), 0, 1e-6);
    program_run_free(&run);
    /* Under min_8bit_size (4096 by default) the same numbers keep float32
     * moments and no absmax. */
    run = optlab_ok("trace adam8bit --block_size=4 --state", "1 2\n0.1 -0.2\n",
                    (const char *[]){"# param[0] param[1] state1[0] state1[1] state2[0] state2[1] step\n",
                                     NULL});
    program_run_free(&run);
}
END_TEST

START_TEST(test_adam8bit_refusals)
{
    /* bitsandbytes' ValueErrors, through optlab: exit 2, one line. */
    static const Refusal refusals[] = {
        {"trace adam8bit --amsgrad=true", "1\n1\n", "Adam8bit does not support amsgrad=True"},
        {"trace adam8bit --optim_bits=8", "1\n1\n", "Adam8bit only supports optim_bits=32"},
        {"trace adam8bit --lr=-0.1", "1\n1\n", "Invalid learning rate: -0.1"},
        {"trace adam8bit --eps=-1", "1\n1\n", "Invalid epsilon value: -1"},
        {"trace adam8bit --betas=0.9,1", "1\n1\n", "Invalid beta parameter at index 1: 1"},
        {"trace adam8bit --weight_decay=-1", "1\n1\n", "Invalid weight_decay value: -1"},
        {"trace adam8bit --block_size=0", "1\n1\n", "blocksize must be positive, got 0"},
        {"trace adam8bit --block_size=-256", "1\n1\n", "blocksize must be positive, got -256"},
        {"trace adam8bit --block_size=2.5", "1\n1\n", "block_size"},
        {"trace adam8bit --min_8bit_size=x", "1\n1\n", "min_8bit_size"},
        {"trace adam8bit --maximize=true", "1\n1\n", "unknown option 'maximize'"},
        {"trace adam8bit --block_size=4 --min_8bit_size=0", "1 2\n0.1 nan\n", "not a finite"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
}
END_TEST

START_TEST(test_list)
{
    /* Every optimizer by both its names, and the keywords of torch.optim.SGD
     * and those only torch.optim.RMSprop, torch.optim.Adam (and AdamW) and
     * torch.optim.Adafactor have, with its eps=(None, 1e-3); and those of
     * bitsandbytes.optim.Adam8bit (lesson 10). */
    ProgramRun run = optlab_ok("list", NULL, (const char *[]){"--weight_decay", "--maximize", "--momentum",
                                                              "--dampening", "--nesterov", "--alpha",
                                                              "--centered", "--betas", "--amsgrad",
                                                              "--beta2_decay", "--d ", "None,0.001",
                                                              "--min_8bit_size", "--block_size",
                                                              "--optim_bits", NULL});
    for (int i = 0; REGISTRY[i]; i++) {
        ck_assert(strstr(run.out, REGISTRY[i]->name) != NULL);
        ck_assert(strstr(run.out, REGISTRY[i]->torch_name) != NULL);
    }
    /* Lion (lesson 09), by its authors' class, with their default betas. */
    ck_assert_msg(strstr(run.out, "\nlion ") && strstr(run.out, "lion_pytorch.Lion") &&
                      strstr(run.out, "(default 0.9,0.99)"), "%s", run.out);
    program_run_free(&run);
    /* and it races, with a setting of its own */
    run = optlab_ok("race --problem=rosenbrock --opt=lion:lr=0.01,lion:lr=0.01:betas=0.95,0.98 --steps=50",
                    NULL, (const char *[]){"lion lr=0.01", "lion lr=0.01 betas=0.95,0.98", NULL});
    program_run_free(&run);
}
END_TEST

/* The final loss on race's line for `label` (the table's first column). */
/* Where the numbers of `label`'s line of race's table begin. */
static const char *race_numbers(const char *out, const char *label)
{
    char start[80];
    snprintf(start, sizeof start, "\n%s  ", label);   /* the label, then its padding */
    const char *line = strstr(out, start);
    ck_assert_msg(line != NULL, "no line for %s in:\n%s", label, out);
    return line + strlen(start);
}

static double race_final_loss(const char *out, const char *label)
{
    return strtod(race_numbers(out, label), NULL);
}

/* The best loss on that line: the number after the final loss. */
static double race_best_loss(const char *out, const char *label)
{
    char *end;
    strtod(race_numbers(out, label), &end);
    return strtod(end, NULL);
}

START_TEST(test_race)
{
    ProgramRun run = optlab_ok("race --problem=ravine --kappa=10 --opt=sgd:lr=0.5,sgd:lr=2.5 --steps=300", NULL,
                               (const char *[]){"sgd lr=0.5", "sgd lr=2.5", "diverged: the loss after", NULL});
    /* only the second diverged */
    ck_assert(strstr(strstr(run.out, "sgd lr=0.5"), "diverged") > strstr(run.out, "sgd lr=2.5"));
    /* At lr 0.5 each coordinate shrinks every step: the loss only falls, so
     * the best loss is the final one, the loss after the last step. */
    ck_assert_double_eq(race_best_loss(run.out, "sgd lr=0.5"), race_final_loss(run.out, "sgd lr=0.5"));
    program_run_free(&run);
    /* Momentum's keys pass through race's NAME:key=value entries too. */
    run = optlab_ok("race --problem=ravine --kappa=100 --opt=sgd:lr=1.9,sgd:lr=3.3:momentum=0.67 --steps=100",
                    NULL, (const char *[]){"sgd lr=3.3 momentum=0.67", NULL});
    program_run_free(&run);
    /* A tuple's comma stays inside its entry: betas=0.9,0.99 is one setting. */
    run = optlab_ok("race --problem=rosenbrock --opt=adam:lr=0.05,adam:lr=0.05:betas=0.9,0.99:amsgrad --steps=50",
                    NULL, (const char *[]){"adam lr=0.05 betas=0.9,0.99 amsgrad", NULL});
    ck_assert(race_final_loss(run.out, "adam lr=0.05") !=
              race_final_loss(run.out, "adam lr=0.05 betas=0.9,0.99 amsgrad"));
    program_run_free(&run);
    /* A classifier's race shows a test accuracy. */
    run = optlab_ok("race --problem=softmax --opt=sgd:lr=0.5 --steps=50 --batch=64", NULL,
                    (const char *[]){"%", NULL});
    program_run_free(&run);
}
END_TEST

START_TEST(test_race_plot)
{
    /* A directory whose name has a space and a quote: the path goes through a
     * shell here and into a gnuplot script there. */
    char dir[512], plot_dir[600], flag[700], quoted[3000], args[3200], path[800];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(plot_dir, sizeof plot_dir, "%s/the race's plots", dir);
    ck_assert(mkdir(plot_dir, 0777) == 0);
    snprintf(flag, sizeof flag, "--plot=%s/race.svg", plot_dir);
    snprintf(args, sizeof args, "race --problem=rosenbrock --opt=sgd:lr=0.001 --steps=20 %s",
             shell_quote(flag, quoted, sizeof quoted));
    setenv("OPTIMIZERS_NO_GNUPLOT", "1", 1);
    ProgramRun run = optlab(args, NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    snprintf(path, sizeof path, "%s/race.gp", plot_dir);
    char *script = read_text_file(path);
    ck_assert_msg(script != NULL, "no %s", path);
    /* Rosenbrock's start (-1.2, 1): 2.2^2 + 100 (1 - 1.44)^2 = 24.2 */
    ck_assert_msg(strstr(script, "$racer0 << EOD\n0 24.2") != NULL, "%s", script);
    ck_assert(strstr(script, "set output 'race.svg'") != NULL);
    free(script);
    program_run_free(&run);
    remove_tree(dir);
}
END_TEST

START_TEST(test_runs_from_a_directory_with_a_space)
{
    /* A clone under "/tmp/with space/" runs its programs from there: a copy of
     * optlab in such a directory must run, through the tests' own helpers. */
    char dir[512], bin[700], from[2100], to[2100], cmd[4500];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(bin, sizeof bin, "%s/with space, it's", dir);
    ck_assert(mkdir(bin, 0777) == 0);
    snprintf(cmd, sizeof cmd, "cp %s %s", shell_quote(OPTIMIZERS_BIN_DIR "/optlab", from, sizeof from),
             shell_quote(bin, to, sizeof to));
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    program_command(cmd, sizeof cmd, bin, "optlab", "trace sgd --lr=0.1");
    ProgramRun run;
    ck_assert(run_program(cmd, "1\n0.5\n", &run) == 0);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", cmd, run.status, run.err);
    ck_assert_str_eq(run.out, "0.949999988\n");
    program_run_free(&run);
    remove_tree(dir);
}
END_TEST

START_TEST(test_bare_booleans)
{
    /* --nesterov alone means --nesterov=true, as --quick does in the lessons. */
    const char *input = "1\n0.5\n0.25\n";
    ProgramRun bare = optlab("trace sgd --lr=0.1 --momentum=0.9 --nesterov", input);
    ProgramRun on = optlab("trace sgd --lr=0.1 --momentum=0.9 --nesterov=true", input);
    ProgramRun off = optlab("trace sgd --lr=0.1 --momentum=0.9 --nesterov=false", input);
    ck_assert_msg(bare.status == 0, "%s", bare.err);
    ck_assert_str_eq(bare.out, on.out);
    ck_assert_str_ne(bare.out, off.out);
    program_run_free(&bare);
    program_run_free(&on);
    program_run_free(&off);
    /* In a race entry too: sgd:momentum=0.9:nesterov. */
    ProgramRun race = optlab("race --problem=ravine --opt=sgd:momentum=0.9:nesterov,sgd:momentum=0.9 --steps=20", NULL);
    ck_assert_msg(race.status == 0, "%s", race.err);
    ck_assert_msg(race_final_loss(race.out, "sgd momentum=0.9 nesterov") !=
                  race_final_loss(race.out, "sgd momentum=0.9"), "nesterov made no difference: %s", race.out);
    program_run_free(&race);
}
END_TEST

START_TEST(test_help_anywhere)
{
    /* --help or -h wins wherever it stands, even after a bad flag. */
    static const Help helps[] = {
        {"--help", {"usage: optlab list", "Limits: trace takes at most 65536 parameters", "100000 steps"}},
        {"list -h", {"usage: optlab list", "race runs at most 8", "1048576 bytes"}},
        {"trace --help", {"usage: optlab trace", "NAME is one of: sgd", "16777216 numbers in all"}},
        {"trace adamw --help", {"adamw (torch.optim.AdamW) settings:", "param *= 1 - lr * weight_decay (default 0.01)",
                                "--amsgrad"}},
        {"trace sgd --help", {"usage: optlab trace", "--momentum", "--nesterov               Nesterov momentum (default false)"}},
        {"trace lion --help", {"lion (lion_pytorch.Lion) settings:", "(default 0.0001)", "(default 0.9,0.99)"}},
        {"trace sgd --lr=x --shape=0 -h", {"usage: optlab trace", "--lr", "Limits: at most 65536 parameters"}},
        {"race --steps=x --help", {"usage: optlab race", "--steps                  steps per optimizer (1..100000, default 200)", "(0..65536, default 32)"}},
        {"race --bogus -h", {"usage: optlab race", "a bare boolean key means true", "At most 8 entries"}},
    };
    assert_helps(helps, TABLE_SIZE(helps));
}
END_TEST

/* ---- bad input: one clear message, exit status 2 ------------------------------------- */

static void assert_optlab_refuses(const char *args, const char *input, const char *expected)
{
    assert_program_refuses("optlab", args, input, expected);
}

START_TEST(test_unreadable_input_is_not_no_input)
{
    /* Standard input a directory: reading it fails (EISDIR), which trace
     * and clip say, rather than taking it for an empty input. */
    const char *commands[] = {"trace sgd < /", "clip --max_norm=1 < /"};
    for (int i = 0; i < 2; i++) {
        char cmd[20000];
        program_command_in_shell(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", commands[i]);
        ProgramRun run;
        ck_assert(run_program(cmd, NULL, &run) == 0);
        ck_assert_msg(run.status == 2, "%s: exit %d", cmd, run.status);
        ck_assert_msg(strstr(run.err, "cannot read standard input: Is a directory") != NULL, "%s: %s", cmd,
                      run.err);
        program_run_free(&run);
    }
}
END_TEST

START_TEST(test_lost_output_is_an_error)
{
    /* Standard output on a full device (or closed): what was printed is
     * lost, so the command must not exit 0; it says why, with status 1. */
    const char *commands[] = {"list > /dev/full", "schedule cosine --T_max=5 --steps=5 > /dev/full", "list >&-"};
    for (int i = 0; i < 3; i++) {
        char cmd[20000];
        program_command_in_shell(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", commands[i]);
        ProgramRun run;
        ck_assert(run_program(cmd, NULL, &run) == 0);
        ck_assert_msg(run.status == 1, "%s: exit %d", cmd, run.status);
        ck_assert_msg(strstr(run.err, "optlab: cannot write standard output: ") != NULL, "%s: %s", cmd, run.err);
        program_run_free(&run);
    }
}
END_TEST

START_TEST(test_trace_stops_at_a_step_that_is_not_finite)
{
    /* Settings and numbers each accepted on their own can still drive a step
     * to NaN or inf, as they would in PyTorch: the replay prints the steps
     * before it, then stops with status 2 and names the step and the number. */
    static const struct {
        const char *args, *input, *before, *message;
    } cases[] = {
        /* step 2: -1e29 - 1e30 * 1e30 */
        {"trace sgd --lr=1e30", "1 2 3\n0.1 0 0\n1e30 1 1\n", "-1.00000002e+29 2 3\n",
         "step 2: param[0] became -inf"},
        /* 0 / (sqrt(0) + 0) */
        {"trace adam --eps=0", "1 2 3\n0 0 0\n", "", "step 1: param[0] became NaN"},
        {"trace adam8bit --eps=0 --min_8bit_size=0", "1 2\n0 0\n", "", "step 1: param[0] became NaN"},
        /* (1e20)^2 overflows float32 in Adafactor's variance */
        {"trace adafactor", "1 2 3\n1e20 1 1\n", "", "step 1: param[0] became NaN"},
        /* the parameter is finite in float32, not in bf16 */
        {"trace adamw_bf16", "3.4e38 1\n0 0\n", "", "step 1: param[0] became inf"},
        /* the parameter stays finite (m / sqrt(inf) is 0), the state does not */
        {"trace adam --state", "1 2\n1 3e38\n", "# param[0]", "step 1: exp_avg_sq[1] became inf"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ProgramRun run = optlab(cases[k].args, cases[k].input);
        ck_assert_msg(run.status == 2, "optlab %s: exit %d", cases[k].args, run.status);
        ck_assert_msg(strstr(run.err, cases[k].message), "optlab %s: '%s' lacks '%s'", cases[k].args, run.err,
                      cases[k].message);
        ck_assert_msg(strncmp(run.out, cases[k].before, strlen(cases[k].before)) == 0 &&
                      (cases[k].before[0] == '#' || strlen(run.out) == strlen(cases[k].before)),
                      "optlab %s printed '%s'", cases[k].args, run.out);
        ck_assert_msg(strchr(run.err, '\n') == run.err + strlen(run.err) - 1, "not one line: %s", run.err);
        program_run_free(&run);
    }
}
END_TEST

START_TEST(test_clip_says_when_the_norm_overflows)
{
    /* Finite gradients whose squares overflow float32: PyTorch's total norm
     * is inf and every gradient becomes 0; we print the same, and say so. */
    ProgramRun run = optlab("clip --max_norm=1", "3e38 3e38 3e38\n1 2\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert_str_eq(run.out, "0 0 0\n0 0\ninf\n");
    ck_assert_msg(strstr(run.err, "the total norm is inf") != NULL, "stderr: %s", run.err);
    program_run_free(&run);
    run = optlab("clip --max_norm=1", "3 4\n");   /* an ordinary norm: nothing on stderr */
    ck_assert_int_eq(run.status, 0);
    ck_assert_str_eq(run.err, "");
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_refuses_bad_input)
{
    static const Refusal refusals[] = {
        {"trace adamx", "1\n", "unknown optimizer 'adamx'"},
        {"trace", "1\n", "which optimizer"},
        {"trace sgd --momentun=0.9", "1\n", "unknown option 'momentun'"},
        {"trace sgd --lr=abc", "1\n", "not a finite float32 number"},
        {"trace sgd --lr=1e39", "1\n", "not a finite float32 number"},
        {"trace sgd --lr=-1", "1\n", "Invalid learning rate"},
        {"trace sgd --weight_decay=-0.1", "1\n", "Invalid weight_decay"},
        {"trace sgd --maximize=yes", "1\n", "not true or false"},
        {"trace sgd --momentum=-0.9", "1\n", "Invalid momentum value"},
        {"trace sgd --nesterov=true", "1\n", "Nesterov momentum requires a momentum and zero dampening"},
        {"trace sgd --momentum=0.9 --dampening=0.1 --nesterov=true", "1\n", "Nesterov momentum requires"},
        {"trace sgd --momentum=nan", "1\n", "not a finite float32 number"},
        {"trace sgd --lr", "1\n", "needs a value"},
        {"trace sgd lr=0.1", "1\n", "unexpected argument"},
        {"trace sgd", "", "no input"},
        {"trace sgd", "1 2\n0.1\n", "line 2: expected 2 numbers"},
        {"trace sgd", "1 2\n0.1 0.2\n0.1 0.2 0.3\n", "line 3: expected 2 numbers"},
        {"trace sgd", "1 2\n0.1 x\n", "line 2: 'x' is not a finite float32 number"},
        {"trace sgd", "1 nan\n", "line 1: 'nan' is not a finite float32 number"},
        {"trace sgd", "1 2\ninf 0\n", "'inf' is not a finite float32 number"},
        {"trace sgd", "1 2\n1e39 0\n", "'1e39' is not a finite float32 number"},
        {"trace sgd --shape=3,2", "1 2\n", "--shape has 6 elements"},
        {"trace sgd --shape=0,2", "1 2\n", "--shape"},
        {"trace sgd --shape=2,x", "1 2\n", "--shape"},
        /* torch.optim.RMSprop's checks, with its messages */
        {"trace rmsprop --alpha=-0.5", "1\n", "Invalid alpha value: -0.5"},
        {"trace rmsprop --eps=-1e-8", "1\n", "Invalid epsilon value: -1e-08"},
        {"trace rmsprop --momentum=-0.9", "1\n", "Invalid momentum value: -0.9"},
        {"trace rmsprop --alpha=1.5", "1\n", "Invalid alpha value: 1.5 (it must be <= 1"},
        {"trace rmsprop --centered=maybe", "1\n", "not true or false"},
        {"trace rmsprop --alpha=nan", "1\n", "not a finite number"},
        {"trace rmsprop --nesterov", "1\n", "unknown option 'nesterov'"},
        /* torch.optim.Adam's checks, with its messages, and a pair that is not one */
        {"trace adam --lr=-1", "1\n", "Invalid learning rate: -1"},
        {"trace adam --eps=-1e-8", "1\n", "Invalid epsilon value: -1e-08"},
        {"trace adam --betas=1,0.999", "1\n", "Invalid beta parameter at index 0: 1"},
        {"trace adam --betas=0.9,1", "1\n", "Invalid beta parameter at index 1: 1"},
        {"trace adam --weight_decay=-0.1", "1\n", "Invalid weight_decay value: -0.1"},
        {"trace adam --betas=0.9", "1\n", "--betas: '0.9' is not two finite numbers a,b"},
        {"trace adam --amsgrad=maybe", "1\n", "not true or false"},
        {"trace adam --alpha=0.9", "1\n", "unknown option 'alpha'"},
        /* torch.optim.AdamW's are Adam's */
        {"trace adamw --lr=-1", "1\n", "Invalid learning rate: -1"},
        {"trace adamw --eps=-1e-8", "1\n", "Invalid epsilon value: -1e-08"},
        {"trace adamw --betas=0.9,1", "1\n", "Invalid beta parameter at index 1: 1"},
        {"trace adamw --weight_decay=-0.01", "1\n", "Invalid weight_decay value: -0.01"},
        {"trace adamw --weight_decay=nan", "1\n", "not a finite float32 number"},
        {"trace adamw --momentum=0.9", "1\n", "unknown option 'momentum'"},
        /* torch.optim.Adafactor's checks, with its messages; eps is a pair whose
         * first may be None */
        {"trace adafactor --lr=-1", "1\n", "Learning rate should be >= 0 but is: -1"},
        {"trace adafactor --beta2_decay=0.5", "1\n", "beta2_decay should be <= 0 but is: 0.5"},
        {"trace adafactor --eps=-1,0.001", "1\n", "epsilon1 should be >= 0 but is: -1"},
        {"trace adafactor --eps=None,-1", "1\n", "epsilon2 should be >= 0 but is: -1"},
        {"trace adafactor --d=0.5", "1\n", "Clipping threshold d should be >= 1 but is: 0.5"},
        {"trace adafactor --weight_decay=-0.1", "1\n", "weight_decay should be >= 0 but is: -0.1"},
        {"trace adafactor --eps=0.001", "1\n", "--eps: '0.001' is not two finite numbers a,b (a may be None)"},
        {"trace adafactor --eps=1e-30,None", "1\n", "is not two finite numbers a,b (a may be None)"},
        {"trace adafactor --betas=0.9,0.999", "1\n", "unknown option 'betas'"},
        {"trace adafactor --shape=2,3", "1 2 3 4 5\n", "--shape has 6 elements but the first line has 5"},
        /* Lion's checks, with its authors' messages (and torch.optim's for a
         * negative weight_decay, which they do not check) */
        {"trace lion --lr=-1", "1\n", "Invalid learning rate: -1"},
        {"trace lion --betas=1,0.99", "1\n", "Invalid beta parameter at index 0: 1"},
        {"trace lion --betas=-0.5,0.99", "1\n", "Invalid beta parameter at index 0: -0.5"},
        {"trace lion --betas=0.9,1", "1\n", "Invalid beta parameter at index 1: 1"},
        {"trace lion --weight_decay=-0.1", "1\n", "Invalid weight_decay value: -0.1"},
        {"trace lion --betas=0.9", "1\n", "--betas: '0.9' is not two finite numbers a,b"},
        {"trace lion --eps=1e-8", "1\n", "unknown option 'eps'"},
        {"trace lion --maximize", "1\n", "unknown option 'maximize'"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
}
END_TEST

START_TEST(test_other_commands_refuse_bad_input)
{
    static const Refusal refusals[] = {
        {"", NULL, "usage"},
        {"dance", NULL, "unknown command 'dance'"},
        {"list extra", NULL, "takes no arguments"},
        {"race --opt=sgd", NULL, "--problem is required"},
        {"race --problem=ravine", NULL, "--opt is required"},
        {"race --problem=everest --opt=sgd", NULL, "unknown problem 'everest'"},
        /* bad input that quotes the words memory failures begin with is still bad input */
        {"race --problem='out of memory' --opt=sgd", NULL, "unknown problem 'out of memory'"},
        {"race --problem=ravine --opt=sgd,nadam", NULL, "unknown optimizer 'nadam'"},
        {"race --problem=ravine --opt=sgd:lr=-2", NULL, "Invalid learning rate"},
        {"race --problem=ravine --opt=lion:betas=1,0.99", NULL, "Invalid beta parameter at index 0: 1"},
        {"race --problem=ravine --opt=sgd --steps=0", NULL, "--steps must be at least 1"},
        {"race --problem=ravine --opt=sgd --kappa=0.5", NULL, "kappa"},
        {"race --problem=mlp --opt=sgd --kappa=100", NULL, "--kappa shapes only --problem=ravine"},
        {"race --problem=rosenbrock --opt=sgd --kappa=10", NULL, "--kappa shapes only --problem=ravine"},
        {"race --problem=saddle --opt=sgd --batch=8", NULL,
         "--batch: saddle is a plain function, with no examples to batch"},
        {"race --problem=ravine --opt=sgd,,adam", NULL, "--opt=sgd,,adam: an empty entry"},
        {"race --problem=ravine --opt=sgd,", NULL, "--opt=sgd,: an empty entry"},
        {"race --problem=ravine --opt=,adam", NULL, "--opt=,adam: an empty entry"},
        {"race --problem=ravine --opt=sgd --kappa=1e80", NULL, "a condition number kappa from 1 to 1e+12"},
        {"race --problem=ravine --opt=sgd::lr=1", NULL, "an empty setting in 'sgd::lr=1'"},
        {"race --problem=ravine --opt=sgd --seed=-1", NULL, "--seed must be at least 0 (got -1)"},
        {"race --problem=ravine --opt=sgd:lr=1:", NULL, "an empty setting in 'sgd:lr=1:'"},
        {"race --problem=ravine --opt=:lr=1", NULL, "an empty setting"},
        {"race --problem=ravine --opt=sgd --bogus=1", NULL, "unknown flag '--bogus'"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
}
END_TEST

/* ---- limits: every input is bounded --------------------------------------------------- */

/* head, then `count` copies of piece, then tail (free it). */
static char *repeated(const char *head, const char *piece, size_t count, const char *tail)
{
    size_t h = strlen(head), p = strlen(piece), t = strlen(tail);
    char *text = malloc(h + p * count + t + 1);
    ck_assert_ptr_nonnull(text);
    memcpy(text, head, h);
    for (size_t i = 0; i < count; i++) memcpy(text + h + p * i, piece, p);
    memcpy(text + h + p * count, tail, t + 1);
    return text;
}

START_TEST(test_trace_shape_limits)
{
    /* --shape's product is checked as it grows: this one is 2^64, past any long. */
    static const Refusal refusals[] = {
        {"trace sgd --shape=65536,65536,65536,65536", "1\n", "has more than 65536 elements"},
        {"trace sgd --shape=257,256", "1\n", "has more than 65536 elements"},
        {"trace sgd --shape=99999999999999999999999", "1\n", "has more than 65536 elements"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
    /* 65536 parameters for 256 steps hold 2^24 numbers, all there may be. */
    char *row = repeated("", "0 ", 65536, "\n");
    char *input = repeated("", row, 257, "");
    assert_optlab_refuses("trace sgd", input, "line 257: more than 16777216 numbers in all");
    free(input);
    free(row);
}
END_TEST

/* Input of HEAD, COUNT copies of PIECE, then TAIL: each limit is taken and one
 * more is refused. `refusal` NULL: it must be taken (and print `lines` lines
 * when that is not 0). */
static const struct {
    const char *name, *args, *head, *piece;
    size_t count;
    const char *tail, *refusal;
    int lines;
} TRACE_LIMITS[] = {
    /* 65536 parameters are taken, 65537 are not. */
    {"65536 parameters", "trace sgd --shape=256,256", "", "0 ", 65536, "\n", NULL, 0},
    {"65537 parameters", "trace sgd", "", "0 ", 65537, "\n", "line 1: more than 65536 numbers", 0},
    /* A line of 1 MiB is taken, a longer one refused, wherever it is. */
    {"a line of 1 MiB", "trace sgd", "1", " ", 1048575, "\n", NULL, 0},
    {"a longer line", "trace sgd", "1\n1", " ", 1048576, "\n", "line 2: longer than 1048576 bytes", 0},
    /* 100000 steps are taken, one more is not. */
    {"100000 steps", "trace sgd", "1\n", "0\n", 100000, "", NULL, 100000},
    {"100001 steps", "trace sgd", "# start\n1\n", "0\n", 100001, "", "line 100003: more than 100000 steps", 0},
    /* A bad number is quoted short, however long it is. */
    {"a long bad number", "trace sgd", "1\n", "x", 500000, "\n",
     "line 2: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a finite", 0},
};

START_TEST(test_trace_limits)
{
    char *input = repeated(TRACE_LIMITS[_i].head, TRACE_LIMITS[_i].piece, TRACE_LIMITS[_i].count,
                           TRACE_LIMITS[_i].tail);
    if (TRACE_LIMITS[_i].refusal) {
        assert_optlab_refuses(TRACE_LIMITS[_i].args, input, TRACE_LIMITS[_i].refusal);
    } else {
        ProgramRun run = optlab(TRACE_LIMITS[_i].args, input);
        ck_assert_msg(run.status == 0, "%s: %s", TRACE_LIMITS[_i].name, run.err);
        int lines = 0;
        for (const char *c = run.out; *c; c++) lines += *c == '\n';
        ck_assert_msg(TRACE_LIMITS[_i].lines == 0 || lines == TRACE_LIMITS[_i].lines, "%s: %d lines",
                      TRACE_LIMITS[_i].name, lines);
        program_run_free(&run);
    }
    free(input);
}
END_TEST

/* `printf FORMAT | optlab ARGS`: input that a C string cannot carry (a NUL). */
static void assert_refused_printf(const char *format, const char *args, const char *expected)
{
    char optlab_cmd[4096], cmd[5000];
    program_command(optlab_cmd, sizeof optlab_cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
    snprintf(cmd, sizeof cmd, "(printf '%s' | %s)", format, optlab_cmd);
    assert_refused(cmd, NULL, expected);
}

START_TEST(test_trace_refuses_bytes_that_are_not_text)
{
    /* A NUL used to end the line silently, and the error blamed the next one. */
    assert_refused_printf("1\\n0.5\\000\\n-1\\n", "trace sgd", "line 2: has a NUL byte");
    assert_refused_printf("1\\r0.5\\r-1\\000\\r", "trace sgd", "line 3: has a NUL byte");
    assert_refused_printf("1\\n\\000", "trace sgd", "line 2: has a NUL byte");
    /* Bytes that are not UTF-8, in numbers or in comments; a CR-only input counts lines too. */
    static const Refusal refusals[] = {
        {"trace sgd", "1\n0.5 \xff\n", "line 2: is not UTF-8 text"},
        {"trace sgd", "1\n# \xc0\xaf overlong /\n", "line 2: is not UTF-8 text"},
        {"trace sgd", "1\r# \xed\xa0\x80 surrogate\r", "line 2: is not UTF-8 text"},
        {"trace sgd", "1\r0.5\r\xe2\x82\r", "line 3: is not UTF-8 text"},
        {"trace sgd", "1\r0.5\rx\r", "line 3: 'x' is not a finite float32 number"},
        {"trace sgd", "1 2\r\n0.1\r\n", "line 2: expected 2 numbers"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
}
END_TEST

START_TEST(test_duplicates_refused)
{
    static const Refusal refusals[] = {
        {"trace sgd --lr=0.1 --lr=0.2", "1\n", "--lr is given twice"},
        {"trace sgd --nesterov --momentum=0.9 --nesterov=false", "1\n", "--nesterov is given twice"},
        {"trace sgd --shape=1 --shape=1", "1\n", "--shape is given twice"},
        {"trace sgd --state --state=false", "1\n", "--state is given twice"},
        {"race --problem=ravine --problem=saddle --opt=sgd", NULL, "--problem is given twice"},
        {"race --problem=ravine --opt=sgd:lr=0.1:lr=0.2", NULL, "lr is given twice"},
        {"race --problem=ravine --opt=sgd,sgd:nesterov:momentum=0.9:nesterov", NULL, "nesterov is given twice"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
}
END_TEST

START_TEST(test_race_limits)
{
    static const Refusal refusals[] = {
        {"race --problem=ravine --opt=sgd --steps=100001", NULL, "--steps must be at most 100000"},
        {"race --problem=ravine --opt=sgd --steps=2000000000", NULL, "--steps must be at most 100000"},
        {"race --problem=ravine --opt=sgd --batch=65537", NULL, "--batch must be at most 65536"},
        {"race --problem=ravine --opt=sgd --batch=-1", NULL, "--batch must be at least 0"},
        {"race --problem=ravine --opt=sgd,sgd,sgd,sgd,sgd,sgd,sgd,sgd,sgd", NULL, "at most 8 optimizers"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
    /* The longest race allowed still runs (the ravine is cheap), and so does
     * the largest batch (on a problem with examples to batch). */
    ProgramRun run = optlab("race --problem=ravine --opt=sgd:lr=0.5 --steps=100000", NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    program_run_free(&run);
    run = optlab("race --problem=sparse --opt=sgd:lr=0.5 --steps=10 --batch=65536", NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    program_run_free(&run);
}
END_TEST

START_TEST(test_messages_quote_bad_input_briefly)
{
    /* @ stands for 100 000 x's; a message quotes the first 32 in under 300 bytes. */
    static const Refusal cases[] = {
        {"@", NULL, "unknown command"},
        {"trace @", "1\n", "unknown optimizer"},
        {"trace sgd --lr=@", "1\n", "not a finite float32 number"},
        {"trace sgd --@=1", "1\n", "unknown option"},
        {"trace sgd --shape=@", "1\n", "--shape"},
        {"trace sgd @", "1\n", "unexpected argument"},
        {"race --problem=@ --opt=sgd", NULL, "unknown problem"},
        {"race --problem=ravine --opt=@", NULL, "unknown optimizer"},
        {"race --problem=ravine --opt=sgd:lr=@", NULL, "not a finite float32 number"},
        {"race --steps=@", NULL, "not an integer"},
    };
    for (int i = 0; i < TABLE_SIZE(cases); i++)
        assert_refused_briefly("optlab", cases[i].args, cases[i].input, cases[i].expected, 300);
}
END_TEST

START_TEST(test_race_plot_refused_up_front)
{
    char dir[512], args[2000], path[1200];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    /* The directory must exist: it used to be created, after the table was printed. */
    snprintf(args, sizeof args, "race --problem=ravine --opt=sgd --plot=%s/missing/race.svg", dir);
    assert_optlab_refuses(args, NULL, "cannot write");
    snprintf(path, sizeof path, "%s/missing", dir);
    struct stat st;
    ck_assert_msg(stat(path, &st) != 0, "%s was created", path);
    snprintf(args, sizeof args, "race --problem=ravine --opt=sgd --plot=/proc/no/such/race.svg");
    assert_optlab_refuses(args, NULL, "No such file or directory");
    /* A file where the directory should be. */
    snprintf(path, sizeof path, "%s/file", dir);
    write_text_file(path, "");
    snprintf(args, sizeof args, "race --problem=ravine --opt=sgd --plot=%s/file/race.svg", dir);
    assert_optlab_refuses(args, NULL, "Not a directory");
    /* Only .svg and .pdf are drawn. */
    snprintf(args, sizeof args, "race --problem=ravine --opt=sgd --plot=%s/race.png", dir);
    assert_optlab_refuses(args, NULL, "must end in .svg or .pdf");
    snprintf(args, sizeof args, "race --problem=ravine --opt=sgd --plot=%s/", dir);
    assert_optlab_refuses(args, NULL, "must end in .svg or .pdf");
    /* Other bad input is found before the plot's file is touched. */
    snprintf(args, sizeof args, "race --problem=everest --opt=sgd --plot=%s/race.svg", dir);
    assert_optlab_refuses(args, NULL, "unknown problem");
    snprintf(path, sizeof path, "%s/race.gp", dir);
    ck_assert_msg(stat(path, &st) != 0, "%s was written", path);
    remove_tree(dir);
}
END_TEST

/* The tiny GPT races like any problem (gpt:quick here, to be quick): a
 * validation loss in place of a test accuracy, and its floor under the
 * table; a size that cannot be built is refused before any output, status 2. */
START_TEST(test_race_gpt)
{
    ProgramRun run = optlab_ok("race --problem=gpt:quick --opt=sgd:lr=0.3,adagrad:lr=0.03 --steps=20 --batch=8",
                               NULL, (const char *[]){"val loss", "sgd lr=0.3", "adagrad lr=0.03",
                                                      "floor (the best possible loss per character", NULL});
    program_run_free(&run);
    run = optlab("race --problem=gpt:n_head=3 --opt=sgd --steps=5", NULL);
    ck_assert_int_eq(run.status, 2);
    ck_assert_str_eq(run.out, "");
    ck_assert_msg(strstr(run.err, "n_head (3) must divide n_embd (64)") != NULL, "%s", run.err);
    program_run_free(&run);
}
END_TEST

/* ---- schedule: torch.optim.lr_scheduler's lrs, step by step (lesson 07) ---------------- */

/* Every case of tests/golden/schedules.txt through `optlab schedule`: its
 * settings as flags, --steps as many as it has lrs. Each line must be the
 * text of PyTorch's lr printed %.9g: lessons/07_schedules/test_schedules.c
 * shows the doubles agree to the last bit, so the texts are the same. */
START_TEST(test_schedule_matches_pytorch)
{
    ScheduleGoldenFile f;
    char path[2048], err[512], args[1024], want[64];
    snprintf(path, sizeof path, "%s/schedules.txt", golden_dir());
    ck_assert_msg(schedule_golden_load(path, &f, err, sizeof err) == 0, "%s", err);
    for (int k = 0; k < f.count; k++) {
        const ScheduleCase *c = &f.cases[k];
        int used = snprintf(args, sizeof args, "schedule %s", c->schedule);
        for (int i = 0; i < c->num_settings; i++)
            used += snprintf(args + used, sizeof args - (size_t)used, " --%s", c->settings[i]);
        snprintf(args + used, sizeof args - (size_t)used, " --steps=%d", c->steps);
        ProgramRun run = optlab_ok(args, NULL, NULL);
        const char *line = run.out;
        for (int t = 0; t < c->steps; t++) {
            const char *end = strchr(line, '\n');
            ck_assert_msg(end != NULL, "%s: %d lines, expected %d", c->name, t, c->steps);
            snprintf(want, sizeof want, "%.9g", c->series[0][t]);
            ck_assert_msg(strlen(want) == (size_t)(end - line) && strncmp(line, want, strlen(want)) == 0,
                          "%s, step %d: optlab %s printed '%.*s', PyTorch's lr is %s", c->name, t, args,
                          (int)(end - line), line, want);
            line = end + 1;
        }
        ck_assert_msg(*line == '\0', "%s: more than %d lines", c->name, c->steps);
        program_run_free(&run);
    }
    ck_assert_int_eq(f.count, 41);
    schedule_golden_free(&f);
}
END_TEST

/* Whole outputs, worked by hand. */
static const struct {
    const char *name, *args, *output;
} SCHEDULE_OUTPUTS[] = {
    /* PyTorch's LinearLR docstring: 0.025, 0.03125, 0.0375, 0.04375, then 0.05 */
    {"LinearLR", "schedule linear --lr=0.05 --start_factor=0.5 --total_iters=4 --steps=6",
     "0.025\n0.03125\n0.0375\n0.04375\n0.05\n0.05\n"},
    /* down to eta_min = 0 at T_max, and back up at 2 T_max */
    {"CosineAnnealingLR past T_max", "schedule cosine --lr=0.1 --T_max=2 --steps=5", "0.1\n0.05\n0\n0.05\n0.1\n"},
    /* 1 (it+1)/4, then 0.1 + 0.9 (1 + cos(pi (it-3)/2))/2, then 0.1 */
    {"nanoGPT", "schedule warmup_cosine --lr=1 --warmup_iters=3 --lr_decay_iters=5 --min_lr=0.1 --steps=7",
     "0.25\n0.5\n0.75\n1\n0.55\n0.1\n0.1\n"},
    /* LinearLR from 0.5 to 1 in 2 steps, then the cosine from 1, T_max 2, past it */
    {"SequentialLR", "schedule sequential --lr=1 --start_factor=0.5 --total_iters=2 --milestones=2 --T_max=2 --steps=7",
     "0.5\n0.75\n1\n0.5\n0\n0.5\n1\n"},
    /* 1/25 = 0.04 up to 1 and back in three steps each side of step 2, down
     * to 0.04/1e4 at step 5; step 6 (= total_steps) goes on below zero, as
     * PyTorch's does */
    {"OneCycleLR three phases, linear",
     "schedule onecycle --max_lr=1 --total_steps=6 --three_phase --pct_start=0.5 --anneal_strategy=linear --steps=7",
     "0.04\n0.52\n1\n0.52\n0.04\n4e-06\n-0.039992\n"},
};

START_TEST(test_schedule_output)
{
    ProgramRun run = optlab(SCHEDULE_OUTPUTS[_i].args, NULL);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", SCHEDULE_OUTPUTS[_i].name, run.status, run.err);
    ck_assert_msg(strcmp(run.out, SCHEDULE_OUTPUTS[_i].output) == 0, "%s: optlab %s printed:\n%s",
                  SCHEDULE_OUTPUTS[_i].name, SCHEDULE_OUTPUTS[_i].args, run.out);
    ck_assert_str_eq(run.err, "");
    program_run_free(&run);
}
END_TEST

START_TEST(test_schedule_help)
{
    static const Help helps[] = {
        {"schedule --help", {"usage: optlab schedule NAME [--key=value ...] --steps=N", "warmup_cosine", "1..1000000"}},
        {"schedule sequential -h", {"SequentialLR(optimizer, [LinearLR(optimizer, start_factor", "--milestones",
                                    "(required)"}},
        {"schedule onecycle --max_lr=x --help", {"--anneal_strategy        cos or linear (default cos)",
                                                 "--three_phase", "is not used"}},
        {"schedule steplr --help", {"NAME is one of", "linear", NULL}},
        {"--help", {"optlab schedule NAME [--key=value ...] --steps=N", "schedule prints at most 1000000 steps",
                    NULL}},
    };
    assert_helps(helps, TABLE_SIZE(helps));
}
END_TEST

START_TEST(test_schedule_refuses_bad_input)
{
    static const Refusal refusals[] = {
        {"schedule", NULL, "which schedule?"},
        {"schedule --steps=3", NULL, "which schedule?"},
        {"schedule steplr --steps=3", NULL, "unknown schedule 'steplr'"},
        {"schedule cosine --lr=0.1 --T_max=10", NULL, "--steps=N is required"},
        {"schedule cosine --T_max=10 --steps=0", NULL, "--steps must be at least 1 (got 0)"},
        {"schedule cosine --T_max=10 --steps=1000001", NULL, "--steps must be at most 1000000"},
        {"schedule cosine --T_max=10 --steps=x", NULL, "--steps: 'x' is not an integer"},
        {"schedule cosine --T_max=10 --steps", NULL, "--steps needs a value"},
        {"schedule cosine --T_max=10 --steps=3 --steps=4", NULL, "--steps is given twice"},
        {"schedule cosine --lr=0.1 --lr=0.2 --T_max=3 --steps=3", NULL, "lr is given twice"},
        {"schedule cosine T_max=3 --steps=3", NULL, "unexpected argument 'T_max=3'"},
        {"schedule cosine --steps=3", NULL, "missing 1 required positional argument: 'T_max'"},
        {"schedule cosine --T_max=0 --steps=3", NULL, "T_max must be a positive number of steps"},
        {"schedule cosine --T_max=3 --lr=-0.1 --steps=3", NULL, "Invalid learning rate: -0.1"},
        {"schedule cosine --T_max=3 --lr=nan --steps=3", NULL, "--lr: 'nan' is not a finite number"},
        {"schedule cosine --T_max=3 --max_lr=1 --steps=3", NULL, "unknown option 'max_lr'"},
        {"schedule linear --start_factor=1.5 --steps=3", NULL,
         "Starting multiplicative factor expected to be between 0 and 1."},
        {"schedule linear --end_factor=2 --steps=3", NULL, "Ending multiplicative factor expected to be between 0 and 1."},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --steps=12", NULL,
         "Tried to step 12 times. The specified number of total steps is 10"},
        {"schedule onecycle --max_lr=0.1 --steps=3", NULL,
         "You must define either total_steps OR (epochs AND steps_per_epoch)"},
        {"schedule onecycle --max_lr=0.1 --total_steps=0 --steps=1", NULL,
         "Expected positive integer total_steps, but got 0"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --pct_start=1.5 --steps=3", NULL,
         "Expected float between 0 and 1 pct_start, but got 1.5"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --anneal_strategy=lin --steps=3", NULL,
         "anneal_strategy must by one of 'cos' or 'linear', instead got lin"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --pct_start=0.1 --steps=3", NULL, "float division by zero"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --pct_start=1 --steps=11", NULL, "float division by zero"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --lr=0.1 --steps=3", NULL, "unknown option 'lr'"},
        /* settings near a double's limit: the arithmetic overflows, Python's silently */
        {"schedule onecycle --max_lr=1e308 --total_steps=100 --div_factor=0.5 --steps=3", NULL,
         "max_lr=1e+308 / div_factor=0.5 / final_div_factor=10000 leaves a double's range"},
        {"schedule warmup_cosine --warmup_iters=3 --lr_decay_iters=8 --lr=1e308 --steps=12", NULL,
         "the lr at step 0 is 2.5e+307: lower --lr"},
        {"schedule sequential --milestones=3 --T_max=5 --eta_min=1e308 --steps=12", NULL,
         "the lr at step 3 is infinite"},
        /* finite doubles that no float32 lr can hold */
        {"schedule linear --lr=1e308 --steps=2", NULL,
         "the lr at step 0 is 3.33333333e+307: lower --lr (or max_lr, eta_min, min_lr, or raise div_factor); "
         "an optimizer takes at most 3.40282e+38"},
        {"schedule onecycle --max_lr=1 --div_factor=1e-300 --total_steps=4 --steps=2", NULL,
         "the lr at step 0 is 1e+300"},
        {"schedule cosine --T_max=10 --eta_min=1e300 --steps=2", NULL, "the lr at step 1 is 2.44717419e+298"},
        {"schedule onecycle --max_lr=0.1 --total_steps=10 --three_phase=yes --steps=3", NULL, "not true or false"},
        {"schedule sequential --milestones=5,10 --T_max=10 --steps=3", NULL,
         "but got number of schedulers 2 and the number of milestones to be equal to 2"},
        {"schedule sequential --T_max=10 --steps=3", NULL, "missing 1 required positional argument: 'milestones'"},
        {"schedule sequential --milestones=5 --T_max=10 --start_factor=0 --steps=3", NULL, "ZeroDivisionError"},
        {"schedule sequential --milestones=five --T_max=10 --steps=3", NULL, "is not a list of integers like 5"},
        {"schedule warmup_cosine --warmup_iters=10 --lr_decay_iters=10 --steps=3", NULL,
         "lr_decay_iters (10) must be greater than warmup_iters (10)"},
        {"schedule warmup_cosine --min_lr=-1 --steps=3", NULL, "Invalid min_lr: -1"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
    /* @ stands for 100 000 x's: a message quotes the first 32. */
    static const Refusal brief[] = {
        {"schedule @", NULL, "unknown schedule"},
        {"schedule cosine --T_max=@ --steps=3", NULL, "is not an integer"},
        {"schedule cosine --@=1 --T_max=3 --steps=3", NULL, "unknown option"},
        {"schedule cosine --T_max=3 --steps=@", NULL, "is not an integer"},
        {"schedule cosine @ --T_max=3 --steps=3", NULL, "unexpected argument"},
        {"schedule sequential --milestones=@ --T_max=3 --steps=3", NULL, "is not a list of integers"},
    };
    for (int i = 0; i < TABLE_SIZE(brief); i++)
        assert_refused_briefly("optlab", brief[i].args, brief[i].input, brief[i].expected, 300);
    /* PyTorch's anneal_strategy message does not quote what it got; it is
     * cut short all the same. */
    char *args = repeated("schedule onecycle --max_lr=1 --total_steps=3 --steps=3 --anneal_strategy=", "x", 100000, "");
    size_t len = strlen(args) + 4096;
    char *cmd = malloc(len);
    ck_assert_ptr_nonnull(cmd);
    program_command(cmd, len, OPTIMIZERS_BIN_DIR, "optlab", args);
    ProgramRun run;
    ck_assert(run_program(cmd, NULL, &run) == 0);
    ck_assert_int_eq(run.status, 2);
    ck_assert_msg(strlen(run.err) < 300 && strstr(run.err, "instead got xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\n"),
                  "%.300s", run.err);
    program_run_free(&run);
    free(cmd);
    free(args);
}
END_TEST

START_TEST(test_schedule_limits)
{
    /* The most steps there may be: a million lrs, the cosine through 500
     * periods, and all of them printed. */
    ProgramRun run = optlab_ok("schedule cosine --lr=1 --T_max=1000 --steps=1000000", NULL, NULL);
    int lines = 0;
    for (const char *c = run.out; *c; c++) lines += *c == '\n';
    ck_assert_int_eq(lines, 1000000);
    ck_assert_msg(strncmp(run.out, "1\n0.99999", 9) == 0, "%.20s", run.out);
    program_run_free(&run);
    /* OneCycleLR steps exactly total_steps times: total_steps + 1 lrs. */
    run = optlab_ok("schedule onecycle --max_lr=1 --total_steps=100000 --steps=100001", NULL, NULL);
    program_run_free(&run);
}
END_TEST

/* ---- clip: torch.nn.utils.clip_grad_norm_ on gradients from stdin (lesson 07) ---------- */

/* See lessons/07_schedules/test_clip.c: PyTorch adds the squares in another
 * order; every case of tests/golden/clip.txt is within 1.6e-7 (GOLDEN_RTOL
 * there, 3.4 ulp), and a subnormal result within one step of 1.4e-45. */
#define CLIP_RTOL 4e-7
#define CLIP_ATOL FLT_TRUE_MIN

/* A golden case's gradients as clip's input: one tensor per line. */
static char *clip_input(const ClipCase *c)
{
    size_t cap = 16, used = 0;
    for (int i = 0; i < c->count; i++) cap += c->numel[i] * 20 + 2;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    for (int i = 0; i < c->count; i++) {
        for (size_t j = 0; j < c->numel[i]; j++)
            used += (size_t)snprintf(text + used, cap - used, j ? " %.9g" : "%.9g", c->grad[i][j]);
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    return text;
}

/* Whether a equals e: NaN for NaN, the same infinity, or within atol + rtol*|e|. */
static bool clip_same(double a, double e)
{
    if (isnan(e) || isnan(a)) return isnan(e) && isnan(a);
    if (isinf(e) || isinf(a)) return a == e;
    return fabs(a - e) <= CLIP_ATOL + CLIP_RTOL * fabs(e);
}

/* Whether the case's gradients are all finite: optlab refuses the others. */
static bool clip_case_is_finite(const ClipCase *c)
{
    for (int i = 0; i < c->count; i++)
        for (size_t j = 0; j < c->numel[i]; j++)
            if (!isfinite(c->grad[i][j])) return false;
    return true;
}

START_TEST(test_clip_matches_pytorch)
{
    /* Every clip_grad_norm_ case of the golden file whose gradients are
     * finite, through stdin and stdout: each tensor's line, then the total
     * norm. Those with a NaN or an inf are refused, as any such input. */
    ClipGoldenFile f;
    char path[2048], err[512], args[128];
    snprintf(path, sizeof path, "%s/clip.txt", golden_dir());
    ck_assert_msg(clip_golden_load(path, &f, err, sizeof err) == 0, "%s", err);
    int replayed = 0, refused = 0;
    for (int k = 0; k < f.count; k++) {
        const ClipCase *c = &f.cases[k];
        if (c->by_value) continue;   /* optlab clips by the norm */
        snprintf(args, sizeof args, "clip --max_norm=%.9g --norm_type=%s", c->max_norm,
                 isinf(c->norm_type) ? "inf" : "2");
        char *input = clip_input(c);
        if (!clip_case_is_finite(c)) {
            assert_optlab_refuses(args, input, "is not a finite float32 number");
            refused++;
            free(input);
            continue;
        }
        ProgramRun run = optlab_ok(args, input, NULL);
        char *line = run.out;
        for (int i = 0; i <= c->count; i++) {
            char *end = strchr(line, '\n');
            ck_assert_msg(end != NULL, "%s: optlab printed %d lines, expected %d:\n%s", c->name, i, c->count + 1,
                          run.out);
            *end = '\0';
            size_t n = i < c->count ? c->numel[i] : 1;
            const float *want = i < c->count ? c->clipped[i] : &c->total_norm;
            char *p = line;
            for (size_t j = 0; j < n; j++) {
                char *next;
                double v = strtod(p, &next);
                ck_assert_msg(next != p, "%s: line %d has %zu numbers, expected %zu", c->name, i + 1, j, n);
                ck_assert_msg(clip_same(v, want[j]), "%s: line %d, number %zu is %.9g, PyTorch's %.9g", c->name,
                              i + 1, j + 1, v, want[j]);
                p = next;
            }
            ck_assert_msg(strspn(p, " ") == strlen(p), "%s: line %d has more than %zu numbers", c->name, i + 1, n);
            line = end + 1;
        }
        ck_assert_msg(*line == '\0', "%s: more lines than %d:\n%s", c->name, c->count + 1, line);
        replayed++;
        program_run_free(&run);
        free(input);
    }
    ck_assert_int_eq(replayed, 21);   /* the file's 24 cases of clip_grad_norm_ */
    ck_assert_int_eq(refused, 3);
    clip_golden_free(&f);
}
END_TEST

/* Whole outputs: PyTorch's numbers to the last digit where they are exact. */
static const struct {
    const char *name, *args, *input, *output;
} CLIP_OUTPUTS[] = {
    /* 3/(5 + 1e-6) and 4/(5 + 1e-6) as PyTorch prints them (float32). */
    {"(3, 4)", "clip --max_norm=1", "3 4\n", "0.599999905 0.799999833\n5\n"},
    {"the lecture notes' (100, -200, 500)", "clip --max_norm=1", "100 -200 500\n",
     "0.182574198 -0.365148395 0.912871003\n547.722534\n"},
    {"no clipping below max_norm", "clip --max_norm=10", "3 4\n", "3 4\n5\n"},
    {"two tensors, one norm", "clip --max_norm=1 --norm_type=2", "3\n4\n", "0.599999905\n0.799999833\n5\n"},
    {"infinity norm", "clip --max_norm=2 --norm_type=inf", "3 -4\n1\n", "1.49999964 -1.99999952\n0.499999881\n4\n"},
    {"a negative max_norm flips, as in PyTorch", "clip --max_norm=-1", "3 4\n", "-0.599999905 -0.799999833\n5\n"},
    /* 1e30 squared overflows float32: total inf, every gradient zero. */
    {"overflow", "clip --max_norm=1", "1e30 -1e30 1\n", "0 -0 0\ninf\n"},
    {"zeros", "clip --max_norm=1", "0 0\n0\n", "0 0\n0\n0\n"},
    {"blank lines, comments, CRLF and CR", "clip --max_norm=10", "# grads\r\n\r\n3\r4\n\n", "3\n4\n5\n"},
};

START_TEST(test_clip_output)
{
    ProgramRun run = optlab(CLIP_OUTPUTS[_i].args, CLIP_OUTPUTS[_i].input);
    ck_assert_msg(run.status == 0, "%s: exit %d: %s", CLIP_OUTPUTS[_i].name, run.status, run.err);
    ck_assert_msg(strcmp(run.out, CLIP_OUTPUTS[_i].output) == 0, "%s: optlab %s printed:\n%s", CLIP_OUTPUTS[_i].name,
                  CLIP_OUTPUTS[_i].args, run.out);
    program_run_free(&run);
}
END_TEST

START_TEST(test_clip_help)
{
    static const Help helps[] = {
        {"clip --help", {"usage: optlab clip --max_norm=X", "--norm_type", "at most 65536 tensors"}},
        {"clip --max_norm=x -h", {"usage: optlab clip", "clip_grad_norm_", NULL}},
        {"--help", {"optlab clip --max_norm=X [--norm_type=2|inf]", "most 65536 tensors, with trace", NULL}},
    };
    assert_helps(helps, TABLE_SIZE(helps));
}
END_TEST

START_TEST(test_clip_refuses_bad_input)
{
    static const Refusal refusals[] = {
        {"clip", "1 2\n", "--max_norm is required"},
        {"clip --max_norm=abc", "1\n", "--max_norm: 'abc' is not a finite float32 number"},
        {"clip --max_norm=nan", "1\n", "not a finite float32 number"},
        {"clip --max_norm=1e39", "1\n", "not a finite float32 number"},
        {"clip --max_norm", "1\n", "needs a value"},
        {"clip --max_norm=1 --norm_type=1", "1\n", "--norm_type: '1' is not 2 or inf"},
        {"clip --max_norm=1 --norm_type=fro", "1\n", "is not 2 or inf"},
        {"clip --max_norm=1 --max_norm=2", "1\n", "--max_norm is given twice"},
        {"clip --max_norm=1 --lr=0.1", "1\n", "unknown flag '--lr'"},
        {"clip --max_norm=1 1 2", "1\n", "unexpected argument"},
        {"clip --max_norm=1", "", "no input"},
        {"clip --max_norm=1", "# nothing\n\n", "no input"},
        {"clip --max_norm=1", "1 2\n0.5 x\n", "line 2: 'x' is not a finite float32 number"},
        {"clip --max_norm=1", "nan 1\n", "line 1: 'nan' is not a finite float32 number"},
        {"clip --max_norm=1", "1\n-inf\n", "line 2: '-inf' is not a finite float32 number"},
        {"clip --max_norm=1", "1e39\n", "'1e39' is not a finite float32 number"},
        {"clip --max_norm=1", "1,2\n", "'1,2' is not a finite float32 number"},
        {"clip --max_norm=1", "1\n0.5 \xff\n", "line 2: is not UTF-8 text"},
    };
    assert_program_refuses_all("optlab", refusals, TABLE_SIZE(refusals));
    assert_refused_printf("1\\n0.5\\000\\n", "clip --max_norm=1", "line 2: has a NUL byte");
    assert_refused_briefly("optlab", "clip --max_norm=@", "1\n", "not a finite float32 number", 300);
    assert_refused_briefly("optlab", "clip --max_norm=1 --norm_type=@", "1\n", "is not 2 or inf", 300);
}
END_TEST

START_TEST(test_clip_limits)
{
    /* 65536 tensors are taken, 65537 are not; a line of 1 MiB is taken, a
     * longer one is not; a long bad number is quoted short. */
    char *input = repeated("", "1\n", 65536, "");
    ProgramRun run = optlab_ok("clip --max_norm=1", input, (const char *[]){"\n256\n", NULL});   /* sqrt(65536) */
    program_run_free(&run);
    free(input);
    input = repeated("# many\n", "0\n", 65537, "");
    assert_optlab_refuses("clip --max_norm=1", input, "line 65538: more than 65536 tensors");
    free(input);
    input = repeated("1", " ", 1048575, "\n");
    run = optlab_ok("clip --max_norm=1", input, (const char *[]){"\n1\n", NULL});
    program_run_free(&run);
    free(input);
    input = repeated("1\n1", " ", 1048576, "\n");
    assert_optlab_refuses("clip --max_norm=1", input, "line 2: longer than 1048576 bytes");
    free(input);
    input = repeated("1\n", "x", 500000, "\n");
    assert_optlab_refuses("clip --max_norm=1", input, "line 2: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a finite");
    free(input);
}
END_TEST

/* test_memory.c: optlab memory (lesson 10). */
TCase *memory_tcase(void);

Suite *make_suite(void)
{
    Suite *s = suite_create("optlab");
    TCase *core = tcase_create("Core");
    tcase_add_loop_test(core, test_trace_matches_pytorch, 0, TABLE_SIZE(TRACE_CASES));
    tcase_add_loop_test(core, test_trace_state_matches_pytorch, 0, TABLE_SIZE(STATE_CASES));
    tcase_add_loop_test(core, test_trace_output, 0, TABLE_SIZE(TRACE_OUTPUTS));
    tcase_add_test(core, test_trace_momentum_state);
    tcase_add_test(core, test_trace_state_columns);
    tcase_add_test(core, test_trace_adam8bit_state);
    tcase_add_test(core, test_list);
    tcase_add_test(core, test_race);
    tcase_add_test(core, test_race_plot);
    tcase_add_test(core, test_runs_from_a_directory_with_a_space);
    tcase_add_test(core, test_bare_booleans);
    tcase_add_test(core, test_help_anywhere);
    tcase_add_test(core, test_race_gpt);
    tcase_add_test(core, test_schedule_matches_pytorch);
    tcase_add_loop_test(core, test_schedule_output, 0, TABLE_SIZE(SCHEDULE_OUTPUTS));
    tcase_add_test(core, test_schedule_help);
    tcase_add_test(core, test_clip_matches_pytorch);
    tcase_add_loop_test(core, test_clip_output, 0, TABLE_SIZE(CLIP_OUTPUTS));
    tcase_add_test(core, test_clip_help);
    tcase_set_timeout(core, 60);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, test_trace_refuses_bad_input);
    tcase_add_test(limits, test_trace_stops_at_a_step_that_is_not_finite);
    tcase_add_test(limits, test_unreadable_input_is_not_no_input);
    tcase_add_test(limits, test_lost_output_is_an_error);
    tcase_add_test(limits, test_clip_says_when_the_norm_overflows);
    tcase_add_test(limits, test_adam8bit_refusals);
    tcase_add_test(limits, test_other_commands_refuse_bad_input);
    tcase_add_test(limits, test_trace_shape_limits);
    tcase_add_loop_test(limits, test_trace_limits, 0, TABLE_SIZE(TRACE_LIMITS));
    tcase_add_test(limits, test_trace_refuses_bytes_that_are_not_text);
    tcase_add_test(limits, test_duplicates_refused);
    tcase_add_test(limits, test_race_limits);
    tcase_add_test(limits, test_messages_quote_bad_input_briefly);
    tcase_add_test(limits, test_race_plot_refused_up_front);
    tcase_add_test(limits, test_schedule_refuses_bad_input);
    tcase_add_test(limits, test_schedule_limits);
    tcase_add_test(limits, test_clip_refuses_bad_input);
    tcase_add_test(limits, test_clip_limits);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(s, limits);
    suite_add_tcase(s, memory_tcase());
    return s;
}
