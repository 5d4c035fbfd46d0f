#include "data/synth.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "data/seen_set.h"
#include "data/synth_internal.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/json_file.h"

/* Attempts per row live in one RNG stream each: stream = index * this + attempt. */
#define SYNTH_ATTEMPTS 4096

/* ---- the builder the templates use ---- */

long sb_range(synth_builder *b, long lo, long hi)
{
    return lo + (long)pad_rng_next_below(&b->rng, (uint32_t)(hi - lo + 1));
}

long sb_step(synth_builder *b, long lo, long hi, long step)
{
    return lo + step * sb_range(b, 0, (hi - lo) / step);
}

const char *sb_pick_(synth_builder *b, const char *const *list, int n)
{
    return list[sb_range(b, 0, n - 1)];
}

static int sb_add(synth_builder *b, const char *name)
{
    if (b->n == SYNTH_MAX_VARS) {
        b->overflow = 1;
        return b->n - 1;
    }
    synth_var *v = &b->v[b->n];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    return b->n++;
}

int sb_int(synth_builder *b, const char *name, long value)
{
    int i = sb_add(b, name);
    b->v[i].value = (double)value;
    b->v[i].is_int = 1;
    return i;
}

int sb_dec(synth_builder *b, const char *name, double value)
{
    int i = sb_add(b, name);
    b->v[i].value = value;
    return i;
}

int sb_op(synth_builder *b, const char *name, int a, char op, int c)
{
    int i = sb_add(b, name);
    b->v[i].op = op;
    b->v[i].a = a;
    b->v[i].b = c;
    return i;
}

void sb_say(synth_builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->question + b->qlen, sizeof b->question - b->qlen, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b->question - b->qlen) b->overflow = 1;
    else b->qlen += (size_t)n;
}

/* ---- evaluation, as CPython computes it ----
 * int op int stays an exact integer for + - *; true division and anything
 * touching a float is IEEE double, which CPython floats are. */

typedef struct num {
    int is_int;
    long long i;
    double d;
} num;

static double num_d(num x) { return x.is_int ? (double)x.i : x.d; }

/* 0 and the value of the last line; -1 on ZeroDivisionError or a number
 * too large for an answer. */
static int eval_program(const synth_var *v, int n, double *out)
{
    num val[SYNTH_MAX_VARS];
    for (int k = 0; k < n; k++) {
        num r = {0, 0, 0};
        if (!v[k].op) {
            r.is_int = v[k].is_int;
            r.i = (long long)v[k].value;
            r.d = v[k].value;
        } else {
            num a = val[v[k].a], b = val[v[k].b];
            if (v[k].op == '/') {
                if (num_d(b) == 0) return -1;
                r.d = num_d(a) / num_d(b);
            } else if (a.is_int && b.is_int) {
                r.is_int = 1;
                if (llabs(a.i) > 1000000000LL || llabs(b.i) > 1000000000LL) return -1;
                r.i = v[k].op == '+' ? a.i + b.i : v[k].op == '-' ? a.i - b.i : a.i * b.i;
            } else {
                double x = num_d(a), y = num_d(b);
                r.d = v[k].op == '+' ? x + y : v[k].op == '-' ? x - y : x * y;
            }
        }
        if (!isfinite(num_d(r)) || fabs(num_d(r)) > 1e12) return -1;
        val[k] = r;
    }
    *out = num_d(val[n - 1]);
    return 0;
}

/* Integers or cents, not negative, not huge: answers a person would give. */
static int answer_is_nice(double x, int integer)
{
    if (!(x >= 0 && x <= 1e7)) return 0;
    if (integer) return fabs(x - round(x)) < 1e-9;
    return fabs(x * 100 - round(x * 100)) < 1e-6;
}

/* ---- rendering ---- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int nomem;
} sbuf;

static void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = b->nomem ? 0 : vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (b->nomem || n < 0) return;
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->nomem = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

typedef enum syntax_fault { SYNTAX_NONE = 0, SYNTAX_NO_COLON, SYNTAX_DANGLING, SYNTAX_OPEN_PAREN } syntax_fault;

typedef struct render_opts {
    int typo_line;        /* this line's first operand is misspelled; -1 for none */
    syntax_fault syntax;
    int syntax_line;
} render_opts;

static const render_opts clean = {-1, SYNTAX_NONE, -1};

