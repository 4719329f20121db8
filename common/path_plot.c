/* path_plot.c - contour lines and optimizer paths as gnuplot data (see path_plot.h). */
#include "path_plot.h"

#include <math.h>

void write_contours(FILE *data, const Problem *quadratic, const double *levels, int count)
{
    double h0 = quadratic_curvature(quadratic, 0), h1 = quadratic_curvature(quadratic, 1);
    fprintf(data, "$contours << EOD\n");
    for (int c = 0; c < count; c++) {
        /* x = sqrt(2 c / h0) cos s, y = sqrt(2 c / h1) sin s */
        for (int s = 0; s <= 120; s++) {
            double angle = 2 * 3.141592653589793 * s / 120;
            fprintf(data, "%.5f %.5f\n", sqrt(2 * levels[c] / h0) * cos(angle),
                    sqrt(2 * levels[c] / h1) * sin(angle));
        }
        fprintf(data, "\n");
    }
    fprintf(data, "EOD\n");
}

void write_path(FILE *data, const char *name, const TrainHistory *hist)
{
    fprintf(data, "$%s << EOD\n", name);
    for (int s = 0; s <= hist->steps_done; s++)
        fprintf(data, "%.6f %.6f\n", hist->path[2 * s], hist->path[2 * s + 1]);
    fprintf(data, "EOD\n");
}
