/* pad tokenizers: finding and loading the files of a tokenizer directory:
 * tokenizer.json, or GPT-2/RoBERTa-style vocab.json + merges.txt with
 * special_tokens_map.json, added_tokens.json and tokenizer_config.json. */
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/json_file.h"
#include "io/tokenizer_internal.h"

/* Loads dir/name as JSON when it exists; *out stays NULL when absent. */
static pad_status optional_json(const char *dir, const char *name, cJSON **out, pad_error *err)
{
    *out = NULL;
    char *path = pad_path_join(dir, name);
    if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = pad_path_kind_of(path) == PAD_PATH_FILE ? pad_json_load(path, out, err) : PAD_OK;
    free(path);
    return st;
}

/* "<s>" or {"content": "<s>", ...}, as special_tokens_map.json writes them. */
static const char *token_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return v->valuestring;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "content");
    return cJSON_IsString(c) ? c->valuestring : NULL;
}

static pad_status add_named_special(pad_tokenizer *t, const char *name, pad_error *err)
{
    int32_t id = name ? pad_tokenizer_token_id(t, name) : -1;
    if (id < 0) return PAD_OK; /* a map naming a token the vocabulary lacks adds nothing */
    return pad_tok_add_added(t, id, name, 1, strcmp(name, "<mask>") == 0, 0, err);
}

/* added_tokens.json ({"<extra_id_0>": 32099, ...}) extends the vocabulary. */
static pad_status read_added_tokens_file(pad_tokenizer *t, const cJSON *added, pad_error *err)
{
    for (const cJSON *it = added ? added->child : NULL; it; it = it->next) {
        if (!cJSON_IsNumber(it))
            return pad_error_set(err, PAD_ERR_FORMAT, "the id of added token '%s' is not a number", it->string);
        pad_status st = pad_tok_add_added(t, (int32_t)it->valuedouble, it->string, 1, 0, 0, err);
        if (st) return st;
    }
    return PAD_OK;
}

/* Specials and their roles from special_tokens_map.json, or the RoBERTa
 * defaults when there is none; <s> ... </s> wrapping when both exist. */
static pad_status read_special_map(pad_tokenizer *t, const cJSON *map, pad_error *err)
{
    static const char *const defaults[] = {"<s>", "</s>", "<pad>", "<unk>", "<mask>", "<|endoftext|>"};
    pad_status st = PAD_OK;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0] && !st; i++)
        st = add_named_special(t, defaults[i], err);
    for (const cJSON *it = map ? map->child : NULL; it && !st; it = it->next) {
        if (cJSON_IsArray(it))
            for (const cJSON *a = it->child; a && !st; a = a->next) st = add_named_special(t, token_name(a), err);
        else st = add_named_special(t, token_name(it), err);
    }
    if (st) return st;
    const char *names[4] = {"<s>", "</s>", "<pad>", "<unk>"};
    const char *keys[4] = {"bos_token", "eos_token", "pad_token", "unk_token"};
    for (int i = 0; i < 4; i++) {
        const char *n = token_name(cJSON_GetObjectItemCaseSensitive(map, keys[i]));
        if (n) names[i] = n;
    }
    int32_t bos = pad_tokenizer_token_id(t, names[0]), eos = pad_tokenizer_token_id(t, names[1]);
    t->bos_id = bos, t->eos_id = eos;
    t->pad_id = pad_tokenizer_token_id(t, names[2]);
    t->unk_id = pad_tokenizer_token_id(t, names[3]);
    if (bos >= 0 && eos >= 0 && strcmp(t->tokens[bos], "<s>") == 0)
        return pad_tok_set_wrapping(t, &bos, 1, &eos, 1, err);
    return PAD_OK;
}

static pad_status read_merges_txt(pad_tokenizer *t, const char *path, pad_error *err)
{
    char *text;
    size_t len;
    pad_status st = pad_read_file(path, &text, &len, err);
    long line = 0;
    for (char *p = text, *next; !st && p && p < text + len; p = next) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        next = nl ? nl + 1 : NULL;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        line++;
        if (n > 0 && p[n - 1] == '\r') n--;
        if (n == 0 || (line == 1 && n >= 8 && memcmp(p, "#version", 8) == 0)) continue;
        char *space = memchr(p, ' ', n);
        if (!space || memchr(space + 1, ' ', (size_t)(p + n - space - 1)))
            st = pad_error_set(err, PAD_ERR_FORMAT, "a merge line is two tokens separated by one space");
        else st = pad_tok_add_merge(t, p, (size_t)(space - p), space + 1, (size_t)(p + n - space - 1), err);
    }
    free(text);
    if (st && line) pad_error_line(err, line);
    return st ? pad_error_file(err, path) : PAD_OK;
}

