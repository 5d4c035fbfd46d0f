/* pad: RMSNorm (T5) and LayerNorm (GPT-2) on bf16 rows with fp32 statistics.
 *
 * One warp per row: the row's sums are warp butterflies (fixed order), and
 * the second pass re-reads the row from L1/L2.  Weight and bias gradients are
 * deterministic column sums (colsum.cuh). */
#include "colsum.cuh"

#define NORM_ROWS_PER_BLOCK 8 /* warps per block */

static dim3 norm_grid(int N) { return dim3(cuda_div_up(N, NORM_ROWS_PER_BLOCK)); }
#define NORM_BLOCK (NORM_ROWS_PER_BLOCK * 32)

/* The calling warp's row, or -1 past the end (uniform across the warp). */
__device__ __forceinline__ int norm_row(int N)
{
    int row = blockIdx.x * NORM_ROWS_PER_BLOCK + (threadIdx.x >> 5);
    return row < N ? row : -1;
}

__global__ void rmsnorm_fwd_kernel(bf16 *out, float *rstd, const bf16 *x, const bf16 *w, int N,
                                   int C, float eps)
{
    int row = norm_row(N), lane = threadIdx.x & 31;
    if (row < 0) return;
    const bf16 *xr = x + (size_t)row * C;
    float ss = 0.0f;
    for (int c = lane; c < C; c += 32) {
        float v = ld_bf(xr, c);
        ss += v * v;
    }
    float r = 1.0f / sqrtf(warp_sum(ss) / C + eps);
    if (lane == 0) rstd[row] = r;
    bf16 *o = out + (size_t)row * C;
    for (int c = lane; c < C; c += 32) st_bf(o, c, ld_bf(xr, c) * r * ld_bf(w, c));
}

/* y = w*x*r with r = (mean(x^2)+eps)^-1/2: dx = r*w*g - x * r^3/C * sum(g*w*x) */
__global__ void rmsnorm_bwd_dx_kernel(bf16 *dx, const bf16 *dout, const bf16 *x, const bf16 *w,
                                      const float *rstd, int N, int C)
{
    int row = norm_row(N), lane = threadIdx.x & 31;
    if (row < 0) return;
    size_t base = (size_t)row * C;
    float dot = 0.0f;
    for (int c = lane; c < C; c += 32)
        dot += ld_bf(dout, base + c) * ld_bf(w, c) * ld_bf(x, base + c);
    float r = rstd[row];
    float k = warp_sum(dot) * r * r * r / C;
    for (int c = lane; c < C; c += 32)
        acc_bf(dx, base + c, r * ld_bf(w, c) * ld_bf(dout, base + c) - ld_bf(x, base + c) * k);
}

void cuda_rmsnorm_fwd(pad_backend *be, void *out, void *rstd, const void *x, const void *w, int N,
                      int C, float eps)
{
    if (N <= 0 || C <= 0) return;
    rmsnorm_fwd_kernel<<<norm_grid(N), NORM_BLOCK, 0, cuda_stream(be)>>>(
        (bf16 *)out, (float *)rstd, (const bf16 *)x, (const bf16 *)w, N, C, eps);
    CUDA_LAUNCHED(be, "rmsnorm_fwd");
}

void cuda_rmsnorm_bwd(pad_backend *be, void *dx, void *dw, const void *dout, const void *x,
                      const void *w, const void *rstd, int N, int C)
{
    if (N <= 0 || C <= 0) return;
    const bf16 *g = (const bf16 *)dout, *xs = (const bf16 *)x;
    const float *rs = (const float *)rstd;
    if (dx) {
        rmsnorm_bwd_dx_kernel<<<norm_grid(N), NORM_BLOCK, 0, cuda_stream(be)>>>(
            (bf16 *)dx, g, xs, (const bf16 *)w, rs, N, C);
        CUDA_LAUNCHED(be, "rmsnorm_bwd dx");
    }
    if (dw)
        colsum_accumulate(be, (bf16 *)dw, N, C, [=] __device__(int n, int c) {
            size_t i = (size_t)n * C + c;
            return ld_bf(g, i) * ld_bf(xs, i) * rs[n];
        }, "rmsnorm_bwd dw");
}

