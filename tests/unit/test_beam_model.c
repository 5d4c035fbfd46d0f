/* Beam search on real (tiny, random) T5 and GPT-2 models: beam_generate,
 * which runs the incremental decoder, equals the same loop over full
 * forward passes without a cache (decode_next_logits); a question decodes
 * the same alone as in a batch; num_beams 1 equals greedy_generate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/beam_internal.h"
#include "decode/greedy.h"

#define NQ 4
#define MAXNEW 8
#define MAXROWS (NQ * 4)

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
    return m;
}

static pad_model_config t5_tiny(void)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    t5_config *t = &c.t5;
    t->vocab_size = 13, t->d_model = 16, t->d_kv = 4, t->num_heads = 2, t->d_ff = 24;
    t->num_layers = 2, t->num_decoder_layers = 2;
    t->relative_attention_num_buckets = 8, t->relative_attention_max_distance = 16;
    t->dropout_rate = 0.1f;
    t->pad_token_id = 0, t->eos_token_id = 1, t->decoder_start_token_id = 0;
    return c;
}

static pad_model_config gpt2_tiny(void)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&c.gpt2);
    gpt2_config *g = &c.gpt2;
    g->vocab_size = 15, g->n_positions = 32, g->n_embd = 16, g->n_head = 2;
    g->n_layer = 2, g->n_inner = 32;
    g->eos_token_id = g->bos_token_id = 14;
    return c;
}

typedef struct prompts {
    int32_t ids[NQ][8];
    const int32_t *rows[NQ];
    int len[NQ];
} prompts;

static void make_prompts(prompts *p, int V, uint64_t seed)
{
    static const int lens[NQ] = {5, 2, 7, 3};
    for (int i = 0; i < NQ; i++) {
        float u[8];
        check_fill_uniform(u, 8, seed + i, 0.0f, 1.0f);
        for (int t = 0; t < lens[i]; t++) p->ids[i][t] = 2 + (int32_t)(u[t] * (V - 3));
        p->rows[i] = p->ids[i];
        p->len[i] = lens[i];
    }
}

/* ---- the reference source: full forward passes, no cache ---- */

typedef struct full_source {
    pad_model *m;
    const prompts *p;
    int k, rows;
    int src[MAXROWS];
    int32_t gen[MAXROWS][MAXNEW];
    int gen_len[MAXROWS];
} full_source;

static pad_status full_step(void *ctx, int n_rows, const int32_t *parent, const int32_t *tokens,
                            float *logits, pad_error *err)
{
    full_source *f = ctx;
    int src[MAXROWS], len[MAXROWS];
    int32_t gen[MAXROWS][MAXNEW];
    for (int r = 0; r < n_rows; r++) {
        int from = parent ? parent[r] : -1;
        src[r] = parent ? f->src[from] : r / f->k;
        len[r] = parent ? f->gen_len[from] + 1 : 0;
        if (parent) {
            memcpy(gen[r], f->gen[from], (size_t)(len[r] - 1) * sizeof **gen);
            gen[r][len[r] - 1] = tokens[r];
        }
    }
    const int32_t *srcs[MAXROWS], *gens[MAXROWS];
    int src_len[MAXROWS];
    for (int r = 0; r < n_rows; r++) {
        f->src[r] = src[r], f->gen_len[r] = len[r];
        memcpy(f->gen[r], gen[r], (size_t)len[r] * sizeof **gen);
        srcs[r] = f->p->rows[src[r]], src_len[r] = f->p->len[src[r]];
        gens[r] = f->gen[r];
    }
    f->rows = n_rows;
    decode_rows rows = {n_rows, srcs, src_len, gens, f->gen_len};
    return decode_next_logits(f->m, &rows, logits, err);
}

static int vocab_of(const pad_model *m)
{
    return m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
}

static int same_hyps(const beam_hyp *a, int na, const beam_hyp *b, int nb)
{
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i].len != b[i].len || memcmp(a[i].tokens, b[i].tokens, a[i].len * 4) ||
            fabsf(a[i].score - b[i].score) > 1e-4f)
            return 0;
    return 1;
}

/* An eos that random weights emit now and then: the token greedy decoding
 * produces most often after its first two steps. */
