#include "io/json_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomic_file.h"

pad_status pad_read_file(const char *path, char **out, size_t *len, pad_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
        return pad_error_file(err, path);
    }
    pad_status st = PAD_OK;
    long size = -1;
    if (fseek(fp, 0, SEEK_END) == 0) size = ftell(fp);
    char *buf = NULL;
    if (size < 0 || fseek(fp, 0, SEEK_SET) != 0)
        st = pad_error_set(err, PAD_ERR_IO, "cannot read (not a regular file?)");
    else if (!(buf = malloc((size_t)size + 1)))
        st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory reading %ld bytes", size);
    else if (fread(buf, 1, (size_t)size, fp) != (size_t)size)
        st = pad_error_set(err, PAD_ERR_IO, "read failed");
    fclose(fp);
    if (st) {
        free(buf);
        return pad_error_file(err, path);
    }
    buf[size] = '\0';
    *out = buf;
    if (len) *len = (size_t)size;
    return PAD_OK;
}

pad_status pad_json_parse(const char *text, size_t len, cJSON **out, pad_error *err)
{
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (*out) return PAD_OK;
    if (!end || end < text || end > text + len) end = text + len;
    long line = 1;
    for (const char *p = text; p < end; p++) line += *p == '\n';
    pad_error_set(err, PAD_ERR_FORMAT, "malformed JSON");
    return pad_error_line(err, line);
}

pad_status pad_json_load(const char *path, cJSON **out, pad_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    pad_status st = pad_read_file(path, &text, &len, err);
    if (st) return st;
    st = pad_json_parse(text, len, out, err);
    free(text);
    return st ? pad_error_file(err, path) : PAD_OK;
}

pad_status pad_json_save(const char *path, const cJSON *json, pad_error *err)
{
    char *text = cJSON_Print(json);
    if (!text) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory printing JSON");
    size_t n = strlen(text);
    char *buf = realloc(text, n + 2);
    if (!buf) {
        free(text);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory printing JSON");
    }
    buf[n] = '\n';
    pad_status st = pad_atomic_write(path, buf, n + 1, err);
    free(buf);
    return st;
}
