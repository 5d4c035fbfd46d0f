/* pad: Hugging Face config.json <-> pad_model_config.
 *
 * Reading starts from transformers' defaults for the model_type and
 * overrides them with the fields present; fields pad does not model are
 * ignored unless they change the math (then PAD_ERR_UNSUPPORTED).  Errors
 * carry the offending field in json_path.  Writing produces a config.json and
 * a generation_config.json that transformers' from_pretrained accepts. */
#ifndef PAD_IO_HF_CONFIG_H
#define PAD_IO_HF_CONFIG_H

#include <cjson/cJSON.h>

#include "core/error.h"
#include "model/config.h"

#define HF_CONFIG_FILE "config.json"
#define HF_GENERATION_CONFIG_FILE "generation_config.json"

/* From a parsed JSON object (no file context added). */
pad_status hf_config_from_json(const cJSON *root, pad_model_config *cfg, pad_error *err);
/* From a config.json file; errors name `path`. */
pad_status hf_config_load(const char *path, pad_model_config *cfg, pad_error *err);

/* New JSON objects (caller frees with cJSON_Delete); NULL when out of memory.
 * Float fields are raw number text (so that 1.0 prints as 1.0): print the
 * object rather than reading its values. */
cJSON *hf_config_to_json(const pad_model_config *cfg);
cJSON *hf_generation_config_to_json(const pad_model_config *cfg);

/* Writes config.json and generation_config.json into an existing `dir`,
 * each atomically. */
pad_status hf_config_save(const pad_model_config *cfg, const char *dir, pad_error *err);

#endif
