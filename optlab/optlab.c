/* optlab.c - the lab bench: replay an optimizer on given numbers, race
 * optimizers on a problem, list what there is.
 *
 *     optlab list
 *     optlab trace NAME [--key=value ...] [--shape=R,C] [--state]  < numbers
 *     optlab race --problem=P --opt=A,B,... [--steps=N] [--batch=B] [--plot=FILE]
 *     optlab schedule NAME [--key=value ...] --steps=N
 *     optlab clip --max_norm=X [--norm_type=2|inf]  < gradients
 *     optlab memory --params=N --recipe=R --opt=NAME [--shape=R,C] [--rank=K] [--zero=S --ranks=N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "flags.h"
#include "input.h"
#include "optlab.h"
#include "registry.h"

_Noreturn void refuse_or_fail(const char *command, const char *err)
{
    if (strncmp(err, "out of memory", strlen("out of memory")) == 0) {
        fprintf(stderr, "%s: %s\n", command, err);
        exit(1);
    }
    die_usage(command, "%s", err);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optlab list\n"
            "       optlab trace NAME [--key=value ...] [--shape=R,C] [--state]  < numbers\n"
            "       optlab race --problem=P --opt=A,B,... [--steps=N] [--batch=B] [--plot=FILE]\n"
            "       optlab schedule NAME [--key=value ...] --steps=N\n"
            "       optlab clip --max_norm=X [--norm_type=2|inf]  < gradients\n"
            "       optlab memory --params=N --recipe=R --opt=NAME [--shape=R,C] [--rank=K]\n"
            "                     [--zero=S --ranks=N]\n"
            "\n"
            "trace reads the initial parameters from the first line of standard input and\n"
            "one gradient per further line, and prints the parameters after each step.\n"
            "Keys are PyTorch's keyword names (optlab list shows them); a boolean is --key,\n"
            "--key=true or --key=false; each flag may be given once. clip reads one\n"
            "gradient tensor per line, and prints them clipped by their total norm, then\n"
            "that norm. optlab trace --help, optlab race --help and optlab clip --help say\n"
            "more.\n"
            "schedule prints the learning rate a torch.optim.lr_scheduler schedule (or\n"
            "nanoGPT's) sets at each step; optlab schedule --help lists them.\n"
            "memory prints the bytes of training a model of N parameters (parameters,\n"
            "gradients, master weights, each optimizer state); optlab memory --help says more.\n"
            "\n"
            "Limits: trace takes at most %d parameters, %d steps (gradient lines),\n"
            "%d bytes in a line and %d numbers in all; race runs at most %d\n"
            "optimizers for at most %d steps of at most %d examples; clip takes at\n"
            "most %d tensors, with trace's limits on lines and numbers.\n"
            "schedule prints at most %d steps.\n",
            TRACE_MAX_PARAMS, TRACE_MAX_STEPS, TRACE_MAX_LINE, TRACE_MAX_NUMBERS, RACE_MAX_RACERS,
            RACE_MAX_STEPS, RACE_MAX_BATCH, CLIP_MAX_TENSORS, SCHEDULE_MAX_STEPS);
}

int optlab_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 2) die_usage("optlab list", "takes no arguments");
    for (int i = 0; REGISTRY[i]; i++) {
        const OptimizerSpec *spec = REGISTRY[i];
        printf("%-10s %s\n", spec->name, spec->torch_name);
        flags_print_help(stdout, spec->options, spec->defaults);
    }
    return 0;
}

int main(int argc, char **argv)
{
    check_stdout_at_exit("optlab");
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    /* trace, race, schedule, clip and memory have their own --help; anywhere else it shows this one. */
    if (strcmp(cmd, "trace") == 0) return optlab_trace(argc, argv);
    if (strcmp(cmd, "race") == 0) return optlab_race(argc, argv);
    if (strcmp(cmd, "schedule") == 0) return optlab_schedule(argc, argv);
    if (strcmp(cmd, "clip") == 0) return optlab_clip(argc, argv);
    if (strcmp(cmd, "memory") == 0) return optlab_memory(argc, argv);
    if (flags_help_wanted(argc, argv, 1) || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "list") == 0) return optlab_list(argc, argv);
    Excerpt shown;
    die_usage("optlab", "unknown command '%s' (try optlab --help)", excerpt(cmd, strlen(cmd), &shown));
}
