#!/usr/bin/env bash
# pad run on a tiny recipe: every stage runs, leaves its marker and outputs;
# a second run skips them all; a bad recipe is refused before any work.
set -u
pad=${1:?usage: test_cli_run.sh PAD_BINARY}
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/tiny.json" <<JSON
{
  "name": "tiny", "seed": 7, "device": "cpu", "output_dir": "$tmp/run",
  "model": {"arch": "t5", "config": {"d_model": 16, "d_kv": 8, "num_heads": 2, "d_ff": 32,
            "num_layers": 1, "num_decoder_layers": 1, "dropout_rate": 0.1}},
  "tokenizer": {"train": {"vocab_size": 300}},
  "data": {"teacher": "synth", "synth": {"seed": 3, "train": 60, "validation": 12, "test": 6},
           "max_source_len": 96, "max_target_len": 160},
  "stages": [
    {"type": "synth"}, {"type": "verify"}, {"type": "shard"},
    {"type": "distill", "lr": 3e-3, "batch_size": 8, "max_steps": 12, "eval_every": 6,
     "checkpoint_every": 6, "log_every": 4},
    {"type": "eval", "max_new_tokens": 24, "limit": 4, "checkpoint": "last"}
  ]
}
JSON

"$pad" run "$tmp/tiny.json" > "$tmp/out1" 2> "$tmp/err1"
check test $? -eq 0
for s in 00-synth 01-verify 02-shard 03-distill 04-eval; do
  check test -f "$tmp/run/stages/$s.json"
done
check test -f "$tmp/run/data/train.verify_report.json"
check test -f "$tmp/run/shards/train/manifest.json"
check test -f "$tmp/run/distill/metrics.jsonl"
check test -f "$tmp/run/eval/summary.json"
check grep -q "test accuracy" "$tmp/out1"
check grep -q "kept" "$tmp/out1"

"$pad" run "$tmp/tiny.json" > "$tmp/out2" 2> "$tmp/err2"
check test $? -eq 0
check test "$(grep -c 'done earlier' "$tmp/out2")" -eq 5

printf '{"name": "bad", "stages": [{"type": "distill", "lr": -1}]}' > "$tmp/bad.json"
"$pad" run "$tmp/bad.json" > /dev/null 2> "$tmp/err3"
check test $? -eq 1
check grep -q "stages\[0\].lr" "$tmp/err3"
check test ! -e runs/bad

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
