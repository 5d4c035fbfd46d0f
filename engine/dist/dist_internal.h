/* pad dist: what dist.c shares with its MPI and NCCL halves. */
#ifndef PAD_DIST_INTERNAL_H
#define PAD_DIST_INTERNAL_H

#include <pthread.h>

#include "dist/dist.h"

/* The overlapped gradient reduction (pad_dist_grads_*) under way. */
typedef struct pad_dist_grads {
    pad_backend *be;
    void *buf;
    size_t n;                /* the whole buffer: ZeRO-1 slices are of n elements */
    int sharded;
    int open;                /* begun and not yet waited for */
    size_t bytes;            /* started so far */
} pad_dist_grads;

struct pad_dist {
    pad_dist_env env;
    int mpi_started;
    double timeout_s;
    /* the watchdog: when a collective started (0: none running) and its name */
    pthread_t watchdog;
    int watchdog_running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    double busy_since;
    const char *busy_what;
    int stopping;
    int untimed;             /* the collectives now running are not timed */
    void *nccl;              /* ncclComm_t once a device collective needed one */
    pad_dist_grads grads;
    void *mpi_pending;       /* dist_mpi.c's requests of the overlapped reduction */
    void *nccl_overlap;      /* dist_nccl.c's stream and events for it */
};

double pad_dist_now(void);
/* Bracket every blocking collective so the watchdog can time it. */
void pad_dist_enter(pad_dist *d, const char *what);
void pad_dist_leave(pad_dist *d);

/* MPI (dist_mpi.c); without MPI built in, each returns PAD_ERR_UNSUPPORTED. */
pad_status pad_mpi_start(pad_dist *d, pad_error *err);
void pad_mpi_stop(pad_dist *d);
pad_status pad_mpi_reduce_scalars(pad_dist *d, double *vals, int n, pad_dist_op op, pad_error *err);
pad_status pad_mpi_allreduce_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err);
pad_status pad_mpi_reduce_scatter_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err);
pad_status pad_mpi_all_gather(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err);
pad_status pad_mpi_broadcast_bytes(pad_dist *d, void *buf, size_t bytes, pad_error *err);
pad_status pad_mpi_barrier(pad_dist *d, pad_error *err);
/* The overlapped reduction of d->grads: start one range (and drive the
 * progress of those started before), wait for all, free what is kept. */
pad_status pad_mpi_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err);
pad_status pad_mpi_grads_wait(pad_dist *d, pad_error *err);
void pad_mpi_grads_free(pad_dist *d);
void pad_mpi_abort(int code);

/* NCCL (dist_nccl.c), for device buffers of the CUDA backend. */
pad_status pad_nccl_allreduce_sum(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err);
pad_status pad_nccl_reduce_scatter_sum(pad_dist *d, pad_backend *be, void *buf, size_t n,
                                       pad_error *err);
pad_status pad_nccl_all_gather(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err);
pad_status pad_nccl_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err);
pad_status pad_nccl_grads_wait(pad_dist *d, pad_error *err);
pad_status pad_nccl_select_device(const pad_dist *d, pad_error *err);
void pad_nccl_close(pad_dist *d);

#endif
