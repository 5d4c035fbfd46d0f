/* pad: recursive-descent parser for the Python subset. */
#include <stdio.h>
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_parse_internal.h"

typedef exec_parser parser;

static int is_op(const parser *P, const char *op) { return exec_tok_is(P->t, EXEC_T_OP, op); }
static int is_kw(const parser *P, const char *kw) { return exec_tok_is(P->t, EXEC_T_NAME, kw); }
static void advance(parser *P) { if (P->t->kind != EXEC_T_END) P->t++; }

static int syntax(parser *P, const char *msg)
{
    exec_syntax_set(P->syn, "SyntaxError", P->t->line, "%s", msg);
    return -1;
}

static int expect_op(parser *P, const char *op)
{
    if (!is_op(P, op)) {
        if (!strcmp(op, ":")) return syntax(P, "expected ':'");
        return syntax(P, "invalid syntax");
    }
    advance(P);
    return 0;
}

static exec_node *node_new(parser *P, int kind, int line, int nkids)
{
    exec_node *n = pad_arena_calloc(P->arena, 1, sizeof *n);
    if (n && nkids) n->kids = pad_arena_calloc(P->arena, (size_t)nkids, sizeof *n->kids);
    if (!n || (nkids && !n->kids)) {
        exec_syntax_set(P->syn, "MemoryError", line, "out of memory");
        return NULL;
    }
    n->kind = (uint8_t)kind;
    n->line = line;
    n->n = nkids;
    return n;
}

/* A growable list of nodes while parsing a sequence. */
typedef struct nodes {
    exec_node **v;
    int n, cap;
} nodes;

