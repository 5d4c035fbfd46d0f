#!/usr/bin/env bash
# Failures of a 2-rank job: a rank killed mid-run ends the job (mpirun sees
# it die) and a rank that hangs makes the others abort after the collective
# timeout with a clear error; either way every checkpoint left is complete
# and the newest one resumes.
set -u
pad=${1:?usage: test_cli_dist_fail.sh PAD_BINARY}
. "$(dirname "$0")/dist_common.sh"

# The pid of rank $2 of the job writing into $tmp/$1.
rank_pid() {
  for p in $(pgrep -f -- "output_dir=$tmp/$1"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"
      return
    fi
  done
}

# Starts a long 2-rank run, waits for its checkpoint of step 10, sends rank 1
# signal $2; sets $rc and $took (seconds from the signal to the job's end).
fail_run() {
  PAD_DIST_TIMEOUT_S=3 "$pad" launch "$tmp/base.json" --set output_dir="$tmp/$1" \
    --set 'stages[3].max_steps=5000' --set 'stages[3].checkpoint_every=5' \
    --set 'stages[3].eval_every=5000' > "$tmp/$1.out" 2>&1 &
  local job=$! victim=""
  for _ in $(seq 1 300); do
    [ -f "$(ckpt $1 10)/manifest.json" ] && break
    sleep 0.1
  done
  victim=$(rank_pid "$1" 1)
  [ -n "$victim" ] || { echo "no rank 1 found"; kill "$job"; wait "$job"; rc=0; return; }
  local start=$SECONDS
  kill "-$2" "$victim"
  wait "$job"
  rc=$?
  took=$((SECONDS - start))
  kill -KILL "$victim" 2> /dev/null # a stopped rank the launcher missed
}

all_complete() {
  local n=0
  for d in "$tmp/$1"/distill/checkpoints/step-*; do
    case "$d" in *.tmp) continue ;; esac
    python3 - "$d" <<'PY' || return 1
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
for f in m["files"]:
    assert os.path.getsize(os.path.join(d, f["name"])) == f["bytes"], f
PY
    n=$((n + 1))
  done
  [ "$n" -ge 2 ]
}

fail_run killed KILL
check test "$rc" -ne 0
check test "$took" -le 30
check grep -q "rank 1 .*exited on signal 9" "$tmp/killed.out"
check all_complete killed

fail_run hung STOP
check test "$rc" -ne 0
check test "$took" -le 30
check grep -q "waited .* for the other ranks (timeout 3 s): a rank died or hangs; aborting the job" "$tmp/hung.out"
check all_complete hung

# the newest complete checkpoint resumes (a short run: a few more steps)
last=$(ls -d "$tmp"/hung/distill/checkpoints/step-?????? | tail -1)
step=$((10#${last##*step-}))
"$pad" launch "$tmp/base.json" --set output_dir="$tmp/hung" --set 'stages[3].max_steps=5000' \
  --set 'stages[3].checkpoint_every=5' --set 'stages[3].eval_every=5000' > "$tmp/again.out" 2>&1 &
job=$!
for _ in $(seq 1 300); do
  grep -q "resuming from" "$tmp/again.out" && break
  sleep 0.1
done
check grep -q "resuming from .*step-$(printf %06d "$step")" "$tmp/again.out"
kill -INT "$job" 2> /dev/null
wait "$job"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
