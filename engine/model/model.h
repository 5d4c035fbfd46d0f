/* pad: a model, whichever family.
 *
 * Owns its parameter and gradient buffers (in the backend's memory) and its
 * activations.  The family code (t5.c, gpt2.c) does the math through
 * backend.h; this file only dispatches. */
#ifndef PAD_MODEL_MODEL_H
#define PAD_MODEL_MODEL_H

#include <stdint.h>

#include "backend/backend.h"
#include "model/config.h"
#include "model/params.h"

#define PAD_IGNORE_INDEX (-100)

/* One batch, in host memory, row-major [B, T].  Padding rows are marked by
 * the masks (1 = token, 0 = padding); a NULL mask means "no padding".
 *
 * T5: src = encoder input; labels [B, T_tgt] are the targets
 *     (PAD_IGNORE_INDEX = no loss); tgt_ids are the decoder inputs, or NULL
 *     to shift labels right with decoder_start_token_id as transformers does.
 * GPT-2: src = the whole sequence; labels [B, T_src] as transformers takes
 *     them (the model shifts them: position t predicts labels[t+1]);
 *     T_tgt, tgt_ids and tgt_mask are unused. */
typedef struct pad_batch {
    int B;
    int T_src;
    const int32_t *src_ids;
    const int32_t *src_mask;
    int T_tgt;
    const int32_t *tgt_ids;
    const int32_t *tgt_mask;
    const int32_t *labels;
} pad_batch;

/* Told by the backward pass that grad_buf[begin, begin + count) is final for
 * this pass: nothing later in the pass writes it, so it may be reduced over
 * ranks while the rest of the pass runs.  One backward pass reports ranges
 * that cover [0, params.buffer_numel) exactly once (alignment gaps included),
 * block by block in reverse layer order, the embeddings last.  On a device
 * backend the range's ops may still be queued on the backend's stream.  An
 * error stops the pass and is returned by pad_model_backward. */
typedef pad_status (*pad_grads_ready_fn)(void *ctx, size_t begin, size_t count, pad_error *err);

typedef struct pad_model {
    pad_model_config config;
    pad_backend *be;           /* borrowed */
    pad_param_table params;
    void *param_buf;           /* act dtype, params.buffer_numel elements */
    void *grad_buf;            /* same layout */
    int training;              /* 1: dropout on */
    float label_smoothing;     /* as torch's cross_entropy; 0: plain cross-entropy */
    uint64_t dropout_seed;
    uint64_t dropout_step;     /* advanced by every training forward */
    void *logits;              /* act [rows, vocab] of the last forward */
    int logits_rows;
    void *impl;                /* the family's activations and scratch */
    pad_grads_ready_fn grads_ready; /* NULL: not told (the default) */
    void *grads_ready_ctx;
} pad_model;

/* Builds the parameter table and allocates parameters (zeroed) and grads. */
pad_status pad_model_create(pad_model **out, const pad_model_config *cfg, pad_backend *be,
                            pad_error *err);
void pad_model_free(pad_model *m);

/* Transformers' initialisation scheme for the family, drawn from a
 * counter-based stream so it is the same on every backend. */
pad_status pad_model_init_random(pad_model *m, uint64_t seed, pad_error *err);

/* Forward pass; *loss gets the mean cross-entropy over non-ignored labels
 * (NaN when the batch has none).  Keeps what backward needs. */
pad_status pad_model_forward(pad_model *m, const pad_batch *b, double *loss, pad_error *err);
/* Accumulates d(loss)/d(params) into grad_buf for the last forward. */
pad_status pad_model_backward(pad_model *m, pad_error *err);
void pad_model_zero_grad(pad_model *m);

/* Host copies of whole buffers as float32 (params.buffer_numel elements). */
pad_status pad_model_get_params(pad_model *m, float *host, pad_error *err);
pad_status pad_model_set_params(pad_model *m, const float *host, pad_error *err);
pad_status pad_model_get_grads(pad_model *m, float *host, pad_error *err);

#endif
