/* The eval stage: exact scoring of hand-written programs, a smoke run of a
 * tiny random T5 over synthetic questions, from JSONL and from shards; the
 * decoding settings (checks, greedy through beam search equal to plain
 * greedy decoding, n-best beams with step-wise verification, seeded
 * sampling) and what predictions.jsonl and summary.json hold for them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "eval_fixture.h"
#include "data/shard_build.h"
#include "data/synth.h"
#include "decode/eval.h"
#include "decode/greedy.h"
#include "io/fs.h"
#include "io/json_file.h"

static teacher_gold gold_of(const char *text)
{
    teacher_gold g;
    pad_error err;
    CHECK(teacher_gold_from_text(text, strlen(text), &g, &err) == PAD_OK);
    return g;
}

static long class_count(const eval_report *r, const char *name)
{
    for (int i = 0; i < r->class_count; i++)
        if (!strcmp(r->classes[i].name, name)) return r->classes[i].count;
    return 0;
}

static void test_score_counts(void)
{
    static const char *const programs[] = {
        "def solution():\n    return 3 * 4\n",                    /* correct */
        "def solution():\n    return 0.1 + 0.2\n",                /* correct within 1e-4 */
        "def solution():\n    a = 7\n    return a - 1\n",         /* wrong: 6, gold 5 */
        "def solution():\n    return 'yes'\n",                    /* correct string */
        "def solution():\n    return 'no'\n",                     /* wrong string */
        "def solution():\n    return total\n",                    /* NameError */
        "def solution():\n    return 1 / 0\n",                    /* ZeroDivisionError */
        "def solution():\n    x = [1, 2]\n    return x[5]\n",     /* IndexError */
        "def solution():\n    return total * 2\n",                /* NameError again */
        "import os\ndef solution():\n    return 1\n",             /* unsupported */
        "def solution():\n    while True:\n        pass\n",       /* step limit */
        "x = 3\n",                                                /* no solution() */
    };
    const char *golds_text[] = {"12", "0.3", "5", "yes", "yes", "1", "1", "1", "1", "1", "1", "3"};
    int n = (int)(sizeof programs / sizeof programs[0]);
    teacher_gold golds[12];
    for (int i = 0; i < n; i++) golds[i] = gold_of(golds_text[i]);
    exec_limits lim;
    exec_limits_default(&lim);
    lim.max_steps = 100000;
    eval_report r;
    pad_error err;
    CHECK(eval_score(n, programs, golds, &lim, &r, &err) == PAD_OK);
    CHECK(r.count == n);
    CHECK_MSG(r.correct == 3, "correct %ld", r.correct);
    CHECK_MSG(r.wrong == 2, "wrong %ld", r.wrong);
    CHECK_MSG(r.executable == 5, "executable %ld", r.executable);
    CHECK_MSG(r.errors == 4, "errors %ld", r.errors);
    CHECK_MSG(r.unsupported == 1, "unsupported %ld", r.unsupported);
    CHECK_MSG(r.limits == 1, "limits %ld", r.limits);
    CHECK_MSG(r.no_program == 1, "no_program %ld", r.no_program);
    CHECK(r.outcomes[EXEC_STEP_LIMIT] == 1 && r.outcomes[EXEC_OK] == 5);
    CHECK(class_count(&r, "correct") == 3 && class_count(&r, "wrong_answer") == 2);
    CHECK(class_count(&r, "NameError") == 2 && class_count(&r, "ZeroDivisionError") == 1);
    CHECK(class_count(&r, "IndexError") == 1 && class_count(&r, "unsupported") == 1);
    CHECK(class_count(&r, "step_limit") == 1 && class_count(&r, "no_program") == 1);
    long total = 0;
    for (int i = 0; i < r.class_count; i++) total += r.classes[i].count;
    CHECK(total == n);
    int flags[12] = {1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++) CHECK_MSG(r.is_correct[i] == flags[i], "program %d", i);
    CHECK(fabs(eval_accuracy(&r) - 3.0 / 12.0) < 1e-12);
    CHECK(fabs(eval_executable_rate(&r) - 5.0 / 12.0) < 1e-12);
    eval_report_free(&r);
}

