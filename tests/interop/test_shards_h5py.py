"""HDF5 shards against h5py: pad's shards read by h5py with the same contents,
and a shard written by h5py in the documented layout (docs/SHARDS.md) read by
pad.  Usage: python3 test_shards_h5py.py PATH_TO_PAD (env PAD_BUILD_DIR)."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py or numpy missing: skipped")
    sys.exit(77)

TEXT = ["question", "program", "answer", "id"]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def tool():
    build = os.environ.get("PAD_BUILD_DIR") or os.path.dirname(os.path.abspath(sys.argv[1]))
    path = os.path.join(build, "shard_tool")
    if not os.path.exists(path):
        print("shard_tool not built: skipped")
        sys.exit(77)
    return path


def dump(tool_path, path):
    out = subprocess.run([tool_path, "dump", path], capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def pad_written_read_by_h5py(tool_path, tmp):
    path = os.path.join(tmp, "pad.h5")
    subprocess.run([tool_path, "write", path, "400", "11"], check=True)
    rc, out, _ = dump(tool_path, path)
    check(rc == 0, "pad reads its own shard")
    ref = json.loads(out)
    with h5py.File(path, "r") as f:
        check(f.attrs["format"] == "pad-shard", "format attribute")
        check(int(f.attrs["version"]) == 1, "version attribute")
        check(f.attrs["kind"] == "distill", "kind attribute")
        check(int(f.attrs["vocab_size"]) == 1000, "vocab_size attribute")
        check(f.attrs["tokenizer_hash"] == ref["tokenizer_hash"], "tokenizer_hash attribute")
        for col in ("source", "target"):
            tok, off = f[col]["tokens"], f[col]["offsets"]
            check(tok.dtype == np.int32 and off.dtype == np.int64, col + " dtypes")
            check(tok.compression == "gzip" and tok.shuffle and tok.chunks, col + " chunked+shuffle+deflate")
            check(off[:].tolist() == ref["/%s/tokens" % col]["offsets"], col + " offsets")
            check(tok[:].tolist() == ref["/%s/tokens" % col]["data"], col + " tokens")
        for name in TEXT:
            data, off = f["text"][name]["bytes"][:], f["text"][name]["offsets"][:]
            check(data.dtype == np.uint8, name + " dtype")
            rows = [bytes(data[off[i]:off[i + 1]]).decode("utf-8") for i in range(len(off) - 1)]
            check(rows == ref["/text/%s/bytes" % name]["rows"], name + " text")
        check(len(f["source"]["offsets"]) == 401, "401 offsets")


def write_h5py_shard(path, rng, n, drop=None):
    src = [rng.integers(0, 32100, rng.integers(1, 80)) for _ in range(n)]
    tgt = [rng.integers(0, 32100, rng.integers(0, 150)) for _ in range(n)]
    texts = {name: ["%s %d \u00e9\u20ac" % (name, i) for i in range(n)] for name in TEXT}
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "pad-shard"
        f.attrs["version"] = 1
        f.attrs["kind"] = "eval"
        f.attrs["vocab_size"] = 32100
        f.attrs["tokenizer_hash"] = "ab" * 32
        for col, rows in (("source", src), ("target", tgt)):
            off = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
            f.create_dataset(col + "/tokens", data=np.concatenate(rows).astype(np.int32),
                             chunks=True, shuffle=True, compression="gzip")
            f.create_dataset(col + "/offsets", data=off)
        for name in TEXT:
            enc = [s.encode("utf-8") for s in texts[name]]
            off = np.concatenate([[0], np.cumsum([len(b) for b in enc])]).astype(np.int64)
            f.create_dataset("text/%s/bytes" % name, data=np.frombuffer(b"".join(enc), np.uint8))
            f.create_dataset("text/%s/offsets" % name, data=off)
        if drop:
            del f[drop]
    return src, tgt, texts


def h5py_written_read_by_pad(tool_path, tmp):
    rng = np.random.default_rng(5)
    path = os.path.join(tmp, "h5py.h5")
    src, tgt, texts = write_h5py_shard(path, rng, 250)
    rc, out, err = dump(tool_path, path)
    check(rc == 0, "pad reads the h5py shard: " + err)
    if rc:
        return
    got = json.loads(out)
    check(got["kind"] == "eval" and got["vocab_size"] == 32100, "attributes")
    check(got["tokenizer_hash"] == "ab" * 32, "hash")
    for col, rows in (("source", src), ("target", tgt)):
        g = got["/%s/tokens" % col]
        back = [g["data"][g["offsets"][i]:g["offsets"][i + 1]] for i in range(len(rows))]
        check(back == [r.tolist() for r in rows], col + " tokens")
    for name in TEXT:
        check(got["/text/%s/bytes" % name]["rows"] == texts[name], name + " text")
    bad = os.path.join(tmp, "bad.h5")
    write_h5py_shard(bad, rng, 10, drop="target/offsets")
    rc, _, err = dump(tool_path, bad)
    check(rc == 1 and "/target/offsets" in err and "bad.h5" in err, "missing dataset named: " + err)


def main():
    tool_path = tool()
    with tempfile.TemporaryDirectory() as tmp:
        pad_written_read_by_h5py(tool_path, tmp)
        h5py_written_read_by_pad(tool_path, tmp)
    print("%s (%d failures)" % ("ok" if failures == 0 else "FAIL", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
