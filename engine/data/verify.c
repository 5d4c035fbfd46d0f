#include "data/verify.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <omp.h>

#include "data/seen_set.h"
#include "data/teacher.h"
#include "io/json_file.h"

/* Rows are read, run and written a chunk at a time, so memory stays bounded
 * on long inputs and progress can be shown between chunks. */
#define VERIFY_CHUNK 1024

static const char *const fixed_classes[] = {
    "correct", "wrong_answer", "step_limit", "timeout", "memory_limit", "recursion_limit",
    "size_limit", "overflow", "unsupported", "no_program", "duplicate", "missing_field",
    "malformed_json",
};

typedef enum row_state {
    ROW_BLANK = 0,
    ROW_MALFORMED,
    ROW_MISSING,
    ROW_NO_PROGRAM,
    ROW_DUPLICATE,
    ROW_RUN
} row_state;

typedef struct row_work {
    char *line;            /* the input line without its '\n' */
    size_t len;
    long lineno;
    row_state state;
    cJSON *json;
    const char *question;  /* inside json */
    teacher_gold gold;
    char *program;         /* extracted, malloc'd */
    int solutions;         /* `def solution` blocks found */
    long first_line;       /* of the row this one duplicates */
    char problem[160];     /* why the row is malformed or incomplete */
    exec_result res;
    pad_status fail;       /* the executor itself failed */
    pad_error err;
} row_work;

void verify_options_default(verify_options *o)
{
    memset(o, 0, sizeof *o);
    o->engine = EXEC_BUILTIN;
    exec_limits_default(&o->limits);
}

/* ---- outputs written to a temporary file, renamed when complete ---- */

typedef struct atomic_stream {
    FILE *fp;
    const char *path;
    char *tmp;
} atomic_stream;

static pad_status stream_open(atomic_stream *s, const char *path, pad_error *err)
{
    s->path = path;
    s->fp = NULL;
    size_t n = strlen(path) + 32;
    if (!(s->tmp = malloc(n))) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    snprintf(s->tmp, n, "%s.tmp%ld", path, (long)getpid());
    if ((s->fp = fopen(s->tmp, "wb"))) return PAD_OK;
    pad_error_set(err, PAD_ERR_IO, "cannot create temporary file: %s", strerror(errno));
    free(s->tmp);
    s->tmp = NULL;
    return pad_error_file(err, path);
}

static void stream_abort(atomic_stream *s)
{
    if (s->fp) fclose(s->fp);
    if (s->tmp) unlink(s->tmp);
    free(s->tmp);
    s->fp = NULL;
    s->tmp = NULL;
}

static pad_status stream_commit(atomic_stream *s, pad_error *err)
{
    int bad = fflush(s->fp) || ferror(s->fp) || fsync(fileno(s->fp));
    bad |= fclose(s->fp) != 0;
    s->fp = NULL;
    if (bad || rename(s->tmp, s->path)) {
        pad_error_set(err, PAD_ERR_IO, "cannot write: %s", strerror(errno));
        stream_abort(s);
        return pad_error_file(err, s->path);
    }
    free(s->tmp);
    s->tmp = NULL;
    return PAD_OK;
}

/* ---- per row ---- */

