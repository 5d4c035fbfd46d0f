/* T5: relative position buckets against transformers, parameter counts
 * against transformers' num_parameters(), whole-model gradient checks in
 * double precision (with and without dropout), float against double, and
 * invariance to encoder padding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/family.h"
#include "model/model.h"
#include "model/t5.h"

/* transformers' T5Attention._relative_position_bucket (torch 2.15,
 * transformers 5.24) for relative positions -200..200, one base-32 digit per
 * bucket. */
static const struct {
    int bidirectional, num_buckets, max_distance;
    const char *digits;
} bucket_tables[] = {
    {1, 32, 128,
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ffffffffffffffffffffffffffffffeeeeeeeeeeeeeeeeeeeeeeeeeeeddddddddddddddddddccccc"
     "cccccccccbbbbbbbbbaaaaaaa9999888876543210hijklmnooooppppqqqqqqqrrrrrrrrrssssssss"
     "ssssssttttttttttttttttttuuuuuuuuuuuuuuuuuuuuuuuuuuuvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
     "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
     "v"},
    {0, 32, 128,
     "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
     "vvvvvvvvuuuuuuuuuuuuuuttttttttttttssssssssssrrrrrrrrrrqqqqqqqqpppppppoooooonnnnn"
     "nmmmmmllllkkkkjjjiiihhgggfedcba9876543210000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0"},
    {1, 16, 64,
     "77777777777777777777777777777777777777777777777777777777777777777777777777777777"
     "77777777777777777777777777777777777777777777777777777777777777777777777777777777"
     "777777777666666666666666655555555444432109abccccddddddddeeeeeeeeeeeeeeeeffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "f"},
    {0, 16, 64,
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeeeeeeeee"
     "eedddddddddcccccccbbbbbaaaa99988876543210000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0"},
};

static void test_buckets(void)
{
    const char *alphabet = "0123456789abcdefghijklmnopqrstuv";
    for (size_t t = 0; t < sizeof bucket_tables / sizeof bucket_tables[0]; t++) {
        int wrong = 0;
        CHECK(strlen(bucket_tables[t].digits) == 401);
        for (int rel = -200; rel <= 200; rel++) {
            int want = (int)(strchr(alphabet, bucket_tables[t].digits[rel + 200]) - alphabet);
            int got = t5_relative_position_bucket(rel, bucket_tables[t].bidirectional,
                                                  bucket_tables[t].num_buckets,
                                                  bucket_tables[t].max_distance);
            if (got != want && wrong++ < 3)
                fprintf(stderr, "table %zu rel %d: got %d want %d\n", t, rel, got, want);
        }
        CHECK_MSG(wrong == 0, "table %zu: %d buckets differ", t, wrong);
    }
}

static pad_model_config t5_cfg(const t5_config *c)
{
    pad_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.arch = PAD_ARCH_T5;
    cfg.t5 = *c;
    return cfg;
}

static int64_t count_params(const t5_config *c, pad_param_table *t)
{
    pad_model_config cfg = t5_cfg(c);
    pad_error err;
    pad_param_table_init(t);
    CHECK(t5_family.build_params(&cfg, t, &err) == PAD_OK);
    return pad_param_table_count(t);
}

static int has_shape(const pad_param_table *t, const char *name, int64_t d0, int64_t d1, int decay)
{
    const pad_param *p = pad_param_table_find(t, name);
    return p && p->shape[0] == d0 && p->shape[1] == d1 && p->decay == decay;
}

static void test_param_count_t5_small(void)
{
    t5_config c;
    t5_config_defaults(&c); /* the defaults are t5-small */
    pad_param_table t;
    CHECK(count_params(&c, &t) == 60506624);
    const char *rel = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
    CHECK(has_shape(&t, rel, 32, 8, 0));
    CHECK(!pad_param_table_find(&t, "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"));
    CHECK(has_shape(&t, "decoder.block.5.layer.1.EncDecAttention.o.weight", 512, 512, 1));
    CHECK(has_shape(&t, "decoder.block.5.layer.2.DenseReluDense.wo.weight", 512, 2048, 1));
    CHECK(has_shape(&t, "encoder.block.3.layer.1.DenseReluDense.wi.weight", 2048, 512, 1));
    CHECK(has_shape(&t, "decoder.final_layer_norm.weight", 512, 1, 0));
    CHECK(has_shape(&t, "shared.weight", 32128, 512, 0));
    CHECK(!pad_param_table_find(&t, "lm_head.weight"));
    pad_param_table_free(&t);
}

static void test_param_count_v11(void)
{
    t5_config c; /* t5-v1_1-small's shape */
    t5_config_defaults(&c);
    c.d_ff = 1024, c.num_layers = 8, c.num_decoder_layers = 8, c.num_heads = 6;
    c.gated_gelu = 1, c.tie_word_embeddings = 0;
    int64_t d = c.d_model, inner = (int64_t)c.num_heads * c.d_kv, V = c.vocab_size, F = c.d_ff;
    int64_t attn = 4 * d * inner, ffn = 3 * d * F, rel = c.relative_attention_num_buckets * c.num_heads;
    int64_t enc = c.num_layers * (attn + ffn + 2 * d) + rel + d;
    int64_t dec = c.num_decoder_layers * (2 * attn + ffn + 3 * d) + rel + d;
    int64_t want = 2 * V * d + enc + dec;
    pad_param_table t;
    CHECK(want == 76961152); /* transformers 4's count for google/t5-v1_1-small */
    CHECK(count_params(&c, &t) == want);
    CHECK(has_shape(&t, "lm_head.weight", V, d, 0));
    CHECK(has_shape(&t, "encoder.block.7.layer.1.DenseReluDense.wi_1.weight", F, d, 1));
    CHECK(has_shape(&t, "decoder.block.0.layer.0.SelfAttention.q.weight", inner, d, 1));
    CHECK(!pad_param_table_find(&t, "encoder.block.0.layer.1.DenseReluDense.wi.weight"));
    pad_param_table_free(&t);
}

/* ---- whole-model checks on a tiny T5 ---- */

static t5_config tiny_config(int gated, int tied, float dropout)
{
    t5_config c;
    t5_config_defaults(&c);
    c.vocab_size = 11, c.d_model = 8, c.d_kv = 4, c.num_heads = 2, c.d_ff = 12;
    c.num_layers = 2, c.num_decoder_layers = 2;
    c.relative_attention_num_buckets = 8, c.relative_attention_max_distance = 16;
    c.dropout_rate = dropout, c.gated_gelu = gated, c.tie_word_embeddings = tied;
    return c;
}

static pad_backend *backend(const char *name)
{
    pad_error err;
    pad_backend *be = pad_backend_create(name, &err);
    if (!be) {
        fprintf(stderr, "backend %s: %s\n", name, err.message);
        exit(2);
    }
    return be;
}

static pad_model *make_model(pad_backend *be, const t5_config *c, uint64_t seed)
{
    pad_model_config cfg = t5_cfg(c);
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, &cfg, be, &err) == PAD_OK);
    CHECK(pad_model_init_random(m, seed, &err) == PAD_OK);
    m->dropout_seed = 99;
    return m;
}

