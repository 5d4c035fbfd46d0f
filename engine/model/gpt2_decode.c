/* pad: GPT-2's incremental decoder.
 *
 * The prompts run once at begin (prefill): right-padded to the longest, P
 * tokens, with the padding masked and position ids 0, 1, ... as
 * gpt2_forward gives them.  Their keys and values go to cache positions
 * 0..P-1 of each of the source's rows; generated tokens take positions P,
 * P+1, ... with position ids src_len, src_len+1, ...  The prompt's padding
 * stays masked, so the gap it leaves changes nothing.  A step is the same
 * block code on one token per row, attending to the row's cache. */
#include <math.h>
#include <stdlib.h>

#include "model/decoder_internal.h"
#include "model/gpt2.h"

typedef struct gpt2_dec {
    const gpt2_config *c;
    int P;                   /* prompt positions in the cache */
    int C, F, H;
    void *slab;
    int32_t *ids, *pos;      /* backend [N] */
    int32_t *pmask;          /* backend [B, P]: prompt tokens, for the prefill */
    void *x, *ln, *tmp, *atty; /* [N, C] */
    void *mean, *rstd;       /* stat [N] */
    void *qkv;               /* [N, 3C] */
    void *fc, *gelu;         /* [N, F] */
    void *probs;
    void *stage;             /* [B * P, C]: one of k, v, dense */
    void *logits;            /* [rows, V] */
} gpt2_dec;

static gpt2_dec *st_of(const pad_decoder *d) { return d->impl; }

/* Rows the buffers hold: the prefill's B*P or the steps' rows. */
static size_t rows_max(const pad_decoder *d)
{
    size_t n = (size_t)d->B * st_of(d)->P;
    return n > (size_t)d->rows_cap ? n : (size_t)d->rows_cap;
}

static int gpt2d_call_limit(const pad_decoder *d, const int *src_of, int rows)
{
    int longest = 1;
    for (int r = 0; r < rows; r++)
        if (d->src_len[src_of[r]] > longest) longest = d->src_len[src_of[r]];
    /* call k >= 1 feeds position src_len + k - 1 */
    int by_positions = st_of(d)->c->n_positions - longest + 1;
    return d->max_new < by_positions ? d->max_new : by_positions;
}

static pad_status gpt2d_begin(pad_decoder *d, const int32_t *const *src, pad_error *err)
{
    gpt2_dec *g = calloc(1, sizeof *g);
    if (!g) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    d->impl = g;
    g->c = &d->m->config.gpt2;
    g->C = g->c->n_embd, g->F = gpt2_inner_dim(g->c), g->H = g->c->n_head;
    g->P = d->max_src_len;
    if (g->P > g->c->n_positions)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "decoder: a prompt of %d tokens is beyond n_positions %d", g->P,
                             g->c->n_positions);
    int shortest = g->P;
    for (int i = 0; i < d->B; i++)
        if (d->src_len[i] < shortest) shortest = d->src_len[i];
    int calls = d->max_new < g->c->n_positions - shortest + 1 ? d->max_new
                                                              : g->c->n_positions - shortest + 1;
    d->layers = g->c->n_layer, d->width = g->C;
    d->prefix = g->P, d->cap = g->P + calls - 1, d->filled = 0;
    return PAD_OK;
}

static size_t plan(pad_decoder *d, char *base)
{
    gpt2_dec *g = st_of(d);
    dec_carver cv = {base, 0};
    size_t N = rows_max(d), a = d->act, s = pad_dtype_size(d->be->stat_dtype);
    size_t BP = (size_t)d->B * g->P, C = g->C;
    size_t pre = BP * g->P, per_step = (size_t)d->rows_cap * d->cap;
    g->ids = dec_take(&cv, N * sizeof(int32_t));
    g->pos = dec_take(&cv, N * sizeof(int32_t));
    g->pmask = dec_take(&cv, BP * sizeof(int32_t));
    void **nc[4] = {&g->x, &g->ln, &g->tmp, &g->atty};
    for (int i = 0; i < 4; i++) *nc[i] = dec_take(&cv, N * C * a);
    g->mean = dec_take(&cv, N * s);
    g->rstd = dec_take(&cv, N * s);
    g->qkv = dec_take(&cv, N * 3 * C * a);
    g->fc = dec_take(&cv, N * g->F * a);
    g->gelu = dec_take(&cv, N * g->F * a);
    g->probs = dec_take(&cv, (pre > per_step ? pre : per_step) * g->H * a);
    g->stage = dec_take(&cv, BP * C * a);
    g->logits = dec_take(&cv, (size_t)d->rows_cap * d->V * a);
    return cv.used;
}

