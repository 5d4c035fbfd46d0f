/* pad: the beam search loop over a beam_source (see beam_internal.h).
 *
 * Per step and live question: log-softmax of its k rows, the best
 * continuations (2k as transformers takes, more when a scorer may drop
 * some), the scorer's verdict on those that end a line or the program,
 * then transformers' bookkeeping: among the first k, those ending in eos
 * (or reaching the token limit) are offered to the finished set; the best
 * k others become the next beams.  A finished question leaves the batch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "decode/beam_internal.h"

/* Draws per sampled token: a dropped draw is excluded and drawn again. */
#define SAMPLE_TRIES 16

typedef struct question {
    int q;                  /* index in the call */
    float *sums;            /* [k] ranking sums; -INFINITY: a dead beam */
    double *raws;           /* [k] plain log-probability sums */
    int32_t *hist;          /* [k, max_steps] each beam's tokens */
    beam_finished fin;
} question;

typedef struct loop {
    const beam_options *o;
    int B, k, vocab, max_steps, pool;
    int32_t eos;
    question *qs;
    int *live;              /* live questions in row order */
    int n_live;
    float *logits;          /* [B*k, vocab] */
    beam_cand *cands;       /* [pool] */
    int32_t *parent, *tokens;
    float *next_sums;       /* [k] */
    double *next_raws;
    int32_t *next_hist;     /* [k, max_steps], swapped with a question's */
    int32_t *seq;           /* [max_steps] a candidate's tokens for the scorer */
    beam_prob *probs;       /* [vocab] sampling */
    uint8_t *excluded;      /* [vocab] sampling */
} loop;

static void loop_free(loop *L)
{
    for (int i = 0; L->qs && i < L->B; i++) {
        free(L->qs[i].sums);
        free(L->qs[i].raws);
        free(L->qs[i].hist);
        beam_finished_free(&L->qs[i].fin);
    }
    free(L->qs);
    free(L->live);
    free(L->logits);
    free(L->cands);
    free(L->parent);
    free(L->tokens);
    free(L->next_sums);
    free(L->next_raws);
    free(L->next_hist);
    free(L->seq);
    free(L->probs);
    free(L->excluded);
}

static pad_status loop_init(loop *L, int B, int vocab, int32_t eos, int max_steps,
                            const beam_options *o, pad_error *err)
{
    memset(L, 0, sizeof *L);
    int k = o->num_beams;
    size_t rows = (size_t)B * k + 1, hist = (size_t)k * max_steps; /* + 1: B may be 0 */
    L->o = o, L->B = B, L->k = k, L->vocab = vocab, L->max_steps = max_steps, L->eos = eos;
    /* a scorer may drop candidates: look further than HF's 2k for survivors */
    long pool = o->scorer ? 4L * k + 8 : k == 1 ? 1 : 2L * k;
    L->pool = (int)(pool < (long)k * vocab ? pool : (long)k * vocab);
    L->qs = calloc(rows, sizeof *L->qs);
    L->live = malloc(rows * sizeof *L->live);
    L->logits = malloc(rows * vocab * sizeof *L->logits);
    L->cands = malloc((size_t)L->pool * sizeof *L->cands);
    L->parent = malloc(rows * sizeof *L->parent);
    L->tokens = malloc(rows * sizeof *L->tokens);
    L->next_sums = malloc((size_t)k * sizeof *L->next_sums);
    L->next_raws = malloc((size_t)k * sizeof *L->next_raws);
    L->next_hist = malloc(hist * sizeof *L->next_hist);
    L->seq = malloc((size_t)max_steps * sizeof *L->seq);
    L->probs = malloc((size_t)vocab * sizeof *L->probs);
    L->excluded = malloc((size_t)vocab);
    int ok = L->qs && L->live && L->logits && L->cands && L->parent && L->tokens &&
             L->next_sums && L->next_raws && L->next_hist && L->seq && L->probs && L->excluded;
    for (int i = 0; ok && i < B; i++) {
        question *Q = &L->qs[i];
        Q->q = i;
        Q->sums = malloc((size_t)k * sizeof *Q->sums);
        Q->raws = calloc((size_t)k, sizeof *Q->raws);
        Q->hist = malloc(hist * sizeof *Q->hist);
        Q->fin.hyps = calloc((size_t)k, sizeof *Q->fin.hyps);
        Q->fin.cap = k;
        ok = Q->sums && Q->raws && Q->hist && Q->fin.hyps;
        /* the k rows of a question start identical: only the first is live
         * (transformers starts the others at -1e9 for the same effect) */
        for (int b = 0; ok && b < k; b++) Q->sums[b] = b ? -INFINITY : 0.0f;
        L->live[i] = i;
    }
    L->n_live = B;
    if (!ok) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for beam search state");
    return PAD_OK;
}

/* Asks the scorer about candidate c of Q at step t when its token ends a
 * line or the program. */
