#!/usr/bin/env python3
"""safetensors interop: files written by the Python `safetensors` package must
read back exactly in pad (through the st_tool helper), and files pad writes must
read back exactly in the package, metadata included.

usage: python3 test_safetensors_interop.py PATH_TO_PAD   (env PAD_BUILD_DIR: where st_tool is)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file
except Exception as exc:  # any import failure means the peer is absent
    print(f"skipped: numpy or safetensors cannot be imported ({exc})")
    sys.exit(77)

NUMPY_DTYPE = {"F32": np.float32, "F16": np.float16, "F64": np.float64,
               "I64": np.int64, "I32": np.int32, "U8": np.uint8}
FLOAT_DTYPES = ("F32", "F16", "BF16")

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def tool_path():
    build = os.environ.get("PAD_BUILD_DIR")
    if not build and len(sys.argv) > 1:
        build = os.path.dirname(os.path.abspath(sys.argv[1]))
    path = os.path.join(build or ".", "st_tool")
    if not os.access(path, os.X_OK):
        print(f"FAIL: st_tool not found at {path} (set PAD_BUILD_DIR)")
        sys.exit(1)
    return path


def run_tool(*args):
    res = subprocess.run([tool_path(), *args], capture_output=True, text=True)
    if res.returncode != 0:
        print(f"FAIL: st_tool {' '.join(args)} exited {res.returncode}: {res.stderr.strip()}")
        sys.exit(1)
    return res.stdout


def parse_dump(text):
    """-> (meta dict, {name: (dtype, shape, [value strings])} in printed order)"""
    meta, tensors = {}, {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        kind, _, rest = lines[i].partition(" ")
        if kind == "meta":
            key, _, value = rest.partition(" ")
            meta[key] = value
            i += 1
        elif kind == "tensor":
            name, dtype, dims = rest.split(" ")
            shape = () if dims == "-" else tuple(int(d) for d in dims.split(","))
            values = lines[i + 1].split()[1:]
            tensors[name] = (dtype, shape, values)
            i += 2
        else:
            raise ValueError(f"unexpected st_tool output line: {lines[i]!r}")
    return meta, tensors


def values_equal(dtype, printed, array):
    """Exact comparison: %.9g round-trips float32 (and so f16/bf16), %.17g float64."""
    flat = np.asarray(array).ravel()
    if len(printed) != flat.size:
        return False
    if dtype in FLOAT_DTYPES:
        return np.array_equal(np.array([float(v) for v in printed], dtype=np.float64).astype(np.float32),
                              flat.astype(np.float32))
    if dtype == "F64":
        return all(float(v) == float(x) for v, x in zip(printed, flat))
    return all(int(v) == int(x) for v, x in zip(printed, flat))


def bf16_to_f32(raw):
    bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
    return bits.view(np.float32)


def test_pad_reads_python(tmp):
    rng = np.random.default_rng(7)
    arrays = {
        "enc.w": rng.standard_normal((3, 4)).astype(np.float32),
        "enc.h": (rng.standard_normal(5) * 10).astype(np.float16),
        "dec.d": rng.standard_normal((2, 2, 3)),
        "ids": rng.integers(-2**62, 2**62, size=7, dtype=np.int64),
        "pos": rng.integers(-2**31, 2**31 - 1, size=(2, 3), dtype=np.int32),
        "bytes": rng.integers(0, 256, size=9, dtype=np.uint8),
        "scale": np.array(rng.standard_normal(), dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    meta = {"source": "numpy", "step": "17"}
    path = os.path.join(tmp, "from_python.safetensors")
    save_file(arrays, path, metadata=meta)
    got_meta, got = parse_dump(run_tool("dump", path))
    check(got_meta == meta, f"metadata read by pad: {got_meta} != {meta}")
    check(set(got) == set(arrays), f"tensor names read by pad: {sorted(got)}")
    for name, arr in arrays.items():
        if name not in got:
            continue
        dtype, shape, values = got[name]
        check(NUMPY_DTYPE.get(dtype) == arr.dtype.type, f"{name}: dtype {dtype} for {arr.dtype}")
        check(shape == arr.shape, f"{name}: shape {shape} != {arr.shape}")
        check(values_equal(dtype, values, arr), f"{name}: values differ: {values} vs {arr.ravel()}")


def read_by_hand(path):
    """The file parsed with struct + json: (header length, header, data bytes)."""
    with open(path, "rb") as fp:
        blob = fp.read()
    (n,) = struct.unpack("<Q", blob[:8])
    return n, json.loads(blob[8:8 + n].decode("utf-8")), blob[8 + n:]


def test_python_reads_pad(tmp):
    path = os.path.join(tmp, "from_pad.safetensors")
    _, wrote = parse_dump(run_tool("write", path))
    check("w.bf16" in wrote and len(wrote) == 5, f"st_tool wrote {sorted(wrote)}")

    # by hand: the layout itself, and BF16, which numpy cannot hold
    n, header, data = read_by_hand(path)
    check(n % 8 == 0, f"header length {n} is not a multiple of 8")
    check(header.get("__metadata__") == {"format": "pt", "source": "st_tool"},
          f"__metadata__ = {header.get('__metadata__')}")
    offset = 0
    for name, (dtype, shape, values) in wrote.items():
        entry = header.get(name, {})
        check(entry.get("dtype") == dtype and tuple(entry.get("shape", ())) == shape,
              f"{name}: header entry {entry}")
        begin, end = entry.get("data_offsets", (-1, -1))
        check(begin == offset, f"{name}: begins at {begin}, expected {offset} (consecutive, in order)")
        offset = end
        raw = data[begin:end]
        arr = bf16_to_f32(raw) if dtype == "BF16" else np.frombuffer(raw, dtype=np.dtype(NUMPY_DTYPE[dtype]).newbyteorder("<"))
        check(values_equal(dtype, values, arr), f"{name}: bytes by hand differ from what st_tool wrote")
    check(offset == len(data), f"data section is {len(data)} bytes, tensors end at {offset}")

    # safe_open: metadata, and every tensor numpy can hold
    with safe_open(path, framework="numpy") as f:
        check(f.metadata() == {"format": "pt", "source": "st_tool"}, f"safe_open metadata {f.metadata()}")
        check(sorted(f.keys()) == sorted(wrote), f"safe_open keys {f.keys()}")
        for name, (dtype, shape, values) in wrote.items():
            if dtype == "BF16":
                continue
            arr = f.get_tensor(name)
            check(arr.shape == shape and arr.dtype.type == NUMPY_DTYPE[dtype], f"{name}: {arr.dtype} {arr.shape}")
            check(values_equal(dtype, values, arr), f"{name}: safe_open values differ")

    # load_file reads a whole file at once, so give it one without BF16
    plain = os.path.join(tmp, "plain.safetensors")
    _, wrote = parse_dump(run_tool("write", plain, "--no-bf16"))
    loaded = load_file(plain)
    check(sorted(loaded) == sorted(wrote), f"load_file keys {sorted(loaded)}")
    for name, (dtype, shape, values) in wrote.items():
        arr = loaded.get(name)
        check(arr is not None and arr.shape == shape and values_equal(dtype, values, arr),
              f"{name}: load_file values differ")


def main():
    with tempfile.TemporaryDirectory(prefix="pad-st-interop-") as tmp:
        test_pad_reads_python(tmp)
        test_python_reads_pad(tmp)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