/* ---- the smoke run ---- */

#define QUESTIONS 5

/* check_tmp_path's buffer is reused: keep copies */
static void tmp_path(char out[512], const char *name)
{
    snprintf(out, 512, "%s", check_tmp_path(name));
}

static char *read_text(const char *path)
{
    char *text = NULL;
    size_t len;
    pad_error err;
    CHECK_MSG(pad_read_file(path, &text, &len, &err) == PAD_OK, "%s", path);
    return text;
}

/* Outputs exist and agree with the report: every line a prediction. */
static void check_outputs(const char *dir, const eval_report *r, long want)
{
    CHECK(r->count == want);
    CHECK(r->correct + r->wrong + r->errors + r->unsupported + r->limits + r->no_program == r->count);
    CHECK(eval_accuracy(r) >= 0.0 && eval_accuracy(r) <= 1.0);
    CHECK(r->generated_tokens > 0 && r->generated_tokens <= want * 12);
    char *pred = pad_path_join(dir, EVAL_PREDICTIONS_FILE), *sum = pad_path_join(dir, EVAL_SUMMARY_FILE);
    char *text = read_text(pred);
    long lines = 0;
    for (char *p = text; p && *p; p++) lines += *p == '\n';
    CHECK(lines == want);
    char *line = text ? strtok(text, "\n") : NULL;
    for (; line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "program")));
        CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "gold")));
        CHECK(cJSON_IsBool(cJSON_GetObjectItem(o, "correct")));
        CHECK(cJSON_IsString(cJSON_GetObjectItem(o, "outcome")));
        cJSON_Delete(o);
    }
    free(text);
    cJSON *s = NULL;
    pad_error err;
    CHECK(pad_json_load(sum, &s, &err) == PAD_OK);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(s, "count")) == (double)want);
    double acc = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "accuracy"));
    CHECK(acc >= 0.0 && acc <= 1.0);
    cJSON_Delete(s);
    free(pred);
    free(sum);
}

static void test_smoke(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_tokenizer *tok = NULL;
    CHECK(shard_open_tokenizer("bytes", &tok, &err) == PAD_OK);
    pad_model *m = ev_tiny_t5(be, 5);
    char jsonl[512], out_j[512], shards[512], out_s[512], out_l[512];
    tmp_path(jsonl, "questions.jsonl");
    tmp_path(out_j, "eval-jsonl");
    tmp_path(shards, "shards");
    tmp_path(out_s, "eval-shards");
    tmp_path(out_l, "eval-limit");
    ev_write_questions(jsonl, 77, QUESTIONS, "q");
    eval_options o;
    eval_options_default(&o);
    o.batch_size = 2, o.max_new_tokens = 12;
    eval_report r;
    CHECK_MSG(eval_run(m, tok, jsonl, out_j, &o, &r, &err) == PAD_OK, "%s", err.message);
    check_outputs(out_j, &r, QUESTIONS);
    eval_report_free(&r);

    /* the same questions as eval shards give the same predictions, byte for
     * byte: the JSONL path encodes questions as the shard builder does */
    shard_build_options so;
    shard_build_options_default(&so);
    so.kind = "eval", so.tokenizer_name = "bytes";
    shard_manifest man;
    CHECK(shard_build(jsonl, tok, shards, &so, &man, &err) == PAD_OK);
    shard_manifest_free(&man);
    CHECK_MSG(eval_run(m, tok, shards, out_s, &o, &r, &err) == PAD_OK, "%s", err.message);
    check_outputs(out_s, &r, QUESTIONS);
    eval_report_free(&r);
    char *pj = pad_path_join(out_j, EVAL_PREDICTIONS_FILE), *ps = pad_path_join(out_s, EVAL_PREDICTIONS_FILE);
    char *a = read_text(pj), *b = read_text(ps);
    CHECK(a && b && !strcmp(a, b));
    free(a), free(b), free(ps);

    /* --limit and a different batch size: a prefix of the same predictions */
    o.limit = 3, o.batch_size = 3;
    CHECK(eval_run(m, tok, jsonl, out_l, &o, &r, &err) == PAD_OK);
    check_outputs(out_l, &r, 3);
    eval_report_free(&r);
    char *pl = pad_path_join(out_l, EVAL_PREDICTIONS_FILE);
    a = read_text(pl), b = read_text(pj);
    CHECK(a && b && strlen(a) < strlen(b) && !strncmp(a, b, strlen(a)));
    free(a), free(b), free(pl);

    /* a missing file names itself */
    CHECK(eval_run(m, tok, "/nonexistent/q.jsonl", out_l, &o, &r, &err) == PAD_ERR_IO);
    CHECK(strstr(err.file, "/nonexistent/q.jsonl") != NULL);
    eval_report_free(&r);
    free(pj);
    pad_model_free(m);
    pad_tokenizer_free(tok);
    pad_backend_destroy(be);
}