__global__ void layernorm_fwd_kernel(bf16 *out, float *mean, float *rstd, const bf16 *x,
                                     const bf16 *w, const bf16 *b, int N, int C, float eps)
{
    int row = norm_row(N), lane = threadIdx.x & 31;
    if (row < 0) return;
    const bf16 *xr = x + (size_t)row * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += 32) s += ld_bf(xr, c);
    float m = warp_sum(s) / C;
    float v = 0.0f; /* biased variance, as torch; two passes avoid cancellation */
    for (int c = lane; c < C; c += 32) {
        float d = ld_bf(xr, c) - m;
        v += d * d;
    }
    float r = 1.0f / sqrtf(warp_sum(v) / C + eps);
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
    bf16 *o = out + (size_t)row * C;
    for (int c = lane; c < C; c += 32)
        st_bf(o, c, (ld_bf(xr, c) - m) * r * ld_bf(w, c) + ld_bf(b, c));
}

/* With xhat = (x-mean)*r and h = g*w: dx = r * (h - mean(h) - xhat * mean(h*xhat)) */
__global__ void layernorm_bwd_dx_kernel(bf16 *dx, const bf16 *dout, const bf16 *x, const bf16 *w,
                                        const float *mean, const float *rstd, int N, int C)
{
    int row = norm_row(N), lane = threadIdx.x & 31;
    if (row < 0) return;
    size_t base = (size_t)row * C;
    float m = mean[row], r = rstd[row];
    float sh = 0.0f, shx = 0.0f;
    for (int c = lane; c < C; c += 32) {
        float h = ld_bf(dout, base + c) * ld_bf(w, c);
        sh += h;
        shx += h * ((ld_bf(x, base + c) - m) * r);
    }
    float mh = warp_sum(sh) / C, mhx = warp_sum(shx) / C;
    for (int c = lane; c < C; c += 32) {
        float xhat = (ld_bf(x, base + c) - m) * r;
        acc_bf(dx, base + c, r * (ld_bf(dout, base + c) * ld_bf(w, c) - mh - xhat * mhx));
    }
}

void cuda_layernorm_fwd(pad_backend *be, void *out, void *mean, void *rstd, const void *x,
                        const void *w, const void *b, int N, int C, float eps)
{
    if (N <= 0 || C <= 0) return;
    layernorm_fwd_kernel<<<norm_grid(N), NORM_BLOCK, 0, cuda_stream(be)>>>(
        (bf16 *)out, (float *)mean, (float *)rstd, (const bf16 *)x, (const bf16 *)w,
        (const bf16 *)b, N, C, eps);
    CUDA_LAUNCHED(be, "layernorm_fwd");
}

void cuda_layernorm_bwd(pad_backend *be, void *dx, void *dw, void *db, const void *dout,
                        const void *x, const void *w, const void *mean, const void *rstd, int N,
                        int C)
{
    if (N <= 0 || C <= 0) return;
    const bf16 *g = (const bf16 *)dout, *xs = (const bf16 *)x;
    const float *ms = (const float *)mean, *rs = (const float *)rstd;
    if (dx) {
        layernorm_bwd_dx_kernel<<<norm_grid(N), NORM_BLOCK, 0, cuda_stream(be)>>>(
            (bf16 *)dx, g, xs, (const bf16 *)w, ms, rs, N, C);
        CUDA_LAUNCHED(be, "layernorm_bwd dx");
    }
    if (dw)
        colsum_accumulate(be, (bf16 *)dw, N, C, [=] __device__(int n, int c) {
            size_t i = (size_t)n * C + c;
            return ld_bf(g, i) * ((ld_bf(xs, i) - ms[n]) * rs[n]);
        }, "layernorm_bwd dw");
    if (db)
        colsum_accumulate(be, (bf16 *)db, N, C, [=] __device__(int n, int c) {
            return ld_bf(g, (size_t)n * C + c);
        }, "layernorm_bwd db");
}
