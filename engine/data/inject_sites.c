/* pad: the analysis behind error injection: solution()'s tokens, its simple
 * statements with their exact lines, and every name of those statements
 * matched to its token.
 *
 * Syntax-tree nodes carry a line but no column; tokens carry their bytes.
 * Within one simple statement the names of the tree, walked in source order,
 * and the name tokens (keywords, attribute names and keyword-argument names
 * left out) are the same sequence, so they are matched one to one; a
 * statement where they differ (an annotation, say) gets no name sites. */
#include <string.h>

#include "data/inject_internal.h"
#include "exec/exec_parse_internal.h"

int inj_tok_is(const inj_program *p, int i, exec_tok_kind kind, const char *text)
{
    return i >= 0 && i < p->ntoks && exec_tok_is(&p->toks[i], kind, text);
}

int inj_tok_ends_operand(const inj_program *p, int i)
{
    if (i < 0) return 0;
    const exec_token *t = &p->toks[i];
    switch (t->kind) {
    case EXEC_T_INT:
    case EXEC_T_FLOAT:
    case EXEC_T_STRING: return 1;
    case EXEC_T_NAME:
        return !exec_is_keyword(t) || exec_tok_is(t, EXEC_T_NAME, "True") || exec_tok_is(t, EXEC_T_NAME, "False") ||
               exec_tok_is(t, EXEC_T_NAME, "None");
    case EXEC_T_OP: return t->len == 1 && strchr(")]}", t->text[0]) != NULL;
    default: return 0;
    }
}

int inj_name_used(const inj_program *p, const char *name, size_t n)
{
    for (int i = 0; i < p->ntoks; i++)
        if (p->toks[i].kind == EXEC_T_NAME && p->toks[i].len == n && !memcmp(p->toks[i].text, name, n)) return 1;
    return 0;
}

/* Doubles an arena array when full. */
static int grow(inj_program *p, void **v, int n, int *cap, size_t elem)
{
    if (n < *cap) return 0;
    int c = *cap ? 2 * *cap : 16;
    void *nv = pad_arena_alloc(&p->arena, (size_t)c * elem);
    if (!nv) return -2;
    if (n) memcpy(nv, *v, (size_t)n * elem);
    *v = nv;
    *cap = c;
    return 0;
}

static int starts_logical_line(const inj_program *p, int i)
{
    exec_tok_kind k = p->toks[i].kind;
    if (k == EXEC_T_NEWLINE || k == EXEC_T_INDENT || k == EXEC_T_DEDENT || k == EXEC_T_END) return 0;
    if (i == 0) return 1;
    k = p->toks[i - 1].kind;
    return k == EXEC_T_NEWLINE || k == EXEC_T_INDENT || k == EXEC_T_DEDENT;
}

/* solution()'s tokens: its `def`, through the DEDENT closing its body. */
static int find_solution(inj_program *p, const exec_node *def)
{
    int i = 0;
    while (i < p->ntoks && !(p->toks[i].line == def->line && inj_tok_is(p, i, EXEC_T_NAME, "def") &&
                             inj_tok_is(p, i + 1, EXEC_T_NAME, "solution")))
        i++;
    if (i == p->ntoks) return -1;
    p->sol_first = i;
    while (i < p->ntoks && p->toks[i].kind != EXEC_T_NEWLINE) i++;
    if (i == p->ntoks) return -1;
    i++;
    if (i < p->ntoks && p->toks[i].kind == EXEC_T_INDENT) {
        int depth = 1;
        for (i++; i < p->ntoks && depth > 0; i++) {
            if (p->toks[i].kind == EXEC_T_INDENT) depth++;
            if (p->toks[i].kind == EXEC_T_DEDENT) depth--;
        }
    }
    p->sol_end = i;
    return 0;
}

/* ---- names in source order ---- */

typedef struct walker {
    inj_program *p;
    int stmt;
    int cap;
    int nomem;
} walker;

static void emit(walker *w, const exec_node *n, int store, int in_comp)
{
    inj_program *p = w->p;
    if (grow(p, (void **)&p->names, p->nnames, &w->cap, sizeof *p->names)) {
        w->nomem = 1;
        return;
    }
    p->names[p->nnames++] = (inj_name){.node = n, .tok = -1, .stmt = w->stmt, .store = store, .in_comp = in_comp};
}

static void walk(walker *w, const exec_node *n, int store, int in_comp)
{
    if (!n) return;
    switch (n->kind) {
    case EXEC_N_NAME: emit(w, n, store, in_comp); return;
    case EXEC_N_IFEXP: /* `then if cond else other`: kids are cond, then, other */
        walk(w, n->kids[1], 0, in_comp);
        walk(w, n->kids[0], 0, in_comp);
        walk(w, n->kids[2], 0, in_comp);
        return;
    case EXEC_N_TUPLE:
    case EXEC_N_LIST:
        for (int i = 0; i < n->n; i++) walk(w, n->kids[i], store, in_comp);
        return;
    case EXEC_N_COMP:
        for (int i = 0; i < n->n; i++) walk(w, n->kids[i], 0, 1);
        return;
    case EXEC_N_COMPFOR:
        for (int i = 0; i < n->n; i++) walk(w, n->kids[i], i == 0, 1);
        return;
    default:
        for (int i = 0; i < n->n; i++) walk(w, n->kids[i], 0, in_comp);
    }
}

