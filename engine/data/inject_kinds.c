/* pad: the seven error kinds, each an edit of the source at the exact bytes
 * of the tokens and statements that inject_sites.c found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/inject_internal.h"
#include "exec/exec_builtins.h"

/* src with `del` bytes at `off` replaced by `ins`; malloc'd. */
static char *splice(const inj_program *p, size_t off, size_t del, const char *ins)
{
    size_t n = strlen(ins), total = p->len - del + n;
    char *s = malloc(total + 1);
    if (!s) return NULL;
    memcpy(s, p->src, off);
    memcpy(s + off, ins, n);
    memcpy(s + off + n, p->src + off + del, p->len - off - del);
    s[total] = '\0';
    return s;
}

/* Replaces token i's bytes by `ins`. */
static int edit_token(const inj_program *p, int i, const char *ins, inject_edit *out)
{
    out->offset = inj_tok_off(p, i);
    out->line = p->toks[i].line;
    out->program = splice(p, out->offset, p->toks[i].len, ins);
    return out->program ? 0 : -2;
}

static int pick(pad_rng *rng, int n) { return (int)pad_rng_next_below(rng, (uint32_t)n); }

/* ---- const ---- */

static void new_int(int64_t v, pad_rng *rng, char *buf, size_t size)
{
    int64_t choices[4] = {v + 1, v > 1 ? v - 1 : v + 2, v + 2 + pick(rng, 8), v ? 2 * v : 3};
    snprintf(buf, size, "%lld", (long long)choices[pick(rng, 4)]);
}

/* Keeps the literal's number of decimals, so 0.25 becomes 0.35, not 0.350001. */
static void new_float(const exec_token *t, pad_rng *rng, char *buf, size_t size)
{
    const char *dot = memchr(t->text, '.', t->len);
    int decimals = 0;
    for (const char *c = dot ? dot + 1 : t->text + t->len; c < t->text + t->len && *c >= '0' && *c <= '9'; c++)
        decimals++;
    int exponent = memchr(t->text, 'e', t->len) || memchr(t->text, 'E', t->len);
    double step = 1.0;
    for (int i = 0; i < decimals; i++) step /= 10;
    double delta = (1 + pick(rng, 9)) * step, v = t->f;
    double nv = pick(rng, 3) == 0 ? 2 * v : v - delta > 0 && pick(rng, 2) ? v - delta : v + delta;
    if (nv == v) nv = v + delta;
    if (exponent) snprintf(buf, size, "%.6g", nv);
    else snprintf(buf, size, "%.*f", decimals ? decimals : 1, nv);
}

static int edit_const(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    for (int i = p->sol_first; i < p->sol_end && n < 1024; i++) {
        const exec_token *t = &p->toks[i];
        if ((t->kind == EXEC_T_INT && !t->overflow) || t->kind == EXEC_T_FLOAT) sites[n++] = i;
    }
    if (!(*found = n > 0)) return 0;
    int i = sites[pick(rng, n)];
    const exec_token *t = &p->toks[i];
    char val[64];
    if (t->kind == EXEC_T_INT) new_int(t->i, rng, val, sizeof val);
    else new_float(t, rng, val, sizeof val);
    snprintf(out->detail, sizeof out->detail, "%.*s -> %s", (int)t->len, t->text, val);
    return edit_token(p, i, val, out);
}

/* ---- op ---- */

static const char *const OPS[] = {"+", "-", "*", "/", "//", "%"};
#define NOPS 6

/* The operator index of token i (augmented: +6), or -1. */
static int op_index(const inj_program *p, int i)
{
    const exec_token *t = &p->toks[i];
    if (t->kind != EXEC_T_OP) return -1;
    for (int k = 0; k < NOPS; k++) {
        size_t n = strlen(OPS[k]);
        if (t->len == n && !memcmp(t->text, OPS[k], n)) return inj_tok_ends_operand(p, i - 1) ? k : -1;
        if (t->len == n + 1 && !memcmp(t->text, OPS[k], n) && t->text[n] == '=') return NOPS + k;
    }
    return -1;
}

