/* pad info: what a checkpoint directory or a .safetensors file holds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/fs.h"
#include "io/hf_checkpoint.h"
#include "io/hf_config.h"
#include "io/hf_weights.h"

static const char usage[] =
    "usage: pad info CKPT\n"
    "\n"
    "CKPT is a checkpoint directory (config.json + model.safetensors, or a sharded\n"
    "index) or a single .safetensors file.  For a directory: the architecture, the\n"
    "config fields, the parameter count (as transformers counts it) and every\n"
    "tensor; for a file: its header, metadata and tensors.\n";

static void print_tensor(const safetensors_entry *e)
{
    char shape[160];
    int used = snprintf(shape, sizeof shape, "[");
    for (int d = 0; d < e->ndim && used < (int)sizeof shape; d++)
        used += snprintf(shape + used, sizeof shape - (size_t)used, "%s%" PRId64, d ? ", " : "",
                         e->shape[d]);
    if (used < (int)sizeof shape) snprintf(shape + used, sizeof shape - (size_t)used, "]");
    printf("  %-64s %-5s %s\n", e->name, pad_dtype_name(e->dtype), shape);
}

static int64_t entry_numel(const safetensors_entry *e)
{
    int64_t n = 1;
    for (int d = 0; d < e->ndim; d++) n *= e->shape[d];
    return n;
}

static int info_file(const char *path)
{
    pad_error err;
    pad_error_clear(&err);
    safetensors_file f;
    if (safetensors_open(&f, path, &err)) return cli_report_error(&err);
    int64_t total = 0;
    for (int i = 0; i < f.count; i++) total += entry_numel(&f.entries[i]);
    printf("file: %s\n", path);
    printf("header: %" PRIu64 " bytes; data: %" PRIu64 " bytes\n", f.data_start - 8, f.data_size);
    printf("metadata (%d):\n", f.meta_count);
    for (int i = 0; i < f.meta_count; i++) printf("  %s: %s\n", f.meta[i].key, f.meta[i].value);
    printf("tensors (%d, %lld elements):\n", f.count, (long long)total);
    for (int i = 0; i < f.count; i++) print_tensor(&f.entries[i]);
    safetensors_close(&f);
    return 0;
}

static int print_config(const pad_model_config *cfg)
{
    cJSON *json = hf_config_to_json(cfg);
    if (!json) {
        fprintf(stderr, "pad: error: out of memory\n");
        return 1;
    }
    const cJSON *arch = cJSON_GetArrayItem(cJSON_GetObjectItem(json, "architectures"), 0);
    printf("architecture: %s (%s)\n", pad_arch_name(cfg->arch), arch ? arch->valuestring : "?");
    printf("config:\n");
    for (const cJSON *it = json->child; it; it = it->next) {
        if (cJSON_IsArray(it)) continue;
        char *value = cJSON_PrintUnformatted(it);
        printf("  %s: %s\n", it->string, value ? value : "?");
        free(value);
    }
    cJSON_Delete(json);
    return 0;
}

/* Counts what transformers counts: every stored tensor except tied copies
 * and buffers. */
static void print_weights(const hf_weights *w, const pad_model_config *cfg)
{
    int64_t params = 0;
    int tensors = 0;
    for (int fi = 0; fi < w->count; fi++) {
        tensors += w->files[fi].count;
        for (int i = 0; i < w->files[fi].count; i++)
            if (!hf_tensor_is_ignorable(cfg, w->files[fi].entries[i].name))
                params += entry_numel(&w->files[fi].entries[i]);
    }
    printf("parameters: %lld\n", (long long)params);
    printf("tensors (%d in %d file%s):\n", tensors, w->count, w->count == 1 ? "" : "s");
    for (int fi = 0; fi < w->count; fi++)
        for (int i = 0; i < w->files[fi].count; i++) print_tensor(&w->files[fi].entries[i]);
}

static int info_dir(const char *dir)
{
    pad_error err;
    pad_error_clear(&err);
    char *config_path = pad_path_join(dir, HF_CONFIG_FILE);
    if (!config_path) {
        fprintf(stderr, "pad: error: out of memory\n");
        return 1;
    }
    pad_model_config cfg;
    hf_weights w;
    pad_status st = hf_config_load(config_path, &cfg, &err);
    free(config_path);
    if (!st) st = hf_weights_open(&w, dir, &err);
    if (st) return cli_report_error(&err);
    printf("checkpoint: %s\n", dir);
    int rc = print_config(&cfg);
    if (!rc) print_weights(&w, &cfg);
    hf_weights_close(&w);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 2) return cli_usage_error(usage, "info takes one CKPT");
    switch (pad_path_kind_of(argv[1])) {
    case PAD_PATH_DIR: return info_dir(argv[1]);
    case PAD_PATH_FILE: return info_file(argv[1]);
    default: {
        pad_error err;
        pad_error_set(&err, PAD_ERR_IO, "no such file or directory");
        pad_error_file(&err, argv[1]);
        return cli_report_error(&err);
    }
    }
}
