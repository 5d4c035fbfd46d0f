/* The synthetic teacher: determinism, disjoint splits, gold answers that the
 * programs really compute (run with the built-in executor), fault rates,
 * template variety. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "data/synth.h"
#include "data/teacher.h"
#include "exec/exec.h"
#include "io/json_file.h"

static const char *const splits[3] = {"train", "validation", "test"};

static char *slurp_split(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = NULL;
    size_t len;
    if (pad_read_file(path, &text, &len, NULL)) return NULL;
    return text;
}

static pad_status write_dir(const char *name, uint64_t seed, long train, char *dir, size_t size)
{
    snprintf(dir, size, "%s", check_tmp_path(name));
    synth_options o = {seed, train, train / 12, train / 12};
    synth_summary s;
    return synth_write(dir, &o, &s, NULL);
}

static void test_deterministic_by_seed(void)
{
    char a[512], b[512], c[512];
    CHECK(write_dir("seed7a", 7, 360, a, sizeof a) == PAD_OK);
    CHECK(write_dir("seed7b", 7, 360, b, sizeof b) == PAD_OK);
    CHECK(write_dir("seed8", 8, 360, c, sizeof c) == PAD_OK);
    static const char *const files[] = {"train.jsonl", "validation.jsonl", "test.jsonl", "synth_report.json"};
    for (int i = 0; i < 4; i++) {
        char *x = slurp_split(a, files[i]), *y = slurp_split(b, files[i]), *z = slurp_split(c, files[i]);
        CHECK_MSG(x && y && strcmp(x, y) == 0, "%s differs under the same seed", files[i]);
        if (i < 3) CHECK_MSG(x && z && strcmp(x, z) != 0, "%s equal under another seed", files[i]);
        free(x), free(y), free(z);
    }
    /* a row is a pure function of (seed, index, attempt) */
    synth_row r1, r2;
    CHECK(synth_make_row(99, 12345, 0, &r1, NULL) == PAD_OK);
    CHECK(synth_make_row(99, 12345, 0, &r2, NULL) == PAD_OK);
    CHECK(strcmp(r1.question, r2.question) == 0 && strcmp(r1.code, r2.code) == 0 && r1.answer == r2.answer);
    synth_row_free(&r1);
    synth_row_free(&r2);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct tally {
    long rows, faulty, failing, clean_correct, clean;
    long per_template[64];
    long split_rows[3];
} tally;

/* Runs one row's teacher output the way verification does. */
static int verifies_correct(const cJSON *row)
{
    const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(row, "code"));
    teacher_gold gold;
    char *prog = NULL;
    int n = 0;
    if (!code || teacher_row_gold(row, &gold, NULL) ||
        teacher_extract_program(code, strlen(code), &prog, &n, NULL) || !prog)
        return 0;
    exec_limits lim;
    exec_limits_default(&lim);
    exec_result r;
    int ok = exec_run(EXEC_BUILTIN, prog, strlen(prog), &lim, &r, NULL) == PAD_OK && teacher_answer_matches(&r, &gold);
    exec_result_free(&r);
    free(prog);
    return ok;
}

static void check_row(const cJSON *row, tally *t)
{
    const char *fault = cJSON_GetStringValue(cJSON_GetObjectItem(row, "fault"));
    const char *tpl = cJSON_GetStringValue(cJSON_GetObjectItem(row, "template"));
    const cJSON *ans = cJSON_GetObjectItem(row, "num_answer");
    CHECK(fault && tpl && cJSON_IsNumber(ans) && cJSON_GetObjectItem(row, "id"));
    if (!fault || !tpl || !cJSON_IsNumber(ans)) return;
    /* answers are integers or simple decimals */
    double cents = ans->valuedouble * 100;
    CHECK_MSG(ans->valuedouble >= 0 && fabs(cents - round(cents)) < 1e-6, "answer %.17g", ans->valuedouble);
    for (int i = 0; i < synth_template_count(); i++)
        t->per_template[i] += strcmp(tpl, synth_template_name(i)) == 0;
    int correct = verifies_correct(row);
    int wrong = strcmp(fault, "none") != 0 && strcmp(fault, "chatter") != 0;
    t->rows++;
    t->faulty += wrong;
    t->failing += !correct;
    if (!wrong) {
        t->clean++;
        t->clean_correct += correct;
        CHECK_MSG(correct, "a %s row does not verify: %s", fault,
                  cJSON_GetStringValue(cJSON_GetObjectItem(row, "code")));
    } else {
        CHECK_MSG(!correct, "a %s row verifies: %s", fault, cJSON_GetStringValue(cJSON_GetObjectItem(row, "code")));
    }
}

