/* pad: error injection: options, the per-program loop (draw a kind, edit,
 * run, keep or discard) and the JSONL file driver. */
#include "data/inject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/inject_internal.h"
#include "data/refine.h"
#include "io/atomic_file.h"
#include "io/json_file.h"

static const char *const KIND_NAMES[INJECT_KIND_COUNT] = {"const", "op", "var", "undef", "drop", "swap", "syntax"};

const char *inject_kind_name(inject_kind k)
{
    return (unsigned)k < INJECT_KIND_COUNT ? KIND_NAMES[k] : "?";
}

int inject_kind_parse(const char *name)
{
    for (int k = 0; k < INJECT_KIND_COUNT; k++)
        if (!strcmp(name, KIND_NAMES[k])) return k;
    return -1;
}

void inject_options_default(inject_options *o)
{
    memset(o, 0, sizeof *o);
    o->per_program = 2;
    for (int k = 0; k < INJECT_KIND_COUNT; k++) o->weights[k] = 1.0;
    exec_limits_default(&o->limits);
}

pad_status inject_parse_weights(const char *spec, inject_options *o, pad_error *err)
{
    double w[INJECT_KIND_COUNT] = {0}, total = 0;
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, ",");
        char part[64];
        if (n == 0 || n >= sizeof part) return pad_error_set(err, PAD_ERR_INVALID, "bad kind weight near '%s'", p);
        memcpy(part, p, n);
        part[n] = '\0';
        char *eq = strchr(part, '='), *end = NULL;
        if (eq) *eq = '\0';
        int k = inject_kind_parse(part);
        double v = eq ? strtod(eq + 1, &end) : 1.0;
        if (k < 0)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "unknown error kind '%s' (const, op, var, undef, drop, swap, syntax)", part);
        if (eq && (end == eq + 1 || *end || !(v >= 0) || v > 1e6))
            return pad_error_set(err, PAD_ERR_INVALID, "kind '%s': weight must be a number >= 0", part);
        w[k] = v;
        p += n + (p[n] == ',');
    }
    for (int k = 0; k < INJECT_KIND_COUNT; k++) total += w[k];
    if (!(total > 0)) return pad_error_set(err, PAD_ERR_INVALID, "kind weights: at least one must be > 0");
    memcpy(o->weights, w, sizeof w);
    return PAD_OK;
}

void inject_edit_free(inject_edit *e)
{
    free(e->program);
    e->program = NULL;
}

pad_status inject_apply(const char *program, inject_kind kind, pad_rng *rng, inject_edit *out, int *found,
                        pad_error *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    inj_program p;
    int rc = inj_analyse(&p, program, strlen(program));
    if (!rc) rc = inj_edit_kind(&p, kind, rng, out, found);
    inj_program_free(&p);
    if (rc == -2) {
        inject_edit_free(out);
        *found = 0;
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory injecting an error");
    }
    if (rc) *found = 0;
    return PAD_OK;
}

static inject_kind draw_kind(const inject_options *o, pad_rng *rng)
{
    double total = 0, acc = 0;
    int last = 0;
    for (int k = 0; k < INJECT_KIND_COUNT; k++) {
        total += o->weights[k];
        if (o->weights[k] > 0) last = k;
    }
    double u = (double)pad_rng_next_uniform(rng) * total;
    for (int k = 0; k < INJECT_KIND_COUNT; k++) {
        acc += o->weights[k];
        if (o->weights[k] > 0 && u < acc) return (inject_kind)k;
    }
    return (inject_kind)last;
}

void inject_faults_free(inject_fault *faults, int count)
{
    for (int i = 0; faults && i < count; i++) inject_edit_free(&faults[i].edit);
    free(faults);
}

static int already_made(const inject_fault *f, int n, const char *program)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i].edit.program, program)) return 1;
    return 0;
}

/* Runs the edited program: 1 when it still returns the gold, else 0 with its
 * feedback; -1 when pad itself failed. */
static int still_correct(const inject_edit *e, const teacher_gold *gold, const inject_options *o, char *feedback,
                         size_t size, pad_error *err)
{
    exec_result r;
    if (exec_run(EXEC_BUILTIN, e->program, strlen(e->program), &o->limits, &r, err)) return -1;
    int ok = teacher_answer_matches(&r, gold);
    if (!ok) refine_feedback(&r, feedback, size);
    exec_result_free(&r);
    return ok;
}

pad_status inject_program(const char *program, const teacher_gold *gold, const inject_options *o,
                          uint64_t stream, inject_fault **faults, int *count, inject_report *rep,
                          pad_error *err)
{
    *faults = NULL;
    *count = 0;
    if (o->per_program < 1) return PAD_OK;
    inject_fault *f = calloc((size_t)o->per_program, sizeof *f);
    if (!f) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_rng rng;
    pad_rng_init(&rng, o->seed, stream);
    int attempts = o->max_attempts > 0 ? o->max_attempts : 4 * o->per_program, n = 0;
    pad_status st = PAD_OK;
    for (int a = 0; a < attempts && n < o->per_program && !st; a++) {
        inject_kind kind = draw_kind(o, &rng);
        inject_kind_counts *c = &rep->kinds[kind];
        inject_fault *cur = &f[n];
        int found = 0;
        c->attempted++;
        st = inject_apply(program, kind, &rng, &cur->edit, &found, err);
        if (st) break;
        if (!found) {
            c->no_site++;
            continue;
        }
        int verdict = already_made(f, n, cur->edit.program)
                          ? 2
                          : still_correct(&cur->edit, gold, o, cur->feedback, sizeof cur->feedback, err);
        if (verdict < 0) st = err ? err->code : PAD_ERR_BACKEND;
        else if (verdict == 0) {
            cur->kind = kind;
            c->injected++;
            n++;
            continue;
        } else if (verdict == 1) c->still_correct++;
        else c->duplicate++;
        inject_edit_free(&cur->edit);
    }
    if (st) {
        inject_faults_free(f, n + 1);
        return st;
    }
    *faults = f;
    *count = n;
    return PAD_OK;
}

