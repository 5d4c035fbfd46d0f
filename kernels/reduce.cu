/* pad: reductions to one fp32 value in device memory, deterministic: pass 1
 * gives each of a fixed number of blocks (a function of n only) a grid-stride
 * share summed in double, pass 2 adds the block sums in order. */
#include "cuda_common.cuh"

#define REDUCE_MAX_BLOCKS 1024
#define REDUCE_ITEMS 8 /* elements per thread before another block is worth it */

__device__ __forceinline__ double reduce_load(const float *x, size_t i) { return x[i]; }
__device__ __forceinline__ double reduce_load(const bf16 *x, size_t i) { return ld_bf(x, i); }

template <typename T, bool SQUARES>
__global__ void reduce_partial_kernel(double *partial, const T *x, size_t n)
{
    __shared__ double red[32];
    double s = 0.0;
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        double v = reduce_load(x, i);
        s += SQUARES ? v * v : v;
    }
    s = block_sum(s, red);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

__global__ void reduce_finish_kernel(float *out, const double *partial, int blocks)
{
    __shared__ double red[32];
    double s = 0.0;
    for (int b = threadIdx.x; b < blocks; b += blockDim.x) s += partial[b];
    s = block_sum(s, red);
    if (threadIdx.x == 0) out[0] = (float)s;
}

template <typename T, bool SQUARES>
static void reduce(pad_backend *be, float *out, const T *x, size_t n, const char *what)
{
    cudaStream_t st = cuda_stream(be);
    if (n == 0) {
        cuda_check(be, cudaMemsetAsync(out, 0, sizeof(float), st), what);
        return;
    }
    size_t want = (n + CUDA_THREADS * REDUCE_ITEMS - 1) / (CUDA_THREADS * REDUCE_ITEMS);
    int blocks = want < REDUCE_MAX_BLOCKS ? (int)want : REDUCE_MAX_BLOCKS;
    double *partial = (double *)cuda_scratch(be, (size_t)blocks * sizeof(double));
    if (!partial) return;
    reduce_partial_kernel<T, SQUARES><<<blocks, CUDA_THREADS, 0, st>>>(partial, x, n);
    if (!CUDA_LAUNCHED(be, what)) {
        reduce_finish_kernel<<<1, CUDA_THREADS, 0, st>>>(out, partial, blocks);
        CUDA_LAUNCHED(be, what);
    }
    cuda_scratch_free(be, partial);
}

void cuda_sum(pad_backend *be, void *out, const void *stat_x, size_t n)
{
    reduce<float, false>(be, (float *)out, (const float *)stat_x, n, "sum");
}

void cuda_sum_squares(pad_backend *be, void *out, const void *x, size_t n)
{
    reduce<bf16, true>(be, (float *)out, (const bf16 *)x, n, "sum_squares");
}
