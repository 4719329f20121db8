/* reading.c - directories from the environment, streams and files read whole (see reading.h). */
#include "reading.h"

#include <stdio.h>
#include <stdlib.h>

const char *dir_from_env(const char *env_name, const char *built_in)
{
    const char *dir = getenv(env_name);
    return (dir && *dir) ? dir : built_in;
}

int read_whole(ReadChunk read_chunk, void *source, char **text, size_t *len)
{
    *text = NULL;
    if (len) *len = 0;
    /* Doubling keeps the copies realloc makes to about the final size; the
     * extra byte is for the NUL, so a full buffer still has room for it. */
    size_t cap = (size_t)1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return READ_WHOLE_NO_MEMORY;
    for (;;) {
        if (used == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (!bigger) {
                free(buf);
                return READ_WHOLE_NO_MEMORY;
            }
            buf = bigger;
            cap *= 2;
        }
        long n = read_chunk(source, buf + used, cap - used);
        if (n < 0) {
            free(buf);
            return READ_WHOLE_FAILED;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *text = buf;
    if (len) *len = used;
    return 0;
}

/* read_whole's view of a stdio stream. */
static long file_chunk(void *source, char *buf, size_t room)
{
    size_t n = fread(buf, 1, room, (FILE *)source);
    return n == 0 && ferror((FILE *)source) ? -1 : (long)n;
}

char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text;
    read_whole(file_chunk, f, &text, NULL);   /* text is NULL if that failed */
    fclose(f);
    return text;
}
