/* Trick 3 without a constructor: the function itself registers a handler
 * that forges a report, then leaves with exit(0) so that it runs. */
#include <stdio.h>
#include <stdlib.h>
#include "exercises.h"

static void forge_report(void)
{
    FILE *f = fopen("@OUT@/results.json", "w");
    if (f) { fputs("{\"score\": 20.0, \"tests\": []}\n", f); fclose(f); }
    f = fopen("@OUT@/../forged-by-atexit", "w");
    if (f) fclose(f);
}

void ex_sgd_step(float *param, const float *grad, size_t n, float lr, float weight_decay, bool maximize)
{
    (void)param, (void)grad, (void)n, (void)lr, (void)weight_decay, (void)maximize;
    atexit(forge_report);
    exit(0);
}
