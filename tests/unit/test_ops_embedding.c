/* Embedding lookup on the CPU backends: forward gathers rows; backward
 * scatter-adds with repeated ids onto pre-filled gradients, against a naive
 * double loop and finite differences, bitwise independent of threads. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 9, C = 70, V = 6 };

static const int32_t ids[N] = {2, 0, 5, 2, 2, 1, 0, 5, 3};

typedef struct {
    double *table, *R;
} emb_ctx;

static double emb_loss(void *p)
{
    emb_ctx *k = p;
    double s = 0;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) s += k->table[ids[n] * C + c] * k->R[n * C + c];
    return s;
}

static void test_embedding_forward(void)
{
    double *table = gc_rand(V * C, 1, -1, 1);
    float *t32 = gc_f32(table, V * C), *o32 = gc_alloc(sizeof(float) * N * C);
    be32->ops->embedding_fwd(be32, o32, ids, t32, N, C);
    int ok = 1;
    for (int n = 0; n < N; n++)
        if (memcmp(o32 + n * C, t32 + ids[n] * C, sizeof(float) * C) != 0) ok = 0;
    CHECK(ok);
    gc_release();
}

static void test_embedding_backward(void)
{
    double *table = gc_rand(V * C, 2, -1, 1), *R = gc_rand(N * C, 3, -1, 1);
    double *d0 = gc_rand(V * C, 4, -1, 1), *d = gc_copy(d0, V * C);
    double *nd = gc_alloc(sizeof(double) * V * C), *ref = gc_copy(d0, V * C);
    be64->ops->embedding_bwd(be64, d, R, ids, N, C, V);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) ref[ids[n] * C + c] += R[n * C + c];
    CHECK(gc_max_err(d, ref, V * C, 1e-3) < 1e-14);
    emb_ctx k = {table, R};
    gc_numeric_grad(emb_loss, &k, table, V * C, nd);
    CHECK(gc_max_err(gc_sub(d, d0, V * C), nd, V * C, 1e-3) < 1e-6);
    /* id 4 never occurs: its row keeps its old gradient */
    CHECK(memcmp(d + 4 * C, d0 + 4 * C, sizeof(double) * C) == 0);

    float *d32 = gc_f32(d0, V * C);
    be32->ops->embedding_bwd(be32, d32, gc_f32(R, N * C), ids, N, C, V);
    CHECK(gc_max_err_f32(d32, d, V * C, 1e-2) < 1e-5);
    gc_release();
}

static void test_embedding_threads(void)
{
    enum { TN = 500, TC = 200, TV = 7 };
    int32_t *tid = gc_alloc(sizeof(int32_t) * TN);
    for (int n = 0; n < TN; n++) tid[n] = (n * 5 + n / 7) % TV;
    float *g = gc_f32(gc_rand(TN * TC, 5, -1, 1), TN * TC);
    float *d1 = gc_alloc(sizeof(float) * TV * TC), *d3 = gc_alloc(sizeof(float) * TV * TC);
    omp_set_num_threads(1);
    be32->ops->embedding_bwd(be32, d1, g, tid, TN, TC, TV);
    omp_set_num_threads(3);
    be32->ops->embedding_bwd(be32, d3, g, tid, TN, TC, TV);
    omp_set_num_threads(2);
    CHECK(memcmp(d1, d3, sizeof(float) * TV * TC) == 0);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_embedding_forward);
    RUN(test_embedding_backward);
    RUN(test_embedding_threads);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