pad_status pad_tok_read_vocab_merges(pad_tokenizer *t, const char *dir, pad_error *err)
{
    cJSON *vocab = NULL, *map = NULL, *added = NULL, *config = NULL;
    char *merges = pad_path_join(dir, "merges.txt"), *vocab_path = pad_path_join(dir, "vocab.json");
    pad_status st = merges && vocab_path ? optional_json(dir, "vocab.json", &vocab, err)
                                         : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st && !cJSON_IsObject(vocab)) st = pad_error_set(err, PAD_ERR_FORMAT, "vocab.json is not a JSON object");
    for (const cJSON *it = st ? NULL : vocab->child; it && !st; it = it->next)
        st = cJSON_IsNumber(it) ? pad_tok_set_token(t, (int32_t)it->valuedouble, it->string, strlen(it->string), err)
                                : pad_error_set(err, PAD_ERR_FORMAT, "the id of '%s' is not a number", it->string);
    if (st) pad_error_file(err, vocab_path);
    if (!st) st = read_merges_txt(t, merges, err);
    if (!st) st = optional_json(dir, "added_tokens.json", &added, err);
    if (!st) st = read_added_tokens_file(t, added, err);
    if (!st) st = optional_json(dir, "special_tokens_map.json", &map, err);
    if (!st) st = read_special_map(t, map, err);
    if (!st) st = optional_json(dir, "tokenizer_config.json", &config, err);
    if (!st) t->add_prefix_space = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(config, "add_prefix_space"));
    free(merges);
    free(vocab_path);
    cJSON_Delete(vocab);
    cJSON_Delete(map);
    cJSON_Delete(added);
    cJSON_Delete(config);
    return st;
}

/* The roles of specials named by a directory's special_tokens_map.json,
 * next to a tokenizer.json (which does not record them). */
static pad_status read_roles(pad_tokenizer *t, const char *dir, pad_error *err)
{
    cJSON *map;
    pad_status st = optional_json(dir, "special_tokens_map.json", &map, err);
    int32_t *roles[3] = {&t->bos_id, &t->eos_id, &t->pad_id};
    const char *keys[3] = {"bos_token", "eos_token", "pad_token"};
    for (int i = 0; i < 3 && map; i++) {
        const char *n = token_name(cJSON_GetObjectItemCaseSensitive(map, keys[i]));
        if (n && pad_tokenizer_token_id(t, n) >= 0) *roles[i] = pad_tokenizer_token_id(t, n);
    }
    cJSON_Delete(map);
    return st;
}

pad_status pad_tokenizer_load(const char *path, pad_tokenizer **out, pad_error *err)
{
    *out = NULL;
    pad_tokenizer *t = pad_tok_new(PAD_TOK_BPE);
    if (!t) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = PAD_OK;
    char *json = NULL, *vocab = NULL;
    pad_path_kind kind = pad_path_kind_of(path);
    if (kind == PAD_PATH_DIR) {
        json = pad_path_join(path, "tokenizer.json");
        vocab = pad_path_join(path, "vocab.json");
        if (!json || !vocab) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        else if (pad_path_kind_of(json) == PAD_PATH_FILE) st = pad_tok_read_json(t, json, err);
        else if (pad_path_kind_of(vocab) == PAD_PATH_FILE) st = pad_tok_read_vocab_merges(t, path, err);
        else st = pad_error_set(err, PAD_ERR_IO, "no tokenizer.json, nor vocab.json + merges.txt");
        if (!st) st = read_roles(t, path, err);
    } else if (kind == PAD_PATH_FILE) {
        st = pad_tok_read_json(t, path, err);
    } else {
        st = pad_error_set(err, PAD_ERR_IO, "no such file or directory");
    }
    if (!st) st = pad_tok_finish(t, err);
    free(json);
    free(vocab);
    if (st) {
        pad_tokenizer_free(t);
        return pad_error_file(err, path);
    }
    *out = t;
    return PAD_OK;
}
