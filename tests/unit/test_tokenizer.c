/* Tokenizers: byte fallback, tokenizer.json reading (both merge forms),
 * the hash, malformed files, training then reloading. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/atomic_file.h"
#include "io/json_file.h"
#include "io/sha256.h"
#include "io/tokenizer.h"
#include "io/tokenizer_internal.h" /* pad_pretok_next: the pieces themselves */

static void random_bytes(char *b, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (char)(x >> 24);
    }
}

static int roundtrip(const pad_tokenizer *t, const char *text, size_t len)
{
    int32_t *ids;
    size_t n, back_len;
    char *back;
    if (pad_tokenizer_encode(t, text, len, 0, &ids, &n, NULL)) return 0;
    if (pad_tokenizer_decode(t, ids, n, 0, &back, &back_len, NULL)) {
        free(ids);
        return 0;
    }
    int ok = back_len == len && memcmp(back, text, len) == 0;
    free(back);
    free(ids);
    return ok;
}

static void test_bytes(void)
{
    const char *specials[] = {"<pad>", "</s>"};
    pad_tokenizer *t;
    CHECK(pad_tokenizer_bytes(specials, 2, &t, NULL) == PAD_OK);
    CHECK(pad_tokenizer_vocab_size(t) == 258);
    CHECK(pad_tokenizer_pad_id(t) == 256 && pad_tokenizer_eos_id(t) == 257);
    char buf[4096];
    random_bytes(buf, sizeof buf, 7);
    buf[10] = '\0';
    CHECK(roundtrip(t, buf, sizeof buf));
    int32_t *ids;
    size_t n;
    CHECK(pad_tokenizer_encode(t, "a</s>\xff", 6, 0, &ids, &n, NULL) == PAD_OK);
    CHECK(n == 3 && ids[0] == 'a' && ids[1] == 257 && ids[2] == 255);
    char *text;
    CHECK(pad_tokenizer_decode(t, ids, n, 1, &text, NULL, NULL) == PAD_OK);
    CHECK(strcmp(text, "a\xff") == 0); /* the special skipped */
    free(text);
    free(ids);
    pad_tokenizer_free(t);
}

/* Decoding to text replaces ill-formed UTF-8 as CPython's
 * bytes.decode("utf-8", "replace") does (expected outputs made by CPython). */
static void test_decode_text(void)
{
    static const char *cases[][2] = {
        {"\x61\x62\xe2\x82", "\x61\x62\xef\xbf\xbd"},
        {"\xe2\x82\x61", "\xef\xbf\xbd\x61"},
        {"\xf0\x9f\x98\x80\x78", "\xf0\x9f\x98\x80\x78"},
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf0\x9f\x98", "\xef\xbf\xbd"},
        {"\x80\x80\x7a", "\xef\xbf\xbd\xef\xbf\xbd\x7a"},
        {"\xc3\xa9\xff\xfe", "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"},
        {"\x78\x20\x3d\x20\x33\x0a\xe2\x82\xac\x31", "\x78\x20\x3d\x20\x33\x0a\xe2\x82\xac\x31"},
    };
    const char *specials[] = {"<pad>", "</s>"};
    pad_tokenizer *t;
    CHECK(pad_tokenizer_bytes(specials, 2, &t, NULL) == PAD_OK);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *in = cases[c][0], *want = cases[c][1];
        int32_t ids[16];
        size_t n = strlen(in), len;
        for (size_t i = 0; i < n; i++) ids[i] = (uint8_t)in[i];
        ids[n] = 257; /* a special between, skipped */
        char *text;
        CHECK(pad_tokenizer_decode_text(t, ids, n + 1, 1, &text, &len, NULL) == PAD_OK);
        CHECK(len == strlen(want) && strcmp(text, want) == 0);
        free(text);
    }
    pad_tokenizer_free(t);
}

/* A tiny byte-level BPE: ids 0..3 for "a", "b", "Ġ", "ab"... written with
 * merges in one form or the other. */
static const char *tiny_json(int pair_form)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"added_tokens\": [{\"id\": 7, \"content\": \"</s>\", \"special\": true}],"
             " \"normalizer\": null,"
             " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false},"
             " \"post_processor\": {\"type\": \"RobertaProcessing\", \"sep\": [\"</s>\", 7], \"cls\": [\"<s>\", 6]},"
             " \"decoder\": {\"type\": \"ByteLevel\"},"
             " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"\\u0120\": 2, \"ab\": 3,"
             " \"\\u0120ab\": 4, \"abab\": 5, \"<s>\": 6, \"</s>\": 7},"
             " \"merges\": %s}}",
             pair_form ? "[[\"a\", \"b\"], [\"\\u0120\", \"ab\"], [\"ab\", \"ab\"]]"
                       : "[\"a b\", \"\\u0120 ab\", \"ab ab\"]");
    return buf;
}

