/* pad tokenizers: Hugging Face's tokenizer.json, read and written.
 *
 * Reads model BPE (merges as "a b" strings or ["a", "b"] pairs), added
 * tokens, the ByteLevel pre-tokenizer (alone or in a Sequence after Digits
 * and pad's identifier Split), the post-processors that wrap a sequence
 * (Roberta/Bert/Template/ByteLevel, or a Sequence of them) and the
 * ByteLevel decoder.  Anything else is
 * PAD_ERR_UNSUPPORTED naming the field, not a silent mis-tokenization. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_file.h"
#include "io/tokenizer_internal.h"

static pad_status field_error(pad_error *err, pad_status code, const char *path, const char *fmt,
                              const char *what)
{
    pad_error_set(err, code, fmt, what);
    return pad_error_json_path(err, path);
}

static const char *type_of(const cJSON *obj)
{
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsString(ty) ? ty->valuestring : NULL;
}

static int flag(const cJSON *obj, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

static int is_unset(const cJSON *v) { return !v || cJSON_IsNull(v); }

static pad_status read_vocab(pad_tokenizer *t, const cJSON *vocab, pad_error *err)
{
    if (!cJSON_IsObject(vocab))
        return field_error(err, PAD_ERR_FORMAT, "model.vocab", "%s", "missing or not an object");
    for (const cJSON *it = vocab->child; it; it = it->next) {
        if (!cJSON_IsNumber(it) || it->valuedouble != (double)(int32_t)it->valuedouble)
            return field_error(err, PAD_ERR_FORMAT, "model.vocab", "the id of '%s' is not an integer",
                               it->string);
        pad_status st = pad_tok_set_token(t, (int32_t)it->valuedouble, it->string, strlen(it->string), err);
        if (st) return pad_error_json_path(err, "model.vocab");
    }
    return PAD_OK;
}

static pad_status read_merges(pad_tokenizer *t, const cJSON *merges, pad_error *err)
{
    if (!cJSON_IsArray(merges))
        return field_error(err, PAD_ERR_FORMAT, "model.merges", "%s", "missing or not an array");
    for (const cJSON *m = merges->child; m; m = m->next) {
        const char *a = NULL, *b = NULL;
        size_t alen = 0;
        if (cJSON_IsString(m)) {
            const char *space = strchr(m->valuestring, ' ');
            if (space && !strchr(space + 1, ' ')) a = m->valuestring, alen = (size_t)(space - a), b = space + 1;
        } else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(m->child) &&
                   cJSON_IsString(m->child->next)) {
            a = m->child->valuestring, alen = strlen(a), b = m->child->next->valuestring;
        }
        if (!a) {
            char path[64];
            snprintf(path, sizeof path, "model.merges[%d]", t->nmerges);
            return field_error(err, PAD_ERR_FORMAT, path, "%s", "a merge is \"a b\" or [\"a\", \"b\"]");
        }
        if (pad_tok_add_merge(t, a, alen, b, strlen(b), err)) return pad_error_json_path(err, "model.merges");
    }
    return PAD_OK;
}

static pad_status read_model(pad_tokenizer *t, const cJSON *model, pad_error *err)
{
    if (!cJSON_IsObject(model)) return field_error(err, PAD_ERR_FORMAT, "model", "%s", "missing");
    const char *type = type_of(model);
    if (!type && cJSON_GetObjectItemCaseSensitive(model, "merges")) type = "BPE"; /* older files */
    if (!type || strcmp(type, "BPE") != 0)
        return field_error(err, PAD_ERR_UNSUPPORTED, "model.type",
                           "model type '%s' is not supported (only byte-level BPE)", type ? type : "?");
    const char *unsupported[] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(model, unsupported[i]);
        if (!is_unset(v) && !(cJSON_IsString(v) && !v->valuestring[0]))
            return field_error(err, PAD_ERR_UNSUPPORTED, "model", "%s is not supported", unsupported[i]);
    }
    if (flag(model, "byte_fallback", 0))
        return field_error(err, PAD_ERR_UNSUPPORTED, "model.byte_fallback", "%s", "byte_fallback is not supported");
    t->ignore_merges = flag(model, "ignore_merges", 0);
    pad_status st = read_vocab(t, cJSON_GetObjectItemCaseSensitive(model, "vocab"), err);
    if (!st) st = read_merges(t, cJSON_GetObjectItemCaseSensitive(model, "merges"), err);
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
    if (!st && cJSON_IsString(unk)) t->unk_id = pad_tokenizer_token_id(t, unk->valuestring);
    return st;
}

