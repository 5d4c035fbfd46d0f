#!/usr/bin/env bash
# Data parallelism on the CPU backend with mpirun -np 2: two ranks with batch
# B take the steps of one process with batch B and grad_accum 2 (the same
# examples per step), with and without ZeRO-1, with the gradient reduction
# overlapped with the backward pass (the default) and without; likewise two
# ranks with grad_accum 2 and one with 4; a resumed 2-rank run is the
# uninterrupted one bit for bit; resuming with another world size or
# optimizer sharding is refused with the numbers to use.
set -u
pad=${1:?usage: test_cli_dist.sh PAD_BINARY}
. "$(dirname "$0")/dist_common.sh"

# the collectives themselves, on random data (the unit test in MPI mode)
unit="$(dirname "$pad")/test_dist"
if [ -x "$unit" ]; then
  root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
  [ "$(nproc)" -lt 2 ] && root+=(--oversubscribe)
  mpirun "${root[@]}" -np 2 "$unit" > "$tmp/unit.out" 2>&1
  check test $? -eq 0
  check test "$(grep -c 'ok   test_collectives' "$tmp/unit.out")" -eq 2
fi

run1() { "$pad" run "$tmp/base.json" --set output_dir="$tmp/$1" --set parallel.gpus=1 "${@:2}"; }
run2() { "$pad" launch "$tmp/base.json" --set output_dir="$tmp/$1" "${@:2}"; }

run1 one --set 'stages[3].grad_accum=2' > "$tmp/one.out" 2>&1
check test $? -eq 0
run2 two > "$tmp/two.out" 2>&1
check test $? -eq 0
run2 zero --set parallel.zero=1 > "$tmp/zero.out" 2>&1
check test $? -eq 0
run2 serial --set parallel.overlap=false > "$tmp/serial.out" 2>&1
check test $? -eq 0
run2 zero-serial --set parallel.zero=1 --set parallel.overlap=false > "$tmp/zero-serial.out" 2>&1
check test $? -eq 0
for name in two zero serial zero-serial; do
  check same_params "$(ckpt one 6)" "$(ckpt $name 6)" 1e-5
done
# only the last micro-batch of a step overlaps its reduction
run1 one4 --set 'stages[3].grad_accum=4' > "$tmp/one4.out" 2>&1
check test $? -eq 0
run2 two2 --set 'stages[3].grad_accum=2' > "$tmp/two2.out" 2>&1
check test $? -eq 0
check same_params "$(ckpt one4 6)" "$(ckpt two2 6)" 1e-5
! same_params "$(ckpt one 6)" "$(ckpt one4 6)" 1e-4 > /dev/null
check test $? -eq 0
# rank 0 logs the bytes it reduced and the communication left exposed
check grep -q '"comm_bytes":[1-9][0-9]*,"comm_wait_s":[0-9]' "$tmp/two/distill/metrics.jsonl"
check grep -q '"comm_bytes":[1-9][0-9]*,"comm_wait_s":[0-9]' "$tmp/serial/distill/metrics.jsonl"
check test "$(grep -o '"comm_bytes":[0-9]*' "$tmp/two/distill/metrics.jsonl" | sort -u | wc -l)" -eq 1
check test "$(grep -c comm_bytes "$tmp/one/distill/metrics.jsonl")" -eq 0
# training moved the parameters: the comparison above can fail
! same_params "$(ckpt two 3)" "$(ckpt two 6)" 1e-4 > /dev/null
check test $? -eq 0
# rank 0 alone writes metrics and reports; each rank its optimizer shard
check test "$(grep -c '"step":6,' "$tmp/two/distill/metrics.jsonl")" -eq 2 # the step and its evaluation
check test "$(grep -c '^step 6/6  loss' "$tmp/two.out")" -eq 1
check test "$(grep -c '^distill: 6 steps' "$tmp/two.out")" -eq 1
check test -f "$(ckpt zero 6)/optimizer.rank-00000.safetensors"
check test -f "$(ckpt zero 6)/optimizer.rank-00001.safetensors"
check test ! -e "$(ckpt zero 6)/optimizer.safetensors"
check grep -q '"world_size":[[:space:]]*2' "$(ckpt two 6)/manifest.json"

# resume: the same runs stopped after step 3 (the later checkpoint removed;
# the output directory is part of the recipe, so it stays where it is)
rewind() { rm -rf "$(ckpt $1 6)" "$tmp/$1/stages/03-distill.json"; }
for name in two zero; do
  cp -r "$tmp/$name" "$tmp/$name-full"
  rewind $name
done
run2 two > "$tmp/resume.out" 2>&1
check test $? -eq 0
check grep -q "resuming from .*step-000003" "$tmp/resume.out"
check cmp "$(ckpt two-full 6)/model.safetensors" "$(ckpt two 6)/model.safetensors"
check cmp "$(ckpt two-full 6)/optimizer.safetensors" "$(ckpt two 6)/optimizer.safetensors"
no_speed() { sed 's/"tokens_per_s":[^,]*,//; s/"comm_wait_s":[^,}]*//' "$1"; }
check cmp <(no_speed "$tmp/two-full/distill/metrics.jsonl") <(no_speed "$tmp/two/distill/metrics.jsonl")
run2 zero --set parallel.zero=1 > "$tmp/resume0.out" 2>&1
check test $? -eq 0
check cmp "$(ckpt zero-full 6)/model.safetensors" "$(ckpt zero 6)/model.safetensors"
check cmp "$(ckpt zero-full 6)/optimizer.rank-00001.safetensors" \
          "$(ckpt zero 6)/optimizer.rank-00001.safetensors"

# another world size or sharding: refused, nothing written
rewind two
run1 two > "$tmp/other1.out" 2>&1
check test $? -ne 0
check grep -q "checkpoint was written by 2 ranks but this run has 1: resume with parallel.gpus=2" "$tmp/other1.out"
run2 two --set parallel.zero=1 > "$tmp/other2.out" 2>&1
check test $? -ne 0
check grep -q "optimizer state is in 1 shard but this run wants 2: resume with parallel.zero=0" "$tmp/other2.out"
check test ! -e "$(ckpt two 6)"

# pad launch builds the mpirun command line; one rank is plain pad run
check bash -c "'$pad' launch '$tmp/base.json' --dry-run | grep -q -- '-np 2 .*run $tmp/base.json\$'"
check bash -c "'$pad' launch '$tmp/base.json' --set parallel.gpus=4 --dry-run | grep -q -- '-np 4 '"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