static int nodes_push(parser *P, nodes *l, exec_node *x)
{
    if (!x) return -1;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        exec_node **v = pad_arena_alloc(P->arena, (size_t)cap * sizeof *v);
        if (!v) return syntax(P, "out of memory");
        if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

static exec_node *node_from(parser *P, int kind, int line, const nodes *l)
{
    exec_node *n = node_new(P, kind, line, 0);
    if (!n) return NULL;
    n->kids = l->v;
    n->n = l->n;
    return n;
}

static const char *tok_name(parser *P)
{
    char *s = pad_arena_strndup(P->arena, P->t->text, P->t->len);
    if (!s) syntax(P, "out of memory");
    return s;
}

static const char *const KEYWORDS[] = {"False", "None", "True", "and", "as", "assert", "async", "await", "break",
                                       "class", "continue", "def", "del", "elif", "else", "except", "finally",
                                       "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
                                       "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"};

static int is_keyword(const exec_token *t)
{
    if (t->kind != EXEC_T_NAME) return 0;
    for (size_t i = 0; i < sizeof KEYWORDS / sizeof KEYWORDS[0]; i++)
        if (exec_tok_is(t, EXEC_T_NAME, KEYWORDS[i])) return 1;
    return 0;
}

static exec_node *expr(parser *P);
static exec_node *or_test(parser *P);
static exec_node *bitor(parser *P);
static exec_node *block(parser *P, const char *what, int line);

static exec_node *name_node(parser *P)
{
    if (P->t->kind != EXEC_T_NAME || is_keyword(P->t)) return syntax(P, "invalid syntax"), NULL;
    exec_node *n = node_new(P, EXEC_N_NAME, P->t->line, 0);
    if (!n || !(n->name = tok_name(P))) return NULL;
    if (!strncmp(n->name, "__", 2) && strcmp(n->name, "__name__")) {
        exec_syntax_unsupported(P->syn, n->line, "name '%s' is not supported", n->name);
        return NULL;
    }
    advance(P);
    return exec_ref_add(P, n) ? NULL : n;
}

static exec_node *const_node(parser *P, exec_val v)
{
    exec_node *n = node_new(P, EXEC_N_CONST, P->t->line, 0);
    if (n) n->val = v;
    advance(P);
    return n;
}

/* Adjacent literals concatenate; an f-string anywhere makes the whole an
 * f-string node. */
static exec_node *string_atom(parser *P)
{
    int line = P->t->line;
    size_t total = 0;
    const exec_token *s = P->t;
    for (; P->t->kind == EXEC_T_STRING; advance(P)) {
        if (P->t->prefix == 'b') {
            exec_syntax_unsupported(P->syn, line, "bytes literals are not supported");
            return NULL;
        }
        if (P->t->prefix == 'f') {
            exec_syntax_unsupported(P->syn, line, "f-strings are not supported");
            return NULL;
        }
        total += P->t->len;
    }
    exec_str *str = pad_arena_alloc(P->arena, sizeof *str + total + 1);
    exec_node *n = node_new(P, EXEC_N_CONST, line, 0);
    if (!str || !n) return NULL;
    str->len = 0;
    str->ascii = 1;
    for (; s != P->t; s++) {
        memcpy(str->data + str->len, s->text, s->len);
        str->len += s->len;
    }
    str->data[str->len] = '\0';
    for (size_t i = 0; i < str->len; i++)
        if ((unsigned char)str->data[i] >= 0x80) str->ascii = 0;
    n->val.kind = EXEC_V_STR;
    n->val.u.s = str;
    return n;
}

/* Binds the names of an assignment target; checks it is assignable. */
static int bind_target(parser *P, exec_node *t, int allow_tuple)
{
    switch (t->kind) {
    case EXEC_N_NAME: return exec_scope_bind(P, P->scope, t->name);
    case EXEC_N_INDEX:
    case EXEC_N_ATTR: return 0;
    case EXEC_N_TUPLE:
    case EXEC_N_LIST:
        if (!allow_tuple) break;
        for (int i = 0; i < t->n; i++)
            if (bind_target(P, t->kids[i], 1)) return -1;
        return 0;
    default: break;
    }
    const char *what = t->kind == EXEC_N_CONST ? "literal" : t->kind == EXEC_N_CALL ? "function call" : "expression";
    exec_syntax_set(P->syn, "SyntaxError", t->line, "cannot assign to %s", what);
    return -1;
}

static exec_node *target_list(parser *P);

/* for-clauses of a comprehension: `for t in it [if c]...`, repeated. */
static int comp_clauses(parser *P, nodes *kids)
{
    while (is_kw(P, "for")) {
        int line = P->t->line;
        advance(P);
        exec_node *iter_first = NULL;
        exec_scope *comp = P->scope;
        exec_node *target = target_list(P);
        if (!target || bind_target(P, target, 1)) return -1;
        if (!is_kw(P, "in")) return syntax(P, "invalid syntax");
        advance(P);
        /* The first iterable belongs to the enclosing scope, as in Python. */
        P->scope = comp->parent;
        int first = 1;
        for (int i = 0; i < kids->n; i++)
            if (kids->v[i]->kind == EXEC_N_COMPFOR) first = 0;
        if (!first) P->scope = comp;
        iter_first = or_test(P);
        P->scope = comp;
        if (!iter_first) return -1;
        nodes parts = {0};
        if (nodes_push(P, &parts, target) || nodes_push(P, &parts, iter_first)) return -1;
        while (is_kw(P, "if")) {
            advance(P);
            if (nodes_push(P, &parts, or_test(P))) return -1;
        }
        if (nodes_push(P, kids, node_from(P, EXEC_N_COMPFOR, line, &parts))) return -1;
    }
    return 0;
}

/* Parses the body of a comprehension whose first element is already known:
 * the element expression was parsed in the enclosing scope, so it is
 * re-parsed here inside the comprehension's own scope. */
static exec_node *comprehension(parser *P, const exec_token *elt_start, exec_ref *refs, int kind, int line,
                                const char *close)
{
    P->refs = refs; /* forget the names of the element's first parse */
    exec_scope *comp = exec_scope_new(P, EXEC_SC_COMP);
    if (!comp) return NULL;
    /* Parse the clauses first so the targets are bound before the element
     * refers to them; then parse the element again in the comp scope. */
    const exec_token *after_elt = P->t;
    nodes kids = {0};
    exec_node *placeholder = node_new(P, EXEC_N_CONST, line, 0);
    if (nodes_push(P, &kids, placeholder)) return NULL;
    if (kind == 'd' && nodes_push(P, &kids, node_new(P, EXEC_N_CONST, line, 0))) return NULL;
    P->scope = comp;
    if (comp_clauses(P, &kids)) return NULL;
    const exec_token *resume = P->t;
    P->t = elt_start;
    exec_node *elt = kind == 'd' ? bitor(P) : expr(P);
    if (!elt) return NULL;
    kids.v[0] = elt;
    if (kind == 'd') {
        if (expect_op(P, ":")) return NULL;
        if (!(kids.v[1] = expr(P))) return NULL;
    }
    if (P->t != after_elt) return syntax(P, "invalid syntax"), NULL;
    P->t = resume;
    P->scope = comp->parent;
    if (close && expect_op(P, close)) return NULL;
    exec_node *n = node_from(P, EXEC_N_COMP, line, &kids);
    if (n) n->op = (uint8_t)kind;
    return n;
}

/* Elements up to `close`; *trailing_comma tells (x,) from (x). */
static int expr_list(parser *P, const char *close, nodes *out, int *trailing_comma)
{
    *trailing_comma = 0;
    while (!is_op(P, close)) {
        if (is_op(P, "*")) {
            exec_syntax_unsupported(P->syn, P->t->line, "starred expressions are not supported");
            return -1;
        }
        if (nodes_push(P, out, expr(P))) return -1;
        *trailing_comma = 0;
        if (!is_op(P, ",")) break;
        advance(P);
        *trailing_comma = 1;
    }
    return expect_op(P, close);
}

static exec_node *paren_atom(parser *P, const char *open)
{
    int line = P->t->line;
    advance(P);
    const char *close = open[0] == '(' ? ")" : "]";
    int kind = open[0] == '(' ? EXEC_N_TUPLE : EXEC_N_LIST;
    if (is_op(P, close)) {
        advance(P);
        return node_new(P, kind, line, 0);
    }
    const exec_token *first = P->t;
    exec_ref *refs = P->refs;
    exec_node *e = expr(P);
    if (!e) return NULL;
    if (is_kw(P, "for")) return comprehension(P, first, refs, kind == EXEC_N_LIST ? 'l' : 'g', line, close);
    nodes items = {0};
    if (nodes_push(P, &items, e)) return NULL;
    int comma = 0;
    if (is_op(P, ",")) {
        advance(P);
        comma = 1;
        int more_comma;
        if (expr_list(P, close, &items, &more_comma)) return NULL;
    } else if (expect_op(P, close)) return NULL;
    if (kind == EXEC_N_TUPLE && items.n == 1 && !comma) return e; /* plain parentheses */
    return node_from(P, kind, line, &items);
}

static exec_node *dict_atom(parser *P)
{
    int line = P->t->line;
    advance(P);
    nodes kids = {0};
    if (!is_op(P, "}")) {
        const exec_token *first = P->t;
        exec_ref *refs = P->refs;
        exec_node *k = expr(P);
        if (!k) return NULL;
        if (!is_op(P, ":")) {
            exec_syntax_unsupported(P->syn, line, "sets are not supported");
            return NULL;
        }
        advance(P);
        exec_node *v = expr(P);
        if (!v) return NULL;
        if (is_kw(P, "for")) return comprehension(P, first, refs, 'd', line, "}");
        if (nodes_push(P, &kids, k) || nodes_push(P, &kids, v)) return NULL;
        while (is_op(P, ",")) {
            advance(P);
            if (is_op(P, "}")) break;
            if (nodes_push(P, &kids, expr(P)) || expect_op(P, ":") || nodes_push(P, &kids, expr(P))) return NULL;
        }
    }
    if (expect_op(P, "}")) return NULL;
    return node_from(P, EXEC_N_DICT, line, &kids);
}

static exec_node *atom(parser *P)
{
    const exec_token *t = P->t;
    switch (t->kind) {
    case EXEC_T_INT: {
        exec_node *n = const_node(P, exec_int(t->i));
        if (n) n->op = (uint8_t)t->overflow;
        return n;
    }
    case EXEC_T_FLOAT: return const_node(P, exec_float(t->f));
    case EXEC_T_STRING: return string_atom(P);
    case EXEC_T_NAME:
        if (exec_tok_is(t, EXEC_T_NAME, "None")) return const_node(P, exec_none());
        if (exec_tok_is(t, EXEC_T_NAME, "True")) return const_node(P, exec_bool(1));
        if (exec_tok_is(t, EXEC_T_NAME, "False")) return const_node(P, exec_bool(0));
        if (exec_tok_is(t, EXEC_T_NAME, "lambda") || exec_tok_is(t, EXEC_T_NAME, "yield") ||
            exec_tok_is(t, EXEC_T_NAME, "await")) {
            exec_syntax_unsupported(P->syn, t->line, "'%.*s' is not supported", (int)t->len, t->text);
            return NULL;
        }
        return name_node(P);
    case EXEC_T_OP:
        if (is_op(P, "(") || is_op(P, "[")) return paren_atom(P, t->text);
        if (is_op(P, "{")) return dict_atom(P);
        if (is_op(P, "...")) {
            exec_syntax_unsupported(P->syn, t->line, "Ellipsis is not supported");
            return NULL;
        }
        break;
    case EXEC_T_INDENT: exec_syntax_set(P->syn, "IndentationError", t->line, "unexpected indent"); return NULL;
    default: break;
    }
    syntax(P, "invalid syntax");
    return NULL;
}

static exec_node *call_args(parser *P, exec_node *func)
{
    int line = P->t->line;
    advance(P);
    nodes kids = {0};
    const char *kwnames[64];
    int nkw = 0;
    if (nodes_push(P, &kids, func)) return NULL;
    while (!is_op(P, ")")) {
        if (is_op(P, "*") || is_op(P, "**")) {
            exec_syntax_unsupported(P->syn, P->t->line, "argument unpacking is not supported");
            return NULL;
        }
        if (P->t->kind == EXEC_T_NAME && exec_tok_is(P->t + 1, EXEC_T_OP, "=")) {
            if (nkw == 64) return syntax(P, "too many arguments"), NULL;
            if (!(kwnames[nkw++] = tok_name(P))) return NULL;
            advance(P);
            advance(P);
        } else if (nkw) {
            return syntax(P, "positional argument follows keyword argument"), NULL;
        }
        const exec_token *first = P->t;
        exec_ref *refs = P->refs;
        exec_node *a = expr(P);
        if (!a) return NULL;
        if (is_kw(P, "for") && !nkw) a = comprehension(P, first, refs, 'g', a->line, NULL);
        if (nodes_push(P, &kids, a)) return NULL;
        if (!is_op(P, ",")) break;
        advance(P);
    }
    if (expect_op(P, ")")) return NULL;
    exec_node *n = node_from(P, EXEC_N_CALL, line, &kids);
    if (!n) return NULL;
    n->aux = kids.n - 1 - nkw;
    if (nkw) {
        n->names = pad_arena_alloc(P->arena, (size_t)nkw * sizeof *n->names);
        if (!n->names) return NULL;
        memcpy(n->names, kwnames, (size_t)nkw * sizeof *n->names);
    }
    return n;
}

static exec_node *slice_or_index(parser *P)
{
    int line = P->t->line;
    exec_node *part[3] = {NULL, NULL, NULL};
    int k = 0, is_slice = 0;
    for (;;) {
        if (!is_op(P, ":") && !is_op(P, "]") && !is_op(P, ",")) {
            if (!(part[k] = expr(P))) return NULL;
        }
        if (!is_op(P, ":") || k == 2) break;
        advance(P);
        is_slice = 1;
        k++;
    }
    if (is_op(P, ",")) {
        exec_syntax_unsupported(P->syn, line, "tuple subscripts are not supported");
        return NULL;
    }
    if (!is_slice) {
        if (!part[0]) return syntax(P, "invalid syntax"), NULL;
        return part[0];
    }
    exec_node *n = node_new(P, EXEC_N_SLICE, line, 3);
    if (n) memcpy(n->kids, part, sizeof part);
    return n;
}

static exec_node *atom_expr(parser *P)
{
    exec_node *e = atom(P);
    while (e) {
        int line = P->t->line;
        if (is_op(P, "(")) e = call_args(P, e);
        else if (is_op(P, "[")) {
            advance(P);
            exec_node *idx = slice_or_index(P);
            exec_node *n = idx ? node_new(P, EXEC_N_INDEX, line, 2) : NULL;
            if (!n || expect_op(P, "]")) return NULL;
            n->kids[0] = e;
            n->kids[1] = idx;
            e = n;
        } else if (is_op(P, ".")) {
            advance(P);
            if (P->t->kind != EXEC_T_NAME) return syntax(P, "invalid syntax"), NULL;
            exec_node *n = node_new(P, EXEC_N_ATTR, line, 1);
            if (!n || !(n->name = tok_name(P))) return NULL;
            n->slot = exec_attr_lookup(n->name);
            if (n->slot < 0 || !strncmp(n->name, "__", 2)) {
                exec_syntax_unsupported(P->syn, line, "attribute '%s' is not supported", n->name);
                return NULL;
            }
            advance(P);
            n->kids[0] = e;
            e = n;
        } else break;
    }
    return e;
}

static exec_node *binary(parser *P, int op, exec_node *a, exec_node *b, int line)
{
    if (!a || !b) return NULL;
    exec_node *n = node_new(P, EXEC_N_BINOP, line, 2);
    if (!n) return NULL;
    n->op = (uint8_t)op;
    n->kids[0] = a;
    n->kids[1] = b;
    return n;
}

static exec_node *factor(parser *P);

static exec_node *power(parser *P)
{
    exec_node *a = atom_expr(P);
    if (a && is_op(P, "**")) {
        int line = P->t->line;
        advance(P);
        return binary(P, EXEC_OP_POW, a, factor(P), line);
    }
    return a;
}

static exec_node *factor(parser *P)
{
    if (is_op(P, "-") || is_op(P, "+") || is_op(P, "~")) {
        int line = P->t->line;
        char op = P->t->text[0];
        advance(P);
        exec_node *x = factor(P);
        exec_node *n = x ? node_new(P, EXEC_N_UNARY, line, 1) : NULL;
        if (!n) return NULL;
        n->op = (uint8_t)op;
        n->kids[0] = x;
        return n;
    }
    return power(P);
}

typedef struct level {
    const char *ops[4];
    int codes[4];
} level;

static const level LEVELS[] = {
    {{"|"}, {EXEC_OP_OR}},
    {{"^"}, {EXEC_OP_XOR}},
    {{"&"}, {EXEC_OP_AND}},
    {{"<<", ">>"}, {EXEC_OP_LSHIFT, EXEC_OP_RSHIFT}},
    {{"+", "-"}, {EXEC_OP_ADD, EXEC_OP_SUB}},
    {{"*", "/", "//", "%"}, {EXEC_OP_MUL, EXEC_OP_DIV, EXEC_OP_FLOORDIV, EXEC_OP_MOD}},
};

static exec_node *binary_level(parser *P, int lv)
{
    if (lv == (int)(sizeof LEVELS / sizeof LEVELS[0])) return factor(P);
    exec_node *a = binary_level(P, lv + 1);
    while (a) {
        int code = -1;
        for (int i = 0; i < 4 && LEVELS[lv].ops[i]; i++)
            if (is_op(P, LEVELS[lv].ops[i])) code = LEVELS[lv].codes[i];
        if (code < 0) {
            if (is_op(P, "@")) {
                exec_syntax_unsupported(P->syn, P->t->line, "the @ operator is not supported");
                return NULL;
            }
            break;
        }
        int line = P->t->line;
        advance(P);
        a = binary(P, code, a, binary_level(P, lv + 1), line);
    }
    return a;
}

static exec_node *bitor(parser *P) { return binary_level(P, 0); }

static int compare_op(parser *P)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    for (int i = 0; i < 6; i++)
        if (is_op(P, ops[i])) { advance(P); return i; }
    if (is_kw(P, "in")) { advance(P); return EXEC_CMP_IN; }
    if (is_kw(P, "not") && exec_tok_is(P->t + 1, EXEC_T_NAME, "in")) { P->t += 2; return EXEC_CMP_NOT_IN; }
    if (is_kw(P, "is")) {
        advance(P);
        if (is_kw(P, "not")) { advance(P); return EXEC_CMP_IS_NOT; }
        return EXEC_CMP_IS;
    }
    return -1;
}

