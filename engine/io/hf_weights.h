/* pad: the weights of a Hugging Face directory, one file or sharded.
 *
 * model.safetensors when present, else model.safetensors.index.json, whose
 * "weight_map" names the shard holding each tensor. */
#ifndef PAD_IO_HF_WEIGHTS_H
#define PAD_IO_HF_WEIGHTS_H

#include "io/safetensors.h"

#define HF_WEIGHTS_FILE "model.safetensors"
#define HF_WEIGHTS_INDEX_FILE "model.safetensors.index.json"

typedef struct hf_weights {
    char *source;             /* the weights file or the index: for errors */
    int count;                /* files open */
    safetensors_file *files;
} hf_weights;

/* Opens the weight files of `dir`, checking that every tensor the index
 * names is in its shard.  On failure nothing stays open. */
pad_status hf_weights_open(hf_weights *w, const char *dir, pad_error *err);
void hf_weights_close(hf_weights *w);

/* The entry called `name` and the index of its file; NULL when absent. */
const safetensors_entry *hf_weights_find(const hf_weights *w, const char *name, int *file_index);

#endif