static pad_status load_text(const char *name, const char *json, pad_tokenizer **t, pad_error *err)
{
    const char *path = check_tmp_path(name);
    if (pad_atomic_write(path, json, strlen(json), NULL)) return PAD_ERR_IO;
    return pad_tokenizer_load(path, t, err);
}

static void test_tiny_json(void)
{
    char hashes[2][65];
    for (int form = 0; form < 2; form++) {
        pad_tokenizer *t;
        pad_error err;
        CHECK(load_text(form ? "tiny_pairs.json" : "tiny_strings.json", tiny_json(form), &t, &err) == PAD_OK);
        if (!t) continue;
        int32_t *ids;
        size_t n;
        /* "abab ab</s>b" -> abab | Ġab | </s> | b */
        CHECK(pad_tokenizer_encode(t, "abab ab</s>b", 12, 1, &ids, &n, NULL) == PAD_OK);
        int32_t want[] = {6, 5, 4, 7, 1, 7};
        CHECK_MSG(n == 6 && memcmp(ids, want, sizeof want) == 0, "form %d: n=%zu", form, n);
        char *text;
        size_t len;
        CHECK(pad_tokenizer_decode(t, ids, n, 1, &text, &len, NULL) == PAD_OK);
        CHECK(len == 11 && memcmp(text, "<s>abab abb", 11) == 0); /* </s> is special, <s> is not */
        free(text);
        free(ids);
        CHECK(pad_tokenizer_token_id(t, "ab") == 3 && pad_tokenizer_token_id(t, "zz") == -1);
        CHECK(pad_tokenizer_eos_id(t) == 7 && pad_tokenizer_bos_id(t) == 6 && pad_tokenizer_pad_id(t) == -1);
        pad_tokenizer_hash(t, hashes[form]);
        /* bytes outside the vocabulary are dropped (no unk) */
        CHECK(pad_tokenizer_encode(t, "zab", 3, 0, &ids, &n, NULL) == PAD_OK);
        CHECK(n == 1 && ids[0] == 3);
        free(ids);
        pad_tokenizer_free(t);
    }
    CHECK(strcmp(hashes[0], hashes[1]) == 0 && strlen(hashes[0]) == 64);
    /* one merge fewer changes the hash */
    char json[2048];
    strcpy(json, tiny_json(1));
    char *cut = strstr(json, ", [\"ab\", \"ab\"]");
    memmove(cut, cut + strlen(", [\"ab\", \"ab\"]"), strlen(cut + strlen(", [\"ab\", \"ab\"]")) + 1);
    pad_tokenizer *t;
    CHECK(load_text("tiny_fewer.json", json, &t, NULL) == PAD_OK);
    char h[65];
    pad_tokenizer_hash(t, h);
    CHECK(strcmp(h, hashes[0]) != 0);
    pad_tokenizer_free(t);
}

static void expect_error(const char *name, const char *json, pad_status code, const char *needle)
{
    pad_tokenizer *t = (pad_tokenizer *)1;
    pad_error err;
    pad_error_clear(&err);
    CHECK_MSG(load_text(name, json, &t, &err) == code, "%s: %s", name, err.message);
    CHECK(t == NULL);
    char line[2048];
    pad_error_format(&err, line, sizeof line);
    CHECK_MSG(strstr(line, name) && strstr(line, needle), "%s: '%s' lacks '%s'", name, line, needle);
}

static void test_malformed(void)
{
    expect_error("bad.json", "{\"model\": {\"type\": \"BPE\", ", PAD_ERR_FORMAT, "malformed JSON");
    expect_error("nomodel.json", "{\"normalizer\": null}", PAD_ERR_FORMAT, "model");
    expect_error("wordpiece.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", PAD_ERR_UNSUPPORTED,
                 "model.type");
    expect_error("norm.json", "{\"normalizer\": {\"type\": \"NFC\"}, \"model\": {\"type\": \"BPE\"}}",
                 PAD_ERR_UNSUPPORTED, "normalizer");
    expect_error("badmerge.json",
                 "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\","
                 " \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}",
                 PAD_ERR_FORMAT, "not in the vocabulary");
    expect_error("gap.json",
                 "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\","
                 " \"vocab\": {\"a\": 0, \"b\": 2}, \"merges\": []}}",
                 PAD_ERR_FORMAT, "id 1");
}

