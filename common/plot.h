/* plot.h - figures through a pipe to gnuplot.
 *
 * A program writes its data as gnuplot data blocks and its plot commands as
 * text; figure_close() saves both in one self-contained script NAME.gp and,
 * when gnuplot is installed, pipes the script to it to draw NAME.svg (for the
 * HTML book) and NAME.pdf (for the PDF book). Without gnuplot the program
 * still runs: it keeps NAME.gp and says so in one line.
 *
 *     Figure *fig = figure_open("build/fig", "01_lr_dilemma");
 *     fprintf(figure_data(fig), "$loss << EOD\n1 0.5\n2 0.25\nEOD\n");
 *     fprintf(figure_commands(fig), "plot $loss with lines ls 1\n");
 *     figure_close(fig);
 *
 * Line styles 1..8 are a colour-blind-safe palette (Okabe and Ito), the same
 * in every figure of the book. */
#ifndef COMMON_PLOT_H
#define COMMON_PLOT_H

#include <stdio.h>

typedef struct Figure Figure;

/* Starts a figure named NAME in directory dir (created if missing). NULL on
 * failure, with the reason on stderr: also when a name is too long or holds a
 * control character, which a gnuplot script cannot carry. */
Figure *figure_open(const char *dir, const char *name);
FILE *figure_data(Figure *fig);       /* data blocks: $name << EOD ... EOD */
FILE *figure_commands(Figure *fig);   /* set ..., plot ... */
/* Size in inches for the PDF (the SVG keeps the same proportions). Default 5.5 x 3.4. */
void figure_size(Figure *fig, double width_in, double height_in);
/* Writes NAME.gp, draws it if gnuplot is available, frees the figure.
 * Returns 0 if the figure was drawn, 1 if only the script was written
 * (no gnuplot), -1 on error (with a message on stderr). */
int figure_close(Figure *fig);

#endif
