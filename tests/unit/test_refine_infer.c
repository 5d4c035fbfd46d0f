/* Refinement at inference: the loop with a scripted decoder (which
 * questions get rounds in each mode, the exact refine prompts, the kept
 * answer, repaired and broken counts, batching), and eval_run with a tiny
 * random T5 refining its own programs (the rounds in predictions.jsonl and
 * summary.json agree with each other and with greedy decoding of the
 * refine prompt). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "eval_fixture.h"
#include "data/refine.h"
#include "data/shard_build.h"
#include "data/synth.h"
#include "decode/eval.h"
#include "decode/eval_internal.h"
#include "decode/greedy.h"
#include "decode/refine_infer.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "recipe/recipe.h"

/* ---- the loop, with scripted programs ---- */

#define P(body) "def solution():\n" body
#define Q_COUNT 6
#define MAX_ROUNDS 3

static const char *const questions[Q_COUNT] = {
    "q0: right at once", "q1: NameError, then right", "q2: fails, fails, then a wrong value",
    "q3: a wrong value", "q4: never runs", "q5: right, refinements fail",
};
static const char *const golds_text[Q_COUNT] = {"5", "12", "3", "8", "1", "4"};
static const char *const originals[Q_COUNT] = {
    P("    return 5\n"),          P("    return total * 2\n"), P("    return 1 / 0\n"),
    P("    x = 7\n    return x\n"), "x = 1\n",                P("    return 2 + 2\n"),
};
/* what the "model" writes at rounds 1, 2, 3 for each question */
static const char *const script[Q_COUNT][MAX_ROUNDS] = {
    {P("    return 6\n"), P("    return 5\n"), P("    return 5\n")},  /* all mode breaks it */
    {P("    return 12\n"), P("    return 0\n"), P("    return 0\n")},
    {P("    return y\n"), P("    return 99\n"), P("    return 3\n")},  /* stops at 99: it ran */
    {P("    return 8\n"), P("    return 8\n"), P("    return 8\n")},  /* all mode repairs it */
    {"y = 2\n", P("    return [1][3]\n"), P("    return z\n")},
    {P("    return (\n"), P("    return q\n"), P("    return 4\n")},
};

typedef struct scripted {
    int calls, prompts, max_batch, bad_prompts;
    int rounds_seen[Q_COUNT];
    const char *last[Q_COUNT];  /* the program each question last showed */
    exec_limits lim;
} scripted;

static int question_of(const char *prompt)
{
    for (int q = 0; q < Q_COUNT; q++) {
        size_t n = strlen(questions[q]);
        if (!strncmp(prompt, "Question: ", 10) && !strncmp(prompt + 10, questions[q], n) && prompt[10 + n] == '\n')
            return q;
    }
    return -1;
}

/* The prompt the loop should have built for question q now: the previous
 * program and the feedback of its run, in the refine template. */
static char *expected_prompt(scripted *s, int q)
{
    exec_result r;
    pad_error err;
    CHECK(exec_run(EXEC_BUILTIN, s->last[q], strlen(s->last[q]), &s->lim, &r, &err) == PAD_OK);
    char feedback[320];
    refine_feedback(&r, feedback, sizeof feedback);
    exec_result_free(&r);
    return refine_source(questions[q], s->last[q], feedback);
}

static pad_status scripted_decode(void *ctx, int n, const char *const *prompts, char **programs, long *tokens,
                                  pad_error *err)
{
    scripted *s = ctx;
    s->calls++;
    s->prompts += n;
    if (n > s->max_batch) s->max_batch = n;
    for (int i = 0; i < n; i++) {
        int q = question_of(prompts[i]);
        if (q < 0 || s->rounds_seen[q] >= MAX_ROUNDS)
            return pad_error_set(err, PAD_ERR_INVALID, "unexpected prompt %s", prompts[i]);
        char *want = expected_prompt(s, q);
        s->bad_prompts += !want || strcmp(want, prompts[i]);
        free(want);
        const char *p = script[q][s->rounds_seen[q]++];
        s->last[q] = p;
        programs[i] = strdup(p);
        *tokens += (long)strlen(p);
    }
    return PAD_OK;
}

typedef struct loop_run {
    scripted s;
    refine_trace traces[Q_COUNT];
    refine_stats stats;
} loop_run;

