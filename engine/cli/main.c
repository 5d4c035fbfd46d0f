/* pad: the command-line entry point.  Global options, then a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/log.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"info", cmd_info, "show a checkpoint's architecture, config, parameter count and tensors"},
    {"import", cmd_import, "convert a Hugging Face T5/GPT-2 directory into a pad checkpoint"},
    {"export", cmd_export, "write a checkpoint as a Hugging Face directory (f32 or bf16)"},
    {"demo", cmd_demo, "train a tiny T5 on a toy task and watch the loss fall"},
    {"exec", cmd_exec, "run one reasoning program and print what solution() returns"},
    {"data", cmd_data, "teacher data: synth, verify, shard, inspect, inject"},
    {"tokenizer", cmd_tokenizer, "train a byte-level BPE tokenizer, or encode text with one"},
    {"run", cmd_run, "run a recipe's stages: synth, verify, shard, distill, eval"},
    {"launch", cmd_launch, "run a recipe on parallel.gpus data-parallel ranks (through mpirun)"},
    {"validate", cmd_validate, "check a recipe completely without running it"},
    {"eval", cmd_eval, "generate programs for test questions, run them, report accuracy"},
};
#define COMMAND_COUNT ((int)(sizeof commands / sizeof commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: pad [--log-level error|warn|info|debug] COMMAND [ARGS]\n\ncommands:\n");
    for (int i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'pad COMMAND --help' (or 'pad help COMMAND') describes one command.\n");
}

static const command *find_command(const char *name)
{
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    fprintf(stderr, "pad: error: unknown command '%s'\n", name);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

/* `pad help` and `pad help COMMAND`. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const command *c = find_command(argv[1]);
    if (!c) return unknown_command(argv[1]);
    char *help_argv[] = {argv[1], "--help", NULL};
    return c->run(2, help_argv);
}

static int set_log_level(const char *name)
{
    pad_log_level level;
    if (pad_log_parse_level(name, &level)) {
        fprintf(stderr, "pad: error: --log-level: expected error, warn, info or debug, got '%s'\n", name);
        return -1;
    }
    pad_log_set_level(level);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
            if (set_log_level(argv[++i])) return CLI_EXIT_USAGE;
        } else if (strncmp(argv[i], "--log-level=", 12) == 0) {
            if (set_log_level(argv[i] + 12)) return CLI_EXIT_USAGE;
        } else {
            fprintf(stderr, "pad: error: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (i == argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) return help(argc - i, argv + i);
    const command *c = find_command(argv[i]);
    if (!c) return unknown_command(argv[i]);
    return c->run(argc - i, argv + i);
}
