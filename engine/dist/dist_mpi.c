/* pad dist over MPI: bootstrap, scalar reductions, and the collectives of
 * host (CPU backend) buffers. */
#include "dist/dist_internal.h"

#if PAD_HAVE_MPI

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#define CHUNK (1 << 30) /* MPI counts are ints */

static pad_status mpi_error(pad_dist *d, int rc, const char *what, pad_error *err)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "error %d", rc);
    return pad_error_set(err, PAD_ERR_IO,
                         "rank %d: MPI %s failed: %s (a rank died or the network failed?)",
                         d->env.rank, what, text);
}

pad_status pad_mpi_start(pad_dist *d, pad_error *err)
{
    int inited = 0, provided;
    MPI_Initialized(&inited);
    /* the watchdog thread never calls MPI except for the final abort */
    if (!inited && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return pad_error_set(err, PAD_ERR_IO, "MPI_Init failed (launched with %s, world %d)",
                             d->env.launcher, d->env.world);
    d->mpi_started = !inited;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    if (rank != d->env.rank || world != d->env.world)
        return pad_error_set(err, PAD_ERR_CONFIG,
                             "MPI says rank %d of %d but the %s environment says %d of %d",
                             rank, world, d->env.launcher, d->env.rank, d->env.world);
    return PAD_OK;
}

void pad_mpi_stop(pad_dist *d)
{
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
    d->mpi_started = 0;
}

static pad_status datatype(pad_dist *d, pad_dtype dt, MPI_Datatype *out, size_t *size, pad_error *err)
{
    if (dt == PAD_F32) *out = MPI_FLOAT;
    else if (dt == PAD_F64) *out = MPI_DOUBLE;
    else return pad_error_set(err, PAD_ERR_UNSUPPORTED, "MPI collectives on %s buffers", pad_dtype_name(dt));
    *size = pad_dtype_size(dt);
    return PAD_OK;
}

pad_status pad_mpi_reduce_scalars(pad_dist *d, double *vals, int n, pad_dist_op op, pad_error *err)
{
    pad_dist_enter(d, "a scalar reduction");
    int rc = MPI_Allreduce(MPI_IN_PLACE, vals, n, MPI_DOUBLE, op == PAD_DIST_MAX ? MPI_MAX : MPI_SUM,
                           MPI_COMM_WORLD);
    pad_dist_leave(d);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "scalar all-reduce", err);
}

pad_status pad_mpi_allreduce_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    MPI_Datatype type = MPI_DATATYPE_NULL;
    size_t size = 0;
    pad_status st = datatype(d, dt, &type, &size, err);
    if (st) return st;
    pad_dist_enter(d, "the gradient all-reduce");
    int rc = MPI_SUCCESS;
    for (size_t done = 0; rc == MPI_SUCCESS && done < n; done += CHUNK) {
        int count = (int)(n - done < CHUNK ? n - done : CHUNK);
        rc = MPI_Allreduce(MPI_IN_PLACE, (char *)buf + done * size, count, type, MPI_SUM, MPI_COMM_WORLD);
    }
    pad_dist_leave(d);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "all-reduce", err);
}

/* Counts and displacements of every rank's slice, as MPI's ints. */
static pad_status slices(pad_dist *d, size_t n, int *counts, int *displs, pad_error *err)
{
    for (int r = 0; r < d->env.world; r++) {
        size_t b, c;
        pad_dist_slice(n, r, d->env.world, &b, &c);
        if (b > INT_MAX || c > INT_MAX)
            return pad_error_set(err, PAD_ERR_UNSUPPORTED, "a sharded buffer of %zu elements is too "
                                 "large for MPI's int counts", n);
        counts[r] = (int)c;
        displs[r] = (int)b;
    }
    return PAD_OK;
}

typedef pad_status (*sliced_fn)(pad_dist *d, MPI_Datatype type, size_t size, void *buf,
                                const int *counts, const int *displs, pad_error *err);

static pad_status with_slices(pad_dist *d, pad_dtype dt, void *buf, size_t n, sliced_fn fn,
                              pad_error *err)
{
    MPI_Datatype type = MPI_DATATYPE_NULL;
    size_t size = 0;
    int *counts = calloc((size_t)d->env.world * 2, sizeof *counts);
    if (!counts) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = datatype(d, dt, &type, &size, err);
    if (!st) st = slices(d, n, counts, counts + d->env.world, err);
    if (!st) st = fn(d, type, size, buf, counts, counts + d->env.world, err);
    free(counts);
    return st;
}

