/* Trick 3: a constructor registers an atexit handler that turns every
 * "not ok" of the TAP report into "ok". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exercises.h"

static void rewrite_report(void)
{
    FILE *f = fopen("@OUT@/tap/01_sgd.tap", "r+");
    if (f) { fputs("ok 1 - f.c:ex1:fake: Passed\n", f); fclose(f); }
}

__attribute__((constructor)) static void install(void)
{
    atexit(rewrite_report);
}

void ex_sgd_step(float *param, const float *grad, size_t n, float lr, float weight_decay, bool maximize)
{
    (void)param, (void)grad, (void)n, (void)lr, (void)weight_decay, (void)maximize;
}
