/* pad dist over NCCL: the collectives of CUDA backend buffers, on the
 * backend's own stream.  The communicator is made on first use from an id
 * that rank 0 broadcasts over MPI. */
#include "dist/dist_internal.h"

#if PAD_HAVE_NCCL

#include <stdlib.h>
#include <time.h>

#include <cuda_runtime.h>
#include <nccl.h>

#include "backend/cuda.h"

static pad_status nccl_error(pad_dist *d, ncclResult_t r, const char *what, pad_error *err)
{
    return pad_error_set(err, PAD_ERR_BACKEND, "rank %d: NCCL %s failed: %s", d->env.rank, what,
                         ncclGetErrorString(r));
}

static pad_status communicator(pad_dist *d, ncclComm_t *out, pad_error *err)
{
    if (!d->nccl) {
        ncclUniqueId id;
        ncclResult_t r = d->env.rank == 0 ? ncclGetUniqueId(&id) : ncclSuccess;
        if (r != ncclSuccess) return nccl_error(d, r, "id creation", err);
        pad_status st = pad_mpi_broadcast_bytes(d, &id, sizeof id, err);
        if (st) return st;
        ncclComm_t comm;
        pad_dist_enter(d, "NCCL communicator setup");
        r = ncclCommInitRank(&comm, d->env.world, id, d->env.rank);
        pad_dist_leave(d);
        if (r != ncclSuccess) return nccl_error(d, r, "communicator setup", err);
        d->nccl = comm;
    }
    *out = (ncclComm_t)d->nccl;
    return PAD_OK;
}

static pad_status nccl_type(pad_dtype dt, ncclDataType_t *out, pad_error *err)
{
    switch (dt) {
    case PAD_F32: *out = ncclFloat32; return PAD_OK;
    case PAD_F64: *out = ncclFloat64; return PAD_OK;
    case PAD_BF16: *out = ncclBfloat16; return PAD_OK;
    case PAD_F16: *out = ncclFloat16; return PAD_OK;
    default: return pad_error_set(err, PAD_ERR_UNSUPPORTED, "NCCL on %s buffers", pad_dtype_name(dt));
    }
}

/* Waits for the queued collective while watching NCCL's asynchronous error
 * state: a peer that died shows up there, and the communicator is then
 * aborted so that this rank returns an error instead of hanging. */
static pad_status wait_done(pad_dist *d, ncclComm_t comm, cudaStream_t stream, const char *what,
                            pad_error *err)
{
    double start = pad_dist_now();
    struct timespec nap = {0, 50000};
    for (;;) {
        cudaError_t q = cudaStreamQuery(stream);
        if (q == cudaSuccess) return PAD_OK;
        if (q != cudaErrorNotReady)
            return pad_error_set(err, PAD_ERR_BACKEND, "rank %d: %s: %s", d->env.rank, what,
                                 cudaGetErrorString(q));
        ncclResult_t async = ncclSuccess;
        ncclCommGetAsyncError(comm, &async);
        int late = pad_dist_now() - start > d->timeout_s;
        if ((async != ncclSuccess && async != ncclInProgress) || late) {
            ncclCommAbort(comm);
            d->nccl = NULL;
            if (late)
                return pad_error_set(err, PAD_ERR_BACKEND,
                                     "rank %d: %s timed out after %.0f s: a rank died or hangs",
                                     d->env.rank, what, d->timeout_s);
            return nccl_error(d, async, what, err);
        }
        nanosleep(&nap, NULL);
    }
}

typedef struct nccl_call {
    ncclComm_t comm;
    ncclDataType_t type;
    cudaStream_t stream;
    size_t size;
} nccl_call;

static pad_status prepare(pad_dist *d, pad_backend *be, nccl_call *c, pad_error *err)
{
    pad_status st = nccl_type(be->act_dtype, &c->type, err);
    if (!st) st = communicator(d, &c->comm, err);
    c->stream = (cudaStream_t)pad_cuda_backend_stream(be);
    c->size = pad_dtype_size(be->act_dtype);
    return st;
}

