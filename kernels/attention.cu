/* pad: scaled dot-product attention (bf16 q, k, v; fp32 softmax) and T5's
 * relative position bias.
 *
 * A plain, exact version (not flash attention): the probabilities are kept in
 * the probs buffer for the backward pass, as backend.h asks.
 *  - forward: one block per query row (b, h, i): scores into shared memory
 *    (a warp per key), softmax in fp32, probs written as bf16, then the
 *    dropped-out probabilities times V.
 *  - backward, row pass: per query row, dS = P (dP - sum P dP) into an fp32
 *    scratch [B,H,Tq,Tk], and dq += scale dS K.
 *  - backward, key pass: per key row (b, h, j), dk += scale dS^T Q and
 *    dv += Pdrop^T dout, summing the queries in order: no atomics.
 *  - dbias sums dS over b in order.
 * Dropout draws probs element e's number from (seed, stream, e) with the same
 * Philox as the CPU backend, so masks agree bit for bit. */
#include "cuda_common.cuh"
#include "philox.cuh"

#define ATTN_THREADS 128
#define PB_CHUNK 2048 /* position-bias gradient: elements per partial sum */

/* Offset of row t of sequence b, head h, in a [B, T] buffer of ld-element rows. */
__device__ __forceinline__ size_t head_at(int ld, int T, int b, int t, int h, int D)
{
    return ((size_t)b * T + t) * ld + (size_t)h * D;
}

__device__ __forceinline__ int key_visible(const pad_attn_desc &d, const int32_t *key_mask, int b,
                                           int i, int j)
{
    if (d.causal && j > i + (d.Tk - d.Tq)) return 0;
    return !key_mask || key_mask[(size_t)b * d.Tk + j] != 0;
}

__device__ __forceinline__ float attn_drop(const pad_attn_desc &d, uint64_t e, float keep_scale)
{
    return d.dropout_p > 0.0f ? dropout_factor_at(d.seed, d.stream, e, d.dropout_p, keep_scale)
                              : 1.0f;
}

/* Index of P[b, h, i, 0] in probs [B, H, Tq, Tk]. */
__device__ __forceinline__ size_t probs_row(const pad_attn_desc &d, int b, int h, int i)
{
    return (((size_t)b * d.H + h) * d.Tq + i) * d.Tk;
}

/* Row groups of the weighted row sums below: G groups of D columns fill the block. */
__host__ __device__ __forceinline__ int row_groups(int threads, int D)
{
    return threads >= D ? threads / D : 1;
}

/* part[g*D + c] = sum over rows r = g, g+G, ... < R of coef[r] * M[r*ld + c]:
 * the block's share of sum_r coef[r] M[r, :].  Ends with a barrier. */
__device__ void weighted_rows(float *part, const float *coef, int R, const bf16 *M, int ld, int D)
{
    int G = row_groups(blockDim.x, D);
    for (int t = threadIdx.x; t < G * D; t += blockDim.x) {
        int g = t / D, c = t % D;
        float acc = 0.0f;
        for (int r = g; r < R; r += G) {
            float a = coef[r];
            if (a != 0.0f) acc += a * ld_bf(M, (size_t)r * ld + c);
        }
        part[t] = acc;
    }
    __syncthreads();
}

/* dst[c] (+)= s * sum of weighted_rows' groups, added in group order. */
__device__ void store_rows(bf16 *dst, const float *part, int D, float s, int accumulate)
{
    int G = row_groups(blockDim.x, D);
    for (int c = threadIdx.x; c < D; c += blockDim.x) {
        float t = 0.0f;
        for (int g = 0; g < G; g++) t += part[g * D + c];
        if (accumulate) acc_bf(dst, c, s * t);
        else st_bf(dst, c, s * t);
    }
    __syncthreads();
}

/* Shared floats of the forward and row-backward kernels: Tk scores, a D row, parts. */
static size_t row_smem(const pad_attn_desc *d)
{
    return ((size_t)d->Tk + d->D + (size_t)row_groups(ATTN_THREADS, d->D) * d->D) * sizeof(float);
}

