/* beam_tool: pad's beam search on a checkpoint, for tests/interop/test_beam_hf.py.
 *
 *   beam_tool CKPT_DIR NUM_BEAMS NUM_RETURN MAX_NEW LENGTH_PENALTY EARLY_STOPPING < PROMPTS
 *
 * PROMPTS: one prompt a line, token ids separated by blanks, all decoded in
 * one batch.  Prints one line per returned hypothesis, best first:
 * "Q RANK SCORE ID ID ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/beam.h"
#include "io/hf_checkpoint.h"

#define MAX_PROMPTS 64
#define MAX_IDS 512

/* Reads the prompts; returns how many, -1 on a malformed line. */
static int read_prompts(int32_t **ids, int *len)
{
    char line[8192];
    int n = 0;
    while (n < MAX_PROMPTS && fgets(line, sizeof line, stdin)) {
        ids[n] = malloc(MAX_IDS * sizeof **ids);
        if (!ids[n]) return -1;
        len[n] = 0;
        for (char *p = strtok(line, " \n"); p && len[n] < MAX_IDS; p = strtok(NULL, " \n"))
            ids[n][len[n]++] = (int32_t)atoi(p);
        if (len[n] == 0) return -1;
        n++;
    }
    return n;
}

static int fail(const pad_error *err)
{
    char line[1400];
    pad_error_format(err, line, sizeof line);
    fprintf(stderr, "beam_tool: %s\n", line);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: beam_tool CKPT_DIR NUM_BEAMS NUM_RETURN MAX_NEW LENGTH_PENALTY "
                        "EARLY_STOPPING < PROMPTS\n");
        return 2;
    }
    beam_options o;
    beam_options_default(&o);
    o.num_beams = atoi(argv[2]);
    o.num_return = atoi(argv[3]);
    o.max_new_tokens = atoi(argv[4]);
    o.length_penalty = (float)atof(argv[5]);
    o.early_stopping = atoi(argv[6]);
    int32_t *ids[MAX_PROMPTS] = {0};
    int len[MAX_PROMPTS];
    int n = read_prompts(ids, len);
    int rc = 0;
    pad_error err;
    pad_error_clear(&err);
    pad_model *m = NULL;
    pad_backend *be = n > 0 ? pad_backend_create("cpu", &err) : NULL;
    pad_status st = n <= 0 ? pad_error_set(&err, PAD_ERR_FORMAT, "no prompts, or a bad line")
                   : be    ? hf_checkpoint_load(argv[1], be, &m, &err)
                           : err.code;
    beam_result r = {0};
    if (!st) st = beam_generate(m, n, (const int32_t *const *)ids, len, &o, &r, &err);
    for (int q = 0; !st && q < r.B; q++)
        for (int i = 0; i < r.count[q]; i++) {
            const beam_hyp *h = &r.hyps[q][i];
            printf("%d %d %.9g", q, i, h->score);
            for (int t = 0; t < h->len; t++) printf(" %d", h->tokens[t]);
            printf("\n");
        }
    if (st) rc = fail(&err);
    beam_result_free(&r);
    pad_model_free(m);
    if (be) pad_backend_destroy(be);
    for (int i = 0; i < MAX_PROMPTS; i++) free(ids[i]);
    return rc;
}
