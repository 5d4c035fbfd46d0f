/* Hugging Face config.json: parsing, defaults, validation errors, writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/hf_config.h"
#include "io/json_file.h"

static pad_status parse_text(const char *text, pad_model_config *cfg, pad_error *err)
{
    cJSON *root;
    pad_status st = pad_json_parse(text, strlen(text), &root, err);
    if (st) return st;
    st = hf_config_from_json(root, cfg, err);
    cJSON_Delete(root);
    return st;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static void test_t5_full(void)
{
    const char *text =
        "{\"architectures\": [\"T5ForConditionalGeneration\"], \"model_type\": \"t5\",\n"
        " \"vocab_size\": 99, \"d_model\": 32, \"d_kv\": 8, \"d_ff\": 48, \"num_layers\": 2,\n"
        " \"num_decoder_layers\": 3, \"num_heads\": 4, \"relative_attention_num_buckets\": 16,\n"
        " \"relative_attention_max_distance\": 64, \"dropout_rate\": 0.05,\n"
        " \"layer_norm_epsilon\": 1e-05, \"initializer_factor\": 0.5,\n"
        " \"feed_forward_proj\": \"gated-gelu\", \"tie_word_embeddings\": false,\n"
        " \"pad_token_id\": 2, \"eos_token_id\": [7, 8], \"decoder_start_token_id\": 3,\n"
        " \"task_specific_params\": {\"summarization\": {}}}";
    pad_model_config c;
    pad_error err;
    CHECK(parse_text(text, &c, &err) == PAD_OK);
    CHECK(c.arch == PAD_ARCH_T5);
    const t5_config *t = &c.t5;
    CHECK(t->vocab_size == 99 && t->d_model == 32 && t->d_kv == 8 && t->d_ff == 48);
    CHECK(t->num_layers == 2 && t->num_decoder_layers == 3 && t->num_heads == 4);
    CHECK(t->relative_attention_num_buckets == 16 && t->relative_attention_max_distance == 64);
    CHECK(t->dropout_rate == 0.05f && t->layer_norm_epsilon == 1e-5f && t->initializer_factor == 0.5f);
    CHECK(t->gated_gelu == 1 && t->tie_word_embeddings == 0);
    CHECK(t->pad_token_id == 2 && t->eos_token_id == 7 && t->decoder_start_token_id == 3);
}

static void test_t5_defaults(void)
{
    pad_model_config c;
    pad_error err;
    CHECK(parse_text("{\"model_type\": \"t5\"}", &c, &err) == PAD_OK);
    CHECK(c.t5.d_model == 512 && c.t5.vocab_size == 32128 && c.t5.num_layers == 6);
    CHECK(c.t5.num_decoder_layers == 6 && c.t5.gated_gelu == 0 && c.t5.tie_word_embeddings == 1);
    CHECK(c.t5.layer_norm_epsilon == 1e-6f && c.t5.relative_attention_num_buckets == 32);
    /* null follows num_layers, as transformers' T5Config does */
    CHECK(parse_text("{\"model_type\": \"t5\", \"num_layers\": 3, \"num_decoder_layers\": null}",
                     &c, &err) == PAD_OK);
    CHECK(c.t5.num_layers == 3 && c.t5.num_decoder_layers == 3);
    CHECK(parse_text("{\"model_type\": \"t5\", \"num_layers\": 5}", &c, &err) == PAD_OK);
    CHECK(c.t5.num_decoder_layers == 5);
    CHECK(c.t5.scale_decoder_outputs == 1);
    /* transformers 4: an untied head is not scaled */
    CHECK(parse_text("{\"model_type\": \"t5\", \"tie_word_embeddings\": false}", &c, &err) == PAD_OK);
    CHECK(c.t5.tie_word_embeddings == 0 && c.t5.scale_decoder_outputs == 0);
    /* transformers 5 keeps the head tied and says so apart */
    CHECK(parse_text("{\"model_type\": \"t5\", \"tie_word_embeddings\": true, "
                     "\"scale_decoder_outputs\": false}", &c, &err) == PAD_OK);
    CHECK(c.t5.tie_word_embeddings == 1 && c.t5.scale_decoder_outputs == 0);
}

