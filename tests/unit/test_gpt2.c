/* Tests of the GPT-2 family: parameter table, initialisation, the forward
 * pass against a plain double-precision reference written here, whole-model
 * finite-difference gradients on cpu64, float vs double, dropout, causality
 * and input errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "model/family.h"

#define TB 2
#define TT 6

static pad_backend *backend(const char *name)
{
    pad_error e;
    pad_backend *be = pad_backend_create(name, &e);
    if (!be) {
        fprintf(stderr, "cannot create backend %s: %s\n", name, e.message);
        exit(2);
    }
    return be;
}

static pad_model_config tiny_config(float pdrop)
{
    pad_model_config mc;
    memset(&mc, 0, sizeof mc);
    mc.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&mc.gpt2);
    mc.gpt2.vocab_size = 13;
    mc.gpt2.n_positions = 16;
    mc.gpt2.n_embd = 8;
    mc.gpt2.n_head = 2;
    mc.gpt2.n_layer = 2;
    mc.gpt2.resid_pdrop = mc.gpt2.embd_pdrop = mc.gpt2.attn_pdrop = pdrop;
    return mc;
}

/* A model with every parameter uniform in [-0.5, 0.5) (larger than the
 * initialisation, so attention is far from uniform). */
static pad_model *random_model(pad_backend *be, const pad_model_config *mc, uint64_t seed)
{
    pad_model *m;
    pad_error e;
    if (pad_model_create(&m, mc, be, &e)) {
        fprintf(stderr, "pad_model_create: %s\n", e.message);
        exit(2);
    }
    float *host = malloc(m->params.buffer_numel * sizeof *host);
    check_fill_uniform(host, m->params.buffer_numel, seed, -0.5f, 0.5f);
    CHECK(pad_model_set_params(m, host, &e) == PAD_OK);
    free(host);
    return m;
}

/* B=2, T=6 with labels = ids as transformers takes them; `padded` pads the
 * last two tokens of sequence 1 (mask 0, label -100). */
typedef struct test_batch {
    int32_t ids[TB * TT], mask[TB * TT], labels[TB * TT];
    pad_batch b;
} test_batch;

static void make_batch(test_batch *tb, int padded, uint64_t seed)
{
    for (int n = 0; n < TB * TT; n++) {
        tb->ids[n] = (int32_t)(pad_rng_u32_at(seed, 1, (uint64_t)n) % 13);
        int pad = padded && n >= TB * TT - 2;
        tb->mask[n] = !pad;
        tb->labels[n] = pad ? PAD_IGNORE_INDEX : tb->ids[n];
    }
    memset(&tb->b, 0, sizeof tb->b);
    tb->b.B = TB;
    tb->b.T_src = TT;
    tb->b.src_ids = tb->ids;
    tb->b.src_mask = padded ? tb->mask : NULL;
    tb->b.labels = tb->labels;
}

static double family_loss(pad_model *m, const pad_batch *b)
{
    double loss = NAN;
    pad_error e;
    if (gpt2_family.forward(m, b, &loss, &e)) fprintf(stderr, "forward: %s\n", e.message);
    return loss;
}

/* ---------------- the plain reference (double, host) ---------------- */

static const float *ref_param(const pad_model *m, const float *host, const char *fmt, int l)
{
    char name[PAD_PARAM_NAME_MAX];
    snprintf(name, sizeof name, fmt, l);
    const pad_param *p = pad_param_table_find(&m->params, name);
    if (!p) {
        fprintf(stderr, "no parameter %s\n", name);
        exit(2);
    }
    return host + p->offset;
}

static void ref_layernorm(double *out, const double *x, const float *w, const float *b, int N,
                          int C, double eps)
{
    for (int n = 0; n < N; n++) {
        const double *xn = x + (size_t)n * C;
        double mean = 0, var = 0;
        for (int i = 0; i < C; i++) mean += xn[i] / C;
        for (int i = 0; i < C; i++) var += (xn[i] - mean) * (xn[i] - mean) / C;
        for (int i = 0; i < C; i++)
            out[(size_t)n * C + i] = (xn[i] - mean) / sqrt(var + eps) * w[i] + b[i];
    }
}

