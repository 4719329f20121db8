/* rotated.c - the ravine turned by an angle (see rotated.h). */
#include "rotated.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    Problem base;
    Tensor *x, *x_grad;   /* the point x[2] and its gradient, named as in common/ */
    double kappa, c, s;   /* 1/curvature of the floor; cos and sin of the angle */
} RotatedRavine;

/* snippet: rotated_ravine, shown in 03_adagrad */
static double rotated_loss_and_grad(Problem *self, const int *idx, int n)
{
    (void)idx, (void)n;   /* a function of x alone: no examples */
    RotatedRavine *r = (RotatedRavine *)self;
    const float *x = r->x->data;
    double u0 = r->c * x[0] + r->s * x[1];    /* along the floor: curvature 1/kappa */
    double u1 = -r->s * x[0] + r->c * x[1];   /* across the walls: curvature 1 */
    double d0 = u0 / r->kappa, d1 = u1;       /* df/du */
    r->x_grad->data[0] = (float)(r->c * d0 - r->s * d1);   /* df/dx = R d */
    r->x_grad->data[1] = (float)(r->s * d0 + r->c * d1);
    return 0.5 * (u0 * u0 / r->kappa + u1 * u1);
}
/* end snippet */

static void rotated_reset(Problem *self, uint64_t seed)
{
    RotatedRavine *r = (RotatedRavine *)self;
    /* Loss 1 = (u0^2/kappa + u1^2)/2; seed 0 gives 1/2 in each direction. */
    double phi = 0.25 * 3.14159265358979323846 + 0.35 * (double)(seed % 16);
    double u0 = sqrt(2.0 * r->kappa) * cos(phi), u1 = sqrt(2.0) * sin(phi);
    r->x->data[0] = (float)(r->c * u0 - r->s * u1);
    r->x->data[1] = (float)(r->s * u0 + r->c * u1);
}

static void rotated_destroy(Problem *self)
{
    RotatedRavine *r = (RotatedRavine *)self;
    tensor_free(r->x);
    tensor_free(r->x_grad);
}

Problem *rotated_ravine_new(double kappa, double angle)
{
    if (!(kappa >= 1.0) || !isfinite(kappa)) return NULL;
    RotatedRavine *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->base.name = "rotated ravine";
    r->base.min_loss = 0.0;
    r->kappa = kappa;
    r->c = cos(angle);
    r->s = sin(angle);
    r->x = tensor_new_1d(&r->base.ledger, "x", TAG_PARAM, 2);
    r->x_grad = tensor_new_1d(&r->base.ledger, "x.grad", TAG_GRAD, 2);
    if (!r->x || !r->x_grad) {
        rotated_destroy(&r->base);
        free(r);
        return NULL;
    }
    r->base.params = (ParamList){1, &r->x, &r->x_grad};
    r->base.loss_and_grad = rotated_loss_and_grad;
    r->base.reset = rotated_reset;
    r->base.destroy = rotated_destroy;
    rotated_reset(&r->base, 0);
    return &r->base;
}
