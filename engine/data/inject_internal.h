/* pad: what error injection knows about a program, shared by the analysis
 * (inject_sites.c), the edits (inject_kinds.c) and the driver (inject.c). */
#ifndef PAD_DATA_INJECT_INTERNAL_H
#define PAD_DATA_INJECT_INTERNAL_H

#include "core/arena.h"
#include "data/inject.h"
#include "exec/exec_lex.h"
#include "exec/exec_parse.h"

/* A simple statement of solution() (assignment, augmented assignment,
 * expression or return) alone on its logical line. */
typedef struct inj_stmt {
    const exec_node *node;
    const exec_node *block;   /* the block holding it */
    int index;                /* its place in block */
    int tok_first, tok_nl;    /* its first token and the NEWLINE ending it */
    size_t begin, end;        /* its whole lines: start of the first, after the last '\n' */
    int names_ok;             /* every name token matched a name node */
} inj_stmt;

/* A name of a simple statement, matched to its token. */
typedef struct inj_name {
    const exec_node *node;
    int tok;
    int stmt;
    int store;                /* an assignment target */
    int in_comp;              /* inside a comprehension */
} inj_name;

typedef struct inj_program {
    const char *src;
    size_t len;
    pad_arena arena;          /* owns everything below */
    exec_program prog;
    exec_token *toks;
    int ntoks;
    int sol_first, sol_end;   /* solution()'s tokens: from `def` to after its body */
    inj_stmt *stmts;
    int nstmts;
    inj_name *names;
    int nnames;
} inj_program;

/* Lexes, parses and analyses `src`; 0, or -1 when the program does not
 * parse or has no solution() (nothing to inject), or -2 out of memory. */
int inj_analyse(inj_program *p, const char *src, size_t len);
void inj_program_free(inj_program *p);

/* Byte offset of token i in the source (not for STRING tokens: their text
 * is the decoded value). */
static inline size_t inj_tok_off(const inj_program *p, int i) { return (size_t)(p->toks[i].text - p->src); }
/* 1 when token i is NAME/OP `text`. */
int inj_tok_is(const inj_program *p, int i, exec_tok_kind kind, const char *text);
/* 1 when token i ends an operand (a name, a literal, a closing bracket), so
 * that a following + or - is binary. */
int inj_tok_ends_operand(const inj_program *p, int i);
/* 1 when `name` is an identifier token anywhere in the program. */
int inj_name_used(const inj_program *p, const char *name, size_t n);

/* One kind's edit (inject_kinds.c); *found = 0 when there is no site. */
int inj_edit_kind(const inj_program *p, inject_kind kind, pad_rng *rng, inject_edit *out, int *found);

#endif
