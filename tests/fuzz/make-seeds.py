#!/usr/bin/env python3
"""Writes the hand-made seeds of tests/fuzz/seeds/ (the other seeds are taken from configs/,
tests/bad-inputs/ and tests/bad-inputs/data/ by scripts/fuzz). Valid files mostly, of every
kind each reader accepts, so the fuzzer starts from deep inside the parsers; the bad-input
corpus supplies the broken ones. Standard library only (no NumPy). Run from anywhere:
    python3 tests/fuzz/make-seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def npy(descr, shape, payload, version=(1, 0), fortran=False, extra=""):
    shp = "(" + "".join(f"{d}, " for d in shape).rstrip(", ") + ("," if len(shape) == 1 else "") + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shp}, {extra}}}"
    hlen_size = 2 if version[0] == 1 else 4
    pre = 6 + 2 + hlen_size
    total = pre + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    enc = header.encode("utf-8" if version[0] == 3 else "latin1")
    hl = struct.pack("<H" if hlen_size == 2 else "<I", len(enc))
    return b"\x93NUMPY" + bytes(version) + hl + enc + payload


def write(sub, name, data):
    d = os.path.join(HERE, "seeds", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def main():
    vals = [0.5, -1.25, 3.0, 1e-300, -0.0, 2.5e10]
    write("npy", "f8-2x3.npy", npy("<f8", (2, 3), struct.pack("<6d", *vals)))
    write("npy", "f8-big-endian.npy", npy(">f8", (3, 2), struct.pack(">6d", *vals)))
    write("npy", "f4-6.npy", npy("<f4", (6,), struct.pack("<6f", *vals[:3], 0, 1, 2)))
    write("npy", "i1-2x2.npy", npy("|i1", (2, 2), struct.pack("<4b", -128, 127, 0, 1)))
    write("npy", "u1-1x4.npy", npy("|u1", (1, 4), bytes([0, 1, 255, 7])))
    write("npy", "i2-be.npy", npy(">i2", (2,), struct.pack(">2h", -300, 300)))
    write("npy", "u2.npy", npy("<u2", (2,), struct.pack("<2H", 65535, 1)))
    write("npy", "i4.npy", npy("<i4", (3,), struct.pack("<3i", -1, 2, 2**31 - 1)))
    write("npy", "u4.npy", npy("<u4", (1, 1), struct.pack("<I", 2**32 - 1)))
    write("npy", "i8.npy", npy("<i8", (2,), struct.pack("<2q", -2**63, 2**53 + 1)))
    write("npy", "u8-be.npy", npy(">u8", (1,), struct.pack(">Q", 2**64 - 1)))
    write("npy", "bool.npy", npy("|b1", (3,), bytes([0, 1, 1])))
    write("npy", "scalar-0d.npy", npy("<f8", (), struct.pack("<d", 42.0)))
    write("npy", "empty-0x3.npy", npy("<f8", (0, 3), b""))
    write("npy", "three-d-2x2x2.npy", npy("<f8", (2, 2, 2), struct.pack("<8d", *range(8))))
    write("npy", "v2.npy", npy("<f8", (2, 1), struct.pack("<2d", 1, 2), version=(2, 0)))
    write("npy", "v3-utf8.npy", npy("<f8", (1,), struct.pack("<d", 1), version=(3, 0)))
    write("npy", "fortran-true.npy", npy("<f8", (2, 2), struct.pack("<4d", 1, 2, 3, 4), fortran=True))
    write("npy", "nan-inf.npy", npy("<f8", (3,), struct.pack("<3d", float("nan"), float("inf"), -float("inf"))))

    write("csv", "header.csv", "x1,x2,y\n0.5,1.5,0\n-1e-3,2,1\n3.25,-4,0\n")
    write("csv", "no-header.csv", "1,2,3\n4,5,6\n")
    write("csv", "semicolon.csv", "a;b\n1;2\n3;4\n")
    write("csv", "tabs.csv", "a\tb\n1\t2\n3\t4\n")
    write("csv", "crlf-bom.csv", "\ufeffa,b\r\n1,2\r\n3,4\r\n\r\n")
    write("csv", "quoted.csv", '"name, with comma","say ""hi"""\n"1.5",2\n 3 , 4 \n')
    write("csv", "exponents.csv", "1e308,-1e-308,0x1p3\n+1.,.5,-0\n")
    write("csv", "ragged.csv", "1,2,3\n4,5\n")
    write("csv", "text-field.csv", "1,2\n3,abc\n")
    write("csv", "nan.csv", "1,NaN\ninf,2\n")
    write("csv", "empty-field.csv", "1,,3\n")
    write("csv", "one.csv", "7\n")
    write("csv", "unterminated-quote.csv", '"a,b\n1,2\n')

    write("config", "npy-data.json",
          '{"name": "npy", "model": {"layers": [4, 3, 1]}, "data": {"source": "npy", '
          '"x": "data/X.npy", "y": "data/Y.npy", "layout": "features_by_examples"}, '
          '"check": {"examples": 2, "sample": {"per_block": 2, "seed": 3}}}\n')
    write("config", "npy-params-dir.json",
          '{"model": {"layers": [4, 5, 3, 1], "params": {"npy_dir": "data/params-missing"}}, '
          '"data": {"source": "synthetic", "examples": 3, "seed": 1}}\n')
    write("config", "values-inline.json",
          '{"model": {"layers": [2, 2, 1], "hidden_activation": "tanh", '
          '"output_activation": "sigmoid", "loss": "binary_cross_entropy", '
          '"params": {"values": {"W1": [[0.1, -0.2], [0.3, 0.4]], "b1": [[0], [0.1]], '
          '"W2": [[0.5, -0.5]], "b2": [[0.2]]}}}, '
          '"data": {"source": "inline", "x": [[1, 0, -1], [0.5, 2, 0]], "y": [[1, 0, 1]]}, '
          '"check": {"method": "forward", "epsilon": "auto", "threshold": 1e-5, "threads": 2}, '
          '"report": {"top": 3, "json": "r.json", "params": "all"}}\n')
    write("config", "softmax-ids.json",
          '{"model": {"layers": [3, 4, 3], "hidden_activation": ["leaky_relu"], "leaky_slope": 0.1, '
          '"output_activation": "softmax", "loss": "softmax_cross_entropy", "l2": 0.5, '
          '"dropout": {"keep_prob": 0.7, "seed": 9}, "params": {"init": "normal", "scale": 0.3, "seed": 2}, '
          '"inject": [{"block": "W1", "kind": "wrong_derivative", "with": "relu"}, '
          '{"block": "b2", "kind": "drop_mean"}]}, '
          '"data": {"source": "inline", "x": [[1, 2], [3, 4], [5, 6]], "y": [[0, 2]]}}\n')
    write("config", "mse-linear.json",
          '{"model": {"layers": [1, 1], "output_activation": "linear", "loss": "mse", '
          '"params": {"init": "xavier", "seed": 0}, "inject": [{"block": "W1", "kind": "drop_l2"}], "l2": 1}, '
          '"data": {"source": "synthetic", "examples": 1, "seed": 0}, '
          '"check": {"method": "richardson", "rtol": 0, "atol": 0}}\n')


if __name__ == "__main__":
    main()