static exec_node *comparison(parser *P)
{
    int line = P->t->line;
    exec_node *a = bitor(P);
    if (!a) return NULL;
    nodes kids = {0};
    uint8_t ops[64];
    int op;
    if (nodes_push(P, &kids, a)) return NULL;
    while ((op = compare_op(P)) >= 0) {
        if (kids.n == 64) return syntax(P, "comparison chain too long"), NULL;
        ops[kids.n - 1] = (uint8_t)op;
        if (nodes_push(P, &kids, bitor(P))) return NULL;
    }
    if (kids.n == 1) return a;
    exec_node *n = node_from(P, EXEC_N_COMPARE, line, &kids);
    if (!n || !(n->ops = pad_arena_alloc(P->arena, (size_t)kids.n))) return NULL;
    memcpy(n->ops, ops, (size_t)kids.n - 1);
    return n;
}

static exec_node *not_test(parser *P)
{
    if (!is_kw(P, "not")) return comparison(P);
    int line = P->t->line;
    advance(P);
    exec_node *x = not_test(P);
    exec_node *n = x ? node_new(P, EXEC_N_UNARY, line, 1) : NULL;
    if (!n) return NULL;
    n->op = '!';
    n->kids[0] = x;
    return n;
}

static exec_node *bool_chain(parser *P, const char *kw, exec_node *(*sub)(parser *))
{
    int line = P->t->line;
    exec_node *a = sub(P);
    if (!a || !is_kw(P, kw)) return a;
    nodes kids = {0};
    if (nodes_push(P, &kids, a)) return NULL;
    while (is_kw(P, kw)) {
        advance(P);
        if (nodes_push(P, &kids, sub(P))) return NULL;
    }
    exec_node *n = node_from(P, EXEC_N_BOOLOP, line, &kids);
    if (n) n->op = (uint8_t)kw[0];
    return n;
}