static pad_status reduce_scatter(pad_dist *d, MPI_Datatype type, size_t size, void *buf,
                                 const int *counts, const int *displs, pad_error *err)
{
    pad_dist_enter(d, "the gradient reduce-scatter");
    /* in place, the result lands at the front of buf: moved to the slice */
    int rc = MPI_Reduce_scatter(MPI_IN_PLACE, buf, counts, type, MPI_SUM, MPI_COMM_WORLD);
    pad_dist_leave(d);
    if (rc != MPI_SUCCESS) return mpi_error(d, rc, "reduce-scatter", err);
    int r = d->env.rank;
    if (displs[r]) memmove((char *)buf + (size_t)displs[r] * size, buf, (size_t)counts[r] * size);
    return PAD_OK;
}

static pad_status all_gather(pad_dist *d, MPI_Datatype type, size_t size, void *buf,
                             const int *counts, const int *displs, pad_error *err)
{
    pad_dist_enter(d, "the parameter all-gather");
    int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs, type,
                            MPI_COMM_WORLD);
    pad_dist_leave(d);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "all-gather", err);
}

pad_status pad_mpi_reduce_scatter_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    return with_slices(d, dt, buf, n, reduce_scatter, err);
}

pad_status pad_mpi_all_gather(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    return with_slices(d, dt, buf, n, all_gather, err);
}

pad_status pad_mpi_broadcast_bytes(pad_dist *d, void *buf, size_t bytes, pad_error *err)
{
    pad_dist_enter(d, "a broadcast from rank 0");
    int rc = MPI_Bcast(buf, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
    pad_dist_leave(d);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "broadcast", err);
}

pad_status pad_mpi_barrier(pad_dist *d, pad_error *err)
{
    pad_dist_enter(d, "a barrier");
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    pad_dist_leave(d);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "barrier", err);
}

/* ---- the overlapped gradient reduction: one request per started range ---- */

/* Where a range's ZeRO-1 sum lands in place (the front of the range, `at`)
 * and where this rank's slice wants it (`to`); `counts` is the recvcounts
 * array, which MPI may read until the request completes. */
typedef struct pending_move {
    size_t at, to, count;
    int *counts;
} pending_move;

typedef struct mpi_pending {
    MPI_Request *reqs;
    pending_move *moves;     /* one per request */
    int count, cap;
} mpi_pending;

/* A free slot for one more request (its move zeroed). */
static pad_status reserve(pad_dist *d, mpi_pending **out, pad_error *err)
{
    mpi_pending *p = d->mpi_pending;
    if (!p && !(p = d->mpi_pending = calloc(1, sizeof *p)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        MPI_Request *reqs = realloc(p->reqs, (size_t)cap * sizeof *reqs);
        if (reqs) p->reqs = reqs;
        pending_move *moves = reqs ? realloc(p->moves, (size_t)cap * sizeof *moves) : NULL;
        if (!moves) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        p->moves = moves;
        p->cap = cap;
    }
    p->moves[p->count] = (pending_move){0};
    *out = p;
    return PAD_OK;
}

static pad_status start_allreduce(pad_dist *d, MPI_Datatype type, char *base, size_t count,
                                  pad_error *err)
{
    for (size_t done = 0; done < count; done += CHUNK) {
        mpi_pending *p = NULL;
        pad_status st = reserve(d, &p, err);
        if (st) return st;
        int n = (int)(count - done < CHUNK ? count - done : CHUNK);
        int rc = MPI_Iallreduce(MPI_IN_PLACE, base + done * pad_dtype_size(d->grads.be->act_dtype),
                                n, type, MPI_SUM, MPI_COMM_WORLD, &p->reqs[p->count]);
        if (rc != MPI_SUCCESS) return mpi_error(d, rc, "all-reduce (overlapped)", err);
        p->count++;
    }
    return PAD_OK;
}

/* Each rank receives the part of the range that lies in its slice of the
 * whole buffer, so the sums end where the whole-buffer reduce-scatter puts
 * them. */
static pad_status start_reduce_scatter(pad_dist *d, MPI_Datatype type, char *base, size_t begin,
                                       size_t count, pad_error *err)
{
    int world = d->env.world;
    if (count > INT_MAX)
        return pad_error_set(err, PAD_ERR_UNSUPPORTED, "a gradient range of %zu elements is too "
                             "large for MPI's int counts", count);
    mpi_pending *p = NULL;
    pad_status st = reserve(d, &p, err);
    if (st) return st;
    pending_move *mv = &p->moves[p->count];
    if (!(mv->counts = calloc((size_t)world, sizeof *mv->counts)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int r = 0; r < world; r++) {
        size_t b, c;
        pad_dist_slice(d->grads.n, r, world, &b, &c);
        size_t lo = b > begin ? b : begin, hi = b + c < begin + count ? b + c : begin + count;
        mv->counts[r] = hi > lo ? (int)(hi - lo) : 0;
        if (r == d->env.rank) *mv = (pending_move){begin, lo, hi > lo ? hi - lo : 0, mv->counts};
    }
    int rc = MPI_Ireduce_scatter(MPI_IN_PLACE, base, mv->counts, type, MPI_SUM, MPI_COMM_WORLD,
                                 &p->reqs[p->count]);
    p->count++; /* counted even on failure, so that counts is freed */
    if (rc != MPI_SUCCESS) {
        p->reqs[p->count - 1] = MPI_REQUEST_NULL;
        return mpi_error(d, rc, "reduce-scatter (overlapped)", err);
    }
    return PAD_OK;
}

pad_status pad_mpi_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err)
{
    pad_dist_grads *g = &d->grads;
    MPI_Datatype type = MPI_DATATYPE_NULL;
    size_t size = 0;
    pad_status st = datatype(d, g->be->act_dtype, &type, &size, err);
    if (st) return st;
    char *base = (char *)g->buf + begin * size;
    st = g->sharded ? start_reduce_scatter(d, type, base, begin, count, err)
                    : start_allreduce(d, type, base, count, err);
    if (st) return st;
    /* MPI moves a nonblocking collective on only inside its calls: this
     * one, at every range the backward pass hands over */
    mpi_pending *p = d->mpi_pending;
    int flag = 0;
    int rc = MPI_Testall(p->count, p->reqs, &flag, MPI_STATUSES_IGNORE);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "progress of the gradient reduction", err);
}