/* Conv1D: weight [C, OC] */
static void ref_conv1d(double *out, const double *x, const float *w, const float *bias, int N,
                       int C, int OC)
{
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = bias[o];
            for (int i = 0; i < C; i++) s += x[(size_t)n * C + i] * w[(size_t)i * OC + o];
            out[(size_t)n * OC + o] = s;
        }
}

static void ref_attention(double *out, const double *qkv, const int32_t *mask, int B, int T,
                          int C, int H)
{
    int D = C / H;
    double p[64];
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < T; i++) {
                const double *q = qkv + ((size_t)b * T + i) * 3 * C + h * D;
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j <= i; j++) {
                    const double *k = qkv + ((size_t)b * T + j) * 3 * C + C + h * D;
                    double s = 0;
                    for (int d = 0; d < D; d++) s += q[d] * k[d];
                    p[j] = (mask && !mask[b * T + j]) ? -INFINITY : s / sqrt((double)D);
                    if (p[j] > mx) mx = p[j];
                }
                for (int j = 0; j <= i; j++) sum += (p[j] = exp(p[j] - mx));
                double *o = out + ((size_t)b * T + i) * C + h * D;
                for (int d = 0; d < D; d++) {
                    o[d] = 0;
                    for (int j = 0; j <= i; j++)
                        o[d] += p[j] / sum * qkv[((size_t)b * T + j) * 3 * C + 2 * C + h * D + d];
                }
            }
}

static double gelu_new(double x)
{
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

static void ref_block(const pad_model *m, const float *w, int l, const pad_batch *bt, double *h)
{
    const gpt2_config *c = &m->config.gpt2;
    int N = bt->B * bt->T_src, C = c->n_embd, F = 4 * C;
    double *a = calloc((size_t)N * C, sizeof *a), *qkv = calloc((size_t)N * 3 * C, sizeof *qkv);
    double *att = calloc((size_t)N * C, sizeof *att), *fc = calloc((size_t)N * F, sizeof *fc);
    ref_layernorm(a, h, ref_param(m, w, "transformer.h.%d.ln_1.weight", l),
                  ref_param(m, w, "transformer.h.%d.ln_1.bias", l), N, C, c->layer_norm_epsilon);
    ref_conv1d(qkv, a, ref_param(m, w, "transformer.h.%d.attn.c_attn.weight", l),
               ref_param(m, w, "transformer.h.%d.attn.c_attn.bias", l), N, C, 3 * C);
    ref_attention(att, qkv, bt->src_mask, bt->B, bt->T_src, C, c->n_head);
    ref_conv1d(a, att, ref_param(m, w, "transformer.h.%d.attn.c_proj.weight", l),
               ref_param(m, w, "transformer.h.%d.attn.c_proj.bias", l), N, C, C);
    for (size_t i = 0; i < (size_t)N * C; i++) h[i] += a[i];
    ref_layernorm(a, h, ref_param(m, w, "transformer.h.%d.ln_2.weight", l),
                  ref_param(m, w, "transformer.h.%d.ln_2.bias", l), N, C, c->layer_norm_epsilon);
    ref_conv1d(fc, a, ref_param(m, w, "transformer.h.%d.mlp.c_fc.weight", l),
               ref_param(m, w, "transformer.h.%d.mlp.c_fc.bias", l), N, C, F);
    for (size_t i = 0; i < (size_t)N * F; i++) fc[i] = gelu_new(fc[i]);
    ref_conv1d(a, fc, ref_param(m, w, "transformer.h.%d.mlp.c_proj.weight", l),
               ref_param(m, w, "transformer.h.%d.mlp.c_proj.bias", l), N, F, C);
    for (size_t i = 0; i < (size_t)N * C; i++) h[i] += a[i];
    free(a);
    free(qkv);
    free(att);
    free(fc);
}

/* GPT2LMHeadModel in eval mode: fills logits [N, V], returns the loss. */
static double ref_forward(const pad_model *m, const float *w, const pad_batch *bt, double *logits)
{
    const gpt2_config *c = &m->config.gpt2;
    int B = bt->B, T = bt->T_src, N = B * T, C = c->n_embd, V = c->vocab_size;
    double *h = calloc((size_t)N * C, sizeof *h), *x = calloc((size_t)N * C, sizeof *x);
    const float *wte = ref_param(m, w, "transformer.wte.weight", 0);
    const float *wpe = ref_param(m, w, "transformer.wpe.weight", 0);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++)
            h[(size_t)n * C + i] = wte[bt->src_ids[n] * C + i] + (double)wpe[(n % T) * C + i];
    for (int l = 0; l < c->n_layer; l++) ref_block(m, w, l, bt, h);
    ref_layernorm(x, h, ref_param(m, w, "transformer.ln_f.weight", 0),
                  ref_param(m, w, "transformer.ln_f.bias", 0), N, C, c->layer_norm_epsilon);
    double total = 0;
    int count = 0;
    for (int n = 0; n < N; n++) {
        double *z = logits + (size_t)n * V, mx = -INFINITY, sum = 0;
        for (int v = 0; v < V; v++) {
            z[v] = 0;
            for (int i = 0; i < C; i++) z[v] += x[(size_t)n * C + i] * wte[v * C + i];
            mx = fmax(mx, z[v]);
        }
        int y = n % T + 1 < T ? bt->labels[n + 1] : PAD_IGNORE_INDEX;
        if (y == PAD_IGNORE_INDEX) continue;
        for (int v = 0; v < V; v++) sum += exp(z[v] - mx);
        total += mx + log(sum) - z[y];
        count++;
    }
    free(h);
    free(x);
    return count ? total / count : NAN;
}

