/* pad: recursive-descent parser for the Python subset: statements, blocks
 * and the entry point (expressions: exec_parse.c). */
#include <stdio.h>
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_parse_internal.h"

static exec_node *stmt(exec_parser *P);

static exec_node *simple_node(exec_parser *P, int kind)
{
    exec_node *n = exec_node_new(P, kind, P->t->line, 0);
    exec_next(P);
    return n;
}

static exec_node *assignment(exec_parser *P)
{
    int line = P->t->line;
    exec_node *first = exec_parse_expr_tuple(P);
    if (!first) return NULL;
    static const char *const aug[] = {"+=", "-=", "*=", "/=", "//=", "%=", "**=", "<<=", ">>=", "&=", "|=", "^="};
    static const int codes[] = {EXEC_OP_ADD, EXEC_OP_SUB, EXEC_OP_MUL, EXEC_OP_DIV, EXEC_OP_FLOORDIV, EXEC_OP_MOD,
                                EXEC_OP_POW, EXEC_OP_LSHIFT, EXEC_OP_RSHIFT, EXEC_OP_AND, EXEC_OP_OR, EXEC_OP_XOR};
    for (int i = 0; i < 12; i++) {
        if (!exec_at_op(P, aug[i])) continue;
        if (first->kind != EXEC_N_NAME && first->kind != EXEC_N_INDEX && first->kind != EXEC_N_ATTR) {
            exec_syntax_set(P->syn, "SyntaxError", line, "'%s' is an illegal expression for augmented assignment",
                            first->kind == EXEC_N_TUPLE ? "tuple" : "expression");
            return NULL;
        }
        exec_next(P);
        exec_node *v = exec_parse_expr_tuple(P);
        exec_node *n = v ? exec_node_new(P, EXEC_S_AUG, line, 2) : NULL;
        if (!n || exec_bind_target(P, first, 0)) return NULL;
        n->op = (uint8_t)codes[i];
        n->kids[0] = first;
        n->kids[1] = v;
        return n;
    }
    if (exec_at_op(P, ":")) { /* x: T [= v]: the annotation is not evaluated */
        if (first->kind != EXEC_N_NAME) {
            exec_syntax_unsupported(P->syn, line, "annotations of this target are not supported");
            return NULL;
        }
        exec_next(P);
        exec_ref *refs = P->refs;
        if (!exec_parse_expr(P)) return NULL;
        P->refs = refs;
        if (!exec_at_op(P, "=")) return exec_bind_target(P, first, 0) ? NULL : exec_node_new(P, EXEC_S_PASS, line, 0);
    }
    if (!exec_at_op(P, "=")) {
        exec_node *n = exec_node_new(P, EXEC_S_EXPR, line, 1);
        if (n) n->kids[0] = first;
        return n;
    }
    exec_nodes kids = {0};
    if (exec_nodes_push(P, &kids, first)) return NULL;
    while (exec_at_op(P, "=")) {
        exec_next(P);
        if (exec_nodes_push(P, &kids, exec_parse_expr_tuple(P))) return NULL;
    }
    for (int i = 0; i < kids.n - 1; i++)
        if (exec_bind_target(P, kids.v[i], 1)) return NULL;
    return exec_node_from(P, EXEC_S_ASSIGN, line, &kids);
}

