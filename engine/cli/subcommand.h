/* pad CLI: commands with subcommands ("pad data verify ..."). */
#ifndef PAD_CLI_SUBCOMMAND_H
#define PAD_CLI_SUBCOMMAND_H

typedef struct cli_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_subcommand;

/* argv[0] is the command ("data"), argv[1] the subcommand.  Prints the list
 * for --help or no subcommand; runs the one named with argv shifted by one. */
int cli_dispatch(const char *command, const cli_subcommand *subs, int count, int argc,
                 char **argv);

#endif
