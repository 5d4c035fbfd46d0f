/* Beam search without a model: the loop (beam_loop.c) runs over a fake
 * deterministic logits source and is compared with a direct transcription
 * of transformers' beam search (static shapes, -1e9 masks, batch-wide
 * stopping) written here; greedy, sampling and scorers are checked by their
 * defining properties. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "decode/beam_internal.h"

#define V 12
#define EOS 1
#define MAXT 24
#define NQ 5

/* ---- the fake model: logits are a pure function of (question, history) ---- */

typedef struct fake {
    uint64_t seed;
    float eos_bias;
    int rows;
    uint64_t hash[64];      /* per live row: its history's hash */
    int src[64];
    int calls;
} fake;

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static void fake_logits(const fake *f, uint64_t h, float *out)
{
    for (int v = 0; v < V; v++) out[v] = 4.0f * pad_rng_uniform_at(f->seed, h, v) - 2.0f;
    out[EOS] += f->eos_bias;
}

static uint64_t history_hash(int q, const int32_t *toks, int n)
{
    uint64_t h = mix(7, (uint64_t)q);
    for (int i = 0; i < n; i++) h = mix(h, (uint64_t)toks[i]);
    return h;
}

static int fake_k; /* rows per question at the first step */

static pad_status fake_step(void *ctx, int n_rows, const int32_t *parent, const int32_t *tokens,
                            float *logits, pad_error *err)
{
    (void)err;
    fake *f = ctx;
    uint64_t h[64];
    int src[64];
    for (int r = 0; r < n_rows; r++) {
        if (!parent) {
            src[r] = r / fake_k;
            h[r] = history_hash(src[r], NULL, 0);
        } else {
            CHECK(parent[r] >= 0 && parent[r] < f->rows);
            src[r] = f->src[parent[r]];
            h[r] = mix(f->hash[parent[r]], (uint64_t)tokens[r]);
        }
    }
    for (int r = 0; r < n_rows; r++) {
        /* the decoder's contract: groups of k rows from one source, in order */
        if (r % fake_k) CHECK(src[r] == src[r - r % fake_k]);
        if (r >= fake_k && r % fake_k == 0) CHECK(src[r] > src[r - 1]);
        f->hash[r] = h[r], f->src[r] = src[r];
        fake_logits(f, h[r], logits + (size_t)r * V);
    }
    f->rows = n_rows;
    f->calls++;
    return PAD_OK;
}

static beam_result run(fake *f, int B, const beam_options *o)
{
    beam_result r;
    pad_error err;
    fake_k = o->num_beams;
    f->rows = 0, f->calls = 0;
    beam_source src = {f, fake_step};
    pad_status st = beam_run(&src, B, V, EOS, MAXT < o->max_new_tokens ? MAXT : o->max_new_tokens,
                             o, &r, &err);
    CHECK_MSG(st == PAD_OK, "%s", err.message);
    return r;
}

/* ---- transformers' beam search for one question, transcribed ---- */

typedef struct ref_hyp {
    int32_t toks[MAXT];
    int len, flag;
    float score;
} ref_hyp;

/* indices of the m largest of x[0..n), descending, ties to the lower index */
static void top_m(const float *x, int n, int m, int *idx)
{
    uint8_t used[256] = {0};
    for (int j = 0; j < m; j++) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (!used[i] && (best < 0 || x[i] > x[best])) best = i;
        used[best] = 1;
        idx[j] = best;
    }
}