static exec_node *import_stmt(exec_parser *P)
{
    int line = P->t->line, from = exec_at_kw(P, "from");
    exec_next(P);
    if (!exec_at_kw(P, "math")) {
        exec_syntax_unsupported(P->syn, line, "import of '%.*s' is not supported (only math)", (int)P->t->len, P->t->text);
        return NULL;
    }
    exec_next(P);
    if (from && !exec_at_kw(P, "import")) return exec_syntax_error(P, "invalid syntax"), NULL;
    exec_nodes kids = {0};
    int ids[64], k = 0;
    if (from) exec_next(P);
    if (from && exec_at_op(P, "*")) {
        exec_syntax_unsupported(P->syn, line, "from math import * is not supported");
        return NULL;
    }
    int paren = from && exec_at_op(P, "(");
    if (paren) exec_next(P);
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
            exec_next(P);
        } else {
            name_tok = P->t - 1;
        }
        if (exec_at_kw(P, "as")) {
            exec_next(P);
            name_tok = P->t;
            exec_next(P);
        }
        if (name_tok->kind != EXEC_T_NAME || k == 64) return exec_syntax_error(P, "invalid syntax"), NULL;
        const exec_token *save = P->t;
        P->t = name_tok;
        exec_node *target = exec_parse_name(P);
        P->t = save;
        if (!target || exec_bind_target(P, target, 0) || exec_nodes_push(P, &kids, target)) return NULL;
        ids[k++] = id;
        if (!from || !exec_at_op(P, ",")) break;
        exec_next(P);
    }
    if (paren && exec_expect(P, ")")) return NULL;
    exec_node *n = exec_node_from(P, EXEC_S_IMPORT, line, &kids);
    if (!n || !(n->aux_ids = pad_arena_alloc(P->arena, (size_t)k * sizeof(int)))) return NULL;
    memcpy(n->aux_ids, ids, (size_t)k * sizeof(int));
    return n;
}