/* ---------------- tests ---------------- */

static void test_config_defaults(void)
{
    gpt2_config c;
    memset(&c, 0x5a, sizeof c);
    gpt2_config_defaults(&c);
    CHECK(c.vocab_size == 50257 && c.n_positions == 1024 && c.n_embd == 768);
    CHECK(c.n_layer == 12 && c.n_head == 12 && c.n_inner == 0);
    CHECK(c.resid_pdrop == 0.1f && c.embd_pdrop == 0.1f && c.attn_pdrop == 0.1f);
    CHECK(c.layer_norm_epsilon == 1e-5f && c.initializer_range == 0.02f);
    CHECK(c.bos_token_id == 50256 && c.eos_token_id == 50256);
}

static void test_param_table_gpt2_small(void)
{
    pad_model_config mc = {.arch = PAD_ARCH_GPT2};
    gpt2_config_defaults(&mc.gpt2);
    pad_param_table t;
    pad_error e;
    pad_param_table_init(&t);
    CHECK(gpt2_family.build_params(&mc, &t, &e) == PAD_OK);
    CHECK(pad_param_table_count(&t) == 124439808);
    CHECK(t.count == 2 + 12 * 12 + 2);
    const pad_param *wte = pad_param_table_find(&t, "transformer.wte.weight");
    const pad_param *attn = pad_param_table_find(&t, "transformer.h.11.attn.c_attn.weight");
    const pad_param *proj = pad_param_table_find(&t, "transformer.h.3.mlp.c_proj.weight");
    const pad_param *bias = pad_param_table_find(&t, "transformer.h.0.mlp.c_fc.bias");
    const pad_param *lnf = pad_param_table_find(&t, "transformer.ln_f.bias");
    CHECK(wte && wte->shape[0] == 50257 && wte->shape[1] == 768 && !wte->decay);
    CHECK(attn && attn->shape[0] == 768 && attn->shape[1] == 2304 && attn->decay);
    CHECK(proj && proj->shape[0] == 3072 && proj->shape[1] == 768 && proj->decay);
    CHECK(bias && bias->ndim == 1 && bias->shape[0] == 3072 && !bias->decay);
    CHECK(lnf && !lnf->decay);
    CHECK(!pad_param_table_find(&t, "lm_head.weight"));
    pad_param_table_free(&t);

    /* an explicit n_inner of 4 * n_embd is the same model */
    mc.gpt2.n_inner = 3072;
    pad_param_table_init(&t);
    CHECK(gpt2_family.build_params(&mc, &t, &e) == PAD_OK);
    CHECK(pad_param_table_count(&t) == 124439808);
    pad_param_table_free(&t);
}

