/* schedule.c - `optlab schedule NAME`: the learning rate a schedule sets at
 * each step, as torch.optim.lr_scheduler (PyTorch 1.13) computes it, or
 * nanoGPT's get_lr.
 *
 *     optlab schedule cosine --lr=0.1 --T_max=10 --steps=30
 *
 * prints the lr in effect at steps 0, 1, ..., steps - 1, one a line,
 * "%.9g": step 0's is the one set when the scheduler is made, and each
 * scheduler.step() (after an optimizer step) gives the next. The settings
 * are checked, and every lr worked out, before the first line is printed;
 * an lr that no float32 optimizer could take is refused. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "flags.h"
#include "optlab.h"
#include "schedules.h"

/* Bad input stops with die_usage (one line, status 2); what should not
 * fail (memory) with fail (status 1). */
static const char COMMAND[] = "optlab schedule";

static void usage(const ScheduleSpec *spec)
{
    printf("usage: optlab schedule NAME [--key=value ...] --steps=N\n"
           "\n"
           "Prints the learning rate in effect at steps 0 .. N-1, one a line, %%.9g: step 0's\n"
           "is set when the scheduler is made, each scheduler.step() after an optimizer\n"
           "step gives the next. Keys are PyTorch's keyword names, and --lr, the\n"
           "optimizer's lr the schedule scales; a boolean is --key, --key=true or\n"
           "--key=false; each flag at most once. Keys without a default are required.\n"
           "An lr that a float32 optimizer could not take (above %g) is refused.\n"
           "\n"
           "  --steps=N        how many lrs to print (1..%d; OneCycleLR has total_steps + 1)\n",
           FLT_MAX, SCHEDULE_MAX_STEPS);
    if (spec) {
        printf("\n%s (%s): %s\n  %s\n", spec->name, spec->torch_name, spec->summary, spec->call);
        schedule_print_help(stdout, spec);
        return;
    }
    printf("\nNAME is one of (optlab schedule NAME --help lists its keys):\n");
    for (const ScheduleSpec *s = SCHEDULE_SPECS; s->name; s++) printf("  %-14s %s\n", s->name, s->summary);
}

int optlab_schedule(int argc, char **argv)
{
    Excerpt shown;
    if (flags_help_wanted(argc, argv, 2)) {
        usage(argc > 2 ? schedule_spec_find(argv[2]) : NULL);
        return 0;
    }
    if (argc < 3 || argv[2][0] == '-')
        die_usage(COMMAND, "which schedule? (linear cosine onecycle warmup_cosine sequential)");
    const ScheduleSpec *spec = schedule_spec_find(argv[2]);
    if (!spec)
        die_usage(COMMAND, "unknown schedule '%s' (linear cosine onecycle warmup_cosine sequential)",
                  excerpt(argv[2], strlen(argv[2]), &shown));

    /* --steps is schedule's own; every other flag is a setting of NAME.
     * What is allocated is freed before any refusal (the sanitizers' leak
     * check runs at exit). */
    const char *steps_flag = NULL;
    for (int i = 3; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            die_usage(COMMAND, "unexpected argument '%s' (settings look like --lr=0.1)",
                      excerpt(arg, strlen(arg), &shown));
        if (strncmp(arg, "--steps", 7) == 0 && (arg[7] == '=' || arg[7] == '\0')) {
            if (steps_flag) die_usage(COMMAND, "--steps is given twice (once is enough)");
            steps_flag = arg;
        }
    }
    if (!steps_flag) die_usage(COMMAND, "--steps=N is required (how many lrs to print)");
    int steps = 0;
    char err[1024];
    const OptionSpec steps_option[] = {
        {"steps", OPT_INT, 0, "lrs to print", 1, SCHEDULE_MAX_STEPS},
        {NULL, 0, 0, NULL, 0, 0},
    };
    if (options_parse(steps_option, &steps, 1, &steps_flag, err, sizeof err) != 0) die_usage(COMMAND, "%s", err);

    const char **settings = calloc((size_t)argc, sizeof *settings);
    if (!settings) fail("out of memory");
    int num_settings = 0;
    for (int i = 3; i < argc; i++)
        if (argv[i] != steps_flag) settings[num_settings++] = argv[i];
    Schedule s;
    int parsed = schedule_parse(spec, &s, num_settings, settings, err, sizeof err);
    free(settings);
    if (parsed != 0) die_usage(COMMAND, "%s", err);

    /* Every lr first: a step PyTorch refuses (OneCycleLR past total_steps)
     * is refused before anything is printed. */
    ScheduleRun run;
    if (schedule_start(&run, &s, s.lr, err, sizeof err) != 0) die_usage(COMMAND, "%s", err);
    double *lrs = malloc(sizeof(double) * (size_t)steps);
    if (!lrs) fail("out of memory");
    for (int t = 0; t < steps; t++) {
        if (t > 0 && schedule_step(&run, err, sizeof err) != 0) {
            free(lrs);
            die_usage(COMMAND, "--steps=%d: %s (%s at step %d)", steps, err, spec->torch_name, t);
        }
        lrs[t] = run.lr;
        /* The lrs are doubles, as Python's are, but each sets an optimizer's
         * float32 lr: one past FLT_MAX could not be set. (Settings near a
         * double's limit overflow to inf or NaN in the arithmetic.) */
        if (!(fabs(run.lr) <= FLT_MAX)) {
            char shown[32];
            if (isnan(run.lr)) snprintf(shown, sizeof shown, "NaN");
            else if (isinf(run.lr)) snprintf(shown, sizeof shown, "infinite");
            else snprintf(shown, sizeof shown, "%.9g", run.lr);
            free(lrs);
            die_usage(COMMAND, "the lr at step %d is %s: lower --lr (or max_lr, eta_min, min_lr, or raise "
                      "div_factor); an optimizer takes at most %g", t, shown, FLT_MAX);
        }
    }
    for (int t = 0; t < steps; t++) printf("%.9g\n", lrs[t]);
    free(lrs);
    return 0;   /* check_stdout_at_exit (main) sees a failed write, with its reason */
}
