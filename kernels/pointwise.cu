/* pad: element-wise ops on bf16 buffers: activations, adds, scaling and
 * dropout.  Each element is read as float, computed in float with the CPU
 * backend's formulas, and rounded once to bf16.  Backward ops accumulate. */
#include "cuda_common.cuh"
#include "philox.cuh"

#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define GELU_C 0.044715f

__device__ __forceinline__ float gelu(float x)
{
    float t = tanhf(GELU_K * (x + GELU_C * x * x * x));
    return 0.5f * x * (1.0f + t);
}

__device__ __forceinline__ float gelu_grad(float x)
{
    float t = tanhf(GELU_K * (x + GELU_C * x * x * x));
    float du = GELU_K * (1.0f + 3.0f * GELU_C * x * x);
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
}

void cuda_relu_fwd(pad_backend *be, void *out, const void *x, size_t n)
{
    bf16 *o = (bf16 *)out;
    const bf16 *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) {
        float v = ld_bf(xs, i);
        st_bf(o, i, v > 0.0f ? v : 0.0f);
    }, "relu_fwd");
}

void cuda_relu_bwd(pad_backend *be, void *dx, const void *dout, const void *x, size_t n)
{
    bf16 *d = (bf16 *)dx;
    const bf16 *g = (const bf16 *)dout, *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) {
        if (ld_bf(xs, i) > 0.0f) acc_bf(d, i, ld_bf(g, i));
    }, "relu_bwd");
}

void cuda_gelu_fwd(pad_backend *be, void *out, const void *x, size_t n)
{
    bf16 *o = (bf16 *)out;
    const bf16 *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) { st_bf(o, i, gelu(ld_bf(xs, i))); }, "gelu_fwd");
}

void cuda_gelu_bwd(pad_backend *be, void *dx, const void *dout, const void *x, size_t n)
{
    bf16 *d = (bf16 *)dx;
    const bf16 *g = (const bf16 *)dout, *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) {
        acc_bf(d, i, ld_bf(g, i) * gelu_grad(ld_bf(xs, i)));
    }, "gelu_bwd");
}

void cuda_gated_gelu_fwd(pad_backend *be, void *out, const void *gate, const void *up, size_t n)
{
    bf16 *o = (bf16 *)out;
    const bf16 *gs = (const bf16 *)gate, *us = (const bf16 *)up;
    cuda_map(be, n, [=] __device__(size_t i) {
        st_bf(o, i, gelu(ld_bf(gs, i)) * ld_bf(us, i));
    }, "gated_gelu_fwd");
}

void cuda_gated_gelu_bwd(pad_backend *be, void *dgate, void *dup, const void *dout,
                         const void *gate, const void *up, size_t n)
{
    bf16 *dg = (bf16 *)dgate, *du = (bf16 *)dup;
    const bf16 *g = (const bf16 *)dout, *gs = (const bf16 *)gate, *us = (const bf16 *)up;
    cuda_map(be, n, [=] __device__(size_t i) {
        float gi = ld_bf(g, i), x = ld_bf(gs, i);
        acc_bf(dg, i, gi * ld_bf(us, i) * gelu_grad(x));
        acc_bf(du, i, gi * gelu(x));
    }, "gated_gelu_bwd");
}

void cuda_add(pad_backend *be, void *out, const void *a, const void *b, size_t n)
{
    bf16 *o = (bf16 *)out;
    const bf16 *as = (const bf16 *)a, *bs = (const bf16 *)b;
    cuda_map(be, n, [=] __device__(size_t i) { st_bf(o, i, ld_bf(as, i) + ld_bf(bs, i)); }, "add");
}

void cuda_accumulate(pad_backend *be, void *y, const void *x, size_t n)
{
    bf16 *ys = (bf16 *)y;
    const bf16 *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) { acc_bf(ys, i, ld_bf(xs, i)); }, "accumulate");
}

void cuda_scale(pad_backend *be, void *out, const void *x, float s, size_t n)
{
    bf16 *o = (bf16 *)out;
    const bf16 *xs = (const bf16 *)x;
    cuda_map(be, n, [=] __device__(size_t i) { st_bf(o, i, s * ld_bf(xs, i)); }, "scale");
}

/* The factor a kept element is multiplied by; p >= 1 drops everything. */
static float dropout_scale(float p) { return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f; }

void cuda_dropout_fwd(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                      uint64_t stream, size_t n)
{
    if (p <= 0.0f) {
        if (out != x && n)
            cuda_check(be, cudaMemcpyAsync(out, x, n * sizeof(bf16), cudaMemcpyDeviceToDevice,
                                           cuda_stream(be)), "dropout_fwd copy");
        return;
    }
    bf16 *o = (bf16 *)out;
    const bf16 *xs = (const bf16 *)x;
    float k = dropout_scale(p);
    cuda_map(be, n, [=] __device__(size_t i) {
        st_bf(o, i, ld_bf(xs, i) * dropout_factor_at(seed, stream, i, p, k));
    }, "dropout_fwd");
}

void cuda_dropout_bwd(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                      uint64_t stream, size_t n)
{
    if (p <= 0.0f) {
        cuda_accumulate(be, dx, dout, n);
        return;
    }
    bf16 *d = (bf16 *)dx;
    const bf16 *g = (const bf16 *)dout;
    float k = dropout_scale(p);
    cuda_map(be, n, [=] __device__(size_t i) {
        float f = dropout_factor_at(seed, stream, i, p, k);
        if (f != 0.0f) acc_bf(d, i, ld_bf(g, i) * f);
    }, "dropout_bwd");
}