static exec_node *and_test(parser *P) { return bool_chain(P, "and", not_test); }
static exec_node *or_test(parser *P) { return bool_chain(P, "or", and_test); }

static exec_node *expr(parser *P)
{
    int line = P->t->line;
    exec_node *a = or_test(P);
    if (!a || !is_kw(P, "if")) {
        if (a && is_op(P, ":=")) {
            exec_syntax_unsupported(P->syn, line, "the := operator is not supported");
            return NULL;
        }
        return a;
    }
    advance(P);
    exec_node *cond = or_test(P);
    if (!cond) return NULL;
    if (!is_kw(P, "else")) return syntax(P, "expected 'else' after 'if' expression"), NULL;
    advance(P);
    exec_node *b = expr(P);
    exec_node *n = b ? node_new(P, EXEC_N_IFEXP, line, 3) : NULL;
    if (!n) return NULL;
    n->kids[0] = cond;
    n->kids[1] = a;
    n->kids[2] = b;
    return n;
}

/* `a, b = ...` and `for a, b in`: a bare comma list is a tuple. */
static exec_node *tuple_or_single(parser *P, exec_node *(*sub)(parser *), int stop_at_in)
{
    int line = P->t->line;
    exec_node *a = sub(P);
    if (!a || !is_op(P, ",")) return a;
    nodes kids = {0};
    if (nodes_push(P, &kids, a)) return NULL;
    while (is_op(P, ",")) {
        advance(P);
        if (P->t->kind == EXEC_T_NEWLINE || is_op(P, "=") || is_op(P, ")") || is_op(P, ";") ||
            (stop_at_in && is_kw(P, "in")))
            break;
        if (nodes_push(P, &kids, sub(P))) return NULL;
    }
    return node_from(P, EXEC_N_TUPLE, line, &kids);
}

