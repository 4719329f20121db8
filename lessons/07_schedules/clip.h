/* clip.h - gradient clipping, exactly as torch.nn.utils.clip_grad_norm_
 * and clip_grad_value_ of PyTorch 1.13 run it on float32 gradients.
 *
 * clip_grad_norm_ treats all the gradients as one long vector:
 *
 *     norm_i      = ||g_i||                        (each tensor: 2-norm, or max |g|)
 *     total_norm  = ||(norm_1, ..., norm_n)||      (the norm of the norms)
 *     clip_coef   = max_norm / (total_norm + 1e-6)
 *     g_i         = g_i * min(clip_coef, 1)        (every tensor, the same factor)
 *     return total_norm                            (the norm before clipping)
 *
 * so the direction of the whole gradient is kept and only its length is
 * capped. clip_grad_value_ instead clamps each element to
 * [-clip_value, clip_value], which changes the direction.
 *
 * PyTorch checks neither max_norm nor clip_value, and neither do these: a
 * negative max_norm flips every gradient, a negative clip_value sets every
 * element to clip_value. A NaN anywhere makes every gradient NaN; an
 * infinite total (a gradient of 1e30 squares to inf in float32) makes
 * clip_coef 0, and every finite gradient becomes 0. */
#ifndef LESSON_CLIP_H
#define LESSON_CLIP_H

#include <stddef.h>

#include "params.h"

/* The norm of all the gradients of `params` viewed as one vector: the
 * norm_type-norm (2.0f, or INFINITY for the largest |g|) of the per-tensor
 * norms, in float32 as PyTorch computes it. 0 when there are no tensors; NAN
 * for any other norm_type. (PyTorch 2.6 names this step
 * torch.nn.utils.get_total_norm.) */
float get_total_norm(const ParamList *params, float norm_type);

/* Scales every gradient by min(max_norm / (total_norm + 1e-6), 1): the
 * second half of clip_grad_norm_ (torch.nn.utils.clip_grads_with_norm_ in
 * PyTorch 2.6). */
void clip_grads_with_norm_(const ParamList *params, float max_norm, float total_norm);

/* torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type) with
 * error_if_nonfinite=False, PyTorch 1.13's default: scales the gradients in
 * place so that their total norm is at most max_norm, and returns the total
 * norm they had before. */
float clip_grad_norm_(const ParamList *params, float max_norm, float norm_type);

/* error_if_nonfinite=True: PyTorch computes the total norm, and when it is
 * NaN or infinite raises a RuntimeError instead of clipping. This returns
 * that error's message (written into buf), or NULL when total_norm is finite
 * and clipping may go on:
 *
 *     float total = get_total_norm(&params, 2.0f);
 *     if (nonfinite_norm_error(total, 2.0f, buf, sizeof buf)) ... refuse, gradients untouched
 *     clip_grads_with_norm_(&params, max_norm, total);
 */
const char *nonfinite_norm_error(float total_norm, float norm_type, char *buf, size_t len);

/* torch.nn.utils.clip_grad_value_(parameters, clip_value): clamps every
 * gradient element to [-clip_value, clip_value], in place. */
void clip_grad_value_(const ParamList *params, float clip_value);

#endif
