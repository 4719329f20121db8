/* host.c - what WebAssembly lacks, for the book's playground: no other
 * programs (gnuplot), and no zlib for the digits data. Each stand-in fails
 * as the real call fails when the thing is missing, so the code that calls
 * it says so in its own words ("cannot run gnuplot", "cannot read the
 * digits") and nothing pretends to work. */
#include <errno.h>
#include "host.h"

FILE *popen(const char *command, const char *mode)
{
    (void)command, (void)mode;
    errno = ENOSYS;
    return NULL;
}

int pclose(FILE *stream)
{
    (void)stream;
    errno = ENOSYS;
    return -1;
}

int mkstemp(char *template)   /* only for gnuplot's log: no gnuplot here either */
{
    (void)template;
    errno = ENOSYS;
    return -1;
}

int system(const char *command)
{
    return command ? -1 : 0;   /* system(NULL): no command processor */
}

/* zlib's three calls that common/data.c makes: a file that cannot be
 * opened. */
typedef struct gzFile_s *gzFile;

gzFile gzopen(const char *path, const char *mode)
{
    (void)path, (void)mode;
    errno = ENOSYS;
    return NULL;
}

int gzread(gzFile file, void *buf, unsigned len)
{
    (void)file, (void)buf, (void)len;
    return -1;
}

int gzclose(gzFile file)
{
    (void)file;
    return -1;
}

/* Never reached: data.c checks a CRC only of data gzread gave it. */
unsigned long crc32(unsigned long crc, const unsigned char *buf, unsigned len)
{
    (void)buf, (void)len;
    return crc;
}
