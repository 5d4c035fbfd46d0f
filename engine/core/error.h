/* pad: errors as values.
 *
 * Library code never prints or exits on failure: it fills a pad_error and
 * returns its code.  Context (file, tensor, JSON path, line) is attached as the
 * error travels up, and only the CLI turns it into one line for people. */
#ifndef PAD_CORE_ERROR_H
#define PAD_CORE_ERROR_H

#include <stddef.h>

typedef enum pad_status {
    PAD_OK = 0,
    PAD_ERR_INVALID,     /* bad argument or value from the caller */
    PAD_ERR_IO,          /* open/read/write/rename failed */
    PAD_ERR_FORMAT,      /* a file is malformed */
    PAD_ERR_CONFIG,      /* a configuration value is missing or wrong */
    PAD_ERR_NOMEM,       /* allocation failed */
    PAD_ERR_UNSUPPORTED, /* valid but not implemented here */
    PAD_ERR_BACKEND      /* the compute backend failed */
} pad_status;

typedef struct pad_error {
    pad_status code;
    char message[512];
    char file[512];      /* path of the file involved, if any */
    char tensor[160];    /* tensor name involved, if any */
    char json_path[160]; /* e.g. "stages[1].lr" */
    long line;           /* 1-based line number, 0 when none */
} pad_error;

/* Reset to "no error".  Every error out-parameter may also be NULL. */
void pad_error_clear(pad_error *e);

/* Record an error (replacing any earlier one) and return its code, so that
 * callers can write `return pad_error_set(err, PAD_ERR_FORMAT, "...")`. */
pad_status pad_error_set(pad_error *e, pad_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attach context; each keeps an already-set value of the same kind, so the
 * innermost (most precise) context wins.  All return e->code, so that
 * `return pad_error_file(err, path)` passes the error on; with e == NULL,
 * the code of this thread's last pad_error_set(NULL, ...). */
pad_status pad_error_file(pad_error *e, const char *path);
pad_status pad_error_tensor(pad_error *e, const char *name);
pad_status pad_error_json_path(pad_error *e, const char *path);
pad_status pad_error_line(pad_error *e, long line);

/* One line: "FILE:LINE: tensor 'T': at JSON_PATH: MESSAGE". */
void pad_error_format(const pad_error *e, char *buf, size_t size);

const char *pad_status_name(pad_status code);

#endif
