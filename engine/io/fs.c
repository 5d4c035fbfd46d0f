#include "io/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

pad_path_kind pad_path_kind_of(const char *path)
{
    struct stat sb;
    if (stat(path, &sb)) return PAD_PATH_NONE;
    if (S_ISREG(sb.st_mode)) return PAD_PATH_FILE;
    return S_ISDIR(sb.st_mode) ? PAD_PATH_DIR : PAD_PATH_OTHER;
}

char *pad_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (path) snprintf(path, n, "%s/%s", dir, name);
    return path;
}

static pad_status mkdir_error(pad_error *err, const char *path)
{
    pad_error_set(err, PAD_ERR_IO, "cannot create directory: %s", strerror(errno));
    return pad_error_file(err, path);
}

pad_status pad_mkdir_p(const char *path, pad_error *err)
{
    if (!path[0]) return pad_error_set(err, PAD_ERR_INVALID, "empty directory name");
    char *buf = strdup(path);
    if (!buf) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = PAD_OK;
    /* Create each prefix ending before a '/', then the whole path. */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) && errno != EEXIST) st = mkdir_error(err, buf);
        else if (pad_path_kind_of(buf) != PAD_PATH_DIR) {
            errno = ENOTDIR;
            st = mkdir_error(err, buf);
        }
        *p = saved;
        if (st || saved == '\0') break;
    }
    free(buf);
    return st;
}