pad_status pad_nccl_allreduce_sum(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    nccl_call c;
    pad_status st = prepare(d, be, &c, err);
    if (st) return st;
    ncclResult_t r = ncclAllReduce(buf, buf, n, c.type, ncclSum, c.comm, c.stream);
    if (r != ncclSuccess) return nccl_error(d, r, "all-reduce", err);
    return wait_done(d, c.comm, c.stream, "the gradient all-reduce", err);
}

/* Queues, for every owner k, a reduce to k (or a broadcast from k) of the
 * part of buf[lo, hi) that lies in k's slice of the n-element buffer.
 * Slices may differ in length (pad_dist_slice), which ncclReduceScatter and
 * ncclAllGather do not allow: hence one grouped call per owner. */
static ncclResult_t queue_per_owner(pad_dist *d, const nccl_call *c, cudaStream_t stream,
                                    void *buf, size_t n, size_t lo, size_t hi, int reduce)
{
    ncclResult_t r = ncclGroupStart();
    for (int k = 0; r == ncclSuccess && k < d->env.world; k++) {
        size_t b, count;
        pad_dist_slice(n, k, d->env.world, &b, &count);
        size_t from = b > lo ? b : lo, to = b + count < hi ? b + count : hi;
        if (to <= from) continue;
        char *p = (char *)buf + from * c->size;
        if (reduce) r = ncclReduce(p, p, to - from, c->type, ncclSum, k, c->comm, stream);
        else r = ncclBroadcast(p, p, to - from, c->type, k, c->comm, stream);
    }
    ncclResult_t end = ncclGroupEnd();
    return r == ncclSuccess ? end : r;
}

static pad_status per_owner(pad_dist *d, pad_backend *be, void *buf, size_t n, int reduce,
                            const char *what, pad_error *err)
{
    nccl_call c;
    pad_status st = prepare(d, be, &c, err);
    if (st) return st;
    ncclResult_t r = queue_per_owner(d, &c, c.stream, buf, n, 0, n, reduce);
    if (r != ncclSuccess) return nccl_error(d, r, reduce ? "reduce-scatter" : "all-gather", err);
    return wait_done(d, c.comm, c.stream, what, err);
}

pad_status pad_nccl_reduce_scatter_sum(pad_dist *d, pad_backend *be, void *buf, size_t n,
                                       pad_error *err)
{
    return per_owner(d, be, buf, n, 1, "the gradient reduce-scatter", err);
}

pad_status pad_nccl_all_gather(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    return per_owner(d, be, buf, n, 0, "the parameter all-gather", err);
}

/* ---- the overlapped gradient reduction, on a stream of its own ---- */

typedef struct nccl_overlap {
    cudaStream_t comm;       /* the collectives */
    cudaEvent_t ready;       /* recorded on the compute stream: a range is written */
    cudaEvent_t done;        /* recorded on comm: every started range is reduced */
} nccl_overlap;

static pad_status cuda_check(pad_dist *d, cudaError_t e, const char *what, pad_error *err)
{
    return e == cudaSuccess ? PAD_OK
                            : pad_error_set(err, PAD_ERR_BACKEND, "rank %d: %s: %s", d->env.rank,
                                            what, cudaGetErrorString(e));
}

static pad_status overlap_of(pad_dist *d, nccl_overlap **out, pad_error *err)
{
    nccl_overlap *o = d->nccl_overlap;
    if (!o) {
        if (!(o = calloc(1, sizeof *o))) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        d->nccl_overlap = o;
        pad_status st = cuda_check(d, cudaStreamCreateWithFlags(&o->comm, cudaStreamNonBlocking),
                                   "communication stream", err);
        if (!st) st = cuda_check(d, cudaEventCreateWithFlags(&o->ready, cudaEventDisableTiming),
                                 "communication event", err);
        if (!st) st = cuda_check(d, cudaEventCreateWithFlags(&o->done, cudaEventDisableTiming),
                                 "communication event", err);
        if (st) return st;
    }
    *out = o;
    return PAD_OK;
}