static int ref_beam(const fake *f, int q, const beam_options *o, ref_hyp *out)
{
    int k = o->num_beams, K = 2 * k, T = o->max_new_tokens;
    ref_hyp run[8], fin[8], cand[16];
    float rs[8], fs[8], acc[8 * V], logit[V];
    for (int b = 0; b < k; b++) {
        rs[b] = b ? -1e9f : 0.0f, fs[b] = -1e9f;
        run[b].len = 0, fin[b].len = 0, fin[b].flag = 0;
    }
    int unsatisfied = 1;
    for (int t = 0; t < T; t++) {
        for (int b = 0; b < k; b++) {
            fake_logits(f, history_hash(q, run[b].toks, t), logit);
            beam_log_softmax(logit, V);
            for (int v = 0; v < V; v++) acc[b * V + v] = logit[v] + rs[b];
        }
        int idx[16], hits[16], all_hit = 1, sel[16];
        float tv[16], runv[16], finv[24];
        top_m(acc, k * V, K, idx);
        int all_fin = 1;
        for (int b = 0; b < k; b++) all_fin &= fin[b].flag;
        for (int i = 0; i < K; i++) {
            int beam = idx[i] / V, tok = idx[i] % V;
            cand[i] = run[beam];
            cand[i].toks[t] = tok, cand[i].len = t + 1;
            tv[i] = acc[idx[i]];
            hits[i] = tok == EOS || t + 1 >= T;
            all_hit &= hits[i];
            runv[i] = tv[i] + (hits[i] ? -1e9f : 0.0f);
            float s = tv[i] / (float)pow(t + 1, o->length_penalty);
            s += (all_fin && o->early_stopping) ? -1e9f : 0.0f;
            s += unsatisfied ? 0.0f : -1e9f;
            s += (hits[i] && i < k) ? 0.0f : -1e9f;
            finv[k + i] = s;
            cand[i].flag = hits[i] && i < k;
            cand[i].score = s;
        }
        top_m(runv, K, k, sel);
        for (int b = 0; b < k; b++) run[b] = cand[sel[b]], rs[b] = runv[sel[b]];
        ref_hyp merged[24];
        for (int b = 0; b < k; b++) merged[b] = fin[b], finv[b] = fs[b];
        for (int i = 0; i < K; i++) merged[k + i] = cand[i];
        top_m(finv, k + K, k, sel);
        for (int b = 0; b < k; b++) fin[b] = merged[sel[b]], fs[b] = finv[sel[b]];
        float worst = fs[0];
        all_fin = 1;
        for (int b = 0; b < k; b++) {
            if (fs[b] < worst) worst = fs[b];
            all_fin &= fin[b].flag;
        }
        int any = 0;
        for (int b = 0; b < k; b++)
            any |= rs[0] / (float)pow(t + 1, o->length_penalty) > (fin[b].flag ? worst : -1e9f);
        unsatisfied &= any;
        if (!unsatisfied || (all_fin && o->early_stopping) || all_hit) break;
    }
    for (int i = 0; i < o->num_return; i++) out[i] = fin[i], out[i].score = fs[i];
    return o->num_return;
}

static beam_options opts(int k, float lp, int es, int nret, int max_new)
{
    beam_options o;
    beam_options_default(&o);
    o.num_beams = k, o.num_return = nret, o.length_penalty = lp, o.early_stopping = es;
    o.max_new_tokens = max_new;
    return o;
}

/* ---- cases ---- */

static void test_log_softmax(void)
{
    float x[37];
    check_fill_uniform(x, 37, 3, -30.0f, 30.0f);
    double mx = -1e30, s = 0.0;
    for (int i = 0; i < 37; i++) mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < 37; i++) s += exp(x[i] - mx);
    float y[37];
    memcpy(y, x, sizeof y);
    beam_log_softmax(y, 37);
    double total = 0.0;
    for (int i = 0; i < 37; i++) {
        CHECK(fabs(y[i] - (x[i] - mx - log(s))) < 1e-5);
        total += exp(y[i]);
    }
    CHECK(fabs(total - 1.0) < 1e-5);
}

static void test_top_candidates(void)
{
    enum { K = 3, W = 9 };
    float lp[K * V], sums[K] = {-1.5f, -INFINITY, -0.25f};
    double raws[K] = {-2.0, 0.0, -1.0};
    check_fill_uniform(lp, K * V, 11, -4.0f, -0.1f);
    beam_cand c[W];
    int n = beam_top_candidates(lp, K, V, sums, raws, W, c);
    CHECK(n == W);
    /* brute force: no live continuation outside the list beats its last */
    for (int i = 1; i < n; i++) CHECK(c[i - 1].sum >= c[i].sum);
    for (int i = 0; i < n; i++) {
        CHECK(c[i].beam != 1);
        CHECK(c[i].sum == lp[c[i].beam * V + c[i].token] + sums[c[i].beam]);
        CHECK(fabs(c[i].raw - (lp[c[i].beam * V + c[i].token] + raws[c[i].beam])) < 1e-9);
    }
    int better = 0;
    for (int b = 0; b < K; b += 2)
        for (int v = 0; v < V; v++) better += lp[b * V + v] + sums[b] > c[W - 1].sum;
    CHECK(better == W - 1);
}

static void test_finished_set(void)
{
    beam_finished f = {calloc(3, sizeof(beam_hyp)), 0, 3};
    int32_t toks[4] = {5, 6, 7, 8};
    float scores[6] = {-2.0f, -1.0f, -3.0f, -0.5f, -4.0f, -1.0f};
    for (int i = 0; i < 6; i++)
        CHECK(beam_finished_offer(&f, toks, 1 + i % 4, scores[i], i, i % 2, NULL) == PAD_OK);
    CHECK(f.count == 3);
    CHECK(f.hyps[0].score == -0.5f && f.hyps[1].score == -1.0f && f.hyps[2].score == -1.0f);
    CHECK(f.hyps[1].logprob == 1.0 && f.hyps[2].logprob == 5.0); /* equal: the older first */
    CHECK(f.hyps[0].len == 4 && f.hyps[0].tokens[3] == 8 && f.hyps[0].finished == 1);
    beam_finished_free(&f);
}