/* ---- the shared block code ---- */

static void embed(pad_decoder *d, int N)
{
    gpt2_dec *g = st_of(d);
    gpt2_view w;
    gpt2_views(d->m, d->m->param_buf, &w);
    d->be->ops->embedding_fwd(d->be, g->x, g->ids, w.wte, N, g->C);
    d->be->ops->embedding_fwd(d->be, g->tmp, g->pos, w.wpe, N, g->C);
    d->be->ops->add(d->be, g->x, g->x, g->tmp, (size_t)N * g->C);
}

/* Prefill: the prompt's keys or values, dense per source, then copied to
 * every row of the source (d->idx holds each row's source). */
static void store_prompt(pad_decoder *d, int l)
{
    gpt2_dec *g = st_of(d);
    size_t C = g->C, P = g->P;
    for (int kv = 0; kv < 2; kv++) {
        d->be->ops->copy_rows(d->be, g->stage, C, dec_at(d, g->qkv, (1 + kv) * C), 3 * C, NULL,
                              d->B * g->P, C);
        d->be->ops->copy_rows(d->be, dec_cache(d, l, kv), (size_t)d->cap * C, g->stage, P * C,
                              d->idx, d->rows, P * C);
    }
}

/* Prefill: causal attention within each prompt.  Step: one query per row
 * against its cache. */
static void attend(pad_decoder *d, int l, int prefill)
{
    gpt2_dec *g = st_of(d);
    size_t C = g->C;
    const void *k = dec_at(d, g->qkv, C), *v = dec_at(d, g->qkv, 2 * C);
    pad_attn_desc a = {d->B, g->P, g->P, g->H, g->C / g->H, 3 * g->C, 3 * g->C, 3 * g->C, 1,
                       1.0f / sqrtf((float)(g->C / g->H)), 0.0f, 0, 0};
    const int32_t *mask = g->pmask;
    if (prefill) {
        store_prompt(d, l);
    } else {
        dec_store(d, l, 0, k, 3 * C);
        dec_store(d, l, 1, v, 3 * C);
        a.B = d->rows, a.Tq = 1, a.Tk = d->cap, a.ldk = a.ldv = g->C, a.causal = 0;
        k = dec_cache(d, l, 0), v = dec_cache(d, l, 1), mask = d->mask;
    }
    d->be->ops->attention_fwd(d->be, &a, g->atty, g->probs, g->qkv, k, v, NULL, mask);
}

static void block(pad_decoder *d, int l, int N, int prefill)
{
    gpt2_dec *g = st_of(d);
    const pad_backend_ops *op = d->be->ops;
    gpt2_layer_view w;
    gpt2_layer_views(d->m, d->m->param_buf, l, &w);
    int C = g->C, F = g->F;
    float eps = g->c->layer_norm_epsilon;
    op->layernorm_fwd(d->be, g->ln, g->mean, g->rstd, g->x, w.p[GPT2_LN1_W], w.p[GPT2_LN1_B], N,
                      C, eps);
    op->matmul_fwd(d->be, g->qkv, g->ln, w.p[GPT2_ATTN_W], PAD_W_IN_OUT, w.p[GPT2_ATTN_B], N, C,
                   3 * C);
    attend(d, l, prefill);
    op->matmul_fwd(d->be, g->tmp, g->atty, w.p[GPT2_ATTN_PROJ_W], PAD_W_IN_OUT,
                   w.p[GPT2_ATTN_PROJ_B], N, C, C);
    op->add(d->be, g->x, g->x, g->tmp, (size_t)N * C);
    op->layernorm_fwd(d->be, g->ln, g->mean, g->rstd, g->x, w.p[GPT2_LN2_W], w.p[GPT2_LN2_B], N,
                      C, eps);
    op->matmul_fwd(d->be, g->fc, g->ln, w.p[GPT2_FC_W], PAD_W_IN_OUT, w.p[GPT2_FC_B], N, C, F);
    op->gelu_fwd(d->be, g->gelu, g->fc, (size_t)N * F);
    op->matmul_fwd(d->be, g->tmp, g->gelu, w.p[GPT2_MLP_PROJ_W], PAD_W_IN_OUT,
                   w.p[GPT2_MLP_PROJ_B], N, F, C);
    op->add(d->be, g->x, g->x, g->tmp, (size_t)N * C);
}