static int edit_op(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    for (int i = p->sol_first; i < p->sol_end && n < 1024; i++)
        if (op_index(p, i) >= 0) sites[n++] = i;
    if (!(*found = n > 0)) return 0;
    int i = sites[pick(rng, n)], k = op_index(p, i), aug = k >= NOPS;
    int old = k % NOPS, repl = pick(rng, NOPS - 1);
    if (repl >= old) repl++;
    char op[4];
    snprintf(op, sizeof op, "%s%s", OPS[repl], aug ? "=" : "");
    snprintf(out->detail, sizeof out->detail, "%.*s -> %s", (int)p->toks[i].len, p->toks[i].text, op);
    return edit_token(p, i, op, out);
}

/* ---- var, undef ---- */

/* A read of one of solution()'s variables. */
static int is_local_read(const inj_name *m) { return !m->store && m->node->op == EXEC_SCOPE_LOCAL; }

/* Distinct variables assigned (outside comprehensions) by statements that
 * come before statement `stmt` in the source, other than `skip`; returns
 * how many, up to `cap`. */
static int earlier_vars(const inj_program *p, int stmt, const char *skip, const char **out, int cap)
{
    int n = 0;
    for (int j = 0; j < p->nnames && n < cap; j++) {
        const inj_name *m = &p->names[j];
        if (!m->store || m->in_comp || p->stmts[m->stmt].begin >= p->stmts[stmt].begin ||
            !strcmp(m->node->name, skip))
            continue;
        int seen = 0;
        for (int k = 0; k < n && !seen; k++) seen = !strcmp(out[k], m->node->name);
        if (!seen) out[n++] = m->node->name;
    }
    return n;
}

static int edit_var(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    const char *cands[64];
    for (int j = 0; j < p->nnames && n < 1024; j++) {
        const inj_name *m = &p->names[j];
        if (is_local_read(m) && earlier_vars(p, m->stmt, m->node->name, cands, 64) > 0) sites[n++] = j;
    }
    if (!(*found = n > 0)) return 0;
    const inj_name *m = &p->names[sites[pick(rng, n)]];
    int nc = earlier_vars(p, m->stmt, m->node->name, cands, 64);
    const char *repl = cands[pick(rng, nc)];
    snprintf(out->detail, sizeof out->detail, "%.50s -> %.50s", m->node->name, repl);
    return edit_token(p, m->tok, repl, out);
}

/* A name defined nowhere: a near miss of `name`, as a slip would make it. */
static int undefined_names(const inj_program *p, const char *name, char out[][72])
{
    size_t len = strlen(name);
    char forms[5][72];
    int nf = 0;
    if (len > 60) return 0;
    if (name[len - 1] == 's' && len > 1) snprintf(forms[nf++], 72, "%.*s", (int)len - 1, name);
    else snprintf(forms[nf++], 72, "%ss", name);
    if (strncmp(name, "total", 5)) snprintf(forms[nf++], 72, "total_%s", name);
    snprintf(forms[nf++], 72, "%s_value", name);
    snprintf(forms[nf++], 72, "num_%s", name);
    const char *us = strchr(name, '_');
    if (us && us > name && us[1]) snprintf(forms[nf++], 72, "%s_%.*s", us + 1, (int)(us - name), name);
    int n = 0;
    for (int i = 0; i < nf; i++) {
        const char *c = forms[i];
        if (inj_name_used(p, c, strlen(c)) || exec_builtin_lookup(c) >= 0 || exec_builtin_foreign(c)) continue;
        memcpy(out[n++], c, 72);
    }
    return n;
}

