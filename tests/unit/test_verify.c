/* Verification of teacher rows: outcome classes, kept rows, report, annotations,
 * thread-count independence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "core/rng.h"
#include "data/verify.h"
#include "io/json_file.h"

/* One input line and the outcome expected for it ("" for a blank line). */
typedef struct case_line {
    const char *text;
    const char *outcome;
} case_line;

static const case_line cases[] = {
    /* 1 */ {"{\"question\" :  \"q1\", \"code\": \"def solution():\\n    a = 7\\n    b = 6\\n    return a * b\\n\", "
             "\"num_answer\": \"42\", \"extra\": {\"k\": [1, 2.50]}}", "correct"},
    /* 2 */ {"{\"question\": \"q2\", \"code\": \"def solution():\\n    return 41\\n\", \"answer\": \"6*7=42\\n#### 42\"}",
             "wrong_answer"},
    /* 3 */ {"{\"question\": \"q3\", \"code\": \"def solution():\\n    return x + 1\\n\", \"num_answer\": 3}", "NameError"},
    /* 4 */ {"{\"question\" :  \"q1\", \"code\": \"def solution():\\n    a = 7\\n    b = 6\\n    return a * b\\n\", "
             "\"num_answer\": \"42\"}", "duplicate"},
    /* 5 */ {"{\"question\": \"q5\", \"code\": ", "malformed_json"},
    /* 6 */ {"{\"question\": \"q6\", \"num_answer\": 3}", "missing_field"},
    /* 7 */ {"", ""},
    /* 8 */ {"{\"question\": \"q8\", \"code\": \"Sorry, I cannot solve this.\", \"num_answer\": 1}", "no_program"},
    /* 9 */ {"{\"question\": \"q9\", \"code\": \"def solution():\\n    return 1 / 0\\n\", \"num_answer\": 1}",
             "ZeroDivisionError"},
    /* 10 */ {"{\"question\": \"q10\", \"code\": \"Here you go:\\n```python\\ndef solution():\\n    boxes = 16\\n"
              "    return boxes * 100\\n```\\nDone.\", \"answer\": \"#### 1,600\"}", "correct"},
    /* 11 */ {"{\"question\": \"q11\", \"code\": \"def solution():\\n    return 5 / 2\\n\", \"num_answer\": 2.5}",
              "correct"},
    /* 12 */ {"{\"question\": \"q12\", \"code\": \"def solution():\\n    return 'yes'\\n\", \"num_answer\": \"yes\"}",
              "correct"},
    /* 13 */ {"{\"question\": \"q13\", \"code\": \"def solution(:\\n    return 1\\n\", \"num_answer\": 1}", "SyntaxError"},
    /* 14 */ {"{\"question\": \"q14\", \"code\": \"def solution():\\n    a = 7\\n    b = 6\\n    return a * b\\n\", "
              "\"num_answer\": \"42\"}", "correct"},
    /* 15 */ {"[1, 2]", "malformed_json"},
    /* 16 */ {"{\"question\": \"q16\", \"code\": \"def solution():\\n    return -3\\n\", \"num_answer\": \"-3\"} tail",
              "malformed_json"},
    /* 17 */ {"{\"question\": \"q17\", \"code\": \"def solution():\\n    return 'no'\\n\", \"num_answer\": \"yes\"}",
              "wrong_answer"},
    /* 18 */ {"{\"question\": \"q18\", \"code\": \"def solution():\\n    return 10 - 13.5\\n\", \"num_answer\": \"-3.5\"}",
              "correct"},
    /* 19 */ {"{\"question\": \"q19\", \"code\": 7, \"num_answer\": 1}", "missing_field"},
    /* 20 */ {"{\"question\": \"q20\", \"code\": \"def solution():\\n    return 1\\n\", \"answer\": \"no marker\"}",
              "missing_field"},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len;
    if (pad_read_file(path, &text, &len, NULL)) return NULL;
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static pad_status run_verify(const char *in, const char *tag, int threads, verify_stats *s, char **kept, char **all,
                             cJSON **report)
{
    char kept_path[512], all_path[600], report_path[600];
    snprintf(kept_path, sizeof kept_path, "%s", check_tmp_path(tag));
    snprintf(all_path, sizeof all_path, "%s.all", kept_path);
    snprintf(report_path, sizeof report_path, "%s.report", kept_path);
    verify_options o;
    verify_options_default(&o);
    o.threads = threads;
    o.annotate_path = all_path;
    pad_status st = verify_file(in, kept_path, report_path, &o, s, NULL);
    *kept = slurp(kept_path);
    *all = slurp(all_path);
    *report = NULL;
    if (!st) pad_json_load(report_path, report, NULL);
    return st;
}

static void test_outcome_classes(void)
{
    char input[8192] = "", want_kept[8192] = "";
    for (int i = 0; i < NCASES; i++) {
        strcat(input, cases[i].text);
        strcat(input, "\n");
        if (strcmp(cases[i].outcome, "correct") == 0) {
            strcat(want_kept, cases[i].text);
            strcat(want_kept, "\n");
        }
    }
    char in[512]; /* check_tmp_path's buffer is reused */
    snprintf(in, sizeof in, "%s", check_tmp_path("cases.jsonl"));
    write_text(in, input);
    verify_stats s;
    char *kept, *all;
    cJSON *report;
    CHECK(run_verify(in, "cases.kept", 1, &s, &kept, &all, &report) == PAD_OK);
    /* every class count, from the table above */
    long rows = 0;
    for (int i = 0; i < NCASES; i++) {
        if (!cases[i].outcome[0]) continue;
        rows++;
        long want = 0;
        for (int j = 0; j < NCASES; j++) want += strcmp(cases[j].outcome, cases[i].outcome) == 0;
        CHECK_MSG(verify_stats_count(&s, cases[i].outcome) == want, "%s: %ld, want %ld", cases[i].outcome,
                  verify_stats_count(&s, cases[i].outcome), want);
    }
    long total = 0;
    for (int i = 0; i < s.class_count; i++) total += s.classes[i].count;
    CHECK(total == rows && s.rows == rows && s.lines == NCASES && s.blank_lines == 1);
    CHECK(s.kept == verify_stats_count(&s, "correct") && s.kept == 6);
    CHECK(s.executed == 11);   /* every row with a program, less the duplicate */
    CHECK(s.executable == 8);  /* correct + wrong_answer */
    /* kept rows byte for byte, in order */
    CHECK_MSG(kept && strcmp(kept, want_kept) == 0, "kept:\n%s", kept ? kept : "(none)");
    /* lines that are not rows, with their numbers */
    static const long bad_lines[] = {5, 6, 15, 16, 19, 20};
    CHECK(s.problem_count == 6);
    for (long i = 0; i < s.problem_count && i < 6; i++) CHECK(s.problems[i].line == bad_lines[i]);
    CHECK(s.problem_count >= 2 && strstr(s.problems[1].message, "'code'") != NULL);
    /* the report says the same */
    const cJSON *counts = cJSON_GetObjectItem(report, "counts");
    const cJSON *problems = cJSON_GetObjectItem(report, "problems");
    CHECK(cJSON_GetObjectItem(counts, "NameError") && cJSON_GetObjectItem(counts, "NameError")->valuedouble == 1);
    CHECK(cJSON_GetObjectItem(counts, "duplicate")->valuedouble == 1);
    CHECK(cJSON_GetArraySize(problems) == 6);
    CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(problems, 2), "line")->valuedouble == 15);
    CHECK(strcmp(cJSON_GetObjectItem(report, "executor")->valuestring, "builtin") == 0);
    CHECK(cJSON_GetObjectItem(report, "kept")->valuedouble == 6);
    CHECK(cJSON_GetObjectItem(report, "programs_per_second")->valuedouble > 0);
    /* annotations: one line per row, input order, the row's fields kept */
    int n = 0;
    for (char *line = all ? strtok(all, "\n") : NULL; line; line = strtok(NULL, "\n"), n++) {
        int i = n + (n >= 6); /* the blank line 7 has none */
        cJSON *row = cJSON_Parse(line);
        const char *outcome = cJSON_GetStringValue(cJSON_GetObjectItem(row, "outcome"));
        CHECK_MSG(outcome && strcmp(outcome, cases[i].outcome) == 0, "line %d: %s", i + 1, outcome);
        const cJSON *value = cJSON_GetObjectItem(row, "value");
        const char *etype = cJSON_GetStringValue(cJSON_GetObjectItem(row, "error_type"));
        const char *emsg = cJSON_GetStringValue(cJSON_GetObjectItem(row, "error_message"));
        if (i == 0) CHECK(strcmp(cJSON_GetStringValue(value), "42") == 0 && cJSON_GetObjectItem(row, "extra"));
        if (i == 1) CHECK(strcmp(cJSON_GetStringValue(value), "41") == 0 && strstr(emsg, "expected 42"));
        if (i == 2) CHECK(strcmp(etype, "NameError") == 0 && strstr(emsg, "'x'") && cJSON_IsNull(value));
        if (i == 3) CHECK(strstr(emsg, "line 1") != NULL);
        if (i == 4) CHECK(cJSON_GetObjectItem(row, "line")->valuedouble == 5);
        if (i == 11) CHECK(strcmp(cJSON_GetStringValue(value), "'yes'") == 0);
        if (i == 17) CHECK(strcmp(cJSON_GetStringValue(value), "-3.5") == 0);
        cJSON_Delete(row);
    }
    CHECK(n == NCASES - 1);
    free(kept);
    free(all);
    cJSON_Delete(report);
    verify_stats_free(&s);
}

