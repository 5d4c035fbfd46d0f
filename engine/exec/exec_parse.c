/* pad: recursive-descent parser for the Python subset: the shared token and
 * node helpers, and expressions (statements: exec_parse_stmt.c). */
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_parse_internal.h"

int exec_syntax_error(exec_parser *P, const char *msg)
{
    exec_syntax_set(P->syn, "SyntaxError", P->t->line, "%s", msg);
    return -1;
}

int exec_expect(exec_parser *P, const char *op)
{
    if (!exec_at_op(P, op)) {
        if (!strcmp(op, ":")) return exec_syntax_error(P, "expected ':'");
        return exec_syntax_error(P, "invalid syntax");
    }
    exec_next(P);
    return 0;
}

exec_node *exec_node_new(exec_parser *P, int kind, int line, int nkids)
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

int exec_nodes_push(exec_parser *P, exec_nodes *l, exec_node *x)
{
    if (!x) return -1;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        exec_node **v = pad_arena_alloc(P->arena, (size_t)cap * sizeof *v);
        if (!v) return exec_syntax_error(P, "out of memory");
        if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

exec_node *exec_node_from(exec_parser *P, int kind, int line, const exec_nodes *l)
{
    exec_node *n = exec_node_new(P, kind, line, 0);
    if (!n) return NULL;
    n->kids = l->v;
    n->n = l->n;
    return n;
}

const char *exec_tok_name(exec_parser *P)
{
    char *s = pad_arena_strndup(P->arena, P->t->text, P->t->len);
    if (!s) exec_syntax_error(P, "out of memory");
    return s;
}

static const char *const KEYWORDS[] = {"False", "None", "True", "and", "as", "assert", "async", "await", "break",
                                       "class", "continue", "def", "del", "elif", "else", "except", "finally",
                                       "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
                                       "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"};

int exec_is_keyword(const exec_token *t)
{
    if (t->kind != EXEC_T_NAME) return 0;
    for (size_t i = 0; i < sizeof KEYWORDS / sizeof KEYWORDS[0]; i++)
        if (exec_tok_is(t, EXEC_T_NAME, KEYWORDS[i])) return 1;
    return 0;
}

static exec_node *or_test(exec_parser *P);
static exec_node *bitor(exec_parser *P);

exec_node *exec_parse_name(exec_parser *P)
{
    if (P->t->kind != EXEC_T_NAME || exec_is_keyword(P->t)) return exec_syntax_error(P, "invalid syntax"), NULL;
    exec_node *n = exec_node_new(P, EXEC_N_NAME, P->t->line, 0);
    if (!n || !(n->name = exec_tok_name(P))) return NULL;
    if (!strncmp(n->name, "__", 2) && strcmp(n->name, "__name__")) {
        exec_syntax_unsupported(P->syn, n->line, "name '%s' is not supported", n->name);
        return NULL;
    }
    exec_next(P);
    return exec_ref_add(P, n) ? NULL : n;
}

static exec_node *const_node(exec_parser *P, exec_val v)
{
    exec_node *n = exec_node_new(P, EXEC_N_CONST, P->t->line, 0);
    if (n) n->val = v;
    exec_next(P);
    return n;
}

/* Adjacent literals concatenate; an f-string anywhere makes the whole an
 * f-string node. */
static exec_node *string_atom(exec_parser *P)
{
    int line = P->t->line;
    size_t total = 0;
    const exec_token *s = P->t;
    for (; P->t->kind == EXEC_T_STRING; exec_next(P)) {
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
    exec_node *n = exec_node_new(P, EXEC_N_CONST, line, 0);
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
int exec_bind_target(exec_parser *P, exec_node *t, int allow_tuple)
{
    switch (t->kind) {
    case EXEC_N_NAME: return exec_scope_bind(P, P->scope, t->name);
    case EXEC_N_INDEX:
    case EXEC_N_ATTR: return 0;
    case EXEC_N_TUPLE:
    case EXEC_N_LIST:
        if (!allow_tuple) break;
        for (int i = 0; i < t->n; i++)
            if (exec_bind_target(P, t->kids[i], 1)) return -1;
        return 0;
    default: break;
    }
    const char *what = t->kind == EXEC_N_CONST ? "literal" : t->kind == EXEC_N_CALL ? "function call" : "expression";
    exec_syntax_set(P->syn, "SyntaxError", t->line, "cannot assign to %s", what);
    return -1;
}

/* for-clauses of a comprehension: `for t in it [if c]...`, repeated. */
static int comp_clauses(exec_parser *P, exec_nodes *kids)
{
    while (exec_at_kw(P, "for")) {
        int line = P->t->line;
        exec_next(P);
        exec_node *iter_first = NULL;
        exec_scope *comp = P->scope;
        exec_node *target = exec_parse_target_list(P);
        if (!target || exec_bind_target(P, target, 1)) return -1;
        if (!exec_at_kw(P, "in")) return exec_syntax_error(P, "invalid syntax");
        exec_next(P);
        /* The first iterable belongs to the enclosing scope, as in Python. */
        P->scope = comp->parent;
        int first = 1;
        for (int i = 0; i < kids->n; i++)
            if (kids->v[i]->kind == EXEC_N_COMPFOR) first = 0;
        if (!first) P->scope = comp;
        iter_first = or_test(P);
        P->scope = comp;
        if (!iter_first) return -1;
        exec_nodes parts = {0};
        if (exec_nodes_push(P, &parts, target) || exec_nodes_push(P, &parts, iter_first)) return -1;
        while (exec_at_kw(P, "if")) {
            exec_next(P);
            if (exec_nodes_push(P, &parts, or_test(P))) return -1;
        }
        if (exec_nodes_push(P, kids, exec_node_from(P, EXEC_N_COMPFOR, line, &parts))) return -1;
    }
    return 0;
}

/* Parses the body of a comprehension whose first element is already known:
 * the element expression was parsed in the enclosing scope, so it is
 * re-parsed here inside the comprehension's own scope. */
static exec_node *comprehension(exec_parser *P, const exec_token *elt_start, exec_ref *refs, int kind, int line,
                                const char *close)
{
    P->refs = refs; /* forget the names of the element's first parse */
    exec_scope *comp = exec_scope_new(P, EXEC_SC_COMP);
    if (!comp) return NULL;
    /* Parse the clauses first so the targets are bound before the element
     * refers to them; then parse the element again in the comp scope. */
    const exec_token *after_elt = P->t;
    exec_nodes kids = {0};
    exec_node *placeholder = exec_node_new(P, EXEC_N_CONST, line, 0);
    if (exec_nodes_push(P, &kids, placeholder)) return NULL;
    if (kind == 'd' && exec_nodes_push(P, &kids, exec_node_new(P, EXEC_N_CONST, line, 0))) return NULL;
    P->scope = comp;
    if (comp_clauses(P, &kids)) return NULL;
    const exec_token *resume = P->t;
    P->t = elt_start;
    exec_node *elt = kind == 'd' ? bitor(P) : exec_parse_expr(P);
    if (!elt) return NULL;
    kids.v[0] = elt;
    if (kind == 'd') {
        if (exec_expect(P, ":")) return NULL;
        if (!(kids.v[1] = exec_parse_expr(P))) return NULL;
    }
    if (P->t != after_elt) return exec_syntax_error(P, "invalid syntax"), NULL;
    P->t = resume;
    P->scope = comp->parent;
    if (close && exec_expect(P, close)) return NULL;
    exec_node *n = exec_node_from(P, EXEC_N_COMP, line, &kids);
    if (n) n->op = (uint8_t)kind;
    return n;
}

/* Elements up to `close`; *trailing_comma tells (x,) from (x). */
static int expr_list(exec_parser *P, const char *close, exec_nodes *out, int *trailing_comma)
{
    *trailing_comma = 0;
    while (!exec_at_op(P, close)) {
        if (exec_at_op(P, "*")) {
            exec_syntax_unsupported(P->syn, P->t->line, "starred expressions are not supported");
            return -1;
        }
        if (exec_nodes_push(P, out, exec_parse_expr(P))) return -1;
        *trailing_comma = 0;
        if (!exec_at_op(P, ",")) break;
        exec_next(P);
        *trailing_comma = 1;
    }
    return exec_expect(P, close);
}

static exec_node *paren_atom(exec_parser *P, const char *open)
{
    int line = P->t->line;
    exec_next(P);
    const char *close = open[0] == '(' ? ")" : "]";
    int kind = open[0] == '(' ? EXEC_N_TUPLE : EXEC_N_LIST;
    if (exec_at_op(P, close)) {
        exec_next(P);
        return exec_node_new(P, kind, line, 0);
    }
    const exec_token *first = P->t;
    exec_ref *refs = P->refs;
    exec_node *e = exec_parse_expr(P);
    if (!e) return NULL;
    if (exec_at_kw(P, "for")) return comprehension(P, first, refs, kind == EXEC_N_LIST ? 'l' : 'g', line, close);
    exec_nodes items = {0};
    if (exec_nodes_push(P, &items, e)) return NULL;
    int comma = 0;
    if (exec_at_op(P, ",")) {
        exec_next(P);
        comma = 1;
        int more_comma;
        if (expr_list(P, close, &items, &more_comma)) return NULL;
    } else if (exec_expect(P, close)) return NULL;
    if (kind == EXEC_N_TUPLE && items.n == 1 && !comma) return e; /* plain parentheses */
    return exec_node_from(P, kind, line, &items);
}

static exec_node *dict_atom(exec_parser *P)
{
    int line = P->t->line;
    exec_next(P);
    exec_nodes kids = {0};
    if (!exec_at_op(P, "}")) {
        const exec_token *first = P->t;
        exec_ref *refs = P->refs;
        exec_node *k = exec_parse_expr(P);
        if (!k) return NULL;
        if (!exec_at_op(P, ":")) {
            exec_syntax_unsupported(P->syn, line, "sets are not supported");
            return NULL;
        }
        exec_next(P);
        exec_node *v = exec_parse_expr(P);
        if (!v) return NULL;
        if (exec_at_kw(P, "for")) return comprehension(P, first, refs, 'd', line, "}");
        if (exec_nodes_push(P, &kids, k) || exec_nodes_push(P, &kids, v)) return NULL;
        while (exec_at_op(P, ",")) {
            exec_next(P);
            if (exec_at_op(P, "}")) break;
            if (exec_nodes_push(P, &kids, exec_parse_expr(P)) || exec_expect(P, ":") ||
                exec_nodes_push(P, &kids, exec_parse_expr(P)))
                return NULL;
        }
    }
    if (exec_expect(P, "}")) return NULL;
    return exec_node_from(P, EXEC_N_DICT, line, &kids);
}

static exec_node *atom(exec_parser *P)
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
        return exec_parse_name(P);
    case EXEC_T_OP:
        if (exec_at_op(P, "(") || exec_at_op(P, "[")) return paren_atom(P, t->text);
        if (exec_at_op(P, "{")) return dict_atom(P);
        if (exec_at_op(P, "...")) {
            exec_syntax_unsupported(P->syn, t->line, "Ellipsis is not supported");
            return NULL;
        }
        break;
    case EXEC_T_INDENT: exec_syntax_set(P->syn, "IndentationError", t->line, "unexpected indent"); return NULL;
    default: break;
    }
    exec_syntax_error(P, "invalid syntax");
    return NULL;
}

static exec_node *call_args(exec_parser *P, exec_node *func)
{
    int line = P->t->line;
    exec_next(P);
    exec_nodes kids = {0};
    const char *kwnames[64];
    int nkw = 0;
    if (exec_nodes_push(P, &kids, func)) return NULL;
    while (!exec_at_op(P, ")")) {
        if (exec_at_op(P, "*") || exec_at_op(P, "**")) {
            exec_syntax_unsupported(P->syn, P->t->line, "argument unpacking is not supported");
            return NULL;
        }
        if (P->t->kind == EXEC_T_NAME && exec_tok_is(P->t + 1, EXEC_T_OP, "=")) {
            if (nkw == 64) return exec_syntax_error(P, "too many arguments"), NULL;
            if (!(kwnames[nkw++] = exec_tok_name(P))) return NULL;
            exec_next(P);
            exec_next(P);
        } else if (nkw) {
            return exec_syntax_error(P, "positional argument follows keyword argument"), NULL;
        }
        const exec_token *first = P->t;
        exec_ref *refs = P->refs;
        exec_node *a = exec_parse_expr(P);
        if (!a) return NULL;
        if (exec_at_kw(P, "for") && !nkw) a = comprehension(P, first, refs, 'g', a->line, NULL);
        if (exec_nodes_push(P, &kids, a)) return NULL;
        if (!exec_at_op(P, ",")) break;
        exec_next(P);
    }
    if (exec_expect(P, ")")) return NULL;
    exec_node *n = exec_node_from(P, EXEC_N_CALL, line, &kids);
    if (!n) return NULL;
    n->aux = kids.n - 1 - nkw;
    if (nkw) {
        n->names = pad_arena_alloc(P->arena, (size_t)nkw * sizeof *n->names);
        if (!n->names) return NULL;
        memcpy(n->names, kwnames, (size_t)nkw * sizeof *n->names);
    }
    return n;
}

static exec_node *slice_or_index(exec_parser *P)
{
    int line = P->t->line;
    exec_node *part[3] = {NULL, NULL, NULL};
    int k = 0, is_slice = 0;
    for (;;) {
        if (!exec_at_op(P, ":") && !exec_at_op(P, "]") && !exec_at_op(P, ",")) {
            if (!(part[k] = exec_parse_expr(P))) return NULL;
        }
        if (!exec_at_op(P, ":") || k == 2) break;
        exec_next(P);
        is_slice = 1;
        k++;
    }
    if (exec_at_op(P, ",")) {
        exec_syntax_unsupported(P->syn, line, "tuple subscripts are not supported");
        return NULL;
    }
    if (!is_slice) {
        if (!part[0]) return exec_syntax_error(P, "invalid syntax"), NULL;
        return part[0];
    }
    exec_node *n = exec_node_new(P, EXEC_N_SLICE, line, 3);
    if (n) memcpy(n->kids, part, sizeof part);
    return n;
}

static exec_node *atom_expr(exec_parser *P)
{
    exec_node *e = atom(P);
    while (e) {
        int line = P->t->line;
        if (exec_at_op(P, "(")) e = call_args(P, e);
        else if (exec_at_op(P, "[")) {
            exec_next(P);
            exec_node *idx = slice_or_index(P);
            exec_node *n = idx ? exec_node_new(P, EXEC_N_INDEX, line, 2) : NULL;
            if (!n || exec_expect(P, "]")) return NULL;
            n->kids[0] = e;
            n->kids[1] = idx;
            e = n;
        } else if (exec_at_op(P, ".")) {
            exec_next(P);
            if (P->t->kind != EXEC_T_NAME) return exec_syntax_error(P, "invalid syntax"), NULL;
            exec_node *n = exec_node_new(P, EXEC_N_ATTR, line, 1);
            if (!n || !(n->name = exec_tok_name(P))) return NULL;
            n->slot = exec_attr_lookup(n->name);
            if (n->slot < 0 || !strncmp(n->name, "__", 2)) {
                exec_syntax_unsupported(P->syn, line, "attribute '%s' is not supported", n->name);
                return NULL;
            }
            exec_next(P);
            n->kids[0] = e;
            e = n;
        } else break;
    }
    return e;
}

static exec_node *binary(exec_parser *P, int op, exec_node *a, exec_node *b, int line)
{
    if (!a || !b) return NULL;
    exec_node *n = exec_node_new(P, EXEC_N_BINOP, line, 2);
    if (!n) return NULL;
    n->op = (uint8_t)op;
    n->kids[0] = a;
    n->kids[1] = b;
    return n;
}

static exec_node *factor(exec_parser *P);

static exec_node *power(exec_parser *P)
{
    exec_node *a = atom_expr(P);
    if (a && exec_at_op(P, "**")) {
        int line = P->t->line;
        exec_next(P);
        return binary(P, EXEC_OP_POW, a, factor(P), line);
    }
    return a;
}

static exec_node *factor(exec_parser *P)
{
    if (exec_at_op(P, "-") || exec_at_op(P, "+") || exec_at_op(P, "~")) {
        int line = P->t->line;
        char op = P->t->text[0];
        exec_next(P);
        exec_node *x = factor(P);
        exec_node *n = x ? exec_node_new(P, EXEC_N_UNARY, line, 1) : NULL;
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

static exec_node *binary_level(exec_parser *P, int lv)
{
    if (lv == (int)(sizeof LEVELS / sizeof LEVELS[0])) return factor(P);
    exec_node *a = binary_level(P, lv + 1);
    while (a) {
        int code = -1;
        for (int i = 0; i < 4 && LEVELS[lv].ops[i]; i++)
            if (exec_at_op(P, LEVELS[lv].ops[i])) code = LEVELS[lv].codes[i];
        if (code < 0) {
            if (exec_at_op(P, "@")) {
                exec_syntax_unsupported(P->syn, P->t->line, "the @ operator is not supported");
                return NULL;
            }
            break;
        }
        int line = P->t->line;
        exec_next(P);
        a = binary(P, code, a, binary_level(P, lv + 1), line);
    }
    return a;
}

static exec_node *bitor(exec_parser *P) { return binary_level(P, 0); }

static int compare_op(exec_parser *P)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    for (int i = 0; i < 6; i++)
        if (exec_at_op(P, ops[i])) { exec_next(P); return i; }
    if (exec_at_kw(P, "in")) { exec_next(P); return EXEC_CMP_IN; }
    if (exec_at_kw(P, "not") && exec_tok_is(P->t + 1, EXEC_T_NAME, "in")) { P->t += 2; return EXEC_CMP_NOT_IN; }
    if (exec_at_kw(P, "is")) {
        exec_next(P);
        if (exec_at_kw(P, "not")) { exec_next(P); return EXEC_CMP_IS_NOT; }
        return EXEC_CMP_IS;
    }
    return -1;
}

static exec_node *comparison(exec_parser *P)
{
    int line = P->t->line;
    exec_node *a = bitor(P);
    if (!a) return NULL;
    exec_nodes kids = {0};
    uint8_t ops[64];
    int op;
    if (exec_nodes_push(P, &kids, a)) return NULL;
    while ((op = compare_op(P)) >= 0) {
        if (kids.n == 64) return exec_syntax_error(P, "comparison chain too long"), NULL;
        ops[kids.n - 1] = (uint8_t)op;
        if (exec_nodes_push(P, &kids, bitor(P))) return NULL;
    }
    if (kids.n == 1) return a;
    exec_node *n = exec_node_from(P, EXEC_N_COMPARE, line, &kids);
    if (!n || !(n->ops = pad_arena_alloc(P->arena, (size_t)kids.n))) return NULL;
    memcpy(n->ops, ops, (size_t)kids.n - 1);
    return n;
}

static exec_node *not_test(exec_parser *P)
{
    if (!exec_at_kw(P, "not")) return comparison(P);
    int line = P->t->line;
    exec_next(P);
    exec_node *x = not_test(P);
    exec_node *n = x ? exec_node_new(P, EXEC_N_UNARY, line, 1) : NULL;
    if (!n) return NULL;
    n->op = '!';
    n->kids[0] = x;
    return n;
}

static exec_node *bool_chain(exec_parser *P, const char *kw, exec_node *(*sub)(exec_parser *))
{
    int line = P->t->line;
    exec_node *a = sub(P);
    if (!a || !exec_at_kw(P, kw)) return a;
    exec_nodes kids = {0};
    if (exec_nodes_push(P, &kids, a)) return NULL;
    while (exec_at_kw(P, kw)) {
        exec_next(P);
        if (exec_nodes_push(P, &kids, sub(P))) return NULL;
    }
    exec_node *n = exec_node_from(P, EXEC_N_BOOLOP, line, &kids);
    if (n) n->op = (uint8_t)kw[0];
    return n;
}

static exec_node *and_test(exec_parser *P) { return bool_chain(P, "and", not_test); }
static exec_node *or_test(exec_parser *P) { return bool_chain(P, "or", and_test); }

exec_node *exec_parse_expr(exec_parser *P)
{
    int line = P->t->line;
    exec_node *a = or_test(P);
    if (!a || !exec_at_kw(P, "if")) {
        if (a && exec_at_op(P, ":=")) {
            exec_syntax_unsupported(P->syn, line, "the := operator is not supported");
            return NULL;
        }
        return a;
    }
    exec_next(P);
    exec_node *cond = or_test(P);
    if (!cond) return NULL;
    if (!exec_at_kw(P, "else")) return exec_syntax_error(P, "expected 'else' after 'if' expression"), NULL;
    exec_next(P);
    exec_node *b = exec_parse_expr(P);
    exec_node *n = b ? exec_node_new(P, EXEC_N_IFEXP, line, 3) : NULL;
    if (!n) return NULL;
    n->kids[0] = cond;
    n->kids[1] = a;
    n->kids[2] = b;
    return n;
}

/* `a, b = ...` and `for a, b in`: a bare comma list is a tuple. */
static exec_node *tuple_or_single(exec_parser *P, exec_node *(*sub)(exec_parser *), int stop_at_in)
{
    int line = P->t->line;
    exec_node *a = sub(P);
    if (!a || !exec_at_op(P, ",")) return a;
    exec_nodes kids = {0};
    if (exec_nodes_push(P, &kids, a)) return NULL;
    while (exec_at_op(P, ",")) {
        exec_next(P);
        if (P->t->kind == EXEC_T_NEWLINE || exec_at_op(P, "=") || exec_at_op(P, ")") || exec_at_op(P, ";") ||
            (stop_at_in && exec_at_kw(P, "in")))
            break;
        if (exec_nodes_push(P, &kids, sub(P))) return NULL;
    }
    return exec_node_from(P, EXEC_N_TUPLE, line, &kids);
}

exec_node *exec_parse_target_list(exec_parser *P) { return tuple_or_single(P, bitor, 1); }
exec_node *exec_parse_expr_tuple(exec_parser *P) { return tuple_or_single(P, exec_parse_expr, 0); }