__global__ void attn_fwd_kernel(pad_attn_desc d, bf16 *out, bf16 *probs, const bf16 *q,
                                const bf16 *k, const bf16 *v, const bf16 *bias,
                                const int32_t *key_mask, float keep_scale)
{
    extern __shared__ float smem[];
    __shared__ float red[32];
    float *P = smem, *qi = smem + d.Tk, *part = qi + d.D;
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    const bf16 *qrow = q + head_at(d.ldq, d.Tq, b, i, h, d.D);
    for (int c = threadIdx.x; c < d.D; c += blockDim.x) qi[c] = ld_bf(qrow, c);
    __syncthreads();
    const bf16 *bias_row = bias ? bias + ((size_t)h * d.Tq + i) * d.Tk : NULL;
    for (int j = warp; j < d.Tk; j += nwarps) {
        if (!key_visible(d, key_mask, b, i, j)) {
            if (lane == 0) P[j] = -INFINITY;
            continue;
        }
        const bf16 *kj = k + head_at(d.ldk, d.Tk, b, j, h, d.D);
        float dot = 0.0f;
        for (int c = lane; c < d.D; c += 32) dot += qi[c] * ld_bf(kj, c);
        dot = warp_sum(dot);
        if (lane == 0) P[j] = d.scale * dot + (bias_row ? ld_bf(bias_row, j) : 0.0f);
    }
    __syncthreads();
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < d.Tk; j += blockDim.x) mx = fmaxf(mx, P[j]);
    mx = block_max(mx, red);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < d.Tk; j += blockDim.x) {
        /* masked keys hold -inf and become exactly 0; no visible key: all 0 */
        float e = mx == -INFINITY ? 0.0f : expf(P[j] - mx);
        P[j] = e;
        sum += e;
    }
    sum = block_sum(sum, red);
    size_t row = probs_row(d, b, h, i);
    for (int j = threadIdx.x; j < d.Tk; j += blockDim.x) {
        float p = sum > 0.0f ? P[j] / sum : 0.0f;
        st_bf(probs, row + j, p);
        P[j] = p == 0.0f ? 0.0f : p * attn_drop(d, row + j, keep_scale);
    }
    __syncthreads();
    int HD = d.H * d.D;
    weighted_rows(part, P, d.Tk, v + head_at(d.ldv, d.Tk, b, 0, h, d.D), d.ldv, d.D);
    store_rows(out + head_at(HD, d.Tq, b, i, h, d.D), part, d.D, 1.0f, 0);
}

/* Row pass: dS[b,h,i,:] into the scratch, dq_i += scale * dS K. */
__global__ void attn_bwd_rows_kernel(pad_attn_desc d, float *dS_all, bf16 *dq, const bf16 *dout,
                                     const bf16 *k, const bf16 *v, const bf16 *probs,
                                     float keep_scale)
{
    extern __shared__ float smem[];
    __shared__ float red[32];
    float *dS = smem, *gi = smem + d.Tk, *part = gi + d.D;
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    int HD = d.H * d.D;
    const bf16 *grow = dout + head_at(HD, d.Tq, b, i, h, d.D);
    for (int c = threadIdx.x; c < d.D; c += blockDim.x) gi[c] = ld_bf(grow, c);
    __syncthreads();
    size_t row = probs_row(d, b, h, i);
    /* dS first holds dP = (dout_i . v_j) * drop_ij */
    for (int j = warp; j < d.Tk; j += nwarps) {
        if (ld_bf(probs, row + j) == 0.0f) { /* masked or underflowed: no gradient */
            if (lane == 0) dS[j] = 0.0f;
            continue;
        }
        const bf16 *vj = v + head_at(d.ldv, d.Tk, b, j, h, d.D);
        float dot = 0.0f;
        for (int c = lane; c < d.D; c += 32) dot += gi[c] * ld_bf(vj, c);
        dot = warp_sum(dot);
        if (lane == 0) dS[j] = dot * attn_drop(d, row + j, keep_scale);
    }
    __syncthreads();
    float rowsum = 0.0f;
    for (int j = threadIdx.x; j < d.Tk; j += blockDim.x) rowsum += ld_bf(probs, row + j) * dS[j];
    rowsum = block_sum(rowsum, red);
    for (int j = threadIdx.x; j < d.Tk; j += blockDim.x) {
        float p = ld_bf(probs, row + j);
        float s = p == 0.0f ? 0.0f : p * (dS[j] - rowsum);
        dS[j] = s;
        dS_all[row + j] = s;
    }
    __syncthreads();
    weighted_rows(part, dS, d.Tk, k + head_at(d.ldk, d.Tk, b, 0, h, d.D), d.ldk, d.D);
    store_rows(dq + head_at(d.ldq, d.Tq, b, i, h, d.D), part, d.D, d.scale, 1);
}

