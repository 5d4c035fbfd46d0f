/* pad: shared definitions of the CPU backend's files.
 *
 * Every file here is compiled twice: with PAD_CPU_F64=0 `real` is float and
 * the functions are named pad_cpu32_*, with PAD_CPU_F64=1 `real` is double and
 * they are pad_cpu64_*.  The act and stat dtypes are both `real`. */
#ifndef PAD_BACKEND_CPU_INTERNAL_H
#define PAD_BACKEND_CPU_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

#if PAD_CPU_F64
typedef double real;
#define CPU_FN(name) pad_cpu64_##name
#define REAL_DTYPE PAD_F64
#define R_EXP exp
#define R_LOG log
#define R_SQRT sqrt
#define R_TANH tanh
#else
typedef float real;
#define CPU_FN(name) pad_cpu32_##name
#define REAL_DTYPE PAD_F32
#define R_EXP expf
#define R_LOG logf
#define R_SQRT sqrtf
#define R_TANH tanhf
#endif

/* Reductions over long vectors sum fixed blocks of this many elements (in
 * parallel), then add the block sums in order: the result is the same for
 * any thread count. */
#define CPU_REDUCE_BLOCK 4096

/* cpu_embedding.c */
void CPU_FN(embedding_fwd)(pad_backend *be, void *out, const int32_t *ids, const void *table,
                           int N, int C);
void CPU_FN(embedding_bwd)(pad_backend *be, void *dtable, const void *dout, const int32_t *ids,
                           int N, int C, int V);
void CPU_FN(copy_rows)(pad_backend *be, void *dst, size_t dst_stride, const void *src,
                       size_t src_stride, const int32_t *idx, int n, size_t row_elems);
/* cpu_norm.c */
void CPU_FN(rmsnorm_fwd)(pad_backend *be, void *out, void *rstd, const void *x, const void *w,
                         int N, int C, float eps);
void CPU_FN(rmsnorm_bwd)(pad_backend *be, void *dx, void *dw, const void *dout, const void *x,
                         const void *w, const void *rstd, int N, int C);
void CPU_FN(layernorm_fwd)(pad_backend *be, void *out, void *mean, void *rstd, const void *x,
                           const void *w, const void *b, int N, int C, float eps);
void CPU_FN(layernorm_bwd)(pad_backend *be, void *dx, void *dw, void *db, const void *dout,
                           const void *x, const void *w, const void *mean, const void *rstd,
                           int N, int C);
/* cpu_matmul.c */
/* BLAS threads off: matmuls split rows over OpenMP threads instead. */
void CPU_FN(blas_single_threaded)(void);
void CPU_FN(matmul_fwd)(pad_backend *be, void *out, const void *x, const void *w,
                        pad_weight_layout layout, const void *bias, int N, int C, int OC);
void CPU_FN(matmul_bwd)(pad_backend *be, void *dx, void *dw, void *dbias, const void *dout,
                        const void *x, const void *w, pad_weight_layout layout, int N, int C,
                        int OC);
/* cpu_attention.c */
void CPU_FN(attention_fwd)(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                           const void *q, const void *k, const void *v, const void *bias,
                           const int32_t *key_mask);
void CPU_FN(attention_bwd)(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk,
                           void *dv, void *dbias, const void *dout, const void *q, const void *k,
                           const void *v, const void *probs, const int32_t *key_mask);
void CPU_FN(position_bias_fwd)(pad_backend *be, void *bias, const void *table,
                               const int32_t *buckets, int H, int Tq, int Tk);
void CPU_FN(position_bias_bwd)(pad_backend *be, void *dtable, const void *dbias,
                               const int32_t *buckets, int H, int Tq, int Tk, int num_buckets);
/* cpu_pointwise.c */
void CPU_FN(relu_fwd)(pad_backend *be, void *out, const void *x, size_t n);
void CPU_FN(relu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
void CPU_FN(gelu_fwd)(pad_backend *be, void *out, const void *x, size_t n);
void CPU_FN(gelu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n);
void CPU_FN(gated_gelu_fwd)(pad_backend *be, void *out, const void *gate, const void *up,
                            size_t n);
void CPU_FN(gated_gelu_bwd)(pad_backend *be, void *dgate, void *dup, const void *dout,
                            const void *gate, const void *up, size_t n);
void CPU_FN(add)(pad_backend *be, void *out, const void *a, const void *b, size_t n);
void CPU_FN(accumulate)(pad_backend *be, void *y, const void *x, size_t n);
void CPU_FN(scale)(pad_backend *be, void *out, const void *x, float s, size_t n);
void CPU_FN(dropout_fwd)(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                         uint64_t stream, size_t n);
void CPU_FN(dropout_bwd)(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                         uint64_t stream, size_t n);
/* cpu_loss.c */
void CPU_FN(cross_entropy_fwd)(pad_backend *be, void *losses, const void *logits,
                               const int32_t *targets, int N, int V, int ignore_index,
                               float smoothing);
void CPU_FN(cross_entropy_bwd)(pad_backend *be, void *dlogits, const void *logits,
                               const int32_t *targets, int N, int V, int ignore_index,
                               float smoothing, float dloss);
/* cpu_reduce.c */
void CPU_FN(sum)(pad_backend *be, void *out, const void *stat_x, size_t n);
void CPU_FN(sum_squares)(pad_backend *be, void *out, const void *x, size_t n);
/* cpu_optim.c */
void CPU_FN(adamw)(pad_backend *be, void *params, void *master, const void *grads, void *m,
                   void *v, size_t n, const pad_adamw_hparams *h);

#endif
