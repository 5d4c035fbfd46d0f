/* pad: the incremental decoder's shared part: arguments, the self-attention
 * caches, their masks and reordering by parent.  The families' math is in
 * t5_decode.c and gpt2_decode.c. */
#include "model/decoder_internal.h"

#include <stdlib.h>
#include <string.h>

void *dec_take(dec_carver *cv, size_t bytes)
{
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + 255) / 256 * 256;
    return p;
}

void *dec_at(const pad_decoder *d, const void *p, size_t i) { return (char *)p + i * d->act; }

static size_t cache_slab_elems(const pad_decoder *d)
{
    return (size_t)d->rows_cap * d->cap * d->width;
}

void *dec_cache(const pad_decoder *d, int layer, int kv)
{
    return dec_at(d, d->kv[d->cur], (size_t)(2 * layer + kv) * cache_slab_elems(d));
}

void dec_store(pad_decoder *d, int layer, int kv, const void *src, size_t src_stride)
{
    void *dst = dec_at(d, dec_cache(d, layer, kv), (size_t)d->filled * d->width);
    d->be->ops->copy_rows(d->be, dst, (size_t)d->cap * d->width, src, src_stride, NULL, d->rows,
                          (size_t)d->width);
}

void dec_upload_mask(pad_decoder *d)
{
    int32_t *h = d->host_i32;
    for (int r = 0; r < d->rows; r++) {
        int plen = d->src_len[d->src_of[r]];
        for (int j = 0; j < d->cap; j++)
            h[(size_t)r * d->cap + j] = j < d->prefix ? j < plen : j <= d->filled;
    }
    d->be->ops->upload(d->be, d->mask, h, (size_t)d->rows * d->cap * sizeof *h);
}

void dec_upload_idx(pad_decoder *d, const int32_t *host, int n)
{
    d->be->ops->upload(d->be, d->idx, host, (size_t)n * sizeof *host);
}

int pad_decoder_rows(const pad_decoder *d) { return d->rows; }
int pad_decoder_beams(const pad_decoder *d) { return d->beams; }
int pad_decoder_vocab(const pad_decoder *d) { return d->V; }
int pad_decoder_steps(const pad_decoder *d) { return d->steps; }
int pad_decoder_source_of(const pad_decoder *d, int r) { return d->src_of[r]; }

int pad_decoder_max_steps(const pad_decoder *d)
{
    int left = d->fam->call_limit(d, d->src_of, d->rows) - d->steps;
    return left > 0 ? left : 0;
}

void pad_decoder_free(pad_decoder *d)
{
    if (!d) return;
    if (d->fam && d->fam->free_state) d->fam->free_state(d);
    if (d->slab) d->be->ops->free(d->be, d->slab);
    free(d->src_of);
    free(d->src_len);
    free(d->host_i32);
    free(d);
}

/* ---- begin ---- */

static pad_status check_begin(const pad_model *m, int B, const int32_t *const *src,
                              const int *src_len, int beams, int max_new, pad_error *err)
{
    if (B < 1 || beams < 1 || max_new < 1 || !src || !src_len)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "decoder: need B >= 1 (%d), beams >= 1 (%d), max_new_tokens >= 1 "
                             "(%d) and sources", B, beams, max_new);
    int V = m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size
                                          : m->config.gpt2.vocab_size;
    for (int i = 0; i < B; i++) {
        if (src_len[i] < 1 || !src[i])
            return pad_error_set(err, PAD_ERR_INVALID, "decoder: source %d is empty", i);
        for (int t = 0; t < src_len[i]; t++)
            if (src[i][t] < 0 || src[i][t] >= V)
                return pad_error_set(err, PAD_ERR_INVALID,
                                     "decoder: source %d token %d = %d is outside [0, %d)", i, t,
                                     (int)src[i][t], V);
    }
    return PAD_OK;
}

