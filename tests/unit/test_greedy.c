/* Greedy decoding: batched rows equal rows decoded alone and a naive argmax
 * loop over full forwards; eos and max_new_tokens stop rows; GPT-2 rows stop
 * at n_positions. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/greedy.h"

#define NROWS 4
#define MAXNEW 9
#define NEVER 1000 /* an eos outside the vocabulary: rows run to max_new_tokens */

static pad_backend *cpu(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    if (!be) {
        fprintf(stderr, "cpu backend: %s\n", err.message);
        exit(2);
    }
    return be;
}

/* Wide random weights so the argmax is decided by clear margins, not by the
 * last bit of a near-tie. */
static pad_model *model(pad_backend *be, const pad_model_config *cfg, uint64_t seed)
{
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, cfg, be, &err) == PAD_OK);
    size_t n = m->params.buffer_numel;
    float *w = malloc(n * sizeof *w);
    check_fill_uniform(w, n, seed, -0.6f, 0.6f);
    CHECK(pad_model_set_params(m, w, &err) == PAD_OK);
    free(w);
    m->dropout_seed = 5;
    return m;
}

static pad_model_config t5_tiny(void)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    t5_config *t = &c.t5;
    t->vocab_size = 17, t->d_model = 16, t->d_kv = 4, t->num_heads = 2, t->d_ff = 24;
    t->num_layers = 2, t->num_decoder_layers = 2;
    t->relative_attention_num_buckets = 8, t->relative_attention_max_distance = 16;
    t->dropout_rate = 0.1f; /* decoding must switch it off */
    t->pad_token_id = 0, t->eos_token_id = 1, t->decoder_start_token_id = 0;
    return c;
}

static pad_model_config gpt2_tiny(int n_positions)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&c.gpt2);
    gpt2_config *g = &c.gpt2;
    g->vocab_size = 19, g->n_positions = n_positions, g->n_embd = 16, g->n_head = 2;
    g->n_layer = 2, g->n_inner = 32;
    g->resid_pdrop = g->embd_pdrop = g->attn_pdrop = 0.1f;
    g->eos_token_id = g->bos_token_id = 18;
    return c;
}

/* Prompts of lengths 5, 2, 7, 3 with ids in [2, V). */
typedef struct prompts {
    int32_t ids[NROWS][8];
    const int32_t *rows[NROWS];
    int len[NROWS];
} prompts;

static void make_prompts(prompts *p, int V, uint64_t seed)
{
    static const int lens[NROWS] = {5, 2, 7, 3};
    for (int i = 0; i < NROWS; i++) {
        float u[8];
        check_fill_uniform(u, 8, seed + (uint64_t)i, 0.0f, 1.0f);
        for (int t = 0; t < 8; t++) p->ids[i][t] = 2 + (int32_t)(u[t] * (float)(V - 2)) % (V - 2);
        p->rows[i] = p->ids[i];
        p->len[i] = lens[i];
    }
}

/* The reference: one row, no padding and no mask, the full forward each
 * step, every logit downloaded, the argmax of the last position. */
static int naive_generate(pad_model *m, const int32_t *prompt, int plen, int max_new, int32_t eos,
                          int32_t *out)
{
    int V = m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
    int32_t seq[64], labels[64];
    float *logits = malloc((size_t)64 * V * sizeof *logits);
    pad_error err;
    int n = 0;
    while (n < max_new) {
        pad_batch b;
        int T;
        if (m->config.arch == PAD_ARCH_T5) {
            T = n + 1;
            seq[0] = m->config.t5.decoder_start_token_id;
            memcpy(seq + 1, out, (size_t)n * sizeof *seq);
            for (int t = 0; t < T; t++) labels[t] = PAD_IGNORE_INDEX;
            b = (pad_batch){1, plen, prompt, NULL, T, seq, NULL, labels};
        } else {
            T = plen + n;
            memcpy(seq, prompt, (size_t)plen * sizeof *seq);
            memcpy(seq + plen, out, (size_t)n * sizeof *seq);
            b = (pad_batch){1, T, seq, NULL, 0, NULL, NULL, NULL};
        }
        double loss;
        CHECK(pad_model_forward(m, &b, &loss, &err) == PAD_OK);
        CHECK(pad_backend_download_f32(m->be, logits, m->logits, (size_t)T * V, &err) == PAD_OK);
        const float *last = logits + (size_t)(T - 1) * V;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (last[v] > last[best]) best = v;
        out[n++] = best;
        if (best == eos) break;
    }
    free(logits);
    return n;
}

static void run_greedy(pad_model *m, const prompts *p, int first, int count, int max_new,
                       int32_t eos, int32_t out[][MAXNEW], int *len)
{
    greedy_options o;
    greedy_options_default(&o);
    o.max_new_tokens = max_new;
    o.eos_id = eos;
    int32_t flat[NROWS * MAXNEW];
    pad_error err;
    CHECK(greedy_generate(m, count, p->rows + first, p->len + first, &o, flat, len + first, &err)
          == PAD_OK);
    for (int i = 0; i < count; i++)
        memcpy(out[first + i], flat + (size_t)i * max_new, (size_t)len[first + i] * sizeof(int32_t));
}