/* Random programs, some right and some wrong, run with 1 and 3 threads:
 * the same bytes out. */
static void test_thread_independence(void)
{
    char in[512];
    snprintf(in, sizeof in, "%s", check_tmp_path("random.jsonl"));
    FILE *f = fopen(in, "wb");
    for (int i = 0; i < 2500; i++) { /* more than one chunk; rows 2000.. repeat rows 0.. */
        uint64_t k = 4 * (uint64_t)(i % 2000);
        int a = (int)(pad_rng_u32_at(2026, 3, k) % 90) + 1, b = (int)(pad_rng_u32_at(2026, 3, k + 1) % 90) + 1;
        int c = (int)(pad_rng_u32_at(2026, 3, k + 2) % 9) + 1, kind = (int)(pad_rng_u32_at(2026, 3, k + 3) % 10);
        long gold = (long)a * b + c + (kind == 0);
        if (kind == 1) fprintf(f, "not json %d\n", i % 2000);
        else if (kind == 2) fprintf(f, "{\"question\": \"t%d\", \"code\": \"def solution():\\n    return a%d\\n\", "
                                       "\"num_answer\": %ld}\n", i % 2000, a, gold);
        else fprintf(f, "{\"question\": \"t%d\", \"code\": \"def solution():\\n    a = %d\\n    b = %d\\n"
                        "    return a * b + %d / %d * %d\\n\", \"num_answer\": %ld}\n",
                     i % 2000, a, b, c, c, c, gold);
    }
    fclose(f);
    verify_stats s1, s3;
    char *kept1, *all1, *kept3, *all3;
    cJSON *rep1, *rep3;
    CHECK(run_verify(in, "random.kept1", 1, &s1, &kept1, &all1, &rep1) == PAD_OK);
    CHECK(run_verify(in, "random.kept3", 3, &s3, &kept3, &all3, &rep3) == PAD_OK);
    CHECK(kept1 && kept3 && strcmp(kept1, kept3) == 0);
    CHECK(all1 && all3 && strcmp(all1, all3) == 0);
    CHECK(s1.class_count == s3.class_count);
    for (int i = 0; i < s1.class_count && i < s3.class_count; i++)
        CHECK(strcmp(s1.classes[i].name, s3.classes[i].name) == 0 && s1.classes[i].count == s3.classes[i].count);
    CHECK(s1.rows == 2500 && s1.kept > 1000 && verify_stats_count(&s1, "wrong_answer") > 100);
    CHECK(verify_stats_count(&s1, "NameError") > 100 && verify_stats_count(&s1, "malformed_json") > 100);
    CHECK(verify_stats_count(&s1, "duplicate") > 300); /* rows repeat after 2000 */
    CHECK(s3.threads == 3 && s1.threads == 1);
    free(kept1), free(all1), free(kept3), free(all3);
    cJSON_Delete(rep1);
    cJSON_Delete(rep3);
    verify_stats_free(&s1);
    verify_stats_free(&s3);
}

