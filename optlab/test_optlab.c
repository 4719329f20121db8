/* test_optlab.c - the optlab contract, tested on the built program: trace
 * reproduces PyTorch's golden trajectories through stdin and stdout, list and
 * race work, and every kind of bad input gives one message and exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry.h"
#include "testing.h"

/* See lessons/01_sgd/test_sgd.c: one ulp per step, up to 10 steps. */
#define GOLDEN_RTOL 1.9e-6
/* See lessons/02_momentum/test_momentum.c: momentum adds a rounding in the
 * buffer per step, and its longest cases run 20 steps. */
#define MOMENTUM_RTOL 3.8e-6

static ProgramRun optlab(const char *args, const char *input)
{
    char cmd[4096];
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
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

/* The final loss on race's line for `label` (the table's first column). */
static double race_final_loss(const char *out, const char *label)
{
    char start[80];
    snprintf(start, sizeof start, "\n%s  ", label);   /* the label, then its padding */
    const char *line = strstr(out, start);
    ck_assert_msg(line != NULL, "no line for %s in:\n%s", label, out);
    return strtod(line + strlen(start), NULL);
}

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

START_TEST(test_trace_line_endings)
{
    /* LF, CRLF and a CR alone each end a line; the numbers are test_trace_by_hand's. */
    const char *inputs[] = {"1\n0.5\n-1\n", "1\r\n0.5\r\n-1\r\n", "1\r0.5\r-1\r", "1\r\n# c\r\r0.5\n-1",
                            "\xEF\xBB\xBF" "1\n0.5\n-1\n"};   /* the last begins with a byte-order mark */
    for (int i = 0; i < 5; i++) {
        ProgramRun run = optlab("trace sgd --lr=0.1", inputs[i]);
        ck_assert_msg(run.status == 0, "input %d: %s", i, run.err);
        ck_assert_msg(strcmp(run.out, "0.949999988\n1.04999995\n") == 0, "input %d gave: %s", i, run.out);
        program_run_free(&run);
    }
    /* A comment may be any UTF-8 text. */
    ProgramRun run = optlab("trace sgd --lr=0.1", "# \xce\xb2 = 0.9, \xe2\x86\x92 \xf0\x9f\x98\x80\n1\n0.5\n");
    ck_assert_msg(run.status == 0, "%s", run.err);
    ck_assert_str_eq(run.out, "0.949999988\n");
    program_run_free(&run);
}
END_TEST

START_TEST(test_help_anywhere)
{
    /* --help or -h wins wherever it stands, even after a bad flag. */
    const struct {
        const char *args;
        const char *expected[3];
    } cases[] = {
        {"--help", {"usage: optlab list", "Limits: trace takes at most 65536 parameters", "100000 steps"}},
        {"list -h", {"usage: optlab list", "race runs at most 8", "1048576 bytes"}},
        {"trace --help", {"usage: optlab trace", "NAME is one of: sgd", "16777216 numbers in all"}},
        {"trace sgd --help", {"usage: optlab trace", "--momentum", "--nesterov               Nesterov momentum (default false)"}},
        {"trace sgd --lr=x --shape=0 -h", {"usage: optlab trace", "--lr", "Limits: at most 65536 parameters"}},
        {"race --steps=x --help", {"usage: optlab race", "--steps                  steps per optimizer (1..100000, default 200)", "(0..65536, default 32)"}},
        {"race --bogus -h", {"usage: optlab race", "a bare boolean key means true", "At most 8 entries"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ProgramRun run = optlab(cases[i].args, NULL);
        ck_assert_msg(run.status == 0, "%s: exit %d: %s", cases[i].args, run.status, run.err);
        ck_assert_msg(strcmp(run.err, "") == 0, "%s: stderr %s", cases[i].args, run.err);
        for (int k = 0; k < 3; k++)
            ck_assert_msg(strstr(run.out, cases[i].expected[k]) != NULL, "%s: no '%s' in:\n%s", cases[i].args,
                          cases[i].expected[k], run.out);
        program_run_free(&run);
    }
}
END_TEST

/* ---- bad input: one clear message, exit status 2 ------------------------------------- */

static void assert_optlab_refuses(const char *args, const char *input, const char *expected)
{
    char cmd[4096];
    program_command(cmd, sizeof cmd, OPTIMIZERS_BIN_DIR, "optlab", args);
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

/* Runs optlab with `args`, in which @ stands for 100 000 x's, and asserts the
 * refusal: the message holds `expected` and quotes only the first 32 x's. */
static void assert_refused_briefly(const char *args, const char *input, const char *expected)
{
    char *xs = repeated("", "x", 100000, "");
    const char *at = strchr(args, '@');
    char *full = malloc(strlen(args) + 100000);
    sprintf(full, "%.*s%s%s", (int)(at - args), args, xs, at + 1);
    char *cmd = malloc(strlen(full) + 4096);
    program_command(cmd, strlen(full) + 4096, OPTIMIZERS_BIN_DIR, "optlab", full);
    ProgramRun run;
    ck_assert(run_program(cmd, input, &run) == 0);
    ck_assert_msg(run.status == 2, "%s...: exit %d", args, run.status);
    ck_assert_str_eq(run.out, "");
    ck_assert_msg(strstr(run.err, expected) != NULL, "%s: stderr was %.300s", args, run.err);
    ck_assert_msg(strlen(run.err) < 300 && strstr(run.err, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'") != NULL,
                  "%s: %zu bytes of message: %.300s", args, strlen(run.err), run.err);
    program_run_free(&run);
    free(cmd);
    free(full);
    free(xs);
}

START_TEST(test_trace_limits)
{
    /* --shape's product is checked as it grows: this one is 2^64, past any long. */
    assert_optlab_refuses("trace sgd --shape=65536,65536,65536,65536", "1\n", "has more than 65536 elements");
    assert_optlab_refuses("trace sgd --shape=257,256", "1\n", "has more than 65536 elements");
    assert_optlab_refuses("trace sgd --shape=99999999999999999999999", "1\n", "has more than 65536 elements");
    /* 65536 parameters are taken, 65537 are not. */
    char *input = repeated("", "0 ", 65536, "\n");
    ProgramRun run = optlab("trace sgd --shape=256,256", input);
    ck_assert_msg(run.status == 0, "%s", run.err);
    program_run_free(&run);
    free(input);
    input = repeated("", "0 ", 65537, "\n");
    assert_optlab_refuses("trace sgd", input, "line 1: more than 65536 numbers");
    free(input);
    /* A line of 1 MiB is taken, a longer one refused, wherever it is. */
    input = repeated("1", " ", 1048575, "\n");
    run = optlab("trace sgd", input);
    ck_assert_msg(run.status == 0, "%s", run.err);
    program_run_free(&run);
    free(input);
    input = repeated("1\n1", " ", 1048576, "\n");
    assert_optlab_refuses("trace sgd", input, "line 2: longer than 1048576 bytes");
    free(input);
    /* 100000 steps are taken, one more is not. */
    input = repeated("1\n", "0\n", 100000, "");
    run = optlab("trace sgd", input);
    ck_assert_msg(run.status == 0, "%s", run.err);
    int lines = 0;
    for (const char *c = run.out; *c; c++) lines += *c == '\n';
    ck_assert_int_eq(lines, 100000);
    program_run_free(&run);
    free(input);
    input = repeated("# start\n1\n", "0\n", 100001, "");
    assert_optlab_refuses("trace sgd", input, "line 100003: more than 100000 steps");
    free(input);
    /* 65536 parameters for 256 steps hold 2^24 numbers, all there may be. */
    char *row = repeated("", "0 ", 65536, "\n");
    input = repeated("", row, 257, "");
    assert_optlab_refuses("trace sgd", input, "line 257: more than 16777216 numbers in all");
    free(input);
    free(row);
    /* A bad number is quoted short, however long it is. */
    input = repeated("1\n", "x", 500000, "\n");
    assert_optlab_refuses("trace sgd", input, "line 2: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a finite");
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
    assert_optlab_refuses("trace sgd", "1\n0.5 \xff\n", "line 2: is not UTF-8 text");
    assert_optlab_refuses("trace sgd", "1\n# \xc0\xaf overlong /\n", "line 2: is not UTF-8 text");
    assert_optlab_refuses("trace sgd", "1\r# \xed\xa0\x80 surrogate\r", "line 2: is not UTF-8 text");
    assert_optlab_refuses("trace sgd", "1\r0.5\r\xe2\x82\r", "line 3: is not UTF-8 text");
    assert_optlab_refuses("trace sgd", "1\r0.5\rx\r", "line 3: 'x' is not a finite float32 number");
    assert_optlab_refuses("trace sgd", "1 2\r\n0.1\r\n", "line 2: expected 2 numbers");
}
END_TEST

START_TEST(test_duplicates_refused)
{
    assert_optlab_refuses("trace sgd --lr=0.1 --lr=0.2", "1\n", "--lr is given twice");
    assert_optlab_refuses("trace sgd --nesterov --momentum=0.9 --nesterov=false", "1\n", "--nesterov is given twice");
    assert_optlab_refuses("trace sgd --shape=1 --shape=1", "1\n", "--shape is given twice");
    assert_optlab_refuses("trace sgd --state --state=false", "1\n", "--state is given twice");
    assert_optlab_refuses("race --problem=ravine --problem=saddle --opt=sgd", NULL, "--problem is given twice");
    assert_optlab_refuses("race --problem=ravine --opt=sgd:lr=0.1:lr=0.2", NULL, "lr is given twice");
    assert_optlab_refuses("race --problem=ravine --opt=sgd,sgd:nesterov:momentum=0.9:nesterov", NULL,
                          "nesterov is given twice");
}
END_TEST

START_TEST(test_race_limits)
{
    assert_optlab_refuses("race --problem=ravine --opt=sgd --steps=100001", NULL, "--steps must be at most 100000");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --steps=2000000000", NULL, "--steps must be at most 100000");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --batch=65537", NULL, "--batch must be at most 65536");
    assert_optlab_refuses("race --problem=ravine --opt=sgd --batch=-1", NULL, "--batch must be at least 0");
    assert_optlab_refuses("race --problem=ravine --opt=sgd,sgd,sgd,sgd,sgd,sgd,sgd,sgd,sgd", NULL,
                          "at most 8 optimizers");
    /* The largest race allowed still runs (the ravine is cheap). */
    ProgramRun run = optlab("race --problem=ravine --opt=sgd:lr=0.5 --steps=100000 --batch=65536", NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    program_run_free(&run);
}
END_TEST

START_TEST(test_messages_quote_bad_input_briefly)
{
    assert_refused_briefly("@", NULL, "unknown command");
    assert_refused_briefly("trace @", "1\n", "unknown optimizer");
    assert_refused_briefly("trace sgd --lr=@", "1\n", "not a finite float32 number");
    assert_refused_briefly("trace sgd --@=1", "1\n", "unknown option");
    assert_refused_briefly("trace sgd --shape=@", "1\n", "--shape");
    assert_refused_briefly("trace sgd @", "1\n", "unexpected argument");
    assert_refused_briefly("race --problem=@ --opt=sgd", NULL, "unknown problem");
    assert_refused_briefly("race --problem=ravine --opt=@", NULL, "unknown optimizer");
    assert_refused_briefly("race --problem=ravine --opt=sgd:lr=@", NULL, "not a finite float32 number");
    assert_refused_briefly("race --steps=@", NULL, "not an integer");
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
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
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
    tcase_add_test(core, test_runs_from_a_directory_with_a_space);
    tcase_add_test(core, test_bare_booleans);
    tcase_add_test(core, test_trace_line_endings);
    tcase_add_test(core, test_help_anywhere);
    tcase_set_timeout(core, 60);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, test_trace_refuses_bad_input);
    tcase_add_test(limits, test_other_commands_refuse_bad_input);
    tcase_add_test(limits, test_trace_limits);
    tcase_add_test(limits, test_trace_refuses_bytes_that_are_not_text);
    tcase_add_test(limits, test_duplicates_refused);
    tcase_add_test(limits, test_race_limits);
    tcase_add_test(limits, test_messages_quote_bad_input_briefly);
    tcase_add_test(limits, test_race_plot_refused_up_front);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(s, limits);
    return s;
}