static exec_node *keyword_stmt(exec_parser *P)
{
    int line = P->t->line;
    if (exec_at_kw(P, "pass")) return simple_node(P, EXEC_S_PASS);
    if (exec_at_kw(P, "break") || exec_at_kw(P, "continue")) {
        if (!P->loops) {
            exec_syntax_set(P->syn, "SyntaxError", line, "'%.*s' %s", (int)P->t->len, P->t->text,
                            exec_at_kw(P, "break") ? "outside loop" : "not properly in loop");
            return NULL;
        }
        return simple_node(P, exec_at_kw(P, "break") ? EXEC_S_BREAK : EXEC_S_CONTINUE);
    }
    if (exec_at_kw(P, "return")) {
        if (!P->funcs) return exec_syntax_error(P, "'return' outside function"), NULL;
        exec_node *n = simple_node(P, EXEC_S_RETURN);
        if (n && P->t->kind != EXEC_T_NEWLINE && !exec_at_op(P, ";")) {
            n->n = 1;
            n->kids = pad_arena_alloc(P->arena, sizeof *n->kids);
            if (!n->kids || !(n->kids[0] = exec_parse_expr_tuple(P))) return NULL;
        }
        return n;
    }
    if (exec_at_kw(P, "import") || exec_at_kw(P, "from")) return import_stmt(P);
    if (exec_at_kw(P, "global")) {
        exec_node *n = simple_node(P, EXEC_S_PASS);
        do {
            if (P->t->kind != EXEC_T_NAME) return exec_syntax_error(P, "invalid syntax"), NULL;
            const char *name = exec_tok_name(P);
            if (!name || exec_scope_declare_global(P, name)) return NULL;
            exec_next(P);
        } while (exec_at_op(P, ",") && (exec_next(P), 1));
        return n;
    }
    if (exec_at_kw(P, "del")) {
        exec_next(P);
        exec_node *t = exec_parse_expr_tuple(P);
        if (!t) return NULL;
        exec_node *n = exec_node_new(P, EXEC_S_DEL, line, 1);
        if (!n || exec_bind_target(P, t, 1)) return NULL;
        n->kids[0] = t;
        return n;
    }
    if (exec_at_kw(P, "assert")) {
        exec_next(P);
        exec_node *n = exec_node_new(P, EXEC_S_ASSERT, line, 2);
        if (!n || !(n->kids[0] = exec_parse_expr(P))) return NULL;
        if (exec_at_op(P, ",")) {
            exec_next(P);
            if (!(n->kids[1] = exec_parse_expr(P))) return NULL;
        }
        return n;
    }
    static const char *const unsupported[] = {"raise", "nonlocal", "class", "try", "with", "async", "yield",
                                              "await", "lambda", "except", "finally"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (exec_at_kw(P, unsupported[i])) {
            exec_syntax_unsupported(P->syn, line, "'%s' is not supported", unsupported[i]);
            return NULL;
        }
    return assignment(P);
}

static exec_node *simple_stmts(exec_parser *P)
{
    int line = P->t->line;
    exec_nodes kids = {0};
    for (;;) {
        if (exec_nodes_push(P, &kids, keyword_stmt(P))) return NULL;
        if (!exec_at_op(P, ";")) break;
        exec_next(P);
        if (P->t->kind == EXEC_T_NEWLINE) break;
    }
    if (P->t->kind != EXEC_T_NEWLINE) return exec_syntax_error(P, "invalid syntax"), NULL;
    exec_next(P);
    if (kids.n == 1) return kids.v[0];
    return exec_node_from(P, EXEC_S_BLOCK, line, &kids);
}

/* Only DEDENTs and the end are left: the cut of a prefix. */
static int at_cut(const exec_parser *P)
{
    for (const exec_token *t = P->t; t->kind != EXEC_T_END; t++)
        if (t->kind != EXEC_T_DEDENT) return 0;
    return 1;
}

static exec_node *block(exec_parser *P, const char *what, int line)
{
    if (exec_expect(P, ":")) return NULL;
    if (P->t->kind != EXEC_T_NEWLINE) {
        exec_node *s = simple_stmts(P);
        exec_node *b = s ? exec_node_new(P, EXEC_S_BLOCK, s->line, 1) : NULL;
        if (b) b->kids[0] = s;
        return b;
    }
    exec_next(P);
    if (P->t->kind != EXEC_T_INDENT) {
        if (P->prefix && at_cut(P)) return exec_node_new(P, EXEC_S_BLOCK, line, 0);
        exec_syntax_set(P->syn, "IndentationError", P->t->line, "expected an indented block after %s on line %d",
                        what, line);
        return NULL;
    }
    exec_next(P);
    exec_nodes kids = {0};
    while (P->t->kind != EXEC_T_DEDENT && P->t->kind != EXEC_T_END)
        if (exec_nodes_push(P, &kids, stmt(P))) return NULL;
    exec_next(P);
    return exec_node_from(P, EXEC_S_BLOCK, line, &kids);
}

static exec_node *if_stmt(exec_parser *P, const char *what)
{
    int line = P->t->line;
    exec_next(P);
    exec_node *n = exec_node_new(P, EXEC_S_IF, line, 3);
    if (!n || !(n->kids[0] = exec_parse_expr(P)) || !(n->kids[1] = block(P, what, line))) return NULL;
    if (exec_at_kw(P, "elif")) {
        exec_node *e = if_stmt(P, "'elif' statement");
        exec_node *b = e ? exec_node_new(P, EXEC_S_BLOCK, e->line, 1) : NULL;
        if (!b) return NULL;
        b->kids[0] = e;
        n->kids[2] = b;
    } else if (exec_at_kw(P, "else")) {
        int eline = P->t->line;
        exec_next(P);
        if (!(n->kids[2] = block(P, "'else' statement", eline))) return NULL;
    }
    return n;
}

static exec_node *loop_stmt(exec_parser *P)
{
    int line = P->t->line, is_for = exec_at_kw(P, "for");
    exec_next(P);
    exec_node *n = exec_node_new(P, is_for ? EXEC_S_FOR : EXEC_S_WHILE, line, is_for ? 4 : 3);
    if (!n) return NULL;
    int k = 0;
    if (is_for) {
        exec_node *t = exec_parse_target_list(P);
        if (!t || exec_bind_target(P, t, 1)) return NULL;
        if (!exec_at_kw(P, "in")) return exec_syntax_error(P, "invalid syntax"), NULL;
        exec_next(P);
        n->kids[k++] = t;
    }
    if (!(n->kids[k++] = is_for ? exec_parse_expr_tuple(P) : exec_parse_expr(P))) return NULL;
    P->loops++;
    n->kids[k] = block(P, is_for ? "'for' statement" : "'while' statement", line);
    P->loops--;
    if (!n->kids[k++]) return NULL;
    if (exec_at_kw(P, "else")) {
        int eline = P->t->line;
        exec_next(P);
        if (!(n->kids[k] = block(P, "'else' statement", eline))) return NULL;
    }
    return n;
}

static exec_node *def_stmt(exec_parser *P)
{
    int line = P->t->line;
    exec_next(P);
    exec_node *name = exec_parse_name(P);
    if (!name || exec_bind_target(P, name, 0) || exec_expect(P, "(")) return NULL;
    const char *params[64];
    exec_node *defaults[64];
    int np = 0;
    while (!exec_at_op(P, ")")) {
        if (P->t->kind != EXEC_T_NAME || exec_is_keyword(P->t) || np == 64) {
            if (exec_at_op(P, "*") || exec_at_op(P, "**") || exec_at_op(P, "/")) {
                exec_syntax_unsupported(P->syn, line, "variadic and keyword-only parameters are not supported");
                return NULL;
            }
            return exec_syntax_error(P, "invalid syntax"), NULL;
        }
        if (!(params[np++] = exec_tok_name(P))) return NULL;
        exec_next(P);
        if (exec_at_op(P, ":")) { /* annotations are never evaluated here */
            exec_next(P);
            exec_ref *refs = P->refs;
            if (!exec_parse_expr(P)) return NULL;
            P->refs = refs;
        }
        exec_node *d = NULL;
        if (exec_at_op(P, "=")) {
            exec_next(P);
            if (!(d = exec_parse_expr(P))) return NULL;
        } else if (np > 1 && defaults[np - 2]) {
            return exec_syntax_error(P, "non-default argument follows default argument"), NULL;
        }
        defaults[np - 1] = d;
        if (!exec_at_op(P, ",")) break;
        exec_next(P);
    }
    if (exec_expect(P, ")")) return NULL;
    if (exec_at_op(P, "->")) {
        exec_next(P);
        exec_ref *refs = P->refs;
        if (!exec_parse_expr(P)) return NULL;
        P->refs = refs;
    }
    exec_node *n = exec_node_new(P, EXEC_S_DEF, line, 2 + np);
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

static exec_node *stmt(exec_parser *P)
{
    if (P->t->kind == EXEC_T_INDENT) {
        exec_syntax_set(P->syn, "IndentationError", P->t->line, "unexpected indent");
        return NULL;
    }
    if (exec_at_kw(P, "if")) return if_stmt(P, "'if' statement");
    if (exec_at_kw(P, "while") || exec_at_kw(P, "for")) return loop_stmt(P);
    if (exec_at_kw(P, "def")) return def_stmt(P);
    if (exec_at_op(P, "@")) {
        exec_syntax_unsupported(P->syn, P->t->line, "decorators are not supported");
        return NULL;
    }
    if (exec_at_kw(P, "else") || exec_at_kw(P, "elif")) return exec_syntax_error(P, "invalid syntax"), NULL;
    return simple_stmts(P);
}

int exec_parse(const char *src, size_t len, int prefix, pad_arena *arena, exec_program *prog, exec_syntax *syn)
{
    memset(prog, 0, sizeof *prog);
    memset(syn, 0, sizeof *syn);
    exec_token *toks;
    size_t ntoks;
    if (exec_lex(src, len, arena, &toks, &ntoks, syn)) return -1;
    exec_parser P = {.t = toks, .end = toks + ntoks, .arena = arena, .syn = syn, .prefix = prefix, .prog = prog};
    P.module = P.scope = exec_scope_new(&P, EXEC_SC_MODULE);
    if (!P.module) return -1;
    exec_nodes body = {0};
    while (P.t->kind != EXEC_T_END) {
        if (P.t->kind == EXEC_T_NEWLINE) { exec_next(&P); continue; }
        if (exec_nodes_push(&P, &body, stmt(&P))) return -1;
    }
    if (!(prog->body = exec_node_from(&P, EXEC_S_BLOCK, 1, &body))) return -1;
    return exec_resolve(&P);
}
