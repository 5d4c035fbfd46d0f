/* pad: small file-system helpers for the io room. */
#ifndef PAD_IO_FS_H
#define PAD_IO_FS_H

#include "core/error.h"

typedef enum pad_path_kind {
    PAD_PATH_NONE = 0, /* absent or unreadable */
    PAD_PATH_FILE,
    PAD_PATH_DIR,
    PAD_PATH_OTHER
} pad_path_kind;

pad_path_kind pad_path_kind_of(const char *path);

/* "dir/name" in a new malloc'd string (NULL when out of memory). */
char *pad_path_join(const char *dir, const char *name);

/* Creates `path` and any missing parents (like mkdir -p). */
pad_status pad_mkdir_p(const char *path, pad_error *err);

#endif
