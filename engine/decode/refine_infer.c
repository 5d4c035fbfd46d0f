/* pad: the refinement loop at inference (decode/refine_infer.h). */
#include "decode/refine_infer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/refine.h"

static const char *const mode_names[REFINE_MODE_COUNT] = {"failed", "all"};

const char *refine_mode_name(refine_mode m)
{
    return m >= 0 && m < REFINE_MODE_COUNT ? mode_names[m] : "?";
}

int refine_mode_parse(const char *name)
{
    for (int i = 0; name && i < REFINE_MODE_COUNT; i++)
        if (!strcmp(name, mode_names[i])) return i;
    return -1;
}

void refine_traces_free(refine_trace *t, long n)
{
    for (long i = 0; t && i < n; i++) {
        for (int k = 0; k < t[i].count; k++) {
            free(t[i].rounds[k].program);
            exec_result_free(&t[i].rounds[k].result);
        }
        free(t[i].rounds);
        memset(&t[i], 0, sizeof t[i]);
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Whether a program failed: judged without the gold, as at real inference. */
static int ran(const exec_result *r)
{
    return r->outcome == EXEC_OK;
}

/* What the loop reads and writes, shared by its batches. */
typedef struct refine_loop {
    const refine_decoder *d;
    const refine_infer_options *o;
    const char *const *questions, *const *programs;
    const exec_result *results;
    const teacher_gold *golds;
    refine_trace *traces;
    refine_stats *stats;
} refine_loop;

static const char *latest_program(const refine_loop *L, long i)
{
    const refine_trace *t = &L->traces[i];
    return t->count ? t->rounds[t->count - 1].program : L->programs[i];
}

static const exec_result *latest_result(const refine_loop *L, long i)
{
    const refine_trace *t = &L->traces[i];
    return t->count ? &t->rounds[t->count - 1].result : &L->results[i];
}

static int wants_round(const refine_loop *L, long i)
{
    const refine_trace *t = &L->traces[i];
    if (t->count >= L->o->rounds) return 0;
    if (t->count == 0 && L->o->mode == REFINE_MODE_ALL) return 1;
    return !ran(latest_result(L, i));
}

/* Question i's next round slot, its feedback filled; its prompt in *prompt. */
static pad_status open_round(refine_loop *L, long i, char **prompt, pad_error *err)
{
    refine_trace *t = &L->traces[i];
    refine_round *r = realloc(t->rounds, (size_t)(t->count + 1) * sizeof *r);
    if (!r) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    t->rounds = r;
    refine_round *x = &r[t->count];
    memset(x, 0, sizeof *x);
    refine_feedback(latest_result(L, i), x->feedback, sizeof x->feedback);
    *prompt = refine_source(L->questions[i], latest_program(L, i), x->feedback);
    return *prompt ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
}

/* Runs the program question i's open round got; the round then counts. */
static pad_status close_round(refine_loop *L, long i, char *program, pad_error *err)
{
    refine_trace *t = &L->traces[i];
    refine_round *x = &t->rounds[t->count++];
    x->program = program;
    pad_status st = exec_run(EXEC_BUILTIN, program, strlen(program), &L->o->limits, &x->result, err);
    if (!st) x->correct = teacher_answer_matches(&x->result, &L->golds[i]);
    return st;
}

/* One round for the n questions idx[0..n). */
static pad_status run_batch(refine_loop *L, const long *idx, int n, pad_error *err)
{
    char **prompts = calloc((size_t)n, sizeof *prompts);
    char **out = calloc((size_t)n, sizeof *out);
    pad_status st = prompts && out ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int j = 0; !st && j < n; j++) st = open_round(L, idx[j], &prompts[j], err);
    double t0 = now_s();
    if (!st) st = L->d->decode(L->d->ctx, n, (const char *const *)prompts, out, &L->stats->generated_tokens, err);
    L->stats->decode_seconds += now_s() - t0;
    for (int j = 0; !st && j < n; j++) {
        st = close_round(L, idx[j], out[j], err);
        out[j] = NULL; /* the round owns it */
    }
    for (int j = 0; j < n; j++) {
        if (prompts) free(prompts[j]);
        if (out) free(out[j]);
    }
    free(prompts);
    free(out);
    return st;
}

/* The latest program that ran answers; when none ran, the last written. */
static int final_round(const refine_trace *t, const exec_result *original)
{
    for (int k = t->count; k >= 1; k--)
        if (ran(&t->rounds[k - 1].result)) return k;
    return ran(original) ? 0 : t->count;
}

static void tally(refine_loop *L, long n, const int *correct)
{
    refine_stats *s = L->stats;
    for (long i = 0; i < n; i++) {
        refine_trace *t = &L->traces[i];
        t->final = final_round(t, &L->results[i]);
        int after = t->final ? t->rounds[t->final - 1].correct : correct[i];
        s->refined += t->count > 0;
        s->rounds += t->count;
        s->correct_before += correct[i] != 0;
        s->correct_after += after != 0;
        s->repaired += !correct[i] && after;
        s->broken += correct[i] && !after;
    }
}

pad_status refine_infer_run(const refine_decoder *d, const refine_infer_options *o, long n,
                            const char *const *questions, const char *const *programs,
                            const exec_result *results, const int *correct, const teacher_gold *golds,
                            refine_trace *traces, refine_stats *stats, pad_error *err)
{
    memset(stats, 0, sizeof *stats);
    memset(traces, 0, (size_t)n * sizeof *traces);
    stats->count = n;
    if (o->rounds < 1 || o->batch_size < 1 || o->mode < 0 || o->mode >= REFINE_MODE_COUNT)
        return pad_error_set(err, PAD_ERR_INVALID, "refine: rounds and batch size must be >= 1, mode known");
    refine_loop L = {d, o, questions, programs, results, golds, traces, stats};
    long *idx = malloc((size_t)(n + 1) * sizeof *idx);
    pad_status st = idx ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < o->rounds; k++) {
        long m = 0;
        for (long i = 0; i < n; i++)
            if (wants_round(&L, i)) idx[m++] = i;
        for (long first = 0; !st && first < m; first += o->batch_size) {
            long left = m - first;
            st = run_batch(&L, idx + first, left < o->batch_size ? (int)left : o->batch_size, err);
        }
    }
    free(idx);
    if (!st) tally(&L, n, correct);
    return st;
}