static void forget_pending(mpi_pending *p)
{
    for (int i = 0; i < p->count; i++) free(p->moves[i].counts);
    p->count = 0;
}

pad_status pad_mpi_grads_wait(pad_dist *d, pad_error *err)
{
    mpi_pending *p = d->mpi_pending;
    if (!p || !p->count) return PAD_OK;
    pad_dist_enter(d, "the overlapped gradient reduction");
    int rc = MPI_Waitall(p->count, p->reqs, MPI_STATUSES_IGNORE);
    pad_dist_leave(d);
    size_t size = pad_dtype_size(d->grads.be->act_dtype);
    for (int i = 0; rc == MPI_SUCCESS && i < p->count; i++) {
        const pending_move *mv = &p->moves[i];
        char *buf = d->grads.buf;
        if (mv->count && mv->at != mv->to)
            memmove(buf + mv->to * size, buf + mv->at * size, mv->count * size);
    }
    forget_pending(p);
    return rc == MPI_SUCCESS ? PAD_OK : mpi_error(d, rc, "gradient reduction", err);
}

void pad_mpi_grads_free(pad_dist *d)
{
    mpi_pending *p = d->mpi_pending;
    if (!p) return;
    forget_pending(p);
    free(p->reqs);
    free(p->moves);
    free(p);
    d->mpi_pending = NULL;
}

void pad_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

#else /* built without MPI: only a world of one */

static pad_status no_mpi(pad_dist *d, pad_error *err)
{
    return pad_error_set(err, PAD_ERR_UNSUPPORTED,
                         "launched as rank %d of %d (%s) but pad was built without MPI "
                         "(install libopenmpi-dev and rebuild)",
                         d->env.rank, d->env.world, d->env.launcher);
}

pad_status pad_mpi_start(pad_dist *d, pad_error *err) { return no_mpi(d, err); }
void pad_mpi_stop(pad_dist *d) { (void)d; }
pad_status pad_mpi_reduce_scalars(pad_dist *d, double *vals, int n, pad_dist_op op, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_allreduce_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_reduce_scatter_sum(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_all_gather(pad_dist *d, pad_dtype dt, void *buf, size_t n, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_broadcast_bytes(pad_dist *d, void *buf, size_t bytes, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_barrier(pad_dist *d, pad_error *err) { return no_mpi(d, err); }
pad_status pad_mpi_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err)
{
    return no_mpi(d, err);
}
pad_status pad_mpi_grads_wait(pad_dist *d, pad_error *err) { return no_mpi(d, err); }
void pad_mpi_grads_free(pad_dist *d) { (void)d; }
void pad_mpi_abort(int code) { (void)code; }

#endif
