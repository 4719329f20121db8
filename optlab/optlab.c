/* optlab.c - the lab bench: replay an optimizer on given numbers, race
 * optimizers on a problem, list what there is.
 *
 *     optlab list
 *     optlab trace NAME [--key=value ...] [--shape=R,C] [--state]  < numbers
 *     optlab race --problem=P --opt=A,B,... [--steps=N] [--batch=B] [--plot=FILE]
 */
#include <stdio.h>
#include <string.h>

#include "optlab.h"
#include "registry.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: optlab list\n"
            "       optlab trace NAME [--key=value ...] [--shape=R,C] [--state]  < numbers\n"
            "       optlab race --problem=P --opt=A,B,... [--steps=N] [--batch=B] [--plot=FILE]\n"
            "\n"
            "trace reads the initial parameters from the first line of standard input and\n"
            "one gradient per further line, and prints the parameters after each step.\n"
            "Keys are PyTorch's keyword names (optlab list shows them).\n");
}

int optlab_list(int argc, char **argv)
{
    (void)argv;
    if (argc > 2) {
        fprintf(stderr, "optlab list: takes no arguments\n");
        return OPTLAB_EXIT_USAGE;
    }
    for (int i = 0; REGISTRY[i]; i++) {
        const OptimizerSpec *spec = REGISTRY[i];
        printf("%-10s %s\n", spec->name, spec->torch_name);
        flags_print_help(stdout, spec->options, spec->defaults);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return OPTLAB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0) return optlab_list(argc, argv);
    if (strcmp(cmd, "trace") == 0) return optlab_trace(argc, argv);
    if (strcmp(cmd, "race") == 0) return optlab_race(argc, argv);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "optlab: unknown command '%s'\n", cmd);
    usage(stderr);
    return OPTLAB_EXIT_USAGE;
}