static pad_status host_alloc(pad_decoder *d, const int *src_len, pad_error *err)
{
    d->src_of = malloc((size_t)d->rows_cap * sizeof *d->src_of);
    d->src_len = malloc((size_t)d->B * sizeof *d->src_len);
    if (!d->src_of || !d->src_len)
        return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    for (int r = 0; r < d->rows_cap; r++) d->src_of[r] = r / d->beams;
    for (int i = 0; i < d->B; i++) {
        d->src_len[i] = src_len[i];
        if (src_len[i] > d->max_src_len) d->max_src_len = src_len[i];
    }
    return PAD_OK;
}

/* The caches, the parent index and the key mask: one allocation. */
static size_t plan_shared(pad_decoder *d, char *base)
{
    dec_carver cv = {base, 0};
    size_t kv = 2 * (size_t)d->layers * cache_slab_elems(d) * d->act;
    d->kv[0] = dec_take(&cv, kv);
    d->kv[1] = dec_take(&cv, kv);
    d->idx = dec_take(&cv, (size_t)d->rows_cap * sizeof(int32_t));
    d->mask = dec_take(&cv, (size_t)d->rows_cap * d->cap * sizeof(int32_t));
    return cv.used;
}

static pad_status shared_alloc(pad_decoder *d, pad_error *err)
{
    size_t n = (size_t)d->rows_cap * d->cap;
    d->host_i32 = malloc((n > (size_t)d->rows_cap ? n : (size_t)d->rows_cap) * sizeof(int32_t));
    if (!d->host_i32) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    pad_status st = d->be->ops->alloc(d->be, plan_shared(d, NULL), &d->slab, err);
    if (!st) plan_shared(d, d->slab);
    return st;
}

pad_status pad_decoder_begin(pad_model *m, int B, const int32_t *const *src, const int *src_len,
                             int beams, int max_new_tokens, pad_decoder **out, pad_error *err)
{
    *out = NULL;
    pad_status st = check_begin(m, B, src, src_len, beams, max_new_tokens, err);
    if (st) return st;
    pad_decoder *d = calloc(1, sizeof *d);
    if (!d) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    d->m = m;
    d->be = m->be;
    d->fam = m->config.arch == PAD_ARCH_T5 ? &t5_decode_family : &gpt2_decode_family;
    d->act = pad_dtype_size(m->be->act_dtype);
    d->B = B, d->beams = beams, d->max_new = max_new_tokens;
    d->V = m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
    d->rows_cap = d->rows = B * beams;
    d->groups = B;
    st = host_alloc(d, src_len, err);
    if (!st) st = d->fam->begin(d, src, err);
    if (!st) st = shared_alloc(d, err);
    if (!st) st = d->fam->prepare(d, src, err);
    if (!st) st = d->be->ops->sync(d->be, err);
    if (st) {
        pad_decoder_free(d);
        return st;
    }
    *out = d;
    return PAD_OK;
}

/* ---- a step: check, reorder, run ---- */

/* Parents in range, one source per group, groups in source order; fills
 * new_src[r], the source of new row r. */
static pad_status check_parents(const pad_decoder *d, int n_rows, const int32_t *parent,
                                int *new_src, pad_error *err)
{
    for (int r = 0; r < n_rows; r++) {
        int p = parent ? parent[r] : r;
        if (p < 0 || p >= d->rows)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decoder: parent[%d] = %d is outside the %d live rows", r, p,
                                 d->rows);
        new_src[r] = d->src_of[p];
        int g = r / d->beams, first = new_src[g * d->beams];
        if (new_src[r] != first)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decoder: group %d mixes sources %d and %d (parent[%d] = %d)",
                                 g, first, new_src[r], r, p);
        if (r % d->beams == 0 && g > 0 && first <= new_src[r - 1])
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decoder: group %d (source %d) does not follow source %d", g,
                                 first, new_src[r - 1]);
    }
    return PAD_OK;
}

