/* The eval stage: exact scoring of hand-written programs, and a smoke run
 * of a tiny random T5 over synthetic questions, from JSONL and from shards. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "data/shard_build.h"
#include "data/synth.h"
#include "decode/eval.h"
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

/* QUESTIONS synthetic test rows as eval JSONL (question, code, num_answer, id). */
static void write_questions(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; f && i < QUESTIONS; i++) {
        synth_row row;
        pad_error err;
        CHECK(synth_make_row(77, (uint64_t)i, 0, &row, &err) == PAD_OK);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "question", row.question);
        cJSON_AddStringToObject(o, "code", row.code);
        cJSON_AddNumberToObject(o, "num_answer", row.answer);
        char id[16];
        snprintf(id, sizeof id, "q%d", i);
        cJSON_AddStringToObject(o, "id", id);
        char *line = cJSON_PrintUnformatted(o);
        fprintf(f, "%s\n", line);
        free(line);
        cJSON_Delete(o);
        synth_row_free(&row);
    }
    if (f) fclose(f);
}

/* A random T5 over the byte tokenizer (256 bytes, <pad>, </s>, <unk>). */
static pad_model *tiny_t5(pad_backend *be)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    t5_config *t = &c.t5;
    t->vocab_size = 259, t->d_model = 16, t->d_kv = 4, t->num_heads = 2, t->d_ff = 32;
    t->num_layers = 1, t->num_decoder_layers = 1;
    t->pad_token_id = 256, t->eos_token_id = 257, t->decoder_start_token_id = 256;
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, &c, be, &err) == PAD_OK);
    CHECK(pad_model_init_random(m, 5, &err) == PAD_OK);
    return m;
}

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
    pad_model *m = tiny_t5(be);
    char jsonl[512], out_j[512], shards[512], out_s[512], out_l[512];
    tmp_path(jsonl, "questions.jsonl");
    tmp_path(out_j, "eval-jsonl");
    tmp_path(shards, "shards");
    tmp_path(out_s, "eval-shards");
    tmp_path(out_l, "eval-limit");
    write_questions(jsonl);
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

int main(void)
{
    RUN(test_score_counts);
    RUN(test_smoke);
    return check_finish();
}