static pad_status read_added(pad_tokenizer *t, const cJSON *added, pad_error *err)
{
    if (is_unset(added)) return PAD_OK;
    int i = 0;
    for (const cJSON *a = added->child; a; a = a->next, i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        char path[64];
        snprintf(path, sizeof path, "added_tokens[%d]", i);
        if (!cJSON_IsNumber(id) || !cJSON_IsString(content))
            return field_error(err, PAD_ERR_FORMAT, path, "%s", "an added token needs an id and a content");
        if (pad_tok_add_added(t, (int32_t)id->valuedouble, content->valuestring, flag(a, "special", 0),
                              flag(a, "lstrip", 0), flag(a, "rstrip", 0), err))
            return pad_error_json_path(err, path);
    }
    return PAD_OK;
}

/* Digits before the ByteLevel step, and pad's identifier Split (exactly
 * its pattern, matches isolated) in place of ByteLevel's own regex: the
 * Sequences pad runs.  A prefix space would be added to every piece they
 * cut, so that combination is refused. */
static int is_digits(const cJSON *pre)
{
    const char *type = type_of(pre);
    return type && strcmp(type, "Digits") == 0;
}

static int is_identifier_split(const cJSON *pre)
{
    const char *type = type_of(pre);
    const cJSON *regex = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pre, "pattern"), "Regex");
    const cJSON *behavior = cJSON_GetObjectItemCaseSensitive(pre, "behavior");
    return type && strcmp(type, "Split") == 0 && cJSON_IsString(regex) &&
           strcmp(regex->valuestring, PAD_IDENTIFIER_PATTERN) == 0 && cJSON_IsString(behavior) &&
           strcmp(behavior->valuestring, "Isolated") == 0 && !flag(pre, "invert", 0);
}

static pad_status read_byte_level(pad_tokenizer *t, const cJSON *pre, const char *type, pad_error *err)
{
    if (!type || strcmp(type, "ByteLevel") != 0)
        return field_error(err, PAD_ERR_UNSUPPORTED, "pre_tokenizer",
                           "pre-tokenizer '%s' is not supported (only ByteLevel, after Digits or pad's "
                           "identifier Split)", type ? type : "none");
    t->add_prefix_space = flag(pre, "add_prefix_space", 0);
    t->use_regex = flag(pre, "use_regex", 1);
    return PAD_OK;
}

/* [Digits,] [identifier Split,] ByteLevel, at least one of the first two. */
static pad_status read_sequence(pad_tokenizer *t, const cJSON *item, int n, pad_error *err)
{
    pad_digits digits = PAD_DIGITS_KEEP;
    pad_words words = PAD_WORDS_GPT2;
    if (n > 1 && is_digits(item)) {
        digits = flag(item, "individual_digits", 0) ? PAD_DIGITS_EACH : PAD_DIGITS_RUNS;
        item = item->next, n--;
    }
    if (n > 1 && is_identifier_split(item)) words = PAD_WORDS_IDENTIFIERS, item = item->next, n--;
    if (n != 1) return read_byte_level(t, NULL, "Sequence of several", err);
    pad_status st = read_byte_level(t, item, type_of(item), err);
    if (st) return st;
    if (t->add_prefix_space)
        return field_error(err, PAD_ERR_UNSUPPORTED, "pre_tokenizer", "%s",
                           "Digits or Split followed by ByteLevel with add_prefix_space is not supported");
    if (words == PAD_WORDS_IDENTIFIERS) {
        if (t->use_regex)
            return field_error(err, PAD_ERR_UNSUPPORTED, "pre_tokenizer", "%s",
                               "a Split followed by ByteLevel with use_regex is not supported");
        t->use_regex = 1; /* pad's use_regex: the word pattern applies */
    }
    t->digits = digits;
    t->words = words;
    return PAD_OK;
}

