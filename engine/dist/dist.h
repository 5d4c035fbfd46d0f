/* pad: ranks and collectives for data-parallel training.
 *
 * One process per device.  The rank, world size and local rank come from the
 * launcher's environment (OpenMPI's OMPI_COMM_WORLD_*, Slurm's SLURM_PROCID,
 * SLURM_NTASKS, SLURM_LOCALID inside an srun step, or PMI_RANK/PMI_SIZE); a
 * process started without one is a world of one and makes no MPI call at
 * all, so every single-process run behaves exactly as before this room
 * existed.
 *
 * Collectives work on backend buffers (the backend's act dtype).  Host
 * backends (cpu, cpu64) go through MPI's own collectives; the CUDA backend
 * goes through NCCL, whose communicator is made from an id that rank 0
 * broadcasts over MPI.  MPI is still the bootstrap and carries the scalar
 * reductions (losses, token counts, flags) in doubles, on the host.
 *
 * Failures: MPI errors are returned, not fatal (MPI_ERRORS_RETURN), and a
 * watchdog thread aborts the whole job (MPI_Abort) when one collective takes
 * longer than the timeout, so a dead or hung peer never leaves the others
 * waiting forever.  That abort is the one place this room ends the process:
 * a rank stuck inside a collective cannot be reached any other way. */
#ifndef PAD_DIST_DIST_H
#define PAD_DIST_DIST_H

#include <stddef.h>

#include "backend/backend.h"
#include "core/error.h"

typedef enum pad_dist_op { PAD_DIST_SUM, PAD_DIST_MAX } pad_dist_op;

/* What the launcher's environment says (no MPI call needed to read it). */
typedef struct pad_dist_env {
    int rank, world, local_rank;
    const char *launcher;   /* "openmpi", "slurm", "pmi" or "none" */
} pad_dist_env;

void pad_dist_env_read(pad_dist_env *env);

typedef struct pad_dist pad_dist;

/* Starts MPI when the environment names a world above one (and checks that
 * MPI agrees with it); otherwise a world of one without MPI.  timeout_s: the
 * watchdog's limit on one collective (<= 0: PAD_DIST_TIMEOUT_S from the
 * environment, else 300 s).  Call once per process. */
pad_status pad_dist_init(double timeout_s, pad_dist **out, pad_error *err);
/* Finalizes MPI (when it was started).  NULL is fine. */
void pad_dist_free(pad_dist *d);

int pad_dist_rank(const pad_dist *d);        /* 0 when d is NULL */
int pad_dist_world(const pad_dist *d);       /* 1 when d is NULL */
int pad_dist_local_rank(const pad_dist *d);  /* 0 when d is NULL */

/* Picks this rank's device (CUDA: local rank modulo the devices) before the
 * backend is created.  A no-op without CUDA. */
pad_status pad_dist_select_device(const pad_dist *d, pad_error *err);

/* Sums (or maxes) n host doubles over all ranks, in place. */
pad_status pad_dist_reduce_scalars(pad_dist *d, double *vals, int n, pad_dist_op op, pad_error *err);

/* buf[0..n) = the sum over ranks of every rank's buf, on every rank. */
pad_status pad_dist_allreduce_sum(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err);

/* The slice of an n-element buffer that `rank` owns in a sharded optimizer:
 * ceil(n / world) elements each, the last rank fewer (possibly none). */
void pad_dist_slice(size_t n, int rank, int world, size_t *begin, size_t *count);

/* ZeRO-1: on return this rank's slice of buf (pad_dist_slice) holds the sum
 * over ranks; the rest of buf is undefined. */
pad_status pad_dist_reduce_scatter_sum(pad_dist *d, pad_backend *be, void *buf, size_t n,
                                       pad_error *err);
/* ZeRO-1: every rank's slice of buf is copied to all ranks. */
pad_status pad_dist_all_gather(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err);

/* Gradient reduction overlapped with the backward pass.  _begin names the
 * buffer (n elements) and where the sums go: every rank (all-reduce), or
 * under ZeRO-1 (sharded) only each rank's slice.  _start starts reducing
 * buf[begin, begin + count) and returns at once: call it as soon as the
 * backward pass is done writing that range (CUDA: after its ops are queued;
 * the reduction runs on a stream of its own once they are done).  _wait
 * waits for all of them, under the watchdog, and says how long it waited
 * (the communication the backward pass did not hide) and how many bytes
 * were reduced.  When the ranges cover the buffer, the result is that of
 * pad_dist_allreduce_sum (or _reduce_scatter_sum) on the whole buffer.
 * Every rank must start the same ranges in the same order.  A world of one
 * does nothing. */
pad_status pad_dist_grads_begin(pad_dist *d, pad_backend *be, void *buf, size_t n, int sharded,
                                pad_error *err);
pad_status pad_dist_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err);
pad_status pad_dist_grads_wait(pad_dist *d, double *wait_s, size_t *bytes, pad_error *err);

pad_status pad_dist_barrier(pad_dist *d, pad_error *err);

/* Every rank learns whether any rank failed: returns PAD_OK when all passed
 * `mine` == PAD_OK; otherwise keeps this rank's own error or, when this rank
 * was fine, sets one that names the failed peers.  For steps that only some
 * ranks do (rank 0 writing files) so that the others do not run ahead. */
pad_status pad_dist_agree(pad_dist *d, pad_status mine, const char *what, pad_error *err);
/* The same without the watchdog's timeout: for waiting on work that only
 * some ranks do and that may take long (a pipeline stage on rank 0).  A rank
 * that dies meanwhile still ends the job: the launcher sees it exit. */
pad_status pad_dist_agree_untimed(pad_dist *d, pad_status mine, const char *what, pad_error *err);

/* Ends every rank of the job (MPI_Abort); a no-op in a world of one. */
void pad_dist_abort(pad_dist *d, int code);

#endif
