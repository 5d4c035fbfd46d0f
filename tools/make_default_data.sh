#!/usr/bin/env bash
# Rebuilds data/tokenizer.json, the quickstart's default tokenizer: a small
# byte-level BPE trained on the synthetic teacher's training questions and
# programs.  Deterministic: the same pad gives the same file.
# Usage: tools/make_default_data.sh PAD_BINARY [OUT_FILE]
set -euo pipefail
pad=${1:?usage: tools/make_default_data.sh PAD_BINARY [OUT_FILE]}
out=${2:-data/tokenizer.json}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$pad" data synth --seed 1234 --out "$work/synth" >/dev/null
python3 - "$work/synth/train.jsonl" "$work/corpus.txt" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        row = json.loads(line)
        out.write(row["question"] + "\n" + row["code"] + "\n")
PY
# T5's conventions: pad 0 (also the decoder start), eos 1, unk 2
"$pad" tokenizer train --vocab-size 1024 --special '<pad>' --special '</s>' --special '<unk>' \
  --special '<s>' "$work/corpus.txt" --out "$out"