static pad_status judge(loop *L, const question *Q, const beam_cand *c, int t, int *drop,
                        float *adjust, pad_error *err)
{
    const beam_options *o = L->o;
    *drop = 0, *adjust = 0.0f;
    int is_eos = c->token == L->eos;
    if (!o->scorer || !(is_eos || (o->line_end && o->line_end[c->token]))) return PAD_OK;
    memcpy(L->seq, Q->hist + (size_t)c->beam * L->max_steps, (size_t)t * sizeof *L->seq);
    L->seq[t] = c->token;
    return o->scorer->score(o->scorer->ctx, Q->q, L->seq, t + 1, is_eos, drop, adjust, err);
}

/* Runs the scorer over the pool, removes dropped candidates, adds the
 * adjustments and sorts again (stable: HF's order among equals).  Returns
 * the number left in *n. */
static pad_status judge_pool(loop *L, const question *Q, int t, int *n, pad_error *err)
{
    int kept = 0;
    for (int i = 0; i < *n; i++) {
        beam_cand c = L->cands[i];
        int drop;
        float adjust;
        pad_status st = judge(L, Q, &c, t, &drop, &adjust, err);
        if (st) return st;
        if (drop) continue;
        c.sum += adjust;
        int j = kept++;
        while (j > 0 && c.sum > L->cands[j - 1].sum) {
            L->cands[j] = L->cands[j - 1];
            j--;
        }
        L->cands[j] = c;
    }
    *n = kept;
    return PAD_OK;
}

/* Sampling: one candidate drawn from the (already log-softmaxed) row,
 * redrawn without a token the scorer dropped.  Returns 0 or 1 in *n. */
static pad_status sample_one(loop *L, const question *Q, const float *lp, int t, int *n,
                             pad_error *err)
{
    const beam_options *o = L->o;
    memset(L->excluded, 0, (size_t)L->vocab);
    *n = 0;
    for (int a = 0; a < SAMPLE_TRIES; a++) {
        float u = pad_rng_uniform_at(o->seed, (uint64_t)Q->q, (uint64_t)t * SAMPLE_TRIES + a);
        int32_t tok = beam_sample_token(lp, L->vocab, o->temperature, o->top_p, u, L->excluded,
                                        L->probs);
        if (tok < 0) return PAD_OK;
        beam_cand c = {Q->sums[0] + lp[tok], Q->raws[0] + lp[tok], 0, tok};
        int drop;
        float adjust;
        pad_status st = judge(L, Q, &c, t, &drop, &adjust, err);
        if (st) return st;
        if (drop) {
            L->excluded[tok] = 1;
            continue;
        }
        c.sum += adjust;
        L->cands[0] = c;
        *n = 1;
        return PAD_OK;
    }
    return PAD_OK;
}

/* Offers candidate c (beam history + its token) as a hypothesis. */
static pad_status finish(loop *L, question *Q, const beam_cand *c, int t, pad_error *err)
{
    memcpy(L->seq, Q->hist + (size_t)c->beam * L->max_steps, (size_t)t * sizeof *L->seq);
    L->seq[t] = c->token;
    float score = beam_length_score(c->sum, t + 1, L->o->length_penalty);
    return beam_finished_offer(&Q->fin, L->seq, t + 1, score, c->raw, c->token == L->eos, err);
}

/* Makes candidate c the r-th next beam of Q; its row is old row base+beam. */
static void keep(loop *L, const question *Q, const beam_cand *c, int r, int t, int base,
                 int32_t *parent, int32_t *tokens)
{
    int32_t *h = L->next_hist + (size_t)r * L->max_steps;
    memcpy(h, Q->hist + (size_t)c->beam * L->max_steps, (size_t)t * sizeof *h);
    h[t] = c->token;
    L->next_sums[r] = c->sum;
    L->next_raws[r] = c->raw;
    parent[r] = base + c->beam;
    tokens[r] = c->token;
}

/* Transformers' rule after the candidates of step t are ranked (n of them
 * in L->cands).  Sets *cont when Q goes on; its k rows are then written at
 * parent/tokens. */
static pad_status advance(loop *L, question *Q, int n, int t, int base, int32_t *parent,
                          int32_t *tokens, int *cont, pad_error *err)
{
    const beam_options *o = L->o;
    int k = L->k, at_max = t + 1 >= L->max_steps, running = 0;
    int single = k == 1; /* greedy and sampling: the row ends at its first eos */
    *cont = 0;
    for (int i = 0; i < n && running < k; i++) {
        const beam_cand *c = &L->cands[i];
        if (c->token == L->eos || at_max) {
            if (i >= k) continue; /* only the first k may finish (HF) */
            pad_status st = finish(L, Q, c, t, err);
            if (st) return st;
            if (single) return PAD_OK;
        } else {
            keep(L, Q, c, running++, t, base, parent, tokens);
        }
    }
    if (at_max || running == 0) return PAD_OK;
    if (Q->fin.count == k) {
        if (o->early_stopping) return PAD_OK;
        /* HF's heuristic: the best live sum at the current length cannot
         * beat the worst finished hypothesis */
        float best = beam_length_score(L->next_sums[0], t + 1, o->length_penalty);
        if (!(best > Q->fin.hyps[k - 1].score)) return PAD_OK;
    }
    for (int r = running; r < k; r++) { /* too few survivors: dead copies fill the group */
        memcpy(L->next_hist + (size_t)r * L->max_steps, L->next_hist,
               (size_t)(t + 1) * sizeof *L->next_hist);
        L->next_sums[r] = -INFINITY, L->next_raws[r] = 0.0;
        parent[r] = parent[0], tokens[r] = tokens[0];
    }
    memcpy(Q->sums, L->next_sums, (size_t)k * sizeof *Q->sums);
    memcpy(Q->raws, L->next_raws, (size_t)k * sizeof *Q->raws);
    int32_t *h = Q->hist;
    Q->hist = L->next_hist, L->next_hist = h;
    *cont = 1;
    return PAD_OK;
}

