#!/usr/bin/env bash
# pad import -> export -> info on a tiny hand-built GPT-2 directory: the F32
# export is byte-identical to the import, bf16 re-imports, info counts the
# parameters as transformers does (buffers excluded).
# Usage: bash test_cli_roundtrip.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_roundtrip.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-roundtrip-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

le64() {
    local n=$1 i
    for i in 0 1 2 3 4 5 6 7; do
        printf "\\$(printf '%03o' $(( (n >> (8 * i)) & 255 )))"
    done
}

# Random little-endian floats of magnitude in [2^-7, 2): never NaN or Inf.
random_floats() {
    LC_ALL=C awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed);
        for (i = 0; i < n; i++)
            printf "%c%c%c%c", int(rand() * 256), int(rand() * 256), int(rand() * 256),
                   (rand() < 0.5 ? 0 : 128) + 60 + int(rand() * 4) }'
}

# name:shape pairs of a GPT-2 with vocab 11, 8 positions, n_embd 8, 1 layer,
# n_inner 16, plus the attention-mask buffer transformers used to save.
tensors=(
    transformer.wte.weight:11,8 transformer.wpe.weight:8,8
    transformer.h.0.ln_1.weight:8 transformer.h.0.ln_1.bias:8
    transformer.h.0.attn.c_attn.weight:8,24 transformer.h.0.attn.c_attn.bias:24
    transformer.h.0.attn.c_proj.weight:8,8 transformer.h.0.attn.c_proj.bias:8
    transformer.h.0.ln_2.weight:8 transformer.h.0.ln_2.bias:8
    transformer.h.0.mlp.c_fc.weight:8,16 transformer.h.0.mlp.c_fc.bias:16
    transformer.h.0.mlp.c_proj.weight:16,8 transformer.h.0.mlp.c_proj.bias:8
    transformer.ln_f.weight:8 transformer.ln_f.bias:8
    transformer.h.0.attn.bias:1,1,8,8
)
mkdir -p "$TMP/hf"
header='{"__metadata__":{"format":"pt"}'
offset=0
params=0
for t in "${tensors[@]}"; do
    name=${t%%:*}
    shape=${t#*:}
    numel=$(( ${shape//,/*} ))
    header="$header,\"$name\":{\"dtype\":\"F32\",\"shape\":[$shape],\"data_offsets\":[$offset,$((offset + 4 * numel))]}"
    offset=$((offset + 4 * numel))
    [[ $name != *.attn.bias ]] && params=$((params + numel))
done
header="$header}"
while (( ${#header} % 8 )); do header="$header "; done
{ le64 ${#header}; printf '%s' "$header"; random_floats $((offset / 4)) 7; } > "$TMP/hf/model.safetensors"
cat > "$TMP/hf/config.json" <<'JSON'
{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 11,
 "n_positions": 8, "n_embd": 8, "n_layer": 1, "n_head": 2, "n_inner": 16,
 "activation_function": "gelu_new", "bos_token_id": 10, "eos_token_id": 10}
JSON

check "import" "$PAD" import "$TMP/hf" "$TMP/ck" > "$TMP/import.out"
check "import prints one line" test "$(wc -l < "$TMP/import.out")" -eq 1
check "import summary" grep -q "gpt2, $params parameters in 16 tensors" "$TMP/import.out"
check "info hf dir" "$PAD" info "$TMP/hf" > "$TMP/info_hf.out"
check "info counts parameters without buffers" grep -q "^parameters: $params\$" "$TMP/info_hf.out"
check "info lists the buffer" grep -q "transformer.h.0.attn.bias .*F32 *\[1, 1, 8, 8\]" "$TMP/info_hf.out"

check "export f32" "$PAD" export "$TMP/ck" "$TMP/ex" > /dev/null
check "f32 export equals the import" cmp -s "$TMP/ck/model.safetensors" "$TMP/ex/model.safetensors"
check "config.json kept" cmp -s "$TMP/ck/config.json" "$TMP/ex/config.json"
check "generation_config.json" grep -q '"bos_token_id":[[:space:]]*10' "$TMP/ex/generation_config.json"

check "export bf16 (new nested dir)" "$PAD" export "$TMP/ck" "$TMP/deep/er/bf" --dtype bf16 > /dev/null
"$PAD" info "$TMP/deep/er/bf" > "$TMP/info_bf.out"
check "bf16 info" grep -q "transformer.h.0.mlp.c_fc.weight .*BF16 *\[8, 16\]" "$TMP/info_bf.out"
check "bf16 parameter count" grep -q "^parameters: $params\$" "$TMP/info_bf.out"
check "bf16 file is half the size" test "$(stat -c %s "$TMP/deep/er/bf/model.safetensors")" -lt \
    "$(stat -c %s "$TMP/ex/model.safetensors")"
check "bf16 re-import" "$PAD" import "$TMP/deep/er/bf" "$TMP/ck2" > /dev/null
check "bf16 values differ from f32" bash -c "! cmp -s '$TMP/ck/model.safetensors' '$TMP/ck2/model.safetensors'"
"$PAD" info "$TMP/ck/model.safetensors" > "$TMP/info_file.out"
check "info on a bare file" grep -q "format: pt" "$TMP/info_file.out"
check "the ignored buffer is not written" bash -c "! grep -q 'h.0.attn.bias ' '$TMP/info_file.out'"

: > "$TMP/blocker"
"$PAD" export "$TMP/ck" "$TMP/blocker/out" 2> "$TMP/err"
check "export under a file fails with exit 1" test $? -eq 1
check "one error line" test "$(wc -l < "$TMP/err")" -eq 1

echo "$passed passed, $failed failed"
(( failed == 0 ))
