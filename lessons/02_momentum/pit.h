/* pit.h - a one-dimensional loss with a pit on the way down: the landscape
 * of the chapter's "does momentum roll through small minima?" experiment.
 *
 *     f(x) = bowl/2 * (x - valley)^2  -  depth * exp(-(x - centre)^2 / (2 width^2))
 *
 * A wide bowl with its minimum at x = valley, and on its slope a Gaussian pit
 * at x = centre. When the pit is steep enough it holds a local minimum of its
 * own. It belongs to this lesson only, so it lives here, not in common/. */
#ifndef LESSON_PIT_H
#define LESSON_PIT_H

#include "problems.h"

typedef struct {
    const char *name;
    double bowl;      /* curvature of the wide bowl */
    double valley;    /* where the bowl has its minimum */
    double depth;     /* depth of the pit */
    double centre;    /* where the pit is */
    double width;     /* its width (standard deviation of the Gaussian) */
} PitShape;

/* A shallow pit: its minimum (near x = 1.09, f = 0.14) is higher than the
 * valley's (x = 4, f = 0), so stopping in it is a failure. */
extern const PitShape PIT_SHALLOW;
/* A deep, narrow pit: its minimum (near x = 1.01, f = -0.55) is the global
 * one, and the valley at x = 4 is only a local minimum. */
extern const PitShape PIT_DEEP;

double pit_value(const PitShape *shape, double x);
double pit_slope(const PitShape *shape, double x);   /* f'(x) */

/* The local minima of f in [lo, hi], in increasing x, found by bisection on
 * the sign changes of f'. Returns how many were found (at most max). */
int pit_minima(const PitShape *shape, double lo, double hi, double *minima /* [max] */, int max);

/* The landscape as a Problem with one parameter x, starting at `start`.
 * NULL if out of memory. */
Problem *pit_new(const PitShape *shape, double start);

#endif
