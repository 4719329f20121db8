/* golden_maps.c - reading tests/golden/adam8bit_maps.txt (see golden_maps.h). */
#include "golden_maps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

/* The row a word names in case c, or NULL for a word that names none. */
static float **row_named(QuantizeCase *c, const char *word)
{
    return strcmp(word, "input") == 0     ? &c->input
           : strcmp(word, "codes") == 0   ? &c->codes
           : strcmp(word, "absmax") == 0  ? &c->absmax
           : strcmp(word, "dequant") == 0 ? &c->dequant
                                          : NULL;
}

/* Reads a "quantize" line's four words into c: 0, or -1. */
static int read_case_line(GoldenReader *r, QuantizeCase *c)
{
    const char *name = golden_reader_word(r), *kind = golden_reader_word(r);
    const char *block = golden_reader_word(r), *n = golden_reader_word(r);
    if (!name || !kind || !block || !n) return -1;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->is_signed = strcmp(kind, "signed") == 0;
    c->block_size = (size_t)atol(block);
    c->n = (size_t)atol(n);
    return c->block_size > 0 && c->n > 0 ? 0 : -1;
}

int maps_file_load(MapsFile *f, char *err, size_t err_len)
{
    memset(f, 0, sizeof *f);
    char path[4096];
    snprintf(path, sizeof path, "%s/adam8bit_maps.txt", golden_dir());
    GoldenReader r;
    if (golden_reader_open(&r, path, err, err_len) != 0) return -1;
    int maps = 0;
    QuantizeCase *open_case = NULL;   /* between "quantize" and "end" */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "map") == 0) {
            const char *kind = golden_reader_word(&r);
            if (!kind || golden_reader_floats(&r, f->map[strcmp(kind, "signed") != 0], QMAP_SIZE, true) != 0)
                break;
            maps++;
        } else if (!open_case && strcmp(word, "quantize") == 0) {
            if (f->count == MAPS_MAX_CASES || read_case_line(&r, &f->cases[f->count]) != 0) break;
            open_case = &f->cases[f->count];
        } else if (open_case && strcmp(word, "end") == 0) {
            f->count++;
            open_case = NULL;
        } else if (open_case) {
            float **row = row_named(open_case, word);
            size_t len = row == &open_case->absmax
                             ? quantize_num_blocks(open_case->n, open_case->block_size)
                             : open_case->n;
            if (!row || *row || !(*row = malloc(len * sizeof **row))) break;
            if (golden_reader_floats(&r, *row, len, false) != 0) break;
        } else {
            break;
        }
    }
    if (open_case) f->count++;   /* so that its rows are freed */
    int status = golden_reader_close(&r, open_case ? open_case->name : NULL, err, err_len);
    for (int i = 0; status == 0 && i < f->count; i++) {
        const QuantizeCase *c = &f->cases[i];
        if (!c->input || !c->codes || !c->absmax || !c->dequant) {
            snprintf(err, err_len, "%s: case %s is missing a row", path, c->name);
            status = -1;
        }
    }
    if (status == 0 && (maps != 2 || f->count < 1)) {
        snprintf(err, err_len, "%s: %d maps and %d cases (2 and at least 1 expected)", path, maps, f->count);
        status = -1;
    }
    if (status != 0) maps_file_free(f);
    return status;
}

void maps_file_free(MapsFile *f)
{
    for (int i = 0; i < f->count; i++) {
        free(f->cases[i].input), free(f->cases[i].codes);
        free(f->cases[i].absmax), free(f->cases[i].dequant);
    }
    f->count = 0;
}
