/* optlab.h - the subcommands of build/bin/optlab, the lab bench. */
#ifndef OPTLAB_H
#define OPTLAB_H

/* Bad input gives one message on stderr and exit status 2 (die_usage and
 * EXIT_USAGE in common/input.h), in every subcommand. */

/* What optlab takes at most, so that no input can make it run out of memory
 * or time; the usage text states them. */
#define TRACE_MAX_PARAMS 65536        /* numbers on the first line of trace's input */
#define TRACE_MAX_STEPS 100000        /* gradient lines */
#define TRACE_MAX_LINE 1048576        /* bytes in one input line (1 MiB) */
#define TRACE_MAX_NUMBERS 16777216    /* numbers in all: 64 MiB of float32 */
#define RACE_MAX_STEPS 100000         /* --steps of race */
#define RACE_MAX_BATCH 65536          /* --batch of race (more than a problem has means all) */
#define RACE_MAX_RACERS 8             /* entries of --opt */

int optlab_list(int argc, char **argv);
int optlab_trace(int argc, char **argv);
int optlab_race(int argc, char **argv);

#endif
