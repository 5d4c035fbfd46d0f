/* The incremental decoder: at every step its scores equal a full forward
 * pass over the same (source, tokens so far), for T5 (v1.0 and v1.1, tied
 * and untied) and GPT-2, sources of different lengths, 1 and 3 beams, and
 * rows reordered between steps (duplicated, dropped, whole sources
 * dropped).  Bad arguments are refused.  Also the backend's copy_rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/greedy.h"
#include "model/decoder.h"

#define NSRC 3
#define MAXNEW 6
#define MAXROWS (NSRC * 3)

static pad_backend *backend(const char *name)
{
    pad_error err;
    pad_backend *be = pad_backend_create(name, &err);
    if (!be) {
        fprintf(stderr, "%s backend: %s\n", name, err.message);
        exit(2);
    }
    return be;
}

/* ---- copy_rows ---- */

static void copy_rows_on(const char *name)
{
    pad_backend *be = backend(name);
    pad_error err;
    enum { NSRC_ROWS = 5, SRC_STRIDE = 7, DST_STRIDE = 9, ELEMS = 4, N = 6 };
    float src[NSRC_ROWS * SRC_STRIDE], dst[N * DST_STRIDE], got[N * DST_STRIDE];
    check_fill_uniform(src, NSRC_ROWS * SRC_STRIDE, 11, -2.0f, 2.0f);
    check_fill_uniform(dst, N * DST_STRIDE, 12, 5.0f, 6.0f);
    int32_t idx[N] = {4, 0, 4, 2, 1, 3}; /* a duplicate and an out-of-order gather */
    size_t es = pad_dtype_size(be->act_dtype);
    void *dsrc, *ddst;
    int32_t *didx;
    CHECK(be->ops->alloc(be, sizeof src / sizeof *src * es, &dsrc, &err) == PAD_OK);
    CHECK(be->ops->alloc(be, sizeof dst / sizeof *dst * es, &ddst, &err) == PAD_OK);
    CHECK(be->ops->alloc(be, sizeof idx, (void **)&didx, &err) == PAD_OK);
    be->ops->upload(be, didx, idx, sizeof idx);
    CHECK(pad_backend_upload_f32(be, dsrc, src, NSRC_ROWS * SRC_STRIDE, &err) == PAD_OK);
    for (int with_idx = 0; with_idx < 2; with_idx++) {
        int n = with_idx ? N : NSRC_ROWS;
        CHECK(pad_backend_upload_f32(be, ddst, dst, N * DST_STRIDE, &err) == PAD_OK);
        be->ops->copy_rows(be, ddst, DST_STRIDE, dsrc, SRC_STRIDE, with_idx ? didx : NULL, n,
                           ELEMS);
        CHECK(pad_backend_download_f32(be, got, ddst, N * DST_STRIDE, &err) == PAD_OK);
        int bad = 0;
        for (int i = 0; i < N; i++)
            for (int e = 0; e < DST_STRIDE; e++) {
                int from = with_idx ? idx[i] : i;
                float want = i < n && e < ELEMS ? src[from * SRC_STRIDE + e]
                                                : dst[i * DST_STRIDE + e];
                bad += got[i * DST_STRIDE + e] != want;
            }
        CHECK_MSG(bad == 0, "%s, idx %s: %d elements wrong", name, with_idx ? "given" : "NULL",
                  bad);
    }
    be->ops->free(be, dsrc);
    be->ops->free(be, ddst);
    be->ops->free(be, didx);
    pad_backend_destroy(be);
}

static void test_copy_rows(void)
{
    copy_rows_on("cpu");
    copy_rows_on("cpu64");
}

/* ---- models ---- */