static int same_row(const int32_t *a, int na, const int32_t *b, int nb)
{
    return na == nb && memcmp(a, b, (size_t)na * sizeof *a) == 0;
}

/* Batched = alone = naive, rows run to max_new_tokens, and decoding left
 * the model's training flag and dropout stream as they were. */
static void check_family(const pad_model_config *cfg, uint64_t seed)
{
    pad_backend *be = cpu();
    pad_model *m = model(be, cfg, seed);
    m->training = 1;
    uint64_t step = m->dropout_step;
    int V = cfg->arch == PAD_ARCH_T5 ? cfg->t5.vocab_size : cfg->gpt2.vocab_size;
    prompts p;
    make_prompts(&p, V, seed * 7);
    int32_t batch[NROWS][MAXNEW], alone[NROWS][MAXNEW], naive[NROWS][MAXNEW];
    int nb[NROWS], na[NROWS];
    run_greedy(m, &p, 0, NROWS, MAXNEW, NEVER, batch, nb);
    CHECK(m->training == 1 && m->dropout_step == step);
    m->training = 0;
    int distinct = 0;
    for (int i = 0; i < NROWS; i++) {
        run_greedy(m, &p, i, 1, MAXNEW, NEVER, alone, na);
        int nn = naive_generate(m, p.rows[i], p.len[i], MAXNEW, NEVER, naive[i]);
        CHECK(nb[i] == MAXNEW);
        CHECK_MSG(same_row(batch[i], nb[i], alone[i], na[i]), "%s row %d: batch != alone",
                  pad_arch_name(cfg->arch), i);
        CHECK_MSG(same_row(batch[i], nb[i], naive[i], nn), "%s row %d: batch != naive",
                  pad_arch_name(cfg->arch), i);
        for (int t = 1; t < nb[i]; t++) distinct += batch[i][t] != batch[i][0];
    }
    CHECK_MSG(distinct > 0, "the random model emits one token only: the test is too weak");

    /* eos: the third token of row 0 becomes eos; each row stops at its first
     * occurrence, eos kept last, the prefix unchanged */
    int32_t eos = batch[0][2], stopped[NROWS][MAXNEW];
    int ns[NROWS];
    run_greedy(m, &p, 0, NROWS, MAXNEW, eos, stopped, ns);
    for (int i = 0; i < NROWS; i++) {
        int first = MAXNEW;
        for (int t = MAXNEW - 1; t >= 0; t--)
            if (batch[i][t] == eos) first = t + 1;
        CHECK(ns[i] == first);
        CHECK(same_row(stopped[i], ns[i], batch[i], ns[i]));
        int nn = naive_generate(m, p.rows[i], p.len[i], MAXNEW, eos, naive[i]);
        CHECK(same_row(stopped[i], ns[i], naive[i], nn));
    }
    CHECK(ns[0] <= 3);

    /* a smaller limit cuts every row to a prefix */
    run_greedy(m, &p, 0, NROWS, 4, NEVER, stopped, ns);
    for (int i = 0; i < NROWS; i++) CHECK(ns[i] == 4 && same_row(stopped[i], 4, batch[i], 4));
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_t5_greedy(void)
{
    pad_model_config c = t5_tiny();
    check_family(&c, 11);
}

static void test_gpt2_greedy(void)
{
    pad_model_config c = gpt2_tiny(32);
    check_family(&c, 13);
}

/* A GPT-2 row stops when prompt + generated reaches n_positions; others go on. */
static void test_gpt2_positions(void)
{
    pad_model_config c = gpt2_tiny(10);
    pad_backend *be = cpu();
    pad_model *m = model(be, &c, 17);
    prompts p;
    make_prompts(&p, c.gpt2.vocab_size, 3);
    int32_t out[NROWS][MAXNEW];
    int n[NROWS];
    run_greedy(m, &p, 0, NROWS, MAXNEW, NEVER, out, n);
    for (int i = 0; i < NROWS; i++) {
        int want = 10 - p.len[i] < MAXNEW ? 10 - p.len[i] : MAXNEW;
        CHECK_MSG(n[i] == want, "row %d: %d tokens, want %d", i, n[i], want);
    }
    /* a prompt beyond n_positions is an error, not a crash */
    int32_t long_prompt[12] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    const int32_t *rows[1] = {long_prompt};
    int len = 12, got;
    greedy_options o;
    greedy_options_default(&o);
    pad_error err;
    CHECK(greedy_generate(m, 1, rows, &len, &o, out[0], &got, &err) == PAD_ERR_INVALID);
    pad_model_free(m);
    pad_backend_destroy(be);
}

int main(void)
{
    RUN(test_t5_greedy);
    RUN(test_gpt2_greedy);
    RUN(test_gpt2_positions);
    return check_finish();
}
