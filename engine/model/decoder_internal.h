/* pad: what decoder.c (bookkeeping shared by both families) and the family
 * files t5_decode.c, gpt2_decode.c share.  Not for other rooms. */
#ifndef PAD_MODEL_DECODER_INTERNAL_H
#define PAD_MODEL_DECODER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "model/decoder.h"

/* What each family provides.  Families keep their own buffers in
 * d->impl (one backend allocation each) and free them in free_state. */
typedef struct dec_family {
    /* Runs the source side once (T5 encoder and cross keys/values, GPT-2
     * prefill and its logits) and sets d->cap, d->prefix and d->filled.
     * Called after the shared host arrays exist, before the caches do. */
    pad_status (*begin)(pad_decoder *d, const int32_t *const *src, pad_error *err);
    /* Lays out the family's buffers once the caches exist (GPT-2 fills
     * them with the prompts here). */
    pad_status (*prepare)(pad_decoder *d, const int32_t *const *src, pad_error *err);
    /* One step over the live rows (already reordered): tokens is NULL on
     * the first call.  Leaves [rows, vocab] scores in d->logits. */
    pad_status (*step)(pad_decoder *d, const int32_t *tokens, pad_error *err);
    /* How many step() calls the rows whose sources are listed may take in
     * all (capacity and, for GPT-2, n_positions). */
    int (*call_limit)(const pad_decoder *d, const int *src_of, int rows);
    /* Live sources went from old_groups to d->groups: new group g is old
     * group old_group[g] (increasing). */
    void (*sources_dropped)(pad_decoder *d, const int *old_group);
    void (*free_state)(pad_decoder *d);
} dec_family;

extern const dec_family t5_decode_family;
extern const dec_family gpt2_decode_family;

struct pad_decoder {
    pad_model *m;                /* borrowed */
    pad_backend *be;
    const dec_family *fam;
    size_t act;                  /* bytes per act element */
    int B, beams, V;
    int rows_cap;                /* B * beams: every buffer is sized for it */
    int rows, groups;            /* live rows and live sources */
    int steps, max_new;
    int *src_of;                 /* host [rows_cap]: live row -> source */
    int *src_len;                /* host [B] */
    int max_src_len;
    /* Self-attention caches: [2 * layers][rows_cap][cap][width] in each of
     * kv[0], kv[1] (slab k of layer l is 2*l + k, k = 0 keys, 1 values);
     * kv[cur] is live, the other receives reorders.  Positions below
     * `prefix` hold a GPT-2 prompt (right-padded, src_len[s] of them real);
     * positions prefix .. filled-1 hold one fed token each. */
    int layers, width, cap, prefix, filled;
    void *slab;                  /* the shared backend allocation */
    void *kv[2];
    int cur;
    int32_t *idx;                /* backend [rows_cap]: parents, gathers */
    int32_t *mask;               /* backend [rows_cap, cap]: visible keys */
    int32_t *host_i32;           /* host staging, max(rows_cap * cap, rows_cap) */
    void *logits;                /* backend [rows_cap, vocab], the family's */
    void *impl;                  /* the family's state */
};

/* One backend allocation carved in two passes: sizes with base NULL, then
 * pointers into the real block. */
typedef struct dec_carver {
    char *base;
    size_t used;
} dec_carver;

void *dec_take(dec_carver *cv, size_t bytes);

/* Key or value cache (kv 0 or 1) of `layer`, row 0 position 0. */
void *dec_cache(const pad_decoder *d, int layer, int kv);
/* Writes rows x width act elements (row r at src + r*src_stride elements)
 * into position d->filled of every live row of cache (layer, kv). */
void dec_store(pad_decoder *d, int layer, int kv, const void *src, size_t src_stride);
/* Uploads d->mask for a step writing position d->filled. */
void dec_upload_mask(pad_decoder *d);
/* Uploads host ints into d->idx. */
void dec_upload_idx(pad_decoder *d, const int32_t *host, int n);
/* Element i of an act buffer. */
void *dec_at(const pad_decoder *d, const void *p, size_t i);

#endif
