#!/usr/bin/env bash
# pad validate: a good recipe prints "RECIPE: ok" and exits 0; a bad one
# prints one "pad: error: RECIPE: PATH: MESSAGE" line per problem and exits 1;
# --set overrides; usage errors exit 2; --help exits 0.
# Usage: bash test_cli_validate.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_validate.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-validate-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# run NAME WANT_RC CMD...: output in $TMP/out and $TMP/err
run() {
    local name=$1 want=$2
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc == want )); then pass; else fail "$name: exit $rc, expected $want: $(head -c 400 "$TMP/err")"; fi
}
has() { # NAME FILE NEEDLE
    if grep -qF -- "$3" "$2"; then pass; else fail "$1: '$3' not in: $(head -c 400 "$2")"; fi
}

for r in recipes/*.json; do
    run "valid $r" 0 "$PAD" validate "$r"
    has "valid $r" "$TMP/out" "$r: ok"
    [[ -s "$TMP/err" ]] && fail "valid $r: stderr: $(cat "$TMP/err")" || pass
done

# a recipe with three problems in three places, and a random learning rate
lr=-0.$((RANDOM % 90 + 10))$((RANDOM % 9 + 1)) # no trailing zero: pad prints the shortest form
cat > "$TMP/bad.json" <<JSON
{"name": "bad", "device": "gpu", "model": {"arch": "t5"}, "tokenizer": "bytes",
 "data": {"teacher": "synth"},
 "stages": [{"type": "synth"}, {"type": "shard"}, {"type": "distill", "lr": $lr, "lrr": 1}]}
JSON
run "bad recipe" 1 "$PAD" validate "$TMP/bad.json"
[[ ! -s "$TMP/out" ]] && pass || fail "bad recipe: stdout not empty"
lines=$(wc -l < "$TMP/err")
(( lines == 3 )) && pass || fail "bad recipe: $lines error lines, expected 3: $(cat "$TMP/err")"
(( $(grep -c '^pad: error: ' "$TMP/err") == 3 )) && pass || fail "bad recipe: lines not all 'pad: error:'"
has "bad device" "$TMP/err" "pad: error: $TMP/bad.json: device: expected one of"
has "bad lr" "$TMP/err" "pad: error: $TMP/bad.json: stages[2].lr: must be in (0, 1], got $lr"
has "bad key" "$TMP/err" "pad: error: $TMP/bad.json: stages[2]: unknown key 'lrr'"

# overrides fix it, or break a good one
run "set fixes" 0 "$PAD" validate "$TMP/bad.json" --set device=cpu --set 'stages[2]={"type":"distill"}'
has "set fixes" "$TMP/out" "device cpu"
run "set breaks" 1 "$PAD" validate recipes/quickstart.json --set 'stages[3].batch_size=0' --set stages[7].lr=1
has "set breaks" "$TMP/err" "stages[3].batch_size: must be between 1 and 65536, got 0"
has "set nowhere" "$TMP/err" "stages[7].lr: --set: no such field"
run "set shows" 0 "$PAD" validate recipes/quickstart.json --set stages[3].lr=0.0025 --print
has "set shows" "$TMP/out" '"lr":	0.0025'

# malformed JSON: file and line
printf '{"name": "x",\n "seed": }\n' > "$TMP/syntax.json"
run "syntax" 1 "$PAD" validate "$TMP/syntax.json"
has "syntax" "$TMP/err" "syntax.json:2"
run "missing file" 1 "$PAD" validate "$TMP/none.json"
run "no recipe" 2 "$PAD" validate
run "bad option" 2 "$PAD" validate recipes/quickstart.json --bogus
run "help" 0 "$PAD" validate --help
has "help" "$TMP/out" "usage: pad validate"

echo "$passed passed, $failed failed"
(( failed == 0 ))
