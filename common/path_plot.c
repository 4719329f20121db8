/* path_plot.c - contour lines and optimizer paths as gnuplot data (see path_plot.h). */
#include "path_plot.h"

#include <math.h>
#include <stdarg.h>

/* Point s of 120 around the ellipse h0 x^2/2 + h1 y^2/2 = level. */
static void ellipse_point(double h0, double h1, double level, int s, double *x, double *y)
{
    /* x = sqrt(2 c / h0) cos s, y = sqrt(2 c / h1) sin s */
    double angle = 2 * 3.141592653589793 * s / 120;
    *x = sqrt(2 * level / h0) * cos(angle);
    *y = sqrt(2 * level / h1) * sin(angle);
}

void write_contours(FILE *data, const Problem *quadratic, const double *levels, int count)
{
    double h0 = quadratic_curvature(quadratic, 0), h1 = quadratic_curvature(quadratic, 1);
    fprintf(data, "$contours << EOD\n");
    for (int c = 0; c < count; c++) {
        for (int s = 0; s <= 120; s++) {
            double x, y;
            ellipse_point(h0, h1, levels[c], s, &x, &y);
            fprintf(data, "%.5f %.5f\n", x, y);
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

void figure_contours(Figure *fig, const Problem *quadratic, const double *levels, int count)
{
    double h0 = quadratic_curvature(quadratic, 0), h1 = quadratic_curvature(quadratic, 1);
    int series = figure_series(fig, "lines ls 8", "loss contours");
    for (int c = 0; c < count; c++) {
        for (int s = 0; s <= 120; s++) {
            double x, y;
            ellipse_point(h0, h1, levels[c], s, &x, &y);
            figure_point(fig, series, x, y);
        }
        figure_gap(fig, series);
    }
}

int figure_path(Figure *fig, const TrainHistory *hist, const char *style, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int s = 0; s <= hist->steps_done; s++)
        figure_point(fig, series, hist->path[2 * s], hist->path[2 * s + 1]);
    return series;
}

int figure_coordinate(Figure *fig, const TrainHistory *hist, int i, const char *style, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int s = 0; s <= hist->steps_done; s++) figure_point(fig, series, s, hist->path[hist->numel * s + i]);
    return series;
}
