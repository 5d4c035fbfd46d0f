/* pad: the op interface.
 *
 * Model code runs every computation through these function pointers and never
 * learns which backend is underneath.  Conventions, for every op:
 *
 *  - Floating buffers are `void *` in the backend's memory.  "act" buffers
 *    (parameters, activations, gradients) hold be->act_dtype; "stat" buffers
 *    (norm statistics, per-row losses, reduction results, optimizer moments,
 *    master weights) hold be->stat_dtype.  CPU: F32/F32.  CPU64, the
 *    double-precision reference used by gradient checks: F64/F64.
 *    CUDA: BF16/F32.  Token ids and masks are int32 in the backend's memory.
 *  - Matrices are row-major.  N counts rows (tokens), C input channels,
 *    OC output channels.
 *  - Forward ops overwrite their outputs.  Backward ops ACCUMULATE (+=) into
 *    every gradient they produce, so residual branches and shared weights
 *    need no extra adds; callers zero gradients once per step.
 *  - Ops return nothing: a failure (e.g. a CUDA launch error) is kept by the
 *    backend and reported by the next sync().  Allocation reports at once.
 *  - Results must not depend on the number of threads: reductions run in a
 *    fixed order.
 */
#ifndef PAD_BACKEND_H
#define PAD_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/tensor.h"

typedef struct pad_backend pad_backend;

/* How a weight matrix is stored: PyTorch nn.Linear keeps [OC, C]; the Conv1D
 * layers of Hugging Face's GPT-2 keep [C, OC]. */
typedef enum pad_weight_layout {
    PAD_W_OUT_IN = 0,
    PAD_W_IN_OUT
} pad_weight_layout;

/* Scaled dot-product attention over B sequences, H heads of size D.
 * q is [B, Tq] rows of ldq elements, head h at columns h*D .. h*D+D-1; k and
 * v likewise with Tk rows.  The output is [B, Tq, H*D], dense.  The gradients
 * dq, dk, dv have the same layouts (and strides) as q, k, v, so a fused qkv
 * buffer gets a fused gradient. */
typedef struct pad_attn_desc {
    int B, Tq, Tk, H, D;
    int ldq, ldk, ldv;
    int causal;        /* query i sees key j only when j <= i + (Tk - Tq) */
    float scale;       /* multiplies q.k: 1 for T5, 1/sqrt(D) for GPT-2 */
    float dropout_p;   /* dropout on the probabilities; 0 disables */
    uint64_t seed;     /* dropout randomness: see core/rng.h */
    uint64_t stream;
} pad_attn_desc;

typedef struct pad_adamw_hparams {
    float lr, beta1, beta2, eps, weight_decay;
    int step;          /* 1-based, for bias correction */
} pad_adamw_hparams;

