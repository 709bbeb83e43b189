#!/usr/bin/env python3
"""Gradient dumps for tests/dumps-test.sh, written without NumPy (the test suite must run
where NumPy is not installed): the course assignment's forward_propagation_n and
backward_propagation_n (LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID, cross-entropy averaged over
m) in plain Python on its gradient_check_n_test_case values, and the files written the way
np.save, np.savez and np.savez_compressed write them (.npy format 1.0 members, zip64 local
headers, stored or deflated).

usage: make-dumps.py OUTDIR
"""
import math
import os
import struct
import sys
import zipfile

X = [[1.6243453636632417, -0.6117564136500754, -0.5281717522634557],
     [-1.0729686221561705, 0.8654076293246785, -2.3015386968802827],
     [1.74481176421648, -0.7612069008951028, 0.31903909605709857],
     [-0.2493703754774101, 1.462107937044974, -2.060140709497654]]
Y = [[1, 1, 0]]
P = {
    "W1": [[-0.3224172040135075, -0.38405435466841564, 1.1337694423354374, -1.0998912673140309],
           [-0.17242820755043575, -0.8778584179213718, 0.04221374671559283, 0.5828152137158222],
           [-1.1006191772129212, 1.1447237098396141, 0.9015907205927955, 0.5024943389018682],
           [0.9008559492644118, -0.6837278591743331, -0.12289022551864817, -0.9357694342590688],
           [-0.2678880796260159, 0.530355466738186, -0.691660751725309, -0.39675352685597737]],
    "b1": [[-0.6871727001195994], [-0.8452056414987196], [-0.671246130836819],
           [-0.01266459891890136], [-1.1173103486352778]],
    "W2": [[0.23441569781709215, 1.6598021771098705, 0.7420441605773356, -0.19183555236161492,
            -0.8876289640848363],
           [-0.7471582937508376, 1.6924546010277466, 0.05080775477602897, -0.6369956465693534,
            0.19091548466746602],
           [2.100255136478842, 0.12015895248162915, 0.6172031097074192, 0.3001703199558275,
            -0.35224984649351865]],
    "b2": [[-1.1425181980221402], [-0.3493427224128775], [-0.2088942333747781]],
    "W3": [[0.5866231911821976, 0.8389834138745049, 0.9311020813035573]],
    "b3": [[0.2855873252542588]],
}


def dot(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def T(a):
    return [list(r) for r in zip(*a)]


def plus_b(z, b):
    return [[v + b[i][0] for v in row] for i, row in enumerate(z)]


def ew(f, *ms):
    return [[f(*vs) for vs in zip(*rows)] for rows in zip(*ms)]


def scale(s, a):
    return ew(lambda v: s * v, a)


def rowsum(a):
    return [[sum(r)] for r in a]


def forward(p, X=X, Y=Y):
    m = len(X[0])
    Z1 = plus_b(dot(p["W1"], X), p["b1"]); A1 = ew(lambda v: max(v, 0.0), Z1)
    Z2 = plus_b(dot(p["W2"], A1), p["b2"]); A2 = ew(lambda v: max(v, 0.0), Z2)
    Z3 = plus_b(dot(p["W3"], A2), p["b3"]); A3 = ew(lambda v: 1 / (1 + math.exp(-v)), Z3)
    cost = sum(-math.log(a) * y - math.log(1 - a) * (1 - y)
               for a, y in zip(A3[0], Y[0])) / m
    return cost, (Z1, A1, Z2, A2, A3)


def backward(p, cache, buggy, X=X, Y=Y):
    """The course's backward_propagation_n; buggy keeps its two planted bugs (dW2 × 2,
    db1 × 4)."""
    m = len(X[0])
    Z1, A1, Z2, A2, A3 = cache
    dZ3 = ew(lambda a, y: a - y, A3, Y)
    g = {"dZ3": dZ3, "dW3": scale(1 / m, dot(dZ3, T(A2))), "db3": scale(1 / m, rowsum(dZ3))}
    dA2 = dot(T(p["W3"]), dZ3)
    dZ2 = ew(lambda d, a: d * (1 if a > 0 else 0), dA2, A2)
    g["dW2"] = scale(1 / m, dot(dZ2, T(A1)))
    if buggy:
        g["dW2"] = scale(2, g["dW2"])
    g["db2"] = scale(1 / m, rowsum(dZ2))
    dA1 = dot(T(p["W2"]), dZ2)
    dZ1 = ew(lambda d, a: d * (1 if a > 0 else 0), dA1, A1)
    g["dW1"] = scale(1 / m, dot(dZ1, T(X)))
    g["db1"] = scale((4 if buggy else 1) / m, rowsum(dZ1))
    g.update({"dA2": dA2, "dZ2": dZ2, "dA1": dA1, "dZ1": dZ1})
    return g


def npy(a, descr="<f8", fortran=False):
    """The bytes np.save writes for a: a 2-D list, a 1-D tuple or a scalar."""
    if isinstance(a, list):
        shape = (len(a), len(a[0]))
        flat = [v for col in T(a) for v in col] if fortran else [v for r in a for v in r]
        sh = "(%d, %d)" % shape
    elif isinstance(a, tuple):
        flat, sh = list(a), "(%d,)" % len(a)
    else:
        flat, sh = [a], "()"
    head = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", sh)
    pad = 64 - (10 + len(head) + 1) % 64
    head = head + " " * (pad % 64) + "\n"
    fmt = {"<f8": "<d", "<f4": "<f", "|u1": "B", "<i8": "<q"}[descr]
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode("latin1") +
            b"".join(struct.pack(fmt, v) for v in flat))


