#include "dist/dist_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

#define DEFAULT_TIMEOUT_S 300.0

/* ---- the launcher's environment ---- */

static int env_int(const char *name, int *out)
{
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < 0 || x > 1 << 24) return 0;
    *out = (int)x;
    return 1;
}

void pad_dist_env_read(pad_dist_env *env)
{
    memset(env, 0, sizeof *env);
    env->world = 1;
    env->launcher = "none";
    int rank, world, local = 0;
    if (env_int("OMPI_COMM_WORLD_RANK", &rank) && env_int("OMPI_COMM_WORLD_SIZE", &world)) {
        env_int("OMPI_COMM_WORLD_LOCAL_RANK", &local);
        env->launcher = "openmpi";
    } else if (getenv("SLURM_STEP_ID") && env_int("SLURM_PROCID", &rank) &&
               env_int("SLURM_NTASKS", &world)) {
        /* only inside an srun step: a batch script itself has SLURM_NTASKS too */
        env_int("SLURM_LOCALID", &local);
        env->launcher = "slurm";
    } else if (env_int("PMI_RANK", &rank) && env_int("PMI_SIZE", &world)) {
        env_int("MPI_LOCALRANKID", &local);
        env->launcher = "pmi";
    } else {
        return;
    }
    if (world < 1 || rank >= world) return; /* nonsense: stay a world of one */
    env->rank = rank;
    env->world = world;
    env->local_rank = local;
}

/* ---- the watchdog ---- */

double pad_dist_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A peer that died or hangs leaves this rank inside a collective for good;
 * nothing but ending the job gets it out. */
