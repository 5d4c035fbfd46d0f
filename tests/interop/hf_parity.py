"""pad against transformers on the same weights and inputs.

Builds small random T5 (ReLU tied; gated-GELU untied) and GPT-2 models with
transformers, saves them, and checks that:
  1. pad_forward (pad's cpu forward on the saved directory) gives the same
     logits and loss as transformers, with padding in the batch;
  2. pad import -> pad export gives a directory that from_pretrained loads
     into a model with the same logits as the original;
  3. a bf16 export loads into the original with bf16-rounded weights;
  4. pad info, on the directory transformers wrote, counts the parameters
     as num_parameters() does.
Usage: python3 hf_parity.py PATH_TO_PAD   (env PAD_BUILD_DIR: where pad_forward is)
Exit 77 when torch, transformers, numpy or safetensors is missing.
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import safetensors.numpy
    import torch
    import transformers
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

TOL = 1e-4
results = []


def report(name, ok, detail):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def compare(name, got, want, tol=TOL):
    if np.shape(got) != np.shape(want):
        report(name, False, f"shape {np.shape(got)} vs {np.shape(want)}")
        return
    err = rel_err(got, want)
    report(name, bool(err < tol), f"relative error {err:.2e}")


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def perturb(model, seed):
    """transformers initialises norms to 1 and biases to 0; noise makes every
    parameter matter, so a misplaced one shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)


def make_models():
    from transformers import GPT2Config, GPT2LMHeadModel, T5Config, T5ForConditionalGeneration

    t5 = dict(vocab_size=99, d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2,
              num_heads=4, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    specs = [
        ("t5-relu-tied", T5ForConditionalGeneration,
         T5Config(feed_forward_proj="relu", tie_word_embeddings=True, **t5)),
        ("t5-gated-gelu-tie-false", T5ForConditionalGeneration,
         T5Config(feed_forward_proj="gated-gelu", tie_word_embeddings=False, **t5)),
        ("gpt2", GPT2LMHeadModel,
         GPT2Config(vocab_size=99, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                    bos_token_id=98, eos_token_id=98)),
    ]
    for i, (name, cls, cfg) in enumerate(specs):
        torch.manual_seed(1000 + i)
        model = cls(cfg)
        perturb(model, 2000 + i)
        yield name, model.eval()


def make_inputs(is_t5, seed):
    """A padded batch: rows of different lengths, padding on the right."""
    g = np.random.default_rng(seed)
    B, T, T_tgt = 3, 12, 9
    src_len, tgt_len = [12, 8, 5], [9, 6, 3]
    ids = g.integers(2, 98, size=(B, T), dtype=np.int64)
    mask = np.zeros((B, T), dtype=np.int64)
    for b, n in enumerate(src_len):
        mask[b, :n] = 1
    ids[mask == 0] = 0 if is_t5 else 98
    if not is_t5:
        labels = np.where(mask == 1, ids, -100)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}
    labels = g.integers(2, 98, size=(B, T_tgt), dtype=np.int64)
    for b, n in enumerate(tgt_len):
        labels[b, n:] = -100
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def hf_forward(model, inputs):
    with torch.no_grad():
        out = model(**{k: torch.from_numpy(v) for k, v in inputs.items()})
    return out.logits.float().numpy(), float(out.loss)


def from_pretrained(cls, path):
    try:
        return cls.from_pretrained(path, dtype=torch.float32).eval()
    except TypeError:  # transformers 4 spells it torch_dtype
        return cls.from_pretrained(path, torch_dtype=torch.float32).eval()


def check_model(name, model, tmp, pad, pad_forward):
    hf_dir, imp, exp, exp_bf16 = (os.path.join(tmp, name, d) for d in ("hf", "imp", "exp", "bf16"))
    model.save_pretrained(hf_dir, safe_serialization=True)
    inputs = make_inputs(model.config.model_type == "t5", seed=len(name))
    want_logits, want_loss = hf_forward(model, inputs)

    in_path, out_path = os.path.join(tmp, name, "in.safetensors"), os.path.join(tmp, name, "out.safetensors")
    safetensors.numpy.save_file(inputs, in_path)
    run([pad_forward, hf_dir, in_path, out_path])
    out = safetensors.numpy.load_file(out_path)
    compare(f"{name}: pad logits vs transformers", out["logits"], want_logits)
    compare(f"{name}: pad loss vs transformers", out["loss"][0], want_loss)

    run([pad, "import", hf_dir, imp])
    run([pad, "export", imp, exp])
    got_logits, got_loss = hf_forward(from_pretrained(type(model), exp), inputs)
    compare(f"{name}: pad export reloaded by transformers, logits", got_logits, want_logits)
    compare(f"{name}: pad export reloaded by transformers, loss", got_loss, want_loss)

    run([pad, "export", imp, exp_bf16, "--dtype", "bf16"])
    rounded = from_pretrained(type(model), hf_dir)
    with torch.no_grad():
        for p in rounded.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    want_bf16, _ = hf_forward(rounded, inputs)
    got_bf16, _ = hf_forward(from_pretrained(type(model), exp_bf16), inputs)
    compare(f"{name}: bf16 export vs bf16-rounded original, logits", got_bf16, want_bf16, tol=1e-6)

    info = run([pad, "info", hf_dir])
    count = re.search(r"^parameters: (\d+)$", info, re.M)
    got = int(count.group(1)) if count else -1
    report(f"{name}: pad info parameter count", got == model.num_parameters(),
           f"{got} vs num_parameters() {model.num_parameters()}")


def main():
    if len(sys.argv) != 2:
        print("usage: hf_parity.py PATH_TO_PAD", file=sys.stderr)
        return 2
    pad = os.path.abspath(sys.argv[1])
    build = os.environ.get("PAD_BUILD_DIR", os.path.dirname(pad))
    pad_forward = os.path.join(build, "pad_forward")
    if not os.access(pad_forward, os.X_OK):
        print(f"FAIL: {pad_forward} not built")
        return 1
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory(prefix="pad-hf-parity-") as tmp:
        for name, model in make_models():
            try:
                check_model(name, model, tmp, pad, pad_forward)
            except Exception as e:  # one model's failure must not hide the others
                report(name, False, f"{type(e).__name__}: {e}")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
