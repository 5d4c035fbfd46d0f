/* Element-wise ops on the CPU backends: activations against naive double
 * formulas and finite differences, adds and scaling (with aliasing), and
 * dropout's mask (shared by forward and backward, kept fraction, identity at
 * p = 0, independent of threads). */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 257 };

static double ref_gelu(double x)
{
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

static double ref_relu(double x) { return x > 0 ? x : 0; }

/* L = sum(f(a) * g(b) * R) with g = 1 when b is NULL: covers the unary
 * activations and the gated GELU. */
typedef struct {
    double (*f)(double);
    double *a, *b, *R;
} act_ctx;

static double act_loss(void *p)
{
    act_ctx *k = p;
    double s = 0;
    for (int i = 0; i < N; i++) s += k->f(k->a[i]) * (k->b ? k->b[i] : 1) * k->R[i];
    return s;
}

typedef void (*unary_fwd)(pad_backend *, void *, const void *, size_t);
typedef void (*unary_bwd)(pad_backend *, void *, const void *, const void *, size_t);

static void check_unary(double (*f)(double), unary_fwd fwd32, unary_fwd fwd64, unary_bwd bwd32,
                        unary_bwd bwd64, uint64_t s)
{
    double *x = gc_rand(N, s + 1, -3, 3), *R = gc_rand(N, s + 2, -1, 1);
    double *dx0 = gc_rand(N, s + 3, -1, 1), ref[N];
    for (int i = 0; i < N; i++) ref[i] = f(x[i]);
    float *o32 = gc_alloc(sizeof(float) * N);
    fwd32(be32, o32, gc_f32(x, N), N);
    CHECK(gc_max_err_f32(o32, ref, N, 1e-2) < 1e-5);
    double *o64 = gc_alloc(sizeof(double) * N);
    fwd64(be64, o64, x, N);
    CHECK(gc_max_err(o64, ref, N, 1e-2) < 1e-12);

    double *dx = gc_copy(dx0, N), *ndx = gc_alloc(sizeof(double) * N);
    bwd64(be64, dx, R, x, N);
    act_ctx k = {f, x, NULL, R};
    gc_numeric_grad(act_loss, &k, x, N, ndx);
    CHECK(gc_max_err(gc_sub(dx, dx0, N), ndx, N, 1e-3) < 1e-6);
    float *dx32 = gc_f32(dx0, N);
    bwd32(be32, dx32, gc_f32(R, N), gc_f32(x, N), N);
    CHECK(gc_max_err_f32(dx32, dx, N, 1e-2) < 1e-4);
    gc_release();
}

static void test_relu(void)
{
    check_unary(ref_relu, be32->ops->relu_fwd, be64->ops->relu_fwd, be32->ops->relu_bwd,
                be64->ops->relu_bwd, 10);
}

static void test_gelu(void)
{
    check_unary(ref_gelu, be32->ops->gelu_fwd, be64->ops->gelu_fwd, be32->ops->gelu_bwd,
                be64->ops->gelu_bwd, 20);
    /* a hand-checked point: gelu_new(1) = 0.5 * (1 + tanh(sqrt(2/pi) * 1.044715)) */
    double one = 1, out;
    be64->ops->gelu_fwd(be64, &out, &one, 1);
    CHECK(fabs(out - 0.8411919906082768) < 1e-12);
}

static void test_gated_gelu(void)
{
    double *gate = gc_rand(N, 31, -3, 3), *up = gc_rand(N, 32, -2, 2), *R = gc_rand(N, 33, -1, 1);
    double *dg0 = gc_rand(N, 34, -1, 1), *du0 = gc_rand(N, 35, -1, 1), ref[N];
    for (int i = 0; i < N; i++) ref[i] = ref_gelu(gate[i]) * up[i];
    float *o32 = gc_alloc(sizeof(float) * N);
    be32->ops->gated_gelu_fwd(be32, o32, gc_f32(gate, N), gc_f32(up, N), N);
    CHECK(gc_max_err_f32(o32, ref, N, 1e-2) < 1e-5);

    double *dg = gc_copy(dg0, N), *du = gc_copy(du0, N);
    be64->ops->gated_gelu_bwd(be64, dg, du, R, gate, up, N);
    double *ndg = gc_alloc(sizeof(double) * N), *ndu = gc_alloc(sizeof(double) * N);
    act_ctx k = {ref_gelu, gate, up, R};
    gc_numeric_grad(act_loss, &k, gate, N, ndg);
    gc_numeric_grad(act_loss, &k, up, N, ndu);
    CHECK(gc_max_err(gc_sub(dg, dg0, N), ndg, N, 1e-3) < 1e-6);
    CHECK(gc_max_err(gc_sub(du, du0, N), ndu, N, 1e-3) < 1e-6);

    float *dg32 = gc_f32(dg0, N), *du32 = gc_f32(du0, N);
    be32->ops->gated_gelu_bwd(be32, dg32, du32, gc_f32(R, N), gc_f32(gate, N), gc_f32(up, N), N);
    CHECK(gc_max_err_f32(dg32, dg, N, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(du32, du, N, 1e-2) < 1e-4);
    gc_release();
}

static void test_add_accumulate_scale(void)
{
    double *a = gc_rand(N, 41, -2, 2), *b = gc_rand(N, 42, -2, 2), sum[N], scaled[N];
    for (int i = 0; i < N; i++) {
        sum[i] = a[i] + b[i];
        scaled[i] = -0.75 * a[i];
    }
    float *a32 = gc_f32(a, N), *b32 = gc_f32(b, N), *o32 = gc_alloc(sizeof(float) * N);
    be32->ops->add(be32, o32, a32, b32, N);
    CHECK(gc_max_err_f32(o32, sum, N, 1e-2) < 1e-6);
    be32->ops->add(be32, a32, a32, b32, N); /* in place */
    CHECK(memcmp(a32, o32, sizeof(float) * N) == 0);

    double *y = gc_copy(a, N);
    be64->ops->accumulate(be64, y, b, N);
    CHECK(gc_max_err(y, sum, N, 1e-2) < 1e-15);

    double *z = gc_copy(a, N);
    be64->ops->scale(be64, z, z, -0.75f, N);
    CHECK(gc_max_err(z, scaled, N, 1e-2) < 1e-15);
    float *z32 = gc_alloc(sizeof(float) * N);
    be32->ops->scale(be32, z32, gc_f32(a, N), -0.75f, N);
    CHECK(gc_max_err_f32(z32, scaled, N, 1e-2) < 1e-6);
    gc_release();
}

static void test_dropout(void)
{
    enum { DN = 100000 };
    const float p = 0.3f;
    double *x = gc_rand(DN, 51, 0.5, 2); /* positive: a zero output means dropped */
    double *out = gc_alloc(sizeof(double) * DN), *dx = gc_alloc(sizeof(double) * DN);
    double *ones = gc_alloc(sizeof(double) * DN);
    for (int i = 0; i < DN; i++) ones[i] = 1;
    be64->ops->dropout_fwd(be64, out, x, p, 1234, 5, DN);
    be64->ops->dropout_bwd(be64, dx, ones, p, 1234, 5, DN);
    int kept = 0, mask_agrees = 1, scaled_ok = 1;
    for (int i = 0; i < DN; i++) {
        int k = out[i] != 0;
        kept += k;
        if (k != (dx[i] != 0)) mask_agrees = 0;
        if (k && (fabs(out[i] - x[i] / (1 - (double)p)) > 1e-12 * out[i] ||
                  fabs(dx[i] - 1 / (1 - (double)p)) > 1e-12))
            scaled_ok = 0;
    }
    CHECK(mask_agrees);
    CHECK(scaled_ok);
    CHECK_MSG(fabs(kept / (double)DN - (1 - p)) < 0.01, "kept %d of %d", kept, DN);

    /* another seed or stream draws another mask */
    double *other = gc_alloc(sizeof(double) * DN);
    be64->ops->dropout_fwd(be64, other, x, p, 1234, 6, DN);
    CHECK(memcmp(other, out, sizeof(double) * DN) != 0);

    /* p = 0 is the identity forward and a plain accumulate backward */
    be64->ops->dropout_fwd(be64, other, x, 0, 1234, 5, DN);
    CHECK(memcmp(other, x, sizeof(double) * DN) == 0);
    double *acc = gc_copy(x, DN);
    be64->ops->dropout_bwd(be64, acc, ones, 0, 1234, 5, DN);
    int plus_one = 1;
    for (int i = 0; i < DN; i++)
        if (acc[i] != x[i] + 1) plus_one = 0;
    CHECK(plus_one);

    /* the float backend draws the same mask, whatever the thread count */
    float *x32 = gc_f32(x, DN), *o1 = gc_alloc(sizeof(float) * DN);
    float *o3 = gc_alloc(sizeof(float) * DN);
    omp_set_num_threads(1);
    be32->ops->dropout_fwd(be32, o1, x32, p, 1234, 5, DN);
    omp_set_num_threads(3);
    be32->ops->dropout_fwd(be32, o3, x32, p, 1234, 5, DN);
    omp_set_num_threads(2);
    CHECK(memcmp(o1, o3, sizeof(float) * DN) == 0);
    int same_mask = 1;
    for (int i = 0; i < DN; i++)
        if ((o1[i] != 0) != (out[i] != 0)) same_mask = 0;
    CHECK(same_mask);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_relu);
    RUN(test_gelu);
    RUN(test_gated_gelu);
    RUN(test_add_accumulate_scale);
    RUN(test_dropout);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