/* ---- decoding settings ---- */

static void expect_invalid(const eval_options *o, const char *needle)
{
    pad_error err;
    pad_error_clear(&err);
    CHECK(eval_options_check(o, &err) == PAD_ERR_INVALID);
    CHECK_MSG(strstr(err.message, needle) != NULL, "'%s' lacks '%s'", err.message, needle);
}

static void test_options_check(void)
{
    eval_options o;
    eval_options_default(&o);
    pad_error err;
    CHECK(eval_options_check(&o, &err) == PAD_OK);
    o.beams = 3;
    expect_invalid(&o, "beams 3 needs beam decoding");
    o.decoding = EVAL_BEAM, o.num_return = 4;
    expect_invalid(&o, "num_return 4 exceeds beams 3");
    o.num_return = 3, o.stepwise = 1, o.answer = EVAL_ANSWER_VOTE, o.step_mode = EVAL_STEP_PENALTY;
    CHECK(eval_options_check(&o, &err) == PAD_OK);
    o.step_penalty = 0.5;
    expect_invalid(&o, "step_penalty");
    o.step_penalty = -1, o.number_penalty = 1;
    expect_invalid(&o, "number_penalty must be <= 0");
    o.number_penalty = -1, o.stepwise = 0;
    expect_invalid(&o, "number_penalty needs stepwise");
    eval_options_default(&o);
    o.num_return = 2;
    expect_invalid(&o, "greedy decoding returns one program");
    o.decoding = EVAL_SAMPLE, o.num_return = 5;
    CHECK(eval_options_check(&o, &err) == PAD_OK);
    o.stepwise = 1;
    expect_invalid(&o, "stepwise");
    o.stepwise = 0, o.temperature = 0;
    expect_invalid(&o, "temperature");
    o.temperature = 0.7, o.top_p = 1.5;
    expect_invalid(&o, "top_p");
    o.top_p = 0.9, o.beams = 0;
    expect_invalid(&o, "beams must be >= 1");
}

typedef struct fixture {
    pad_backend *be;
    pad_tokenizer *tok;
    pad_model *m;
    char jsonl[512];
} fixture;

static void fixture_open(fixture *f)
{
    pad_error err;
    f->be = pad_backend_create("cpu", &err);
    CHECK(shard_open_tokenizer("bytes", &f->tok, &err) == PAD_OK);
    f->m = ev_tiny_t5(f->be, 5);
    tmp_path(f->jsonl, "questions-decoding.jsonl");
    ev_write_questions(f->jsonl, 77, QUESTIONS, "q");
}

static void fixture_close(fixture *f)
{
    pad_model_free(f->m);
    pad_tokenizer_free(f->tok);
    pad_backend_destroy(f->be);
}

/* Runs eval into tmp/NAME and returns its predictions. */
static cJSON *run_eval(fixture *f, const char *name, const eval_options *o, eval_report *r)
{
    char out[512];
    tmp_path(out, name);
    pad_error err;
    CHECK_MSG(eval_run(f->m, f->tok, f->jsonl, out, o, r, &err) == PAD_OK, "%s: %s", name, err.message);
    return ev_read_predictions(out);
}

