/* ex2_factoring.c - exercise 2, solved: the floats Adafactor keeps for a
 * parameter, and how far its rank-1 estimate is from the matrix it stands for. */
#include <math.h>
#include <stdlib.h>

#include "exercises.h"

size_t ex_adafactor_state_floats(int ndim, const int *shape)
{
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) numel *= (size_t)shape[d];
    if (ndim < 2) return numel;   /* a vector (or a number) keeps its whole variance */
    /* Each matrix of the last two dims keeps a row_var and a col_var. */
    const size_t rows = (size_t)shape[ndim - 2], cols = (size_t)shape[ndim - 1];
    return numel / (rows * cols) * (rows + cols);
}

double ex_rank1_error(const float *v, int rows, int cols)
{
    double *r = calloc((size_t)rows, sizeof *r), *c = calloc((size_t)cols, sizeof *c);
    if (!r || !c) {
        free(r);
        free(c);
        return NAN;
    }
    /* Row and column means; the mean of the row means is the mean of v. */
    double m = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            r[i] += v[(size_t)i * cols + j] / cols;
            c[j] += v[(size_t)i * cols + j] / rows;
        }
    for (int i = 0; i < rows; i++) m += r[i] / rows;
    double diff_sq = 0.0, v_sq = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            const double vij = v[(size_t)i * cols + j];
            const double vhat = m > 0.0 ? r[i] * c[j] / m : 0.0;
            diff_sq += (vhat - vij) * (vhat - vij);
            v_sq += vij * vij;
        }
    free(r);
    free(c);
    return v_sq > 0.0 ? sqrt(diff_sq / v_sq) : 0.0;
}