static void test_train(void)
{
    const char *specials[] = {"<pad>", "</s>", "<s>", "<unk>"};
    pad_tokenizer_train_options opt = {300, 2, specials, 4, 0, PAD_WORDS_GPT2};
    pad_tokenizer_trainer *tr;
    CHECK(pad_tokenizer_trainer_new(&opt, &tr, NULL) == PAD_OK);
    const char *docs[] = {"def solution():\n    eggs = 16\n    return eggs * 2\n</s>",
                          "The eggs cost 2 dollars; the hens laid 16 eggs. Ça coûte 3€ — 日本 😀\n"};
    for (int rep = 0; rep < 20; rep++)
        for (int d = 0; d < 2; d++) CHECK(pad_tokenizer_trainer_feed(tr, docs[d], strlen(docs[d]), NULL) == PAD_OK);
    pad_tokenizer *t = NULL;
    CHECK(pad_tokenizer_trainer_finish(tr, &t, NULL) == PAD_OK);
    pad_tokenizer_trainer_free(tr);
    if (!t) return;
    int v = pad_tokenizer_vocab_size(t);
    CHECK(v > 260 && v <= 300);
    CHECK(pad_tokenizer_token_id(t, "</s>") == 1 && pad_tokenizer_pad_id(t) == 0);
    CHECK(pad_tokenizer_token_id(t, "\xc4\xa0" "eggs") > 259); /* " eggs" became one token */
    const char *path = check_tmp_path("trained.json");
    CHECK(pad_tokenizer_save(t, path, NULL) == PAD_OK);
    pad_tokenizer *back;
    CHECK(pad_tokenizer_load(path, &back, NULL) == PAD_OK);
    char h1[65], h2[65];
    pad_tokenizer_hash(t, h1);
    pad_tokenizer_hash(back, h2);
    CHECK(strcmp(h1, h2) == 0);
    int32_t *a, *b;
    size_t na, nb;
    CHECK(pad_tokenizer_encode(t, docs[0], strlen(docs[0]), 0, &a, &na, NULL) == PAD_OK);
    CHECK(pad_tokenizer_encode(back, docs[0], strlen(docs[0]), 0, &b, &nb, NULL) == PAD_OK);
    CHECK(na == nb && na < strlen(docs[0]) / 2 && memcmp(a, b, na * sizeof *a) == 0);
    CHECK(a[na - 1] == 1);
    free(a);
    free(b);
    char buf[3000];
    random_bytes(buf, sizeof buf, 11);
    CHECK(roundtrip(back, buf, sizeof buf));
    CHECK(roundtrip(back, docs[1], strlen(docs[1])));
    pad_tokenizer_free(t);
    pad_tokenizer_free(back);
    opt.vocab_size = 100;
    CHECK(pad_tokenizer_trainer_new(&opt, &tr, NULL) == PAD_ERR_INVALID);
}

/* Digits: with EACH, "154" is three tokens however often it occurs; with
 * RUNS it is one token after a space and after a "$" alike; the setting
 * survives a save and load, and it changes the hash. */
