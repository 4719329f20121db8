/* files.h - the file-system helpers the programs share: figures and reports
 * both create the directories they write into; every program checks that
 * what it printed was written. */
#ifndef COMMON_FILES_H
#define COMMON_FILES_H

#include <stdbool.h>

/* Creates a directory and its parents (mkdir -p). Returns 0, or -1 with errno
 * saying why (ENOTDIR when a part of the path is a file). */
int make_dirs(const char *path);

/* Whether a name holds a control character (a tab, a newline): a figure's
 * gnuplot script, a command a line, cannot name such a file. */
bool has_control_char(const char *text);

/* Makes the program check, when it exits, that all it printed reached
 * standard output: a full disk or a closed descriptor loses it silently.
 * If not, "PROGRAM: cannot write standard output: REASON" on stderr and
 * exit status 1. Each program's main calls it first. */
void check_stdout_at_exit(const char *program);

#endif