static pad_status read_pre_tokenizer(pad_tokenizer *t, const cJSON *pre, pad_error *err)
{
    const char *type = type_of(pre);
    if (type && strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(pre, "pretokenizers");
        int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
        if (n == 1) return read_pre_tokenizer(t, list->child, err);
        if (n > 1) return read_sequence(t, list->child, n, err);
    }
    return read_byte_level(t, pre, type, err);
}

/* The ids a TemplateProcessing piece stands for, appended to *ids. */
static pad_status template_piece(pad_tokenizer *t, const cJSON *piece, const cJSON *specials,
                                 int32_t *ids, int32_t *n, int32_t cap, int *seen_a, pad_error *err)
{
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(piece, "Sequence");
    if (seq) {
        *seen_a = 1;
        return PAD_OK;
    }
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(piece, "SpecialToken");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(sp, "id");
    const cJSON *entry = cJSON_IsString(name) ? cJSON_GetObjectItemCaseSensitive(specials, name->valuestring) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(entry, "ids");
    if (!cJSON_IsArray(list))
        return field_error(err, PAD_ERR_FORMAT, "post_processor.single", "%s",
                           "a template piece names no special token with ids");
    for (const cJSON *v = list->child; v; v = v->next) {
        if (*n >= cap || !cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= t->vocab_size)
            return field_error(err, PAD_ERR_FORMAT, "post_processor.special_tokens", "%s", "bad special token id");
        ids[(*n)++] = (int32_t)v->valuedouble;
    }
    return PAD_OK;
}

static pad_status read_template(pad_tokenizer *t, const cJSON *post, pad_error *err)
{
    int32_t pre[16], suf[16], npre = 0, nsuf = 0;
    int seen_a = 0;
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(post, "single");
    const cJSON *specials = cJSON_GetObjectItemCaseSensitive(post, "special_tokens");
    for (const cJSON *p = cJSON_IsArray(single) ? single->child : NULL; p; p = p->next) {
        int was_a = seen_a;
        pad_status st = was_a ? template_piece(t, p, specials, suf, &nsuf, 16, &seen_a, err)
                              : template_piece(t, p, specials, pre, &npre, 16, &seen_a, err);
        if (st) return st;
    }
    if (!seen_a)
        return field_error(err, PAD_ERR_FORMAT, "post_processor.single", "%s", "no $A sequence in the template");
    return pad_tok_set_wrapping(t, pre, npre, suf, nsuf, err);
}

static pad_status read_post_processor(pad_tokenizer *t, const cJSON *post, pad_error *err)
{
    if (is_unset(post)) return PAD_OK;
    const char *type = type_of(post);
    if (!type) type = "?";
    if (strcmp(type, "ByteLevel") == 0) return PAD_OK; /* offsets only */
    if (strcmp(type, "TemplateProcessing") == 0) return read_template(t, post, err);
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(post, "processors");
        for (const cJSON *p = cJSON_IsArray(list) ? list->child : NULL; p; p = p->next) {
            pad_status st = read_post_processor(t, p, err);
            if (st) return st;
        }
        return PAD_OK;
    }
    if (strcmp(type, "RobertaProcessing") == 0 || strcmp(type, "BertProcessing") == 0) {
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(post, "cls");
        const cJSON *sep = cJSON_GetObjectItemCaseSensitive(post, "sep");
        const cJSON *cls_id = cJSON_GetArrayItem(cls, 1), *sep_id = cJSON_GetArrayItem(sep, 1);
        if (!cJSON_IsNumber(cls_id) || !cJSON_IsNumber(sep_id))
            return field_error(err, PAD_ERR_FORMAT, "post_processor", "%s", "cls and sep need [token, id]");
        int32_t pre = (int32_t)cls_id->valuedouble, suf = (int32_t)sep_id->valuedouble;
        return pad_tok_set_wrapping(t, &pre, 1, &suf, 1, err);
    }
    return field_error(err, PAD_ERR_UNSUPPORTED, "post_processor.type", "post-processor '%s' is not supported", type);
}

