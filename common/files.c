/* files.c - the file-system helpers of the programs (see files.h). */
#include "files.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

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