static int edit_undef(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    for (int j = 0; j < p->nnames && n < 1024; j++)
        if (is_local_read(&p->names[j])) sites[n++] = j;
    char cands[5][72];
    int nc = 0;
    const inj_name *m = NULL;
    /* a site whose every near miss is taken is passed over */
    while (n > 0 && nc == 0) {
        int k = pick(rng, n);
        m = &p->names[sites[k]];
        nc = undefined_names(p, m->node->name, cands);
        sites[k] = sites[--n];
    }
    if (!(*found = nc > 0)) return 0;
    const char *repl = cands[pick(rng, nc)];
    snprintf(out->detail, sizeof out->detail, "%.50s -> %.60s", m->node->name, repl);
    return edit_token(p, m->tok, repl, out);
}

/* ---- drop, swap ---- */

static int is_docstring(const exec_node *s)
{
    return s->kind == EXEC_S_EXPR && s->kids[0]->kind == EXEC_N_CONST && s->kids[0]->val.kind == EXEC_V_STR;
}

static void describe_line(const inj_program *p, const inj_stmt *s, const char *verb, inject_edit *out)
{
    const char *a = p->src + s->begin;
    while (*a == ' ' || *a == '\t') a++;
    const char *b = memchr(a, '\n', (size_t)(p->src + s->end - a));
    int n = (int)((b ? b : p->src + s->end) - a);
    snprintf(out->detail, sizeof out->detail, "%s line %d: %.*s", verb, p->toks[s->tok_first].line, n > 90 ? 90 : n,
             a);
}

static int edit_drop(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    for (int i = 0; i < p->nstmts && n < 1024; i++) {
        const inj_stmt *s = &p->stmts[i];
        if (s->node->kind != EXEC_S_RETURN && !is_docstring(s->node) && s->block->n >= 2) sites[n++] = i;
    }
    if (!(*found = n > 0)) return 0;
    const inj_stmt *s = &p->stmts[sites[pick(rng, n)]];
    describe_line(p, s, "dropped", out);
    out->offset = s->begin;
    out->line = p->toks[s->tok_first].line;
    out->program = splice(p, s->begin, s->end - s->begin, "");
    return out->program ? 0 : -2;
}

/* Whether statement b reads a variable that statement a assigns. */
static int reads_from(const inj_program *p, int a, int b)
{
    for (int i = 0; i < p->nnames; i++) {
        const inj_name *w = &p->names[i];
        if (w->stmt != a || !w->store || w->in_comp) continue;
        for (int j = 0; j < p->nnames; j++) {
            const inj_name *r = &p->names[j];
            if (r->stmt == b && !r->store && !strcmp(r->node->name, w->node->name)) return 1;
        }
    }
    return 0;
}

static int swappable(const inj_program *p, int a, int b)
{
    const inj_stmt *x = &p->stmts[a], *y = &p->stmts[b];
    return x->block == y->block && y->index == x->index + 1 && x->names_ok && y->names_ok &&
           (x->node->kind == EXEC_S_ASSIGN || x->node->kind == EXEC_S_AUG) && p->src[x->end - 1] == '\n' &&
           p->src[y->end - 1] == '\n' && reads_from(p, a, b);
}

static int edit_swap(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    int sites[1024], n = 0;
    for (int i = 0; i + 1 < p->nstmts && n < 1024; i++)
        if (swappable(p, i, i + 1)) sites[n++] = i;
    if (!(*found = n > 0)) return 0;
    int a = sites[pick(rng, n)];
    const inj_stmt *x = &p->stmts[a], *y = &p->stmts[a + 1];
    char *s = malloc(p->len + 1);
    if (!s) return -2;
    size_t k = 0, lx = x->end - x->begin, ly = y->end - y->begin, mid = y->begin - x->end;
    memcpy(s, p->src, x->begin);
    k = x->begin;
    memcpy(s + k, p->src + y->begin, ly);
    k += ly;
    memcpy(s + k, p->src + x->end, mid);
    k += mid;
    memcpy(s + k, p->src + x->begin, lx);
    k += lx;
    memcpy(s + k, p->src + y->end, p->len - y->end);
    s[p->len] = '\0';
    out->program = s;
    out->offset = x->begin;
    out->line = p->toks[x->tok_first].line;
    snprintf(out->detail, sizeof out->detail, "swapped lines %d and %d", out->line, p->toks[y->tok_first].line);
    return 0;
}

