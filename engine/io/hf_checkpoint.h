/* pad: Hugging Face checkpoint directories.
 *
 * A pad checkpoint is a Hugging Face directory: config.json,
 * generation_config.json and model.safetensors with transformers' tensor
 * names and layouts, so either side reads the other's files directly. */
#ifndef PAD_IO_HF_CHECKPOINT_H
#define PAD_IO_HF_CHECKPOINT_H

#include "backend/backend.h"
#include "core/error.h"
#include "model/model.h"

/* Reads config.json, creates the model on `be` and fills every parameter
 * from model.safetensors (or the shards of model.safetensors.index.json),
 * converting F32/F64/BF16/F16 to float.  Accepts the names transformers
 * itself accepts (tied embedding copies, an untied T5 head stored as the
 * shared embedding, GPT-2 names without "transformer."); a missing tensor, a shape mismatch or a tensor the model
 * does not use is an error naming the tensor. */
pad_status hf_checkpoint_load(const char *dir, pad_backend *be, pad_model **out, pad_error *err);

/* Creates `dir` if needed and writes config.json, generation_config.json and
 * model.safetensors (every parameter, table order, in `dtype`: PAD_F32 or
 * PAD_BF16), each file atomically. */
pad_status hf_checkpoint_save(pad_model *m, const char *dir, pad_dtype dtype, pad_error *err);

/* 1 when a Hugging Face file may hold `name` beside the parameters of a
 * `cfg` model without it being one: tied copies of the embedding and GPT-2's
 * attention-mask buffers. */
int hf_tensor_is_ignorable(const pad_model_config *cfg, const char *name);

#endif