static void render_constant(sbuf *o, const synth_var *v)
{
    if (v->is_int) {
        sbuf_printf(o, "%lld", (long long)v->value);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.2f", v->value);
    size_t n = strlen(buf);
    while (buf[n - 1] == '0' && buf[n - 2] != '.') buf[--n] = '\0';
    sbuf_printf(o, "%s", buf);
}

static void render_program(sbuf *o, const synth_var *v, int n, const char *question, const render_opts *r)
{
    sbuf_printf(o, "def solution()%s\n    \"\"\"%s\"\"\"\n", r->syntax == SYNTAX_NO_COLON ? "" : ":", question);
    for (int k = 0; k < n; k++) {
        sbuf_printf(o, "    %s = ", v[k].name);
        if (!v[k].op) {
            render_constant(o, &v[k]);
            sbuf_printf(o, "\n");
            continue;
        }
        const char *op = v[k].op == '+' ? "+" : v[k].op == '-' ? "-" : v[k].op == '*' ? "*" : "/";
        int broken = r->syntax_line == k;
        sbuf_printf(o, "%s%s%s %s", broken && r->syntax == SYNTAX_OPEN_PAREN ? "(" : "", v[v[k].a].name,
                    r->typo_line == k ? "_value" : "", op);
        if (!(broken && r->syntax == SYNTAX_DANGLING)) sbuf_printf(o, " %s", v[v[k].b].name);
        sbuf_printf(o, "\n");
    }
    sbuf_printf(o, "    return result\n");
}

/* ---- faults ---- */

static const char *const fault_names[SYNTH_FAULT_COUNT] = {
    "none", "chatter", "wrong_operator", "wrong_constant", "wrong_variable",
    "name_error", "syntax_error", "several_solutions", "refusal",
};

/* Per mille of each fault: 70 chatter (still correct), 270 wrong in all. */
static const int fault_permille[SYNTH_FAULT_COUNT] = {0, 70, 60, 50, 40, 40, 30, 30, 20};

const char *synth_fault_name(synth_fault f)
{
    return (unsigned)f < SYNTH_FAULT_COUNT ? fault_names[f] : "?";
}

int synth_fault_is_wrong(synth_fault f) { return f >= SYNTH_FAULT_WRONG_OPERATOR && f < SYNTH_FAULT_COUNT; }

static synth_fault draw_fault(synth_builder *b)
{
    long u = sb_range(b, 0, 999);
    for (int f = 1; f < SYNTH_FAULT_COUNT; f++) {
        if (u < fault_permille[f]) return (synth_fault)f;
        u -= fault_permille[f];
    }
    return SYNTH_FAULT_NONE;
}

static int differs(const synth_var *w, int n, double gold)
{
    double x;
    return eval_program(w, n, &x) != 0 || fabs(x - gold) > 1e-3;
}

static int pick_line(synth_builder *b, const synth_var *w, int n, int want_op)
{
    for (int tries = 0; tries < 64; tries++) {
        int k = (int)sb_range(b, 0, n - 1);
        if ((w[k].op != 0) == want_op) return k;
    }
    return -1;
}

/* Changes w in place so that it returns something else; 0 when no change
 * of this kind does within a few tries (w is then unchanged). */
static int mutate(synth_builder *b, synth_var *w, int n, synth_fault f, double gold)
{
    for (int tries = 0; tries < 12; tries++) {
        int k = pick_line(b, w, n, f != SYNTH_FAULT_WRONG_CONSTANT);
        if (k < 0) return 0;
        synth_var saved = w[k];
        if (f == SYNTH_FAULT_WRONG_OPERATOR) {
            w[k].op = "+-*/"[sb_range(b, 0, 3)];
        } else if (f == SYNTH_FAULT_WRONG_CONSTANT) {
            w[k].value += w[k].is_int ? (double)sb_range(b, 1, 5) : 0.25 * (double)sb_range(b, 1, 4);
        } else if (k > 1) {
            int *side = sb_range(b, 0, 1) ? &w[k].a : &w[k].b;
            *side = (int)sb_range(b, 0, k - 1);
        }
        if (differs(w, n, gold)) return 1;
        w[k] = saved;
    }
    return 0;
}

static const char *const chatter_before[] = {
    "Sure! Here is a Python program that solves the problem:\n\n",
    "Let's solve this step by step with a program.\n\n",
    "Here's the solution:\n",
    "We can compute the answer like this:\n\n",
};
static const char *const chatter_after[] = {
    "\nCalling solution() gives the answer.\n", "\nI hope this helps!\n", "", "\nLet me know if you have questions.\n",
};
static const char *const refusals[] = {
    "Sorry, as an AI language model I cannot solve this problem because some information is missing.",
    "I'm sorry, but the question does not give enough information to find an answer.",
    "There seems to be a typo in the question. Please provide more details.",
};

/* The teacher's output for a row whose correct program is v[0..n). */
static synth_fault render_output(synth_builder *b, sbuf *o, const synth_var *v, int n, double gold, synth_fault f)
{
    synth_var w[SYNTH_MAX_VARS];
    memcpy(w, v, (size_t)n * sizeof *w);
    render_opts r = clean;
    if ((f == SYNTH_FAULT_WRONG_OPERATOR || f == SYNTH_FAULT_WRONG_VARIABLE) && !mutate(b, w, n, f, gold))
        f = SYNTH_FAULT_WRONG_CONSTANT;
    if (f == SYNTH_FAULT_WRONG_CONSTANT && !mutate(b, w, n, f, gold)) f = SYNTH_FAULT_NAME_ERROR;
    switch (f) {
    case SYNTH_FAULT_NAME_ERROR: r.typo_line = pick_line(b, w, n, 1); break;
    case SYNTH_FAULT_SYNTAX_ERROR:
        r.syntax = (syntax_fault)sb_range(b, SYNTAX_NO_COLON, SYNTAX_OPEN_PAREN);
        r.syntax_line = pick_line(b, w, n, 1);
        break;
    case SYNTH_FAULT_REFUSAL: sbuf_printf(o, "%s", SB_PICK(b, refusals)); return f;
    case SYNTH_FAULT_CHATTER: sbuf_printf(o, "%s```python\n", SB_PICK(b, chatter_before)); break;
    default: break;
    }
    render_program(o, w, n, b->question, &r);
    if (f == SYNTH_FAULT_CHATTER) sbuf_printf(o, "```\n%s", SB_PICK(b, chatter_after));
    if (f == SYNTH_FAULT_SEVERAL) { /* a second, different attempt */
        sbuf_printf(o, "\nAlternatively:\n\n");
        mutate(b, w, n, SYNTH_FAULT_WRONG_CONSTANT, gold);
        render_program(o, w, n, b->question, &clean);
    }
    return f;
}

/* ---- rows ---- */

int synth_template_count(void) { return synth_template_total; }

const char *synth_template_name(int id)
{
    return id >= 0 && id < synth_template_total ? synth_templates[id].name : "?";
}

void synth_row_free(synth_row *row)
{
    free(row->question);
    free(row->code);
    row->question = row->code = NULL;
}

pad_status synth_make_row(uint64_t seed, uint64_t index, uint32_t attempt, synth_row *row, pad_error *err)
{
    memset(row, 0, sizeof *row);
    for (uint32_t a = attempt; a < SYNTH_ATTEMPTS; a++, row->draws++) {
        synth_builder b;
        memset(&b, 0, sizeof b);
        pad_rng_init(&b.rng, seed, index * SYNTH_ATTEMPTS + a);
        int t = (int)pad_rng_next_below(&b.rng, (uint32_t)synth_template_total);
        synth_templates[t].build(&b);
        double gold;
        if (b.overflow || b.n < 3 || strcmp(b.v[b.n - 1].name, "result") != 0 || eval_program(b.v, b.n, &gold) ||
            !answer_is_nice(gold, b.integer_answer))
            continue;
        sbuf code = {0};
        row->fault = render_output(&b, &code, b.v, b.n, gold, draw_fault(&b));
        row->question = strdup(b.question);
        row->code = code.s;
        if (code.nomem || !row->question) {
            synth_row_free(row);
            return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        }
        row->answer = round(gold * 100) / 100;
        row->template_id = t;
        return PAD_OK;
    }
    return pad_error_set(err, PAD_ERR_INVALID, "no acceptable problem for row %llu", (unsigned long long)index);
}

/* ---- files ---- */

static const char *const split_names[3] = {"train", "validation", "test"};

static void append_row(sbuf *out, const synth_row *row, int split, long n)
{
    char id[64];
    snprintf(id, sizeof id, "synth-%s-%06ld", split_names[split], n);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "question", row->question);
    cJSON_AddStringToObject(o, "code", row->code);
    cJSON_AddNumberToObject(o, "num_answer", row->answer);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "fault", synth_fault_name(row->fault));
    cJSON_AddStringToObject(o, "template", synth_template_name(row->template_id));
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    if (text) sbuf_printf(out, "%s\n", text);
    else out->nomem = 1;
    free(text);
    cJSON_Delete(o);
}