/* The loop equals the transcription for every setting, batched. */
static void test_matches_transformers_rules(void)
{
    int ks[3] = {2, 3, 4}, cut = 0, eos_end = 0, es_differs = 0, mismatches = 0;
    float lps[3] = {0.6f, 1.0f, 2.0f};
    for (int seed = 0; seed < 6; seed++) {
        fake f = {.seed = 100 + seed, .eos_bias = 0.4f * (seed % 3)};
        for (int ki = 0; ki < 3; ki++)
            for (int li = 0; li < 3; li++) {
                beam_result by_es[2];
                for (int es = 0; es < 2; es++) {
                    beam_options o = opts(ks[ki], lps[li], es, ks[ki] - ki % 2, 6 + 3 * seed);
                    beam_result r = run(&f, NQ, &o);
                    for (int q = 0; q < NQ; q++) {
                        ref_hyp want[8];
                        int n = ref_beam(&f, q, &o, want);
                        CHECK(r.count[q] == n);
                        for (int i = 0; i < n && i < r.count[q]; i++) {
                            beam_hyp *h = &r.hyps[q][i];
                            int same = h->len == want[i].len && h->score == want[i].score &&
                                       !memcmp(h->tokens, want[i].toks, h->len * 4);
                            mismatches += !same;
                            cut += !h->finished;
                            eos_end += h->finished;
                            CHECK(h->finished == (h->tokens[h->len - 1] == EOS));
                        }
                    }
                    by_es[es] = r;
                }
                for (int q = 0; q < NQ; q++)
                    for (int i = 0; i < by_es[0].count[q]; i++)
                        es_differs += by_es[0].hyps[q][i].len != by_es[1].hyps[q][i].len;
                beam_result_free(&by_es[0]);
                beam_result_free(&by_es[1]);
            }
    }
    CHECK_MSG(mismatches == 0, "%d hypotheses differ from the transcription", mismatches);
    CHECK(cut > 0 && eos_end > 0);
    CHECK(es_differs > 0);
}

/* n-best: num_return hypotheses, best first, scored sum / len^lp. */
static void test_nbest_and_length_penalty(void)
{
    fake f = {.seed = 7, .eos_bias = 0.8f};
    int lp_changes = 0;
    beam_result prev = {0};
    for (int li = 0; li < 3; li++) {
        float lp = li == 0 ? 0.0f : li == 1 ? 1.0f : 3.0f;
        beam_options o = opts(4, lp, 0, 3, 14);
        beam_result r = run(&f, NQ, &o);
        for (int q = 0; q < NQ; q++) {
            CHECK(r.count[q] == 3);
            for (int i = 0; i < r.count[q]; i++) {
                beam_hyp *h = &r.hyps[q][i];
                if (i) CHECK(r.hyps[q][i - 1].score >= h->score);
                double want = h->logprob / pow(h->len, lp);
                CHECK(fabs(h->score - want) < 1e-4 * (1 + fabs(want)));
                if (li) lp_changes += h->len != prev.hyps[q][i].len;
            }
        }
        beam_result_free(&prev);
        prev = r;
    }
    beam_result_free(&prev);
    CHECK(lp_changes > 0);
}

/* Greedy: the argmax chain, ending at its first eos; and questions that
 * finish leave the batch (fewer rows asked for). */
static void test_greedy(void)
{
    fake f = {.seed = 21, .eos_bias = 1.2f};
    beam_options o = opts(1, 1.0f, 0, 1, 20);
    beam_result r = run(&f, NQ, &o);
    int short_one = 0;
    for (int q = 0; q < NQ; q++) {
        int32_t toks[MAXT];
        int n = 0;
        float logit[V];
        for (;;) {
            fake_logits(&f, history_hash(q, toks, n), logit);
            int best = 0;
            for (int v = 1; v < V; v++) best = logit[v] > logit[best] ? v : best;
            toks[n++] = best;
            if (best == EOS || n == 20) break;
        }
        CHECK(r.count[q] == 1 && r.hyps[q][0].len == n);
        CHECK(!memcmp(r.hyps[q][0].tokens, toks, n * sizeof *toks));
        short_one |= n < 20;
    }
    CHECK(short_one);
    CHECK(r.generated_tokens < (long)NQ * r.steps);
    beam_result_free(&r);
}