static const char *string_field(const cJSON *row, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(row, name);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

/* Parses the line, finds its fields and program (thread-safe). */
static void row_prepare(row_work *w)
{
    size_t i = 0;
    while (i < w->len && (w->line[i] == ' ' || w->line[i] == '\t' || w->line[i] == '\r')) i++;
    if (i == w->len) return; /* ROW_BLANK */
    w->state = ROW_MALFORMED;
    const char *end = NULL;
    w->json = cJSON_ParseWithLengthOpts(w->line, w->len, &end, 0);
    if (!w->json) {
        snprintf(w->problem, sizeof w->problem, "malformed JSON at column %ld",
                 end && end >= w->line ? (long)(end - w->line) + 1 : 1L);
        return;
    }
    while (end < w->line + w->len && (*end == ' ' || *end == '\t' || *end == '\r')) end++;
    if (end != w->line + w->len) {
        snprintf(w->problem, sizeof w->problem, "malformed JSON: text after the object at column %ld",
                 (long)(end - w->line) + 1);
        return;
    }
    if (!cJSON_IsObject(w->json)) {
        snprintf(w->problem, sizeof w->problem, "not a JSON object");
        return;
    }
    w->state = ROW_MISSING;
    const char *code = string_field(w->json, "code");
    if (!(w->question = string_field(w->json, "question"))) {
        snprintf(w->problem, sizeof w->problem, "missing field 'question' (a string)");
        return;
    }
    if (!code) {
        snprintf(w->problem, sizeof w->problem, "missing field 'code' (a string)");
        return;
    }
    pad_error e;
    pad_error_clear(&e);
    if (teacher_row_gold(w->json, &w->gold, &e)) {
        pad_error_format(&e, w->problem, sizeof w->problem);
        return;
    }
    w->fail = teacher_extract_program(code, strlen(code), &w->program, &w->solutions, &w->err);
    w->state = w->program ? ROW_RUN : ROW_NO_PROGRAM;
}

static void row_run(row_work *w, const verify_options *o)
{
    if (w->state != ROW_RUN) return;
    pad_error_clear(&w->err);
    w->fail = exec_run(o->engine, w->program, strlen(w->program), &o->limits, &w->res, &w->err);
}

static const char *row_class(const row_work *w)
{
    switch (w->state) {
    case ROW_MALFORMED: return "malformed_json";
    case ROW_MISSING: return "missing_field";
    case ROW_NO_PROGRAM: return "no_program";
    case ROW_DUPLICATE: return "duplicate";
    default: break;
    }
    if (w->res.outcome == EXEC_OK) return teacher_answer_matches(&w->res, &w->gold) ? "correct" : "wrong_answer";
    if (w->res.outcome == EXEC_ERROR) return w->res.error_type[0] ? w->res.error_type : "error";
    return exec_outcome_name(w->res.outcome);
}

static void row_free(row_work *w)
{
    free(w->line);
    cJSON_Delete(w->json);
    free(w->program);
    exec_result_free(&w->res);
}

/* ---- tallies ---- */

static int class_index(const verify_stats *s, const char *cls)
{
    for (int i = 0; i < s->class_count; i++)
        if (strcmp(s->classes[i].name, cls) == 0) return i;
    return -1;
}

static void tally(verify_stats *s, const char *cls, long n)
{
    int i = class_index(s, cls);
    if (i < 0 && s->class_count >= VERIFY_MAX_CLASSES - 1) { /* the last slot takes the rest */
        cls = "other_error";
        i = class_index(s, cls);
    }
    if (i < 0) {
        i = s->class_count++;
        snprintf(s->classes[i].name, VERIFY_CLASS_LEN, "%s", cls);
        s->classes[i].count = 0;
    }
    s->classes[i].count += n;
}

static pad_status add_problem(verify_stats *s, const row_work *w, const char *cls, pad_error *err)
{
    if ((s->problem_count & (s->problem_count - 1)) == 0) { /* grow at powers of two */
        size_t cap = s->problem_count ? 2 * (size_t)s->problem_count : 1;
        verify_problem *p = realloc(s->problems, cap * sizeof *p);
        if (!p) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        s->problems = p;
    }
    verify_problem *p = &s->problems[s->problem_count++];
    p->line = w->lineno;
    snprintf(p->cls, sizeof p->cls, "%s", cls);
    snprintf(p->message, sizeof p->message, "%s", w->problem);
    return PAD_OK;
}

long verify_stats_count(const verify_stats *s, const char *cls)
{
    int i = class_index(s, cls);
    return i < 0 ? 0 : s->classes[i].count;
}

void verify_stats_free(verify_stats *s)
{
    free(s->problems);
    s->problems = NULL;
    s->problem_count = 0;
}

/* ---- outputs ---- */

static void set_field(cJSON *o, const char *name, cJSON *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, name);
    cJSON_AddItemToObject(o, name, value);
}

static void row_message(const row_work *w, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (w->state) {
    case ROW_MALFORMED:
    case ROW_MISSING: snprintf(buf, size, "%s", w->problem); return;
    case ROW_NO_PROGRAM:
        snprintf(buf, size, "%d 'def solution' blocks in the teacher output (need exactly one)", w->solutions);
        return;
    case ROW_DUPLICATE: snprintf(buf, size, "same question and program as line %ld", w->first_line); return;
    default: break;
    }
    if (w->res.outcome == EXEC_OK) {
        if (!teacher_answer_matches(&w->res, &w->gold)) snprintf(buf, size, "expected %s", w->gold.text);
    } else {
        snprintf(buf, size, "%s", w->res.error_message);
    }
}

/* The row (or, for a line that is not an object, its line number and text)
 * with outcome, error_type, error_message and value. */
