/* dist: the launcher environments, the ZeRO-1 slices, and a world of one
 * (no launcher): no MPI call, collectives that leave buffers alone.  Under
 * mpirun (tests/cli/test_cli_dist.sh runs it with -np 2) it checks the MPI
 * collectives on random data instead, the overlapped reduction too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dist/dist.h"

static const char *const launch_vars[] = {
    "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
    "SLURM_STEP_ID", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof launch_vars / sizeof launch_vars[0]; i++) unsetenv(launch_vars[i]);
}

static void test_env(void)
{
    pad_dist_env e;
    clear_env();
    pad_dist_env_read(&e);
    CHECK(e.world == 1 && e.rank == 0 && strcmp(e.launcher, "none") == 0);
    setenv("SLURM_PROCID", "5", 1);
    setenv("SLURM_NTASKS", "8", 1);
    setenv("SLURM_LOCALID", "1", 1);
    pad_dist_env_read(&e); /* a batch script, not an srun step: one process */
    CHECK(e.world == 1 && e.rank == 0);
    setenv("SLURM_STEP_ID", "0", 1);
    pad_dist_env_read(&e);
    CHECK(e.world == 8 && e.rank == 5 && e.local_rank == 1 && strcmp(e.launcher, "slurm") == 0);
    /* OpenMPI's variables win over Slurm's (mpirun inside an allocation) */
    setenv("OMPI_COMM_WORLD_RANK", "3", 1);
    setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "3", 1);
    pad_dist_env_read(&e);
    CHECK(e.world == 4 && e.rank == 3 && e.local_rank == 3 && strcmp(e.launcher, "openmpi") == 0);
    setenv("OMPI_COMM_WORLD_RANK", "4", 1); /* rank outside the world: ignored */
    pad_dist_env_read(&e);
    CHECK(e.world == 1 && e.rank == 0);
    clear_env();
}

static void test_slices(void)
{
    size_t sizes[] = {1, 7, 10, 1000003};
    int worlds[] = {1, 2, 3, 8};
    for (size_t i = 0; i < 4; i++)
        for (size_t w = 0; w < 4; w++) {
            size_t next = 0, biggest = 0;
            for (int r = 0; r < worlds[w]; r++) {
                size_t b, c;
                pad_dist_slice(sizes[i], r, worlds[w], &b, &c);
                CHECK(b == next || c == 0); /* contiguous, in rank order */
                next = b + c;
                biggest = c > biggest ? c : biggest;
            }
            CHECK(next == sizes[i]); /* covers everything */
            CHECK(biggest == (sizes[i] + (size_t)worlds[w] - 1) / (size_t)worlds[w]);
        }
}

static void test_world_of_one(void)
{
    clear_env();
    pad_error err;
    pad_dist *d = NULL;
    CHECK(pad_dist_init(0, &d, &err) == PAD_OK && d);
    CHECK(pad_dist_rank(d) == 0 && pad_dist_world(d) == 1 && pad_dist_local_rank(d) == 0);
    pad_backend *be = pad_backend_create("cpu", &err);
    CHECK(be != NULL);
    float host[37], copy[37];
    check_fill_uniform(host, 37, 11, -1, 1);
    memcpy(copy, host, sizeof host);
    void *buf;
    CHECK(be->ops->alloc(be, sizeof host, &buf, &err) == PAD_OK);
    be->ops->upload(be, buf, host, sizeof host);
    CHECK(pad_dist_allreduce_sum(d, be, buf, 37, &err) == PAD_OK);
    CHECK(pad_dist_reduce_scatter_sum(d, be, buf, 37, &err) == PAD_OK);
    CHECK(pad_dist_all_gather(d, be, buf, 37, &err) == PAD_OK);
    be->ops->download(be, host, buf, sizeof host);
    CHECK(memcmp(host, copy, sizeof host) == 0);
    double v[2] = {1.5, -2};
    CHECK(pad_dist_reduce_scalars(d, v, 2, PAD_DIST_SUM, &err) == PAD_OK && v[0] == 1.5 && v[1] == -2);
    CHECK(pad_dist_barrier(d, &err) == PAD_OK);
    CHECK(pad_dist_agree(d, PAD_OK, "x", &err) == PAD_OK);
    CHECK(pad_dist_agree(d, PAD_ERR_IO, "x", &err) == PAD_ERR_IO); /* its own error stays */
    double waited = -1;
    size_t bytes = 1;
    CHECK(pad_dist_grads_begin(d, be, buf, 37, 1, &err) == PAD_OK);
    CHECK(pad_dist_grads_start(d, 0, 37, &err) == PAD_OK);
    CHECK(pad_dist_grads_wait(d, &waited, &bytes, &err) == PAD_OK && waited == 0 && bytes == 0);
    /* NULL is a world of one too */
    CHECK(pad_dist_world(NULL) == 1 && pad_dist_allreduce_sum(NULL, be, buf, 37, &err) == PAD_OK);
    be->ops->free(be, buf);
    pad_backend_destroy(be);
    pad_dist_free(d);
}

/* The overlapped reduction of ranges handed over in reverse order, some
 * across the slice boundaries: the sums land where the whole-buffer
 * collectives put them (everywhere, or in this rank's slice). */
