/* pad: what every CUDA kernel file shares: the backend state, sticky error
 * recording, bf16 helpers, launch sizes and deterministic block reductions.
 *
 * Ops return nothing (backend.h), so a failed CUDA or cuBLAS call is stored
 * in the state (the first one wins) and sync() reports it. */
#ifndef PAD_KERNELS_CUDA_COMMON_CUH
#define PAD_KERNELS_CUDA_COMMON_CUH

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "backend/backend.h"
#include "backend/cuda.h"
}

typedef __nv_bfloat16 bf16;

/* Matmul algorithms remembered per shape (see matmul.cu). */
#define CUDA_ALGO_CACHE 64

typedef struct cuda_algo_key {
    int transa, transb, m, n, k, lda, ldb, ldd, epilogue, beta_one;
    int align_a, align_b, align_d;
} cuda_algo_key;

typedef struct cuda_algo_entry {
    cuda_algo_key key;
    cublasLtMatmulAlgo_t algo;
    int used;
} cuda_algo_entry;

typedef struct cuda_state {
    int device;
    int sm_count;
    cudaStream_t stream;
    cublasLtHandle_t lt;
    void *workspace;
    size_t workspace_bytes;
    pad_status failed; /* PAD_OK until the first failure since the last sync */
    char message[400];
    cuda_algo_entry algos[CUDA_ALGO_CACHE];
    int algo_next; /* round-robin eviction slot */
} cuda_state;

static inline cuda_state *cuda_st(pad_backend *be) { return (cuda_state *)be->impl; }
static inline cudaStream_t cuda_stream(pad_backend *be) { return cuda_st(be)->stream; }

/* Record `e` as the backend's failure unless one is already kept.  Returns
 * nonzero when e is an error, so callers can stop early. */
int cuda_check(pad_backend *be, cudaError_t e, const char *what);
int cuda_check_blas(pad_backend *be, cublasStatus_t s, const char *what);
/* Record a failure that is not a CUDA error code (e.g. no matmul algorithm). */
void cuda_fail(pad_backend *be, const char *what, const char *why);
/* After a kernel launch: catches bad configurations at once. */
#define CUDA_LAUNCHED(be, what) cuda_check((be), cudaGetLastError(), (what))

/* Stream-ordered temporary device memory; NULL (failure recorded) when it
 * cannot be had.  Freed in stream order, so a kernel queued before the free
 * still sees it. */
void *cuda_scratch(pad_backend *be, size_t bytes);
void cuda_scratch_free(pad_backend *be, void *p);

#define CUDA_THREADS 256

/* Blocks for a grid-stride loop over n items: enough to fill the device,
 * never more than the items need.  Element-wise results do not depend on it. */
static inline unsigned cuda_grid(pad_backend *be, size_t n, int threads)
{
    size_t need = (n + (size_t)threads - 1) / (size_t)threads;
    size_t cap = (size_t)cuda_st(be)->sm_count * 16;
    if (need > cap) need = cap;
    return need ? (unsigned)need : 1u;
}

static inline unsigned cuda_div_up(size_t a, size_t b) { return (unsigned)((a + b - 1) / b); }

__device__ __forceinline__ float ld_bf(const bf16 *p, size_t i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ void st_bf(bf16 *p, size_t i, float v) { p[i] = __float2bfloat16_rn(v); }
/* p[i] += v, rounded once to bf16: the backward ops' accumulation. */
__device__ __forceinline__ void acc_bf(bf16 *p, size_t i, float v)
{
    p[i] = __float2bfloat16_rn(__bfloat162float(p[i]) + v);
}

/* Butterfly sums: every lane ends with the same bits (a+b == b+a), and the
 * order never changes between runs. */
template <typename T> __device__ __forceinline__ T warp_sum(T v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Sum over the block (blockDim.x a multiple of 32, at most 1024), returned
 * to every thread; `sh` holds 32 values.  Warp sums are added in warp order. */
template <typename T> __device__ T block_sum(T v, T *sh)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads(); /* an earlier call may still be reading sh */
    if (lane == 0) sh[warp] = v;
    __syncthreads();
    T t = 0;
    for (int w = 0; w < nwarps; w++) t += sh[w];
    return t;
}

__device__ __forceinline__ float block_max(float v, float *sh)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) sh[warp] = v;
    __syncthreads();
    float t = -INFINITY;
    for (int w = 0; w < nwarps; w++) t = fmaxf(t, sh[w]);
    return t;
}