static exec_node *target_list(parser *P) { return tuple_or_single(P, bitor, 1); }
static exec_node *expr_tuple(parser *P) { return tuple_or_single(P, expr, 0); }


/* ---- statements ---- */

static exec_node *stmt(parser *P);

static exec_node *simple_node(parser *P, int kind)
{
    exec_node *n = node_new(P, kind, P->t->line, 0);
    advance(P);
    return n;
}

static exec_node *assignment(parser *P)
{
    int line = P->t->line;
    exec_node *first = expr_tuple(P);
    if (!first) return NULL;
    static const char *const aug[] = {"+=", "-=", "*=", "/=", "//=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^="};
    static const int codes[] = {EXEC_OP_ADD, EXEC_OP_SUB, EXEC_OP_MUL, EXEC_OP_DIV, EXEC_OP_FLOORDIV, EXEC_OP_MOD,
                                EXEC_OP_POW, EXEC_OP_LSHIFT, EXEC_OP_RSHIFT, EXEC_OP_AND, EXEC_OP_OR, EXEC_OP_XOR};
    for (int i = 0; i < 12; i++) {
        if (!is_op(P, aug[i])) continue;
        if (first->kind != EXEC_N_NAME && first->kind != EXEC_N_INDEX && first->kind != EXEC_N_ATTR) {
            exec_syntax_set(P->syn, "SyntaxError", line, "'%s' is an illegal expression for augmented assignment",
                            first->kind == EXEC_N_TUPLE ? "tuple" : "expression");
            return NULL;
        }
        advance(P);
        exec_node *v = expr_tuple(P);
        exec_node *n = v ? node_new(P, EXEC_S_AUG, line, 2) : NULL;
        if (!n || bind_target(P, first, 0)) return NULL;
        n->op = (uint8_t)codes[i];
        n->kids[0] = first;
        n->kids[1] = v;
        return n;
    }
    if (is_op(P, ":")) { /* x: T [= v]: the annotation is not evaluated */
        if (first->kind != EXEC_N_NAME) {
            exec_syntax_unsupported(P->syn, line, "annotations of this target are not supported");
            return NULL;
        }
        advance(P);
        exec_ref *refs = P->refs;
        if (!expr(P)) return NULL;
        P->refs = refs;
        if (!is_op(P, "=")) return bind_target(P, first, 0) ? NULL : node_new(P, EXEC_S_PASS, line, 0);
    }
    if (!is_op(P, "=")) {
        exec_node *n = node_new(P, EXEC_S_EXPR, line, 1);
        if (n) n->kids[0] = first;
        return n;
    }
    nodes kids = {0};
    if (nodes_push(P, &kids, first)) return NULL;
    while (is_op(P, "=")) {
        advance(P);
        if (nodes_push(P, &kids, expr_tuple(P))) return NULL;
    }
    for (int i = 0; i < kids.n - 1; i++)
        if (bind_target(P, kids.v[i], 1)) return NULL;
    return node_from(P, EXEC_S_ASSIGN, line, &kids);
}