static pad_model_config t5_small(int gated, int tied)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    t5_config *t = &c.t5;
    t->vocab_size = 23, t->d_model = 16, t->d_kv = 4, t->num_heads = 3, t->d_ff = 24;
    t->num_layers = 2, t->num_decoder_layers = 3;
    t->relative_attention_num_buckets = 8, t->relative_attention_max_distance = 16;
    t->gated_gelu = gated, t->tie_word_embeddings = tied, t->scale_decoder_outputs = tied;
    t->pad_token_id = 0, t->eos_token_id = 1, t->decoder_start_token_id = 0;
    return c;
}

static pad_model_config gpt2_small(int n_positions)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&c.gpt2);
    gpt2_config *g = &c.gpt2;
    g->vocab_size = 29, g->n_positions = n_positions, g->n_embd = 16, g->n_layer = 2;
    g->n_head = 2, g->bos_token_id = g->eos_token_id = 1;
    return c;
}

static pad_model *model(pad_backend *be, const pad_model_config *cfg, uint64_t seed)
{
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, cfg, be, &err) == PAD_OK);
    CHECK(pad_model_init_random(m, seed, &err) == PAD_OK);
    return m;
}

static int vocab(const pad_model *m)
{
    return m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
}

/* ---- the rows as the test tracks them ---- */

typedef struct tracked {
    int rows, beams;
    int src[MAXROWS];
    int32_t hist[MAXROWS][MAXNEW];
    int len;                       /* tokens fed after the start (all rows alike) */
} tracked;

typedef struct sources {
    int32_t ids[NSRC][8];
    const int32_t *ptr[NSRC];
    int len[NSRC];
} sources;

static void make_sources(sources *s, int V, uint64_t seed)
{
    static const int lens[NSRC] = {5, 2, 7};
    for (int i = 0; i < NSRC; i++) {
        float u[8];
        check_fill_uniform(u, 8, seed + i, 0.0f, 1.0f);
        for (int t = 0; t < 8; t++) s->ids[i][t] = 2 + (int32_t)(u[t] * (V - 2)) % (V - 2);
        s->ptr[i] = s->ids[i];
        s->len[i] = lens[i];
    }
}

/* The reference: one full forward over every row's (source, history). */
static double compare(pad_model *m, const sources *s, const tracked *t, const float *got)
{
    int V = vocab(m);
    const int32_t *src[MAXROWS], *gen[MAXROWS];
    int src_len[MAXROWS], gen_len[MAXROWS];
    for (int r = 0; r < t->rows; r++) {
        src[r] = s->ptr[t->src[r]], src_len[r] = s->len[t->src[r]];
        gen[r] = t->hist[r], gen_len[r] = t->len;
    }
    decode_rows rows = {t->rows, src, src_len, gen, gen_len};
    float *want = malloc((size_t)t->rows * V * sizeof *want);
    pad_error err;
    CHECK(decode_next_logits(m, &rows, want, &err) == PAD_OK);
    double worst = 0;
    for (int r = 0; r < t->rows; r++) {
        double scale = 1;
        for (int v = 0; v < V; v++) scale = fmax(scale, fabs(want[(size_t)r * V + v]));
        for (int v = 0; v < V; v++)
            worst = fmax(worst, fabs(got[(size_t)r * V + v] - want[(size_t)r * V + v]) / scale);
    }
    free(want);
    return worst;
}

/* Parents for step `step`: the identity, a shuffle inside each group with
 * a duplicate and a drop, dropping the middle source, dropping the first
 * source, then the identity again.  Returns the new row count. */
static int schedule(int step, const tracked *t, int32_t *parent, int *use_parent)
{
    int b = t->beams, groups = t->rows / b, n = 0;
    *use_parent = step >= 2 && step <= 4;
    for (int g = 0; g < groups; g++) {
        if ((step == 3 && g == 1 && groups > 1) || (step == 4 && g == 0 && groups > 1)) continue;
        for (int j = 0; j < b; j++) {
            int k = step == 2 ? (j == 1 ? 0 : b - 1) : step == 3 ? b - 1 - j : j;
            parent[n++] = g * b + k;
        }
    }
    return *use_parent ? n : t->rows;
}

