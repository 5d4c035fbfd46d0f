/* pad: the per-step arithmetic of beam search: log-softmax, the best
 * continuations, nucleus sampling, and the finished-hypothesis set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/beam_internal.h"

void beam_log_softmax(float *x, int n)
{
    float mx = -INFINITY;
    for (int i = 0; i < n; i++)
        if (x[i] > mx) mx = x[i];
    double s = 0.0;
    for (int i = 0; i < n; i++) s += exp((double)(x[i] - mx));
    float lse = (float)log(s);
    for (int i = 0; i < n; i++) x[i] = (x[i] - mx) - lse;
}

/* a ranks before b: higher sum, then the lower flat index (beam, token) */
static int cand_before(const beam_cand *a, const beam_cand *b)
{
    if (a->sum != b->sum) return a->sum > b->sum;
    if (a->beam != b->beam) return a->beam < b->beam;
    return a->token < b->token;
}

int beam_top_candidates(const float *lp, int k, int vocab, const float *sums, const double *raws,
                        int want, beam_cand *out)
{
    int n = 0;
    for (int b = 0; b < k; b++) {
        if (sums[b] == -INFINITY) continue;
        const float *row = lp + (size_t)b * vocab;
        for (int t = 0; t < vocab; t++) {
            beam_cand c = {row[t] + sums[b], (double)row[t] + raws[b], b, t};
            if (n == want && !cand_before(&c, &out[n - 1])) continue;
            /* insertion into the sorted list; `want` is a few times num_beams */
            int i = n < want ? n++ : n - 1;
            while (i > 0 && cand_before(&c, &out[i - 1])) {
                out[i] = out[i - 1];
                i--;
            }
            out[i] = c;
        }
    }
    return n;
}

static int prob_desc(const void *pa, const void *pb)
{
    const beam_prob *a = pa, *b = pb;
    if (a->p != b->p) return a->p < b->p ? 1 : -1;
    return a->id < b->id ? -1 : a->id > b->id;
}

int32_t beam_sample_token(const float *logits, int vocab, float temperature, float top_p, float u,
                          const uint8_t *excluded, beam_prob *work)
{
    float mx = -INFINITY;
    for (int i = 0; i < vocab; i++)
        if ((!excluded || !excluded[i]) && logits[i] > mx) mx = logits[i];
    if (mx == -INFINITY) return -1;
    int n = 0;
    double total = 0.0;
    for (int i = 0; i < vocab; i++) {
        if (excluded && excluded[i]) continue;
        double p = exp(((double)logits[i] - mx) / temperature);
        work[n++] = (beam_prob){p, i};
        total += p;
    }
    qsort(work, (size_t)n, sizeof *work, prob_desc);
    /* the nucleus: the fewest most likely tokens whose mass reaches top_p */
    int kept = 0;
    double mass = 0.0;
    while (kept < n && (kept == 0 || mass < top_p * total)) mass += work[kept++].p;
    double target = (double)u * mass, acc = 0.0;
    for (int i = 0; i < kept; i++) {
        acc += work[i].p;
        if (target < acc) return work[i].id;
    }
    return work[kept - 1].id;
}

float beam_length_score(float sum, int len, float length_penalty)
{
    /* as transformers: a float tensor divided by a Python float */
    return sum / (float)pow((double)len, (double)length_penalty);
}

pad_status beam_finished_offer(beam_finished *f, const int32_t *tokens, int len, float score,
                               double logprob, int finished, pad_error *err)
{
    if (f->count == f->cap && !(score > f->hyps[f->count - 1].score)) return PAD_OK;
    int32_t *copy = malloc(((size_t)len + 1) * sizeof *copy);
    if (!copy) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a hypothesis");
    memcpy(copy, tokens, (size_t)len * sizeof *copy);
    int i = f->count;
    if (f->count == f->cap) free(f->hyps[--i].tokens);
    else f->count++;
    while (i > 0 && score > f->hyps[i - 1].score) {
        f->hyps[i] = f->hyps[i - 1];
        i--;
    }
    f->hyps[i] = (beam_hyp){copy, len, score, logprob, finished};
    return PAD_OK;
}

void beam_finished_free(beam_finished *f)
{
    for (int i = 0; i < f->count; i++) free(f->hyps[i].tokens);
    free(f->hyps);
    f->hyps = NULL;
    f->count = f->cap = 0;
}
