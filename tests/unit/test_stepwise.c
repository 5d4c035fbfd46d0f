/* Step-wise verification: the execution scorer's verdicts on prefixes and
 * whole programs, its cache, the line-end table, and beam search over a
 * scripted byte-level "model" choosing a runnable program over a likelier
 * broken one; number grounding's penalties. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/beam_internal.h"
#include "decode/numbers.h"
#include "decode/stepwise.h"

#define PADID 256
#define EOSID 257
#define VOCAB 258

static pad_tokenizer *byte_tok(void)
{
    const char *specials[2] = {"<pad>", "</s>"};
    pad_tokenizer *t = NULL;
    CHECK(pad_tokenizer_bytes(specials, 2, &t, NULL) == PAD_OK);
    return t;
}

/* text as byte ids, eos appended when `eos` */
static int ids_of(const char *text, int eos, int32_t *ids)
{
    int n = 0;
    for (const char *p = text; *p; p++) ids[n++] = (unsigned char)*p;
    if (eos) ids[n++] = EOSID;
    return n;
}

static void judge(const beam_scorer *sc, const char *text, int finished, int *drop,
                  float *adjust)
{
    int32_t ids[256];
    int n = ids_of(text, finished, ids);
    pad_error err;
    CHECK_MSG(sc->score(sc->ctx, 0, ids, n, finished, drop, adjust, &err) == PAD_OK, "%s",
              err.message);
}

static void test_line_ends(void)
{
    pad_tokenizer *t = byte_tok();
    uint8_t *le = NULL;
    CHECK(stepwise_line_ends(t, VOCAB + 3, &le, NULL) == PAD_OK);
    int count = 0;
    for (int i = 0; i < VOCAB + 3; i++) count += le[i];
    CHECK(count == 1 && le['\n'] == 1 && le['a'] == 0 && le[EOSID] == 0);
    free(le);
    pad_tokenizer_free(t);
}

static void test_verdicts(void)
{
    pad_tokenizer *t = byte_tok();
    stepwise_options o;
    stepwise_options_default(&o);
    stepwise_scorer *s = NULL;
    CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
    const beam_scorer *sc = stepwise_beam_scorer(s);
    int drop;
    float adj;
    judge(sc, "def solution():\n    a = 3\n", 0, &drop, &adj);
    CHECK(!drop && adj == 0.0f);
    judge(sc, "def solution():\n    a = b + 1\n", 0, &drop, &adj);
    CHECK(drop);
    judge(sc, "def solution():\n    x = 4 / (2 - 2)\n", 0, &drop, &adj);
    CHECK(drop);
    /* an open bracket may close on the next line */
    judge(sc, "def solution():\n    x = (1 +\n", 0, &drop, &adj);
    CHECK(!drop);
    judge(sc, "def solution():\n    x = 6\n    return x * 7\n", 1, &drop, &adj);
    CHECK(!drop);
    judge(sc, "def solution():\n    return y\n", 1, &drop, &adj);
    CHECK(drop);
    judge(sc, "def solution():\n    x = (1 +\n", 1, &drop, &adj);
    CHECK(drop);
    stepwise_stats st = stepwise_get_stats(s);
    CHECK(st.calls == 7 && st.runs == 7 && st.failures == 4);
    /* the cache answers repeats without running */
    judge(sc, "def solution():\n    a = b + 1\n", 0, &drop, &adj);
    CHECK(drop);
    judge(sc, "def solution():\n    a = b + 1\n", 1, &drop, &adj); /* whole program: its own entry */
    CHECK(drop);
    st = stepwise_get_stats(s);
    CHECK(st.calls == 9 && st.runs == 8 && st.failures == 6);
    stepwise_free(s);

    o.mode = STEPWISE_PENALTY, o.penalty = -3.5f, o.check_finished = 0;
    CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
    sc = stepwise_beam_scorer(s);
    judge(sc, "def solution():\n    a = b + 1\n", 0, &drop, &adj);
    CHECK(!drop && adj == -3.5f);
    judge(sc, "def solution():\n    return y\n", 1, &drop, &adj);
    CHECK(!drop && adj == 0.0f);
    stepwise_free(s);

    stepwise_mode m;
    CHECK(stepwise_mode_parse("penalty", &m, NULL) == PAD_OK && m == STEPWISE_PENALTY);
    CHECK(stepwise_mode_parse("drop", &m, NULL) == PAD_OK && m == STEPWISE_DROP);
    CHECK(stepwise_mode_parse("prune", &m, NULL) == PAD_ERR_INVALID);
    o.penalty = 2.0f, o.mode = STEPWISE_PENALTY;
    CHECK(stepwise_new(t, &o, &s, NULL) == PAD_ERR_INVALID && !s);
    pad_tokenizer_free(t);
}

