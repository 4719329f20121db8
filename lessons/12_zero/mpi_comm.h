/* mpi_comm.h - zero.h's collectives on OpenMPI: the same engine as the
 * threads of simulate.h, on separate processes started by mpirun, on one
 * machine or on many (mpirun -H host1,host2 ...). Built when the MPI
 * headers are installed (scripts/deps.sh installs OpenMPI); otherwise
 * zero_mpi_init says so and the program runs its threads alone. */
#ifndef LESSON_MPI_COMM_H
#define LESSON_MPI_COMM_H

#include <stdbool.h>

#include "zero_run.h"

/* Whether this program was started by mpirun (with OpenMPI's environment),
 * so that it should speak MPI. */
bool zero_mpi_launched(void);

/* MPI_Init, and comm's rank and world size from MPI_COMM_WORLD. 0, or -1
 * with a message (built without MPI). */
int zero_mpi_init(int *argc, char ***argv, ZeroComm *comm, char *err, size_t errlen);
void zero_mpi_finalize(void);

/* Sends every rank's result to rank 0: on rank 0, all[world_size] gets
 * them (each with its own params to free); on the others `all` is unused. */
void zero_mpi_gather_results(ZeroComm *comm, const ZeroRunResult *mine,
                             ZeroRunResult *all /* [world_size] on rank 0 */);

/* What rank 0 of `12_zero --mpi` reports for one stage, on a line of its
 * own: "zero-mpi RANKS STAGE DIFF MS COLLECTIVES SAME". */
typedef struct {
    int ranks, stage;
    double diff;            /* the largest |ZeRO - AdamW| over the weights */
    double ms;              /* a step's wall time on the slowest rank */
    double collectives;     /* the share of it in the collectives, mean over ranks */
    bool ranks_same;        /* every rank holds the same weights, bit for bit */
} ZeroMpiLine;
int zero_mpi_print_line(const ZeroMpiLine *line);

/* Runs this very program as `mpirun -np ranks --oversubscribe SELF --mpi
 * flags` (as root, with OpenMPI's two variables that allow it) and reads
 * its lines: lines[max]. The count read, or -1 with a message (no mpirun,
 * or it failed). */
int zero_mpirun(int ranks, const char *flags, ZeroMpiLine *lines /* [max] */, int max, char *err /* [errlen] */,
                size_t errlen);

/* Whether any rank's `failed` is true (so that all stop together). */
bool zero_mpi_any(ZeroComm *comm, bool failed);

#endif
