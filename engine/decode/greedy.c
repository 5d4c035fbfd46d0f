#include "decode/greedy.h"

#include <stdlib.h>
#include <string.h>

#include "model/decoder.h"

void greedy_options_default(greedy_options *o)
{
    o->max_new_tokens = 128;
    o->eos_id = -1;
}

/* ---- one forward pass for the next token ---- */

typedef struct padded {
    int32_t *ids, *mask, *labels;
} padded;

static void padded_free(padded *p)
{
    free(p->ids);
    free(p->mask);
    free(p->labels);
}

/* Row i's sequence (src then gen) written at `dst`, right-padded to T. */
static void put_row(int32_t *dst, int32_t *mask, int T, int32_t fill, const int32_t *a, int na,
                    const int32_t *b, int nb)
{
    for (int t = 0; t < T; t++) {
        int real = t < na + nb;
        dst[t] = t < na ? a[t] : real ? b[t - na] : fill;
        if (mask) mask[t] = real;
    }
}

/* T5: encoder rows = src; decoder rows = start token then gen.  The decoder
 * is causal, so right padding it needs no mask: position gen_len[i] never
 * sees what lies after it. */
static pad_status t5_step(pad_model *m, const decode_rows *r, int *pick, padded *p,
                          pad_error *err)
{
    const t5_config *c = &m->config.t5;
    int B = r->B, Ts = 1, Tt = 1;
    for (int i = 0; i < B; i++) {
        if (r->src_len[i] > Ts) Ts = r->src_len[i];
        if (r->gen_len[i] + 1 > Tt) Tt = r->gen_len[i] + 1;
    }
    size_t ns = (size_t)B * Ts, nt = (size_t)B * Tt;
    p->ids = malloc((ns + nt) * sizeof *p->ids);
    p->mask = malloc(ns * sizeof *p->mask);
    p->labels = malloc(nt * sizeof *p->labels);
    if (!p->ids || !p->mask || !p->labels)
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a decoding batch");
    int32_t start = c->decoder_start_token_id, *tgt = p->ids + ns;
    for (int i = 0; i < B; i++) {
        put_row(p->ids + (size_t)i * Ts, p->mask + (size_t)i * Ts, Ts, c->pad_token_id,
                r->src[i], r->src_len[i], NULL, 0);
        put_row(tgt + (size_t)i * Tt, NULL, Tt, c->pad_token_id, &start, 1, r->gen[i],
                r->gen_len[i]);
        pick[i] = i * Tt + r->gen_len[i];
    }
    /* no label counts: the loss is NaN, which decoding never reads */
    for (size_t n = 0; n < nt; n++) p->labels[n] = PAD_IGNORE_INDEX;
    pad_batch b = {B, Ts, p->ids, p->mask, Tt, tgt, NULL, p->labels};
    double loss;
    return pad_model_forward(m, &b, &loss, err);
}

/* GPT-2: each row is src then gen, right-padded; the next token's scores sit
 * at the row's last real position. */
static pad_status gpt2_step(pad_model *m, const decode_rows *r, int *pick, padded *p,
                            pad_error *err)
{
    int B = r->B, T = 1;
    for (int i = 0; i < B; i++)
        if (r->src_len[i] + r->gen_len[i] > T) T = r->src_len[i] + r->gen_len[i];
    size_t n = (size_t)B * T;
    p->ids = malloc(n * sizeof *p->ids);
    p->mask = malloc(n * sizeof *p->mask);
    if (!p->ids || !p->mask) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a decoding batch");
    for (int i = 0; i < B; i++) {
        put_row(p->ids + (size_t)i * T, p->mask + (size_t)i * T, T, 0, r->src[i], r->src_len[i],
                r->gen[i], r->gen_len[i]);
        pick[i] = i * T + r->src_len[i] + r->gen_len[i] - 1;
    }
    pad_batch b = {B, T, p->ids, p->mask, 0, NULL, NULL, NULL};
    double loss;
    return pad_model_forward(m, &b, &loss, err);
}

static int vocab_of(const pad_model *m)
{
    return m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
}

