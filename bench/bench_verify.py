#!/usr/bin/env python3
"""Programs verified per second per core on the real teacher programs.

    python3 bench/bench_verify.py [--pad build/pad] [--input FILE] [--out-dir DIR]

Three ways to run the same programs, all on one core:
  pad       `pad data verify --threads 1` with the built-in executor (the report's
            exec-phase rate, and the whole command's wall clock);
  (a)       one CPython process per program, `print(solution())` appended to the
            teacher's text, as the PaD authors ran them;
  (b)       CPython in one warm process: compile + exec + call solution() per program.
Programs that hit pad's step limit (endless loops) are left out of all three, so a
single timeout does not decide the comparison.  (a) also gives the authors' own
rule (exactly one printed line and round(float(out)) == int(gold)) for docs/VERIFY.md.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time

DEFAULT_INPUT = "../shared/data/pad-teacher/gsm8k_test_teacher_programs.jsonl"
REPEATS = 5


def run_pad(pad, path, out_dir, tag, annotate=False):
    kept = os.path.join(out_dir, tag + ".kept.jsonl")
    report = os.path.join(out_dir, tag + ".report.json")
    all_rows = os.path.join(out_dir, tag + ".all.jsonl")
    cmd = [pad, "data", "verify", path, "--out", kept, "--report", report, "--threads", "1"]
    if annotate:
        cmd += ["--annotate", all_rows]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    with open(report) as f:
        rep = json.load(f)
    rows = None
    if annotate:
        with open(all_rows) as f:
            rows = [json.loads(line) for line in f]
    return rep, rows, wall


def authors_correct(out, gold):
    """The PaD authors' rule: one printed line, round(float(out)) == int(gold)."""
    lines = out.strip().split("\n")
    if len(lines) != 1:
        return False
    try:
        return round(float(lines[0])) == int(gold)
    except (ValueError, OverflowError):
        return False


def bench_subprocess(rows, timed):
    """(a): one python3 process per program.  Runs every row (for the authors'
    rule on the whole file) and times those with timed[i] set."""
    executable = correct = 0
    seconds = 0.0
    for r, t in zip(rows, timed):
        src = r["code"] + "\nprint(solution())\n"
        t0 = time.perf_counter()
        try:
            p = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            continue
        finally:
            seconds += (time.perf_counter() - t0) if t else 0.0
        if p.returncode == 0:
            executable += 1
            correct += authors_correct(p.stdout, r["num_answer"])
    return seconds, executable, correct


def bench_warm(rows):
    """(b): compile + exec + call in one warm CPython process."""
    sink = io.StringIO()  # what programs print themselves
    t0 = time.perf_counter()
    ok = 0
    with contextlib.redirect_stdout(sink):
        for r in rows:
            try:
                env = {}
                exec(compile(r["code"], "<program>", "exec"), env)
                env["solution"]()
                ok += 1
            except Exception:  # noqa: BLE001 - a failing program is a result, not a bench error
                pass
    return time.perf_counter() - t0, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pad", default="build/pad")
    ap.add_argument("--input", default=DEFAULT_INPUT)
    ap.add_argument("--out-dir", default=None)
    args = ap.parse_args()
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="pad-bench-verify-")
    os.makedirs(out_dir, exist_ok=True)

    # First pass: pad's outcomes on the whole file (and its verdict for the doc).
    rep_all, annotated, _ = run_pad(args.pad, args.input, out_dir, "all", annotate=True)
    with open(args.input) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    # Timed: the programs pad runs to completion (not the endless loop, not the
    # texts without a single program), so all runners count the same work.
    ran = ("step_limit", "timeout", "no_program", "duplicate", "missing_field", "malformed_json")
    timed = [a.get("outcome") not in ran for a in annotated]
    bench_rows = [r for r, t in zip(rows, timed) if t]
    left_out = len(rows) - len(bench_rows)
    bench_path = os.path.join(out_dir, "bench_input.jsonl")
    with open(bench_path, "w") as f:
        for r in bench_rows:
            f.write(json.dumps(r) + "\n")

    # pad and (b) take tens of milliseconds: best of REPEATS runs.  (a) runs once.
    runs = [run_pad(args.pad, bench_path, out_dir, "bench") for _ in range(REPEATS)]
    n = len(bench_rows)
    pad_rate = max(rep["programs_per_second"] for rep, _, _ in runs)
    pad_rows_rate = n / min(wall for _, _, wall in runs)
    a_secs, a_exec, a_correct = bench_subprocess(rows, timed)
    b_secs = min(bench_warm(bench_rows)[0] for _ in range(REPEATS))
    a_rate, b_rate = n / a_secs, n / b_secs

    print(f"input: {args.input} ({len(rows)} rows; timed: the {n} programs pad runs to completion, "
          f"{left_out} left out: no single program or an endless loop)")
    print(f"pad verdict (whole file): {json.dumps(rep_all['counts'])}")
    print(f"pad: executable {100 * rep_all['executable_rate']:.1f}%, correct {100 * rep_all['correct_rate']:.1f}%")
    print(f"the authors' rule via (a), whole file: executable {100 * a_exec / len(rows):.1f}% ({a_exec}), "
          f"correct {100 * a_correct / len(rows):.1f}% ({a_correct})")
    print(f"{'runner (1 core)':44s} {'programs/s':>11s} {'vs (a)':>9s} {'vs (b)':>7s}")
    for name, rate in (("pad built-in, execution phase", pad_rate),
                       ("pad data verify, whole command", pad_rows_rate),
                       ("(a) python3 process per program", a_rate),
                       ("(b) CPython exec() in one warm process", b_rate)):
        print(f"{name:44s} {rate:11.1f} {rate / a_rate:8.0f}x {rate / b_rate:6.2f}x")
    print(f"targets (execution phase): >= 1000x (a): {'met' if pad_rate / a_rate >= 1000 else 'MISSED'}; "
          f"faster than (b): {'met' if pad_rate > b_rate else 'MISSED'}")


if __name__ == "__main__":
    main()
