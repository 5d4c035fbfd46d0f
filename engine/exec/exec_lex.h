/* pad: tokens of the Python subset, with INDENT/DEDENT as Python makes them. */
#ifndef PAD_EXEC_LEX_H
#define PAD_EXEC_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef enum exec_tok_kind {
    EXEC_T_END = 0,
    EXEC_T_NEWLINE,
    EXEC_T_INDENT,
    EXEC_T_DEDENT,
    EXEC_T_NAME,
    EXEC_T_INT,
    EXEC_T_FLOAT,
    EXEC_T_STRING,
    EXEC_T_OP
} exec_tok_kind;

typedef struct exec_token {
    exec_tok_kind kind;
    int line;
    const char *text; /* NAME/OP: the source text; STRING: the decoded bytes (arena) */
    size_t len;
    int64_t i;        /* INT */
    double f;         /* FLOAT */
    int overflow;     /* INT beyond 64 bits */
    char prefix;      /* STRING: 'f' for f-strings, 'b' for bytes, 0 otherwise */
} exec_token;

/* What went wrong before the program could run: a SyntaxError or
 * IndentationError, or something outside the subset (unsupported = 1). */
typedef struct exec_syntax {
    int failed;
    int unsupported;
    char type[32];
    char msg[200];
    int line;
} exec_syntax;

void exec_syntax_set(exec_syntax *s, const char *type, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void exec_syntax_unsupported(exec_syntax *s, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tokenizes src into an arena array ending with EXEC_T_END.  Returns 0, or
 * -1 with *syn filled (or on out of memory: syn->type is "MemoryError"). */
int exec_lex(const char *src, size_t len, pad_arena *arena, exec_token **toks, size_t *ntoks,
             exec_syntax *syn);

int exec_tok_is(const exec_token *t, exec_tok_kind kind, const char *text);

#endif