static void run_loop(loop_run *L, refine_mode mode, int rounds)
{
    memset(L, 0, sizeof *L);
    exec_limits_default(&L->s.lim);
    exec_result results[Q_COUNT];
    teacher_gold golds[Q_COUNT];
    int correct[Q_COUNT];
    pad_error err;
    for (int q = 0; q < Q_COUNT; q++) {
        CHECK(teacher_gold_from_text(golds_text[q], strlen(golds_text[q]), &golds[q], &err) == PAD_OK);
        CHECK(exec_run(EXEC_BUILTIN, originals[q], strlen(originals[q]), &L->s.lim, &results[q], &err) == PAD_OK);
        correct[q] = teacher_answer_matches(&results[q], &golds[q]);
        L->s.last[q] = originals[q];
    }
    refine_decoder d = {&L->s, scripted_decode};
    refine_infer_options o = {rounds, mode, 2, L->s.lim};
    CHECK_MSG(refine_infer_run(&d, &o, Q_COUNT, questions, originals, results, correct, golds, L->traces,
                               &L->stats, &err) == PAD_OK, "%s", err.message);
    for (int q = 0; q < Q_COUNT; q++) exec_result_free(&results[q]);
    /* whatever the mode: the counts add up */
    refine_stats *x = &L->stats;
    CHECK(x->count == Q_COUNT);
    CHECK(x->correct_before - x->broken + x->repaired == x->correct_after);
    CHECK(x->rounds == L->s.prompts);
    CHECK(L->s.bad_prompts == 0 && L->s.max_batch <= 2);
    long rounds_total = 0;
    for (int q = 0; q < Q_COUNT; q++) {
        CHECK(L->traces[q].count == L->s.rounds_seen[q] && L->traces[q].count <= rounds);
        CHECK(L->traces[q].final >= 0 && L->traces[q].final <= L->traces[q].count);
        rounds_total += L->traces[q].count;
    }
    CHECK(rounds_total == x->rounds);
}

/* The kept program's text and whether it is right. */
static const char *kept(const loop_run *L, int q, int *correct)
{
    const refine_trace *t = &L->traces[q];
    if (!t->final) return originals[q];
    *correct = t->rounds[t->final - 1].correct;
    return t->rounds[t->final - 1].program;
}

static void test_loop_failed_mode(void)
{
    loop_run L;
    run_loop(&L, REFINE_MODE_FAILED, 3);
    /* q0, q3, q5 ran: never shown; q1 stops after its repair, q2 after the
     * program that ran (99, wrong), q4 runs out of rounds */
    int want_rounds[Q_COUNT] = {0, 1, 2, 0, 3, 0};
    for (int q = 0; q < Q_COUNT; q++) CHECK_MSG(L.traces[q].count == want_rounds[q], "q%d", q);
    CHECK(L.traces[1].final == 1 && L.traces[1].rounds[0].correct);
    CHECK(strstr(L.traces[1].rounds[0].feedback, "NameError") != NULL);
    CHECK(strstr(L.traces[2].rounds[0].feedback, "ZeroDivisionError") != NULL);
    CHECK(strstr(L.traces[2].rounds[1].feedback, "NameError") != NULL);
    CHECK(L.traces[2].final == 2 && !L.traces[2].rounds[1].correct);
    CHECK(L.traces[4].final == 3); /* none ran: the last written */
    CHECK(L.stats.correct_before == 2 && L.stats.correct_after == 3);
    CHECK(L.stats.repaired == 1 && L.stats.broken == 0);
    CHECK(L.stats.refined == 3 && L.stats.rounds == 6);
    /* rounds batched 2 at a time: {q1,q2},{q4} / {q2,q4} / {q4} */
    CHECK_MSG(L.s.calls == 4, "calls %d", L.s.calls);
    CHECK(L.stats.generated_tokens > 0);
    refine_traces_free(L.traces, Q_COUNT);
}

static void test_loop_all_mode(void)
{
    loop_run L;
    run_loop(&L, REFINE_MODE_ALL, 2);
    int want_rounds[Q_COUNT] = {1, 1, 2, 1, 2, 2};
    for (int q = 0; q < Q_COUNT; q++) CHECK_MSG(L.traces[q].count == want_rounds[q], "q%d", q);
    /* a program that ran is shown as a wrong answer, as in training rows */
    CHECK(!strcmp(L.traces[0].rounds[0].feedback, "wrong answer: the program returned 5"));
    int c = -1;
    CHECK(!strcmp(kept(&L, 0, &c), script[0][0]) && c == 0);  /* broken */
    CHECK(!strcmp(kept(&L, 3, &c), script[3][0]) && c == 1);  /* repaired */
    /* q5's refinements never ran: its own (right) program stays */
    CHECK(L.traces[5].final == 0 && !strcmp(kept(&L, 5, &c), originals[5]));
    CHECK(L.stats.correct_before == 2 && L.stats.correct_after == 3);
    CHECK(L.stats.repaired == 2 && L.stats.broken == 1);
    CHECK(L.stats.refined == Q_COUNT && L.stats.rounds == 9);
    refine_traces_free(L.traces, Q_COUNT);
}