/* Greedy through beam search picks the programs plain greedy decoding does. */
static void test_greedy_equals_plain(void)
{
    fixture f;
    fixture_open(&f);
    eval_options o;
    eval_options_default(&o);
    o.batch_size = 2, o.max_new_tokens = 10;
    eval_report r;
    cJSON *rows = run_eval(&f, "eval-greedy", &o, &r);
    eval_report_free(&r);
    eval_set s;
    pad_error err;
    CHECK(eval_set_load(f.jsonl, f.tok, &o, &s, &err) == PAD_OK);
    CHECK(cJSON_GetArraySize(rows) == s.count && s.count == QUESTIONS);
    greedy_options g;
    greedy_options_default(&g);
    g.max_new_tokens = o.max_new_tokens;
    g.eos_id = pad_tokenizer_eos_id(f.tok);
    for (long i = 0; i < s.count && i < cJSON_GetArraySize(rows); i++) {
        int32_t out[10];
        int len = 0;
        const int32_t *src = s.ex[i].src;
        CHECK(greedy_generate(f.m, 1, &src, &s.ex[i].src_len, &g, out, &len, &err) == PAD_OK);
        char *text = NULL;
        size_t n;
        CHECK(pad_tokenizer_decode_text(f.tok, out, (size_t)len, 1, &text, &n, &err) == PAD_OK);
        const cJSON *row = cJSON_GetArrayItem(rows, (int)i);
        CHECK_MSG(text && !strcmp(ev_str_of(row, "program"), text), "question %ld", i);
        CHECK(!cJSON_GetObjectItem(row, "candidates"));
        free(text);
    }
    eval_set_free(&s);
    cJSON_Delete(rows);
    fixture_close(&f);
}

/* Swaps the embedding rows of '\n' and of the first token greedy decoding
 * gives the first question, so that the random model starts that program
 * with a line end (T5 ties the embeddings: the head scores follow). */
static void prefer_newline(fixture *f)
{
    eval_options o;
    eval_options_default(&o);
    o.limit = 1;
    eval_set s;
    pad_error err;
    CHECK(eval_set_load(f->jsonl, f->tok, &o, &s, &err) == PAD_OK && s.count == 1);
    greedy_options g;
    greedy_options_default(&g);
    g.max_new_tokens = 1;
    int32_t first = 10;
    int len = 0;
    const int32_t *src = s.ex[0].src;
    CHECK(greedy_generate(f->m, 1, &src, &s.ex[0].src_len, &g, &first, &len, &err) == PAD_OK);
    const pad_param *emb = pad_param_table_find(&f->m->params, "shared.weight");
    float *host = malloc(f->m->params.buffer_numel * sizeof *host);
    CHECK(emb && host && pad_model_get_params(f->m, host, &err) == PAD_OK);
    int64_t d = emb ? emb->shape[1] : 0;
    for (int64_t j = 0; emb && host && j < d; j++) {
        float *a = &host[emb->offset + (size_t)(10 * d + j)], *b = &host[emb->offset + (size_t)(first * d + j)];
        float t = *a;
        *a = *b, *b = t;
    }
    CHECK(host && pad_model_set_params(f->m, host, &err) == PAD_OK);
    free(host);
    eval_set_free(&s);
}

/* Two beams, both returned, step-wise verified: every row carries its
 * candidates best first and the chosen one is the program scored. */