static pad_status write_report(const char *dir, const synth_options *o, const synth_summary *s, pad_error *err)
{
    cJSON *r = cJSON_CreateObject();
    if (!r) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON_AddNumberToObject(r, "seed", (double)o->seed);
    cJSON_AddNumberToObject(r, "templates", s->templates);
    cJSON *rows = cJSON_AddObjectToObject(r, "rows");
    for (int i = 0; rows && i < 3; i++) cJSON_AddNumberToObject(rows, split_names[i], (double)s->rows[i]);
    long total = s->rows[0] + s->rows[1] + s->rows[2], wrong = 0;
    cJSON *faults = cJSON_AddObjectToObject(r, "faults");
    for (int f = 0; faults && f < SYNTH_FAULT_COUNT; f++) {
        cJSON_AddNumberToObject(faults, fault_names[f], (double)s->faults[f]);
        if (synth_fault_is_wrong((synth_fault)f)) wrong += s->faults[f];
    }
    cJSON_AddNumberToObject(r, "faulty_rate", total ? (double)wrong / (double)total : 0);
    cJSON *per = cJSON_AddObjectToObject(r, "per_template");
    for (int t = 0; per && t < s->templates; t++)
        cJSON_AddNumberToObject(per, synth_template_name(t), (double)s->per_template[t]);
    cJSON_AddNumberToObject(r, "redraws", (double)s->redraws);
    char *path = pad_path_join(dir, "synth_report.json");
    pad_status st = path ? pad_json_save(path, r, err) : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    free(path);
    cJSON_Delete(r);
    return st;
}