/* ---- the file driver ---- */

static void row_id(const cJSON *row, long line, char *id, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "id");
    if (cJSON_IsString(v)) snprintf(id, size, "%s", v->valuestring);
    else if (cJSON_IsNumber(v)) snprintf(id, size, "%.17g", v->valuedouble);
    else snprintf(id, size, "line-%ld", line);
}

/* One refine row as a line of JSON; 0, or -1 out of memory. */
static int write_fault(FILE *out, const cJSON *row, const char *question, const char *id, int k,
                       const char *target, const inject_fault *f)
{
    char rid[160];
    snprintf(rid, sizeof rid, "%s#%d", id, k);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", rid);
    cJSON_AddStringToObject(o, "source_id", id);
    cJSON_AddStringToObject(o, "question", question);
    cJSON_AddStringToObject(o, "program", f->edit.program);
    cJSON_AddStringToObject(o, "feedback", f->feedback);
    cJSON_AddStringToObject(o, "kind", inject_kind_name(f->kind));
    cJSON_AddStringToObject(o, "detail", f->edit.detail);
    cJSON_AddNumberToObject(o, "line", f->edit.line);
    cJSON_AddStringToObject(o, "target", target);
    static const char *const gold_keys[] = {"num_answer", "answer"};
    for (int g = 0; g < 2; g++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, gold_keys[g]);
        if (v) cJSON_AddItemToObject(o, gold_keys[g], cJSON_Duplicate(v, 1));
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) return -1;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

/* The row's program when it returns its gold; NULL (counted as skipped) otherwise. */
static pad_status usable_program(const cJSON *row, const inject_options *o, const teacher_gold *gold,
                                 char **program, pad_error *err)
{
    *program = NULL;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(row, "code");
    if (!cJSON_IsString(code)) return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field 'code'");
    int solutions;
    pad_status st = teacher_extract_program(code->valuestring, strlen(code->valuestring), program, &solutions, err);
    if (st || !*program) return st;
    if (o->strip_docstrings) teacher_strip_docstrings(*program);
    exec_result r;
    if ((st = exec_run(EXEC_BUILTIN, *program, strlen(*program), &o->limits, &r, err))) return st;
    if (!teacher_answer_matches(&r, gold)) {
        free(*program);
        *program = NULL;
    }
    exec_result_free(&r);
    return PAD_OK;
}

static pad_status inject_row(FILE *out, const cJSON *row, long line, long index, const inject_options *o,
                             inject_report *rep, pad_error *err)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(row, "question");
    if (!cJSON_IsString(q)) return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field 'question'");
    teacher_gold gold;
    char *program = NULL, id[128];
    pad_status st = teacher_row_gold(row, &gold, err);
    if (!st) st = usable_program(row, o, &gold, &program, err);
    if (st) return st;
    if (!program) {
        rep->skipped++;
        return PAD_OK;
    }
    rep->used++;
    row_id(row, line, id, sizeof id);
    inject_fault *f;
    int n;
    st = inject_program(program, &gold, o, (uint64_t)index, &f, &n, rep, err);
    for (int k = 0; !st && k < n; k++) {
        if (write_fault(out, row, q->valuestring, id, k, program, &f[k]))
            st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        rep->written += !st;
    }
    inject_faults_free(f, n);
    free(program);
    return st;
}

pad_status inject_file(const char *input, const char *output, const inject_options *o, inject_report *rep,
                       pad_error *err)
{
    memset(rep, 0, sizeof *rep);
    FILE *in = fopen(input, "r");
    if (!in) {
        pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
        return pad_error_file(err, input);
    }
    pad_atomic_file out;
    pad_status st = pad_atomic_open(&out, output, err);
    if (st) {
        fclose(in);
        return st;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long number = 0;
    while (!st && (len = getline(&line, &cap, in)) >= 0) {
        number++;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        cJSON *row = NULL;
        st = pad_json_parse(line, (size_t)len, &row, err);
        if (!st && !cJSON_IsObject(row)) st = pad_error_set(err, PAD_ERR_FORMAT, "row is not an object");
        if (!st) st = inject_row(out.fp, row, number, rep->rows, o, rep, err);
        rep->rows++;
        cJSON_Delete(row);
        if (st && err) {
            err->line = number;
            pad_error_file(err, input);
        }
    }
    free(line);
    fclose(in);
    if (st) {
        pad_atomic_commit(&out, 1, NULL);
        return st;
    }
    return pad_atomic_commit(&out, ferror(out.fp), err);
}
