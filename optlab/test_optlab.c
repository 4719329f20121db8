/* test_optlab.c - the optlab contract, tested on the built program: trace
 * reproduces PyTorch's golden trajectories through stdin and stdout, list and
 * race work, and every kind of bad input gives one message and exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "testing.h"

#define OPTLAB OPTIMIZERS_BIN_DIR "/optlab"

/* See lessons/01_sgd/test_sgd.c: one ulp per step, up to 10 steps. */
#define GOLDEN_RTOL 1.9e-6
/* See lessons/02_momentum/test_momentum.c: momentum adds a rounding in the
 * buffer per step, and its longest cases run 20 steps. */
#define MOMENTUM_RTOL 3.8e-6

static ProgramRun optlab(const char *args, const char *input)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", OPTLAB, args);
    ProgramRun run;
    ck_assert(run_program(cmd, input, &run) == 0);
    return run;
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

/* Runs `optlab trace` on every listed golden case and compares its output. */
static void check_trace(const char *file, const char *const *names, int count, double rtol)
{
    GoldenFile g;
    load_golden(file, &g);
    for (int i = 0; i < count; i++) {
        const GoldenCase *c = golden_find(&g, names[i]);
        ck_assert_msg(c != NULL, "no case %s in %s", names[i], file);
        char args[1024];
        int used = snprintf(args, sizeof args, "trace %s", c->optimizer);
        for (int s = 0; s < c->num_settings; s++)
            used += snprintf(args + used, sizeof args - (size_t)used, " --%s", c->settings[s]);
        if (c->ndim > 1)
            used += snprintf(args + used, sizeof args - (size_t)used, " --shape=%d,%d", c->shape[0], c->shape[1]);
        char *input = trace_input(c);
        ProgramRun run = optlab(args, input);
        ck_assert_msg(run.status == 0, "%s: exit %d: %s", args, run.status, run.err);
        char *line = run.out;
        for (int step = 0; step < c->steps; step++) {
            char *end;
            for (int j = 0; j < c->numel; j++) {
                double v = strtod(line, &end);
                ck_assert_msg(end != line, "case %s: step %d has too few numbers", c->name, step + 1);
                double want = c->expect[(size_t)step * c->numel + j];
                double scale = fabs(c->param[j]);
                for (int t = 0; t <= step; t++) scale = fmax(scale, fabs(c->expect[(size_t)t * c->numel + j]));
                ck_assert_msg(fabs(v - want) <= rtol * scale,
                              "case %s, step %d, param[%d]: optlab %.9g, PyTorch %.9g", c->name,
                              step + 1, j, v, want);
                line = end;
            }
            ck_assert_msg(*line == '\n', "case %s: step %d has extra output", c->name, step + 1);
            line++;
        }
        ck_assert_msg(*line == '\0', "case %s: more lines than steps", c->name);
        program_run_free(&run);
        free(input);
    }
    golden_free(&g);
}

START_TEST(test_trace_matches_pytorch_sgd)
{
    const char *cases[] = {"sgd_lr_default", "sgd_lr", "sgd_weight_decay", "sgd_maximize",
                           "sgd_maximize_weight_decay", "sgd_zero_grad_decay", "sgd_lr_zero",
                           "sgd_huge_tiny", "sgd_quadratic_path"};
    check_trace("sgd.txt", cases, 9, GOLDEN_RTOL);
}
END_TEST

START_TEST(test_trace_matches_pytorch_sgd_momentum)
{
    /* Every keyword of torch.optim.SGD: momentum, dampening, nesterov, with
     * weight_decay and maximize, and the defaults written out. */
    const char *cases[] = {"sgd_momentum_default", "sgd_momentum_zero_dampening_ignored", "sgd_momentum",
                           "sgd_momentum_dampening", "sgd_momentum_ema", "sgd_nesterov",
                           "sgd_momentum_weight_decay", "sgd_momentum_maximize_nesterov",
                           "sgd_momentum_099", "sgd_momentum_zero_grad", "sgd_momentum_huge_tiny",
                           "sgd_momentum_quadratic_path", "sgd_nesterov_quadratic_path"};
    check_trace("sgd.txt", cases, 13, MOMENTUM_RTOL);
}
END_TEST