pad_status pad_tok_read_json(pad_tokenizer *t, const char *path, pad_error *err)
{
    cJSON *root;
    pad_status st = pad_json_load(path, &root, err);
    if (st) return st;
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    if (!cJSON_IsObject(root)) st = field_error(err, PAD_ERR_FORMAT, "", "%s", "not a JSON object");
    else if (!is_unset(norm))
        st = field_error(err, PAD_ERR_UNSUPPORTED, "normalizer", "normalizer '%s' is not supported",
                         type_of(norm) ? type_of(norm) : "?");
    else if (!is_unset(dec) && (!type_of(dec) || strcmp(type_of(dec), "ByteLevel") != 0))
        st = field_error(err, PAD_ERR_UNSUPPORTED, "decoder", "decoder '%s' is not supported (only ByteLevel)",
                         type_of(dec) ? type_of(dec) : "?");
    if (!st) st = read_model(t, cJSON_GetObjectItemCaseSensitive(root, "model"), err);
    if (!st) st = read_added(t, cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), err);
    if (!st) st = read_pre_tokenizer(t, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), err);
    if (!st) st = read_post_processor(t, cJSON_GetObjectItemCaseSensitive(root, "post_processor"), err);
    cJSON_Delete(root);
    return st;
}

static cJSON *byte_level(int add_prefix_space, int use_regex)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "ByteLevel");
    cJSON_AddBoolToObject(o, "add_prefix_space", add_prefix_space);
    cJSON_AddBoolToObject(o, "trim_offsets", 1);
    cJSON_AddBoolToObject(o, "use_regex", use_regex);
    return o;
}

static cJSON *identifier_split(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "Split");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "pattern"), "Regex", PAD_IDENTIFIER_PATTERN);
    cJSON_AddStringToObject(o, "behavior", "Isolated");
    cJSON_AddBoolToObject(o, "invert", 0);
    return o;
}

/* ByteLevel alone, or the Sequence [Digits,] [identifier Split,] ByteLevel
 * where the Split does ByteLevel's word splitting. */
static cJSON *pre_tokenizer(const pad_tokenizer *t)
{
    int split = t->use_regex && t->words == PAD_WORDS_IDENTIFIERS;
    cJSON *bl = byte_level(t->add_prefix_space, t->use_regex && !split);
    if (t->digits == PAD_DIGITS_KEEP && !split) return bl;
    cJSON *seq = cJSON_CreateObject();
    cJSON_AddStringToObject(seq, "type", "Sequence");
    cJSON *list = cJSON_AddArrayToObject(seq, "pretokenizers");
    if (t->digits != PAD_DIGITS_KEEP) {
        cJSON *digits = cJSON_CreateObject();
        cJSON_AddStringToObject(digits, "type", "Digits");
        cJSON_AddBoolToObject(digits, "individual_digits", t->digits == PAD_DIGITS_EACH);
        cJSON_AddItemToArray(list, digits);
    }
    if (split) cJSON_AddItemToArray(list, identifier_split());
    cJSON_AddItemToArray(list, bl);
    return seq;
}

static void add_special_piece(cJSON *list, cJSON *specials, const pad_tokenizer *t, int32_t id)
{
    cJSON *piece = cJSON_CreateObject(), *sp = cJSON_AddObjectToObject(piece, "SpecialToken");
    cJSON_AddStringToObject(sp, "id", t->tokens[id]);
    cJSON_AddNumberToObject(sp, "type_id", 0);
    cJSON_AddItemToArray(list, piece);
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "id", t->tokens[id]);
    cJSON_AddItemToObject(entry, "ids", cJSON_CreateIntArray(&id, 1));
    cJSON *tok = cJSON_CreateArray();
    cJSON_AddItemToArray(tok, cJSON_CreateString(t->tokens[id]));
    cJSON_AddItemToObject(entry, "tokens", tok);
    cJSON_DeleteItemFromObjectCaseSensitive(specials, t->tokens[id]);
    cJSON_AddItemToObject(specials, t->tokens[id], entry);
}

