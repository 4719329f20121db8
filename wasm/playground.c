/* playground.c - the API behind the HTML book's interactive figures, built
 * by `make wasm` into build/wasm/playground.wasm. The page moves a slider;
 * these functions run the chapter's own C optimizer, made from "key=value"
 * settings exactly as `optlab trace` takes them, on one of the book's
 * two-dimensional problems, and hand back the path.
 *
 *   pg_buffer()              PG_BUFFER bytes the page writes a string into
 *   pg_start(problem, optimizer, settings, kappa, x, y)
 *                            0, or 2 with the reason in pg_error()
 *   pg_run(steps)            the steps taken: fewer when the loss stopped
 *                            being finite (the figure says it diverged)
 *   pg_path(), pg_losses()   the points [2 (steps + 1)] and losses
 *                            [steps + 1] of the run so far
 *   pg_loss_at(x, y)         the loss at a point, for the contours
 *   pg_optimizers()          every optimizer's name, one space between
 *
 * One run at a time: a page with several figures makes a module instance
 * for each. Strings cross as UTF-8 in the module's memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizer_spec.h"
#include "problems.h"
#include "registry.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define PG_BUFFER 4096
#define PG_MAX_STEPS 100000
#define PG_MAX_SETTINGS 32

static char buffer[PG_BUFFER], error[512], names[1024];
static Problem *problem;
static Optimizer *optimizer;
static void *config;
static float *path;      /* [2 (PG_MAX_STEPS + 1)] */
static double *losses;   /* [PG_MAX_STEPS + 1] */
static int steps;        /* taken so far */

EXPORT(pg_buffer) char *pg_buffer(void)
{
    return buffer;
}

EXPORT(pg_error) const char *pg_error(void)
{
    return error;
}

static void stop(void)
{
    if (optimizer) optimizer_free(optimizer);
    if (problem) problem_free(problem);
    free(config), free(path), free(losses);
    optimizer = NULL, problem = NULL, config = NULL, path = NULL, losses = NULL;
    steps = 0;
}

/* The loss at the parameters, and its gradient for the next step; the point
 * and the loss join the run's record. */
static void record(void)
{
    losses[steps] = problem->loss_and_grad(problem, NULL, 0);
    const float *x = problem->params.params[0]->data;
    path[2 * steps] = x[0], path[2 * steps + 1] = x[1];
}

/* Splits settings ("lr=0.1 momentum=0.9") at blanks, in place. */
static int split(char *settings, const char **out /* [PG_MAX_SETTINGS] */)
{
    int count = 0;
    for (char *word = strtok(settings, " \t\n"); word; word = strtok(NULL, " \t\n")) {
        if (count == PG_MAX_SETTINGS) return -1;
        out[count++] = word;
    }
    return count;
}

EXPORT(pg_start)
int pg_start(const char *problem_name, const char *optimizer_name, const char *settings, double kappa, float x,
             float y)
{
    stop();
    error[0] = '\0';
    const OptimizerSpec *spec = registry_find(optimizer_name);
    if (!spec) {
        snprintf(error, sizeof error, "unknown optimizer '%s'", optimizer_name);
        return 2;
    }
    char own[PG_BUFFER];
    const char *words[PG_MAX_SETTINGS];
    snprintf(own, sizeof own, "%s", settings);
    int count = split(own, words);
    if (count < 0) {
        snprintf(error, sizeof error, "more than %d settings", PG_MAX_SETTINGS);
        return 2;
    }
    problem = problem_by_name(problem_name, kappa, 1, error, sizeof error);
    config = malloc(spec->config_size);
    path = malloc(sizeof(float) * 2 * (PG_MAX_STEPS + 1));
    losses = malloc(sizeof(double) * (PG_MAX_STEPS + 1));
    if (!problem || !config || !path || !losses ||
        optimizer_config_parse(spec, config, count, words, error, sizeof error) != 0) {
        if (!error[0]) snprintf(error, sizeof error, "out of memory");
        stop();
        return 2;
    }
    if (problem->params.count != 1 || problem->params.params[0]->numel != 2) {
        snprintf(error, sizeof error, "%s is not a problem of two numbers", problem_name);
        stop();
        return 2;
    }
    float *start = problem->params.params[0]->data;
    start[0] = x, start[1] = y;
    optimizer = spec->create(problem->params, config);
    if (!optimizer) {
        snprintf(error, sizeof error, "out of memory");
        stop();
        return 2;
    }
    record();
    return 0;
}

EXPORT(pg_run) int pg_run(int count)
{
    int taken = 0;
    while (optimizer && taken < count && steps < PG_MAX_STEPS && isfinite(losses[steps])) {
        optimizer_step(optimizer);
        steps++, taken++;
        record();
    }
    return taken;
}

EXPORT(pg_steps) int pg_steps(void)
{
    return steps;
}

EXPORT(pg_path) const float *pg_path(void)
{
    return path;
}

EXPORT(pg_losses) const double *pg_losses(void)
{
    return losses;
}

EXPORT(pg_loss_at) double pg_loss_at(float x, float y)
{
    if (!problem) return NAN;
    const float at[2] = {x, y};
    float here[2];
    paramlist_get(&problem->params, here);
    double loss = problem_loss_at(problem, at);
    problem_loss_at(problem, here);   /* back where the run is, its gradient too */
    return loss;
}

EXPORT(pg_optimizers) const char *pg_optimizers(void)
{
    size_t used = 0;
    names[0] = '\0';
    for (int i = 0; REGISTRY[i]; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? " " : "", REGISTRY[i]->name);
    return names;
}