static exec_node *import_stmt(parser *P)
{
    int line = P->t->line, from = is_kw(P, "from");
    advance(P);
    if (!is_kw(P, "math")) {
        exec_syntax_unsupported(P->syn, line, "import of '%.*s' is not supported (only math)", (int)P->t->len, P->t->text);
        return NULL;
    }
    advance(P);
    if (from && !is_kw(P, "import")) return syntax(P, "invalid syntax"), NULL;
    nodes kids = {0};
    int ids[64], k = 0;
    if (from) advance(P);
    if (from && is_op(P, "*")) {
        exec_syntax_unsupported(P->syn, line, "from math import * is not supported");
        return NULL;
    }
    int paren = from && is_op(P, "(");
    if (paren) advance(P);
    for (;;) {
        int id = -1;
        const exec_token *name_tok = P->t;
        if (from) {
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)P->t->len, P->t->text);
            id = exec_attr_lookup(buf);
            if (id < EXEC_A_sqrt) {
                exec_syntax_unsupported(P->syn, line, "math.%s is not supported", buf);
                return NULL;
            }
            advance(P);
        } else {
            name_tok = P->t - 1;
        }
        if (is_kw(P, "as")) {
            advance(P);
            name_tok = P->t;
            advance(P);
        }
        if (name_tok->kind != EXEC_T_NAME || k == 64) return syntax(P, "invalid syntax"), NULL;
        const exec_token *save = P->t;
        P->t = name_tok;
        exec_node *target = name_node(P);
        P->t = save;
        if (!target || bind_target(P, target, 0) || nodes_push(P, &kids, target)) return NULL;
        ids[k++] = id;
        if (!from || !is_op(P, ",")) break;
        advance(P);
    }
    if (paren && expect_op(P, ")")) return NULL;
    exec_node *n = node_from(P, EXEC_S_IMPORT, line, &kids);
    if (!n || !(n->aux_ids = pad_arena_alloc(P->arena, (size_t)k * sizeof(int)))) return NULL;
    memcpy(n->aux_ids, ids, (size_t)k * sizeof(int));
    return n;
}

