#include "io/hf_weights.h"

#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/json_file.h"

static pad_status open_files(hf_weights *w, const char *dir, const char *const *names, int n,
                             pad_error *err)
{
    w->files = calloc((size_t)n, sizeof *w->files);
    if (!w->files) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        char *path = pad_path_join(dir, names[i]);
        if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        pad_status st = safetensors_open(&w->files[w->count], path, err);
        free(path);
        if (st) return st;
        w->count++;
    }
    return PAD_OK;
}

/* A shard must be a plain file name beside the index: no way out of dir. */
static int shard_name_ok(const char *name)
{
    return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* Collects the distinct shard names of the weight map, in first-seen order
 * (pointers into the JSON). */
static pad_status shard_names(const cJSON *map, const char ***out, int *n, pad_error *err)
{
    *n = 0;
    *out = calloc((size_t)cJSON_GetArraySize(map) + 1, sizeof **out);
    if (!*out) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (const cJSON *it = map->child; it; it = it->next) {
        if (!cJSON_IsString(it) || !shard_name_ok(it->valuestring)) {
            pad_error_set(err, PAD_ERR_FORMAT, "expected a shard file name");
            pad_error_json_path(err, "weight_map");
            return pad_error_tensor(err, it->string);
        }
        int seen = 0;
        for (int i = 0; i < *n && !seen; i++) seen = strcmp((*out)[i], it->valuestring) == 0;
        if (!seen) (*out)[(*n)++] = it->valuestring;
    }
    if (*n == 0) {
        pad_error_set(err, PAD_ERR_FORMAT, "the weight map is empty");
        return pad_error_json_path(err, "weight_map");
    }
    return PAD_OK;
}

/* Every tensor the index names must be in the shard it names. */
static pad_status check_index(const hf_weights *w, const cJSON *map, const char *const *names,
                              int n, pad_error *err)
{
    for (const cJSON *it = map->child; it; it = it->next) {
        int shard = 0;
        while (shard < n && strcmp(names[shard], it->valuestring) != 0) shard++;
        if (!safetensors_find(&w->files[shard], it->string)) {
            pad_error_set(err, PAD_ERR_FORMAT, "the index places it in %s, which does not hold it",
                          it->valuestring);
            return pad_error_tensor(err, it->string);
        }
    }
    return PAD_OK;
}

static pad_status open_sharded(hf_weights *w, const char *dir, const char *index_path,
                               pad_error *err)
{
    cJSON *root;
    pad_status st = pad_json_load(index_path, &root, err);
    if (st) return st;
    const char **names = NULL;
    int n = 0;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(map)) {
        st = pad_error_set(err, PAD_ERR_FORMAT, "expected a \"weight_map\" object");
        pad_error_json_path(err, "weight_map");
    }
    if (!st) st = shard_names(map, &names, &n, err);
    if (st) pad_error_file(err, index_path);
    if (!st) st = open_files(w, dir, names, n, err);
    if (!st && (st = check_index(w, map, names, n, err))) pad_error_file(err, index_path);
    free(names);
    cJSON_Delete(root);
    return st;
}

pad_status hf_weights_open(hf_weights *w, const char *dir, pad_error *err)
{
    memset(w, 0, sizeof *w);
    char *single = pad_path_join(dir, HF_WEIGHTS_FILE);
    char *index = pad_path_join(dir, HF_WEIGHTS_INDEX_FILE);
    pad_status st;
    if (!single || !index) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    else if (pad_path_kind_of(single) != PAD_PATH_NONE) {
        const char *name = HF_WEIGHTS_FILE;
        w->source = single;
        single = NULL;
        st = open_files(w, dir, &name, 1, err);
    } else if (pad_path_kind_of(index) != PAD_PATH_NONE) {
        w->source = index;
        index = NULL;
        st = open_sharded(w, dir, w->source, err);
    } else {
        st = pad_error_set(err, PAD_ERR_IO, "no %s or %s in this directory", HF_WEIGHTS_FILE,
                           HF_WEIGHTS_INDEX_FILE);
        pad_error_file(err, dir);
    }
    free(single);
    free(index);
    if (st) hf_weights_close(w);
    return st;
}

void hf_weights_close(hf_weights *w)
{
    for (int i = 0; i < w->count; i++) safetensors_close(&w->files[i]);
    free(w->files);
    free(w->source);
    memset(w, 0, sizeof *w);
}

const safetensors_entry *hf_weights_find(const hf_weights *w, const char *name, int *file_index)
{
    for (int i = 0; i < w->count; i++) {
        const safetensors_entry *e = safetensors_find(&w->files[i], name);
        if (e) {
            if (file_index) *file_index = i;
            return e;
        }
    }
    return NULL;
}