/* Key pass: for key row (b, h, j), dk_j += scale * sum_i dS_ij q_i and
 * dv_j += sum_i Pdrop_ij dout_i, the queries summed in order. */
__global__ void attn_bwd_keys_kernel(pad_attn_desc d, const float *dS_all, bf16 *dk, bf16 *dv,
                                     const bf16 *dout, const bf16 *q, const bf16 *probs,
                                     float keep_scale)
{
    extern __shared__ float smem[];
    float *ds_col = smem, *pd_col = smem + d.Tq, *part = pd_col + d.Tq;
    int j = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    for (int i = threadIdx.x; i < d.Tq; i += blockDim.x) {
        size_t e = probs_row(d, b, h, i) + j;
        float p = ld_bf(probs, e);
        ds_col[i] = dS_all[e];
        pd_col[i] = p == 0.0f ? 0.0f : p * attn_drop(d, e, keep_scale);
    }
    __syncthreads();
    int HD = d.H * d.D;
    weighted_rows(part, pd_col, d.Tq, dout + head_at(HD, d.Tq, b, 0, h, d.D), HD, d.D);
    store_rows(dv + head_at(d.ldv, d.Tk, b, j, h, d.D), part, d.D, 1.0f, 1);
    weighted_rows(part, ds_col, d.Tq, q + head_at(d.ldq, d.Tq, b, 0, h, d.D), d.ldq, d.D);
    store_rows(dk + head_at(d.ldk, d.Tk, b, j, h, d.D), part, d.D, d.scale, 1);
}

/* Lets `kernel` take `bytes` of dynamic shared memory (over 48 KB needs an
 * opt-in).  Returns nonzero (failure recorded) when it cannot. */
template <class K> static int allow_smem(pad_backend *be, K kernel, size_t bytes, const char *what)
{
    if (bytes <= 48 * 1024) return 0;
    return cuda_check(be, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               (int)bytes), what);
}

static float keep_scale_of(float p) { return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f; }

static int attn_empty(const pad_attn_desc *d)
{
    return d->B <= 0 || d->H <= 0 || d->Tq <= 0 || d->Tk <= 0 || d->D <= 0;
}

void cuda_attention_fwd(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                        const void *q, const void *k, const void *v, const void *bias,
                        const int32_t *key_mask)
{
    if (attn_empty(d)) return;
    size_t smem = row_smem(d);
    if (allow_smem(be, attn_fwd_kernel, smem, "attention_fwd")) return;
    attn_fwd_kernel<<<dim3(d->Tq, d->H, d->B), ATTN_THREADS, smem, cuda_stream(be)>>>(
        *d, (bf16 *)out, (bf16 *)probs, (const bf16 *)q, (const bf16 *)k, (const bf16 *)v,
        (const bf16 *)bias, key_mask, keep_scale_of(d->dropout_p));
    CUDA_LAUNCHED(be, "attention_fwd");
}

