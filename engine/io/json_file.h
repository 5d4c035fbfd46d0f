/* pad: JSON files read and written whole, with errors that name the file and
 * line.  Shared by the Hugging Face config and index readers. */
#ifndef PAD_IO_JSON_FILE_H
#define PAD_IO_JSON_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
pad_status pad_read_file(const char *path, char **out, size_t *len, pad_error *err);

/* Parses `text`; a syntax error gives PAD_ERR_FORMAT with the 1-based line
 * of the failure (the caller adds the file). */
pad_status pad_json_parse(const char *text, size_t len, cJSON **out, pad_error *err);

/* pad_read_file + pad_json_parse, errors naming `path`. */
pad_status pad_json_load(const char *path, cJSON **out, pad_error *err);

/* Writes `json` indented, with a final newline, atomically. */
pad_status pad_json_save(const char *path, const cJSON *json, pad_error *err);

#endif