static void test_split_digits(void)
{
    const char *specials[] = {"<pad>", "</s>"};
    pad_tokenizer *t[3] = {NULL, NULL, NULL};
    const char *doc = "total_pages = 154\n    pages = 154 - 49\n    x = 2024 * 154 \u0663\u0664 $154\n";
    for (int split = 0; split < 3; split++) {
        pad_tokenizer_train_options opt = {300, 2, specials, 2, (pad_digits)split, PAD_WORDS_GPT2};
        pad_tokenizer_trainer *tr;
        CHECK(pad_tokenizer_trainer_new(&opt, &tr, NULL) == PAD_OK);
        for (int rep = 0; rep < 30; rep++) CHECK(pad_tokenizer_trainer_feed(tr, doc, strlen(doc), NULL) == PAD_OK);
        CHECK(pad_tokenizer_trainer_finish(tr, &t[split], NULL) == PAD_OK);
        pad_tokenizer_trainer_free(tr);
    }
    if (!t[0] || !t[1] || !t[2]) return;
    int32_t run = pad_tokenizer_token_id(t[2], "154");
    CHECK(run > 0 && pad_tokenizer_token_id(t[2], "\xc4\xa0" "154") < 0);
    int32_t *r = NULL;
    size_t nr = 0;
    CHECK(pad_tokenizer_encode(t[2], " 154$154", 8, 0, &r, &nr, NULL) == PAD_OK);
    CHECK(r && nr == 4 && r[1] == run && r[3] == run);
    free(r);
    CHECK(pad_tokenizer_token_id(t[0], "\xc4\xa0" "154") > 0);   /* merged without the flag */
    CHECK(pad_tokenizer_token_id(t[1], "154") < 0 && pad_tokenizer_token_id(t[1], "\xc4\xa0" "1") < 0);
    const char *path = check_tmp_path("digits.json");
    CHECK(pad_tokenizer_save(t[1], path, NULL) == PAD_OK);
    pad_tokenizer *back = NULL;
    CHECK(pad_tokenizer_load(path, &back, NULL) == PAD_OK);
    char h0[65], h1[65], h2[65];
    pad_tokenizer_hash(t[0], h0);
    pad_tokenizer_hash(t[1], h1);
    if (back) pad_tokenizer_hash(back, h2);
    CHECK(back && strcmp(h1, h2) == 0 && strcmp(h0, h1) != 0);
    int32_t *ids = NULL;
    size_t n = 0;
    const char *q = "read 154 pages";
    CHECK(back && pad_tokenizer_encode(back, q, strlen(q), 0, &ids, &n, NULL) == PAD_OK);
    int digits = 0; /* one id per digit, each decoding to that digit alone */
    for (size_t i = 0; i < n; i++) {
        char *s = NULL;
        size_t len = 0;
        CHECK(pad_tokenizer_decode(back, &ids[i], 1, 0, &s, &len, NULL) == PAD_OK);
        digits += len == 1 && s && s[0] >= '0' && s[0] <= '9';
        free(s);
    }
    CHECK(digits == 3);
    CHECK(back && roundtrip(back, doc, strlen(doc)));
    free(ids);
    pad_tokenizer_free(back);
    for (int i = 0; i < 3; i++) pad_tokenizer_free(t[i]);
}

/* The pre-tokenizer's pieces of s joined by "|". */
static void join_pieces(const char *s, pad_digits digits, pad_words words, char *out, size_t cap)
{
    size_t len = strlen(s), o = 0;
    for (size_t pos = 0; pos < len && o + 2 < cap;) {
        size_t n = pad_pretok_next(s + pos, len - pos, 1, digits, words);
        if (o) out[o++] = '|';
        if (o + n >= cap) break;
        memcpy(out + o, s + pos, n);
        o += n, pos += n;
    }
    out[o] = '\0';
}

static pad_tokenizer *train_doc(const char *doc, int vocab, pad_digits digits, pad_words words)
{
    const char *specials[] = {"<pad>", "</s>"};
    pad_tokenizer_train_options opt = {vocab, 2, specials, 2, digits, words};
    pad_tokenizer_trainer *tr;
    pad_tokenizer *t = NULL;
    if (pad_tokenizer_trainer_new(&opt, &tr, NULL)) return NULL;
    for (int rep = 0; rep < 20; rep++) pad_tokenizer_trainer_feed(tr, doc, strlen(doc), NULL);
    pad_tokenizer_trainer_finish(tr, &t, NULL);
    pad_tokenizer_trainer_free(tr);
    return t;
}

static pad_tokenizer *save_load(const pad_tokenizer *t, const char *name, char **json)
{
    const char *path = check_tmp_path(name);
    pad_tokenizer *back = NULL;
    size_t len;
    *json = NULL;
    if (t && !pad_tokenizer_save(t, path, NULL) && !pad_read_file(path, json, &len, NULL))
        pad_tokenizer_load(path, &back, NULL);
    return back;
}

static int same_hash(const pad_tokenizer *a, const pad_tokenizer *b)
{
    char ha[65], hb[65];
    if (!a || !b) return 0;
    pad_tokenizer_hash(a, ha);
    pad_tokenizer_hash(b, hb);
    return strcmp(ha, hb) == 0;
}

/* Identifiers: "_" counts as a letter, so a snake_case name is one piece
 * where GPT-2's pattern cuts it at every "_"; BPE then learns it whole; the
 * mode survives a save and load (as a Split in tokenizer.json), changes the
 * hash, and a Split with another pattern is refused. */
