/* The backward pass's grads_ready hook (model.h), which the trainer uses to
 * reduce gradients over ranks while the pass goes on: for T5 (tied and
 * untied head) and GPT-2, the ranges cover the gradient buffer exactly once,
 * each range already holds its final values when it is reported, the
 * gradients are those of a pass without the hook, and a hook's error stops
 * the pass.  The gradient buffer starts with random contents, as in
 * gradient accumulation, so "final" includes what was there before. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "model/model.h"

enum { B = 2, TS = 7, TT = 6 };

typedef struct recorder {
    pad_model *m;
    const float *want;       /* the final gradients */
    int *covered;            /* per element: how many ranges held it */
    int ranges, early;       /* ranges seen; ranges not yet final when reported */
    size_t last_begin;       /* ranges come back to front */
    int backwards;           /* ranges that did not start before the previous one */
    int fail_at;             /* the hook fails on this range (-1: never) */
} recorder;

static pad_status record(void *ctx, size_t begin, size_t count, pad_error *err)
{
    recorder *r = ctx;
    if (r->ranges == r->fail_at) return pad_error_set(err, PAD_ERR_IO, "hook failed on purpose");
    float *now = malloc(count * sizeof *now);
    pad_backend *be = r->m->be;
    const char *range = (const char *)r->m->grad_buf + begin * pad_dtype_size(be->act_dtype);
    pad_backend_download_f32(be, now, range, count, err);
    r->early += memcmp(now, r->want + begin, count * sizeof *now) != 0;
    free(now);
    for (size_t i = begin; i < begin + count; i++) r->covered[i]++;
    r->backwards += r->ranges > 0 && begin >= r->last_begin;
    r->last_begin = begin;
    r->ranges++;
    return PAD_OK;
}

/* Random ids in [0, V); some labels ignored. */
static void random_batch(int32_t *src, int32_t *labels, int n_src, int n_lab, int V, uint64_t seed)
{
    pad_rng g;
    pad_rng_init(&g, seed, 0);
    for (int i = 0; i < n_src; i++) src[i] = (int32_t)(pad_rng_next_u32(&g) % (uint32_t)V);
    for (int i = 0; i < n_lab; i++)
        labels[i] = i % 5 == 3 ? PAD_IGNORE_INDEX : (int32_t)(pad_rng_next_u32(&g) % (uint32_t)V);
}

/* Forward and backward over grads that start as `start`; the result in out. */
static pad_status pass(pad_model *m, const pad_batch *b, const float *start, float *out,
                       pad_error *err)
{
    m->dropout_step = 0; /* the same dropout masks every time */
    double loss;
    pad_status st = pad_backend_upload_f32(m->be, m->grad_buf, start, m->params.buffer_numel, err);
    if (!st) st = pad_model_forward(m, b, &loss, err);
    if (!st) st = pad_model_backward(m, err);
    if (!st && out) st = pad_model_get_grads(m, out, err);
    return st;
}

/* min_ranges: the blocks at least (each is a range of its own or more). */
static void check_model(const pad_model_config *cfg, const pad_batch *b, int min_ranges)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model *m = NULL;
    CHECK(be && pad_model_create(&m, cfg, be, &err) == PAD_OK);
    if (!m) return;
    size_t n = m->params.buffer_numel;
    float *params = malloc(n * sizeof *params), *start = malloc(n * sizeof *start);
    float *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    check_fill_uniform(params, n, 5, -0.5f, 0.5f);
    check_fill_uniform(start, n, 6, -1, 1);
    CHECK(pad_model_set_params(m, params, &err) == PAD_OK);
    m->training = 1;
    CHECK(pass(m, b, start, want, &err) == PAD_OK);
    int moved = 0;
    for (size_t i = 0; i < n; i++) moved += want[i] != start[i];
    CHECK(moved > (int)(n / 2)); /* the pass did change most gradients */

    recorder r = {.m = m, .want = want, .covered = calloc(n, sizeof(int)), .fail_at = -1};
    m->grads_ready = record;
    m->grads_ready_ctx = &r;
    CHECK(pass(m, b, start, got, &err) == PAD_OK);
    CHECK(memcmp(got, want, n * sizeof *got) == 0);
    int once = 1;
    for (size_t i = 0; i < n; i++) once &= r.covered[i] == 1;
    CHECK(once);
    CHECK_MSG(r.ranges >= min_ranges, "%d ranges", r.ranges);
    CHECK(r.early == 0 && r.backwards == 0);

    /* a failing hook stops the pass with its error */
    r = (recorder){.m = m, .want = want, .covered = r.covered, .fail_at = 2};
    CHECK(pass(m, b, start, NULL, &err) == PAD_ERR_IO && strstr(err.message, "on purpose"));
    CHECK(r.ranges == 2);
    free(r.covered);
    free(params), free(start), free(want), free(got);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void check_t5(int tied, int gated)
{
    pad_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.arch = PAD_ARCH_T5;
    t5_config *c = &cfg.t5;
    t5_config_defaults(c);
    c->vocab_size = 23, c->d_model = 8, c->d_kv = 4, c->num_heads = 2, c->d_ff = 12;
    c->num_layers = 3, c->num_decoder_layers = 2;
    c->relative_attention_num_buckets = 8, c->relative_attention_max_distance = 16;
    c->dropout_rate = 0.1f, c->gated_gelu = gated, c->tie_word_embeddings = tied;
    int32_t src[B * TS], labels[B * TT], mask[B * TS];
    random_batch(src, labels, B * TS, B * TT, c->vocab_size, 41 + (uint64_t)tied);
    for (int i = 0; i < B * TS; i++) mask[i] = i < B * TS - 2; /* the last row padded */
    pad_batch b = {B, TS, src, mask, TT, NULL, NULL, labels};
    /* 5 blocks, the shared embedding, and the untied head */
    check_model(&cfg, &b, 5 + 1 + !tied);
}

static void test_t5_tied(void) { check_t5(1, 0); }
static void test_t5_untied(void) { check_t5(0, 1); }

static void test_gpt2(void)
{
    pad_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.arch = PAD_ARCH_GPT2;
    gpt2_config *c = &cfg.gpt2;
    gpt2_config_defaults(c);
    c->vocab_size = 17, c->n_positions = 16, c->n_embd = 8, c->n_head = 2, c->n_layer = 3;
    c->resid_pdrop = c->embd_pdrop = c->attn_pdrop = 0.1f;
    int32_t ids[B * TS], labels[B * TS];
    random_batch(ids, labels, B * TS, B * TS, c->vocab_size, 43);
    pad_batch b = {B, TS, ids, NULL, 0, NULL, NULL, labels};
    check_model(&cfg, &b, 3 + 1); /* 3 blocks and the embeddings */
}

int main(void)
{
    RUN(test_t5_tied);
    RUN(test_t5_untied);
    RUN(test_gpt2);
    return check_finish();
}