START_TEST(test_trace_momentum_state)
{
    /* lr 0.1, momentum 0.9: buf = 0.5, p = 0.95; buf = 0.45 + 0.25 = 0.7, p = 0.88. */
    ProgramRun run = optlab("trace sgd --lr=0.1 --momentum=0.9 --state", "1\n0.5\n0.25\n");
    ck_assert_msg(run.status == 0, "%s", run.err);
    ck_assert_str_eq(run.out, "# param[0] momentum_buffer[0]\n0.949999988 0.5\n0.879999995 0.699999988\n");
    program_run_free(&run);
    /* momentum 0 (the default) keeps no buffer, as in PyTorch. */
    run = optlab("trace sgd --lr=0.1 --dampening=0.5 --state", "1\n0.5\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert(strstr(run.out, "keeps no state") != NULL);
    ck_assert(strstr(run.out, "momentum_buffer") == NULL);
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_by_hand)
{
    /* 1 - 0.1*0.5 = 0.95, then 0.95 - 0.1*(-1) = 1.05 */
    ProgramRun run = optlab("trace sgd --lr=0.1", "1\n0.5\n-1\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert_str_eq(run.out, "0.949999988\n1.04999995\n");
    program_run_free(&run);
    /* blank lines and comments are skipped; no gradient lines, no output */
    run = optlab("trace sgd", "# start\n\n1 2\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert_str_eq(run.out, "");
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_state_columns)
{
    ProgramRun run = optlab("trace sgd --lr=0.1 --state", "1 2\n0 0\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert_msg(strncmp(run.out, "# param[0] param[1]", 19) == 0, "%s", run.out);
    ck_assert(strstr(run.out, "keeps no state") != NULL);
    ck_assert(strstr(run.out, "\n1 2\n") != NULL);
    program_run_free(&run);
}
END_TEST

START_TEST(test_trace_shape)
{
    ProgramRun run = optlab("trace sgd --lr=1 --shape=2,2", "1 2 3 4\n1 1 1 1\n");
    ck_assert_int_eq(run.status, 0);
    ck_assert_str_eq(run.out, "0 1 2 3\n");
    program_run_free(&run);
}
END_TEST

START_TEST(test_list)
{
    ProgramRun run = optlab("list", NULL);
    ck_assert_int_eq(run.status, 0);
    for (int i = 0; REGISTRY[i]; i++) {
        ck_assert(strstr(run.out, REGISTRY[i]->name) != NULL);
        ck_assert(strstr(run.out, REGISTRY[i]->torch_name) != NULL);
    }
    ck_assert(strstr(run.out, "--weight_decay") != NULL);
    ck_assert(strstr(run.out, "--maximize") != NULL);
    ck_assert(strstr(run.out, "--momentum") != NULL);
    ck_assert(strstr(run.out, "--dampening") != NULL);
    ck_assert(strstr(run.out, "--nesterov") != NULL);
    program_run_free(&run);
}
END_TEST

START_TEST(test_race)
{
    ProgramRun run = optlab("race --problem=ravine --kappa=10 --opt=sgd:lr=0.5,sgd:lr=2.5 --steps=300", NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    ck_assert(strstr(run.out, "sgd lr=0.5") != NULL);
    ck_assert(strstr(run.out, "sgd lr=2.5") != NULL);
    ck_assert(strstr(run.out, "diverged at step") != NULL);   /* only the second */
    ck_assert(strstr(strstr(run.out, "sgd lr=0.5"), "diverged") > strstr(run.out, "sgd lr=2.5"));
    program_run_free(&run);
    /* Momentum's keys pass through race's NAME:key=value entries too. */
    run = optlab("race --problem=ravine --kappa=100 --opt=sgd:lr=1.9,sgd:lr=3.3:momentum=0.67 --steps=100",
                 NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    ck_assert(strstr(run.out, "sgd lr=3.3 momentum=0.67") != NULL);
    program_run_free(&run);
    run = optlab("race --problem=softmax --opt=sgd:lr=0.5 --steps=50 --batch=64", NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    ck_assert(strstr(run.out, "%") != NULL);   /* a test accuracy */
    program_run_free(&run);
}
END_TEST

START_TEST(test_race_plot)
{
    char dir[512], args[1024], path[700];
    ck_assert(make_temp_dir(dir, sizeof dir) == 0);
    snprintf(args, sizeof args, "race --problem=rosenbrock --opt=sgd:lr=0.001 --steps=20 --plot=%s/race.svg", dir);
    setenv("OPTIMIZERS_NO_GNUPLOT", "1", 1);
    ProgramRun run = optlab(args, NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    snprintf(path, sizeof path, "%s/race.gp", dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    fclose(f);
    program_run_free(&run);
    remove_tree(dir);
}
END_TEST

/* ---- bad input: one clear message, exit status 2 ------------------------------------- */

static void assert_optlab_refuses(const char *args, const char *input, const char *expected)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", OPTLAB, args);
    assert_refused(cmd, input, expected);
}

START_TEST(test_trace_refuses_bad_input)
{
    assert_optlab_refuses("trace adamx", "1\n", "unknown optimizer 'adamx'");
    assert_optlab_refuses("trace", "1\n", "which optimizer");
    assert_optlab_refuses("trace sgd --momentun=0.9", "1\n", "unknown option 'momentun'");
    assert_optlab_refuses("trace sgd --lr=abc", "1\n", "not a finite float32 number");
    assert_optlab_refuses("trace sgd --lr=1e39", "1\n", "not a finite float32 number");
    assert_optlab_refuses("trace sgd --lr=-1", "1\n", "Invalid learning rate");
    assert_optlab_refuses("trace sgd --weight_decay=-0.1", "1\n", "Invalid weight_decay");
    assert_optlab_refuses("trace sgd --maximize=yes", "1\n", "not true or false");
    assert_optlab_refuses("trace sgd --momentum=-0.9", "1\n", "Invalid momentum value");
    assert_optlab_refuses("trace sgd --nesterov=true", "1\n",
                   "Nesterov momentum requires a momentum and zero dampening");
    assert_optlab_refuses("trace sgd --momentum=0.9 --dampening=0.1 --nesterov=true", "1\n",
                   "Nesterov momentum requires");
    assert_optlab_refuses("trace sgd --momentum=nan", "1\n", "not a finite float32 number");
    assert_optlab_refuses("trace sgd --lr", "1\n", "needs a value");
    assert_optlab_refuses("trace sgd lr=0.1", "1\n", "unexpected argument");
    assert_optlab_refuses("trace sgd", "", "no input");
    assert_optlab_refuses("trace sgd", "1 2\n0.1\n", "line 2: expected 2 numbers");
    assert_optlab_refuses("trace sgd", "1 2\n0.1 0.2\n0.1 0.2 0.3\n", "line 3: expected 2 numbers");
    assert_optlab_refuses("trace sgd", "1 2\n0.1 x\n", "line 2: 'x' is not a finite float32 number");
    assert_optlab_refuses("trace sgd", "1 nan\n", "line 1: 'nan' is not a finite float32 number");
    assert_optlab_refuses("trace sgd", "1 2\ninf 0\n", "'inf' is not a finite float32 number");
    assert_optlab_refuses("trace sgd", "1 2\n1e39 0\n", "'1e39' is not a finite float32 number");
    assert_optlab_refuses("trace sgd --shape=3,2", "1 2\n", "--shape has 6 elements");
    assert_optlab_refuses("trace sgd --shape=0,2", "1 2\n", "--shape");
    assert_optlab_refuses("trace sgd --shape=2,x", "1 2\n", "--shape");
}
END_TEST

START_TEST(test_other_commands_refuse_bad_input)
{
    assert_optlab_refuses("", NULL, "usage");
    assert_optlab_refuses("dance", NULL, "unknown command 'dance'");
    assert_optlab_refuses("list extra", NULL, "takes no arguments");
    assert_optlab_refuses("race --opt=sgd", NULL, "--problem is required");
    assert_optlab_refuses("race --problem=ravine", NULL, "--opt is required");
    assert_optlab_refuses("race --problem=everest --opt=sgd", NULL, "unknown problem 'everest'");
    assert_optlab_refuses("race --problem=ravine --opt=sgd,nadam", NULL, "unknown optimizer 'nadam'");
    assert_optlab_refuses("race --problem=ravine --opt=sgd:lr=-2", NULL, "Invalid learning rate");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --steps=0", NULL, "--steps must be at least 1");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --kappa=0.5", NULL, "kappa");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --bogus=1", NULL, "unknown flag '--bogus'");
}
END_TEST

Suite *make_suite(void)
{
    Suite *s = suite_create("optlab");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, test_trace_matches_pytorch_sgd);
    tcase_add_test(core, test_trace_matches_pytorch_sgd_momentum);
    tcase_add_test(core, test_trace_momentum_state);
    tcase_add_test(core, test_trace_by_hand);
    tcase_add_test(core, test_trace_state_columns);
    tcase_add_test(core, test_trace_shape);
    tcase_add_test(core, test_list);
    tcase_add_test(core, test_race);
    tcase_add_test(core, test_race_plot);
    tcase_set_timeout(core, 60);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, test_trace_refuses_bad_input);
    tcase_add_test(limits, test_other_commands_refuse_bad_input);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(s, limits);
    return s;
}