static pad_status check_step(const pad_decoder *d, int n_rows, const int32_t *parent,
                             const int32_t *tokens, int *new_src, pad_error *err)
{
    if (d->steps == 0) {
        if (parent || tokens || n_rows != d->rows)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decoder: the first step takes no parents or tokens and all "
                                 "%d rows (got %d)", d->rows, n_rows);
        memcpy(new_src, d->src_of, (size_t)n_rows * sizeof *new_src);
        return PAD_OK;
    }
    if (!tokens || n_rows < 1 || n_rows > d->rows || n_rows % d->beams != 0 ||
        (!parent && n_rows != d->rows))
        return pad_error_set(err, PAD_ERR_INVALID,
                             "decoder: %d rows with tokens%s: need a multiple of %d beams, at "
                             "most the %d live rows", n_rows, parent ? "" : " and no parents",
                             d->beams, d->rows);
    for (int r = 0; r < n_rows; r++)
        if (tokens[r] < 0 || tokens[r] >= d->V)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decoder: tokens[%d] = %d is outside [0, %d)", r,
                                 (int)tokens[r], d->V);
    pad_status st = check_parents(d, n_rows, parent, new_src, err);
    if (!st && d->steps >= d->fam->call_limit(d, new_src, n_rows))
        st = pad_error_set(err, PAD_ERR_INVALID,
                           "decoder: step %d is beyond the capacity (%d new tokens%s)",
                           d->steps + 1, d->max_new,
                           d->m->config.arch == PAD_ARCH_GPT2 ? ", n_positions" : "");
    return st;
}

static int is_prefix_identity(int n_rows, const int32_t *parent)
{
    for (int r = 0; parent && r < n_rows; r++)
        if (parent[r] != r) return 0;
    return 1;
}

/* Gathers the filled positions of every cache into the spare buffer. */
static void gather_caches(pad_decoder *d, int n_rows, const int32_t *parent)
{
    for (int r = 0; r < n_rows; r++) d->host_i32[r] = parent[r];
    dec_upload_idx(d, d->host_i32, n_rows);
    size_t stride = (size_t)d->cap * d->width, slab = cache_slab_elems(d);
    for (int k = 0; k < 2 * d->layers; k++)
        d->be->ops->copy_rows(d->be, dec_at(d, d->kv[!d->cur], k * slab), stride,
                              dec_at(d, d->kv[d->cur], k * slab), stride, d->idx, n_rows,
                              (size_t)d->filled * d->width);
    d->cur = !d->cur;
}

/* new_src: the sources of the new rows; old_group: room for one int per
 * new group. */
static void reorder(pad_decoder *d, int n_rows, const int32_t *parent, const int *new_src,
                    int *old_group)
{
    if (!is_prefix_identity(n_rows, parent)) gather_caches(d, n_rows, parent);
    int groups = n_rows / d->beams, old_groups = d->groups;
    for (int g = 0; g < groups; g++)
        old_group[g] = (parent ? parent[g * d->beams] : g * d->beams) / d->beams;
    memcpy(d->src_of, new_src, (size_t)n_rows * sizeof *new_src);
    d->rows = n_rows;
    d->groups = groups;
    if (groups < old_groups) d->fam->sources_dropped(d, old_group);
}

pad_status pad_decoder_step(pad_decoder *d, int n_rows, const int32_t *parent,
                            const int32_t *tokens, float *logits, pad_error *err)
{
    int *new_src = malloc(2 * (size_t)d->rows_cap * sizeof *new_src);
    if (!new_src) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    pad_status st = check_step(d, n_rows, parent, tokens, new_src, err);
    if (!st && d->steps > 0) reorder(d, n_rows, parent, new_src, new_src + d->rows_cap);
    free(new_src);
    if (!st) st = d->fam->step(d, tokens, err);
    if (!st) st = pad_backend_download_f32(d->be, logits, d->logits, (size_t)d->rows * d->V, err);
    if (!st) d->steps++;
    return st;
}
