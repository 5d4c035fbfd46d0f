"""Greedy decoding against transformers: a small random T5 and GPT-2 over the
byte vocabulary (256 bytes, <pad> 256, </s> 257, <unk> 258) decode the same
tokens in `pad eval` as in model.generate(do_sample=False, num_beams=1).
Usage: python3 test_greedy_hf.py PATH_TO_PAD (exit 77 without torch/transformers)."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import transformers
except ImportError:
    print("torch or transformers missing: skipped")
    sys.exit(77)

PAD, EOS, MAX_NEW = 256, 257, 16
QUESTIONS = [
    "Tom has 3 apples and buys 4 more. How many apples does he have?",
    "A box holds 6 eggs.",
    "Mia reads 12 pages a day for 5 days, then 7 more pages. How many pages?",
    "Is 10 larger than 3?",
]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def widen(model, seed):
    """Wide uniform weights, so argmaxes are decided by clear margins."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=g) - 0.5)


def t5_model():
    cfg = transformers.T5Config(vocab_size=259, d_model=32, d_kv=8, num_heads=4, d_ff=64,
                                num_layers=2, num_decoder_layers=2, pad_token_id=PAD,
                                eos_token_id=EOS, decoder_start_token_id=PAD, dropout_rate=0.0)
    return transformers.T5ForConditionalGeneration(cfg)


def gpt2_model():
    cfg = transformers.GPT2Config(vocab_size=259, n_positions=128, n_embd=32, n_layer=2, n_head=4,
                                  bos_token_id=EOS, eos_token_id=EOS, resid_pdrop=0.0,
                                  embd_pdrop=0.0, attn_pdrop=0.0)
    return transformers.GPT2LMHeadModel(cfg)


def hf_programs(model, is_t5):
    """What pad's eval decodes: generated ids without specials, as text
    (ill-formed UTF-8 replaced, as transformers' decode does)."""
    out = []
    for q in QUESTIONS:
        ids = torch.tensor([list(q.encode()) + [EOS]])
        with torch.no_grad():
            gen = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                 num_beams=1, max_new_tokens=MAX_NEW, pad_token_id=PAD,
                                 eos_token_id=EOS)
        new = gen[0].tolist()[1:] if is_t5 else gen[0].tolist()[ids.shape[1]:]
        out.append(bytes(t for t in new if t < 256).decode("utf-8", "replace"))
    return out


def pad_programs(ckpt, data, out_dir):
    r = subprocess.run([sys.argv[1], "eval", ckpt, data, "--tokenizer", "bytes", "--out", out_dir,
                        "--max-new-tokens", str(MAX_NEW), "--batch", "3"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "pad eval: " + r.stderr)
    progs = []
    # strict UTF-8: predictions.jsonl must be valid JSON text
    with open(os.path.join(out_dir, "predictions.jsonl"), encoding="utf-8") as f:
        for line in f:
            progs.append(json.loads(line)["program"])
    return progs


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "q.jsonl")
        with open(data, "w") as f:
            for i, q in enumerate(QUESTIONS):
                f.write(json.dumps({"id": str(i), "question": q, "num_answer": 1}) + "\n")
        for name, make, seed in (("t5", t5_model, 1), ("gpt2", gpt2_model, 2)):
            model = make().eval()
            widen(model, seed)
            ckpt = os.path.join(tmp, name)
            model.save_pretrained(ckpt)
            want = hf_programs(model, name == "t5")
            got = pad_programs(ckpt, data, os.path.join(tmp, name + "-eval"))
            check(len(got) == len(want), f"{name}: {len(got)} predictions")
            for i, (g, w) in enumerate(zip(got, want)):
                check(g == w, f"{name} question {i}: pad {g!r} != transformers {w!r}")
            check(any(len(w) > 3 for w in want), f"{name}: generations too short to test")
    print("ok" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
