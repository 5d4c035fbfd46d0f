/* pad: the syntax tree of the Python subset, with names resolved to slots.
 *
 * Parsing decides everything that can be decided before running: syntax
 * errors, constructs outside the subset (EXEC_UNSUPPORTED, so such a
 * program never runs), and for every name whether it is a local slot of its
 * function, a module global, or a builtin. */
#ifndef PAD_EXEC_PARSE_H
#define PAD_EXEC_PARSE_H

#include "exec/exec_lex.h"
#include "exec/exec_value.h"

typedef enum exec_node_kind {
    /* expressions */
    EXEC_N_CONST,    /* val; op = 1 for an int literal beyond 64 bits */
    EXEC_N_NAME,     /* op = scope, slot, aux = builtin id or -1 */
    EXEC_N_BINOP,    /* op: exec_binop; kids a, b */
    EXEC_N_UNARY,    /* op: '-', '+', '~', '!' (not) */
    EXEC_N_BOOLOP,   /* op: 'a'nd / 'o'r; kids */
    EXEC_N_COMPARE,  /* ops[n-1], kids[n] */
    EXEC_N_IFEXP,    /* cond, then, else */
    EXEC_N_CALL,     /* kids: func, args...; aux = positional count; names: keyword names */
    EXEC_N_ATTR,     /* kids: obj; slot = attribute id */
    EXEC_N_INDEX,    /* obj, index */
    EXEC_N_SLICE,    /* lo, hi, step (NULL when absent) */
    EXEC_N_LIST,
    EXEC_N_TUPLE,
    EXEC_N_DICT,     /* key, value, key, value... */
    EXEC_N_COMP,     /* op: 'l'ist, 'g'enerator, 'd'ict; kids: elt [value], then for-clauses */
    EXEC_N_COMPFOR,  /* target, iter, ifs... */
    EXEC_N_FSTRING,  /* kids: parts (const strings and EXEC_N_FMT) */
    EXEC_N_FMT,      /* kids: value, spec (NULL or a string-valued node); op: conversion 'r', 's' or 0 */
    /* statements */
    EXEC_S_EXPR,
    EXEC_S_ASSIGN,   /* targets..., value (last) */
    EXEC_S_AUG,      /* op: exec_binop; target, value */
    EXEC_S_IF,       /* cond, body, orelse (NULL) */
    EXEC_S_WHILE,    /* cond, body, orelse */
    EXEC_S_FOR,      /* target, iter, body, orelse */
    EXEC_S_BREAK,
    EXEC_S_CONTINUE,
    EXEC_S_RETURN,   /* value or none */
    EXEC_S_PASS,
    EXEC_S_DEF,      /* body block, defaults...; name, params, nparams, nslots */
    EXEC_S_IMPORT,   /* kids: name targets; aux_ids: attribute id per target (-1: the module) */
    EXEC_S_DEL,      /* targets */
    EXEC_S_ASSERT,   /* cond, msg (NULL) */
    EXEC_S_BLOCK     /* statements */
} exec_node_kind;

typedef enum exec_cmpop {
    EXEC_CMP_LT, EXEC_CMP_LE, EXEC_CMP_GT, EXEC_CMP_GE, EXEC_CMP_EQ, EXEC_CMP_NE,
    EXEC_CMP_IN, EXEC_CMP_NOT_IN, EXEC_CMP_IS, EXEC_CMP_IS_NOT
} exec_cmpop;

enum { EXEC_SCOPE_LOCAL = 1, EXEC_SCOPE_GLOBAL = 2 };

typedef struct exec_node {
    uint8_t kind;
    uint8_t op;
    int line;
    int n;                    /* kids */
    struct exec_node **kids;
    int slot;
    int aux;
    exec_val val;             /* EXEC_N_CONST */
    const char *name;         /* names, defs, attributes */
    const char **names;       /* call keywords; def parameters */
    uint8_t *ops;             /* compare operators */
    int *aux_ids;             /* import attribute ids */
    int nparams, nslots;      /* def: parameters, frame size */
} exec_node;

typedef struct exec_program {
    exec_node *body;          /* module statements */
    int nglobals;
    const char **global_names;
    int module_slots;         /* frame of module-level comprehensions */
    int max_frame;            /* largest function frame */
    int solution_slot;        /* global slot of "solution", -1 when never bound */
} exec_program;

/* Parses and resolves src.  Returns 0, or -1 with *syn filled. */
int exec_parse(const char *src, size_t len, int prefix, pad_arena *arena, exec_program *prog, exec_syntax *syn);

#endif
