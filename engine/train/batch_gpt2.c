#include "train/batch_gpt2.h"

#include <stdlib.h>
#include <string.h>

static int row_length(const int32_t *v, int T, int32_t skip)
{
    int n = 0;
    for (int t = 0; t < T; t++) n += v[t] != skip;
    return n;
}

static pad_status reserve(pad_gpt2_batch *b, size_t n, pad_error *err)
{
    if ((size_t)b->cap >= n) return PAD_OK;
    int32_t *ids = realloc(b->ids, n * sizeof *ids);
    if (ids) b->ids = ids;
    int32_t *mask = realloc(b->mask, n * sizeof *mask);
    if (mask) b->mask = mask;
    int32_t *labels = realloc(b->labels, n * sizeof *labels);
    if (labels) b->labels = labels;
    if (!ids || !mask || !labels) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a GPT-2 batch");
    b->cap = (int)n;
    return PAD_OK;
}

pad_status pad_gpt2_pack(const pad_loader_batch *in, int max_len, int32_t pad_id,
                         pad_gpt2_batch *out, pad_error *err)
{
    int T = 1;
    for (int r = 0; r < in->B; r++) {
        int n = row_length(in->src_mask + (size_t)r * in->T_src, in->T_src, 0) +
                row_length(in->labels + (size_t)r * in->T_tgt, in->T_tgt, PAD_LOADER_IGNORE);
        if (n > T) T = n;
    }
    if (T > max_len) T = max_len;
    pad_status st = reserve(out, (size_t)in->B * (size_t)T, err);
    if (st) return st;
    out->B = in->B;
    out->T = T;
    for (int r = 0; r < in->B; r++) {
        const int32_t *src = in->src_ids + (size_t)r * in->T_src;
        const int32_t *tgt = in->labels + (size_t)r * in->T_tgt;
        int ls = row_length(in->src_mask + (size_t)r * in->T_src, in->T_src, 0);
        int lt = row_length(tgt, in->T_tgt, PAD_LOADER_IGNORE);
        int32_t *ids = out->ids + (size_t)r * T, *mask = out->mask + (size_t)r * T;
        int32_t *lab = out->labels + (size_t)r * T;
        for (int t = 0; t < T; t++) {
            int prompt = t < ls, program = !prompt && t < ls + lt;
            ids[t] = prompt ? src[t] : program ? tgt[t - ls] : pad_id;
            mask[t] = prompt || program;
            lab[t] = program ? ids[t] : PAD_IGNORE_INDEX;
        }
    }
    return PAD_OK;
}

void pad_gpt2_batch_free(pad_gpt2_batch *b)
{
    free(b->ids);
    free(b->mask);
    free(b->labels);
    memset(b, 0, sizeof *b);
}

pad_batch pad_gpt2_as_batch(const pad_gpt2_batch *b)
{
    pad_batch mb = {.B = b->B, .T_src = b->T, .src_ids = b->ids, .src_mask = b->mask,
                    .labels = b->labels};
    return mb;
}
