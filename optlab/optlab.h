/* optlab.h - the subcommands of build/bin/optlab, the lab bench. */
#ifndef OPTLAB_H
#define OPTLAB_H

#define OPTLAB_EXIT_USAGE 2   /* bad input: one message on stderr, status 2 */

int optlab_list(int argc, char **argv);
int optlab_trace(int argc, char **argv);
int optlab_race(int argc, char **argv);

#endif