static void test_identifiers(void)
{
    const char *snippet = "    books_per_shelf = 27\n    left = books_per_shelf - x_2 + __a'sb_ \u00e9_\u4e2d";
    char got[512];
    join_pieces(snippet, PAD_DIGITS_KEEP, PAD_WORDS_GPT2, got, sizeof got);
    CHECK_MSG(strcmp(got, "   | books|_|per|_|shelf| =| 27|\n   | left| =| books|_|per|_|shelf| -| x|_|2| +| __|a|'s|b|_"
                          "| \u00e9|_|\u4e2d") == 0, "%s", got);
    join_pieces(snippet, PAD_DIGITS_KEEP, PAD_WORDS_IDENTIFIERS, got, sizeof got);
    CHECK_MSG(strcmp(got, "   | books_per_shelf| =| 27|\n   | left| =| books_per_shelf| -| x_|2| +| __a|'s|b_"
                          "| \u00e9_\u4e2d") == 0, "%s", got);
    join_pieces(snippet, PAD_DIGITS_EACH, PAD_WORDS_IDENTIFIERS, got, sizeof got);
    CHECK_MSG(strstr(got, "| books_per_shelf| =| |2|7|\n   |") && strstr(got, "| x_|2| +|"), "%s", got);

    const char *doc = "def solution():\n    books_per_shelf = 27\n    left = books_per_shelf - 3\n"
                      "    return left * books_per_shelf\n";
    pad_tokenizer *gpt2 = train_doc(doc, 330, PAD_DIGITS_KEEP, PAD_WORDS_GPT2);
    pad_tokenizer *ident = train_doc(doc, 330, PAD_DIGITS_RUNS, PAD_WORDS_IDENTIFIERS);
    CHECK(gpt2 && ident);
    if (!gpt2 || !ident) return;
    int32_t whole = pad_tokenizer_token_id(ident, "\xc4\xa0" "books_per_shelf");
    CHECK(whole > 0 && pad_tokenizer_token_id(gpt2, "\xc4\xa0" "books_per_shelf") < 0);
    CHECK(pad_tokenizer_token_id(gpt2, "_per") < 0 && pad_tokenizer_token_id(gpt2, "s_") < 0);
    char *json = NULL;
    pad_tokenizer *back = save_load(ident, "identifiers.json", &json);
    CHECK(back && same_hash(ident, back) && json && strstr(json, "\"Split\"") && strstr(json, "Isolated"));
    int32_t *ids = NULL;
    size_t n = 0;
    const char *q = "\n    left = books_per_shelf";
    CHECK(back && pad_tokenizer_encode(back, q, strlen(q), 0, &ids, &n, NULL) == PAD_OK);
    CHECK(ids && n == 4 && ids[3] == whole);
    CHECK(back && roundtrip(back, snippet, strlen(snippet)));
    free(ids);
    pad_tokenizer_free(back);

    /* a Split with any other pattern is refused, not misread */
    char *p = json ? strstr(json, "[\\\\p{L}_]+") : NULL;
    CHECK(p != NULL);
    if (p) {
        memcpy(p, "\\\\p{L}+   ", 10);
        pad_tokenizer *t = NULL;
        CHECK(load_text("other_split.json", json, &t, NULL) == PAD_ERR_UNSUPPORTED && !t);
    }
    free(json);

    /* no "_" in the corpus: the same vocabulary and merges, only the mode differs */
    const char *plain = "left = shelf - 3\n    return left * books\n";
    pad_tokenizer *a = train_doc(plain, 290, PAD_DIGITS_KEEP, PAD_WORDS_GPT2);
    pad_tokenizer *b = train_doc(plain, 290, PAD_DIGITS_KEEP, PAD_WORDS_IDENTIFIERS);
    CHECK(a && b && pad_tokenizer_vocab_size(a) == pad_tokenizer_vocab_size(b) && !same_hash(a, b));
    back = save_load(b, "identifiers_keep.json", &json);
    CHECK(same_hash(b, back) && !same_hash(a, back));
    free(json);
    pad_tokenizer_free(back);
    pad_tokenizer_free(a);
    pad_tokenizer_free(b);
    pad_tokenizer_free(gpt2);
    pad_tokenizer_free(ident);
}

static void test_sha256(void)
{
    char hex[65];
    uint8_t d[32];
    pad_sha256 h;
    pad_sha256_init(&h);
    pad_sha256_update(&h, "abc", 3);
    pad_sha256_final(&h, d);
    pad_sha256_hex(d, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    /* 56 bytes, fed in pieces: the padding spills into a second block */
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    pad_sha256_init(&h);
    for (int i = 0; i < 56; i += 7) pad_sha256_update(&h, m + i, 7);
    pad_sha256_final(&h, d);
    pad_sha256_hex(d, hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
}

int main(void)
{
    RUN(test_sha256);
    RUN(test_bytes);
    RUN(test_decode_text);
    RUN(test_tiny_json);
    RUN(test_malformed);
    RUN(test_train);
    RUN(test_split_digits);
    RUN(test_identifiers);
    return check_finish();
}
