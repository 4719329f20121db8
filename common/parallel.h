/* parallel.h - PARALLEL_FOR, written before a for loop whose iterations are
 * independent of each other: compiled with -fopenmp (lesson 10's fast build,
 * tools/optimizer_bench.mk), OpenMP shares the iterations out among its
 * threads, in contiguous runs; compiled without, it is nothing and the loop
 * runs on one thread. Either way the loop computes the same numbers. */
#ifndef COMMON_PARALLEL_H
#define COMMON_PARALLEL_H

#ifdef _OPENMP
#define PARALLEL_FOR _Pragma("omp parallel for schedule(static)")
#else
#define PARALLEL_FOR
#endif

#endif