/* The range's ops are queued on the compute stream: the communication
 * stream waits for them, not the host. */
pad_status pad_nccl_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err)
{
    pad_dist_grads *g = &d->grads;
    nccl_call c;
    nccl_overlap *o = NULL;
    pad_status st = prepare(d, g->be, &c, err);
    if (!st) st = overlap_of(d, &o, err);
    if (!st) st = cuda_check(d, cudaEventRecord(o->ready, c.stream), "event record", err);
    if (!st) st = cuda_check(d, cudaStreamWaitEvent(o->comm, o->ready, 0), "stream wait", err);
    if (st) return st;
    ncclResult_t r;
    if (g->sharded) {
        r = queue_per_owner(d, &c, o->comm, g->buf, g->n, begin, begin + count, 1);
    } else {
        char *p = (char *)g->buf + begin * c.size;
        r = ncclAllReduce(p, p, count, c.type, ncclSum, c.comm, o->comm);
    }
    return r == ncclSuccess ? PAD_OK : nccl_error(d, r, "gradient reduction (overlapped)", err);
}

/* The compute stream (the optimizer next) waits for the communication
 * stream; the host waits too, to time the exposed part and to catch a
 * peer that died. */
pad_status pad_nccl_grads_wait(pad_dist *d, pad_error *err)
{
    nccl_overlap *o = d->nccl_overlap;
    if (!o || !d->nccl) return PAD_OK; /* nothing was started */
    cudaStream_t compute = (cudaStream_t)pad_cuda_backend_stream(d->grads.be);
    pad_status st = cuda_check(d, cudaEventRecord(o->done, o->comm), "event record", err);
    if (!st) st = cuda_check(d, cudaStreamWaitEvent(compute, o->done, 0), "stream wait", err);
    if (st) return st;
    return wait_done(d, (ncclComm_t)d->nccl, o->comm, "the overlapped gradient reduction", err);
}

void pad_nccl_close(pad_dist *d)
{
    nccl_overlap *o = d->nccl_overlap;
    if (o) {
        if (o->ready) cudaEventDestroy(o->ready);
        if (o->done) cudaEventDestroy(o->done);
        if (o->comm) cudaStreamDestroy(o->comm);
        free(o);
        d->nccl_overlap = NULL;
    }
    if (d->nccl) ncclCommDestroy((ncclComm_t)d->nccl);
    d->nccl = NULL;
}

#else /* no NCCL: device buffers cannot be reduced */

static pad_status no_nccl(pad_error *err)
{
    return pad_error_set(err, PAD_ERR_UNSUPPORTED,
                         "collectives on CUDA buffers need NCCL, and pad was built without it");
}

pad_status pad_nccl_allreduce_sum(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    return no_nccl(err);
}
pad_status pad_nccl_reduce_scatter_sum(pad_dist *d, pad_backend *be, void *buf, size_t n,
                                       pad_error *err)
{
    return no_nccl(err);
}
pad_status pad_nccl_all_gather(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    return no_nccl(err);
}
pad_status pad_nccl_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err)
{
    return no_nccl(err);
}
pad_status pad_nccl_grads_wait(pad_dist *d, pad_error *err) { return no_nccl(err); }
void pad_nccl_close(pad_dist *d) { (void)d; }

#endif

#if PAD_HAVE_CUDA
#include <cuda_runtime.h>

/* One process per device: local rank k takes device k (modulo the count). */
pad_status pad_nccl_select_device(const pad_dist *d, pad_error *err)
{
    int count = 0;
    if (d->env.world == 1 || cudaGetDeviceCount(&count) != cudaSuccess || count == 0) return PAD_OK;
    cudaError_t e = cudaSetDevice(d->env.local_rank % count);
    return e == cudaSuccess ? PAD_OK
                            : pad_error_set(err, PAD_ERR_BACKEND, "cannot select CUDA device %d: %s",
                                            d->env.local_rank % count, cudaGetErrorString(e));
}
#else
pad_status pad_nccl_select_device(const pad_dist *d, pad_error *err) { return PAD_OK; }
#endif