typedef struct pad_backend_ops {
    /* --- memory --- */
    pad_status (*alloc)(pad_backend *be, size_t bytes, void **out, pad_error *err);
    void (*free)(pad_backend *be, void *ptr);
    void (*zero)(pad_backend *be, void *ptr, size_t bytes);
    void (*upload)(pad_backend *be, void *dst, const void *host_src, size_t bytes);
    void (*download)(pad_backend *be, void *host_dst, const void *src, size_t bytes);
    /* Waits for queued work; returns (and clears) the first failure since the
     * last sync. */
    pad_status (*sync)(pad_backend *be, pad_error *err);
    void (*destroy)(pad_backend *be);

    /* --- embedding: out[n] = table[ids[n]] --- */
    void (*embedding_fwd)(pad_backend *be, void *out, const int32_t *ids, const void *table,
                          int N, int C);
    void (*embedding_bwd)(pad_backend *be, void *dtable, const void *dout, const int32_t *ids,
                          int N, int C, int V);

    /* --- norms; rstd and mean are stat buffers of N --- */
    void (*rmsnorm_fwd)(pad_backend *be, void *out, void *rstd, const void *x, const void *w,
                        int N, int C, float eps);
    void (*rmsnorm_bwd)(pad_backend *be, void *dx, void *dw, const void *dout, const void *x,
                        const void *w, const void *rstd, int N, int C);
    void (*layernorm_fwd)(pad_backend *be, void *out, void *mean, void *rstd, const void *x,
                          const void *w, const void *b, int N, int C, float eps);
    void (*layernorm_bwd)(pad_backend *be, void *dx, void *dw, void *db, const void *dout,
                          const void *x, const void *w, const void *mean, const void *rstd,
                          int N, int C);

    /* --- out[N,OC] = x[N,C] W^T + bias; bias and dbias may be NULL, dx too --- */
    void (*matmul_fwd)(pad_backend *be, void *out, const void *x, const void *w,
                       pad_weight_layout layout, const void *bias, int N, int C, int OC);
    void (*matmul_bwd)(pad_backend *be, void *dx, void *dw, void *dbias, const void *dout,
                       const void *x, const void *w, pad_weight_layout layout, int N, int C,
                       int OC);

    /* --- attention.  probs [B,H,Tq,Tk] keeps the softmax (before dropout)
     * for the backward pass.  bias [H,Tq,Tk] (T5's position bias, shared by
     * the batch) may be NULL, as may key_mask [B,Tk] (1 keep, 0 padding).
     * Masked keys get probability exactly 0; a row with no visible key
     * outputs zeros.  dbias accumulates the sum over the batch. --- */
    void (*attention_fwd)(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                          const void *q, const void *k, const void *v, const void *bias,
                          const int32_t *key_mask);
    void (*attention_bwd)(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk, void *dv,
                          void *dbias, const void *dout, const void *q, const void *k,
                          const void *v, const void *probs, const int32_t *key_mask);

    /* --- T5 relative position bias: bias[h,i,j] = table[buckets[i*Tk+j], h],
     * table [num_buckets, H] --- */
    void (*position_bias_fwd)(pad_backend *be, void *bias, const void *table,
                              const int32_t *buckets, int H, int Tq, int Tk);
    void (*position_bias_bwd)(pad_backend *be, void *dtable, const void *dbias,
                              const int32_t *buckets, int H, int Tq, int Tk, int num_buckets);

    /* --- pointwise; x is the input saved from the forward pass --- */
    void (*relu_fwd)(pad_backend *be, void *out, const void *x, size_t n);
    void (*relu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
    /* GELU, tanh approximation (HF "gelu_new") */
    void (*gelu_fwd)(pad_backend *be, void *out, const void *x, size_t n);
    void (*gelu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
    /* out = gelu(gate) * up (T5 v1.1 "gated-gelu") */
    void (*gated_gelu_fwd)(pad_backend *be, void *out, const void *gate, const void *up,
                           size_t n);
    void (*gated_gelu_bwd)(pad_backend *be, void *dgate, void *dup, const void *dout,
                           const void *gate, const void *up, size_t n);
    /* out = a + b (out may alias a or b) */
    void (*add)(pad_backend *be, void *out, const void *a, const void *b, size_t n);
    /* y += x: the backward of every fan-out */
    void (*accumulate)(pad_backend *be, void *y, const void *x, size_t n);
    /* out = s * x (out may alias x) */
    void (*scale)(pad_backend *be, void *out, const void *x, float s, size_t n);
    /* Inverted dropout: element i is kept when uniform(seed, stream, i) >= p
     * and then scaled by 1/(1-p).  The backward pass regenerates the mask. */
    void (*dropout_fwd)(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                        uint64_t stream, size_t n);
    void (*dropout_bwd)(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                        uint64_t stream, size_t n);

    /* --- softmax cross-entropy, as torch.nn.functional.cross_entropy with
     * reduction='none': losses [N] (stat) get each row's loss, 0 where
     * targets[n] == ignore_index; label smoothing eps mixes in the mean of
     * -log p over all classes.  The backward adds dloss * dloss_row/dlogits
     * for every row not ignored (dloss = 1/count for a mean). --- */
    void (*cross_entropy_fwd)(pad_backend *be, void *losses, const void *logits,
                              const int32_t *targets, int N, int V, int ignore_index,
                              float smoothing);
    void (*cross_entropy_bwd)(pad_backend *be, void *dlogits, const void *logits,
                              const int32_t *targets, int N, int V, int ignore_index,
                              float smoothing, float dloss);

    /* --- strided row gather, for KV caches: dst row i (at dst + i*dst_stride
     * elements) = src row idx[i] (at src + idx[i]*src_stride), row_elems act
     * elements each; idx (int32, backend memory) NULL means idx[i] = i.
     * dst and src must not overlap. --- */
    void (*copy_rows)(pad_backend *be, void *dst, size_t dst_stride, const void *src,
                      size_t src_stride, const int32_t *idx, int n, size_t row_elems);

    /* --- reductions into one stat value in backend memory --- */
    void (*sum)(pad_backend *be, void *out, const void *stat_x, size_t n);
    void (*sum_squares)(pad_backend *be, void *out, const void *x, size_t n);

    /* --- AdamW with decoupled weight decay, as torch.optim.AdamW:
     * p *= 1 - lr*wd; m,v updated; p -= lr * mhat / (sqrt(vhat) + eps).
     * master (stat, may be NULL) holds the fp32 copy the update applies to;
     * params is then refreshed from it. --- */
    void (*adamw)(pad_backend *be, void *params, void *master, const void *grads, void *m,
                  void *v, size_t n, const pad_adamw_hparams *h);
} pad_backend_ops;

struct pad_backend {
    const char *name;      /* "cpu", "cpu64", "cuda" */
    pad_device device;
    pad_dtype act_dtype;
    pad_dtype stat_dtype;
    const pad_backend_ops *ops;
    void *impl;            /* the backend's own state */
};

/* "cpu", "cpu64", "cuda" (when built with CUDA), or "auto" (CUDA when a
 * device is present, else CPU).  NULL with *err set on failure. */
pad_backend *pad_backend_create(const char *name, pad_error *err);
void pad_backend_destroy(pad_backend *be);

/* Copy n stat values from backend memory into host doubles. */
void pad_backend_read_stats(pad_backend *be, double *host, const void *stat, size_t n);
/* Upload n host floats into an act buffer, converting to be->act_dtype. */
pad_status pad_backend_upload_f32(pad_backend *be, void *dst, const float *host, size_t n,
                                  pad_error *err);
/* Download n act values into host floats. */
pad_status pad_backend_download_f32(pad_backend *be, float *host, const void *src, size_t n,
                                    pad_error *err);

#endif