void cuda_attention_bwd(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk, void *dv,
                        void *dbias, const void *dout, const void *q, const void *k,
                        const void *v, const void *probs, const int32_t *key_mask)
{
    /* key_mask is already in probs: masked keys have P == 0 */
    if (attn_empty(d)) return;
    size_t n = (size_t)d->B * d->H * d->Tq * d->Tk;
    float *dS = (float *)cuda_scratch(be, n * sizeof(float));
    if (!dS) return;
    float keep = keep_scale_of(d->dropout_p);
    size_t rows_smem = row_smem(d);
    size_t parts = (size_t)row_groups(ATTN_THREADS, d->D) * d->D;
    size_t keys_smem = (2 * (size_t)d->Tq + parts) * sizeof(float);
    const bf16 *g = (const bf16 *)dout, *P = (const bf16 *)probs;
    if (allow_smem(be, attn_bwd_rows_kernel, rows_smem, "attention_bwd") ||
        allow_smem(be, attn_bwd_keys_kernel, keys_smem, "attention_bwd"))
        goto done;
    attn_bwd_rows_kernel<<<dim3(d->Tq, d->H, d->B), ATTN_THREADS, rows_smem, cuda_stream(be)>>>(
        *d, dS, (bf16 *)dq, g, (const bf16 *)k, (const bf16 *)v, P, keep);
    if (CUDA_LAUNCHED(be, "attention_bwd rows")) goto done;
    attn_bwd_keys_kernel<<<dim3(d->Tk, d->H, d->B), ATTN_THREADS, keys_smem, cuda_stream(be)>>>(
        *d, dS, (bf16 *)dk, (bf16 *)dv, g, (const bf16 *)q, P, keep);
    if (CUDA_LAUNCHED(be, "attention_bwd keys")) goto done;
    if (dbias) {
        bf16 *db = (bf16 *)dbias;
        int B = d->B;
        size_t per_b = (size_t)d->H * d->Tq * d->Tk;
        cuda_map(be, per_b, [=] __device__(size_t e) {
            float t = 0.0f;
            for (int b = 0; b < B; b++) t += dS[(size_t)b * per_b + e];
            acc_bf(db, e, t);
        }, "attention_bwd dbias");
    }
done:
    cuda_scratch_free(be, dS);
}

void cuda_position_bias_fwd(pad_backend *be, void *bias, const void *table,
                            const int32_t *buckets, int H, int Tq, int Tk)
{
    bf16 *out = (bf16 *)bias;
    const bf16 *tab = (const bf16 *)table;
    size_t n = (size_t)Tq * Tk;
    cuda_map(be, (size_t)H * n, [=] __device__(size_t idx) {
        size_t h = idx / n, e = idx % n;
        out[idx] = tab[(size_t)buckets[e] * H + h];
    }, "position_bias_fwd");
}

/* partial[(chunk*H + h)*NB + bucket] = sum of dbias[h, e] over the chunk's
 * elements e in that bucket; a warp per bucket, lanes strided, butterfly. */
__global__ void position_bias_partial_kernel(float *partial, const bf16 *dbias,
                                             const int32_t *buckets, int H, size_t n, int NB)
{
    __shared__ float g[PB_CHUNK];
    __shared__ int bk[PB_CHUNK];
    int h = blockIdx.y;
    size_t e0 = (size_t)blockIdx.x * PB_CHUNK;
    int len = (int)(n - e0 < PB_CHUNK ? n - e0 : PB_CHUNK);
    for (int t = threadIdx.x; t < len; t += blockDim.x) {
        g[t] = ld_bf(dbias, (size_t)h * n + e0 + t);
        bk[t] = buckets[e0 + t];
    }
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    for (int bucket = warp; bucket < NB; bucket += nwarps) {
        float s = 0.0f;
        for (int t = lane; t < len; t += 32)
            if (bk[t] == bucket) s += g[t];
        s = warp_sum(s);
        if (lane == 0) partial[((size_t)blockIdx.x * H + h) * NB + bucket] = s;
    }
}

void cuda_position_bias_bwd(pad_backend *be, void *dtable, const void *dbias,
                            const int32_t *buckets, int H, int Tq, int Tk, int num_buckets)
{
    size_t n = (size_t)Tq * Tk;
    if (n == 0 || H <= 0 || num_buckets <= 0) return;
    int chunks = (int)((n + PB_CHUNK - 1) / PB_CHUNK);
    float *partial = (float *)cuda_scratch(be, (size_t)chunks * H * num_buckets * sizeof(float));
    if (!partial) return;
    position_bias_partial_kernel<<<dim3(chunks, H), CUDA_THREADS, 0, cuda_stream(be)>>>(
        partial, (const bf16 *)dbias, buckets, H, n, num_buckets);
    if (!CUDA_LAUNCHED(be, "position_bias_bwd")) {
        bf16 *dt = (bf16 *)dtable;
        int NB = num_buckets;
        cuda_map(be, (size_t)NB * H, [=] __device__(size_t idx) { /* idx = bucket*H + h */
            size_t bucket = idx / H, h = idx % H;
            float t = 0.0f;
            for (int c = 0; c < chunks; c++) t += partial[((size_t)c * H + h) * NB + bucket];
            acc_bf(dt, idx, t);
        }, "position_bias_bwd");
    }
    cuda_scratch_free(be, partial);
}
