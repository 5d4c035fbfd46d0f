/* The refine template and the executor's feedback; refine rows written by
 * inject_file and built into `refine` shards decode back to the template
 * (source) and the correct program (target). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/inject.h"
#include "data/refine.h"
#include "data/shard_build.h"
#include "data/synth.h"
#include "io/hdf5_shard.h"
#include "io/json_file.h"

static void feedback_of(const char *program, char *buf, size_t size)
{
    exec_limits lim;
    exec_limits_default(&lim);
    lim.max_steps = 20000;
    exec_result r;
    CHECK(exec_run(EXEC_BUILTIN, program, strlen(program), &lim, &r, NULL) == PAD_OK);
    refine_feedback(&r, buf, size);
    exec_result_free(&r);
}

static void test_feedback(void)
{
    char fb[320];
    feedback_of("def solution():\n    a = 4\n    b = a * 3\n    return b + c\n", fb, sizeof fb);
    CHECK_MSG(!strcmp(fb, "NameError: name 'c' is not defined (line 4)"), "%s", fb);
    feedback_of("def solution():\n    a = 41\n    return a * 2 - 41\n", fb, sizeof fb);
    CHECK_MSG(!strcmp(fb, "wrong answer: the program returned 41"), "%s", fb);
    feedback_of("def solution():\n    return 7 / 2\n", fb, sizeof fb);
    CHECK_MSG(!strcmp(fb, "wrong answer: the program returned 3.5"), "%s", fb);
    feedback_of("def solution():\n    x = (1 + 2\n    return x\n", fb, sizeof fb);
    CHECK_MSG(!strncmp(fb, "SyntaxError: ", 13) && strstr(fb, "(line 2)"), "%s", fb);
    feedback_of("def solution():\n    n = 0\n    while True:\n        n += 1\n", fb, sizeof fb);
    CHECK_MSG(!strncmp(fb, "step_limit", 10), "%s", fb);
    feedback_of("def solution():\n    return 'ab' * 50\n", fb, sizeof fb);
    CHECK_MSG(strlen(fb) == strlen("wrong answer: the program returned ") + 60 + 3 && !strcmp(fb + strlen(fb) - 3, "..."),
              "%s", fb);
    feedback_of("def solution():\n    return 5 // (2 - 2)\n", fb, sizeof fb);
    CHECK_MSG(!strncmp(fb, "ZeroDivisionError: ", 19) && strstr(fb, "(line 2)"), "%s", fb);
    /* a small buffer is cut, still terminated */
    char small[12];
    feedback_of("def solution():\n    return zz\n", small, sizeof small);
    CHECK(strlen(small) == sizeof small - 1 && !strncmp(small, "NameError: ", 11));
}

static void test_template(void)
{
    char *s = refine_source("How many eggs?", "def solution():\n    return 3\n\n", "wrong answer: the program returned 3");
    CHECK(s && !strcmp(s, "Question: How many eggs?\nProgram:\ndef solution():\n    return 3\n"
                          "Feedback: wrong answer: the program returned 3\nFix the program."));
    free(s);
    cJSON *row = NULL;
    const char *json = "{\"question\":\"Q?\",\"program\":\"def solution():\\n    return x\\n\","
                       "\"feedback\":\"NameError: name 'x' is not defined (line 2)\"}";
    CHECK(pad_json_parse(json, strlen(json), &row, NULL) == PAD_OK);
    char *t = NULL;
    CHECK(refine_source_from_row(row, &t, NULL) == PAD_OK);
    char *want = refine_source("Q?", "def solution():\n    return x\n", "NameError: name 'x' is not defined (line 2)");
    CHECK(t && want && !strcmp(t, want));
    free(t);
    free(want);
    cJSON_DeleteItemFromObject(row, "feedback");
    pad_error err;
    CHECK(refine_source_from_row(row, &t, &err) == PAD_ERR_FORMAT && strstr(err.message, "'feedback'"));
    cJSON_Delete(row);
}