static pad_status failing_decode(void *ctx, int n, const char *const *prompts, char **programs, long *tokens,
                                 pad_error *err)
{
    (void)ctx, (void)n, (void)prompts, (void)programs, (void)tokens;
    return pad_error_set(err, PAD_ERR_IO, "decoder down");
}

static void test_loop_errors(void)
{
    CHECK(!strcmp(refine_mode_name(REFINE_MODE_ALL), "all") && refine_mode_parse("failed") == REFINE_MODE_FAILED);
    CHECK(refine_mode_parse("some") == -1);
    exec_result r;
    memset(&r, 0, sizeof r);
    r.outcome = EXEC_NO_PROGRAM;
    teacher_gold g;
    pad_error err;
    CHECK(teacher_gold_from_text("1", 1, &g, &err) == PAD_OK);
    const char *q = "q", *p = "x = 1\n";
    int correct = 0;
    refine_trace t;
    refine_stats s;
    refine_decoder d = {NULL, failing_decode};
    refine_infer_options o = {2, REFINE_MODE_FAILED, 4, {0}};
    exec_limits_default(&o.limits);
    CHECK(refine_infer_run(&d, &o, 1, &q, &p, &r, &correct, &g, &t, &s, &err) == PAD_ERR_IO);
    CHECK(strstr(err.message, "decoder down") != NULL);
    refine_traces_free(&t, 1);
    o.rounds = 0;
    CHECK(refine_infer_run(&d, &o, 1, &q, &p, &r, &correct, &g, &t, &s, &err) == PAD_ERR_INVALID);
    refine_traces_free(&t, 1);
}

/* ---- eval_run with a tiny random T5 ---- */

#define QUESTIONS 4

/* Greedy decoding of question i's first refine prompt, as eval encodes it. */
static char *greedy_refine(pad_model *m, const pad_tokenizer *tok, const char *prompt, int max_new)
{
    eval_example e;
    memset(&e, 0, sizeof e);
    pad_error err;
    CHECK(eval_encode_source(tok, prompt, 512, &e, &err) == PAD_OK);
    greedy_options g;
    greedy_options_default(&g);
    g.max_new_tokens = max_new;
    g.eos_id = pad_tokenizer_eos_id(tok);
    int32_t out[64];
    int len = 0;
    const int32_t *src = e.src;
    CHECK(greedy_generate(m, 1, &src, &e.src_len, &g, out, &len, &err) == PAD_OK);
    char *text = NULL;
    size_t n;
    CHECK(pad_tokenizer_decode(tok, out, (size_t)len, 1, &text, &n, &err) == PAD_OK);
    free(e.src);
    return text;
}

