/* tok_tool: drives pad's tokenizers for tests/interop/test_tokenizer_parity.py.
 *   tok_tool encode TOKENIZER IN OUT [--special]  ids of file IN, one per line, to OUT
 *   tok_tool decode TOKENIZER IN OUT              ids (one per line) back to bytes
 *   tok_tool roundtrip-bytes IN OUT               the byte tokenizer: IN -> ids -> OUT
 *   tok_tool train VOCAB OUT CORPUS [SPECIAL...]  BPE on the file CORPUS (one document)
 *   tok_tool hash TOKENIZER                       prints the hash */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_file.h"
#include "io/tokenizer.h"

static int fail(const pad_error *err)
{
    char buf[1024];
    pad_error_format(err, buf, sizeof buf);
    fprintf(stderr, "tok_tool: %s\n", buf);
    return 1;
}

static int write_ids(const char *path, const int32_t *ids, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    for (size_t i = 0; i < n; i++) fprintf(f, "%" PRId32 "\n", ids[i]);
    return fclose(f) != 0;
}

static int write_bytes(const char *path, const char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    size_t w = fwrite(b, 1, n, f);
    return (fclose(f) != 0) | (w != n);
}

static int encode(pad_tokenizer *t, const char *in, const char *out, int special)
{
    pad_error err;
    char *text;
    size_t len, n;
    int32_t *ids;
    if (pad_read_file(in, &text, &len, &err)) return fail(&err);
    pad_status st = pad_tokenizer_encode(t, text, len, special, &ids, &n, &err);
    free(text);
    if (st) return fail(&err);
    int rc = write_ids(out, ids, n);
    free(ids);
    return rc;
}

static int decode(pad_tokenizer *t, const char *in, const char *out)
{
    pad_error err;
    char *text, *bytes;
    size_t len, n = 0, nb;
    if (pad_read_file(in, &text, &len, &err)) return fail(&err);
    int32_t *ids = malloc((len / 2 + 1) * sizeof *ids);
    for (char *p = text, *end; ids && *p; p = end) {
        long v = strtol(p, &end, 10);
        if (end == p) break;
        ids[n++] = (int32_t)v;
    }
    free(text);
    pad_status st = pad_tokenizer_decode(t, ids, n, 0, &bytes, &nb, &err);
    free(ids);
    if (st) return fail(&err);
    int rc = write_bytes(out, bytes, nb);
    free(bytes);
    return rc;
}

static int train(int vocab, const char *out, const char *corpus, const char *const *specials, int nspecials)
{
    pad_error err;
    pad_tokenizer_train_options opt = {vocab, 1, specials, nspecials, PAD_DIGITS_KEEP, PAD_WORDS_GPT2};
    pad_tokenizer_trainer *tr;
    pad_tokenizer *t = NULL;
    char *text;
    size_t len;
    if (pad_read_file(corpus, &text, &len, &err)) return fail(&err);
    pad_status st = pad_tokenizer_trainer_new(&opt, &tr, &err);
    if (!st) st = pad_tokenizer_trainer_feed(tr, text, len, &err);
    if (!st) st = pad_tokenizer_trainer_finish(tr, &t, &err);
    if (!st) st = pad_tokenizer_save(t, out, &err);
    pad_tokenizer_trainer_free(tr);
    pad_tokenizer_free(t);
    free(text);
    return st ? fail(&err) : 0;
}

int main(int argc, char **argv)
{
    pad_error err;
    pad_tokenizer *t = NULL;
    int rc = 2;
    if (argc >= 4 && strcmp(argv[1], "train") == 0)
        return train(atoi(argv[2]), argv[3], argv[4], (const char *const *)argv + 5, argc - 5);
    if (argc == 4 && strcmp(argv[1], "roundtrip-bytes") == 0) {
        if (pad_tokenizer_bytes(NULL, 0, &t, &err)) return fail(&err);
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.ids", argv[3]);
        rc = encode(t, argv[2], tmp, 0) || decode(t, tmp, argv[3]);
    } else if (argc >= 3 && pad_tokenizer_load(argv[2], &t, &err)) {
        return fail(&err);
    } else if (argc >= 5 && strcmp(argv[1], "encode") == 0) {
        rc = encode(t, argv[3], argv[4], argc > 5 && strcmp(argv[5], "--special") == 0);
    } else if (argc == 5 && strcmp(argv[1], "decode") == 0) {
        rc = decode(t, argv[3], argv[4]);
    } else if (argc == 3 && strcmp(argv[1], "hash") == 0) {
        char h[65];
        pad_tokenizer_hash(t, h);
        printf("%s\n", h);
        rc = 0;
    } else {
        fprintf(stderr, "usage: see the comment at the top of tests/interop/tok_tool.c\n");
    }
    pad_tokenizer_free(t);
    return rc;
}