static double param_std(const pad_model *m, const float *w, const char *name, double *mean)
{
    const pad_param *p = pad_param_table_find(&m->params, name);
    int64_t n = pad_param_numel(p);
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < n; i++) s += w[p->offset + i];
    *mean = s / n;
    for (int64_t i = 0; i < n; i++) s2 += (w[p->offset + i] - *mean) * (w[p->offset + i] - *mean);
    return sqrt(s2 / n);
}

static void test_init(void)
{
    pad_model_config mc = tiny_config(0);
    mc.gpt2.vocab_size = 500;
    mc.gpt2.n_positions = 64;
    mc.gpt2.n_embd = 64;
    mc.gpt2.n_layer = 4;
    pad_backend *be = backend("cpu");
    pad_model *m;
    pad_error e;
    CHECK(pad_model_create(&m, &mc, be, &e) == PAD_OK);
    size_t n = m->params.buffer_numel;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    CHECK(pad_model_init_random(m, 42, &e) == PAD_OK && pad_model_get_params(m, a, &e) == PAD_OK);
    double mean, small = 0.02 / sqrt(8.0);
    const char *normal[] = {"transformer.wte.weight", "transformer.wpe.weight",
                            "transformer.h.1.attn.c_attn.weight", "transformer.h.3.mlp.c_fc.weight"};
    for (int i = 0; i < 4; i++) {
        double sd = param_std(m, a, normal[i], &mean);
        CHECK_MSG(fabs(sd - 0.02) < 0.001 && fabs(mean) < 0.001, "%s std %g", normal[i], sd);
    }
    double sd = param_std(m, a, "transformer.h.2.attn.c_proj.weight", &mean);
    CHECK_MSG(fabs(sd - small) < 0.05 * small, "attn.c_proj std %g", sd);
    sd = param_std(m, a, "transformer.h.0.mlp.c_proj.weight", &mean);
    CHECK_MSG(fabs(sd - small) < 0.05 * small, "mlp.c_proj std %g", sd);
    const pad_param *ln = pad_param_table_find(&m->params, "transformer.h.1.ln_2.weight");
    const pad_param *lb = pad_param_table_find(&m->params, "transformer.h.1.attn.c_attn.bias");
    CHECK(a[ln->offset] == 1.0f && a[ln->offset + 63] == 1.0f);
    CHECK(a[lb->offset] == 0.0f && a[lb->offset + 191] == 0.0f);
    /* the same seed gives the same weights, another seed others */
    CHECK(pad_model_init_random(m, 42, &e) == PAD_OK && pad_model_get_params(m, b, &e) == PAD_OK);
    CHECK(memcmp(a, b, n * sizeof *a) == 0);
    CHECK(pad_model_init_random(m, 43, &e) == PAD_OK && pad_model_get_params(m, b, &e) == PAD_OK);
    CHECK(a[0] != b[0] && a[n / 2] != b[n / 2]);
    free(a);
    free(b);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* cpu64 logits and loss equal the plain reference, padded rows included. */
static void test_forward_matches_reference(void)
{
    pad_backend *be = backend("cpu64");
    pad_model_config mc = tiny_config(0.1f); /* eval: dropout must stay off */
    pad_model *m = random_model(be, &mc, 5);
    for (int padded = 0; padded <= 1; padded++) {
        test_batch tb;
        make_batch(&tb, padded, 11 + padded);
        int N = TB * TT, V = mc.gpt2.vocab_size;
        float *w = malloc(m->params.buffer_numel * sizeof *w);
        double *ref = malloc((size_t)N * V * sizeof *ref), *got = malloc((size_t)N * V * sizeof *got);
        pad_error e;
        CHECK(pad_model_get_params(m, w, &e) == PAD_OK);
        double loss, want = ref_forward(m, w, &tb.b, ref);
        CHECK(pad_model_forward(m, &tb.b, &loss, &e) == PAD_OK);
        CHECK(m->logits_rows == N);
        be->ops->download(be, got, m->logits, (size_t)N * V * sizeof *got);
        double worst = 0;
        for (int i = 0; i < N * V; i++) worst = fmax(worst, fabs(got[i] - ref[i]));
        CHECK_MSG(worst < 1e-10, "padded %d: logits differ by %g", padded, worst);
        CHECK_MSG(fabs(loss - want) < 1e-10 && loss > 0.5, "loss %.12g vs %.12g", loss, want);
        free(w);
        free(ref);
        free(got);
    }
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* Central differences on cpu64 for one element of the parameter buffer. */
static double fd_grad(pad_model *m, const pad_batch *b, size_t i, double h)
{
    pad_backend *be = m->be;
    double *p = (double *)m->param_buf + i, x, xp = 0, xm = 0;
    be->ops->download(be, &x, p, sizeof x);
    xp = x + h;
    be->ops->upload(be, p, &xp, sizeof xp);
    double lp = family_loss(m, b);
    xm = x - h;
    be->ops->upload(be, p, &xm, sizeof xm);
    double lm = family_loss(m, b);
    be->ops->upload(be, p, &x, sizeof x);
    return (lp - lm) / (2 * h);
}

/* Every element of every parameter: backward vs finite differences.  The
 * forward is the family's own, so dropout_step stays where the test set it. */
static void gradcheck_all(pad_model *m, const pad_batch *b, const char *what)
{
    pad_error e;
    size_t n = m->params.buffer_numel;
    double *grad = malloc(n * sizeof *grad);
    pad_model_zero_grad(m);
    CHECK(isfinite(family_loss(m, b)));
    CHECK(pad_model_backward(m, &e) == PAD_OK);
    m->be->ops->download(m->be, grad, m->grad_buf, n * sizeof *grad);
    int64_t nonzero = 0, total = 0;
    for (int k = 0; k < m->params.count; k++) {
        const pad_param *p = &m->params.items[k];
        int64_t bad = 0, numel = pad_param_numel(p);
        double worst = 0;
        for (int64_t j = 0; j < numel; j++) {
            size_t i = p->offset + (size_t)j;
            double fd = fd_grad(m, b, i, 1e-5);
            double tol = 1e-8 + 1e-5 * fmax(fabs(fd), fabs(grad[i]));
            worst = fmax(worst, fabs(fd - grad[i]) / tol);
            bad += fabs(fd - grad[i]) > tol;
            nonzero += fabs(grad[i]) > 1e-9;
        }
        total += numel;
        CHECK_MSG(bad == 0, "%s: %s: %lld of %lld off, worst %.3g x tolerance", what, p->name,
                  (long long)bad, (long long)numel, worst);
    }
    CHECK_MSG(nonzero > total * 3 / 4, "%s: only %lld of %lld gradients non-zero", what,
              (long long)nonzero, (long long)total);
    free(grad);
}

static void test_gradcheck_cpu64(void)
{
    pad_backend *be = backend("cpu64");
    pad_model_config mc = tiny_config(0);
    pad_model *m = random_model(be, &mc, 7);
    test_batch tb;
    make_batch(&tb, 1, 3);
    gradcheck_all(m, &tb.b, "eval");
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_gradcheck_dropout(void)
{
    pad_backend *be = backend("cpu64");
    pad_model_config mc = tiny_config(0.3f);
    pad_model *m = random_model(be, &mc, 8);
    m->training = 1;
    m->dropout_seed = 99;
    m->dropout_step = 4;
    test_batch tb;
    make_batch(&tb, 1, 4);
    gradcheck_all(m, &tb.b, "dropout");
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* Loss and gradients of the float backend against cpu64, same weights. */
static void test_float_vs_double(void)
{
    pad_backend *b32 = backend("cpu"), *b64 = backend("cpu64");
    pad_model_config mc = tiny_config(0);
    pad_model *m32 = random_model(b32, &mc, 9), *m64 = random_model(b64, &mc, 9);
    test_batch tb;
    make_batch(&tb, 1, 6);
    size_t n = m32->params.buffer_numel;
    float *g32 = malloc(n * sizeof *g32), *g64 = malloc(n * sizeof *g64);
    double l32, l64;
    pad_error e;
    pad_model *ms[2] = {m32, m64};
    double *ls[2] = {&l32, &l64};
    float *gs[2] = {g32, g64};
    for (int i = 0; i < 2; i++) {
        pad_model_zero_grad(ms[i]);
        CHECK(pad_model_forward(ms[i], &tb.b, ls[i], &e) == PAD_OK);
        CHECK(pad_model_backward(ms[i], &e) == PAD_OK);
        CHECK(pad_model_get_grads(ms[i], gs[i], &e) == PAD_OK);
    }
    CHECK_MSG(fabs(l32 - l64) < 1e-4 * l64, "loss %.9g vs %.9g", l32, l64);
    double gmax = 0, worst = 0;
    for (size_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(g64[i]));
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(g32[i] - g64[i]));
    CHECK_MSG(gmax > 1e-3 && worst < 1e-4 * gmax, "grads differ by %g (max %g)", worst, gmax);
    free(g32);
    free(g64);
    pad_model_free(m32);
    pad_model_free(m64);
    pad_backend_destroy(b32);
    pad_backend_destroy(b64);
}

static void test_dropout(void)
{
    pad_backend *be = backend("cpu64");
    pad_model_config mc = tiny_config(0.2f);
    pad_model *m = random_model(be, &mc, 10);
    test_batch tb;
    make_batch(&tb, 1, 8);
    pad_error e;
    double eval = family_loss(m, &tb.b);
    m->training = 1;
    m->dropout_seed = 1234;
    m->dropout_step = 3;
    double a = family_loss(m, &tb.b), b = family_loss(m, &tb.b);
    CHECK(a == b);
    CHECK(a != eval);
    m->dropout_step = 4;
    CHECK(family_loss(m, &tb.b) != a);
    /* pad_model_forward advances the step: step 3 again after reset */
    m->dropout_step = 2;
    double c;
    CHECK(pad_model_forward(m, &tb.b, &c, &e) == PAD_OK);
    CHECK(c == a && m->dropout_step == 3);
    m->training = 0;
    CHECK(family_loss(m, &tb.b) == eval);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* A cpu64 backend whose dropout ops record the streams they are given. */
#define SPY_MAX 64
static pad_backend_ops spy_ops;
static const pad_backend_ops *spy_real;
static uint64_t spy_streams[SPY_MAX];
static int spy_count;

static void spy_note(uint64_t seed, uint64_t stream)
{
    CHECK(seed == 1234);
    if (spy_count < SPY_MAX) spy_streams[spy_count++] = stream;
}

static void spy_dropout_fwd(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                            uint64_t stream, size_t n)
{
    spy_note(seed, stream);
    spy_real->dropout_fwd(be, out, x, p, seed, stream, n);
}

static void spy_dropout_bwd(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                            uint64_t stream, size_t n)
{
    spy_note(seed, stream);
    spy_real->dropout_bwd(be, dx, dout, p, seed, stream, n);
}

static void spy_attention_fwd(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                              const void *q, const void *k, const void *v, const void *bias,
                              const int32_t *key_mask)
{
    if (d->dropout_p > 0) spy_note(d->seed, d->stream);
    spy_real->attention_fwd(be, d, out, probs, q, k, v, bias, key_mask);
}

static void spy_attention_bwd(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk,
                              void *dv, void *dbias, const void *dout, const void *q,
                              const void *k, const void *v, const void *probs,
                              const int32_t *key_mask)
{
    if (d->dropout_p > 0) spy_note(d->seed, d->stream);
    spy_real->attention_bwd(be, d, dq, dk, dv, dbias, dout, q, k, v, probs, key_mask);
}

static int sorted_distinct(uint64_t *x, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
            uint64_t t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
    for (int i = 1; i < n; i++)
        if (x[i] == x[i - 1]) return 0;
    return 1;
}

/* Every dropout site of a step has its own stream, the backward pass uses
 * the forward's, and the next step uses new ones. */
static void test_dropout_streams(void)
{
    pad_backend *be = backend("cpu64");
    spy_real = be->ops;
    spy_ops = *be->ops;
    spy_ops.dropout_fwd = spy_dropout_fwd;
    spy_ops.dropout_bwd = spy_dropout_bwd;
    spy_ops.attention_fwd = spy_attention_fwd;
    spy_ops.attention_bwd = spy_attention_bwd;
    be->ops = &spy_ops;
    pad_model_config mc = tiny_config(0.2f);
    pad_model *m = random_model(be, &mc, 16);
    m->training = 1;
    m->dropout_seed = 1234;
    test_batch tb;
    make_batch(&tb, 1, 12);
    pad_error e;
    int sites = 1 + 3 * mc.gpt2.n_layer;
    uint64_t fwd[SPY_MAX], bwd[SPY_MAX];
    spy_count = 0;
    CHECK(pad_model_forward(m, &tb.b, NULL, &e) == PAD_OK);
    CHECK(spy_count == sites);
    memcpy(fwd, spy_streams, sizeof fwd);
    CHECK(sorted_distinct(fwd, sites));
    spy_count = 0;
    CHECK(pad_model_backward(m, &e) == PAD_OK);
    CHECK(spy_count == sites);
    memcpy(bwd, spy_streams, sizeof bwd);
    sorted_distinct(bwd, sites);
    CHECK(memcmp(fwd, bwd, (size_t)sites * sizeof *fwd) == 0);
    spy_count = 0;
    CHECK(pad_model_forward(m, &tb.b, NULL, &e) == PAD_OK && spy_count == sites);
    memcpy(fwd + sites, spy_streams, (size_t)sites * sizeof *fwd);
    CHECK(sorted_distinct(fwd, 2 * sites));
    pad_model_free(m);
    be->ops = spy_real;
    pad_backend_destroy(be);
}

/* Changing token t changes logits from row t on, never before. */
static void test_causal(void)
{
    pad_backend *be = backend("cpu64");
    pad_model_config mc = tiny_config(0);
    pad_model *m = random_model(be, &mc, 12);
    test_batch tb;
    make_batch(&tb, 0, 9);
    int N = TB * TT, V = mc.gpt2.vocab_size;
    double *before = malloc((size_t)N * V * sizeof *before), *after = malloc((size_t)N * V * sizeof *after);
    (void)family_loss(m, &tb.b);
    be->ops->download(be, before, m->logits, (size_t)N * V * sizeof *before);
    tb.ids[4] = (tb.ids[4] + 5) % 13;
    (void)family_loss(m, &tb.b);
    be->ops->download(be, after, m->logits, (size_t)N * V * sizeof *after);
    int same_early = 1, same_other = 1, changed_late = 1;
    for (int t = 0; t < TT; t++) {
        int differs = memcmp(before + t * V, after + t * V, V * sizeof *before) != 0;
        if (t < 4) same_early &= !differs;
        else changed_late &= differs;
        same_other &= memcmp(before + (TT + t) * V, after + (TT + t) * V, V * sizeof *before) == 0;
    }
    CHECK(same_early);
    CHECK(changed_late);
    CHECK(same_other);
    free(before);
    free(after);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* A model that ran a larger batch gives the same results on a smaller one. */
static void test_batch_shapes(void)
{
    pad_backend *be = backend("cpu");
    pad_model_config mc = tiny_config(0);
    pad_model *m = random_model(be, &mc, 13), *fresh = random_model(be, &mc, 13);
    test_batch tb;
    make_batch(&tb, 1, 10);
    pad_batch small = tb.b;
    small.B = 1;
    small.T_src = 3; /* rows of 3 from the same ids: a different batch */
    double l_small, l_big, l_again, l_fresh;
    pad_error e;
    CHECK(pad_model_forward(m, &small, &l_small, &e) == PAD_OK && m->logits_rows == 3);
    CHECK(pad_model_forward(m, &tb.b, &l_big, &e) == PAD_OK && m->logits_rows == TB * TT);
    CHECK(pad_model_forward(m, &small, &l_again, &e) == PAD_OK);
    CHECK(pad_model_forward(fresh, &tb.b, &l_fresh, &e) == PAD_OK);
    CHECK(l_small == l_again && l_big == l_fresh && l_small != l_big);
    pad_model_free(m);
    pad_model_free(fresh);
    pad_backend_destroy(be);
}

static void test_no_targets(void)
{
    pad_backend *be = backend("cpu");
    pad_model_config mc = tiny_config(0);
    pad_model *m = random_model(be, &mc, 14);
    test_batch tb;
    make_batch(&tb, 0, 11);
    pad_error e;
    double loss = 0;
    CHECK(pad_model_backward(m, &e) == PAD_ERR_INVALID); /* nothing to go back through */
    tb.b.labels = NULL;
    CHECK(pad_model_forward(m, &tb.b, &loss, &e) == PAD_OK && isnan(loss) && m->logits);
    CHECK(pad_model_backward(m, &e) == PAD_ERR_INVALID);
    for (int n = 0; n < TB * TT; n++) tb.labels[n] = PAD_IGNORE_INDEX;
    tb.b.labels = tb.labels;
    loss = 0;
    CHECK(pad_model_forward(m, &tb.b, &loss, &e) == PAD_OK && isnan(loss));
    pad_model_zero_grad(m);
    CHECK(pad_model_backward(m, &e) == PAD_OK);
    size_t n = m->params.buffer_numel;
    float *g = malloc(n * sizeof *g);
    CHECK(pad_model_get_grads(m, g, &e) == PAD_OK);
    int zero = 1;
    for (size_t i = 0; i < n; i++) zero &= g[i] == 0.0f;
    CHECK(zero);
    free(g);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_errors(void)
{
    pad_backend *be = backend("cpu");
    pad_model_config mc = tiny_config(0);
    pad_model *m = random_model(be, &mc, 15);
    pad_error e;
    double loss;
    int32_t ids[17] = {0};
    pad_batch b = {.B = 1, .T_src = 17, .src_ids = ids};
    pad_error_clear(&e);
    CHECK(pad_model_forward(m, &b, &loss, &e) == PAD_ERR_INVALID);
    CHECK(strstr(e.message, "n_positions") != NULL);
    b.T_src = 16;
    CHECK(pad_model_forward(m, &b, &loss, &e) == PAD_OK);
    ids[3] = 13;
    CHECK(pad_model_forward(m, &b, &loss, &e) == PAD_ERR_INVALID);
    ids[3] = 1;
    int32_t labels[16];
    for (int i = 0; i < 16; i++) labels[i] = i % 13;
    labels[9] = -5;
    b.labels = labels;
    CHECK(pad_model_forward(m, &b, &loss, &e) == PAD_ERR_INVALID);
    pad_model_free(m);

    mc.gpt2.n_embd = 10;
    mc.gpt2.n_head = 4;
    pad_model *bad = NULL;
    CHECK(pad_model_create(&bad, &mc, be, &e) == PAD_ERR_INVALID && bad == NULL);
    CHECK(strstr(e.message, "n_head") != NULL);
    pad_backend_destroy(be);
}

int main(void)
{
    RUN(test_config_defaults);
    RUN(test_param_table_gpt2_small);
    RUN(test_init);
    RUN(test_forward_matches_reference);
    RUN(test_gradcheck_cpu64);
    RUN(test_gradcheck_dropout);
    RUN(test_float_vs_double);
    RUN(test_dropout);
    RUN(test_dropout_streams);
    RUN(test_causal);
    RUN(test_batch_shapes);
    RUN(test_no_targets);
    RUN(test_errors);
    return check_finish();
}