/* Step t for the question in row group g; writes its next rows at *n_next. */
static pad_status step_question(loop *L, int g, int t, int *n_next, int *cont, pad_error *err)
{
    const beam_options *o = L->o;
    question *Q = &L->qs[L->live[g]];
    int k = L->k, base = g * k, n;
    float *lp = L->logits + (size_t)base * L->vocab;
    for (int b = 0; b < k; b++) beam_log_softmax(lp + (size_t)b * L->vocab, L->vocab);
    pad_status st;
    if (o->do_sample) {
        st = sample_one(L, Q, lp, t, &n, err);
    } else {
        n = beam_top_candidates(lp, k, L->vocab, Q->sums, Q->raws, L->pool, L->cands);
        st = o->scorer ? judge_pool(L, Q, t, &n, err) : PAD_OK;
    }
    if (st) return st;
    int cap = k == 1 ? 1 : 2 * k;
    if (n > cap) n = cap;
    st = advance(L, Q, n, t, base, L->parent + *n_next, L->tokens + *n_next, cont, err);
    if (!st && *cont) *n_next += k;
    return st;
}

static pad_status check_options(const beam_options *o, int B, int vocab, int max_steps,
                                pad_error *err)
{
    if (o->num_beams < 1 || o->num_return < 1 || o->num_return > o->num_beams)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "beam search needs num_beams >= 1 and 1 <= num_return <= num_beams "
                             "(got %d and %d)", o->num_beams, o->num_return);
    if (o->do_sample && o->num_beams != 1)
        return pad_error_set(err, PAD_ERR_INVALID, "sampling decodes with num_beams 1 (got %d)",
                             o->num_beams);
    if (o->do_sample && !(o->temperature > 0.0f && o->top_p > 0.0f && o->top_p <= 1.0f))
        return pad_error_set(err, PAD_ERR_INVALID,
                             "sampling needs temperature > 0 and top_p in (0, 1] (got %g, %g)",
                             o->temperature, o->top_p);
    if (B < 0 || vocab < 1 || max_steps < 1)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "beam search over %d questions, vocabulary %d, %d steps", B, vocab,
                             max_steps);
    return PAD_OK;
}

/* Hands each question's best num_return hypotheses to the result. */
static pad_status collect(loop *L, beam_result *out, pad_error *err)
{
    out->count = calloc((size_t)L->B + 1, sizeof *out->count);
    out->hyps = calloc((size_t)L->B + 1, sizeof *out->hyps);
    if (!out->count || !out->hyps) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int i = 0; i < L->B; i++) {
        beam_finished *f = &L->qs[i].fin;
        while (f->count > L->o->num_return) free(f->hyps[--f->count].tokens);
        out->count[i] = f->count;
        out->hyps[i] = f->hyps;
        f->hyps = NULL, f->count = 0;
    }
    return PAD_OK;
}

pad_status beam_run(const beam_source *src, int B, int vocab, int32_t eos, int max_steps,
                    const beam_options *o, beam_result *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    out->B = B;
    pad_status st = check_options(o, B, vocab, max_steps, err);
    if (st) return st;
    loop L;
    st = loop_init(&L, B, vocab, eos, max_steps, o, err);
    int n_rows = B * L.k;
    if (!st && B > 0) {
        st = src->step(src->ctx, n_rows, NULL, NULL, L.logits, err);
        out->generated_tokens += n_rows, out->steps++;
    }
    for (int t = 0; !st && L.n_live > 0; t++) {
        int n_next = 0, still = 0;
        for (int g = 0; !st && g < L.n_live; g++) {
            int cont;
            st = step_question(&L, g, t, &n_next, &cont, err);
            if (!st && cont) L.live[still++] = L.live[g];
        }
        L.n_live = still;
        if (st || still == 0) break;
        st = src->step(src->ctx, n_next, L.parent, L.tokens, L.logits, err);
        out->generated_tokens += n_next, out->steps++;
    }
    if (!st) st = collect(&L, out, err);
    loop_free(&L);
    return st;
}
