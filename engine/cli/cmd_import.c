/* pad import: a Hugging Face directory -> a pad checkpoint (F32). */
#include <stdio.h>

#include "backend/backend.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/hf_checkpoint.h"

static const char usage[] =
    "usage: pad import HF_DIR OUT_DIR\n"
    "\n"
    "Reads a Hugging Face T5 or GPT-2 directory (config.json and model.safetensors,\n"
    "or a sharded model.safetensors.index.json; F32, BF16, F16 or F64 weights) and\n"
    "writes it to OUT_DIR as a pad checkpoint: config.json, generation_config.json\n"
    "and an F32 model.safetensors with the same names, which transformers reads too.\n";

int cli_convert_checkpoint(const char *verb, const char *src, const char *dst, pad_dtype dtype)
{
    pad_error err;
    pad_error_clear(&err);
    pad_backend *be = pad_backend_create("cpu", &err);
    if (!be) return cli_report_error(&err);
    pad_model *m = NULL;
    pad_status st = hf_checkpoint_load(src, be, &m, &err);
    if (!st) st = hf_checkpoint_save(m, dst, dtype, &err);
    if (!st)
        printf("%s %s -> %s: %s, %lld parameters in %d tensors, %s\n", verb, src, dst,
               pad_arch_name(m->config.arch), (long long)pad_param_table_count(&m->params),
               m->params.count, pad_dtype_name(dtype));
    pad_model_free(m);
    pad_backend_destroy(be);
    return st ? cli_report_error(&err) : 0;
}

int cmd_import(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 3) return cli_usage_error(usage, "import takes HF_DIR and OUT_DIR");
    return cli_convert_checkpoint("imported", argv[1], argv[2], PAD_F32);
}
