# Shared by the test_cli_dist*.sh scripts: a tiny distill recipe and helpers.
# Sourced with $pad set; defines $tmp (removed on exit), check, and
# same_params A B TOL (compares two checkpoints' model.safetensors).
command -v mpirun > /dev/null || { echo "mpirun not found: skipped"; exit 77; }
python3 -c 'import numpy, safetensors' 2> /dev/null || { echo "numpy/safetensors missing: skipped"; exit 77; }
"$pad" launch --help > /dev/null 2>&1 || { echo "pad has no launch: skipped"; exit 77; }
export OMP_NUM_THREADS=1 # two ranks share the two cores of a small machine
# Under ASan, OpenMPI's own allocations (about 120 KB, none from pad) are
# still held at exit and LeakSanitizer would abort every rank; the other
# checks stay on, and pad's own leaks are caught by the non-MPI tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

# 60 training examples: 12 batches of 5, an even count, so one process
# with grad_accum 2 and two ranks cut the epoch into the same batches.
cat > "$tmp/base.json" <<JSON
{
  "name": "dist", "seed": 7, "device": "cpu", "output_dir": "$tmp/unused",
  "model": {"arch": "t5", "config": {"d_model": 16, "d_kv": 8, "num_heads": 2, "d_ff": 32,
            "num_layers": 1, "num_decoder_layers": 1, "dropout_rate": 0.0}},
  "tokenizer": {"train": {"vocab_size": 300}},
  "data": {"teacher": "synth", "synth": {"seed": 3, "train": 64, "validation": 12, "test": 6},
           "max_source_len": 96, "max_target_len": 160},
  "parallel": {"gpus": 2},
  "stages": [
    {"type": "synth"}, {"type": "verify", "enabled": false}, {"type": "shard"},
    {"type": "distill", "lr": 3e-3, "batch_size": 5, "max_steps": 6, "eval_every": 3,
     "checkpoint_every": 3, "keep_checkpoints": 5, "log_every": 1, "dropout": 0}
  ]
}
JSON

ckpt() { echo "$tmp/$1/distill/checkpoints/step-$(printf %06d "$2")"; }

same_params() {
  python3 - "$1/model.safetensors" "$2/model.safetensors" "$3" <<'PY'
import sys
import numpy as np
from safetensors.numpy import load_file
a, b, tol = load_file(sys.argv[1]), load_file(sys.argv[2]), float(sys.argv[3])
assert a.keys() == b.keys(), "different tensors"
worst = max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
moved = max(float(np.max(np.abs(a[k]))) for k in a)
print(f"max |difference| {worst:.3g} (largest parameter {moved:.3g}, tolerance {tol:g})")
sys.exit(0 if worst <= tol else 1)
PY
}
