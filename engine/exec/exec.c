#include "exec/exec.h"

#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

void exec_limits_default(exec_limits *l)
{
    l->max_steps = 1000000;
    l->max_memory = 64u << 20;
    l->max_depth = 100;
    l->max_seq_len = 1u << 20;
    l->timeout_s = 5.0;
}

const char *exec_outcome_name(exec_outcome o)
{
    static const char *const names[EXEC_OUTCOME_COUNT] = {
        [EXEC_OK] = "ok",
        [EXEC_ERROR] = "error",
        [EXEC_STEP_LIMIT] = "step_limit",
        [EXEC_TIMEOUT] = "timeout",
        [EXEC_MEMORY_LIMIT] = "memory_limit",
        [EXEC_RECURSION_LIMIT] = "recursion_limit",
        [EXEC_SIZE_LIMIT] = "size_limit",
        [EXEC_OVERFLOW] = "overflow",
        [EXEC_UNSUPPORTED] = "unsupported",
        [EXEC_NO_PROGRAM] = "no_program",
    };
    return (unsigned)o < EXEC_OUTCOME_COUNT ? names[o] : "?";
}

void exec_result_free(exec_result *r)
{
    free(r->value_repr);
    free(r->value_str);
    r->value_repr = r->value_str = NULL;
}

pad_status exec_run(exec_engine engine, const char *source, size_t len, const exec_limits *lim,
                    exec_result *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    if (engine == EXEC_PYTHON) return exec_python_run(source, len, lim, out, err);
    return exec_builtin_run(source, len, lim, 0, out, err);
}

pad_status exec_run_prefix(const char *source, size_t len, const exec_limits *lim,
                           exec_result *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    return exec_builtin_run(source, len, lim, 1, out, err);
}
