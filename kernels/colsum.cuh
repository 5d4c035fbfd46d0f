/* pad: deterministic column sums, out[c] += sum over rows n of f(n, c), for
 * weight and bias gradients (norms, matmul bias).
 *
 * No float atomics: pass 1 gives each chunk of COLSUM_ROWS rows its own
 * partial sum per column (a fixed tree inside the block), pass 2 adds the
 * chunks in order.  The chunking depends only on N, so the bits do too. */
#ifndef PAD_KERNELS_COLSUM_CUH
#define PAD_KERNELS_COLSUM_CUH

#include "cuda_common.cuh"

#define COLSUM_ROWS 64  /* rows per chunk */
#define COLSUM_COLS 32  /* columns per block: one warp reads 32 neighbours */
#define COLSUM_LANES 8  /* threads sharing one column's chunk */

template <class F> __global__ void colsum_partial_kernel(float *partial, int N, int C, F f)
{
    __shared__ float sh[COLSUM_LANES][COLSUM_COLS + 1];
    int c = blockIdx.x * COLSUM_COLS + threadIdx.x;
    int r0 = blockIdx.y * COLSUM_ROWS, r1 = min(r0 + COLSUM_ROWS, N);
    float s = 0.0f;
    if (c < C)
        for (int n = r0 + threadIdx.y; n < r1; n += COLSUM_LANES) s += f(n, c);
    sh[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float t = 0.0f;
        for (int y = 0; y < COLSUM_LANES; y++) t += sh[y][threadIdx.x];
        partial[(size_t)blockIdx.y * C + c] = t;
    }
}

/* static: each including file gets its own copy, no device linking needed */
static __global__ void colsum_finish_kernel(bf16 *out, const float *partial, int chunks, int C)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float t = 0.0f;
    for (int k = 0; k < chunks; k++) t += partial[(size_t)k * C + c];
    acc_bf(out, c, t);
}

/* out[c] += sum_n f(n, c) for c < C (out bf16 of C); f is a __device__
 * lambda returning float. */
template <class F>
static void colsum_accumulate(pad_backend *be, bf16 *out, int N, int C, F f, const char *what)
{
    if (N <= 0 || C <= 0) return;
    int chunks = (N + COLSUM_ROWS - 1) / COLSUM_ROWS;
    float *partial = (float *)cuda_scratch(be, (size_t)chunks * C * sizeof(float));
    if (!partial) return;
    dim3 grid(cuda_div_up(C, COLSUM_COLS), chunks), block(COLSUM_COLS, COLSUM_LANES);
    colsum_partial_kernel<<<grid, block, 0, cuda_stream(be)>>>(partial, N, C, f);
    if (!CUDA_LAUNCHED(be, what)) {
        colsum_finish_kernel<<<cuda_div_up(C, CUDA_THREADS), CUDA_THREADS, 0, cuda_stream(be)>>>(
            out, partial, chunks, C);
        CUDA_LAUNCHED(be, what);
    }
    cuda_scratch_free(be, partial);
}

#endif
