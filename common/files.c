/* files.c - the file-system helpers of the programs (see files.h). */
#include "files.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir for one directory that may exist already, as long as it is one. */
static int make_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0) return 0;
    if (errno != EEXIST || stat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int make_dirs(const char *path)
{
    char buf[1024];
    if (!*path) {
        errno = ENOENT;
        return -1;
    }
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (make_dir(buf) != 0) return -1;
        *p = '/';
    }
    return make_dir(buf);
}

bool has_control_char(const char *text)
{
    for (; *text; text++)
        if (iscntrl((unsigned char)*text)) return true;
    return false;
}

static const char *stdout_owner;   /* the program check_stdout_at_exit names */

static void check_stdout(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return;
    fprintf(stderr, "%s: cannot write standard output: %s\n", stdout_owner,
            errno ? strerror(errno) : "a write failed");
    _exit(1);   /* exit() again from inside exit() is undefined */
}

void check_stdout_at_exit(const char *program)
{
    if (!stdout_owner) atexit(check_stdout);
    stdout_owner = program;
}
