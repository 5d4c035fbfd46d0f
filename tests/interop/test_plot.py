"""tools/plot draws a run directory's curves as PNG files.

Usage: python3 test_plot.py PATH_TO_PAD (unused; the plot tool is Python)."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import matplotlib  # noqa: F401
except ImportError:
    print("skipped: matplotlib is not installed")
    sys.exit(77)

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as run:
    with open(os.path.join(run, "metrics.jsonl"), "w") as f:
        for step in range(1, 41):
            f.write(json.dumps({"step": step, "loss": 5.0 / step ** 0.5, "lr": 1e-3 * (1 - step / 40),
                                "tokens_per_s": 5000.0, "grad_norm": 1.0}) + "\n")
            if step % 10 == 0:
                f.write(json.dumps({"step": step, "val_loss": 4.0 / step ** 0.5}) + "\n")
    out = os.path.join(run, "plots")
    r = subprocess.run([sys.executable, os.path.join(root, "tools", "plot"), run, "--out", out],
                       capture_output=True, text=True)
    check(r.returncode == 0, "tools/plot exit status %d: %s" % (r.returncode, r.stderr))
    for name in ("loss.png", "lr.png"):
        path = os.path.join(out, name)
        ok = os.path.exists(path)
        check(ok, name + " written")
        if ok:
            with open(path, "rb") as f:
                check(f.read(8) == b"\x89PNG\r\n\x1a\n", name + " is a PNG")
    r = subprocess.run([sys.executable, os.path.join(root, "tools", "plot"), os.path.join(run, "missing")],
                       capture_output=True, text=True)
    check(r.returncode != 0 and "metrics.jsonl" in r.stderr + r.stdout, "a missing run is reported")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
