/* problems.c - what all problems share: lookup by name, evaluation at a
 * given point, and freeing (see problems.h). */
#include "problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt.h"
#include "input.h"

#define RAVINE_MAX_KAPPA 1e12

const char *const PROBLEM_NAMES = "ravine rosenbrock saddle sparse softmax mlp gpt";

Problem *problem_by_name(const char *name, double kappa, uint64_t seed,
                         char *err, size_t errlen)
{
    Problem *p = NULL;
    if (strcmp(name, "ravine") == 0) {
        /* At most 1e12: already far past what float32's 24 bits tell apart
         * (the flat side's curvature 1e-12 of the steep one's), and far below
         * where the steep side's loss overflows float32 at the start (from
         * about 1e38, every optimizer "diverged" before its first step). */
        p = kappa <= RAVINE_MAX_KAPPA ? ravine_new(2, kappa) : NULL;
        if (!p) snprintf(err, errlen, "the ravine needs a condition number kappa from 1 to %g", RAVINE_MAX_KAPPA);
        return p;
    }
    if (strcmp(name, "rosenbrock") == 0) p = rosenbrock_new();
    else if (strcmp(name, "saddle") == 0) p = saddle_new(1e-3);
    else if (strcmp(name, "sparse") == 0) p = sparse_linear_new(100, seed);
    else if (strcmp(name, "softmax") == 0) return softmax_regression_new(err, errlen);
    else if (strcmp(name, "mlp") == 0) return mlp_new(32, seed, err, errlen);
    else if (strncmp(name, "gpt", 3) == 0 && (name[3] == '\0' || name[3] == ':'))
        return gpt_by_settings(name + 3, seed, err, errlen);   /* gpt, gpt:quick, gpt:n_layer=1 */
    else {
        Excerpt shown;
        snprintf(err, errlen, "unknown problem '%s' (choose from: %s)", excerpt(name, strlen(name), &shown),
                 PROBLEM_NAMES);
        return NULL;
    }
    if (!p) snprintf(err, errlen, "out of memory");
    return p;
}

double problem_loss_at(Problem *p, const float *flat_params)
{
    return problem_loss_at_batch(p, flat_params, NULL, 0);
}

double problem_loss_at_batch(Problem *p, const float *flat_params, const int *idx, int n)
{
    paramlist_set(&p->params, flat_params);
    return p->loss_and_grad(p, idx, n);
}

void problem_free(Problem *p)
{
    if (!p) return;
    p->destroy(p);
    free(p);
}