static void advance(tracked *t, int n, const int32_t *parent, const int32_t *tokens)
{
    tracked old = *t;
    for (int r = 0; r < n; r++) {
        int p = parent ? parent[r] : r;
        t->src[r] = old.src[p];
        memcpy(t->hist[r], old.hist[p], sizeof t->hist[r]);
        t->hist[r][t->len] = tokens[r];
    }
    t->rows = n;
    t->len++;
}

static void check_decoder(const pad_model_config *cfg, int beams, uint64_t seed)
{
    pad_backend *be = backend("cpu");
    pad_model *m = model(be, cfg, seed);
    int V = vocab(m);
    sources s;
    make_sources(&s, V, seed * 7);
    tracked t = {NSRC * beams, beams, {0}, {{0}}, 0};
    for (int r = 0; r < t.rows; r++) t.src[r] = r / beams;
    pad_decoder *d = NULL;
    pad_error err;
    CHECK(pad_decoder_begin(m, NSRC, s.ptr, s.len, beams, MAXNEW, &d, &err) == PAD_OK);
    float logits[MAXROWS * 32];
    int32_t parent[MAXROWS], tokens[MAXROWS];
    double worst = 0;
    int sources_ok = 1;
    for (int step = 0; d && step < MAXNEW; step++) {
        int use = 0, n = step ? schedule(step, &t, parent, &use) : t.rows;
        float u[MAXROWS];
        check_fill_uniform(u, MAXROWS, seed * 31 + step, 0.0f, 1.0f);
        for (int r = 0; r < n; r++) tokens[r] = (int32_t)(u[r] * V) % V;
        pad_status st = pad_decoder_step(d, n, use ? parent : NULL, step ? tokens : NULL, logits,
                                         &err);
        CHECK_MSG(st == PAD_OK, "step %d: %s", step, err.message);
        if (st) break;
        if (step) advance(&t, n, use ? parent : NULL, tokens);
        CHECK(pad_decoder_rows(d) == t.rows && pad_decoder_steps(d) == step + 1);
        for (int r = 0; r < t.rows; r++) sources_ok &= pad_decoder_source_of(d, r) == t.src[r];
        worst = fmax(worst, compare(m, &s, &t, logits));
    }
    CHECK_MSG(worst < 2e-5, "%s beams %d: worst relative difference %g",
              pad_arch_name(cfg->arch), beams, worst);
    CHECK(sources_ok);
    CHECK(t.rows == beams); /* the schedule dropped two whole sources */
    CHECK(d && pad_decoder_max_steps(d) == 0);
    pad_decoder_free(d);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_t5_relu_tied(void)
{
    pad_model_config c = t5_small(0, 1);
    check_decoder(&c, 1, 3);
    check_decoder(&c, 3, 4);
}

static void test_t5_gated_untied(void)
{
    pad_model_config c = t5_small(1, 0);
    check_decoder(&c, 1, 5);
    check_decoder(&c, 3, 6);
}

static void test_t5_gated_tied_relu_untied(void)
{
    pad_model_config a = t5_small(1, 1), b = t5_small(0, 0);
    check_decoder(&a, 3, 7);
    check_decoder(&b, 3, 8);
}

static void test_gpt2(void)
{
    pad_model_config c = gpt2_small(32);
    check_decoder(&c, 1, 9);
    check_decoder(&c, 3, 10);
}

/* ---- bad arguments ---- */

static pad_status step(pad_decoder *d, int n, const int32_t *parent, const int32_t *tokens)
{
    static float logits[MAXROWS * 32];
    pad_error err;
    return pad_decoder_step(d, n, parent, tokens, logits, &err);
}

static void test_errors(void)
{
    pad_backend *be = backend("cpu");
    pad_model_config c = t5_small(0, 1);
    pad_model *m = model(be, &c, 12);
    sources s;
    make_sources(&s, c.t5.vocab_size, 13);
    pad_decoder *d = NULL;
    pad_error err;
    int empty[NSRC] = {5, 0, 2};
    CHECK(pad_decoder_begin(m, NSRC, s.ptr, empty, 2, 3, &d, &err) == PAD_ERR_INVALID && !d);
    CHECK(pad_decoder_begin(m, NSRC, s.ptr, s.len, 2, 3, &d, &err) == PAD_OK);
    int32_t tok[6] = {3, 4, 5, 6, 7, 8}, id[6] = {0, 1, 2, 3, 4, 5};
    CHECK(step(d, 6, NULL, tok) == PAD_ERR_INVALID); /* the first step takes no tokens */
    CHECK(step(d, 6, NULL, NULL) == PAD_OK);
    int32_t odd[5] = {0, 1, 2, 3, 4}, range[6] = {0, 1, 2, 3, 4, 6};
    int32_t mixed[6] = {0, 2, 2, 3, 4, 5}, order[4] = {2, 3, 0, 1}, big[6] = {3, 4, 5, 6, 7, 99};
    CHECK(step(d, 5, odd, tok) == PAD_ERR_INVALID);   /* not whole groups */
    CHECK(step(d, 6, range, tok) == PAD_ERR_INVALID); /* parent outside the rows */
    CHECK(step(d, 6, mixed, tok) == PAD_ERR_INVALID); /* a group from two sources */
    CHECK(step(d, 4, order, tok) == PAD_ERR_INVALID); /* sources out of order */
    CHECK(step(d, 6, id, big) == PAD_ERR_INVALID);    /* token outside the vocabulary */
    CHECK(step(d, 4, NULL, tok) == PAD_ERR_INVALID);  /* fewer rows need parents */
    CHECK(pad_decoder_steps(d) == 1 && pad_decoder_rows(d) == 6);
    CHECK(step(d, 6, id, tok) == PAD_OK);
    CHECK(step(d, 6, NULL, tok) == PAD_OK);
    CHECK(pad_decoder_max_steps(d) == 0);
    CHECK(step(d, 6, NULL, tok) == PAD_ERR_INVALID);  /* beyond max_new_tokens */
    pad_decoder_free(d);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* GPT-2: the longest live prompt bounds the steps by n_positions; dropping
 * its rows lets the others go on. */
static void test_gpt2_positions(void)
{
    pad_backend *be = backend("cpu");
    pad_model_config c = gpt2_small(9);
    pad_model *m = model(be, &c, 14);
    sources s;
    make_sources(&s, c.gpt2.vocab_size, 15); /* lengths 5, 2, 7 */
    pad_decoder *d = NULL;
    pad_error err;
    CHECK(pad_decoder_begin(m, NSRC, s.ptr, s.len, 1, 20, &d, &err) == PAD_OK);
    CHECK(pad_decoder_max_steps(d) == 9 - 7 + 1);
    int32_t tok[3] = {3, 4, 5}, keep[2] = {0, 1};
    CHECK(step(d, 3, NULL, NULL) == PAD_OK);
    CHECK(step(d, 3, NULL, tok) == PAD_OK);
    CHECK(step(d, 3, NULL, tok) == PAD_OK);
    CHECK(step(d, 3, NULL, tok) == PAD_ERR_INVALID); /* source 2 would pass position 8 */
    CHECK(step(d, 2, keep, tok) == PAD_OK);
    CHECK(pad_decoder_max_steps(d) == 9 - 5 + 1 - 4);
    pad_decoder_free(d);
    pad_model_free(m);
    pad_backend_destroy(be);
}

int main(void)
{
    RUN(test_copy_rows);
    RUN(test_t5_relu_tied);
    RUN(test_t5_gated_untied);
    RUN(test_t5_gated_tied_relu_untied);
    RUN(test_gpt2);
    RUN(test_errors);
    RUN(test_gpt2_positions);
    return check_finish();
}
