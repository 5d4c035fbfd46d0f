#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t size, const char *src)
{
    if (!src) src = "";
    size_t n = strlen(src);
    if (n >= size) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* With no error struct to carry it, the code of the last pad_error_set is
 * kept per thread, so that `return pad_error_file(err, path)` after a set
 * returns that code even when the caller passed err == NULL. */
static _Thread_local pad_status last_code_without_struct;

void pad_error_clear(pad_error *e)
{
    if (e) memset(e, 0, sizeof *e);
}

pad_status pad_error_set(pad_error *e, pad_status code, const char *fmt, ...)
{
    if (!e) {
        last_code_without_struct = code;
        return code;
    }
    pad_error_clear(e);
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return code;
}

#define CONTEXT_SETTER(fn, field)                                   \
    pad_status fn(pad_error *e, const char *value)                  \
    {                                                               \
        if (!e) return last_code_without_struct;                    \
        if (e->field[0] == '\0') copy_str(e->field, sizeof e->field, value); \
        return e->code;                                             \
    }

CONTEXT_SETTER(pad_error_file, file)
CONTEXT_SETTER(pad_error_tensor, tensor)
CONTEXT_SETTER(pad_error_json_path, json_path)

pad_status pad_error_line(pad_error *e, long line)
{
    if (!e) return last_code_without_struct;
    if (e->line == 0) e->line = line;
    return e->code;
}

void pad_error_format(const pad_error *e, char *buf, size_t size)
{
    size_t used = 0;
#define APPEND(...)                                                       \
    do {                                                                  \
        if (used < size) {                                                \
            int n_ = snprintf(buf + used, size - used, __VA_ARGS__);      \
            if (n_ > 0) used += (size_t)n_;                               \
        }                                                                 \
    } while (0)
    if (size == 0) return;
    buf[0] = '\0';
    if (e->file[0]) APPEND(e->line ? "%s:%ld: " : "%s: ", e->file, e->line);
    else if (e->line) APPEND("line %ld: ", e->line);
    if (e->tensor[0]) APPEND("tensor '%s': ", e->tensor);
    if (e->json_path[0]) APPEND("%s: ", e->json_path);
    APPEND("%s", e->message[0] ? e->message : pad_status_name(e->code));
#undef APPEND
}

const char *pad_status_name(pad_status code)
{
    switch (code) {
    case PAD_OK: return "ok";
    case PAD_ERR_INVALID: return "invalid argument";
    case PAD_ERR_IO: return "I/O error";
    case PAD_ERR_FORMAT: return "malformed file";
    case PAD_ERR_CONFIG: return "configuration error";
    case PAD_ERR_NOMEM: return "out of memory";
    case PAD_ERR_UNSUPPORTED: return "unsupported";
    case PAD_ERR_BACKEND: return "backend failure";
    }
    return "unknown error";
}
