/* pad: the parameter table.
 *
 * A model keeps all parameters in one contiguous buffer (and all gradients in
 * a second, laid out the same); this table names the views into them.  Names
 * and shapes are Hugging Face's, so checkpoints need no renaming. */
#ifndef PAD_MODEL_PARAMS_H
#define PAD_MODEL_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PAD_PARAM_NAME_MAX 128
/* Each view starts on a multiple of this many elements (aligned vector
 * access on GPUs). */
#define PAD_PARAM_ALIGN 32

typedef struct pad_param {
    char name[PAD_PARAM_NAME_MAX];
    int ndim;           /* 1 or 2 */
    int64_t shape[2];
    size_t offset;      /* in elements, from the start of the buffer */
    int decay;          /* 1 when AdamW weight decay applies (matrices) */
} pad_param;

typedef struct pad_param_table {
    pad_param *items;
    int count;
    int cap;
    size_t buffer_numel; /* elements the buffer needs, alignment gaps included */
} pad_param_table;

void pad_param_table_init(pad_param_table *t);
void pad_param_table_free(pad_param_table *t);
/* Appends a view.  ndim 1 ignores d1. */
pad_status pad_param_table_add(pad_param_table *t, const char *name, int ndim, int64_t d0,
                               int64_t d1, int decay, pad_error *err);
const pad_param *pad_param_table_find(const pad_param_table *t, const char *name);
int64_t pad_param_numel(const pad_param *p);
/* The number of parameters, as transformers' num_parameters() counts them. */
int64_t pad_param_table_count(const pad_param_table *t);

#endif
