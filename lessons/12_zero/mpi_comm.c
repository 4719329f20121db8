/* mpi_comm.c - zero.h's collectives on OpenMPI (mpi_comm.h). Compiled with
 * -DHAVE_MPI and the flags of `pkg-config mpi-c` when those exist. */
#include "mpi_comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool zero_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");
}

int zero_mpi_print_line(const ZeroMpiLine *l)
{
    return printf("zero-mpi %d %d %.3e %.4f %.3f %s\n", l->ranks, l->stage, l->diff, l->ms, l->collectives,
                  l->ranks_same ? "same" : "differ");
}

int zero_mpirun(int ranks, const char *flags, ZeroMpiLine *lines, int max, char *err, size_t errlen)
{
#ifndef HAVE_MPI
    (void)ranks, (void)flags, (void)lines, (void)max;
    return snprintf(err, errlen, "built without MPI"), -1;
#else
    char self[4096], command[8192], line[256];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return snprintf(err, errlen, "cannot find this program's path"), -1;
    self[len] = '\0';
    if (geteuid() == 0) {
        /* OpenMPI refuses root unless told twice. */
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    }
    /* Containers often forbid one process to read another's memory, which
     * OpenMPI's shared-memory transport tries by default. */
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    snprintf(command, sizeof command, "mpirun -np %d --oversubscribe '%s' --mpi %s 2>&1", ranks, self, flags);
    FILE *p = popen(command, "r");
    if (!p) return snprintf(err, errlen, "cannot run mpirun"), -1;
    int count = 0;
    char last[256] = "";
    while (fgets(line, sizeof line, p)) {
        char same[16];
        ZeroMpiLine *l = &lines[count];
        if (count < max && sscanf(line, "zero-mpi %d %d %lf %lf %lf %15s", &l->ranks, &l->stage, &l->diff, &l->ms,
                                  &l->collectives, same) == 6) {
            l->ranks_same = strcmp(same, "same") == 0;
            count++;
        } else if (strspn(line, "- \n") < strlen(line)) {
            snprintf(last, sizeof last, "%s", line);   /* what went wrong, not a banner of dashes */
        }
    }
    int status = pclose(p);
    if (status != 0) {
        last[strcspn(last, "\n")] = '\0';
        return snprintf(err, errlen, "mpirun -np %d failed (status %d)%s%s", ranks, status, last[0] ? ": " : "",
                        last), -1;
    }
    return count;
#endif
}

#ifdef HAVE_MPI
#include <mpi.h>

static float *scratch;       /* [scratch_n] a reduce-scatter's result */
static size_t scratch_n;

