"""The helper's answers to one batch of evaluations, by every path it takes: a C-ordered
block (a flat view, set in place), a Fortran-ordered one and a strided view (set by N-d
index), a cost that returns (J, cache) or a one-element array, and, with kinks=, the path
that counts sign switches. Each answer must be the cost evaluated directly at the perturbed
parameters, and every parameter must be back at its value after the batch. Prints one
line per case and exits 1 on the first difference."""
import struct
import sys

import numpy as np

import gcverify_worker as g

rng = np.random.RandomState(3)
W1, W2, b2 = rng.randn(3, 4), rng.randn(4, 2), rng.randn(3, 1)
X = rng.randn(4, 5)


def forward(p):
    z = p["W1"].T @ np.tanh(p["W1"] @ X)
    a = np.maximum(p["W2"].T @ z, 0) + p["b2"][:2]
    return float(np.sum(a * a)), z


def kinks(p):
    return [p["W2"].T @ forward(p)[1]]


def grad(p):
    return {k: np.zeros_like(v) for k, v in p.items()}


cases = {
    "float": (lambda p: forward(p)[0], None),
    "tuple": (lambda p: forward(p), None),
    "array": (lambda p: np.array([forward(p)[0]]), None),
    "kinks": (lambda p: forward(p)[0], kinks),
}
status = 0
for name, (cost, kf) in cases.items():
    params = {"W1": W1.copy(), "W2": np.asfortranarray(W2),
              "b2": np.repeat(b2, 2, axis=0)[::2]}  # a strided view: it has no flat view
    assert not params["W2"].flags.c_contiguous and not params["b2"].flags.c_contiguous
    m = g._Model(cost, grad, params, None, kf)
    before = {k: v.copy() for k, v in params.items()}
    P = len(m.theta)
    pairs = []
    for i in list(range(P)) + [P - 1, 0, 5]:  # every block, and back again
        pairs += [i, m.theta[i] + 0.25 * (1 + i % 3)]
    body = struct.pack("<II", 1, len(pairs) // 2) + b"".join(
        struct.pack("<Qd", pairs[k], pairs[k + 1]) for k in range(0, len(pairs), 2))
    got = struct.unpack_from("<II" + "dQ" * (len(pairs) // 2), g._answer(m, body))[2:]
    for k in range(0, len(pairs), 2):
        i, v = pairs[k], pairs[k + 1]
        theta = m.theta.copy()
        theta[i] = v
        p, o = {}, 0
        for n, a in before.items():
            p[n] = theta[o:o + a.size].reshape(a.shape)
            o += a.size
        want = forward(p)[0]
        if got[k] != want:
            print("FAIL %s: index %d: helper %r, direct %r" % (name, i, got[k], want))
            status = 1
    for k, v in params.items():
        if not np.array_equal(v, before[k]):
            print("FAIL %s: %s not restored" % (name, k))
            status = 1
    print("%s %s: %d evaluations" % ("FAIL" if status else "ok  ", name, len(pairs) // 2))
sys.exit(status)
