#!/usr/bin/env bash
# pad's CLI on broken input: every failure is exit 1 and exactly one line
# "pad: error: ..." on stderr naming the file, never a crash; --help exits 0.
# Usage: bash test_cli_errors.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_errors.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-errors-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# le64 N: N as 8 little-endian bytes
le64() {
    local n=$1 i
    for i in 0 1 2 3 4 5 6 7; do
        printf "\\$(printf '%03o' $(( (n >> (8 * i)) & 255 )))"
    done
}

# safetensors FILE HEADER_JSON DATA_BYTES: header padded with spaces to 8
safetensors() {
    local file=$1 header=$2 nbytes=$3
    while (( ${#header} % 8 )); do header="$header "; done
    { le64 ${#header}; printf '%s' "$header"; head -c "$nbytes" /dev/urandom; } > "$file"
}

# expect_error NAME NEEDLE CMD...: exit 1, one stderr line, names NEEDLE
expect_error() {
    local name=$1 needle=$2
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$? lines
    lines=$(wc -l < "$TMP/err")
    if (( rc >= 128 )); then fail "$name: crashed (exit $rc)"; return; fi
    if (( rc != 1 )); then fail "$name: exit $rc, expected 1"; cat "$TMP/err"; return; fi
    if (( lines != 1 )); then fail "$name: $lines lines on stderr"; cat "$TMP/err"; return; fi
    if ! grep -q '^pad: error: ' "$TMP/err"; then fail "$name: $(cat "$TMP/err")"; return; fi
    if ! grep -qF -- "$needle" "$TMP/err"; then fail "$name: does not name $needle: $(cat "$TMP/err")"; return; fi
    pass
}

expect_exit() {
    local name=$1 want=$2
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc == want )); then pass; else fail "$name: exit $rc, expected $want"; fi
}

good='{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}'
safetensors "$TMP/good.safetensors" "$good" 24
expect_exit "info on a good file" 0 "$PAD" info "$TMP/good.safetensors"

head -c -7 "$TMP/good.safetensors" > "$TMP/truncated.safetensors"
expect_error "truncated safetensors" "$TMP/truncated.safetensors" "$PAD" info "$TMP/truncated.safetensors"

{ le64 $((1 << 40)); printf '{}      '; } > "$TMP/oversized.safetensors"
expect_error "oversized header" "$TMP/oversized.safetensors" "$PAD" info "$TMP/oversized.safetensors"

safetensors "$TMP/offset.safetensors" \
    '{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}' 24
expect_error "offset past the data" "$TMP/offset.safetensors" "$PAD" info "$TMP/offset.safetensors"

safetensors "$TMP/count.safetensors" \
    '{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}' 24
expect_error "offsets not matching the shape" "$TMP/count.safetensors" "$PAD" info "$TMP/count.safetensors"

printf 'not a safetensors file' > "$TMP/garbage.safetensors"
expect_error "garbage file" "$TMP/garbage.safetensors" "$PAD" info "$TMP/garbage.safetensors"

# checkpoint directories with a broken config.json
mkdir -p "$TMP/malformed" "$TMP/wrongtype" "$TMP/noweights" "$TMP/badweights"
printf '{\n  "model_type": "t5",\n  "d_model": ,\n}\n' > "$TMP/malformed/config.json"
cp "$TMP/good.safetensors" "$TMP/malformed/model.safetensors"
for cmd in info import export; do
    extra=()
    [[ $cmd != info ]] && extra=("$TMP/out-$cmd")
    expect_error "$cmd: malformed config.json" "$TMP/malformed/config.json:3" \
        "$PAD" "$cmd" "$TMP/malformed" "${extra[@]}"
done

printf '{"model_type": "t5", "d_model": "512"}\n' > "$TMP/wrongtype/config.json"
expect_error "config.json wrong type" "$TMP/wrongtype/config.json" "$PAD" import "$TMP/wrongtype" "$TMP/out"
expect_error "config.json wrong type names the field" "d_model" "$PAD" info "$TMP/wrongtype"

printf '{"model_type": "t5", "vocab_size": 8, "d_model": 4, "d_kv": 2, "d_ff": 4, "num_layers": 1, "num_heads": 2}\n' \
    > "$TMP/noweights/config.json"
expect_error "no weights file" "$TMP/noweights" "$PAD" import "$TMP/noweights" "$TMP/out"

cp "$TMP/noweights/config.json" "$TMP/badweights/config.json"
cp "$TMP/good.safetensors" "$TMP/badweights/model.safetensors"
expect_error "weights not matching the config" "$TMP/badweights/model.safetensors" \
    "$PAD" import "$TMP/badweights" "$TMP/out"

expect_error "missing directory: info" "$TMP/absent" "$PAD" info "$TMP/absent"
expect_error "missing directory: import" "$TMP/absent" "$PAD" import "$TMP/absent" "$TMP/out"
expect_error "missing directory: export" "$TMP/absent" "$PAD" export "$TMP/absent" "$TMP/out"

# usage
for args in "--help" "help" "-h" "help info" "info --help" "import --help" "export --help" \
            "demo --help" "help export"; do
    # shellcheck disable=SC2086
    expect_exit "pad $args" 0 "$PAD" $args
    if [[ ! -s "$TMP/out" ]]; then fail "pad $args printed nothing"; fi
done
expect_exit "unknown command" 2 "$PAD" frobnicate
expect_exit "no command" 2 "$PAD"
expect_exit "info without CKPT" 2 "$PAD" info
expect_exit "import with one argument" 2 "$PAD" import "$TMP/good.safetensors"
expect_exit "export with a bad dtype" 2 "$PAD" export a b --dtype f8
expect_exit "bad log level" 2 "$PAD" --log-level loud info x

echo "$passed passed, $failed failed"
(( failed == 0 ))
