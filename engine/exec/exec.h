/* pad: running reasoning programs.
 *
 * Two executors give the same result for the same program: the built-in
 * interpreter for the Python subset that reasoning programs use (in-process,
 * microseconds), and a sandboxed CPython child process for users who want
 * full Python.  The entry point is the program's `solution()` function; the
 * result is what `print(solution())` would show, or the Python error it
 * raised, or the limit it hit. */
#ifndef PAD_EXEC_EXEC_H
#define PAD_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum exec_outcome {
    EXEC_OK = 0,            /* solution() returned; value_* are set */
    EXEC_ERROR,             /* a Python exception: error_type, error_message, line */
    EXEC_STEP_LIMIT,        /* built-in: too many evaluation steps (an endless loop) */
    EXEC_TIMEOUT,           /* CPython: CPU time or wall clock exceeded */
    EXEC_MEMORY_LIMIT,
    EXEC_RECURSION_LIMIT,
    EXEC_SIZE_LIMIT,        /* a string or list beyond the size limit */
    EXEC_OVERFLOW,          /* built-in: an integer beyond 64 bits */
    EXEC_UNSUPPORTED,       /* outside the subset: other imports, open, eval, dunders... never run */
    EXEC_NO_PROGRAM,        /* no solution() to call */
    EXEC_OUTCOME_COUNT
} exec_outcome;

typedef enum exec_engine {
    EXEC_BUILTIN = 0,
    EXEC_PYTHON
} exec_engine;

typedef struct exec_limits {
    uint64_t max_steps;     /* built-in evaluation steps */
    size_t max_memory;      /* bytes of program data (built-in) / address space (CPython) */
    int max_depth;          /* call depth */
    size_t max_seq_len;     /* elements of a list/tuple/dict, bytes of a string */
    double timeout_s;       /* CPython: wall clock; CPU limit is its ceiling */
} exec_limits;

typedef struct exec_result {
    exec_outcome outcome;
    char error_type[48];    /* Python's exception name ("NameError"), "" when none */
    char error_message[256];/* Python's message ("name 'x' is not defined") */
    int line;               /* 1-based line of the error in the source, 0 when none */
    char *value_repr;       /* repr(value), malloc'd, NULL unless EXEC_OK */
    char *value_str;        /* str(value): what print() shows, malloc'd */
    int is_number;          /* the value is an int, float or bool */
    double number;          /* its value as a double when is_number */
    uint64_t steps;         /* built-in: steps used */
} exec_result;

void exec_limits_default(exec_limits *l);
const char *exec_outcome_name(exec_outcome o); /* "ok", "error", "step_limit", ... */
void exec_result_free(exec_result *r);

/* Runs `source` (len bytes, need not be NUL-terminated) and calls its
 * solution().  Problems of the program land in *out; the return value is an
 * error only when pad itself fails (out of memory, no python3 to start). */
pad_status exec_run(exec_engine engine, const char *source, size_t len, const exec_limits *lim,
                    exec_result *out, pad_error *err);

/* Prefix mode, for step-wise decoding: `source` is a program cut after a
 * complete line.  Runs the lines so far (the body of solution() as far as it
 * goes, without requiring a return) and reports the first error; EXEC_OK
 * when there is none yet.  Built-in executor only. */
pad_status exec_run_prefix(const char *source, size_t len, const exec_limits *lim,
                           exec_result *out, pad_error *err);

#endif