static void test_io_errors(void)
{
    verify_options o;
    verify_options_default(&o);
    verify_stats s;
    pad_error e;
    char kept[512];
    snprintf(kept, sizeof kept, "%s", check_tmp_path("never.kept"));
    CHECK(verify_file("/nonexistent/in.jsonl", kept, check_tmp_path("never.report"), &o, &s, &e) == PAD_ERR_IO);
    CHECK(strstr(e.file, "/nonexistent/in.jsonl") != NULL);
    FILE *f = fopen(kept, "rb");
    CHECK(f == NULL); /* nothing half-written */
    if (f) fclose(f);
    verify_stats_free(&s);
}

/* The real teacher programs (skipped where ../shared/data is absent). */
static void test_real_teacher_file(void)
{
    const char *in = "../shared/data/pad-teacher/gsm8k_test_teacher_programs.jsonl";
    FILE *f = fopen(in, "rb");
    if (!f) {
        printf("skip test_real_teacher_file: %s not found\n", in);
        return;
    }
    fclose(f);
    verify_stats s;
    char *kept, *all;
    cJSON *report;
    CHECK(run_verify(in, "real.kept", 0, &s, &kept, &all, &report) == PAD_OK);
    long total = 0;
    for (int i = 0; i < s.class_count; i++) total += s.classes[i].count;
    CHECK(s.rows == 1315 && total == s.rows && s.problem_count == 0);
    double correct = (double)s.kept / (double)s.rows;
    CHECK_MSG(correct > 0.60 && correct < 0.80, "correct rate %.3f", correct);
    /* the data's README counts 109 texts with refusals or prose (some also hold
     * a program); exactly one solution() is missing in 80: 62 none, 18 several */
    CHECK_MSG(verify_stats_count(&s, "no_program") == 80, "no_program %ld", verify_stats_count(&s, "no_program"));
    long lines = 0;
    for (const char *p = kept; p && *p; p++) lines += *p == '\n';
    CHECK(lines == s.kept);
    free(kept);
    free(all);
    cJSON_Delete(report);
    verify_stats_free(&s);
}

int main(void)
{
    RUN(test_outcome_classes);
    RUN(test_thread_independence);
    RUN(test_io_errors);
    RUN(test_real_teacher_file);
    return check_finish();
}
