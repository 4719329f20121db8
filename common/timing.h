/* timing.h - a wall clock for the few experiments that report time. Times
 * vary from run to run and machine to machine; the book prints them as
 * measured and never asserts on them in tests. */
#ifndef COMMON_TIMING_H
#define COMMON_TIMING_H

#include <time.h>

static inline double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
