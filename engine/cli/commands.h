/* pad CLI: one function per subcommand.  Each takes the arguments after its
 * name (argv[0] is the subcommand), returns the process exit status, and
 * prints errors with cli_report_error. */
#ifndef PAD_CLI_COMMANDS_H
#define PAD_CLI_COMMANDS_H

#include "core/error.h"

int cmd_info(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_data(int argc, char **argv);       /* dispatches to cmd_data_* */
int cmd_data_verify(int argc, char **argv);
int cmd_data_synth(int argc, char **argv);
int cmd_data_shard(int argc, char **argv);
int cmd_data_inspect(int argc, char **argv);
int cmd_data_inject(int argc, char **argv);
int cmd_tokenizer(int argc, char **argv);  /* dispatches to cmd_tokenizer_* */
int cmd_tokenizer_train(int argc, char **argv);
int cmd_tokenizer_encode(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_launch(int argc, char **argv);
int cmd_eval(int argc, char **argv);

/* "pad: error: <formatted error>" on stderr; returns the exit status 1. */
int cli_report_error(const pad_error *err);
/* 1 when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
