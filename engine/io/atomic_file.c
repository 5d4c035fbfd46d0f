#include "io/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pad_status io_error(pad_error *err, const char *path, const char *what)
{
    pad_error_set(err, PAD_ERR_IO, "%s: %s", what, strerror(errno));
    return pad_error_file(err, path);
}

static pad_status write_all(int fd, const void *bytes, size_t len)
{
    const char *p = bytes;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return PAD_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return PAD_OK;
}

/* Makes the rename durable.  Some file systems refuse fsync on a directory;
 * that is not worth failing a write over. */
static void sync_parent_dir(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return;
    char *slash = strrchr(dir, '/');
    const char *name = ".";
    if (slash == dir) name = "/";
    else if (slash) {
        *slash = '\0';
        name = dir;
    }
    int fd = open(name, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

pad_status pad_atomic_write(const char *path, const void *bytes, size_t len, pad_error *err)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return io_error(err, path, "cannot create temporary file");
    }
    pad_status st = PAD_OK;
    if (write_all(fd, bytes, len)) st = io_error(err, path, "write failed");
    else if (fchmod(fd, 0644) || fsync(fd)) st = io_error(err, path, "sync failed");
    if (close(fd) && !st) st = io_error(err, path, "close failed");
    if (!st && rename(tmp, path)) st = io_error(err, path, "rename failed");
    if (st) unlink(tmp);
    else sync_parent_dir(path);
    free(tmp);
    return st;
}
