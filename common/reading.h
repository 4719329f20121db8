/* reading.h - the small things everything that reads files shares: where a
 * directory shipped with the book is (an environment variable, else the path
 * baked in at build time), and a stream or a file read whole into one
 * buffer. The digits loader, the golden-file reader, the tests and the GPU
 * chapter's recorded timings use them, so each of those says only what is
 * particular to it. */
#ifndef COMMON_READING_H
#define COMMON_READING_H

#include <stddef.h>

/* $ENV_NAME when it is set and not empty, otherwise built_in: a test, or a
 * copy of the book moved elsewhere, can point the programs at other files
 * without rebuilding them. */
const char *dir_from_env(const char *env_name, const char *built_in);

/* One read from `source` into buf: how many bytes (at most `room`), 0 at the
 * end, -1 on an error. */
typedef long (*ReadChunk)(void *source, char *buf /* [room] */, size_t room);

enum { READ_WHOLE_FAILED = -1, READ_WHOLE_NO_MEMORY = -2 };

/* Everything read_chunk gives until its end, in one NUL-terminated buffer
 * (free it) of *len bytes (len may be NULL). Returns 0, READ_WHOLE_FAILED
 * when a read failed, or READ_WHOLE_NO_MEMORY; then *text is NULL. */
int read_whole(ReadChunk read_chunk, void *source, char **text, size_t *len);

/* The whole file as a NUL-terminated string (free it), or NULL. */
char *read_text_file(const char *path);

#endif
