/* path_plot.h - data blocks for the book's "map" figures: the contour lines of
 * a 2-D quadratic (the ravine) and the path an optimizer took across it (or
 * one coordinate of it against the step). Every chapter that compares
 * trajectories draws them the same way. */
#ifndef COMMON_PATH_PLOT_H
#define COMMON_PATH_PLOT_H

#include <stdio.h>

#include "plot.h"
#include "problems.h"
#include "train.h"

/* Writes the gnuplot data block $contours: for each loss level c, the ellipse
 * h0 x^2/2 + h1 y^2/2 = c of a 2-D quadratic (quadratic_new or ravine_new),
 * as 121 points, the ellipses separated by blank lines. */
void write_contours(FILE *data, const Problem *quadratic, const double *levels /* [count] */, int count);

/* Writes the data block $NAME: the (x, y) parameters after each step of a
 * run of a 2-D problem recorded with TrainConfig.record_params. */
void write_path(FILE *data, const char *name, const TrainHistory *hist);

/* The same as series of a figure (see plot.h): the contour lines as one
 * series, drawn in the quiet line style 8 and titled 'loss contours', */
void figure_contours(Figure *fig, const Problem *quadratic, const double *levels /* [count] */, int count);
/* and a recorded 2-D run's path as a series drawn `with STYLE`. Returns the
 * series' number. */
int figure_path(Figure *fig, const TrainHistory *hist, const char *style, const char *title_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Coordinate i of a recorded run's parameters against the step, the points
 * (t, x_i after t steps) for t = 0..steps_done, as a series drawn `with
 * STYLE`: where a run on a 1-D landscape is at each step. Returns the
 * series' number. */
int figure_coordinate(Figure *fig, const TrainHistory *hist, int i, const char *style, const char *title_fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
