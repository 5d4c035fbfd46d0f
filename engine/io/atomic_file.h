/* pad: atomic file writes.
 *
 * A reader (or a crash) must never see half a file: bytes go to a temporary
 * file in the same directory, are fsync'ed, then renamed over the target, and
 * the directory is fsync'ed so the rename itself survives a power loss. */
#ifndef PAD_IO_ATOMIC_FILE_H
#define PAD_IO_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* A file being written atomically: write to `fp`, then commit or abort. */
typedef struct pad_atomic_file {
    char *path;
    char *tmp;   /* "<path>.tmpXXXXXX" beside it */
    FILE *fp;
} pad_atomic_file;

/* Creates the temporary file; the error names `path`. */
pad_status pad_atomic_open(pad_atomic_file *f, const char *path, pad_error *err);
/* Flushes, fsyncs and renames over `path`.  `write_failed` (an earlier
 * fwrite that fell short) makes it abort with an error instead.  Either way
 * the temporary is gone afterwards and `f` is released. */
pad_status pad_atomic_commit(pad_atomic_file *f, int write_failed, pad_error *err);

/* Replaces `path` with `len` bytes.  On failure the temporary is removed and
 * any existing file at `path` is untouched; the error names `path`. */
pad_status pad_atomic_write(const char *path, const void *bytes, size_t len, pad_error *err);

#endif
