#include "cli/subcommand.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

static void list(FILE *out, const char *command, const cli_subcommand *subs, int count)
{
    fprintf(out, "usage: pad %s SUBCOMMAND [ARGS]\n\nsubcommands:\n", command);
    for (int i = 0; i < count; i++) fprintf(out, "  %-8s %s\n", subs[i].name, subs[i].summary);
    fprintf(out, "\n'pad %s SUBCOMMAND --help' describes one.\n", command);
}

int cli_dispatch(const char *command, const cli_subcommand *subs, int count, int argc,
                 char **argv)
{
    if (argc < 2) {
        list(stderr, command, subs, count);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        list(stdout, command, subs, count);
        return 0;
    }
    for (int i = 0; i < count; i++)
        if (strcmp(subs[i].name, argv[1]) == 0) return subs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "pad: error: unknown subcommand '%s %s'\n", command, argv[1]);
    list(stderr, command, subs, count);
    return CLI_EXIT_USAGE;
}

static const cli_subcommand data_subs[] = {
    {"synth", cmd_data_synth, "generate the embedded synthetic teacher data (train/validation/test)"},
    {"verify", cmd_data_verify, "run teacher programs and keep those that return the gold answer"},
    {"shard", cmd_data_shard, "tokenize verified rows into HDF5 training shards"},
    {"inspect", cmd_data_inspect, "show a shard directory's manifest, counts and examples"},
    {"inject", cmd_data_inject, "inject errors into verified programs: refine rows with feedback"},
};

int cmd_data(int argc, char **argv)
{
    return cli_dispatch("data", data_subs, (int)(sizeof data_subs / sizeof data_subs[0]), argc, argv);
}

static const cli_subcommand tokenizer_subs[] = {
    {"train", cmd_tokenizer_train, "train a byte-level BPE tokenizer and write tokenizer.json"},
    {"encode", cmd_tokenizer_encode, "print the ids of a text (or file) under a tokenizer"},
};

int cmd_tokenizer(int argc, char **argv)
{
    return cli_dispatch("tokenizer", tokenizer_subs,
                        (int)(sizeof tokenizer_subs / sizeof tokenizer_subs[0]), argc, argv);
}
