/* race.c - `optlab race`: several optimizers on the same problem, from the
 * same starting point, with the same batches; one line each, and optionally
 * a figure of their loss curves.
 *
 *     optlab race --problem=ravine --opt=sgd:lr=0.5,sgd:lr=1.9 --steps=100
 *
 * An entry of --opt is NAME or NAME:key=value:key=value, where a bare
 * boolean key means true (sgd:momentum=0.9:nesterov). Entries are separated
 * by commas; a comma followed by a digit belongs to a tuple value
 * (betas=0.9,0.99). Everything is checked, and the figure's file probed,
 * before the first line is printed. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment.h"
#include "files.h"   /* has_control_char */
#include "flags.h"
#include "gpt.h"
#include "optlab.h"
#include "plot.h"
#include "problems.h"
#include "registry.h"
#include "timing.h"
#include "train.h"

#define MAX_SETTINGS 32   /* key=value settings in one entry */

/* Bad input stops the race with die_usage (one line, status 2); what should
 * not fail (memory) with must (status 1). */
static const char COMMAND[] = "optlab race";

typedef struct {
    const char *problem;
    const char *opt;
    int steps;
    int batch;
    int seed;
    double kappa;
    const char *plot;
} RaceArgs;

static const OptionSpec race_options[] = {
    {"problem", OPT_STRING, offsetof(RaceArgs, problem), "ravine rosenbrock saddle sparse softmax mlp gpt[:settings]", 0, 0},
    {"opt", OPT_STRING, offsetof(RaceArgs, opt), "optimizers: NAME[:key=value...],...", 0, 0},
    {"steps", OPT_INT, offsetof(RaceArgs, steps), "steps per optimizer", 1, RACE_MAX_STEPS},
    {"batch", OPT_INT, offsetof(RaceArgs, batch), "examples per step, 0 for all (not for a plain function)", 0,
     RACE_MAX_BATCH},
    {"seed", OPT_INT, offsetof(RaceArgs, seed), "seed for initialisation and batches", 0, INT_MAX},
    {"kappa", OPT_DOUBLE, offsetof(RaceArgs, kappa), "condition number of the ravine (1 to 1e12)", 0, 0},
    {"plot", OPT_STRING, offsetof(RaceArgs, plot), "draw loss curves to NAME.svg and NAME.pdf (give either)", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

/* ---- progress, on a terminal ------------------------------------------------------- */

/* A race on the tiny GPT, or a long one, can run for minutes with nothing
 * to show until a racer ends. On a terminal, stderr says which racer is at
 * which step, at most once a second, and the line is erased before the
 * racer's result. train() knows nothing of it: the problem's loss_and_grad
 * is wrapped, and train() calls it once a step (then once more for the
 * final loss). */
static struct {
    double (*loss_and_grad)(Problem *self, const int *idx, int n);   /* the problem's own */
    const char *racer;
    int calls, steps;
    double shown_at;   /* wall_seconds() of the last line shown */
} progress;

static double loss_and_grad_showing_progress(Problem *self, const int *idx, int n)
{
    const double now = wall_seconds();
    if (now - progress.shown_at >= 1.0 && progress.calls < progress.steps) {
        fprintf(stderr, "\r%.40s: step %d of %d ", progress.racer, progress.calls + 1, progress.steps);
        progress.shown_at = now;
    }
    progress.calls++;
    return progress.loss_and_grad(self, idx, n);
}

/* Shows the progress of racer on p's steps when stderr is a terminal. */
static void show_progress(Problem *p, const char *racer, int steps)
{
    if (!isatty(STDERR_FILENO)) return;
    progress.loss_and_grad = p->loss_and_grad, progress.racer = racer;
    progress.calls = 0, progress.steps = steps, progress.shown_at = wall_seconds();
    p->loss_and_grad = loss_and_grad_showing_progress;
}

/* Erases the progress line, if one was shown, and gives p its own loss_and_grad back. */
static void end_progress(Problem *p)
{
    if (p->loss_and_grad != loss_and_grad_showing_progress) return;
    p->loss_and_grad = progress.loss_and_grad;
    fprintf(stderr, "\r%*s\r", 80, "");   /* wider than any progress line */
}

static void usage(const RaceArgs *defaults)
{
    printf("usage: optlab race --problem=P --opt=A,B,... [flags]\n"
           "\n"
           "Runs each optimizer on problem P from the same start with the same batches.\n"
           "An entry of --opt is NAME or NAME:key=value:key=value (PyTorch's keyword\n"
           "names, each at most once); a bare boolean key means true, as in\n"
           "sgd:momentum=0.9:nesterov. At most %d entries. --plot=NAME.svg (or .pdf)\n"
           "writes NAME.gp, the figure's gnuplot script, and draws NAME.svg and NAME.pdf;\n"
           "their directory must exist.\n"
           "On a terminal, stderr shows each racer's step while it runs.\n"
           "\n",
           RACE_MAX_RACERS);
    flags_print_help(stdout, race_options, defaults);
}

/* Splits "sgd:lr=0.1,adam:betas=0.9,0.99" into entries, in place. */
static int split_entries(char *text, char **entries)
{
    int n = 0;
    entries[n++] = text;
    for (char *p = text; *p; p++) {
        if (*p == ',' && isalpha((unsigned char)p[1])) {
            if (n == RACE_MAX_RACERS) return -1;
            *p = '\0';
            entries[n++] = p + 1;
        }
    }
    return n;
}

/* Opens the figure that --plot=DIR/NAME.svg asks for. The directory must
 * exist and take files: the script DIR/NAME.gp is written now, empty, so that
 * a bad --plot fails before any output rather than after the whole race. */
static Figure *open_plot(const char *path)
{
    Excerpt shown;
    const char *slash = strrchr(path, '/');
    const char *file = slash ? slash + 1 : path;
    const char *dot = strrchr(file, '.');
    if (!dot || dot == file || (strcmp(dot, ".svg") != 0 && strcmp(dot, ".pdf") != 0))
        die_usage(COMMAND, "--plot=%s: the file name must end in .svg or .pdf",
                  excerpt(path, strlen(path), &shown));
    char dir[1024], name[128], script[1200];
    if (slash == path) snprintf(dir, sizeof dir, "/");
    else if (!slash) snprintf(dir, sizeof dir, ".");
    else if ((size_t)(slash - path) >= sizeof dir) die_usage(COMMAND, "--plot: the path is too long");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if ((size_t)(dot - file) >= sizeof name) die_usage(COMMAND, "--plot: the file name is too long");
    snprintf(name, sizeof name, "%.*s", (int)(dot - file), file);
    if (has_control_char(path)) die_usage(COMMAND, "--plot: the path has a control character");
    snprintf(script, sizeof script, "%s/%s.gp", dir, name);
    FILE *probe = fopen(script, "w");
    if (!probe) die_usage(COMMAND, "--plot: cannot write %s: %s", script, strerror(errno));
    fclose(probe);
    Figure *fig = figure_open(dir, name);
    if (!fig) exit(EXIT_USAGE);   /* figure_open said why, in one line */
    return fig;
}

int optlab_race(int argc, char **argv)
{
    const RaceArgs defaults = {NULL, NULL, 200, 32, 1, 10.0, NULL};
    RaceArgs args = defaults;
    args.kappa = NAN;   /* not given: the flags refuse a NaN, so only this one stays NaN */
    args.batch = -1;    /* not given: below --batch's range, so only this one stays -1 */
    char err[512];
    Excerpt shown;   /* a bad value, quoted short in a message */
    int parsed = flags_parse(race_options, &args, argc, argv, 2, err, sizeof err);
    if (parsed == 1) {
        usage(&defaults);
        return 0;
    }
    if (parsed != 0) die_usage(COMMAND, "%s", err);
    if (!args.problem) die_usage(COMMAND, "--problem is required (%s)", PROBLEM_NAMES);
    if (!args.opt) die_usage(COMMAND, "--opt is required, e.g. --opt=sgd:lr=0.1");
    if (!isnan(args.kappa) && strcmp(args.problem, "ravine") != 0)   /* it would do nothing */
        die_usage(COMMAND, "--kappa shapes only --problem=ravine");
    if (isnan(args.kappa)) args.kappa = defaults.kappa;

    /* An empty entry ("sgd,,adam", a comma at either end) would otherwise be
     * glued to its neighbour and reported as an unknown optimizer. */
    size_t opt_length = strlen(args.opt);
    if (strstr(args.opt, ",,") || args.opt[0] == ',' || (opt_length && args.opt[opt_length - 1] == ','))
        die_usage(COMMAND, "--opt=%s: an empty entry (entries are separated by one comma: sgd,adam)",
                  excerpt(args.opt, opt_length, &shown));

    char *opt_text = must(strdup(args.opt), "out of memory");
    char *entries[RACE_MAX_RACERS];
    int racers = split_entries(opt_text, entries);
    if (racers < 0) die_usage(COMMAND, "at most %d optimizers at once", RACE_MAX_RACERS);

    /* Check every entry before running any. */
    const OptimizerSpec *specs[RACE_MAX_RACERS];
    void *configs[RACE_MAX_RACERS];
    for (int r = 0; r < racers; r++) {
        char *settings[MAX_SETTINGS];
        int n = 0;
        size_t length = strlen(entries[r]);
        if (strstr(entries[r], "::") || entries[r][0] == ':' || (length && entries[r][length - 1] == ':'))
            die_usage(COMMAND, "an empty setting in '%s' (an entry looks like sgd:lr=0.1:momentum=0.9)",
                      excerpt(entries[r], length, &shown));
        char *name = strtok(entries[r], ":");
        for (char *s = strtok(NULL, ":"); s; s = strtok(NULL, ":")) {
            if (n == MAX_SETTINGS) die_usage(COMMAND, "at most %d settings in one entry", MAX_SETTINGS);
            settings[n++] = s;
        }
        specs[r] = name ? registry_find(name) : NULL;
        if (!specs[r])
            die_usage(COMMAND, "unknown optimizer '%s' (see optlab list)",
                      name ? excerpt(name, strlen(name), &shown) : "");
        configs[r] = must(malloc(specs[r]->config_size), "out of memory");
        if (optimizer_config_parse(specs[r], configs[r], n, (const char *const *)settings,
                                                  err, sizeof err) != 0)
            die_usage(COMMAND, "%s", err);
        /* Put the entry back together as its label. */
        for (int i = 0; i < n; i++) settings[i][-1] = ' ';
    }

    /* Build the problem once up front, so that a bad name fails before any output. */
    Problem *probe = problem_by_name(args.problem, args.kappa, (uint64_t)args.seed, err, sizeof err);
    if (!probe) refuse_or_fail(COMMAND, err);
    /* The tiny GPT has a validation loss instead of a test accuracy, and a
     * floor: the lowest loss any model can reach on its text. */
    bool is_gpt = gpt_config(probe) != NULL;
    double loss_floor = probe->min_loss;
    bool plain_function = probe->num_examples == 0;
    problem_free(probe);
    if (args.batch >= 0 && plain_function)   /* it would do nothing */
        die_usage(COMMAND, "--batch: %s is a plain function, with no examples to batch "
                  "(sparse softmax mlp gpt have some)", excerpt(args.problem, strlen(args.problem), &shown));
    if (args.batch < 0) args.batch = defaults.batch;
    Figure *fig = args.plot ? open_plot(args.plot) : NULL;

    printf("%-36s %12s %12s %9s\n", "optimizer", "final loss", "best loss", is_gpt ? "val loss" : "test acc");
    bool log_scale = !is_gpt;   /* a GPT's losses span 0.5..3.3: a linear axis shows them better */
    for (int r = 0; r < racers; r++) {
        Problem *p = problem_by_name(args.problem, args.kappa, (uint64_t)args.seed, err, sizeof err);
        if (!p) refuse_or_fail(COMMAND, err);
        Optimizer *opt = must(specs[r]->create(p->params, configs[r]), "out of memory");
        TrainConfig cfg = {.steps = args.steps, .batch = args.batch, .seed = (uint64_t)args.seed,
                           .quiet = true};
        TrainHistory hist;
        show_progress(p, entries[r], args.steps);
        int status = train(p, opt, &cfg, &hist);
        end_progress(p);
        if (status < 0) fail("out of memory");
        double best = INFINITY;
        int last = status == 0 ? hist.steps_done : hist.diverged_at - 1;
        for (int t = 0; t <= last && t <= hist.steps_done; t++)
            if (hist.loss[t] < best) best = hist.loss[t];
        printf("%-36s ", entries[r]);
        /* diverged_at is the step whose starting loss was not finite: after
         * one step fewer, and after all of them for the final loss. */
        if (status == 1)
            printf("%12s %12.6g %9s  diverged: the loss after %d steps is not finite\n", "-", best, "-",
                   hist.diverged_at - 1);
        else if (is_gpt) printf("%12.6g %12.6g %9.4f\n", hist.loss[last], best, gpt_validation_loss(p));
        else if (p->test_accuracy) printf("%12.6g %12.6g %8.1f%%\n", hist.loss[last], best, 100 * p->test_accuracy(p));
        else printf("%12.6g %12.6g %9s\n", hist.loss[last], best, "-");
        if (fig) {
            fprintf(figure_data(fig), "$racer%d << EOD\n", r);
            for (int t = 0; t <= last && t <= hist.steps_done; t++) {
                fprintf(figure_data(fig), "%d %.9g\n", t, hist.loss[t]);
                if (!(hist.loss[t] > 0)) log_scale = false;
            }
            fprintf(figure_data(fig), "EOD\n");
        }
        train_history_free(&hist);
        optimizer_free(opt);
        problem_free(p);
        free(configs[r]);
    }
    if (is_gpt)
        printf("floor (the best possible loss per character on this text, gpt.h): %.4f\n", loss_floor);
    if (fig) {
        FILE *g = figure_commands(fig);
        fprintf(g, "set xlabel 'step'\nset ylabel 'loss on %s' noenhanced\nset key top right\n", args.problem);
        if (log_scale) fprintf(g, "set logscale y\nset format y '10^{%%T}'\n");
        fprintf(g, "plot ");
        for (int r = 0; r < racers; r++)
            fprintf(g, "%s$racer%d with lines ls %d title '%s' noenhanced", r ? ", " : "", r, r % 8 + 1, entries[r]);
        if (is_gpt) fprintf(g, ", %.9g with lines dt 2 lc 'gray40' title 'floor'", loss_floor);
        fprintf(g, "\n");
        if (figure_close(fig) < 0) return 1;
    }
    free(opt_text);
    return 0;
}
