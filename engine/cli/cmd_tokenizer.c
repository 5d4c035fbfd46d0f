/* pad tokenizer train / encode: byte-level BPE tokenizers (engine/io/tokenizer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/json_file.h"
#include "io/tokenizer.h"

static const char train_usage[] =
    "usage: pad tokenizer train --vocab-size N [--special TOKEN]... [--min-frequency N]\n"
    "                           [--digits keep|each|runs] [--identifiers]\n"
    "                           CORPUS... --out tokenizer.json\n"
    "\n"
    "Trains a byte-level BPE tokenizer (GPT-2 pre-tokenizer, 256 byte symbols, then\n"
    "merges of the most frequent pairs) on the CORPUS files, each read as one text,\n"
    "and writes a Hugging Face tokenizer.json.  Specials take ids 0, 1, ... in the\n"
    "order given; N counts them.  --digits runs makes every run of digits a\n"
    "pre-token of its own, so a number is the same token after a space, a '$' or\n"
    "a letter; each makes every digit a token (Hugging Face's Digits pre-tokenizer\n"
    "with individual_digits false or true, before ByteLevel); keep (the default)\n"
    "is GPT-2's pattern alone.  --identifiers counts '_' as a letter in that\n"
    "pattern, so snake_case names can become single tokens (written as a Split\n"
    "pre-tokenizer with the changed pattern, then ByteLevel with use_regex false).\n";

static const char encode_usage[] =
    "usage: pad tokenizer encode TOKENIZER [--special] (--text S | FILE)\n"
    "\n"
    "Prints the ids of S (or of FILE's bytes) on one line.  TOKENIZER is a\n"
    "tokenizer.json or a directory (tokenizer.json, or vocab.json + merges.txt).\n"
    "--special wraps the ids as the tokenizer's post-processor does (e.g. <s> ... </s>).\n";

static int parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > (1 << 30)) return 0;
    *out = (int)v;
    return 1;
}

static int train_files(const pad_tokenizer_train_options *opt, char **files, int nfiles, const char *out)
{
    pad_error err;
    pad_error_clear(&err);
    pad_tokenizer_trainer *tr;
    pad_tokenizer *t = NULL;
    size_t total = 0;
    pad_status st = pad_tokenizer_trainer_new(opt, &tr, &err);
    for (int i = 0; i < nfiles && !st; i++) {
        char *text;
        size_t len;
        st = pad_read_file(files[i], &text, &len, &err);
        if (st) break;
        st = pad_tokenizer_trainer_feed(tr, text, len, &err);
        free(text);
        total += len;
    }
    if (!st) st = pad_tokenizer_trainer_finish(tr, &t, &err);
    if (!st) st = pad_tokenizer_save(t, out, &err);
    pad_tokenizer_trainer_free(tr);
    if (st) {
        pad_tokenizer_free(t);
        return cli_report_error(&err);
    }
    char hash[65];
    pad_tokenizer_hash(t, hash);
    printf("trained %d tokens on %d file%s (%zu bytes): %s\nhash: %s\n", pad_tokenizer_vocab_size(t),
           nfiles, nfiles == 1 ? "" : "s", total, out, hash);
    pad_tokenizer_free(t);
    return 0;
}

int cmd_tokenizer_train(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(train_usage, stdout);
        return 0;
    }
    pad_tokenizer_train_options opt = {0, 1, NULL, 0, PAD_DIGITS_KEEP, PAD_WORDS_GPT2};
    const char **specials = calloc((size_t)argc, sizeof *specials);
    char **files = calloc((size_t)argc, sizeof *files);
    const char *out = NULL;
    int nfiles = 0, rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) {
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--vocab-size") == 0 || strcmp(argv[i], "--min-frequency") == 0) {
            int *dst = argv[i][2] == 'v' ? &opt.vocab_size : &opt.min_frequency;
            if (!has_value || !parse_int(argv[i + 1], dst))
                rc = cli_usage_error(train_usage, "%s needs a non-negative integer", argv[i]);
            i++;
        } else if (strcmp(argv[i], "--special") == 0 || strcmp(argv[i], "--out") == 0) {
            if (!has_value) rc = cli_usage_error(train_usage, "%s needs a value", argv[i]);
            else if (argv[i][2] == 's') specials[opt.nspecials++] = argv[++i];
            else out = argv[++i];
        } else if (strcmp(argv[i], "--digits") == 0) {
            const char *v = has_value ? argv[++i] : "";
            if (!strcmp(v, "keep") || !strcmp(v, "each") || !strcmp(v, "runs"))
                opt.digits = v[0] == 'k' ? PAD_DIGITS_KEEP : v[0] == 'e' ? PAD_DIGITS_EACH : PAD_DIGITS_RUNS;
            else
                rc = cli_usage_error(train_usage, "--digits wants keep, each or runs, got '%s'", v);
        } else if (strcmp(argv[i], "--identifiers") == 0) {
            opt.words = PAD_WORDS_IDENTIFIERS;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = cli_usage_error(train_usage, "unknown option '%s'", argv[i]);
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (rc < 0 && (!out || nfiles == 0 || opt.vocab_size == 0))
        rc = cli_usage_error(train_usage, "train needs --vocab-size, at least one CORPUS and --out");
    opt.specials = specials;
    if (rc < 0) rc = train_files(&opt, files, nfiles, out);
    free(specials);
    free(files);
    return rc;
}

static int print_ids(const char *tokenizer, const char *text, size_t len, int special)
{
    pad_error err;
    pad_error_clear(&err);
    pad_tokenizer *t;
    int32_t *ids = NULL;
    size_t n = 0;
    if (pad_tokenizer_load(tokenizer, &t, &err)) return cli_report_error(&err);
    pad_status st = pad_tokenizer_encode(t, text, len, special, &ids, &n, &err);
    pad_tokenizer_free(t);
    if (st) return cli_report_error(&err);
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? " " : "", ids[i]);
    printf("\n");
    free(ids);
    return 0;
}

int cmd_tokenizer_encode(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(encode_usage, stdout);
        return 0;
    }
    const char *tokenizer = NULL, *text = NULL, *file = NULL;
    int special = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--special") == 0) special = 1;
        else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc) text = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error(encode_usage, "unknown option '%s'", argv[i]);
        else if (!tokenizer) tokenizer = argv[i];
        else if (!file) file = argv[i];
        else return cli_usage_error(encode_usage, "too many arguments");
    }
    if (!tokenizer || !text == !file) return cli_usage_error(encode_usage, "encode takes TOKENIZER and --text S or FILE");
    if (text) return print_ids(tokenizer, text, strlen(text), special);
    pad_error err;
    char *bytes;
    size_t len;
    if (pad_read_file(file, &bytes, &len, &err)) return cli_report_error(&err);
    int rc = print_ids(tokenizer, bytes, len, special);
    free(bytes);
    return rc;
}
