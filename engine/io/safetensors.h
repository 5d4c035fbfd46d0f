/* pad: safetensors files (the format of Hugging Face's model.safetensors).
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON (padded with
 * spaces to a multiple of 8), then the data.  The JSON maps each tensor name
 * to {"dtype", "shape", "data_offsets": [begin, end]} relative to the data
 * start, plus an optional "__metadata__" object of string values. */
#ifndef PAD_IO_SAFETENSORS_H
#define PAD_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/tensor.h"

typedef struct safetensors_entry {
    char *name;
    pad_dtype dtype;
    int ndim;
    int64_t shape[PAD_MAX_DIMS];
    uint64_t begin, end;      /* byte offsets relative to the data start */
} safetensors_entry;

typedef struct safetensors_meta {
    char *key;
    char *value;
} safetensors_meta;

typedef struct safetensors_file {
    char *path;
    FILE *fp;
    uint64_t data_start;      /* 8 + header length */
    uint64_t data_size;       /* file size - data_start */
    int count;
    safetensors_entry *entries; /* in data-offset order */
    int meta_count;
    safetensors_meta *meta;
} safetensors_file;

/* Opens and validates the whole header: length within the file, JSON well
 * formed, known dtypes, byte counts matching shape x dtype, offsets inside the
 * data and not overlapping, no duplicate names.  Errors name the file and,
 * where one is at fault, the tensor. */
pad_status safetensors_open(safetensors_file *f, const char *path, pad_error *err);
void safetensors_close(safetensors_file *f);

const safetensors_entry *safetensors_find(const safetensors_file *f, const char *name);
/* NULL when absent. */
const char *safetensors_meta_get(const safetensors_file *f, const char *key);

/* Reads a tensor's bytes as stored (little-endian). */
pad_status safetensors_read_raw(safetensors_file *f, const safetensors_entry *e, void *dst,
                                pad_error *err);
/* Reads an F32, F64, BF16 or F16 tensor converted to float. */
pad_status safetensors_read_f32(safetensors_file *f, const safetensors_entry *e, float *dst,
                                pad_error *err);

/* Writes tensors (host memory, each in its own dtype) in the given order, with
 * "__metadata__" {"format": "pt"} plus the given pairs (meta may be NULL).
 * Atomic: a temporary file in the same directory, fsync, rename; on failure
 * the temporary is removed and any existing file at `path` is untouched. */
pad_status safetensors_write(const char *path, const pad_tensor *tensors, int count,
                             const safetensors_meta *meta, int meta_count, pad_error *err);

#endif