/* Runs f(i) for i in [0, n) with a grid-stride loop; f is a __device__
 * lambda (nvcc --extended-lambda) capturing its buffers by value. */
template <class F> __global__ void map_kernel(size_t n, F f)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

template <class F> static void cuda_map(pad_backend *be, size_t n, F f, const char *what)
{
    if (n == 0) return;
    map_kernel<<<cuda_grid(be, n, CUDA_THREADS), CUDA_THREADS, 0, cuda_stream(be)>>>(n, f);
    CUDA_LAUNCHED(be, what);
}

/* --- the ops, one family per file; the vtable is in cuda_backend.cu --- */
/* embedding.cu */
void cuda_embedding_fwd(pad_backend *be, void *out, const int32_t *ids, const void *table, int N,
                        int C);
void cuda_embedding_bwd(pad_backend *be, void *dtable, const void *dout, const int32_t *ids,
                        int N, int C, int V);
void cuda_copy_rows(pad_backend *be, void *dst, size_t dst_stride, const void *src,
                    size_t src_stride, const int32_t *idx, int n, size_t row_elems);
/* norm.cu */
void cuda_rmsnorm_fwd(pad_backend *be, void *out, void *rstd, const void *x, const void *w, int N,
                      int C, float eps);
void cuda_rmsnorm_bwd(pad_backend *be, void *dx, void *dw, const void *dout, const void *x,
                      const void *w, const void *rstd, int N, int C);
void cuda_layernorm_fwd(pad_backend *be, void *out, void *mean, void *rstd, const void *x,
                        const void *w, const void *b, int N, int C, float eps);
void cuda_layernorm_bwd(pad_backend *be, void *dx, void *dw, void *db, const void *dout,
                        const void *x, const void *w, const void *mean, const void *rstd, int N,
                        int C);
/* matmul.cu */
void cuda_matmul_fwd(pad_backend *be, void *out, const void *x, const void *w,
                     pad_weight_layout layout, const void *bias, int N, int C, int OC);
void cuda_matmul_bwd(pad_backend *be, void *dx, void *dw, void *dbias, const void *dout,
                     const void *x, const void *w, pad_weight_layout layout, int N, int C, int OC);
/* attention.cu */
void cuda_attention_fwd(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                        const void *q, const void *k, const void *v, const void *bias,
                        const int32_t *key_mask);
void cuda_attention_bwd(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk, void *dv,
                        void *dbias, const void *dout, const void *q, const void *k,
                        const void *v, const void *probs, const int32_t *key_mask);
void cuda_position_bias_fwd(pad_backend *be, void *bias, const void *table,
                            const int32_t *buckets, int H, int Tq, int Tk);
void cuda_position_bias_bwd(pad_backend *be, void *dtable, const void *dbias,
                            const int32_t *buckets, int H, int Tq, int Tk, int num_buckets);
/* pointwise.cu */
void cuda_relu_fwd(pad_backend *be, void *out, const void *x, size_t n);
void cuda_relu_bwd(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
void cuda_gelu_fwd(pad_backend *be, void *out, const void *x, size_t n);
void cuda_gelu_bwd(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
void cuda_gated_gelu_fwd(pad_backend *be, void *out, const void *gate, const void *up, size_t n);
void cuda_gated_gelu_bwd(pad_backend *be, void *dgate, void *dup, const void *dout,
                         const void *gate, const void *up, size_t n);
void cuda_add(pad_backend *be, void *out, const void *a, const void *b, size_t n);
void cuda_accumulate(pad_backend *be, void *y, const void *x, size_t n);
void cuda_scale(pad_backend *be, void *out, const void *x, float s, size_t n);
void cuda_dropout_fwd(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                      uint64_t stream, size_t n);
void cuda_dropout_bwd(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                      uint64_t stream, size_t n);
/* loss.cu */
void cuda_cross_entropy_fwd(pad_backend *be, void *losses, const void *logits,
                            const int32_t *targets, int N, int V, int ignore_index,
                            float smoothing);
void cuda_cross_entropy_bwd(pad_backend *be, void *dlogits, const void *logits,
                            const int32_t *targets, int N, int V, int ignore_index,
                            float smoothing, float dloss);
/* reduce.cu */
void cuda_sum(pad_backend *be, void *out, const void *stat_x, size_t n);
void cuda_sum_squares(pad_backend *be, void *out, const void *x, size_t n);
/* optim.cu */
void cuda_adamw(pad_backend *be, void *params, void *master, const void *grads, void *m, void *v,
                size_t n, const pad_adamw_hparams *h);

#endif