static void test_gpt2(void)
{
    pad_model_config c;
    pad_error err;
    CHECK(parse_text("{\"model_type\": \"gpt2\", \"vocab_size\": 99, \"n_positions\": 32, "
                     "\"n_embd\": 48, \"n_layer\": 3, \"n_head\": 6, \"n_inner\": null, "
                     "\"activation_function\": \"gelu_new\", \"resid_pdrop\": 0.2, "
                     "\"embd_pdrop\": 0.3, \"attn_pdrop\": 0.0, \"layer_norm_epsilon\": 1e-6, "
                     "\"initializer_range\": 0.01, \"bos_token_id\": 97, \"eos_token_id\": 98, "
                     "\"pad_token_id\": null}", &c, &err) == PAD_OK);
    CHECK(c.arch == PAD_ARCH_GPT2);
    const gpt2_config *g = &c.gpt2;
    CHECK(g->vocab_size == 99 && g->n_positions == 32 && g->n_embd == 48 && g->n_layer == 3);
    CHECK(g->n_head == 6 && g->n_inner == 4 * 48);
    CHECK(g->resid_pdrop == 0.2f && g->embd_pdrop == 0.3f && g->attn_pdrop == 0.0f);
    CHECK(g->layer_norm_epsilon == 1e-6f && g->initializer_range == 0.01f);
    CHECK(g->bos_token_id == 97 && g->eos_token_id == 98);
    CHECK(parse_text("{\"model_type\": \"gpt2\", \"n_inner\": 100}", &c, &err) == PAD_OK);
    CHECK(c.gpt2.n_inner == 100 && c.gpt2.n_embd == 768 && c.gpt2.vocab_size == 50257);
}

typedef struct bad_case {
    const char *json;
    pad_status code;
    const char *path;    /* expected json_path */
    const char *message; /* substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"{\"model_type\": \"t5\", \"d_model\": \"512\"}", PAD_ERR_CONFIG, "d_model", "expected an integer, got a string"},
    {"{\"model_type\": \"t5\", \"d_model\": 51.5}", PAD_ERR_CONFIG, "d_model", "expected an integer"},
    {"{\"model_type\": \"t5\", \"num_heads\": -4}", PAD_ERR_CONFIG, "num_heads", "positive"},
    {"{\"model_type\": \"t5\", \"d_ff\": 0}", PAD_ERR_CONFIG, "d_ff", "positive"},
    {"{\"model_type\": \"t5\", \"d_kv\": null}", PAD_ERR_CONFIG, "d_kv", "got null"},
    {"{\"model_type\": \"t5\", \"dropout_rate\": 1.5}", PAD_ERR_CONFIG, "dropout_rate", "[0, 1)"},
    {"{\"model_type\": \"t5\", \"layer_norm_epsilon\": -1e-6}", PAD_ERR_CONFIG, "layer_norm_epsilon", "positive"},
    {"{\"model_type\": \"t5\", \"tie_word_embeddings\": \"yes\"}", PAD_ERR_CONFIG, "tie_word_embeddings", "boolean"},
    {"{\"model_type\": \"t5\", \"pad_token_id\": -1}", PAD_ERR_CONFIG, "pad_token_id", "non-negative"},
    {"{\"model_type\": \"t5\", \"vocab_size\": 99, \"decoder_start_token_id\": 99}", PAD_ERR_CONFIG, "decoder_start_token_id", "outside the vocabulary"},
    {"{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-silu\"}", PAD_ERR_UNSUPPORTED, "feed_forward_proj", "gated-silu"},
    {"{\"model_type\": \"t5\", \"feed_forward_proj\": 3}", PAD_ERR_CONFIG, "feed_forward_proj", "string"},
    {"{\"vocab_size\": 99, \"d_model\": 32}", PAD_ERR_CONFIG, "model_type", "missing model_type"},
    {"{\"model_type\": \"bert\"}", PAD_ERR_UNSUPPORTED, "model_type", "bert"},
    {"{\"model_type\": 5}", PAD_ERR_CONFIG, "model_type", "string"},
    {"[1, 2]", PAD_ERR_CONFIG, "", "JSON object"},
    {"{\"model_type\": \"gpt2\", \"n_embd\": 30, \"n_head\": 4}", PAD_ERR_CONFIG, "n_head", "divisible"},
    {"{\"model_type\": \"gpt2\", \"n_layer\": -2}", PAD_ERR_CONFIG, "n_layer", "positive"},
    {"{\"model_type\": \"gpt2\", \"n_inner\": \"big\"}", PAD_ERR_CONFIG, "n_inner", "integer"},
    {"{\"model_type\": \"gpt2\", \"activation_function\": \"relu\"}", PAD_ERR_UNSUPPORTED, "activation_function", "relu"},
    {"{\"model_type\": \"gpt2\", \"scale_attn_by_inverse_layer_idx\": true}", PAD_ERR_UNSUPPORTED, "scale_attn_by_inverse_layer_idx", "false"},
    {"{\"model_type\": \"gpt2\", \"tie_word_embeddings\": false}", PAD_ERR_UNSUPPORTED, "tie_word_embeddings", "true"},
};

static void test_bad_configs(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        pad_model_config c;
        pad_error err;
        pad_error_clear(&err);
        pad_status st = parse_text(b->json, &c, &err);
        CHECK_MSG(st == b->code, "case %zu: %s: got %s", i, b->json, pad_status_name(st));
        CHECK_MSG(strcmp(err.json_path, b->path) == 0, "case %zu: json_path '%s'", i, err.json_path);
        CHECK_MSG(strstr(err.message, b->message) != NULL, "case %zu: message '%s'", i, err.message);
    }
}

static void test_file_errors(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", check_tmp_path("broken.json"));
    write_text(path, "{\n  \"model_type\": \"t5\",\n  \"d_model\": ,\n  \"d_ff\": 4\n}\n");
    pad_model_config c;
    pad_error err;
    CHECK(hf_config_load(path, &c, &err) == PAD_ERR_FORMAT);
    CHECK(strcmp(err.file, path) == 0);
    CHECK_MSG(err.line == 3, "line %ld", err.line);
    CHECK(strstr(err.message, "malformed JSON") != NULL);

    write_text(path, "{\"model_type\": \"t5\", \"d_model\": \"512\"}");
    CHECK(hf_config_load(path, &c, &err) == PAD_ERR_CONFIG);
    CHECK(strcmp(err.file, path) == 0 && strcmp(err.json_path, "d_model") == 0);
    char line[2048];
    pad_error_format(&err, line, sizeof line);
    CHECK_MSG(strstr(line, path) && strstr(line, "d_model"), "formatted: %s", line);

    snprintf(path, sizeof path, "%s", check_tmp_path("absent/config.json"));
    CHECK(hf_config_load(path, &c, &err) == PAD_ERR_IO);
    CHECK(strcmp(err.file, path) == 0);
}

/* Writing then reading gives back every field, floats bit for bit. */
static void roundtrip(const pad_model_config *orig)
{
    cJSON *json = hf_config_to_json(orig);
    CHECK(json != NULL);
    char *text = cJSON_Print(json);
    pad_model_config back;
    pad_error err;
    CHECK(parse_text(text, &back, &err) == PAD_OK);
    CHECK(memcmp(&back, orig, sizeof back) == 0);
    free(text);
    cJSON_Delete(json);
}

static void test_write_roundtrip(void)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    c.t5.vocab_size = 77;
    c.t5.num_decoder_layers = 4;
    c.t5.dropout_rate = 0.07f;
    c.t5.layer_norm_epsilon = 3.3e-7f;
    c.t5.gated_gelu = 1;
    c.t5.tie_word_embeddings = 0;
    c.t5.eos_token_id = 5;
    c.t5.decoder_start_token_id = 4;
    roundtrip(&c);
    c.t5.gated_gelu = 0;
    c.t5.tie_word_embeddings = 1;
    roundtrip(&c);

    /* the shortest decimal that reads back, not float noise */
    cJSON *json = hf_config_to_json(&c);
    char *text = cJSON_Print(json);
    CHECK_MSG(strstr(text, "\"dropout_rate\":\t0.07,") != NULL, "%s", text);
    CHECK(strstr(text, "\"layer_norm_epsilon\":\t3.3e-07,") != NULL);
    /* transformers 5 rejects 1 where a float field is declared */
    CHECK(strstr(text, "\"initializer_factor\":\t1.0,") != NULL);
    CHECK(strstr(text, "\"architectures\":\t[\"T5ForConditionalGeneration\"]") != NULL);
    CHECK(strstr(text, "\"dense_act_fn\":\t\"relu\"") && strstr(text, "\"is_encoder_decoder\":\ttrue"));
    free(text);
    cJSON_Delete(json);

    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&c.gpt2);
    c.gpt2.n_embd = 40;
    c.gpt2.n_head = 5;
    c.gpt2.n_inner = 70;
    c.gpt2.attn_pdrop = 0.0f;
    c.gpt2.initializer_range = 0.013f;
    c.gpt2.bos_token_id = 3;
    roundtrip(&c);
}