static int32_t frequent_token(pad_model *m, const prompts *p)
{
    int32_t out[NQ][MAXNEW];
    int out_len[NQ], count[32] = {0}, best = 0;
    greedy_options g = {MAXNEW, 31}; /* outside the vocabulary: never stops */
    pad_error err;
    CHECK(greedy_generate(m, NQ, p->rows, p->len, &g, &out[0][0], out_len, &err) == PAD_OK);
    for (int q = 0; q < NQ; q++)
        for (int t = 2; t < out_len[q]; t++) count[out[q][t]]++;
    for (int v = 1; v < 32; v++) best = count[v] > count[best] ? v : best;
    return best;
}

static void check_family(pad_model *m, uint64_t seed)
{
    prompts p;
    make_prompts(&p, vocab_of(m), seed);
    int32_t eos = frequent_token(m, &p);
    m->training = 1; /* beam_generate must switch dropout off and restore this */
    int eos_ends = 0, total = 0;
    for (int k = 1; k <= 4; k += 3)
        for (int es = 0; es < 2; es++) {
            beam_options o;
            beam_options_default(&o);
            o.num_beams = k, o.num_return = k, o.early_stopping = es, o.max_new_tokens = MAXNEW;
            o.length_penalty = es ? 0.7f : 1.3f;
            o.eos_id = eos;
            beam_result got, want, alone;
            pad_error err;
            CHECK_MSG(beam_generate(m, NQ, p.rows, p.len, &o, &got, &err) == PAD_OK, "%s",
                      err.message);
            CHECK(m->training == 1);
            m->training = 0;
            full_source f = {.m = m, .p = &p, .k = k};
            beam_source src = {&f, full_step};
            CHECK(beam_run(&src, NQ, vocab_of(m), eos, MAXNEW, &o, &want, &err) == PAD_OK);
            m->training = 1;
            for (int q = 0; q < NQ; q++) {
                CHECK_MSG(same_hyps(got.hyps[q], got.count[q], want.hyps[q], want.count[q]),
                          "k=%d es=%d question %d", k, es, q);
                CHECK(beam_generate(m, 1, &p.rows[q], &p.len[q], &o, &alone, &err) == PAD_OK);
                CHECK(same_hyps(got.hyps[q], got.count[q], alone.hyps[0], alone.count[0]));
                beam_result_free(&alone);
                for (int i = 0; i < got.count[q]; i++) eos_ends += got.hyps[q][i].finished;
                total += got.count[q];
            }
            if (k == 1) { /* greedy */
                int32_t out[NQ][MAXNEW];
                int out_len[NQ];
                greedy_options g = {MAXNEW, eos};
                CHECK(greedy_generate(m, NQ, p.rows, p.len, &g, &out[0][0], out_len, &err) ==
                      PAD_OK);
                for (int q = 0; q < NQ; q++)
                    CHECK(got.hyps[q][0].len == out_len[q] &&
                          !memcmp(got.hyps[q][0].tokens, out[q], out_len[q] * 4));
            }
            beam_result_free(&got);
            beam_result_free(&want);
        }
    CHECK(eos_ends > 0 && eos_ends < total);
}

static void test_t5(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model_config c = t5_tiny();
    pad_model *m = model(be, &c, 41);
    check_family(m, 3);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* GPT-2 stops at n_positions: the beams are cut where the positions end. */
static void check_position_limit(pad_backend *be)
{
    pad_model_config c = gpt2_tiny();
    c.gpt2.n_positions = 9;
    pad_model *m = model(be, &c, 47);
    prompts p;
    make_prompts(&p, c.gpt2.vocab_size, 9);
    beam_options o;
    beam_options_default(&o);
    o.num_beams = 2, o.num_return = 2, o.max_new_tokens = MAXNEW, o.eos_id = 31;
    beam_result r;
    pad_error err;
    CHECK_MSG(beam_generate(m, NQ, p.rows, p.len, &o, &r, &err) == PAD_OK, "%s", err.message);
    for (int q = 0; q < NQ; q++)
        for (int i = 0; i < r.count[q]; i++) {
            int room = c.gpt2.n_positions - p.len[2] + 1; /* the longest prompt sets the limit */
            CHECK(r.hyps[q][i].len == (room < MAXNEW ? room : MAXNEW));
        }
    beam_result_free(&r);
    pad_model_free(m);
}

static void test_gpt2(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model_config c = gpt2_tiny();
    pad_model *m = model(be, &c, 43);
    check_family(m, 5);
    check_position_limit(be);
    pad_model_free(m);
    pad_backend_destroy(be);
}

int main(void)
{
    RUN(test_t5);
    RUN(test_gpt2);
    return check_finish();
}
