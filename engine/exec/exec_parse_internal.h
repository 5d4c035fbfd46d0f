/* pad: state shared by the parser (exec_parse.c) and name resolution
 * (exec_resolve.c). */
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

#endif