static int same_result(const beam_result *a, const beam_result *b)
{
    for (int q = 0; q < a->B; q++) {
        if (a->count[q] != b->count[q]) return 0;
        for (int i = 0; i < a->count[q]; i++)
            if (a->hyps[q][i].len != b->hyps[q][i].len ||
                memcmp(a->hyps[q][i].tokens, b->hyps[q][i].tokens, a->hyps[q][i].len * 4))
                return 0;
    }
    return 1;
}

static void test_sampling(void)
{
    fake f = {.seed = 33, .eos_bias = 0.3f};
    beam_options o = opts(1, 1.0f, 0, 1, 16);
    beam_result greedy = run(&f, NQ, &o);
    o.do_sample = 1, o.seed = 5, o.temperature = 0.9f, o.top_p = 0.95f;
    beam_result a = run(&f, NQ, &o), b = run(&f, NQ, &o);
    CHECK(same_result(&a, &b));
    CHECK(!same_result(&a, &greedy));
    o.seed = 6;
    beam_result c = run(&f, NQ, &o);
    CHECK(!same_result(&a, &c));
    o.top_p = 1e-6f;
    beam_result tiny = run(&f, NQ, &o);
    CHECK(same_result(&tiny, &greedy));
    beam_result_free(&greedy);
    beam_result_free(&a);
    beam_result_free(&b);
    beam_result_free(&c);
    beam_result_free(&tiny);
}

/* The sampler's frequencies follow softmax(x / T) on the nucleus. */
static void test_sample_distribution(void)
{
    float x[V];
    check_fill_uniform(x, V, 9, -2.0f, 2.0f);
    beam_prob work[V];
    double p[V], total = 0.0, count[V] = {0};
    for (int v = 0; v < V; v++) total += p[v] = exp(x[v] / 0.7);
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        int32_t t = beam_sample_token(x, V, 0.7f, 1.0f, pad_rng_uniform_at(1, 2, i), NULL, work);
        count[t] += 1.0;
    }
    for (int v = 0; v < V; v++) CHECK(fabs(count[v] / N - p[v] / total) < 0.015);
    /* top_p 0.5: only the most likely tokens holding half the mass appear */
    uint8_t excluded[V] = {0};
    int top = 0;
    for (int v = 1; v < V; v++) top = x[v] > x[top] ? v : top;
    excluded[top] = 1;
    for (int i = 0; i < 200; i++) {
        int32_t t = beam_sample_token(x, V, 0.7f, 0.5f, pad_rng_uniform_at(1, 3, i), excluded,
                                      work);
        CHECK(t != top);
        double above = 0.0;
        for (int v = 0; v < V; v++)
            if (v != top && p[v] > p[t]) above += p[v];
        CHECK(above < 0.5 * (total - p[top]));
    }
}

/* ---- scorers ---- */

#define BAD 3 /* a line-ending token the scorer dislikes */

typedef struct judge_ctx {
    int drop;               /* drop BAD, else add penalty */
    float penalty;
    int drop_eos;
    int calls, finished_calls;
} judge_ctx;

static pad_status judge_bad(void *ctx, int q, const int32_t *tokens, int len, int finished,
                            int *drop, float *adjust, pad_error *err)
{
    (void)q, (void)err;
    judge_ctx *j = ctx;
    j->calls++;
    j->finished_calls += finished;
    CHECK(finished == (tokens[len - 1] == EOS));
    int bad = tokens[len - 1] == BAD;
    *drop = (bad && j->drop) || (finished && j->drop_eos);
    *adjust = bad ? j->penalty : 0.0f;
    return PAD_OK;
}

static int count_token(const beam_hyp *h, int32_t tok)
{
    int n = 0;
    for (int i = 0; i < h->len; i++) n += h->tokens[i] == tok;
    return n;
}

