/* problem_functions.c - the problems that are plain functions of their
 * parameters: quadratics (the ravine among them), Rosenbrock and the saddle
 * (see problems.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "problems.h"

typedef struct {
    Problem base;
    Tensor *x;                /* the parameter vector, x[dim] */
    Tensor *x_grad;           /* its gradient, x_grad[dim] */
    float *start;             /* where reset() puts x */
    double *curvature;        /* a quadratic's h_i (the ravine's among them); 0 for the others */
} FunctionProblem;

static FunctionProblem *function_problem_new(const char *name, int dim, double min_loss)
{
    FunctionProblem *fp = calloc(1, sizeof *fp);
    if (!fp) return NULL;
    fp->base.name = name;
    fp->base.min_loss = min_loss;
    fp->x = tensor_new_1d(&fp->base.ledger, "x", TAG_PARAM, dim);
    fp->x_grad = tensor_new_1d(&fp->base.ledger, "x.grad", TAG_GRAD, dim);
    fp->start = calloc((size_t)dim, sizeof(float));
    fp->curvature = calloc((size_t)dim, sizeof(double));
    if (!fp->x || !fp->x_grad || !fp->start || !fp->curvature) {
        tensor_free(fp->x);
        tensor_free(fp->x_grad);
        free(fp->start);
        free(fp->curvature);
        free(fp);
        return NULL;
    }
    /* one parameter: its pointer is a list of length 1 */
    fp->base.params = (ParamList){1, &fp->x, &fp->x_grad};
    return fp;
}

static void function_reset(Problem *self, uint64_t seed)
{
    (void)seed;
    FunctionProblem *fp = (FunctionProblem *)self;
    memcpy(fp->x->data, fp->start, tensor_bytes(fp->x));
}

static void function_destroy(Problem *self)
{
    FunctionProblem *fp = (FunctionProblem *)self;
    tensor_free(fp->x);
    tensor_free(fp->x_grad);
    free(fp->start);
    free(fp->curvature);
}

/* ---- quadratics, and the ravine ------------------------------------------- */

static double quadratic_loss_and_grad(Problem *self, const int *idx, int n)
{
    (void)idx;
    (void)n;
    FunctionProblem *fp = (FunctionProblem *)self;
    const float *x = fp->x->data;
    float *g = fp->x_grad->data;
    double loss = 0.0;
    for (size_t i = 0; i < fp->x->numel; i++) {
        loss += 0.5 * fp->curvature[i] * (double)x[i] * x[i];
        g[i] = (float)(fp->curvature[i] * x[i]);
    }
    return loss;
}

static Problem *diagonal_quadratic(const char *name, int dim, const double *curvature,
                                   const float *start)
{
    FunctionProblem *fp = function_problem_new(name, dim, 0.0);
    if (!fp) return NULL;
    for (int i = 0; i < dim; i++) {
        fp->curvature[i] = curvature[i];
        fp->start[i] = start[i];
    }
    fp->base.loss_and_grad = quadratic_loss_and_grad;
    fp->base.reset = function_reset;
    fp->base.destroy = function_destroy;
    function_reset(&fp->base, 0);
    return &fp->base;
}

Problem *quadratic_new(int dim, const double *curvature, const float *start)
{
    if (dim < 1) return NULL;
    for (int i = 0; i < dim; i++)
        if (!(curvature[i] > 0.0) || !isfinite(curvature[i]) || !isfinite(start[i])) return NULL;
    return diagonal_quadratic("quadratic", dim, curvature, start);
}

Problem *ravine_new(int dim, double kappa)
{
    if (dim < 1 || !(kappa >= 1.0) || !isfinite(kappa)) return NULL;
    double *curvature = malloc(sizeof(double) * (size_t)dim);
    float *start = malloc(sizeof(float) * (size_t)dim);
    Problem *p = NULL;
    if (curvature && start) {
        for (int i = 0; i < dim; i++) {
            /* Coordinate 0 is the flat floor (1/kappa), the last the steep wall (1). */
            double exponent = dim == 1 ? 0.0 : (double)(dim - 1 - i) / (dim - 1);
            curvature[i] = pow(kappa, -exponent);
            /* Start where every coordinate contributes 1/2 to the loss. */
            start[i] = (float)(1.0 / sqrt(curvature[i]));
        }
        p = diagonal_quadratic("ravine", dim, curvature, start);
    }
    free(curvature);
    free(start);
    return p;
}

double quadratic_curvature(const Problem *quadratic, int i)
{
    return ((const FunctionProblem *)quadratic)->curvature[i];
}

/* ---- Rosenbrock ------------------------------------------------------------ */

static double rosenbrock_loss_and_grad(Problem *self, const int *idx, int n)
{
    (void)idx;
    (void)n;
    FunctionProblem *fp = (FunctionProblem *)self;
    double x = fp->x->data[0], y = fp->x->data[1];
    double valley = y - x * x;
    fp->x_grad->data[0] = (float)(-2.0 * (1.0 - x) - 400.0 * x * valley);
    fp->x_grad->data[1] = (float)(200.0 * valley);
    return (1.0 - x) * (1.0 - x) + 100.0 * valley * valley;
}

Problem *rosenbrock_new(void)
{
    FunctionProblem *fp = function_problem_new("rosenbrock", 2, 0.0);
    if (!fp) return NULL;
    fp->start[0] = -1.2f;
    fp->start[1] = 1.0f;
    fp->base.loss_and_grad = rosenbrock_loss_and_grad;
    fp->base.reset = function_reset;
    fp->base.destroy = function_destroy;
    function_reset(&fp->base, 0);
    return &fp->base;
}

/* ---- the saddle -------------------------------------------------------------- */

static double saddle_loss_and_grad(Problem *self, const int *idx, int n)
{
    (void)idx;
    (void)n;
    FunctionProblem *fp = (FunctionProblem *)self;
    double x = fp->x->data[0], y = fp->x->data[1];
    fp->x_grad->data[0] = (float)x;
    fp->x_grad->data[1] = (float)(-y + y * y * y);
    return 0.5 * x * x - 0.5 * y * y + 0.25 * y * y * y * y;
}

Problem *saddle_new(double y0)
{
    if (!isfinite(y0)) return NULL;
    FunctionProblem *fp = function_problem_new("saddle", 2, -0.25);
    if (!fp) return NULL;
    fp->start[0] = 1.0f;
    fp->start[1] = (float)y0;
    fp->base.loss_and_grad = saddle_loss_and_grad;
    fp->base.reset = function_reset;
    fp->base.destroy = function_destroy;
    function_reset(&fp->base, 0);
    return &fp->base;
}