/* Synthetic verified rows in a file: correct programs only. */
static int write_rows(const char *path, int count)
{
    FILE *f = fopen(path, "w");
    int n = 0;
    for (uint64_t i = 0; n < count && i < 100; i++) {
        synth_row r;
        if (synth_make_row(5, i, 0, &r, NULL)) continue;
        if (r.fault == SYNTH_FAULT_NONE) {
            cJSON *o = cJSON_CreateObject();
            char id[32];
            snprintf(id, sizeof id, "row-%d", n);
            cJSON_AddStringToObject(o, "id", id);
            cJSON_AddStringToObject(o, "question", r.question);
            cJSON_AddStringToObject(o, "code", r.code);
            cJSON_AddNumberToObject(o, "num_answer", r.answer);
            char *text = cJSON_PrintUnformatted(o);
            fprintf(f, "%s\n", text);
            free(text);
            cJSON_Delete(o);
            n++;
        }
        synth_row_free(&r);
    }
    fclose(f);
    return n;
}

static char *decode(const pad_tokenizer *tok, const hdf5_shard *s, hdf5_shard_column c, int64_t i)
{
    int64_t n;
    const int32_t *ids = hdf5_shard_tokens(s, c, i, &n);
    char *text = NULL;
    size_t len;
    CHECK(pad_tokenizer_decode(tok, ids, (size_t)n, 1, &text, &len, NULL) == PAD_OK);
    return text;
}

static void test_inject_file_to_shards(void)
{
    char in[512], out[512], dir[512]; /* check_tmp_path reuses one buffer */
    snprintf(in, sizeof in, "%s", check_tmp_path("verified.jsonl"));
    snprintf(out, sizeof out, "%s", check_tmp_path("refine.jsonl"));
    snprintf(dir, sizeof dir, "%s", check_tmp_path("refine-shards"));
    CHECK(write_rows(in, 12) == 12);
    inject_options o;
    inject_options_default(&o);
    o.seed = 3;
    o.per_program = 2;
    o.strip_docstrings = 1;
    inject_report rep;
    CHECK(inject_file(in, out, &o, &rep, NULL) == PAD_OK);
    CHECK(rep.rows == 12 && rep.used == 12 && rep.written == 24);

    pad_tokenizer *tok = NULL;
    CHECK(shard_open_tokenizer("bytes", &tok, NULL) == PAD_OK);
    shard_build_options so;
    shard_build_options_default(&so);
    so.kind = "refine";
    so.tokenizer_name = "bytes";
    so.max_source_len = so.max_target_len = 4096;
    shard_manifest m;
    pad_error err;
    CHECK_MSG(shard_build(out, tok, dir, &so, &m, &err) == PAD_OK, "%s", err.message);
    CHECK(m.counts.examples == 24 && m.count == 1 && !strcmp(m.kind, "refine"));
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, m.shards[0].file);
    hdf5_shard s;
    CHECK(hdf5_shard_read(path, NULL, 1, &s, NULL) == PAD_OK);
    CHECK(!strcmp(s.kind, "refine") && hdf5_shard_rows(&s) == 24);

    /* every example: source = the template of its row, target = the correct program */
    FILE *f = fopen(out, "r");
    char *line = NULL;
    size_t cap = 0;
    int64_t i = 0;
    while (getline(&line, &cap, f) > 0 && i < hdf5_shard_rows(&s)) {
        cJSON *row = NULL;
        CHECK(pad_json_parse(line, strlen(line), &row, NULL) == PAD_OK);
        char *want = NULL;
        CHECK(refine_source_from_row(row, &want, NULL) == PAD_OK);
        char *src = decode(tok, &s, HDF5_SHARD_SOURCE, i), *tgt = decode(tok, &s, HDF5_SHARD_TARGET, i);
        const char *target = cJSON_GetObjectItem(row, "target")->valuestring;
        const char *program = cJSON_GetObjectItem(row, "program")->valuestring;
        CHECK(src && want && !strcmp(src, want));
        CHECK(tgt && !strcmp(tgt, target));
        CHECK(strcmp(program, target) != 0 && !strstr(target, "\"\"\""));
        free(src);
        free(tgt);
        free(want);
        cJSON_Delete(row);
        i++;
    }
    CHECK(i == 24);
    free(line);
    fclose(f);
    hdf5_shard_free(&s);
    shard_manifest_free(&m);
    pad_tokenizer_free(tok);
}

int main(void)
{
    RUN(test_feedback);
    RUN(test_template);
    RUN(test_inject_file_to_shards);
    return check_finish();
}
