/* clip_golden.h - reading tests/golden/clip.txt, PyTorch's own clipping
 * on fixed gradients (written by tools/make_golden.py):
 *
 *     case NAME
 *     function clip_grad_norm_                  (or clip_grad_value_)
 *     settings max_norm=1 norm_type=2           (norm_type 2 or inf; or clip_value=0.5)
 *     shape 2 3                                 (each tensor: its shape, then
 *     grad <numel numbers>                       its gradient, flattened)
 *     shape 4
 *     grad <numel numbers>
 *     clipped <numel numbers>                   (each tensor after clipping, in order)
 *     clipped <numel numbers>
 *     total_norm X                              (clip_grad_norm_ only: what it returned)
 *     end
 *
 * Numbers may be nan and inf (and -0): PyTorch's answers to non-finite
 * gradients are part of the record. Lines starting with # are comments.
 * The lesson's tests and optlab's read it. */
#ifndef LESSON_CLIP_GOLDEN_H
#define LESSON_CLIP_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

#define CLIP_GOLDEN_MAX_TENSORS 8

typedef struct {
    char name[64];
    bool by_value;                  /* clip_grad_value_; otherwise clip_grad_norm_ */
    float max_norm, norm_type;      /* clip_grad_norm_'s settings (norm_type 2 or INFINITY) */
    float clip_value;               /* clip_grad_value_'s */
    int count;                      /* tensors */
    int ndim[CLIP_GOLDEN_MAX_TENSORS];
    int shape[CLIP_GOLDEN_MAX_TENSORS][TENSOR_MAX_DIMS];
    size_t numel[CLIP_GOLDEN_MAX_TENSORS];
    float *grad[CLIP_GOLDEN_MAX_TENSORS];      /* grad[i][numel[i]]: before */
    float *clipped[CLIP_GOLDEN_MAX_TENSORS];   /* clipped[i][numel[i]]: after */
    float total_norm;               /* clip_grad_norm_'s return value */
} ClipCase;

typedef struct {
    int count;
    ClipCase *cases;
} ClipGoldenFile;

/* Reads a file of this format. Returns 0, or -1 with a message in err. */
int clip_golden_load(const char *path, ClipGoldenFile *out, char *err, size_t errlen);
/* The case with the given name, or NULL. */
const ClipCase *clip_golden_find(const ClipGoldenFile *file, const char *name);
void clip_golden_free(ClipGoldenFile *file);

#endif