/* ---- syntax ---- */

enum { BREAK_COLON, BREAK_PAREN, BREAK_DANGLING };

typedef struct syntax_site {
    int how, tok;
} syntax_site;

/* A compound statement's keyword opening a logical line. */
static int is_header(const inj_program *p, int i)
{
    static const char *const kw[] = {"def", "if", "elif", "else", "for", "while"};
    exec_tok_kind prev = i > 0 ? p->toks[i - 1].kind : EXEC_T_NEWLINE;
    if (prev != EXEC_T_NEWLINE && prev != EXEC_T_INDENT && prev != EXEC_T_DEDENT) return 0;
    for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
        if (inj_tok_is(p, i, EXEC_T_NAME, kw[k])) return 1;
    return 0;
}

static int syntax_sites(const inj_program *p, syntax_site *v, int cap)
{
    int n = 0;
    for (int i = p->sol_first; i < p->sol_end && n < cap; i++) {
        if (inj_tok_is(p, i, EXEC_T_OP, ")")) v[n++] = (syntax_site){BREAK_PAREN, i};
        /* a header's ':' is the token before its NEWLINE */
        if (is_header(p, i)) {
            int j = i;
            while (j < p->sol_end && p->toks[j].kind != EXEC_T_NEWLINE) j++;
            if (j < p->sol_end && inj_tok_is(p, j - 1, EXEC_T_OP, ":") && n < cap) v[n++] = (syntax_site){BREAK_COLON, j - 1};
        }
    }
    for (int s = 0; s < p->nstmts && n < cap; s++) {
        const inj_stmt *st = &p->stmts[s];
        int last = st->tok_nl - 1;
        if (!is_docstring(st->node) && p->toks[last].kind != EXEC_T_STRING && st->node->n > 0)
            v[n++] = (syntax_site){BREAK_DANGLING, last};
    }
    return n;
}

static int edit_syntax(const inj_program *p, pad_rng *rng, inject_edit *out, int *found)
{
    syntax_site sites[1024];
    int n = syntax_sites(p, sites, 1024);
    if (!(*found = n > 0)) return 0;
    syntax_site s = sites[pick(rng, n)];
    const exec_token *t = &p->toks[s.tok];
    out->line = t->line;
    if (s.how == BREAK_DANGLING) {
        const char *op = OPS[pick(rng, 4)];
        char ins[4];
        snprintf(ins, sizeof ins, " %s", op);
        out->offset = inj_tok_off(p, s.tok) + t->len;
        snprintf(out->detail, sizeof out->detail, "dangling '%s' on line %d", op, t->line);
        out->program = splice(p, out->offset, 0, ins);
        return out->program ? 0 : -2;
    }
    snprintf(out->detail, sizeof out->detail, "deleted '%c' on line %d", t->text[0], t->line);
    return edit_token(p, s.tok, "", out);
}

int inj_edit_kind(const inj_program *p, inject_kind kind, pad_rng *rng, inject_edit *out, int *found)
{
    switch (kind) {
    case INJECT_CONST: return edit_const(p, rng, out, found);
    case INJECT_OP: return edit_op(p, rng, out, found);
    case INJECT_VAR: return edit_var(p, rng, out, found);
    case INJECT_UNDEF: return edit_undef(p, rng, out, found);
    case INJECT_DROP: return edit_drop(p, rng, out, found);
    case INJECT_SWAP: return edit_swap(p, rng, out, found);
    case INJECT_SYNTAX: return edit_syntax(p, rng, out, found);
    default: *found = 0; return 0;
    }
}
