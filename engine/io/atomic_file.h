/* pad: atomic file writes.
 *
 * A reader (or a crash) must never see half a file: bytes go to a temporary
 * file in the same directory, are fsync'ed, then renamed over the target, and
 * the directory is fsync'ed so the rename itself survives a power loss. */
#ifndef PAD_IO_ATOMIC_FILE_H
#define PAD_IO_ATOMIC_FILE_H

#include <stddef.h>

#include "core/error.h"

/* Replaces `path` with `len` bytes.  On failure the temporary is removed and
 * any existing file at `path` is untouched; the error names `path`. */
pad_status pad_atomic_write(const char *path, const void *bytes, size_t len, pad_error *err);

#endif
