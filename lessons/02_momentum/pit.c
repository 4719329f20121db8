/* pit.c - the one-dimensional landscape with a pit (see pit.h). */
#include "pit.h"

#include <math.h>
#include <stdlib.h>

const PitShape PIT_SHALLOW = {"shallow pit", 0.1, 4.0, 0.3, 1.0, 0.3};
const PitShape PIT_DEEP = {"deep pit", 0.1, 4.0, 1.0, 1.0, 0.2};

/* snippet: pit_value, shown in 02_momentum */
double pit_value(const PitShape *s, double x)
{
    double u = (x - s->centre) / s->width;   /* distance from the pit, in widths */
    return 0.5 * s->bowl * (x - s->valley) * (x - s->valley) - s->depth * exp(-0.5 * u * u);
}
/* end snippet */

double pit_slope(const PitShape *s, double x)
{
    double u = (x - s->centre) / s->width;
    return s->bowl * (x - s->valley) + s->depth * u / s->width * exp(-0.5 * u * u);
}

int pit_minima(const PitShape *s, double lo, double hi, double *minima, int max)
{
    enum { GRID = 20000 };
    int found = 0;
    double step = (hi - lo) / GRID;
    for (int i = 0; i < GRID && found < max; i++) {
        /* b computed the same way as the next a, so no sign change falls between. */
        double a = lo + i * step, b = lo + (i + 1) * step;
        /* A minimum: the slope goes from negative to positive. */
        if (!(pit_slope(s, a) < 0 && pit_slope(s, b) >= 0)) continue;
        for (int k = 0; k < 60; k++) {
            double mid = 0.5 * (a + b);
            if (pit_slope(s, mid) < 0) a = mid;
            else b = mid;
        }
        minima[found++] = 0.5 * (a + b);
    }
    return found;
}

typedef struct {
    Problem base;
    Tensor *tensors[2];   /* x and its gradient */
    PitShape shape;
    float start;
} PitProblem;

static double pit_loss_and_grad(Problem *self, const int *idx, int n)
{
    (void)idx;
    (void)n;
    PitProblem *pp = (PitProblem *)self;
    double x = pp->tensors[0]->data[0];
    pp->tensors[1]->data[0] = (float)pit_slope(&pp->shape, x);
    return pit_value(&pp->shape, x);
}

static void pit_reset(Problem *self, uint64_t seed)
{
    (void)seed;
    PitProblem *pp = (PitProblem *)self;
    pp->tensors[0]->data[0] = pp->start;
}

static void pit_destroy(Problem *self)
{
    PitProblem *pp = (PitProblem *)self;
    tensor_free(pp->tensors[0]);
    tensor_free(pp->tensors[1]);
}

Problem *pit_new(const PitShape *shape, double start)
{
    PitProblem *pp = calloc(1, sizeof *pp);
    if (!pp) return NULL;
    pp->base.name = shape->name;
    pp->base.min_loss = NAN;
    pp->shape = *shape;
    pp->start = (float)start;
    pp->tensors[0] = tensor_new_1d(&pp->base.ledger, "x", TAG_PARAM, 1);
    pp->tensors[1] = tensor_new_1d(&pp->base.ledger, "x.grad", TAG_GRAD, 1);
    if (!pp->tensors[0] || !pp->tensors[1]) {
        tensor_free(pp->tensors[0]);
        tensor_free(pp->tensors[1]);
        free(pp);
        return NULL;
    }
    pp->base.params = (ParamList){1, &pp->tensors[0], &pp->tensors[1]};
    pp->base.loss_and_grad = pit_loss_and_grad;
    pp->base.reset = pit_reset;
    pp->base.destroy = pit_destroy;
    pit_reset(&pp->base, 0);
    return &pp->base;
}
