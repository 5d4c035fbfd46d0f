/* pad: what t5.c (parameters, batch, loss) and t5_layers.c (the stacks)
 * share.  Not for other files. */
#ifndef PAD_MODEL_T5_INTERNAL_H
#define PAD_MODEL_T5_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/t5.h"

/* Parameter offsets, in elements; the gradient buffer uses the same ones. */
typedef struct t5_attn_w { size_t q, k, v, o; } t5_attn_w;
typedef struct t5_ffn_w { size_t wi, wi_1, wo; } t5_ffn_w; /* wi is wi_0 when gated */

typedef struct t5_block_w {
    size_t ln[3];            /* pre-norm weight of each sublayer */
    t5_attn_w self, cross;   /* cross: decoder only */
    t5_ffn_w ffn;
} t5_block_w;

typedef struct t5_stack_w {
    size_t rel_bias;         /* block 0's relative_attention_bias, shared by all blocks */
    size_t final_ln;
    t5_block_w *blocks;
} t5_stack_w;

typedef struct t5_weights {
    size_t shared, lm_head;  /* lm_head == shared when tied */
    t5_stack_w enc, dec;
} t5_weights;

/* Activations kept for the backward pass. */
typedef struct t5_norm_acts { void *x, *normed, *rstd; } t5_norm_acts; /* x: sublayer input */
typedef struct t5_attn_acts { void *q, *k, *v, *probs, *ctx, *out; } t5_attn_acts;
typedef struct t5_ffn_acts { void *pre, *up, *act, *drop, *out; } t5_ffn_acts;

typedef struct t5_block_acts {
    t5_norm_acts ln[3];
    t5_attn_acts self, cross;
    t5_ffn_acts ffn;
} t5_block_acts;

typedef struct t5_stack_acts {
    t5_block_acts *blocks;
    void *x_final, *normed, *rstd;
    void *dropped;           /* final dropout's output buffer */
    const void *out;         /* the stack's output: dropped, or normed without dropout */
    void *bias;              /* [H, T, T] position bias */
    int32_t *ids, *mask_buf, *buckets;
    const int32_t *mask;     /* mask_buf, or NULL when the batch has no padding */
} t5_stack_acts;

/* Gradient scratch, shared by all layers (zeroed before each use). */
typedef struct t5_scratch {
    void *tmp;               /* forward: dropout outputs before a residual add */
    void *g;                 /* the running gradient of the residual stream */
    void *d_tmp, *d_normed, *d_ctx, *dq, *dk, *dv, *dff[4];
    void *dbias;             /* [H, T, T] of the stack being differentiated */
    void *d_enc_out, *d_head_in, *d_logits;
} t5_scratch;

typedef struct t5_state {
    t5_weights w;
    void *slab;              /* one backend allocation holding every buffer below */
    int cap_B, cap_Ts, cap_Tt;
    int B, Ts, Tt;           /* the last forward's shape */
    int dropping;            /* the last forward ran dropout */
    uint64_t step;           /* its dropout step */
    int have_forward;
    t5_stack_acts enc, dec;
    t5_scratch sc;
    void *head_scaled;       /* decoder output times d_model^-0.5 (tied head) */
    const void *head_in;     /* what the head multiplies: head_scaled or dec.out */
    void *losses, *loss_sum; /* stat [N], stat [1] */
    int32_t *labels;
    int label_count;
} t5_state;

/* Dropout sites of a layer; each (step, stack, layer, site) gets its own stream. */
enum {
    T5_DROP_EMBED, T5_DROP_SELF_PROBS, T5_DROP_SELF_OUT, T5_DROP_CROSS_PROBS,
    T5_DROP_CROSS_OUT, T5_DROP_FFN_HIDDEN, T5_DROP_FFN_OUT, T5_DROP_FINAL
};

/* Runs the encoder (decoder == 0) or decoder stack forward; the decoder
 * attends to the encoder's output. */
void t5_stack_fwd(pad_model *m, int decoder);
/* Backward of a stack given d(stack output); the decoder adds into
 * sc.d_enc_out, which the encoder then consumes.  Reports each block's
 * gradient range as it becomes final (pad_model_grads_ready). */
pad_status t5_stack_bwd(pad_model *m, int decoder, const void *dout, pad_error *err);

#endif
