#!/usr/bin/env python3
"""Regenerates the quantization test vectors in this folder from an implementation that is
independent of Causerie's C++ kernels: gguf-py (llama.cpp's Python package, `pip install gguf
numpy`), whose numpy quantizers reproduce ggml's reference rounding.

gguf-py has no Q8_1 or Q8_K quantizer (they are activation formats), so those two are written
out here in numpy from ggml's reference definitions (quantize_row_q8_1_ref / _q8_K_ref):
  Q8_1: d = amax/127, q = round_half_away(x/d), s = fp16(sum(q) * d)
  Q8_K: max = value of largest |x|, iscale = -127/max, q = min(127, round_half_even(iscale*x)),
        bsums = sums of 16 codes, d = 1/iscale (float32)

Output (text, one record per case, every float as its IEEE bit pattern in hex so that the
comparison in the test is exact):
  case <dequant|quantize> <TYPE> <n_elements>
  bytes <hex of the encoded row>
  floats <8-hex-digit float32 bits> ...
For dequant cases, `floats` is the expected output of decoding `bytes`; for quantize cases
`bytes` is the expected encoding of `floats`.

Usage: python3 make_vectors.py  (writes quant_vectors.txt next to this script)
With gguf-py from a llama.cpp checkout instead of PyPI's gguf:
  PYTHONPATH=.../llama.cpp/gguf-py python3 make_vectors.py
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize, np_roundf

RNG = np.random.default_rng(20261127)


def f32_hex(a):
    return " ".join(f"{int(v):08x}" for v in np.asarray(a, dtype=np.float32).view(np.uint32))


def record(out, kind, tname, n, raw, floats):
    out.append(f"case {kind} {tname} {n}")
    out.append("bytes " + bytes(np.asarray(raw, dtype=np.uint8)).hex())
    out.append("floats " + f32_hex(floats))


def fp16_bytes(values):
    return np.asarray(values, dtype=np.float32).astype(np.float16).view(np.uint8)


def random_scale(shape):
    # positive and negative scales of various magnitudes, all finite normal halves
    mag = np.exp(RNG.uniform(np.log(1e-4), np.log(2.0), size=shape)).astype(np.float32)
    sign = np.where(RNG.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)
    return mag * sign


# (type, block elements, block bytes, byte offsets of fp16 scale fields)
DEQUANT_LAYOUTS = [
    (T.Q4_0, 32, 18, [0]),
    (T.Q4_1, 32, 20, [0, 2]),
    (T.Q5_0, 32, 22, [0]),
    (T.Q5_1, 32, 24, [0, 2]),
    (T.Q8_0, 32, 34, [0]),
    (T.Q4_K, 256, 144, [0, 2]),
    (T.Q5_K, 256, 176, [0, 2]),
    (T.Q6_K, 256, 210, [208]),
]


def random_block_cases(out, layouts, large_blocks, nonnegative):
    """Blocks of random bytes with random finite fp16 scales at the layout's offsets (any bytes
    are a valid encoding, so decoding them must match): 4 blocks of a 32-element type,
    `large_blocks` of a 256-element one; the scales of the `nonnegative` types (d and dmin)
    are non-negative, as in real files."""
    for qtype, bs, bb, half_offsets in layouts:
        n_blocks = 4 if bs == 32 else large_blocks
        raw = RNG.integers(0, 256, size=(n_blocks, bb), dtype=np.uint8)
        for off in half_offsets:
            scale = random_scale(n_blocks)
            if qtype in nonnegative:
                scale = np.abs(scale)
            raw[:, off:off + 2] = fp16_bytes(scale).reshape(n_blocks, 2)
        expected = dequantize(raw, qtype).reshape(-1)
        record(out, "dequant", qtype.name, n_blocks * bs, raw.reshape(-1), expected)


def dequant_cases(out):
    random_block_cases(out, DEQUANT_LAYOUTS, 2, (T.Q4_K, T.Q5_K))

    # F16 / BF16: random finite bit patterns (normals and subnormals) through numpy / gguf.
    h = RNG.integers(0, 0x10000, size=64, dtype=np.uint16)
    h = h[(h & 0x7C00) != 0x7C00]  # no inf/NaN here; the C++ test checks those by hand
    record(out, "dequant", "F16", h.size, h.view(np.uint8), h.view(np.float16).astype(np.float32))
    b = RNG.integers(0, 0x10000, size=64, dtype=np.uint16)
    b = b[(b & 0x7F80) != 0x7F80]
    record(out, "dequant", "BF16", b.size, b.view(np.uint8), dequantize(b.view(np.uint8), T.BF16))


# Types gguf-py can decode but not encode: blocks of random bytes with random finite fp16
# scales (any bytes are a valid encoding, so decoding them must match). Generated after every
# other case so that adding them left the earlier vectors unchanged.
LOWBIT_LAYOUTS = [
    (T.Q2_K, 256, 84, [80, 82]),
    (T.Q3_K, 256, 110, [108]),
    (T.IQ4_NL, 32, 18, [0]),
    (T.IQ4_XS, 256, 136, [0]),
]


def lowbit_dequant_cases(out):
    random_block_cases(out, LOWBIT_LAYOUTS, 3, (T.Q2_K,))


def activation_rows(n):
    """Rows that exercise the rounding rules: random values at several magnitudes, plus a
    first block of exact halves (x/d lands on .5) where round-half-away and round-half-even
    disagree."""
    x = (RNG.standard_normal(n) * np.exp(RNG.uniform(-3, 3, size=n))).astype(np.float32)
    ties = np.array([127.0, 2.5, -3.5, 0.5, -0.5, 1.5, -1.5, 4.5, 6.5, -10.5, 100.5, -126.5,
                     0.0, 3.0, -7.0, 64.5], dtype=np.float32)
    x[:ties.size] = ties
    x[32:32 + ties.size] = ties  # also the first block of the second 32-element block
    return x


def quantize_q8_1(x):
    blocks = x.reshape(-1, 32)
    d = (np.abs(blocks).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    q = np_roundf((blocks * inv).astype(np.float32)).astype(np.int8)
    s = (q.astype(np.int32).sum(axis=1, keepdims=True).astype(np.float32) * d).astype(np.float32)
    return np.concatenate([fp16_bytes(d).reshape(-1, 2), fp16_bytes(s).reshape(-1, 2),
                           q.view(np.uint8)], axis=1).reshape(-1)


def quantize_q8_k(x):
    out = []
    for blk in x.reshape(-1, 256):
        i = int(np.argmax(np.abs(blk)))  # first index of the largest magnitude
        mx = blk[i]
        if mx == 0:
            d = np.float32(0)
            q = np.zeros(256, dtype=np.int8)
        else:
            iscale = np.float32(-127.0) / mx
            v = np.rint((iscale * blk).astype(np.float32))  # rint: half to even, as nearest_int
            q = np.minimum(v, 127).astype(np.int8)
            d = np.float32(1.0) / iscale
        bsums = q.astype(np.int32).reshape(16, 16).sum(axis=1).astype(np.int16)
        out.append(np.concatenate([np.array([d], dtype=np.float32).view(np.uint8),
                                   q.view(np.uint8), bsums.view(np.uint8)]))
    return np.concatenate(out)


def quantize_cases(out):
    x = activation_rows(512)
    for qtype in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1):
        n = 128
        raw = quantize(x[:n].reshape(1, n), qtype).reshape(-1)
        record(out, "quantize", qtype.name, n, raw, x[:n])
    record(out, "quantize", "Q8_1", 128, quantize_q8_1(x[:128]), x[:128])
    record(out, "quantize", "Q8_K", 512, quantize_q8_k(x), x)
    zero_first = x.copy()
    zero_first[:256] = 0  # an all-zero super-block takes ggml's d = 0 branch
    record(out, "quantize", "Q8_K", 512, quantize_q8_k(zero_first), zero_first)

    # fp32 -> bf16 / fp16 round to nearest even, including values that round into halves'
    # subnormal range and past their largest finite value.
    f = np.concatenate([
        (RNG.standard_normal(48) * np.exp(RNG.uniform(-20, 12, size=48))).astype(np.float32),
        np.array([65504, 65519.99, 65520, -70000, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-9,
                  -0.0, 1.0009766, 1.00048828125, 1.00146484375, 3.0517578e-05, 1e30, 0.1],
                 dtype=np.float32),
    ])
    with np.errstate(over="ignore"):  # values past 65520 are meant to become inf
        h = f.astype(np.float16)
    record(out, "quantize", "F16", f.size, h.view(np.uint8), f)
    record(out, "quantize", "BF16", f.size, quantize(f, T.BF16).reshape(-1), f)


def main():
    from importlib.metadata import version
    out = [f"# generated by make_vectors.py with gguf {version('gguf')} and numpy {np.__version__};"
           " do not edit by hand"]
    dequant_cases(out)
    quantize_cases(out)
    lowbit_dequant_cases(out)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quant_vectors.txt")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