/* One prediction's refinement against the rules and its own fields. */
static long check_row(const cJSON *row, int rounds_max, refine_mode mode, pad_model *m, const pad_tokenizer *tok)
{
    const cJSON *before = cJSON_GetObjectItem(row, "before"), *rounds = cJSON_GetObjectItem(row, "refine_rounds");
    CHECK(cJSON_IsObject(before) && cJSON_IsArray(rounds));
    int n = cJSON_GetArraySize(rounds), fin = (int)ev_num_of(row, "final_round");
    int ran_before = !strcmp(ev_str_of(before, "outcome"), "ok");
    CHECK_MSG(n <= rounds_max && (n > 0) == (mode == REFINE_MODE_ALL || !ran_before), "%d rounds", n);
    CHECK(fin >= 0 && fin <= n);
    const cJSON *kept = fin ? cJSON_GetArrayItem(rounds, fin - 1) : before;
    CHECK(!strcmp(ev_str_of(row, "program"), ev_str_of(kept, "program")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(row, "correct")) == cJSON_IsTrue(cJSON_GetObjectItem(kept, "correct")));
    for (int k = 0; k < n; k++) {
        const cJSON *x = cJSON_GetArrayItem(rounds, k);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(x, "feedback")) && cJSON_IsString(cJSON_GetObjectItem(x, "program")));
        CHECK(cJSON_IsString(cJSON_GetObjectItem(x, "outcome")) && cJSON_IsBool(cJSON_GetObjectItem(x, "correct")));
        CHECK(cJSON_GetObjectItem(x, "answer") != NULL && cJSON_IsString(cJSON_GetObjectItem(x, "error_type")));
        /* a later round only follows a program that did not run */
        if (k > 0) CHECK(strcmp(ev_str_of(cJSON_GetArrayItem(rounds, k - 1), "outcome"), "ok") != 0);
    }
    if (n > 0) {
        /* round 1 is greedy decoding of the refine prompt built from the
         * program before and its feedback */
        const cJSON *r1 = cJSON_GetArrayItem(rounds, 0);
        exec_limits lim;
        exec_limits_default(&lim);
        exec_result res;
        pad_error err;
        const char *prog = ev_str_of(before, "program");
        CHECK(exec_run(EXEC_BUILTIN, prog, strlen(prog), &lim, &res, &err) == PAD_OK);
        char feedback[320];
        refine_feedback(&res, feedback, sizeof feedback);
        exec_result_free(&res);
        CHECK_MSG(!strcmp(feedback, ev_str_of(r1, "feedback")), "'%s' vs '%s'", feedback, ev_str_of(r1, "feedback"));
        char *prompt = refine_source(ev_str_of(row, "question"), prog, feedback);
        char *want = greedy_refine(m, tok, prompt, 12);
        CHECK_MSG(want && !strcmp(want, ev_str_of(r1, "program")), "'%s' vs '%s'", want, ev_str_of(r1, "program"));
        free(want);
        free(prompt);
    }
    return n;
}

static void check_refined_eval(pad_model *m, const pad_tokenizer *tok, const char *out, const eval_report *r,
                               int rounds_max, refine_mode mode)
{
    cJSON *rows = ev_read_predictions(out), *sum = ev_read_summary(out);
    CHECK(cJSON_GetArraySize(rows) == QUESTIONS);
    long rounds = 0, refined = 0, before_ok = 0, after_ok = 0, repaired = 0, broken = 0;
    for (int i = 0; i < cJSON_GetArraySize(rows); i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        long n = check_row(row, rounds_max, mode, m, tok);
        int b = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(row, "before"), "correct"));
        int a = cJSON_IsTrue(cJSON_GetObjectItem(row, "correct"));
        rounds += n, refined += n > 0, before_ok += b, after_ok += a, repaired += !b && a, broken += b && !a;
    }
    const cJSON *x = cJSON_GetObjectItem(sum, "refine");
    CHECK(cJSON_IsObject(x));
    CHECK(ev_num_of(x, "rounds") == rounds_max && !strcmp(ev_str_of(x, "mode"), refine_mode_name(mode)));
    CHECK(ev_num_of(x, "rounds_run") == rounds && ev_num_of(x, "questions_refined") == refined);
    CHECK(ev_num_of(x, "correct_before") == before_ok && ev_num_of(x, "correct_after") == after_ok);
    CHECK(ev_num_of(x, "repaired") == repaired && ev_num_of(x, "broken") == broken);
    CHECK(ev_num_of(sum, "correct") == after_ok && ev_num_of(x, "accuracy_after") == ev_num_of(sum, "accuracy"));
    CHECK(r->refine.rounds == rounds && r->refine.correct_after == r->correct);
    CHECK(r->refine.correct_before - r->refine.broken + r->refine.repaired == r->refine.correct_after);
    if (rounds) CHECK(ev_num_of(x, "generated_tokens") > 0);
    if (mode == REFINE_MODE_ALL) CHECK(refined == QUESTIONS);
    cJSON_Delete(rows);
    cJSON_Delete(sum);
}