pad_status decode_next_logits(pad_model *m, const decode_rows *rows, float *logits,
                              pad_error *err)
{
    if (rows->B < 1) return pad_error_set(err, PAD_ERR_INVALID, "decode: no rows");
    for (int i = 0; i < rows->B; i++)
        if (rows->src_len[i] < 1 || rows->gen_len[i] < 0)
            return pad_error_set(err, PAD_ERR_INVALID, "decode: row %d has an empty prompt", i);
    int *pick = malloc((size_t)rows->B * sizeof *pick);
    padded p = {0};
    pad_status st = pick ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = m->config.arch == PAD_ARCH_T5 ? t5_step(m, rows, pick, &p, err)
                                                : gpt2_step(m, rows, pick, &p, err);
    /* only the B rows we need cross to the host, not the [B, T, V] block */
    int V = vocab_of(m);
    size_t row_bytes = (size_t)V * pad_dtype_size(m->be->act_dtype);
    for (int i = 0; !st && i < rows->B; i++)
        st = pad_backend_download_f32(m->be, logits + (size_t)i * V,
                                      (const char *)m->logits + (size_t)pick[i] * row_bytes,
                                      (size_t)V, err);
    padded_free(&p);
    free(pick);
    return st;
}

/* ---- the greedy loop ---- */

/* The token-choice step (the place beam search replaces): the first
 * maximum, as torch.argmax picks it. */
static int32_t argmax(const float *x, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return (int32_t)best;
}

/* 1 when row i can take no further token. */
static int row_done(const pad_model *m, const greedy_options *o, int32_t eos, int prompt_len,
                    const int32_t *gen, int len)
{
    if (len > 0 && gen[len - 1] == eos) return 1;
    if (len >= o->max_new_tokens) return 1;
    return m->config.arch == PAD_ARCH_GPT2 && prompt_len + len >= m->config.gpt2.n_positions;
}

static pad_status check_prompts(const pad_model *m, int B, const int *prompt_len, pad_error *err)
{
    for (int i = 0; i < B; i++) {
        if (prompt_len[i] < 1) return pad_error_set(err, PAD_ERR_INVALID, "decode: prompt %d is empty", i);
        if (m->config.arch == PAD_ARCH_GPT2 && prompt_len[i] > m->config.gpt2.n_positions)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "decode: prompt %d has %d tokens, beyond n_positions %d", i,
                                 prompt_len[i], m->config.gpt2.n_positions);
    }
    return PAD_OK;
}

/* One decoder row per live prompt; finished rows are dropped by passing
 * the survivors as parents. */
static pad_status greedy_loop(pad_model *m, int B, const int32_t *const *prompts,
                              const int *prompt_len, const greedy_options *o, int32_t eos,
                              int32_t *out, int *out_len, pad_error *err)
{
    int V = vocab_of(m), W = o->max_new_tokens, n = B;
    int *row_of = malloc((size_t)B * sizeof *row_of);
    int32_t *parent = malloc((size_t)B * sizeof *parent);
    int32_t *tokens = malloc((size_t)B * sizeof *tokens);
    float *logits = malloc((size_t)B * V * sizeof *logits);
    pad_decoder *d = NULL;
    pad_status st = row_of && parent && tokens && logits
                        ? pad_decoder_begin(m, B, prompts, prompt_len, 1, W, &d, err)
                        : pad_error_set(err, PAD_ERR_NOMEM, "out of memory for decoding");
    for (int k = 0; !st && k < B; k++) row_of[k] = k;
    for (int first = 1; !st && n > 0; first = 0) {
        st = pad_decoder_step(d, n, first ? NULL : parent, first ? NULL : tokens, logits, err);
        int next = 0;
        for (int k = 0; !st && k < n; k++) {
            int i = row_of[k];
            int32_t *g = out + (size_t)i * W, tok = argmax(logits + (size_t)k * V, V);
            g[out_len[i]++] = tok;
            if (row_done(m, o, eos, prompt_len[i], g, out_len[i])) continue;
            parent[next] = k, tokens[next] = tok, row_of[next] = i;
            next++;
        }
        n = next;
    }
    pad_decoder_free(d);
    free(row_of);
    free(parent);
    free(tokens);
    free(logits);
    return st;
}

pad_status greedy_generate(pad_model *m, int B, const int32_t *const *prompts,
                           const int *prompt_len, const greedy_options *o, int32_t *out,
                           int *out_len, pad_error *err)
{
    int32_t eos = o->eos_id >= 0 ? o->eos_id
                  : m->config.arch == PAD_ARCH_T5 ? m->config.t5.eos_token_id
                                                  : m->config.gpt2.eos_token_id;
    for (int i = 0; i < B; i++) out_len[i] = 0;
    pad_status st = check_prompts(m, B, prompt_len, err);
    if (st || B < 1 || o->max_new_tokens < 1) return st;
    int training = m->training;
    m->training = 0;
    st = greedy_loop(m, B, prompts, prompt_len, o, eos, out, out_len, err);
    m->training = training;
    return st;
}