/* Draws the rows in order, redrawing any question already drawn, so the
 * splits never share a question. */
static pad_status generate(const synth_options *o, sbuf out[3], synth_summary *s, pad_error *err)
{
    seen_set seen = {0};
    long counts[3] = {o->train, o->validation, o->test};
    uint64_t index = 0;
    pad_status st = PAD_OK;
    for (int split = 0; split < 3 && !st; split++) {
        for (long n = 0; n < counts[split] && !st; n++, index++) {
            synth_row row;
            for (uint32_t attempt = 0;; attempt += row.draws + 1) {
                if ((st = synth_make_row(o->seed, index, attempt, &row, err))) break;
                int64_t first = seen_set_insert(&seen, seen_key_of(row.question, NULL), (int64_t)index);
                if (first == (int64_t)index) break;
                synth_row_free(&row);
                s->redraws++;
                if (first < 0) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
                if (st) break;
            }
            if (st) break;
            s->redraws += row.draws;
            s->rows[split]++;
            s->faults[row.fault]++;
            s->per_template[row.template_id]++;
            append_row(&out[split], &row, split, n);
            synth_row_free(&row);
            if (out[split].nomem) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        }
    }
    seen_set_free(&seen);
    return st;
}

pad_status synth_write(const char *dir, const synth_options *o, synth_summary *s, pad_error *err)
{
    memset(s, 0, sizeof *s);
    s->templates = synth_template_total;
    if (o->train < 0 || o->validation < 0 || o->test < 0)
        return pad_error_set(err, PAD_ERR_INVALID, "row counts must not be negative");
    sbuf out[3] = {{0}, {0}, {0}};
    pad_status st = generate(o, out, s, err);
    if (!st) st = pad_mkdir_p(dir, err);
    for (int i = 0; i < 3 && !st; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s.jsonl", split_names[i]);
        char *path = pad_path_join(dir, name);
        st = path ? pad_atomic_write(path, out[i].s ? out[i].s : "", out[i].len, err)
                  : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        free(path);
    }
    if (!st) st = write_report(dir, o, s, err);
    for (int i = 0; i < 3; i++) free(out[i].s);
    return st;
}
