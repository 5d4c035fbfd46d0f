/* pad export: a pad checkpoint -> a Hugging Face directory. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

static const char usage[] =
    "usage: pad export CKPT OUT_DIR [--dtype f32|bf16]\n"
    "\n"
    "Writes the checkpoint directory CKPT to OUT_DIR as a Hugging Face directory\n"
    "(config.json, generation_config.json, model.safetensors) that transformers'\n"
    "from_pretrained loads.  --dtype picks the weights' storage type (default f32).\n";

static int parse_dtype(const char *s, pad_dtype *out)
{
    if (strcmp(s, "f32") == 0 || strcmp(s, "float32") == 0) *out = PAD_F32;
    else if (strcmp(s, "bf16") == 0 || strcmp(s, "bfloat16") == 0) *out = PAD_BF16;
    else return -1;
    return 0;
}

int cmd_export(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *pos[2];
    int npos = 0;
    const char *dtype_name = "f32";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dtype") == 0) {
            if (++i == argc) return cli_usage_error(usage, "--dtype needs a value");
            dtype_name = argv[i];
        } else if (strncmp(argv[i], "--dtype=", 8) == 0) dtype_name = argv[i] + 8;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error(usage, "unknown option '%s'", argv[i]);
        else if (npos == 2) return cli_usage_error(usage, "unexpected argument '%s'", argv[i]);
        else pos[npos++] = argv[i];
    }
    pad_dtype dtype;
    if (parse_dtype(dtype_name, &dtype))
        return cli_usage_error(usage, "--dtype: expected f32 or bf16, got '%s'", dtype_name);
    if (npos != 2) return cli_usage_error(usage, "export takes CKPT and OUT_DIR");
    return cli_convert_checkpoint("exported", pos[0], pos[1], dtype);
}
