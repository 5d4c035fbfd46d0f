/* pad data synth: the embedded synthetic teacher's train/validation/test files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/synth.h"

static const char usage[] =
    "usage: pad data synth --seed N --out DIR [--count N]\n"
    "\n"
    "Writes DIR/train.jsonl, DIR/validation.jsonl, DIR/test.jsonl and\n"
    "DIR/synth_report.json: GSM8K-style word problems from templates, each with its\n"
    "gold answer (num_answer) and a teacher output (code) that, like a real\n"
    "teacher's, is faulty about 27% of the time.  Same seed, same files.\n"
    "  --count N   rows in all (default 7000), split 12:1:1 (6000/500/500)\n";

static int parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-') return 0;
    *out = strtoull(s, &end, 10);
    return *end == '\0';
}

int cmd_data_synth(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *dir = NULL;
    unsigned long long seed = 0, count = 7000;
    int have_seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--out") == 0 && val) dir = val;
        else if (strcmp(a, "--seed") == 0 && val) {
            if (!parse_u64(val, &seed)) return cli_usage_error(usage, "--seed wants a non-negative integer");
            have_seed = 1;
        } else if (strcmp(a, "--count") == 0 && val) {
            if (!parse_u64(val, &count) || count < 3 || count > 10000000)
                return cli_usage_error(usage, "--count wants an integer from 3 to 10000000");
        } else {
            return cli_usage_error(usage, "unexpected argument '%s'", a);
        }
        i++;
    }
    if (!dir || !have_seed) return cli_usage_error(usage, "--seed and --out are required");
    synth_options o = {seed, 0, (long)count / 14, (long)count / 14};
    if (!o.validation) o.validation = o.test = 1;
    o.train = (long)count - o.validation - o.test;
    pad_error err;
    pad_error_clear(&err);
    synth_summary s;
    if (synth_write(dir, &o, &s, &err)) return cli_report_error(&err);
    long wrong = 0;
    for (int f = 0; f < SYNTH_FAULT_COUNT; f++) wrong += synth_fault_is_wrong((synth_fault)f) ? s.faults[f] : 0;
    printf("wrote %s: train %ld, validation %ld, test %ld rows from %d templates\n", dir, s.rows[0], s.rows[1],
           s.rows[2], s.templates);
    printf("faulty teacher outputs: %ld (%.1f%%); chatter around correct ones: %ld\n", wrong,
           100.0 * (double)wrong / (double)count, s.faults[SYNTH_FAULT_CHATTER]);
    return 0;
}
