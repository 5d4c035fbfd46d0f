/* pad: state shared by the parser (exec_parse.c: expressions,
 * exec_parse_stmt.c: statements) and name resolution (exec_resolve.c). */
#ifndef PAD_EXEC_PARSE_INTERNAL_H
#define PAD_EXEC_PARSE_INTERNAL_H

#include "exec/exec_parse.h"

enum { EXEC_SC_MODULE, EXEC_SC_FUNC, EXEC_SC_COMP };

typedef struct exec_scope {
    struct exec_scope *parent;
    int kind;
    const char **locals;        /* assigned names (params first); comp: its targets */
    int *slots;                 /* frame slot of each local */
    int nlocals, cap_locals;
    const char **globals;       /* `global` declarations */
    int nglobals, cap_globals;
    struct exec_scope *frame;   /* the function or module owning the slots */
    int nslots;                 /* frame owners: slots allocated */
    exec_node *def;             /* functions: the def node */
    struct exec_scope *next;    /* all scopes of the program */
} exec_scope;

typedef struct exec_ref {
    exec_node *node;
    exec_scope *scope;
    struct exec_ref *next;
} exec_ref;

typedef struct exec_parser {
    const exec_token *t;        /* current token */
    const exec_token *end;
    pad_arena *arena;
    exec_syntax *syn;
    int prefix;
    exec_scope *scope;
    exec_scope *module;
    exec_ref *refs;             /* every name use, resolved at the end */
    exec_scope *scopes;
    exec_program *prog;
    int loops;                  /* enclosing loops of the current function */
    int funcs;                  /* enclosing defs */
} exec_parser;

exec_scope *exec_scope_new(exec_parser *P, int kind);
/* Records that name is bound in scope P->scope (a comp scope binds locally). */
int exec_scope_bind(exec_parser *P, exec_scope *s, const char *name);
int exec_scope_declare_global(exec_parser *P, const char *name);
/* Queues a name node for resolution in the current scope. */
int exec_ref_add(exec_parser *P, exec_node *name);
/* Resolves all queued names; fills prog globals. */
int exec_resolve(exec_parser *P);

/* ---- parser helpers (exec_parse.c), shared with the statement parser ---- */

static inline int exec_at_op(const exec_parser *P, const char *op) { return exec_tok_is(P->t, EXEC_T_OP, op); }
static inline int exec_at_kw(const exec_parser *P, const char *kw) { return exec_tok_is(P->t, EXEC_T_NAME, kw); }
static inline void exec_next(exec_parser *P) { if (P->t->kind != EXEC_T_END) P->t++; }

/* A growable list of nodes while parsing a sequence. */
typedef struct exec_nodes {
    exec_node **v;
    int n, cap;
} exec_nodes;

/* Sets a SyntaxError at the current token; returns -1. */
int exec_syntax_error(exec_parser *P, const char *msg);
/* Consumes op or fails with a SyntaxError. */
int exec_expect(exec_parser *P, const char *op);
exec_node *exec_node_new(exec_parser *P, int kind, int line, int nkids);
/* Appends x; a NULL x (a failed sub-parse) fails the push. */
int exec_nodes_push(exec_parser *P, exec_nodes *l, exec_node *x);
exec_node *exec_node_from(exec_parser *P, int kind, int line, const exec_nodes *l);
/* The current token's text, copied into the arena. */
const char *exec_tok_name(exec_parser *P);
int exec_is_keyword(const exec_token *t);
/* Binds the names of an assignment target; checks it is assignable. */
int exec_bind_target(exec_parser *P, exec_node *t, int allow_tuple);

exec_node *exec_parse_expr(exec_parser *P);
/* `a, b` without brackets: a tuple (expressions, or `for` targets). */
exec_node *exec_parse_expr_tuple(exec_parser *P);
exec_node *exec_parse_target_list(exec_parser *P);
/* A name use, queued for resolution. */
exec_node *exec_parse_name(exec_parser *P);

#endif
