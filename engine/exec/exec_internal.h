/* pad: the two executors behind exec.h.  Not for other rooms. */
#ifndef PAD_EXEC_INTERNAL_H
#define PAD_EXEC_INTERNAL_H

#include "exec/exec.h"

/* interp*.c: the built-in interpreter.  prefix != 0 is exec_run_prefix. */
pad_status exec_builtin_run(const char *source, size_t len, const exec_limits *lim, int prefix,
                            exec_result *out, pad_error *err);
/* pyrun.c: a sandboxed CPython child process. */
pad_status exec_python_run(const char *source, size_t len, const exec_limits *lim,
                           exec_result *out, pad_error *err);

#endif