static void all_reduce(ZeroComm *c, float *buf, size_t n)
{
    (void)c;
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static void reduce_scatter(ZeroComm *c, const float *full, float *shard, size_t shard_n)
{
    (void)c;
    /* MPI forbids the result inside the input (stage 1's is), so it comes
     * to a scratch buffer first. */
    if (shard_n > scratch_n) {
        free(scratch);
        scratch = malloc(sizeof(float) * shard_n);
        if (!scratch) fprintf(stderr, "zero: out of memory\n"), MPI_Abort(MPI_COMM_WORLD, 1);
        scratch_n = shard_n;
    }
    MPI_Reduce_scatter_block(full, scratch, (int)shard_n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    memcpy(shard, scratch, sizeof(float) * shard_n);
}

static void all_gather(ZeroComm *c, const float *shard, float *full, size_t shard_n)
{
    if (shard == full + (size_t)c->rank * shard_n)   /* already in its place */
        MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, full, (int)shard_n, MPI_FLOAT, MPI_COMM_WORLD);
    else
        MPI_Allgather(shard, (int)shard_n, MPI_FLOAT, full, (int)shard_n, MPI_FLOAT, MPI_COMM_WORLD);
}

int zero_mpi_init(int *argc, char ***argv, ZeroComm *comm, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    MPI_Init(argc, argv);
    memset(comm, 0, sizeof *comm);
    MPI_Comm_rank(MPI_COMM_WORLD, &comm->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &comm->world_size);
    comm->all_reduce = all_reduce;
    comm->reduce_scatter = reduce_scatter;
    comm->all_gather = all_gather;
    return 0;
}

void zero_mpi_finalize(void)
{
    free(scratch);
    scratch = NULL, scratch_n = 0;
    MPI_Finalize();
}

/* The fixed-size part of a result, as doubles, for one MPI_Gather. */
enum { FIXED = 5 + TAG_COUNT + 2 * COLL_COUNT + 3 };

static void pack(const ZeroRunResult *r, double *d)
{
    *d++ = r->rank, *d++ = r->world_size, *d++ = r->stage, *d++ = (double)r->numel;
    for (int t = 0; t < TAG_COUNT; t++) *d++ = (double)r->model_bytes[t];
    *d++ = (double)r->peak_bytes;
    for (int c = 0; c < COLL_COUNT; c++) *d++ = r->traffic.elements[c], *d++ = r->traffic.calls[c];
    *d++ = r->traffic.seconds, *d++ = r->seconds, *d++ = r->loss;
}

static void unpack(const double *d, ZeroRunResult *r)
{
    r->rank = (int)*d++, r->world_size = (int)*d++, r->stage = (int)*d++, r->numel = (size_t)*d++;
    for (int t = 0; t < TAG_COUNT; t++) r->model_bytes[t] = (size_t)*d++;
    r->peak_bytes = (size_t)*d++;
    for (int c = 0; c < COLL_COUNT; c++) r->traffic.elements[c] = *d++, r->traffic.calls[c] = (int)*d++;
    r->traffic.seconds = *d++, r->seconds = *d++, r->loss = *d++;
}

void zero_mpi_gather_results(ZeroComm *comm, const ZeroRunResult *mine, ZeroRunResult *all)
{
    int n = comm->world_size;
    double fixed[FIXED], *every = comm->rank == 0 ? malloc(sizeof(double) * FIXED * n) : NULL;
    float *params = comm->rank == 0 ? malloc(sizeof(float) * mine->numel * n) : NULL;
    if (comm->rank == 0 && (!every || !params)) fprintf(stderr, "zero: out of memory\n"), MPI_Abort(MPI_COMM_WORLD, 1);
    pack(mine, fixed);
    MPI_Gather(fixed, FIXED, MPI_DOUBLE, every, FIXED, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Gather(mine->params, (int)mine->numel, MPI_FLOAT, params, (int)mine->numel, MPI_FLOAT, 0,
               MPI_COMM_WORLD);
    if (comm->rank != 0) return;
    for (int q = 0; q < n; q++) {
        unpack(every + (size_t)FIXED * q, &all[q]);
        all[q].params = malloc(sizeof(float) * mine->numel);
        if (!all[q].params) fprintf(stderr, "zero: out of memory\n"), MPI_Abort(MPI_COMM_WORLD, 1);
        memcpy(all[q].params, params + mine->numel * q, sizeof(float) * mine->numel);
    }
    free(every);
    free(params);
}

bool zero_mpi_any(ZeroComm *comm, bool failed)
{
    (void)comm;
    int mine = failed, any = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return any;
}

#else /* built without MPI */

int zero_mpi_init(int *argc, char ***argv, ZeroComm *comm, char *err, size_t errlen)
{
    (void)argc, (void)argv, (void)comm;
    snprintf(err, errlen, "this program was built without MPI (install OpenMPI: scripts/deps.sh build, "
             "then make again)");
    return -1;
}

void zero_mpi_finalize(void) {}

void zero_mpi_gather_results(ZeroComm *comm, const ZeroRunResult *mine, ZeroRunResult *all)
{
    (void)comm, (void)mine, (void)all;
}

bool zero_mpi_any(ZeroComm *comm, bool failed)
{
    (void)comm;
    return failed;
}

#endif