static void test_beam_stepwise(void)
{
    fixture f;
    fixture_open(&f);
    prefer_newline(&f);
    eval_options o;
    eval_options_default(&o);
    o.batch_size = 3, o.max_new_tokens = 12;
    o.decoding = EVAL_BEAM, o.beams = 2, o.num_return = 2, o.stepwise = 1, o.length_penalty = 0.5;
    o.number_penalty = -2;
    eval_report r;
    cJSON *rows = run_eval(&f, "eval-beam", &o, &r);
    CHECK(r.count == QUESTIONS && r.generated_tokens > 0);
    CHECK_MSG(r.step_checks > 0 && r.step_checks >= r.step_runs && r.step_runs >= r.step_failures,
              "step checks %ld, runs %ld, failures %ld", r.step_checks, r.step_runs, r.step_failures);
    CHECK(cJSON_GetArraySize(rows) == QUESTIONS);
    static const char *const fields[] = {"id", "question", "program", "answer", "gold", "outcome",
                                         "error_type", "error_message", "correct", "candidates", "chosen"};
    for (int i = 0; i < cJSON_GetArraySize(rows); i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
            CHECK_MSG(cJSON_GetObjectItem(row, fields[k]) != NULL, "row %d lacks %s", i, fields[k]);
        const cJSON *cand = cJSON_GetObjectItem(row, "candidates");
        int n = cJSON_GetArraySize(cand), chosen = (int)ev_num_of(row, "chosen");
        CHECK_MSG(n >= 1 && n <= 2, "row %d: %d candidates", i, n);
        CHECK(chosen >= 0 && chosen < n);
        for (int k = 1; k < n; k++)
            CHECK(ev_num_of(cJSON_GetArrayItem(cand, k - 1), "score") >= ev_num_of(cJSON_GetArrayItem(cand, k), "score"));
        CHECK(!strcmp(ev_str_of(cJSON_GetArrayItem(cand, chosen), "program"), ev_str_of(row, "program")));
        CHECK(!strcmp(ev_str_of(row, "outcome"), exec_outcome_name(r.results[i].outcome)));
    }
    char out[512];
    tmp_path(out, "eval-beam");
    cJSON *sum = ev_read_summary(out);
    CHECK(!strcmp(ev_str_of(sum, "decoding"), "beam") && ev_num_of(sum, "beams") == 2 && ev_num_of(sum, "num_return") == 2);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(sum, "stepwise")) && !strcmp(ev_str_of(sum, "step_mode"), "drop"));
    CHECK(ev_num_of(sum, "length_penalty") == 0.5 && !strcmp(ev_str_of(sum, "answer_selection"), "best"));
    CHECK(ev_num_of(sum, "number_penalty") == -2);
    CHECK(ev_num_of(sum, "tokens_per_s") > 0 && ev_num_of(sum, "questions_per_s") > 0);
    CHECK(!strcmp(ev_str_of(sum, "format"), "gsm8k"));
    cJSON_Delete(sum);
    eval_report_free(&r);
    cJSON_Delete(rows);
    fixture_close(&f);
}

/* Sampling: a seed draws the same programs again; num_return draws per question. */
static void test_sampling_seeded(void)
{
    fixture f;
    fixture_open(&f);
    eval_options o;
    eval_options_default(&o);
    o.batch_size = 2, o.max_new_tokens = 8;
    o.decoding = EVAL_SAMPLE, o.num_return = 3, o.temperature = 1.5, o.top_p = 0.95, o.seed = 11;
    o.answer = EVAL_ANSWER_VOTE;
    eval_report r;
    cJSON *a = run_eval(&f, "eval-sample-a", &o, &r);
    eval_report_free(&r);
    cJSON *b = run_eval(&f, "eval-sample-b", &o, &r);
    eval_report_free(&r);
    o.seed = 12;
    cJSON *c = run_eval(&f, "eval-sample-c", &o, &r);
    eval_report_free(&r);
    char *ta = cJSON_PrintUnformatted(a), *tb = cJSON_PrintUnformatted(b), *tc = cJSON_PrintUnformatted(c);
    CHECK(ta && tb && tc && !strcmp(ta, tb) && strcmp(ta, tc));
    for (int i = 0; i < cJSON_GetArraySize(a); i++)
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(a, i), "candidates")) == 3);
    free(ta), free(tb), free(tc);
    cJSON_Delete(a), cJSON_Delete(b), cJSON_Delete(c);
    fixture_close(&f);
}

int main(void)
{
    RUN(test_score_counts);
    RUN(test_smoke);
    RUN(test_options_check);
    RUN(test_greedy_equals_plain);
    RUN(test_beam_stepwise);
    RUN(test_sampling_seeded);
    return check_finish();
}
