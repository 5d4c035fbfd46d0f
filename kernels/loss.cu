/* pad: softmax cross-entropy over bf16 logits with fp32 math, as
 * torch.nn.functional.cross_entropy(reduction='none') with ignore_index and
 * label smoothing.  One block per row; with lse = log(sum exp z),
 * loss = (1-eps)*(lse - z_t) + eps*(lse - mean(z)). */
#include "cuda_common.cuh"

#define LOSS_THREADS 512

/* log(sum(exp(z))) of the block's row, shifted by its max for stability. */
__device__ float row_logsumexp(const bf16 *z, int V, float *red)
{
    float mx = -INFINITY;
    for (int c = threadIdx.x; c < V; c += blockDim.x) mx = fmaxf(mx, ld_bf(z, c));
    mx = block_max(mx, red);
    float s = 0.0f;
    for (int c = threadIdx.x; c < V; c += blockDim.x) s += expf(ld_bf(z, c) - mx);
    return mx + logf(block_sum(s, red));
}

__global__ void cross_entropy_fwd_kernel(float *losses, const bf16 *logits, const int32_t *targets,
                                         int V, int ignore_index, float smoothing)
{
    __shared__ float red[32];
    int n = blockIdx.x, t = targets[n];
    if (t == ignore_index) {
        if (threadIdx.x == 0) losses[n] = 0.0f;
        return;
    }
    const bf16 *z = logits + (size_t)n * V;
    float lse = row_logsumexp(z, V, red);
    float sz = 0.0f;
    if (smoothing != 0.0f) {
        for (int c = threadIdx.x; c < V; c += blockDim.x) sz += ld_bf(z, c);
        sz = block_sum(sz, red);
    }
    if (threadIdx.x != 0) return;
    /* a target outside the vocabulary poisons the loss visibly */
    float zt = t >= 0 && t < V ? ld_bf(z, t) : NAN;
    losses[n] = (1.0f - smoothing) * (lse - zt) + smoothing * (lse - sz / V);
}

/* d loss / d z_c = p_c - (1-eps)*[c == t] - eps/V, times dloss, accumulated. */
__global__ void cross_entropy_bwd_kernel(bf16 *dlogits, const bf16 *logits, const int32_t *targets,
                                         int V, int ignore_index, float smoothing, float dloss)
{
    __shared__ float red[32];
    int n = blockIdx.x, t = targets[n];
    if (t == ignore_index) return;
    const bf16 *z = logits + (size_t)n * V;
    bf16 *d = dlogits + (size_t)n * V;
    float lse = row_logsumexp(z, V, red);
    float uniform = smoothing / V, on_target = 1.0f - smoothing;
    for (int c = threadIdx.x; c < V; c += blockDim.x) {
        float grad = expf(ld_bf(z, c) - lse) - uniform - (c == t ? on_target : 0.0f);
        acc_bf(d, c, dloss * grad);
    }
}

void cuda_cross_entropy_fwd(pad_backend *be, void *losses, const void *logits,
                            const int32_t *targets, int N, int V, int ignore_index,
                            float smoothing)
{
    if (N <= 0 || V <= 0) return;
    cross_entropy_fwd_kernel<<<N, LOSS_THREADS, 0, cuda_stream(be)>>>(
        (float *)losses, (const bf16 *)logits, targets, V, ignore_index, smoothing);
    CUDA_LAUNCHED(be, "cross_entropy_fwd");
}

void cuda_cross_entropy_bwd(pad_backend *be, void *dlogits, const void *logits,
                            const int32_t *targets, int N, int V, int ignore_index,
                            float smoothing, float dloss)
{
    if (N <= 0 || V <= 0) return;
    cross_entropy_bwd_kernel<<<N, LOSS_THREADS, 0, cuda_stream(be)>>>(
        (bf16 *)dlogits, (const bf16 *)logits, targets, V, ignore_index, smoothing, dloss);
    CUDA_LAUNCHED(be, "cross_entropy_bwd");
}