static exec_node *keyword_stmt(parser *P)
{
    int line = P->t->line;
    if (is_kw(P, "pass")) return simple_node(P, EXEC_S_PASS);
    if (is_kw(P, "break") || is_kw(P, "continue")) {
        if (!P->loops) {
            exec_syntax_set(P->syn, "SyntaxError", line, "'%.*s' %s", (int)P->t->len, P->t->text,
                            is_kw(P, "break") ? "outside loop" : "not properly in loop");
            return NULL;
        }
        return simple_node(P, is_kw(P, "break") ? EXEC_S_BREAK : EXEC_S_CONTINUE);
    }
    if (is_kw(P, "return")) {
        if (!P->funcs) return syntax(P, "'return' outside function"), NULL;
        exec_node *n = simple_node(P, EXEC_S_RETURN);
        if (n && P->t->kind != EXEC_T_NEWLINE && !is_op(P, ";")) {
            n->n = 1;
            if (!(n->kids = pad_arena_alloc(P->arena, sizeof *n->kids)) || !(n->kids[0] = expr_tuple(P))) return NULL;
        }
        return n;
    }
    if (is_kw(P, "import") || is_kw(P, "from")) return import_stmt(P);
    if (is_kw(P, "global")) {
        exec_node *n = simple_node(P, EXEC_S_PASS);
        do {
            if (P->t->kind != EXEC_T_NAME) return syntax(P, "invalid syntax"), NULL;
            const char *name = tok_name(P);
            if (!name || exec_scope_declare_global(P, name)) return NULL;
            advance(P);
        } while (is_op(P, ",") && (advance(P), 1));
        return n;
    }
    if (is_kw(P, "del")) {
        advance(P);
        exec_node *t = expr_tuple(P);
        if (!t) return NULL;
        exec_node *n = node_new(P, EXEC_S_DEL, line, 1);
        if (!n || bind_target(P, t, 1)) return NULL;
        n->kids[0] = t;
        return n;
    }
    if (is_kw(P, "assert")) {
        advance(P);
        exec_node *n = node_new(P, EXEC_S_ASSERT, line, 2);
        if (!n || !(n->kids[0] = expr(P))) return NULL;
        if (is_op(P, ",")) {
            advance(P);
            if (!(n->kids[1] = expr(P))) return NULL;
        }
        return n;
    }
    static const char *const unsupported[] = {"raise", "nonlocal", "class", "try", "with", "async", "yield",
                                              "await", "lambda", "except", "finally"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (is_kw(P, unsupported[i])) {
            exec_syntax_unsupported(P->syn, line, "'%s' is not supported", unsupported[i]);
            return NULL;
        }
    return assignment(P);
}

static exec_node *simple_stmts(parser *P)
{
    int line = P->t->line;
    nodes kids = {0};
    for (;;) {
        if (nodes_push(P, &kids, keyword_stmt(P))) return NULL;
        if (!is_op(P, ";")) break;
        advance(P);
        if (P->t->kind == EXEC_T_NEWLINE) break;
    }
    if (P->t->kind != EXEC_T_NEWLINE) return syntax(P, "invalid syntax"), NULL;
    advance(P);
    if (kids.n == 1) return kids.v[0];
    return node_from(P, EXEC_S_BLOCK, line, &kids);
}

/* Only DEDENTs and the end are left: the cut of a prefix. */
static int at_cut(const parser *P)
{
    for (const exec_token *t = P->t; t->kind != EXEC_T_END; t++)
        if (t->kind != EXEC_T_DEDENT) return 0;
    return 1;
}

static exec_node *block(parser *P, const char *what, int line)
{
    if (expect_op(P, ":")) return NULL;
    if (P->t->kind != EXEC_T_NEWLINE) {
        exec_node *s = simple_stmts(P);
        exec_node *b = s ? node_new(P, EXEC_S_BLOCK, s->line, 1) : NULL;
        if (b) b->kids[0] = s;
        return b;
    }
    advance(P);
    if (P->t->kind != EXEC_T_INDENT) {
        if (P->prefix && at_cut(P)) return node_new(P, EXEC_S_BLOCK, line, 0);
        exec_syntax_set(P->syn, "IndentationError", P->t->line, "expected an indented block after %s on line %d",
                        what, line);
        return NULL;
    }
    advance(P);
    nodes kids = {0};
    while (P->t->kind != EXEC_T_DEDENT && P->t->kind != EXEC_T_END)
        if (nodes_push(P, &kids, stmt(P))) return NULL;
    advance(P);
    return node_from(P, EXEC_S_BLOCK, line, &kids);
}

static exec_node *if_stmt(parser *P, const char *what)
{
    int line = P->t->line;
    advance(P);
    exec_node *n = node_new(P, EXEC_S_IF, line, 3);
    if (!n || !(n->kids[0] = expr(P)) || !(n->kids[1] = block(P, what, line))) return NULL;
    if (is_kw(P, "elif")) {
        exec_node *e = if_stmt(P, "'elif' statement");
        exec_node *b = e ? node_new(P, EXEC_S_BLOCK, e->line, 1) : NULL;
        if (!b) return NULL;
        b->kids[0] = e;
        n->kids[2] = b;
    } else if (is_kw(P, "else")) {
        int eline = P->t->line;
        advance(P);
        if (!(n->kids[2] = block(P, "'else' statement", eline))) return NULL;
    }
    return n;
}

static exec_node *loop_stmt(parser *P)
{
    int line = P->t->line, is_for = is_kw(P, "for");
    advance(P);
    exec_node *n = node_new(P, is_for ? EXEC_S_FOR : EXEC_S_WHILE, line, is_for ? 4 : 3);
    if (!n) return NULL;
    int k = 0;
    if (is_for) {
        exec_node *t = target_list(P);
        if (!t || bind_target(P, t, 1)) return NULL;
        if (!is_kw(P, "in")) return syntax(P, "invalid syntax"), NULL;
        advance(P);
        n->kids[k++] = t;
    }
    if (!(n->kids[k++] = is_for ? expr_tuple(P) : expr(P))) return NULL;
    P->loops++;
    n->kids[k] = block(P, is_for ? "'for' statement" : "'while' statement", line);
    P->loops--;
    if (!n->kids[k++]) return NULL;
    if (is_kw(P, "else")) {
        int eline = P->t->line;
        advance(P);
        if (!(n->kids[k] = block(P, "'else' statement", eline))) return NULL;
    }
    return n;
}

static exec_node *def_stmt(parser *P)
{
    int line = P->t->line;
    advance(P);
    exec_node *name = name_node(P);
    if (!name || bind_target(P, name, 0) || expect_op(P, "(")) return NULL;
    const char *params[64];
    exec_node *defaults[64];
    int np = 0;
    while (!is_op(P, ")")) {
        if (P->t->kind != EXEC_T_NAME || is_keyword(P->t) || np == 64) {
            if (is_op(P, "*") || is_op(P, "**") || is_op(P, "/")) {
                exec_syntax_unsupported(P->syn, line, "variadic and keyword-only parameters are not supported");
                return NULL;
            }
            return syntax(P, "invalid syntax"), NULL;
        }
        if (!(params[np++] = tok_name(P))) return NULL;
        advance(P);
        if (is_op(P, ":")) { /* annotations are never evaluated here */
            advance(P);
            exec_ref *refs = P->refs;
            if (!expr(P)) return NULL;
            P->refs = refs;
        }
        exec_node *d = NULL;
        if (is_op(P, "=")) {
            advance(P);
            if (!(d = expr(P))) return NULL;
        } else if (np > 1 && defaults[np - 2]) {
            return syntax(P, "non-default argument follows default argument"), NULL;
        }
        defaults[np - 1] = d;
        if (!is_op(P, ",")) break;
        advance(P);
    }
    if (expect_op(P, ")")) return NULL;
    if (is_op(P, "->")) {
        advance(P);
        exec_ref *refs = P->refs;
        if (!expr(P)) return NULL;
        P->refs = refs;
    }
    exec_node *n = node_new(P, EXEC_S_DEF, line, 2 + np);
    exec_scope *fs = n ? exec_scope_new(P, EXEC_SC_FUNC) : NULL;
    if (!fs) return NULL;
    fs->def = n;
    n->name = name->name;
    n->kids[0] = name;
    n->nparams = np;
    n->names = pad_arena_alloc(P->arena, (size_t)(np ? np : 1) * sizeof *n->names);
    if (!n->names) return NULL;
    for (int i = 0; i < np; i++) {
        n->names[i] = params[i];
        n->kids[2 + i] = defaults[i];
        for (int j = 0; j < i; j++)
            if (!strcmp(params[i], params[j])) {
                exec_syntax_set(P->syn, "SyntaxError", line, "duplicate argument '%s' in function definition", params[i]);
                return NULL;
            }
        if (exec_scope_bind(P, fs, params[i])) return NULL;
    }
    exec_scope *outer = P->scope;
    int loops = P->loops;
    P->scope = fs;
    P->loops = 0;
    P->funcs++;
    n->kids[1] = block(P, "function definition", line);
    P->funcs--;
    P->loops = loops;
    P->scope = outer;
    return n->kids[1] ? n : NULL;
}

static exec_node *stmt(parser *P)
{
    if (P->t->kind == EXEC_T_INDENT) {
        exec_syntax_set(P->syn, "IndentationError", P->t->line, "unexpected indent");
        return NULL;
    }
    if (is_kw(P, "if")) return if_stmt(P, "'if' statement");
    if (is_kw(P, "while") || is_kw(P, "for")) return loop_stmt(P);
    if (is_kw(P, "def")) return def_stmt(P);
    if (is_op(P, "@")) {
        exec_syntax_unsupported(P->syn, P->t->line, "decorators are not supported");
        return NULL;
    }
    if (is_kw(P, "else") || is_kw(P, "elif")) return syntax(P, "invalid syntax"), NULL;
    return simple_stmts(P);
}

int exec_parse(const char *src, size_t len, int prefix, pad_arena *arena, exec_program *prog, exec_syntax *syn)
{
    memset(prog, 0, sizeof *prog);
    memset(syn, 0, sizeof *syn);
    exec_token *toks;
    size_t ntoks;
    if (exec_lex(src, len, arena, &toks, &ntoks, syn)) return -1;
    parser P = {.t = toks, .end = toks + ntoks, .arena = arena, .syn = syn, .prefix = prefix, .prog = prog};
    P.module = P.scope = exec_scope_new(&P, EXEC_SC_MODULE);
    if (!P.module) return -1;
    nodes body = {0};
    while (P.t->kind != EXEC_T_END) {
        if (P.t->kind == EXEC_T_NEWLINE) { advance(&P); continue; }
        if (nodes_push(&P, &body, stmt(&P))) return -1;
    }
    if (!(prog->body = node_from(&P, EXEC_S_BLOCK, 1, &body))) return -1;
    return exec_resolve(&P);
}