/* ---- a scripted model: it likes program A (broken) more than B ---- */

static const char *const SCRIPT_A = "def solution():\n    a = b\n    return 3\n";
static const char *const SCRIPT_B = "def solution():\n    a = 2\n    return a\n";

typedef struct scripted {
    char text[64][64];
    int len[64];
    int rows;
} scripted;

static void push_script(const char *script, const char *text, int len, float bonus, float *row)
{
    if (strncmp(script, text, (size_t)len)) return;
    if (script[len]) row[(unsigned char)script[len]] += bonus;
    else row[EOSID] += 6.0f + bonus;
}

static pad_status scripted_step(void *ctx, int n_rows, const int32_t *parent, const int32_t *tokens,
                                float *logits, pad_error *err)
{
    (void)err;
    scripted *s = ctx;
    char text[64][64];
    int len[64];
    for (int r = 0; r < n_rows; r++) {
        len[r] = parent ? s->len[parent[r]] : 0;
        if (parent) memcpy(text[r], s->text[parent[r]], (size_t)len[r]);
        if (parent && len[r] < 63) text[r][len[r]++] = (char)tokens[r];
    }
    for (int r = 0; r < n_rows; r++) {
        float *row = logits + (size_t)r * VOCAB;
        for (int v = 0; v < VOCAB; v++) row[v] = (float)((v * 37 + r) % 11) * 0.01f;
        push_script(SCRIPT_A, text[r], len[r], 9.0f, row);
        push_script(SCRIPT_B, text[r], len[r], 8.0f, row);
        memcpy(s->text[r], text[r], (size_t)len[r]);
        s->len[r] = len[r];
    }
    s->rows = n_rows;
    return PAD_OK;
}

static char *decoded(const beam_hyp *h)
{
    static char buf[128];
    int n = 0;
    for (int i = 0; i < h->len && h->tokens[i] < 256; i++) buf[n++] = (char)h->tokens[i];
    buf[n] = 0;
    return buf;
}

static beam_hyp best_of(const beam_scorer *sc, const uint8_t *le, int k, beam_result *r)
{
    scripted s = {0};
    beam_source src = {&s, scripted_step};
    beam_options o;
    beam_options_default(&o);
    o.num_beams = k, o.num_return = 1, o.line_end = le, o.scorer = sc;
    pad_error err;
    CHECK_MSG(beam_run(&src, 1, VOCAB, EOSID, 60, &o, r, &err) == PAD_OK, "%s", err.message);
    CHECK(r->count[0] == 1);
    return r->hyps[0][0];
}