static void walk_stmt(walker *w, const exec_node *s)
{
    int targets = s->kind == EXEC_S_ASSIGN ? s->n - 1 : s->kind == EXEC_S_AUG ? 1 : 0;
    for (int i = 0; i < s->n; i++) walk(w, s->kids[i], i < targets, 0);
}

/* The name tokens of a statement, in order, matched to its nodes
 * names[first..]; names_ok = 0 when the two sequences differ. */
static void match_names(inj_program *p, inj_stmt *st, int first)
{
    int k = first, depth = 0;
    st->names_ok = 0;
    for (int i = st->tok_first; i < st->tok_nl; i++) {
        const exec_token *t = &p->toks[i];
        if (t->kind == EXEC_T_OP && t->len == 1 && strchr("([{", t->text[0])) depth++;
        if (t->kind == EXEC_T_OP && t->len == 1 && strchr(")]}", t->text[0])) depth--;
        if (t->kind != EXEC_T_NAME || exec_is_keyword(t) || inj_tok_is(p, i - 1, EXEC_T_OP, ".")) continue;
        if (depth > 0 && inj_tok_is(p, i + 1, EXEC_T_OP, "=")) continue; /* a keyword argument's name */
        if (k == p->nnames) return;
        const char *name = p->names[k].node->name;
        if (strlen(name) != t->len || memcmp(name, t->text, t->len)) return;
        p->names[k++].tok = i;
    }
    st->names_ok = k == p->nnames;
}

/* ---- statements ---- */

static int add_stmt(inj_program *p, const exec_node *s, const exec_node *block, int index, int *cap, walker *w)
{
    int first = -1;
    for (int i = p->sol_first; i < p->sol_end && first < 0; i++)
        if (p->toks[i].line == s->line && starts_logical_line(p, i)) first = i;
    if (first < 0) return 0;
    static const char *const headers[] = {"def", "if", "elif", "else", "for", "while"};
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++)
        if (inj_tok_is(p, first, EXEC_T_NAME, headers[h])) return 0; /* a one-line block: not alone */
    int nl = first;
    while (nl < p->sol_end && p->toks[nl].kind != EXEC_T_NEWLINE) {
        if (inj_tok_is(p, nl, EXEC_T_OP, ";")) return 0;
        nl++;
    }
    if (nl == p->sol_end) return 0;
    if (grow(p, (void **)&p->stmts, p->nstmts, cap, sizeof *p->stmts)) return -2;
    inj_stmt *st = &p->stmts[p->nstmts];
    /* by line, not by offset: a string token's text is decoded, not in the source */
    size_t begin = 0, end = inj_tok_off(p, nl);
    for (int line = 1; line < p->toks[first].line && begin < p->len; begin++) line += p->src[begin] == '\n';
    if (end < p->len && p->src[end] == '\n') end++;
    *st = (inj_stmt){.node = s, .block = block, .index = index, .tok_first = first, .tok_nl = nl,
                     .begin = begin, .end = end};
    w->stmt = p->nstmts;
    int names_first = p->nnames;
    walk_stmt(w, s);
    if (w->nomem) return -2;
    match_names(p, st, names_first);
    if (!st->names_ok) p->nnames = names_first; /* no name sites here */
    p->nstmts++;
    return 0;
}

static int collect(inj_program *p, const exec_node *block, int *cap, walker *w)
{
    if (!block) return 0;
    for (int i = 0; i < block->n; i++) {
        const exec_node *s = block->kids[i];
        int rc = 0;
        switch (s->kind) {
        case EXEC_S_ASSIGN:
        case EXEC_S_AUG:
        case EXEC_S_EXPR:
        case EXEC_S_RETURN: rc = add_stmt(p, s, block, i, cap, w); break;
        case EXEC_S_IF:
        case EXEC_S_WHILE:
            rc = collect(p, s->kids[1], cap, w);
            if (!rc) rc = collect(p, s->kids[2], cap, w);
            break;
        case EXEC_S_FOR:
            rc = collect(p, s->kids[2], cap, w);
            if (!rc) rc = collect(p, s->kids[3], cap, w);
            break;
        case EXEC_S_BLOCK: /* an `elif` (statements joined by ';' never reach here: not alone) */
            rc = collect(p, s, cap, w);
            break;
        default: break;
        }
        if (rc) return rc;
    }
    return 0;
}

int inj_analyse(inj_program *p, const char *src, size_t len)
{
    memset(p, 0, sizeof *p);
    p->src = src;
    p->len = len;
    pad_arena_init(&p->arena, 1 << 16);
    exec_syntax syn;
    size_t ntoks = 0;
    if (exec_parse(src, len, 0, &p->arena, &p->prog, &syn))
        return strcmp(syn.type, "MemoryError") ? -1 : -2;
    if (exec_lex(src, len, &p->arena, &p->toks, &ntoks, &syn)) return -2;
    p->ntoks = (int)ntoks;
    const exec_node *def = NULL, *body = p->prog.body;
    for (int i = 0; i < body->n; i++)
        if (body->kids[i]->kind == EXEC_S_DEF && !strcmp(body->kids[i]->name, "solution")) def = body->kids[i];
    if (!def || find_solution(p, def)) return -1;
    int cap = 0;
    walker w = {.p = p};
    return collect(p, def->kids[1], &cap, &w);
}

void inj_program_free(inj_program *p) { pad_arena_free(&p->arena); }