/* B = 2; the second encoder row ends in padding; some labels are ignored. */
#define TS 7
#define TT 6
static const int32_t test_src[2 * TS] = {3, 7, 2, 9, 4, 1, 8, 5, 8, 10, 6, 2, 4, 9};
static const int32_t test_src_mask[2 * TS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
static const int32_t test_labels[2 * TT] = {4, -100, 3, 1, 6, 2, 7, 2, 10, 5, -100, -100};

static pad_batch test_batch(void)
{
    pad_batch b = {2, TS, test_src, test_src_mask, TT, NULL, NULL, test_labels};
    return b;
}

/* The family's forward directly: pad_model_forward would advance the
 * dropout step, and a gradient check needs the same masks every time. */
static double loss_of(pad_model *m, const pad_batch *b)
{
    double loss;
    pad_error err;
    if (t5_family.forward(m, b, &loss, &err) != PAD_OK) {
        fprintf(stderr, "forward: %s\n", err.message);
        return NAN;
    }
    return loss;
}

static double *grads_f64(pad_model *m, const pad_batch *b)
{
    pad_error err;
    size_t n = m->params.buffer_numel;
    double *g = malloc(n * sizeof *g);
    pad_model_zero_grad(m);
    CHECK(isfinite(loss_of(m, b)));
    CHECK(t5_family.backward(m, &err) == PAD_OK);
    m->be->ops->download(m->be, g, m->grad_buf, n * sizeof *g);
    return g;
}

static double set_param(pad_model *m, size_t i, double x)
{
    double old;
    double *slot = (double *)m->param_buf + i;
    m->be->ops->download(m->be, &old, slot, sizeof old);
    m->be->ops->upload(m->be, slot, &x, sizeof x);
    return old;
}

/* Central differences for every element of every parameter (cpu64). */
static void gradcheck(pad_model *m, const pad_batch *b, const char *what)
{
    const double h = 1e-5;
    double *g = grads_f64(m, b);
    for (int k = 0; k < m->params.count; k++) {
        const pad_param *p = &m->params.items[k];
        int bad = 0;
        double worst_fd = 0, worst_an = 0, worst = -1, largest = 0;
        for (int64_t j = 0; j < pad_param_numel(p); j++) {
            size_t i = p->offset + (size_t)j;
            double x = set_param(m, i, 0);
            set_param(m, i, x + h);
            double lp = loss_of(m, b);
            set_param(m, i, x - h);
            double lm = loss_of(m, b);
            set_param(m, i, x);
            double fd = (lp - lm) / (2 * h), e = fabs(fd - g[i]);
            double tol = 1e-5 * fmax(fabs(fd), fabs(g[i])) + 1e-8;
            if (!(e <= tol)) bad++;
            if (!(e <= worst)) worst = e, worst_fd = fd, worst_an = g[i];
            largest = fmax(largest, fabs(g[i]));
        }
        CHECK_MSG(bad == 0, "%s: %s: %d of %lld elements off (worst: numeric %.10g, analytic %.10g)",
                  what, p->name, bad, (long long)pad_param_numel(p), worst_fd, worst_an);
        CHECK_MSG(largest > 1e-6, "%s: %s gets no gradient", what, p->name);
    }
    free(g);
}

static void gradcheck_config(int gated, int tied)
{
    pad_backend *be = backend("cpu64");
    t5_config c = tiny_config(gated, tied, 0.1f);
    pad_model *m = make_model(be, &c, 17);
    pad_batch b = test_batch();
    CHECK(m->params.count == (tied ? 47 : 48) + (gated ? 4 : 0));
    gradcheck(m, &b, gated ? "gated untied" : "relu tied");
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_gradcheck_relu_tied(void) { gradcheck_config(0, 1); }
static void test_gradcheck_gated_untied(void) { gradcheck_config(1, 0); }

/* Label smoothing reaches the loss as torch defines it, and its gradient
 * passes the whole-model check. */
static void test_label_smoothing(void)
{
    pad_backend *be = backend("cpu64");
    t5_config c = tiny_config(0, 1, 0.0f);
    pad_model *m = make_model(be, &c, 23);
    pad_batch b = test_batch();
    m->label_smoothing = 0.1f;
    double loss = loss_of(m, &b);
    const double *logits = m->logits;
    int V = c.vocab_size;
    double want = 0;
    int count = 0;
    for (int r = 0; r < 2 * TT; r++) {
        if (test_labels[r] == PAD_IGNORE_INDEX) continue;
        const double *z = logits + (size_t)r * V;
        double mx = z[0], se = 0, mean_nll = 0;
        for (int v = 1; v < V; v++) mx = fmax(mx, z[v]);
        for (int v = 0; v < V; v++) se += exp(z[v] - mx);
        double lse = mx + log(se);
        for (int v = 0; v < V; v++) mean_nll += (lse - z[v]) / V;
        const double eps = 0.1f; /* the float the model holds */
        want += (1 - eps) * (lse - z[test_labels[r]]) + eps * mean_nll;
        count++;
    }
    want /= count;
    CHECK_MSG(fabs(loss - want) < 1e-12, "%.15g vs %.15g", loss, want);
    m->label_smoothing = 0;
    CHECK(fabs(loss_of(m, &b) - loss) > 1e-6);
    m->label_smoothing = 0.1f;
    gradcheck(m, &b, "label smoothing");
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_dropout(void)
{
    pad_backend *be = backend("cpu64");
    t5_config c = tiny_config(0, 1, 0.2f);
    pad_model *m = make_model(be, &c, 23);
    pad_batch b = test_batch();
    double eval = loss_of(m, &b);
    m->training = 1;
    m->dropout_step = 5;
    double l1 = loss_of(m, &b), l2 = loss_of(m, &b);
    CHECK(l1 == l2);
    CHECK_MSG(fabs(l1 - eval) > 1e-6, "dropout %.12g vs eval %.12g", l1, eval);
    m->dropout_step = 6;
    double l6 = loss_of(m, &b);
    CHECK(fabs(l6 - l1) > 1e-6);
    m->dropout_step = 5;
    double via_model;
    pad_error err;
    CHECK(pad_model_forward(m, &b, &via_model, &err) == PAD_OK); /* advances to step 6 */
    CHECK(m->dropout_step == 6 && via_model == l6);
    m->dropout_step = 5;
    gradcheck(m, &b, "dropout");
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_float_matches_double(void)
{
    for (int gated = 0; gated < 2; gated++) {
        pad_backend *be32 = backend("cpu"), *be64 = backend("cpu64");
        t5_config c = tiny_config(gated, !gated, 0.1f);
        pad_model *m32 = make_model(be32, &c, 31), *m64 = make_model(be64, &c, 31);
        pad_batch b = test_batch();
        pad_error err;
        double l32, l64;
        size_t n = m32->params.buffer_numel;
        float *g32 = malloc(n * sizeof *g32), *g64 = malloc(n * sizeof *g64);
        pad_model *ms[2] = {m32, m64};
        double *ls[2] = {&l32, &l64};
        float *gs[2] = {g32, g64};
        for (int i = 0; i < 2; i++) {
            pad_model_zero_grad(ms[i]);
            CHECK(pad_model_forward(ms[i], &b, ls[i], &err) == PAD_OK);
            CHECK(pad_model_backward(ms[i], &err) == PAD_OK);
            CHECK(pad_model_get_grads(ms[i], gs[i], &err) == PAD_OK);
        }
        double diff = 0, scale = 0;
        for (size_t i = 0; i < n; i++) {
            diff = fmax(diff, fabs((double)g32[i] - g64[i]));
            scale = fmax(scale, fabs((double)g64[i]));
        }
        CHECK_MSG(check_rel_err(l32, l64, 1e-12) < 1e-5, "loss %.9g vs %.9g", l32, l64);
        CHECK_MSG(scale > 0 && diff / scale < 1e-4, "grads differ by %g of %g", diff, scale);
        CHECK(m32->logits_rows == 2 * TT && m64->logits_rows == 2 * TT);
        free(g32);
        free(g64);
        pad_model_free(m32);
        pad_model_free(m64);
        pad_backend_destroy(be32);
        pad_backend_destroy(be64);
    }
}

/* Extra encoder padding (with arbitrary token ids) changes nothing; the
 * buffers grown for it serve the shorter batch again. */
static void test_padding_invariance(void)
{
    enum { TL = TS + 4 };
    pad_backend *be = backend("cpu64");
    t5_config c = tiny_config(1, 1, 0.1f);
    pad_model *m = make_model(be, &c, 41);
    pad_batch b = test_batch();
    int32_t src[2 * TL], mask[2 * TL];
    for (int r = 0; r < 2; r++)
        for (int t = 0; t < TL; t++) {
            src[r * TL + t] = t < TS ? test_src[r * TS + t] : 1 + (r * 5 + t * 3) % 10;
            mask[r * TL + t] = t < TS ? test_src_mask[r * TS + t] : 0;
        }
    pad_batch longer = b;
    longer.T_src = TL, longer.src_ids = src, longer.src_mask = mask;
    double base = loss_of(m, &b), padded = loss_of(m, &longer), again = loss_of(m, &b);
    CHECK_MSG(fabs(base - padded) < 1e-12, "%.15g vs %.15g", base, padded);
    CHECK(base == again);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* Decoder inputs given explicitly (labels shifted right, start token 0,
 * ignored labels as pad) and an all-ones target mask match the defaults. */
static void test_explicit_decoder_inputs(void)
{
    pad_backend *be = backend("cpu64");
    t5_config c = tiny_config(0, 1, 0.1f);
    c.decoder_start_token_id = 0, c.pad_token_id = 0;
    pad_model *m = make_model(be, &c, 43);
    pad_batch b = test_batch();
    int32_t tgt[2 * TT], ones[2 * TT];
    for (int r = 0; r < 2; r++)
        for (int t = 0; t < TT; t++) {
            int32_t prev = t ? test_labels[r * TT + t - 1] : 0;
            tgt[r * TT + t] = prev == -100 ? 0 : prev;
            ones[r * TT + t] = 1;
        }
    double shifted = loss_of(m, &b);
    b.tgt_ids = tgt, b.tgt_mask = ones;
    CHECK(loss_of(m, &b) == shifted);
    tgt[3] = (tgt[3] + 1) % 11; /* and the decoder inputs do matter */
    CHECK(fabs(loss_of(m, &b) - shifted) > 1e-9);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_errors(void)
{
    pad_backend *be = backend("cpu");
    t5_config c = tiny_config(0, 1, 0.1f);
    pad_model *m = make_model(be, &c, 47);
    pad_error err;
    CHECK(pad_model_backward(m, &err) == PAD_ERR_INVALID);
    pad_batch b = test_batch();
    int32_t bad[2 * TT];
    memcpy(bad, test_labels, sizeof bad);
    bad[4] = 11;
    b.labels = bad;
    double loss;
    CHECK(pad_model_forward(m, &b, &loss, &err) == PAD_ERR_INVALID);
    for (int i = 0; i < 2 * TT; i++) bad[i] = PAD_IGNORE_INDEX;
    CHECK(pad_model_forward(m, &b, &loss, &err) == PAD_OK && isnan(loss));
    c.num_heads = 0;
    pad_model_config cfg = t5_cfg(&c);
    pad_model *broken = NULL;
    CHECK(pad_model_create(&broken, &cfg, be, &err) == PAD_ERR_CONFIG && !broken);
    pad_model_free(m);
    pad_backend_destroy(be);
}

int main(void)
{
    RUN(test_buckets);
    RUN(test_param_count_t5_small);
    RUN(test_param_count_v11);
    RUN(test_gradcheck_relu_tied);
    RUN(test_gradcheck_gated_untied);
    RUN(test_label_smoothing);
    RUN(test_dropout);
    RUN(test_float_matches_double);
    RUN(test_padding_invariance);
    RUN(test_explicit_decoder_inputs);
    RUN(test_errors);
    return check_finish();
}