static void *watchdog_main(void *arg)
{
    pad_dist *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
        if (d->busy_since > 0 && pad_dist_now() - d->busy_since > d->timeout_s) {
            pad_log_error("rank %d: %s has waited %.0f s for the other ranks (timeout %.0f s): "
                          "a rank died or hangs; aborting the job",
                          d->env.rank, d->busy_what, pad_dist_now() - d->busy_since, d->timeout_s);
            pad_mpi_abort(1);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

void pad_dist_enter(pad_dist *d, const char *what)
{
    pthread_mutex_lock(&d->lock);
    d->busy_since = d->untimed ? 0 : pad_dist_now();
    d->busy_what = what;
    pthread_mutex_unlock(&d->lock);
}

void pad_dist_leave(pad_dist *d)
{
    pthread_mutex_lock(&d->lock);
    d->busy_since = 0;
    pthread_mutex_unlock(&d->lock);
}

/* ---- life cycle ---- */

static double timeout_from_env(double timeout_s)
{
    if (timeout_s > 0) return timeout_s;
    const char *v = getenv("PAD_DIST_TIMEOUT_S");
    double t = v ? strtod(v, NULL) : 0;
    return t > 0 ? t : DEFAULT_TIMEOUT_S;
}

pad_status pad_dist_init(double timeout_s, pad_dist **out, pad_error *err)
{
    *out = NULL;
    pad_dist *d = calloc(1, sizeof *d);
    if (!d) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_dist_env_read(&d->env);
    d->timeout_s = timeout_from_env(timeout_s);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (d->env.world > 1) {
        pad_status st = pad_mpi_start(d, err);
        if (!st && pthread_create(&d->watchdog, NULL, watchdog_main, d))
            st = pad_error_set(err, PAD_ERR_NOMEM, "cannot start the collective watchdog");
        if (st) {
            pad_dist_free(d);
            return st;
        }
        d->watchdog_running = 1;
    }
    *out = d;
    return PAD_OK;
}

void pad_dist_free(pad_dist *d)
{
    if (!d) return;
    if (d->watchdog_running) {
        pthread_mutex_lock(&d->lock);
        d->stopping = 1;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->watchdog, NULL);
    }
    pad_nccl_close(d);
    pad_mpi_grads_free(d);
    if (d->mpi_started) pad_mpi_stop(d);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

int pad_dist_rank(const pad_dist *d) { return d ? d->env.rank : 0; }
int pad_dist_world(const pad_dist *d) { return d ? d->env.world : 1; }
int pad_dist_local_rank(const pad_dist *d) { return d ? d->env.local_rank : 0; }

pad_status pad_dist_select_device(const pad_dist *d, pad_error *err)
{
    return d ? pad_nccl_select_device(d, err) : PAD_OK;
}

void pad_dist_slice(size_t n, int rank, int world, size_t *begin, size_t *count)
{
    size_t per = (n + (size_t)world - 1) / (size_t)world;
    size_t b = per * (size_t)rank;
    *begin = b < n ? b : n;
    *count = b < n ? (n - b < per ? n - b : per) : 0;
}

/* ---- collectives: a world of one has nothing to do ---- */

static int alone(const pad_dist *d) { return !d || d->env.world == 1; }

pad_status pad_dist_reduce_scalars(pad_dist *d, double *vals, int n, pad_dist_op op, pad_error *err)
{
    return alone(d) ? PAD_OK : pad_mpi_reduce_scalars(d, vals, n, op, err);
}

pad_status pad_dist_allreduce_sum(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    if (alone(d)) return PAD_OK;
    if (be->device == PAD_DEVICE_CUDA) return pad_nccl_allreduce_sum(d, be, buf, n, err);
    return pad_mpi_allreduce_sum(d, be->act_dtype, buf, n, err);
}

pad_status pad_dist_reduce_scatter_sum(pad_dist *d, pad_backend *be, void *buf, size_t n,
                                       pad_error *err)
{
    if (alone(d)) return PAD_OK;
    if (be->device == PAD_DEVICE_CUDA) return pad_nccl_reduce_scatter_sum(d, be, buf, n, err);
    return pad_mpi_reduce_scatter_sum(d, be->act_dtype, buf, n, err);
}

pad_status pad_dist_all_gather(pad_dist *d, pad_backend *be, void *buf, size_t n, pad_error *err)
{
    if (alone(d)) return PAD_OK;
    if (be->device == PAD_DEVICE_CUDA) return pad_nccl_all_gather(d, be, buf, n, err);
    return pad_mpi_all_gather(d, be->act_dtype, buf, n, err);
}

/* ---- the overlapped gradient reduction ---- */

pad_status pad_dist_grads_begin(pad_dist *d, pad_backend *be, void *buf, size_t n, int sharded,
                                pad_error *err)
{
    if (alone(d)) return PAD_OK;
    if (d->grads.open)
        return pad_error_set(err, PAD_ERR_INVALID, "a gradient reduction was begun before the "
                             "last one was waited for");
    d->grads = (pad_dist_grads){.be = be, .buf = buf, .n = n, .sharded = sharded, .open = 1};
    return PAD_OK;
}

pad_status pad_dist_grads_start(pad_dist *d, size_t begin, size_t count, pad_error *err)
{
    if (alone(d)) return PAD_OK;
    pad_dist_grads *g = &d->grads;
    if (!g->open || begin > g->n || count > g->n - begin)
        return pad_error_set(err, PAD_ERR_INVALID, "gradient range [%zu, +%zu) outside the %zu "
                             "elements begun", begin, count, g->open ? g->n : 0);
    if (!count) return PAD_OK;
    g->bytes += count * pad_dtype_size(g->be->act_dtype);
    return g->be->device == PAD_DEVICE_CUDA ? pad_nccl_grads_start(d, begin, count, err)
                                            : pad_mpi_grads_start(d, begin, count, err);
}

pad_status pad_dist_grads_wait(pad_dist *d, double *wait_s, size_t *bytes, pad_error *err)
{
    *wait_s = 0;
    *bytes = 0;
    if (alone(d)) return PAD_OK;
    pad_dist_grads *g = &d->grads;
    if (!g->open) return pad_error_set(err, PAD_ERR_INVALID, "no gradient reduction to wait for");
    double start = pad_dist_now();
    pad_status st = g->be->device == PAD_DEVICE_CUDA ? pad_nccl_grads_wait(d, err)
                                                     : pad_mpi_grads_wait(d, err);
    *wait_s = pad_dist_now() - start;
    *bytes = g->bytes;
    g->open = 0;
    return st;
}

pad_status pad_dist_barrier(pad_dist *d, pad_error *err)
{
    return alone(d) ? PAD_OK : pad_mpi_barrier(d, err);
}

pad_status pad_dist_agree_untimed(pad_dist *d, pad_status mine, const char *what, pad_error *err)
{
    if (alone(d)) return mine;
    d->untimed = 1;
    pad_status st = pad_dist_agree(d, mine, what, err);
    d->untimed = 0;
    return st;
}

pad_status pad_dist_agree(pad_dist *d, pad_status mine, const char *what, pad_error *err)
{
    if (alone(d)) return mine;
    /* the highest rank that failed (-1: none), and how many did */
    double v[2] = {mine ? (double)d->env.rank : -1.0, mine ? 1.0 : 0.0};
    double worst = v[0];
    pad_status st = pad_mpi_reduce_scalars(d, &worst, 1, PAD_DIST_MAX, err);
    if (!st) st = pad_mpi_reduce_scalars(d, &v[1], 1, PAD_DIST_SUM, err);
    if (st) return mine ? mine : st; /* the rank's own error says more */
    if (mine || worst < 0) return mine;
    return pad_error_set(err, PAD_ERR_IO, "rank %d%s failed while %s (its own log says why)",
                         (int)worst, v[1] > 1 ? " and others" : "", what);
}

void pad_dist_abort(pad_dist *d, int code)
{
    if (!alone(d)) pad_mpi_abort(code);
}