static void test_scorer(void)
{
    fake f = {.seed = 77, .eos_bias = 0.5f};
    uint8_t line_end[V] = {0};
    line_end[2] = line_end[BAD] = 1;
    beam_options o = opts(3, 1.0f, 0, 3, 12);
    o.line_end = line_end;
    beam_result plain = run(&f, NQ, &o);
    int bad_plain = 0;
    for (int q = 0; q < NQ; q++)
        for (int i = 0; i < plain.count[q]; i++) bad_plain += count_token(&plain.hyps[q][i], BAD);
    CHECK(bad_plain > 0);

    judge_ctx jd = {1, 0.0f, 0, 0, 0};
    beam_scorer sc = {&jd, judge_bad};
    o.scorer = &sc;
    beam_result dropped = run(&f, NQ, &o);
    for (int q = 0; q < NQ; q++) {
        CHECK(dropped.count[q] == 3);
        for (int i = 0; i < dropped.count[q]; i++) CHECK(count_token(&dropped.hyps[q][i], BAD) == 0);
    }
    CHECK(jd.calls > 0 && jd.finished_calls > 0);

    judge_ctx jp = {0, -0.4f, 0, 0, 0};
    sc.ctx = &jp;
    beam_result pen = run(&f, NQ, &o);
    int penalised = 0;
    for (int q = 0; q < NQ; q++)
        for (int i = 0; i < pen.count[q]; i++) {
            beam_hyp *h = &pen.hyps[q][i];
            int nb = count_token(h, BAD);
            penalised += nb > 0;
            double want = (h->logprob + nb * -0.4) / h->len;
            CHECK(fabs(h->score - want) < 1e-4 * (1 + fabs(want)));
        }
    CHECK(penalised > 0);
    CHECK(!same_result(&pen, &plain) && !same_result(&pen, &dropped));

    /* greedy with a scorer that drops every eos: rows run to the limit */
    beam_options g = opts(1, 1.0f, 0, 1, 9);
    beam_result g_plain = run(&f, NQ, &g);
    judge_ctx je = {0, 0.0f, 1, 0, 0};
    beam_scorer no_eos = {&je, judge_bad};
    g.scorer = &no_eos;
    g.line_end = line_end;
    beam_result g_run = run(&f, NQ, &g);
    int had_eos = 0;
    for (int q = 0; q < NQ; q++) {
        had_eos += g_plain.hyps[q][0].finished;
        CHECK(g_run.count[q] == 1 && g_run.hyps[q][0].len == 9 && !g_run.hyps[q][0].finished);
        CHECK(count_token(&g_run.hyps[q][0], EOS) == 0);
    }
    CHECK(had_eos > 0 && je.finished_calls > 0);
    beam_result_free(&g_plain);
    beam_result_free(&g_run);
    beam_result_free(&plain);
    beam_result_free(&dropped);
    beam_result_free(&pen);
}

/* A scorer that leaves fewer than k live candidates: the group is filled
 * with dead rows, and only surviving tokens appear. */
static pad_status keep_zero(void *ctx, int q, const int32_t *tokens, int len, int finished,
                            int *drop, float *adjust, pad_error *err)
{
    (void)ctx, (void)q, (void)finished, (void)err;
    *drop = tokens[len - 1] != 0 && tokens[len - 1] != EOS;
    *adjust = 0.0f;
    return PAD_OK;
}

static void test_few_survivors(void)
{
    fake f = {.seed = 5, .eos_bias = 0.5f};
    uint8_t line_end[V];
    memset(line_end, 1, sizeof line_end);
    beam_scorer sc = {NULL, keep_zero};
    beam_options o = opts(3, 1.0f, 0, 3, 10);
    o.line_end = line_end, o.scorer = &sc;
    beam_result r = run(&f, NQ, &o);
    for (int q = 0; q < NQ; q++) {
        CHECK(r.count[q] >= 1);
        for (int i = 0; i < r.count[q]; i++)
            CHECK(count_token(&r.hyps[q][i], 0) + count_token(&r.hyps[q][i], EOS) ==
                  r.hyps[q][i].len);
    }
    beam_result_free(&r);
    o = opts(2, 1.0f, 0, 1, 5);
    r = run(&f, 0, &o); /* no questions: nothing to do */
    CHECK(r.B == 0 && f.calls == 0);
    beam_result_free(&r);
}

static void test_bad_options(void)
{
    fake f = {.seed = 1};
    beam_options o = opts(2, 1.0f, 0, 3, 5);
    beam_result r;
    pad_error err;
    beam_source src = {&f, fake_step};
    CHECK(beam_run(&src, 2, V, EOS, 5, &o, &r, &err) == PAD_ERR_INVALID);
    beam_result_free(&r);
    o = opts(2, 1.0f, 0, 1, 5);
    o.do_sample = 1;
    CHECK(beam_run(&src, 2, V, EOS, 5, &o, &r, &err) == PAD_ERR_INVALID);
    beam_result_free(&r);
}

int main(void)
{
    RUN(test_log_softmax);
    RUN(test_top_candidates);
    RUN(test_finished_set);
    RUN(test_matches_transformers_rules);
    RUN(test_nbest_and_length_penalty);
    RUN(test_greedy);
    RUN(test_sampling);
    RUN(test_sample_distribution);
    RUN(test_scorer);
    RUN(test_few_survivors);
    RUN(test_bad_options);
    return check_finish();
}