static void test_save_files(void)
{
    pad_model_config c, back;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    c.t5.pad_token_id = 3;
    c.t5.decoder_start_token_id = 3;
    c.t5.eos_token_id = 9;
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s", check_tmp_path(""));
    pad_error err;
    CHECK(hf_config_save(&c, dir, &err) == PAD_OK);
    snprintf(path, sizeof path, "%s/config.json", dir);
    CHECK(hf_config_load(path, &back, &err) == PAD_OK);
    CHECK(memcmp(&back, &c, sizeof c) == 0);
    snprintf(path, sizeof path, "%s/generation_config.json", dir);
    cJSON *gen;
    CHECK(pad_json_load(path, &gen, &err) == PAD_OK);
    const cJSON *start = cJSON_GetObjectItem(gen, "decoder_start_token_id");
    const cJSON *eos = cJSON_GetObjectItem(gen, "eos_token_id");
    CHECK(start && start->valueint == 3 && eos && eos->valueint == 9);
    cJSON_Delete(gen);
    snprintf(path, sizeof path, "%s/nodir/sub", dir);
    CHECK(hf_config_save(&c, path, &err) == PAD_ERR_IO);
}

int main(void)
{
    RUN(test_t5_full);
    RUN(test_t5_defaults);
    RUN(test_gpt2);
    RUN(test_bad_configs);
    RUN(test_file_errors);
    RUN(test_write_roundtrip);
    RUN(test_save_files);
    return check_finish();
}
