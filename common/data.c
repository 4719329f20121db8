/* data.c - reading, checking and splitting the digits data (see data.h). */
#include "data.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "reading.h"
#include "rng.h"

/* read_whole's view of a gzip file. gzread takes an unsigned count and
 * returns an int, so one read asks for at most INT_MAX bytes. */
static long gz_chunk(void *source, char *buf, size_t room)
{
    return gzread((gzFile)source, buf, room > INT_MAX ? INT_MAX : (unsigned)room);
}

/* Reads a whole gzip file into memory. */
static char *read_gzip(const char *path, size_t *len, char *err, size_t errlen)
{
    gzFile in = gzopen(path, "rb");
    if (!in) {
        snprintf(err, errlen, "cannot open %s", path);
        return NULL;
    }
    char *text;
    int status = read_whole(gz_chunk, in, &text, len);
    gzclose(in);
    if (status == READ_WHOLE_FAILED) snprintf(err, errlen, "%s: damaged gzip data", path);
    if (status == READ_WHOLE_NO_MEMORY) snprintf(err, errlen, "out of memory reading %s", path);
    return text;
}

int digits_load(const char *path, Dataset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    char *text = read_gzip(path, &len, err, errlen);
    if (!text) return -1;

    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)text, (uInt)len);
    if (crc != DIGITS_CRC32) {
        snprintf(err, errlen, "%s: CRC-32 is %08x, expected %08x: not the book's digits data",
                 path, crc, DIGITS_CRC32);
        free(text);
        return -1;
    }

    out->count = DIGITS_COUNT;
    out->features = DIGITS_FEATURES;
    out->x = malloc(sizeof(float) * DIGITS_COUNT * DIGITS_FEATURES);
    out->y = malloc(sizeof(int) * DIGITS_COUNT);
    if (!out->x || !out->y) {
        snprintf(err, errlen, "out of memory");
        free(text);
        dataset_free(out);
        return -1;
    }
    const char *p = text;
    for (int row = 0; row < DIGITS_COUNT; row++) {
        for (int col = 0; col <= DIGITS_FEATURES; col++) {
            char *end;
            long v = strtol(p, &end, 10);
            char want = col < DIGITS_FEATURES ? ',' : '\n';
            long max = col < DIGITS_FEATURES ? 16 : DIGITS_CLASSES - 1;
            if (end == p || *end != want || v < 0 || v > max) {
                snprintf(err, errlen, "%s: bad value on line %d, column %d", path, row + 1, col + 1);
                free(text);
                dataset_free(out);
                return -1;
            }
            if (col < DIGITS_FEATURES)
                out->x[row * DIGITS_FEATURES + col] = (float)v / 16.0f;
            else
                out->y[row] = (int)v;
            p = end + 1;
        }
    }
    free(text);
    return 0;
}

/* Copies the rows listed in idx into a new data set. */
static int take_rows(const Dataset *all, const int *idx, int n, Dataset *out)
{
    out->count = n;
    out->features = all->features;
    out->x = malloc(sizeof(float) * (size_t)n * (size_t)all->features);
    out->y = malloc(sizeof(int) * (size_t)n);
    if (!out->x || !out->y) return -1;
    for (int i = 0; i < n; i++) {
        memcpy(out->x + (size_t)i * all->features, all->x + (size_t)idx[i] * all->features,
               sizeof(float) * (size_t)all->features);
        out->y[i] = all->y[idx[i]];
    }
    return 0;
}

#ifndef OPTIMIZERS_DATA_DIR
#define OPTIMIZERS_DATA_DIR "common/data"
#endif

const char *data_dir(void)
{
    return dir_from_env("OPTIMIZERS_DATA_DIR", OPTIMIZERS_DATA_DIR);
}

int digits_load_split(Dataset *train, Dataset *test, char *err, size_t errlen)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    char path[4096];
    snprintf(path, sizeof path, "%s/digits.csv.gz", data_dir());
    Dataset all;
    if (digits_load(path, &all, err, errlen) != 0) return -1;

    int order[DIGITS_COUNT];
    for (int i = 0; i < DIGITS_COUNT; i++) order[i] = i;
    Rng rng;
    rng_seed(&rng, DIGITS_SPLIT_SEED, 0);
    rng_shuffle(&rng, order, DIGITS_COUNT);

    int n_train = DIGITS_COUNT - DIGITS_TEST_COUNT;
    int ok = take_rows(&all, order, n_train, train) == 0 &&
             take_rows(&all, order + n_train, DIGITS_TEST_COUNT, test) == 0;
    dataset_free(&all);
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        dataset_free(train);
        dataset_free(test);
        return -1;
    }
    return 0;
}

void dataset_free(Dataset *d)
{
    free(d->x);
    free(d->y);
    d->x = NULL;
    d->y = NULL;
    d->count = 0;
}