static void check_overlap(pad_dist *d, pad_backend *be, void *buf, const float *mine,
                          const float *sum, size_t n, int sharded)
{
    pad_error err;
    size_t cuts[] = {n, n - n / 3, n / 2 + 1, n / 2, 7, 0};
    be->ops->upload(be, buf, mine, n * sizeof *mine);
    CHECK(pad_dist_grads_begin(d, be, buf, n, sharded, &err) == PAD_OK);
    for (size_t i = 0; i + 1 < sizeof cuts / sizeof cuts[0]; i++)
        CHECK(pad_dist_grads_start(d, cuts[i + 1], cuts[i] - cuts[i + 1], &err) == PAD_OK);
    CHECK(pad_dist_grads_start(d, n - 2, 3, &err) == PAD_ERR_INVALID); /* past the end */
    double waited = -1;
    size_t bytes = 0;
    CHECK(pad_dist_grads_wait(d, &waited, &bytes, &err) == PAD_OK);
    CHECK(waited >= 0 && bytes == n * sizeof(float));
    float *got = malloc(n * sizeof *got);
    be->ops->download(be, got, buf, n * sizeof *got);
    size_t b = 0, c = n;
    if (sharded) pad_dist_slice(n, pad_dist_rank(d), pad_dist_world(d), &b, &c);
    double worst = 0;
    for (size_t i = b; i < b + c; i++) worst = fmax(worst, fabs(got[i] - sum[i]));
    CHECK(c > 0 && worst < 1e-5);
    free(got);
}

/* Rank r's data: uniform from seed 100 + r, so every rank knows them all. */
static void rank_data(float *x, size_t n, int r) { check_fill_uniform(x, n, 100 + (uint64_t)r, -1, 1); }

static void test_collectives(void)
{
    enum { N = 1001 };
    pad_error err;
    pad_dist *d = NULL;
    CHECK(pad_dist_init(30, &d, &err) == PAD_OK);
    int rank = pad_dist_rank(d), world = pad_dist_world(d);
    pad_backend *be = pad_backend_create("cpu", &err);
    static float mine[N], other[N], sum[N], got[N];
    memset(sum, 0, sizeof sum);
    for (int r = 0; r < world; r++) {
        rank_data(other, N, r);
        for (int i = 0; i < N; i++) sum[i] += other[i];
    }
    void *buf;
    CHECK(be->ops->alloc(be, sizeof mine, &buf, &err) == PAD_OK);
    rank_data(mine, N, rank);
    be->ops->upload(be, buf, mine, sizeof mine);
    CHECK(pad_dist_allreduce_sum(d, be, buf, N, &err) == PAD_OK);
    be->ops->download(be, got, buf, sizeof got);
    double worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(got[i] - sum[i]));
    CHECK(worst < 1e-5);
    /* reduce-scatter: this rank's slice of the sum */
    be->ops->upload(be, buf, mine, sizeof mine);
    CHECK(pad_dist_reduce_scatter_sum(d, be, buf, N, &err) == PAD_OK);
    be->ops->download(be, got, buf, sizeof got);
    size_t b, c;
    pad_dist_slice(N, rank, world, &b, &c);
    worst = 0;
    for (size_t i = b; i < b + c; i++) worst = fmax(worst, fabs(got[i] - sum[i]));
    CHECK(c > 0 && worst < 1e-5);
    /* all-gather: every rank's slice of its own data, exactly */
    be->ops->upload(be, buf, mine, sizeof mine);
    CHECK(pad_dist_all_gather(d, be, buf, N, &err) == PAD_OK);
    be->ops->download(be, got, buf, sizeof got);
    int exact = 1;
    for (int r = 0; r < world; r++) {
        rank_data(other, N, r);
        pad_dist_slice(N, r, world, &b, &c);
        exact &= memcmp(got + b, other + b, c * sizeof *got) == 0;
    }
    CHECK(exact);
    check_overlap(d, be, buf, mine, sum, N, 0);
    check_overlap(d, be, buf, mine, sum, N, 1);
    double v[2] = {rank + 1.0, rank * 10.0};
    CHECK(pad_dist_reduce_scalars(d, v, 2, PAD_DIST_SUM, &err) == PAD_OK);
    CHECK(v[0] == world * (world + 1) / 2.0 && v[1] == 10.0 * world * (world - 1) / 2);
    v[0] = rank;
    CHECK(pad_dist_reduce_scalars(d, v, 1, PAD_DIST_MAX, &err) == PAD_OK && v[0] == world - 1);
    /* the last rank fails: the others learn it, by number */
    pad_status st = pad_dist_agree(d, rank == world - 1 ? PAD_ERR_IO : PAD_OK, "testing", &err);
    CHECK(st != PAD_OK);
    if (rank != world - 1) CHECK(strstr(err.message, "failed while testing") != NULL);
    CHECK(pad_dist_agree(d, PAD_OK, "testing", &err) == PAD_OK);
    CHECK(pad_dist_barrier(d, &err) == PAD_OK);
    be->ops->free(be, buf);
    pad_backend_destroy(be);
    pad_dist_free(d);
}

int main(void)
{
    pad_dist_env e;
    pad_dist_env_read(&e);
    if (e.world > 1) {
        RUN(test_collectives);
    } else {
        RUN(test_env);
        RUN(test_slices);
        RUN(test_world_of_one);
    }
    return check_finish();
}