static char *annotated_line(const row_work *w, const char *cls)
{
    cJSON *o;
    if (w->state != ROW_MALFORMED) {
        o = cJSON_Duplicate(w->json, 1);
    } else if ((o = cJSON_CreateObject())) {
        cJSON_AddNumberToObject(o, "line", (double)w->lineno);
        cJSON_AddStringToObject(o, "raw", w->line);
    }
    if (!o) return NULL;
    char msg[400];
    row_message(w, msg, sizeof msg);
    int ran = w->state == ROW_RUN;
    set_field(o, "outcome", cJSON_CreateString(cls));
    set_field(o, "error_type", cJSON_CreateString(ran && w->res.outcome == EXEC_ERROR ? w->res.error_type : ""));
    set_field(o, "error_message", cJSON_CreateString(msg));
    set_field(o, "value", ran && w->res.value_repr ? cJSON_CreateString(w->res.value_repr) : cJSON_CreateNull());
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static pad_status write_row(const row_work *w, verify_stats *s, atomic_stream *kept, atomic_stream *all,
                            pad_error *err)
{
    if (w->state == ROW_BLANK) {
        s->blank_lines++;
        return PAD_OK;
    }
    const char *cls = row_class(w);
    s->rows++;
    tally(s, cls, 1);
    if (w->state == ROW_RUN) {
        s->executed++;
        s->executable += w->res.outcome == EXEC_OK;
    }
    if (w->state == ROW_MALFORMED || w->state == ROW_MISSING) {
        pad_status st = add_problem(s, w, cls, err);
        if (st) return st;
    }
    if (strcmp(cls, "correct") == 0) {
        s->kept++;
        fwrite(w->line, 1, w->len, kept->fp);
        fputc('\n', kept->fp);
    }
    if (all) {
        char *text = annotated_line(w, cls);
        if (!text) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory annotating line %ld", w->lineno);
        fputs(text, all->fp);
        fputc('\n', all->fp);
        free(text);
    }
    return PAD_OK;
}

/* ---- the run ---- */

/* Reads up to VERIFY_CHUNK lines; *n = 0 at the end of the input. */
static pad_status read_chunk(FILE *in, row_work *rows, int *n, verify_stats *s, const char *path,
                             pad_error *err)
{
    *n = 0;
    while (*n < VERIFY_CHUNK) {
        row_work *w = &rows[*n];
        size_t cap = 0;
        ssize_t got = getline(&w->line, &cap, in);
        if (got < 0) {
            free(w->line);
            w->line = NULL;
            if (ferror(in)) {
                pad_error_set(err, PAD_ERR_IO, "read failed: %s", strerror(errno));
                return pad_error_file(err, path);
            }
            return PAD_OK;
        }
        w->len = (size_t)got;
        if (w->len && w->line[w->len - 1] == '\n') w->line[--w->len] = '\0';
        w->lineno = ++s->lines;
        (*n)++;
    }
    return PAD_OK;
}

/* Marks repeats of an earlier (question, program) pair, in input order. */
static pad_status mark_duplicates(row_work *rows, int n, seen_set *seen, pad_error *err)
{
    for (int i = 0; i < n; i++) {
        row_work *w = &rows[i];
        if (w->fail) {
            if (err) *err = w->err;
            return w->fail;
        }
        if (w->state != ROW_RUN) continue;
        int64_t first = seen_set_insert(seen, seen_key_of(w->question, w->program), w->lineno);
        if (first < 0) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        if (first != w->lineno) {
            w->state = ROW_DUPLICATE;
            w->first_line = (long)first;
        }
    }
    return PAD_OK;
}

static pad_status process_chunk(row_work *rows, int n, const verify_options *o, int threads, seen_set *seen,
                                verify_stats *s, atomic_stream *kept, atomic_stream *all, pad_error *err)
{
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
    for (int i = 0; i < n; i++) row_prepare(&rows[i]);
    pad_status st = mark_duplicates(rows, n, seen, err);
    if (st) return st;
    double t0 = omp_get_wtime();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int i = 0; i < n; i++) row_run(&rows[i], o);
    s->exec_seconds += omp_get_wtime() - t0;
    for (int i = 0; i < n && !st; i++) {
        if (rows[i].fail) {
            if (err) *err = rows[i].err;
            return rows[i].fail;
        }
        st = write_row(&rows[i], s, kept, all, err);
    }
    return st;
}