def savez(path, arrays, compressed):
    """np.savez / np.savez_compressed: NAME.npy members, zip64 local headers."""
    mode = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=mode, allowZip64=True) as z:
        for name, data in arrays.items():
            with z.open(name + ".npy", "w", force_zip64=True) as f:
                f.write(data)


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def dump(buggy, weights_t=False, fortran=(), y_uint8=False, cost_shift=1.0, y_1d=False,
         single=False):
    """single: every parameter, gradient and J float32, as code run in float32 saves them
    (the parameters rounded to float32 first, the rest computed from them)."""
    p = {k: ew(f32, v) for k, v in P.items()} if single else P
    cost, cache = forward(p)
    g = backward(p, cache, buggy)
    out = {}
    descr = "<f4" if single else "<f8"
    for k, v in list(p.items()) + list(g.items()):
        t = weights_t and k.lstrip("d").startswith("W")
        out[k] = npy(T(v) if t else v, descr, fortran=k in fortran)
    out["X"] = npy(X)
    # np.array([1, 1, 0]), as the course's test case makes Y: 1-D int64
    out["Y"] = (npy(tuple(Y[0]), "<i8") if y_1d else npy(Y, "|u1") if y_uint8
                else npy([[float(v) for v in Y[0]]]))
    out["J"] = npy(cost * cost_shift, descr)
    return out


def notebook():
    """The notebook's 2-3-2-1 network as it keeps it: W_l (n_{l-1}, n_l) (it computes
    np.dot(W1.T, X)), gradients named dJ_dW1, dJ_db1, ..., labels uint8 as data.mat stores
    them."""
    x = [[0.3, -0.5, 0.1, 0.45, -0.2, 0.05], [0.2, 0.4, -0.35, -0.1, 0.5, -0.45]]
    y = [[1, 0, 1, 0, 1, 0]]
    p = {"W1": [[0.9, -0.4], [-0.7, 1.1], [0.5, 0.8]], "b1": [[0.05], [-0.1], [0.2]],
         "W2": [[0.6, -0.9, 0.3], [-0.2, 0.7, 1.0]], "b2": [[0.1], [-0.05]],
         "W3": [[1.2, -0.8]], "b3": [[0.02]]}
    cost, cache = forward(p, x, y)
    g = backward(p, cache, False, x, y)
    out = {}
    for k, v in p.items():
        out[k] = npy(T(v) if k[0] == "W" else v)
    for k in ("W1", "b1", "W2", "b2", "W3", "b3"):
        v = g["d" + k]
        out["dJ_d" + k] = npy(T(v) if k[0] == "W" else v)
    out["X"] = npy(x)
    out["Y"] = npy(y, "|u1")
    out["J"] = npy(cost)
    return out


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    savez(os.path.join(d, "buggy.npz"), dump(True, y_1d=True), False)
    savez(os.path.join(d, "fixed.npz"), dump(False), False)
    savez(os.path.join(d, "buggy-compressed.npz"), dump(True, y_uint8=True), True)
    savez(os.path.join(d, "fixed-fortran.npz"), dump(False, fortran=("W1", "W2", "dW2")), True)
    savez(os.path.join(d, "fixed-in-out.npz"), dump(False, weights_t=True), False)
    savez(os.path.join(d, "cost-differs.npz"), dump(False, cost_shift=3.0), False)
    savez(os.path.join(d, "buggy-f32.npz"), dump(True, single=True), True)
    savez(os.path.join(d, "fixed-f32.npz"), dump(False, single=True), True)
    savez(os.path.join(d, "notebook.npz"), notebook(), False)
    x_rows = dump(False)
    x_rows["X"] = npy(T(X))  # one example per row
    savez(os.path.join(d, "x-rows.npz"), x_rows, False)
    no_dw3 = dump(False)
    del no_dw3["dW3"]
    savez(os.path.join(d, "no-dW3.npz"), no_dw3, False)
    no_data = dump(False)
    for k in ("X", "Y", "J"):
        del no_data[k]
    savez(os.path.join(d, "no-data.npz"), no_data, False)
    folder = os.path.join(d, "fixed-npy")
    os.makedirs(folder, exist_ok=True)
    for k, v in dump(False, fortran=("dW1",)).items():
        with open(os.path.join(folder, k + ".npy"), "wb") as f:
            f.write(v)


if __name__ == "__main__":
    main()