/* ln_f and the tied head on h [rows, C]. */
static void head(pad_decoder *d, const void *h)
{
    gpt2_dec *g = st_of(d);
    gpt2_view w;
    gpt2_views(d->m, d->m->param_buf, &w);
    d->be->ops->layernorm_fwd(d->be, g->ln, g->mean, g->rstd, h, w.lnf_w, w.lnf_b, d->rows, g->C,
                              g->c->layer_norm_epsilon);
    d->be->ops->matmul_fwd(d->be, g->logits, g->ln, w.wte, PAD_W_OUT_IN, NULL, d->rows, g->C,
                           d->V);
}

/* ---- prefill ---- */

static void upload_prompts(pad_decoder *d, const int32_t *const *src, int32_t *h)
{
    gpt2_dec *g = st_of(d);
    size_t BP = (size_t)d->B * g->P;
    int32_t *ids = h, *pos = h + BP, *mask = h + 2 * BP;
    for (int i = 0; i < d->B; i++)
        for (int t = 0; t < g->P; t++) {
            size_t n = (size_t)i * g->P + t;
            mask[n] = t < d->src_len[i];
            ids[n] = mask[n] ? src[i][t] : 0;
            pos[n] = t;
        }
    d->be->ops->upload(d->be, g->ids, ids, BP * sizeof *h);
    d->be->ops->upload(d->be, g->pos, pos, BP * sizeof *h);
    d->be->ops->upload(d->be, g->pmask, mask, BP * sizeof *h);
    for (int r = 0; r < d->rows; r++) h[r] = d->src_of[r];
    dec_upload_idx(d, h, d->rows);
}

/* Each row's scores after its prompt: the hidden state at its source's
 * last real position, gathered, then the head. */
static void prefill_logits(pad_decoder *d, int32_t *h)
{
    gpt2_dec *g = st_of(d);
    for (int r = 0; r < d->rows; r++) {
        int s = d->src_of[r];
        h[r] = s * g->P + d->src_len[s] - 1;
    }
    dec_upload_idx(d, h, d->rows);
    d->be->ops->copy_rows(d->be, g->tmp, (size_t)g->C, g->x, (size_t)g->C, d->idx, d->rows,
                          (size_t)g->C);
    head(d, g->tmp);
}

static pad_status gpt2d_prepare(pad_decoder *d, const int32_t *const *src, pad_error *err)
{
    gpt2_dec *g = st_of(d);
    pad_status st = d->be->ops->alloc(d->be, plan(d, NULL), &g->slab, err);
    if (st) return st;
    plan(d, g->slab);
    d->logits = g->logits;
    int32_t *h = malloc(3 * rows_max(d) * sizeof *h);
    if (!h) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    upload_prompts(d, src, h);
    int N = d->B * g->P;
    embed(d, N);
    for (int l = 0; l < d->layers; l++) block(d, l, N, 1);
    prefill_logits(d, h);
    free(h);
    d->filled = g->P;
    return PAD_OK;
}

/* ---- a step ---- */

static pad_status gpt2d_step(pad_decoder *d, const int32_t *tokens, pad_error *err)
{
    if (!tokens) return PAD_OK; /* the prefill left the first scores */
    gpt2_dec *g = st_of(d);
    int32_t *pos = d->host_i32;
    for (int r = 0; r < d->rows; r++)
        pos[r] = d->src_len[d->src_of[r]] + (d->filled - d->prefix);
    d->be->ops->upload(d->be, g->ids, tokens, (size_t)d->rows * sizeof *tokens);
    d->be->ops->upload(d->be, g->pos, pos, (size_t)d->rows * sizeof *pos);
    dec_upload_mask(d);
    embed(d, d->rows);
    for (int l = 0; l < d->layers; l++) block(d, l, d->rows, 0);
    head(d, g->x);
    d->filled++;
    return d->be->ops->sync(d->be, err);
}

/* The prompts' keys and values live in each row's cache: nothing to move. */
static void gpt2d_sources_dropped(pad_decoder *d, const int *old_group) {}

static void gpt2d_free(pad_decoder *d)
{
    gpt2_dec *g = st_of(d);
    if (!g) return;
    if (g->slab) d->be->ops->free(d->be, g->slab);
    free(g);
    d->impl = NULL;
}

const dec_family gpt2_decode_family = {
    .begin = gpt2d_begin,
    .prepare = gpt2d_prepare,
    .step = gpt2d_step,
    .call_limit = gpt2d_call_limit,
    .sources_dropped = gpt2d_sources_dropped,
    .free_state = gpt2d_free,
};
