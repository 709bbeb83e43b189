#!/usr/bin/env python3
"""Writes the data files of the bad-input corpus (.npy, .csv, .mat) into tests/bad-inputs/data/.

The files are committed; this script is how they were made (no NumPy needed: every byte is
written by hand, which is the point for files that lie). Run it from anywhere:
    python3 tests/bad-inputs/make-data.py
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def npy(name, dict_text, payload=b"", version=1, raw_header=None):
    """A .npy with the header dict padded to a multiple of 64 bytes, as NumPy writes it."""
    pre = 10 if version == 1 else 12
    if raw_header is None:
        d = dict_text.encode("latin-1")
        total = (pre + len(d) + 1 + 63) // 64 * 64
        header = d + b" " * (total - pre - len(d) - 1) + b"\n"
    else:
        header = raw_header
    size = struct.pack("<H", len(header)) if pre == 10 else struct.pack("<I", len(header))
    body = b"\x93NUMPY" + bytes([version, 0]) + size + header + payload
    path = os.path.join(DATA, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(body)


def hdr(descr, shape, fortran=False):
    s = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", s)


def f8(values, big=False):
    return struct.pack((">" if big else "<") + "%dd" % len(values), *values)


def mat5(name, variables):
    """An uncompressed little-endian MATLAB level-5 file. variables: (name, stored type, dims,
    values in MATLAB's column-major order); every class is double, and the stored type may be
    narrower, as MATLAB writes integer-valued doubles (data/data.mat stores y as miUINT8)."""
    codes = {"int8": (1, "b"), "uint8": (2, "B"), "int16": (3, "h"), "double": (9, "d")}

    def element(mi, payload):
        return struct.pack("<II", mi, len(payload)) + payload + b"\0" * (-len(payload) % 8)

    body = b""
    for var, stored, dims, values in variables:
        mi, fmt = codes[stored]
        sub = element(6, struct.pack("<II", 6, 0))                    # flags: mxDOUBLE_CLASS
        sub += element(5, struct.pack("<%di" % len(dims), *dims))    # dimensions
        sub += element(1, var.encode("ascii"))                       # name
        sub += element(mi, struct.pack("<%d%s" % (len(values), fmt), *values))
        body += element(14, sub)                                     # miMATRIX
    text = b"MATLAB 5.0 MAT-file, written by tests/bad-inputs/make-data.py"
    header = text.ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    with open(os.path.join(DATA, name), "wb") as f:
        f.write(header + body)


def text(name, content):
    with open(os.path.join(DATA, name), "w", newline="") as f:
        f.write(content)


def main():
    if os.path.isdir(DATA):
        shutil.rmtree(DATA)
    os.makedirs(DATA)
    nan, inf = float("nan"), float("inf")
    # Good arrays for a 4-3-1 net on 3 examples: X (4, 3), Y (1, 3).
    x = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75, -2.0, 1.0, 0.125, 3.0, -0.5, 0.0]
    npy("X.npy", hdr("<f8", (4, 3)), f8(x))
    npy("Y.npy", hdr("<f8", (1, 3)), f8([0.0, 1.0, 1.0]))
    # A shared object's ELF header (64-bit, little-endian, ET_DYN) built for aarch64 (183):
    # the plugin loader names the machine instead of passing on dlopen's "No such file".
    with open(os.path.join(DATA, "aarch64.so"), "wb") as f:
        f.write((b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) +
                 struct.pack("<HHI", 3, 183, 1)).ljust(64, b"\0"))

    # Broken containers
    with open(os.path.join(DATA, "bad-magic.npy"), "wb") as f:
        f.write(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40)  # a zip (.npz?)
    open(os.path.join(DATA, "empty.npy"), "wb").close()
    npy("fortran.npy", hdr("<f8", (4, 3), fortran=True), f8(x))
    npy("truncated.npy", hdr("<f8", (4, 3)), f8(x)[:50])
    npy("trailing.npy", hdr("<f8", (4, 3)), f8(x) + b"\x00\x00\x00")
    npy("version4.npy", hdr("<f8", (4, 3)), f8(x), version=4)
    with open(os.path.join(DATA, "header-16mib.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 24) + b"{'descr'")
    with open(os.path.join(DATA, "short-header.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + b"{'descr': '<f8', ")

    # Headers that lie about the size
    npy("lying-shape.npy", hdr("<f8", (4, 2000000000)), f8(x))
    npy("overflow-shape.npy", hdr("<f8", (4294967296, 4294967296)), f8(x))
    npy("bigdim.npy", hdr("<f8", (99999999999999999999, 3)), f8(x))
    npy("nine-dims.npy", hdr("<f8", (4, 3, 1, 1, 1, 1, 1, 1, 1)), f8(x))
    npy("three-d.npy", hdr("<f8", (4, 3, 1)), f8(x))

    # Wrong dtypes and header contents
    npy("complex.npy", hdr("<c16", (4, 3)), b"\x00" * 192)
    npy("object.npy", hdr("|O", (4, 3)), b"\x00" * 96)
    npy("unicode.npy", hdr("<U10", (4, 3)), b"\x00" * 480)
    npy("half.npy", hdr("<f2", (4, 3)), b"\x00" * 24)
    npy("extra-key.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), 'x': 1}",
        f8(x))
    npy("newline-header.npy", "{'descr': '<f8',\n'fortran_order': Nope, 'shape': (4, 3), }",
        f8(x))
    npy("structured.npy", "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (4, 3), }",
        f8(x))

    # Values: non-finite, labels out of range, wrong shapes
    xn = list(x)
    xn[2 * 3 + 1] = nan
    npy("nan.npy", hdr("<f8", (4, 3)), f8(xn))
    xi = list(x)
    xi[0 * 3 + 2] = -inf
    npy("inf-f4-big.npy", hdr(">f4", (4, 3)), struct.pack(">12f", *xi))
    npy("Y-nan.npy", hdr("<f8", (1, 3)), f8([0.0, nan, 1.0]))
    npy("Y-label-2.npy", hdr("|u1", (1, 3)), bytes([0, 2, 1]))
    npy("Y-ids-3.npy", hdr("<i8", (3,)), struct.pack("<3q", 0, 3, 1))
    npy("Y-1x4.npy", hdr("<f8", (1, 4)), f8([0.0, 1.0, 1.0, 0.0]))

    # Parameter folders for a 4-3-1 net
    w1 = [0.1 * k for k in range(12)]
    def params(folder, blocks):
        for name, (shape, vals) in blocks.items():
            npy(os.path.join(folder, name + ".npy"), hdr("<f8", shape), f8(vals))
    good = {"W1": ((3, 4), w1), "b1": ((3, 1), [0.0] * 3), "W2": ((1, 3), [1.0, -1.0, 0.5]),
            "b2": ((1, 1), [0.0])}
    params("params-transposed", dict(good, W1=((4, 3), w1)))
    params("params-inf", dict(good, b1=((3, 1), [0.0, inf, 0.0])))
    params("params-missing", {k: v for k, v in good.items() if k != "b2"})

    # CSV tables for a 4-3-1 net: rows are examples, the last column the label
    text("labels.csv", "x1,x2,x3,x4,label\n0.5,-1,2,1.5,0\n0.25,-0.75,-2,1,1\n0.5,1,2,1.5,0\n")
    text("ragged.csv", "a,b,c,d,label\n1,2,3,4,0\n5,6,7\n")
    text("text-field.csv", "a,b,c,d,label\n1,2,three,4,0\n")
    text("label-twice.csv", "y,x1,x2,x3,y\n0,1,2,3,1\n1,4,5,6,0\n")
    text("first-row-typo-1.csv", "0.5,-l,2,1.5,0\n0.25,-0.75,-2,1,1\n0.5,1,2,1.5,0\n")

    # MATLAB: X as (examples, features) = (3, 4), y stored as uint8 with a 2 in it
    xt = [x[k * 3 + j] for j in range(3) for k in range(4)]      # X.T, row-major (3, 4)
    xcol = [xt[i * 4 + k] for k in range(4) for i in range(3)]   # column-major
    mat5("labels-2.mat", [("X", "double", (3, 4), xcol), ("y", "uint8", (3, 1), [0, 2, 1])])


if __name__ == "__main__":
    main()