static void test_eval_refines(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_tokenizer *tok = NULL;
    CHECK(shard_open_tokenizer("bytes", &tok, &err) == PAD_OK);
    pad_model *m = ev_tiny_t5(be, 11);
    char jsonl[512], out[512];
    snprintf(jsonl, sizeof jsonl, "%s", check_tmp_path("refine-questions.jsonl"));
    ev_write_questions(jsonl, 91, QUESTIONS, "r");
    eval_options o;
    eval_options_default(&o);
    o.batch_size = 3, o.max_new_tokens = 12;
    eval_report r;

    /* without refinement: no refine fields anywhere */
    snprintf(out, sizeof out, "%s", check_tmp_path("eval-refine-off"));
    CHECK(eval_run(m, tok, jsonl, out, &o, &r, &err) == PAD_OK);
    long plain_correct = r.correct;
    eval_report_free(&r);
    cJSON *rows = ev_read_predictions(out), *sum = ev_read_summary(out);
    CHECK(!cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "refine_rounds"));
    CHECK(!cJSON_GetObjectItem(sum, "refine"));
    cJSON_Delete(rows);
    cJSON_Delete(sum);

    o.refine_rounds = 2, o.refine_mode = REFINE_MODE_ALL;
    snprintf(out, sizeof out, "%s", check_tmp_path("eval-refine-all"));
    CHECK_MSG(eval_run(m, tok, jsonl, out, &o, &r, &err) == PAD_OK, "%s", err.message);
    CHECK(r.refine.correct_before == plain_correct);
    check_refined_eval(m, tok, out, &r, 2, REFINE_MODE_ALL);
    eval_report_free(&r);

    o.refine_rounds = 3, o.refine_mode = REFINE_MODE_FAILED;
    snprintf(out, sizeof out, "%s", check_tmp_path("eval-refine-failed"));
    CHECK_MSG(eval_run(m, tok, jsonl, out, &o, &r, &err) == PAD_OK, "%s", err.message);
    check_refined_eval(m, tok, out, &r, 3, REFINE_MODE_FAILED);
    CHECK(r.refine.broken == 0);
    eval_report_free(&r);

    o.refine_rounds = -1;
    CHECK(eval_options_check(&o, &err) == PAD_ERR_INVALID && strstr(err.message, "refine_rounds"));
    o.refine_rounds = 1, o.refine_max_source_len = -3;
    CHECK(eval_options_check(&o, &err) == PAD_ERR_INVALID && strstr(err.message, "refine_max_source_len"));
    pad_model_free(m);
    pad_tokenizer_free(tok);
    pad_backend_destroy(be);
}

/* ---- the recipe's eval fields ---- */

#define RECIPE_HEAD "{\"name\":\"t\",\"model\":{\"arch\":\"t5\",\"config\":{\"d_model\":32,\"d_kv\":8," \
                    "\"num_heads\":4,\"d_ff\":64,\"num_layers\":1}},\"tokenizer\":\"bytes\"," \
                    "\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"synth\"},{\"type\":\"verify\"}," \
                    "{\"type\":\"shard\"},{\"type\":\"distill\"},{\"type\":\"eval\""

static pad_status parse_eval_stage(const char *fields, recipe *r, recipe_issues *is)
{
    char text[2048];
    snprintf(text, sizeof text, RECIPE_HEAD "%s}]}", fields);
    pad_error err;
    pad_error_clear(&err);
    return recipe_parse(text, NULL, 0, r, is, &err);
}

static int has_issue(const recipe_issues *is, const char *path, const char *needle)
{
    for (int i = 0; i < is->count; i++)
        if (!strcmp(is->items[i].path, path) && strstr(is->items[i].message, needle)) return 1;
    return 0;
}

static void test_recipe_fields(void)
{
    recipe r;
    recipe_issues is;
    CHECK(parse_eval_stage("", &r, &is) == PAD_OK);
    CHECK(r.stages[4].eval.refine_rounds == 0 && r.stages[4].eval.refine_mode == RECIPE_REFINE_FAILED);
    recipe_free(&r);
    recipe_issues_free(&is);
    CHECK(parse_eval_stage(",\"refine_rounds\":3,\"refine_mode\":\"all\"", &r, &is) == PAD_OK);
    CHECK(r.stages[4].eval.refine_rounds == 3 && r.stages[4].eval.refine_mode == RECIPE_REFINE_ALL);
    recipe_free(&r);
    recipe_issues_free(&is);
    CHECK(parse_eval_stage(",\"refine_rounds\":-1,\"refine_mode\":\"some\"", &r, &is) == PAD_ERR_CONFIG);
    CHECK_MSG(has_issue(&is, "stages[4].refine_rounds", "between 0 and 1000, got -1"), "%d issues, first %s: %s", is.count, is.count ? is.items[0].path : "", is.count ? is.items[0].message : "");
    CHECK(has_issue(&is, "stages[4].refine_mode", "\"failed\", \"all\""));
    recipe_issues_free(&is);
}

int main(void)
{
    RUN(test_loop_failed_mode);
    RUN(test_loop_all_mode);
    RUN(test_loop_errors);
    RUN(test_eval_refines);
    RUN(test_recipe_fields);
    return check_finish();
}