static void add_template(cJSON *list, cJSON *specials, const pad_tokenizer *t, const char *seq)
{
    for (int32_t i = 0; i < t->nprefix; i++) add_special_piece(list, specials, t, t->prefix_ids[i]);
    cJSON *piece = cJSON_CreateObject(), *s = cJSON_AddObjectToObject(piece, "Sequence");
    cJSON_AddStringToObject(s, "id", seq);
    cJSON_AddNumberToObject(s, "type_id", 0);
    cJSON_AddItemToArray(list, piece);
    for (int32_t i = 0; i < t->nsuffix; i++) add_special_piece(list, specials, t, t->suffix_ids[i]);
}

static cJSON *post_processor(const pad_tokenizer *t)
{
    if (t->nprefix == 0 && t->nsuffix == 0) return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "TemplateProcessing");
    cJSON *single = cJSON_AddArrayToObject(o, "single"), *pair = cJSON_AddArrayToObject(o, "pair");
    cJSON *specials = cJSON_AddObjectToObject(o, "special_tokens");
    add_template(single, specials, t, "A");
    add_template(pair, specials, t, "A");
    add_template(pair, specials, t, "B");
    return o;
}

static cJSON *model_json(const pad_tokenizer *t)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "BPE");
    cJSON_AddNullToObject(m, "dropout");
    if (t->unk_id >= 0) cJSON_AddStringToObject(m, "unk_token", t->tokens[t->unk_id]);
    else cJSON_AddNullToObject(m, "unk_token");
    cJSON_AddNullToObject(m, "continuing_subword_prefix");
    cJSON_AddNullToObject(m, "end_of_word_suffix");
    cJSON_AddBoolToObject(m, "fuse_unk", 0);
    cJSON_AddBoolToObject(m, "byte_fallback", 0);
    cJSON_AddBoolToObject(m, "ignore_merges", t->ignore_merges);
    cJSON *vocab = cJSON_AddObjectToObject(m, "vocab");
    for (int32_t id = 0; id < t->vocab_size; id++) cJSON_AddNumberToObject(vocab, t->tokens[id], id);
    cJSON *merges = cJSON_AddArrayToObject(m, "merges");
    for (int32_t i = 0; i < t->nmerges; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(t->tokens[t->merge_list[2 * i]]));
        cJSON_AddItemToArray(pair, cJSON_CreateString(t->tokens[t->merge_list[2 * i + 1]]));
        cJSON_AddItemToArray(merges, pair);
    }
    return m;
}

pad_status pad_tokenizer_save(const pad_tokenizer *t, const char *path, pad_error *err)
{
    if (t->kind != PAD_TOK_BPE) {
        pad_error_set(err, PAD_ERR_UNSUPPORTED, "only a BPE tokenizer has a tokenizer.json form");
        return pad_error_file(err, path);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "version", "1.0");
    cJSON_AddNullToObject(root, "truncation");
    cJSON_AddNullToObject(root, "padding");
    cJSON *added = cJSON_AddArrayToObject(root, "added_tokens");
    for (int32_t i = 0; i < t->nadded; i++) {
        const pad_tok_added *a = &t->added[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", a->id);
        cJSON_AddStringToObject(o, "content", t->tokens[a->id]);
        cJSON_AddBoolToObject(o, "single_word", 0);
        cJSON_AddBoolToObject(o, "lstrip", a->lstrip);
        cJSON_AddBoolToObject(o, "rstrip", a->rstrip);
        cJSON_AddBoolToObject(o, "normalized", 0);
        cJSON_AddBoolToObject(o, "special", a->special);
        cJSON_AddItemToArray(added, o);
    }
    cJSON_AddNullToObject(root, "normalizer");
    cJSON_AddItemToObject(root, "pre_tokenizer", pre_tokenizer(t));
    cJSON_AddItemToObject(root, "post_processor", post_processor(t));
    cJSON_AddItemToObject(root, "decoder", byte_level(1, 1));
    cJSON_AddItemToObject(root, "model", model_json(t));
    pad_status st = pad_json_save(path, root, err);
    cJSON_Delete(root);
    return st;
}