static pad_status write_report(const char *path, const char *input, const verify_options *o,
                               const verify_stats *s, pad_error *err)
{
    cJSON *r = cJSON_CreateObject();
    if (!r) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(r, "input", input);
    cJSON_AddStringToObject(r, "executor", o->engine == EXEC_PYTHON ? "python" : "builtin");
    cJSON_AddNumberToObject(r, "threads", s->threads);
    cJSON_AddNumberToObject(r, "lines", (double)s->lines);
    cJSON_AddNumberToObject(r, "blank_lines", (double)s->blank_lines);
    cJSON_AddNumberToObject(r, "rows", (double)s->rows);
    cJSON_AddNumberToObject(r, "executed", (double)s->executed);
    cJSON_AddNumberToObject(r, "executable", (double)s->executable);
    cJSON_AddNumberToObject(r, "kept", (double)s->kept);
    double rows = s->rows ? (double)s->rows : 1.0;
    cJSON_AddNumberToObject(r, "correct_rate", (double)s->kept / rows);
    cJSON_AddNumberToObject(r, "executable_rate", (double)s->executable / rows);
    cJSON_AddNumberToObject(r, "seconds", s->seconds);
    cJSON_AddNumberToObject(r, "exec_seconds", s->exec_seconds);
    cJSON_AddNumberToObject(r, "rows_per_second", s->seconds > 0 ? (double)s->rows / s->seconds : 0);
    cJSON_AddNumberToObject(r, "programs_per_second",
                            s->exec_seconds > 0 ? (double)s->executed / s->exec_seconds : 0);
    cJSON *counts = cJSON_AddObjectToObject(r, "counts");
    cJSON *problems = cJSON_AddArrayToObject(r, "problems");
    for (int i = 0; counts && i < s->class_count; i++)
        cJSON_AddNumberToObject(counts, s->classes[i].name, (double)s->classes[i].count);
    for (long i = 0; problems && i < s->problem_count; i++) {
        cJSON *p = cJSON_CreateObject();
        if (!p) break;
        cJSON_AddItemToArray(problems, p);
        cJSON_AddNumberToObject(p, "line", (double)s->problems[i].line);
        cJSON_AddStringToObject(p, "class", s->problems[i].cls);
        cJSON_AddStringToObject(p, "message", s->problems[i].message);
    }
    pad_status st = pad_json_save(path, r, err);
    cJSON_Delete(r);
    return st;
}

static pad_status verify_stream(FILE *in, const char *input, const verify_options *o, verify_stats *s,
                                atomic_stream *kept, atomic_stream *all, pad_error *err)
{
    row_work *rows = calloc(VERIFY_CHUNK, sizeof *rows);
    if (!rows) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    seen_set seen = {0};
    pad_status st = PAD_OK;
    for (;;) {
        int n;
        st = read_chunk(in, rows, &n, s, input, err);
        if (!st && n) st = process_chunk(rows, n, o, s->threads, &seen, s, kept, all, err);
        for (int i = 0; i < n; i++) row_free(&rows[i]);
        memset(rows, 0, (size_t)n * sizeof *rows);
        if (st || !n) break;
        if (o->progress) o->progress(o->progress_ctx, s->lines);
    }
    seen_set_free(&seen);
    free(rows);
    return st;
}

pad_status verify_file(const char *input, const char *kept_path, const char *report_path,
                       const verify_options *o, verify_stats *s, pad_error *err)
{
    memset(s, 0, sizeof *s);
    s->threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    for (size_t i = 0; i < sizeof fixed_classes / sizeof fixed_classes[0]; i++) tally(s, fixed_classes[i], 0);
    double t0 = omp_get_wtime();
    FILE *in = fopen(input, "rb");
    if (!in) {
        pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
        return pad_error_file(err, input);
    }
    atomic_stream kept = {0}, all = {0};
    pad_status st = stream_open(&kept, kept_path, err);
    if (!st && o->annotate_path) st = stream_open(&all, o->annotate_path, err);
    if (!st) st = verify_stream(in, input, o, s, &kept, o->annotate_path ? &all : NULL, err);
    fclose(in);
    s->seconds = omp_get_wtime() - t0;
    if (!st) st = stream_commit(&kept, err);
    if (!st && o->annotate_path) st = stream_commit(&all, err);
    if (!st) st = write_report(report_path, input, o, s, err);
    stream_abort(&kept);
    stream_abort(&all);
    return st;
}
