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

static void release(pad_atomic_file *f)
{
    free(f->path);
    free(f->tmp);
    f->path = f->tmp = NULL;
    f->fp = NULL;
}

pad_status pad_atomic_open(pad_atomic_file *f, const char *path, pad_error *err)
{
    size_t n = strlen(path) + 16;
    f->fp = NULL;
    f->path = strdup(path);
    f->tmp = malloc(n);
    if (!f->path || !f->tmp) {
        release(f);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    snprintf(f->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(f->tmp);
    if (fd >= 0 && !(f->fp = fdopen(fd, "wb"))) {
        close(fd);
        unlink(f->tmp);
    }
    if (!f->fp) {
        pad_status st = io_error(err, path, "cannot create a temporary file beside it");
        release(f);
        return st;
    }
    return PAD_OK;
}

pad_status pad_atomic_commit(pad_atomic_file *f, int write_failed, pad_error *err)
{
    pad_status st = PAD_OK;
    if (write_failed || fflush(f->fp)) st = io_error(err, f->path, "write failed");
    else if (fchmod(fileno(f->fp), 0644) || fsync(fileno(f->fp))) st = io_error(err, f->path, "sync failed");
    if (fclose(f->fp) && !st) st = io_error(err, f->path, "close failed");
    if (!st && rename(f->tmp, f->path)) st = io_error(err, f->path, "rename failed");
    if (st) unlink(f->tmp);
    else sync_parent_dir(f->path);
    release(f);
    return st;
}

pad_status pad_atomic_write(const char *path, const void *bytes, size_t len, pad_error *err)
{
    pad_atomic_file f;
    pad_status st = pad_atomic_open(&f, path, err);
    if (st) return st;
    int short_write = len > 0 && fwrite(bytes, 1, len, f.fp) != len;
    return pad_atomic_commit(&f, short_write, err);
}