static void test_beam_avoids_broken_program(void)
{
    pad_tokenizer *t = byte_tok();
    uint8_t *le = NULL;
    CHECK(stepwise_line_ends(t, VOCAB, &le, NULL) == PAD_OK);
    for (int k = 2; k <= 4; k += 2) {
        beam_result r;
        beam_hyp h = best_of(NULL, le, k, &r);
        CHECK(!strcmp(decoded(&h), SCRIPT_A) && h.finished);
        beam_result_free(&r);

        stepwise_options o;
        stepwise_options_default(&o);
        stepwise_scorer *s = NULL;
        CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
        h = best_of(stepwise_beam_scorer(s), le, k, &r);
        CHECK(!strcmp(decoded(&h), SCRIPT_B) && h.finished);
        CHECK(stepwise_get_stats(s).failures > 0);
        beam_result_free(&r);
        stepwise_free(s);

        o.mode = STEPWISE_PENALTY, o.penalty = -4.0f;
        CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
        h = best_of(stepwise_beam_scorer(s), le, k, &r);
        CHECK(!strcmp(decoded(&h), SCRIPT_B));
        beam_result_free(&r);
        stepwise_free(s);

        /* a penalty too small to outweigh the likelihood changes nothing */
        o.penalty = -0.01f;
        CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
        h = best_of(stepwise_beam_scorer(s), le, k, &r);
        CHECK(!strcmp(decoded(&h), SCRIPT_A));
        beam_result_free(&r);
        stepwise_free(s);
    }
    free(le);
    pad_tokenizer_free(t);
}

/* Number grounding through the scorer: over a whole program the penalties
 * add up to number_penalty * (excess + unused) of the finished program
 * (numbers.h), each charged once; a row without a question gets none. */
static void test_grounding_penalties(void)
{
    pad_tokenizer *t = byte_tok();
    stepwise_options o;
    stepwise_options_default(&o);
    o.number_penalty = -1.5f;
    stepwise_scorer *s = NULL;
    CHECK(stepwise_new(t, &o, &s, NULL) == PAD_OK);
    const char *questions[2] = {"Ava saves $18 a week for 7 weeks, gets $20 and spends $12 and $18.", ""};
    CHECK(stepwise_set_questions(s, questions, 2, NULL) == PAD_OK);
    numbers q = {0};
    CHECK(numbers_in_question(questions[0], &q, NULL) == PAD_OK);
    const beam_scorer *sc = stepwise_beam_scorer(s);
    const int pool[] = {18, 7, 20, 12, 3, 100, 18};
    uint64_t x = 99;
    for (int trial = 0; trial < 40; trial++) {
        char prog[512] = "def solution():\n";
        int lines = 1 + trial % 7;
        for (int i = 0; i < lines; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            char w[48];
            snprintf(w, sizeof w, "    v%d = %d\n", i, pool[x % 7]);
            strcat(prog, w);
        }
        strcat(prog, "    return v0\n");
        for (int row = 0; row < 2; row++) {
            int32_t ids[600];
            int n = ids_of(prog, 1, ids), drop;
            float sum = 0, adjust;
            pad_error err;
            for (int k = 1; k <= n; k++) {
                int finished = ids[k - 1] == EOSID;
                if (!finished && ids[k - 1] != '\n') continue;
                CHECK(sc->score(sc->ctx, row, ids, k, finished, &drop, &adjust, &err) == PAD_OK);
                CHECK(!drop);
                sum += adjust;
            }
            numbers p = {0};
            int excess, unused;
            CHECK(numbers_in_program(prog, strlen(prog), &p, NULL) == PAD_OK);
            numbers_grounding(&q, &p, &excess, &unused);
            numbers_free(&p);
            float want = row == 0 ? o.number_penalty * (float)(excess + unused) : 0.0f;
            CHECK_MSG(fabsf(sum - want) < 1e-5f, "trial %d row %d: %g vs %g", trial, row, sum, want);
        }
    }
    numbers_free(&q);
    CHECK(stepwise_set_questions(s, NULL, 0, NULL) == PAD_OK);
    int drop;
    float adjust;
    judge(sc, "def solution():\n    a = 5\n    b = 5\n", 0, &drop, &adjust);
    CHECK(!drop && adjust == 0.0f); /* no questions: no grounding */
    stepwise_free(s);
    o.number_penalty = 0.5f;
    CHECK(stepwise_new(t, &o, &s, NULL) == PAD_ERR_INVALID && !s);
    pad_tokenizer_free(t);
}

int main(void)
{
    RUN(test_line_ends);
    RUN(test_verdicts);
    RUN(test_beam_avoids_broken_program);
    RUN(test_grounding_penalties);
    return check_finish();
}