static void test_splits_and_programs(void)
{
    char dir[512];
    CHECK(write_dir("main", 2026, 1200, dir, sizeof dir) == PAD_OK);
    tally t;
    memset(&t, 0, sizeof t);
    char **questions = calloc(2000, sizeof *questions);
    long nq = 0;
    for (int s = 0; s < 3; s++) {
        char name[64];
        snprintf(name, sizeof name, "%s.jsonl", splits[s]);
        char *text = slurp_split(dir, name);
        CHECK(text != NULL);
        for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
            cJSON *row = cJSON_Parse(line);
            CHECK(row != NULL);
            const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(row, "question"));
            if (q && nq < 2000) questions[nq++] = strdup(q);
            check_row(row, &t);
            t.split_rows[s]++;
            cJSON_Delete(row);
        }
        free(text);
    }
    CHECK(t.split_rows[0] == 1200 && t.split_rows[1] == 100 && t.split_rows[2] == 100);
    /* no question twice, so no question in two splits */
    qsort(questions, (size_t)nq, sizeof *questions, cmp_str);
    long repeats = 0;
    for (long i = 1; i < nq; i++) repeats += strcmp(questions[i - 1], questions[i]) == 0;
    CHECK(nq == 1400 && repeats == 0);
    for (long i = 0; i < nq; i++) free(questions[i]);
    free(questions);
    /* about 27% faulty, and those are exactly the ones that fail */
    double faulty = (double)t.faulty / (double)t.rows, failing = (double)t.failing / (double)t.rows;
    CHECK_MSG(faulty > 0.22 && faulty < 0.32, "faulty %.3f", faulty);
    CHECK_MSG(failing > 0.22 && failing < 0.32, "failing %.3f", failing);
    CHECK(t.clean_correct == t.clean);
    /* variety: at least 20 templates, each of them used */
    CHECK(synth_template_count() >= 20);
    int used = 0;
    for (int i = 0; i < synth_template_count(); i++) used += t.per_template[i] > 0;
    CHECK_MSG(used == synth_template_count(), "%d of %d templates used", used, synth_template_count());
}

static void test_report(void)
{
    char dir[512];
    CHECK(write_dir("report", 5, 240, dir, sizeof dir) == PAD_OK);
    char *text = slurp_split(dir, "synth_report.json");
    cJSON *r = text ? cJSON_Parse(text) : NULL;
    CHECK(r != NULL);
    const cJSON *rows = cJSON_GetObjectItem(r, "rows");
    CHECK(cJSON_GetObjectItem(rows, "train") && cJSON_GetObjectItem(rows, "train")->valuedouble == 240);
    CHECK(cJSON_GetObjectItem(r, "templates")->valuedouble == synth_template_count());
    double rate = cJSON_GetObjectItem(r, "faulty_rate")->valuedouble;
    CHECK(rate > 0.15 && rate < 0.40);
    cJSON_Delete(r);
    free(text);
    synth_options bad = {1, -1, 0, 0};
    synth_summary s;
    CHECK(synth_write(dir, &bad, &s, NULL) == PAD_ERR_INVALID);
}

int main(void)
{
    RUN(test_deterministic_by_seed);
    RUN(test_splits_and_programs);
    RUN(test_report);
    return check_finish();
}
