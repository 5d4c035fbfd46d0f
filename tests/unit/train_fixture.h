/* pad tests: tiny models and a tiny copy-task shard set for the trainer and
 * checkpoint tests (header-only: each test is one executable). */
#ifndef PAD_TEST_TRAIN_FIXTURE_H
#define PAD_TEST_TRAIN_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "data/loader.h"
#include "data/shard_build.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "model/model.h"

#define FX_VOCAB 24
#define FX_PAD 0
#define FX_EOS 1
#define FX_HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* check_tmp_path reuses its buffer: keep copies. */
static inline const char *fx_tmp(const char *name)
{
    static char paths[32][512];
    static int next;
    char *p = paths[next++ % 32];
    snprintf(p, 512, "%s", check_tmp_path(name));
    return p;
}

static inline void fx_t5_config(pad_model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = PAD_ARCH_T5;
    t5_config *c = &cfg->t5;
    t5_config_defaults(c);
    c->vocab_size = FX_VOCAB;
    c->d_model = 32;
    c->d_kv = 8;
    c->num_heads = 4;
    c->d_ff = 64;
    c->num_layers = 1;
    c->num_decoder_layers = 1;
    c->relative_attention_num_buckets = 8;
    c->relative_attention_max_distance = 16;
    c->dropout_rate = 0.1f;
    c->pad_token_id = FX_PAD;
    c->eos_token_id = FX_EOS;
    c->decoder_start_token_id = FX_PAD;
}

static inline void fx_gpt2_config(pad_model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = PAD_ARCH_GPT2;
    gpt2_config *c = &cfg->gpt2;
    gpt2_config_defaults(c);
    c->vocab_size = FX_VOCAB;
    c->n_positions = 32;
    c->n_embd = 32;
    c->n_layer = 1;
    c->n_head = 4;
    c->n_inner = 64;
    c->resid_pdrop = c->embd_pdrop = c->attn_pdrop = 0.1f;
    c->bos_token_id = c->eos_token_id = FX_EOS;
}

static inline pad_model *fx_model(const pad_model_config *cfg, pad_backend *be, uint64_t seed)
{
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, cfg, be, &err) == PAD_OK);
    if (m) CHECK(pad_model_init_random(m, seed, &err) == PAD_OK);
    return m;
}

/* A copy task: source = 2..8 random symbols and eos, target = the same. */
static inline const char *fx_copy_set(const char *name, int n, uint64_t seed)
{
    const char *dir = fx_tmp(name);
    pad_error err;
    CHECK(pad_mkdir_p(dir, &err) == PAD_OK);
    shard_manifest m;
    memset(&m, 0, sizeof m);
    m.version = HDF5_SHARD_VERSION;
    strcpy(m.kind, "distill");
    strcpy(m.tokenizer, "synthetic");
    strcpy(m.tokenizer_hash, FX_HASH);
    strcpy(m.overlong, "drop");
    m.vocab_size = FX_VOCAB;
    m.pad_id = FX_PAD;
    m.eos_id = FX_EOS;
    m.max_source_len = m.max_target_len = 16;
    m.count = 1;
    m.shards = calloc(1, sizeof *m.shards);
    hdf5_shard s;
    CHECK(hdf5_shard_init(&s, "distill", FX_VOCAB, FX_HASH, 0, &err) == PAD_OK);
    pad_rng r;
    pad_rng_init(&r, seed, 0);
    for (int e = 0; e < n; e++) {
        int32_t tok[16];
        int len = 2 + (int)pad_rng_next_below(&r, 7);
        for (int t = 0; t < len; t++) tok[t] = 2 + (int32_t)pad_rng_next_below(&r, FX_VOCAB - 2);
        tok[len] = FX_EOS;
        hdf5_shard_example ex = {tok, len + 1, tok, len + 1, {0}};
        CHECK(hdf5_shard_append(&s, &ex, &err) == PAD_OK);
    }
    shard_manifest_entry *me = &m.shards[0];
    snprintf(me->file, sizeof me->file, "shard-00000.h5");
    char *path = pad_path_join(dir, me->file);
    CHECK(hdf5_shard_write(path, &s, &err) == PAD_OK);
    CHECK(shard_file_digest(path, me->sha256, &me->bytes, &err) == PAD_OK);
    me->examples = n;
    me->source_tokens = s.col[HDF5_SHARD_SOURCE].count;
    me->target_tokens = s.col[HDF5_SHARD_TARGET].count;
    m.counts.examples = n;
    CHECK(shard_manifest_save(dir, &m, &err) == PAD_OK);
    free(path);
    hdf5_shard_free(&s);
    shard_manifest_free(&m);
    return dir;
}

static inline void fx_loader_config(pad_loader_config *c, const char *dir, int batch)
{
    pad_loader_config_default(c);
    c->dir = dir;
    c->kind = "distill";
    c->tokenizer_hash = FX_HASH;
    c->vocab_size = FX_VOCAB;
    c->pad_id = FX_PAD;
    c->seed = 99;
    c->batch_size = batch;
    c->bucket_batches = 4;
}

#endif
