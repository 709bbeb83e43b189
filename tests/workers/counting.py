"""A worker that counts its cost evaluations (tests/workers-test.sh): tanh(W x) summed plus
b·b, W 3×4 and b 3×1 float64; each call of the cost appends a line to the file that
model.options "log" names, so the test can compare what the worker computed with the
evaluations gcverify reports (prefetched points included)."""
import numpy as np

import gcverify_worker

LOG = gcverify_worker.options()["log"]
rng = np.random.RandomState(1)
x = rng.randn(4)
params = {"W": rng.randn(3, 4), "b": rng.randn(3, 1)}


def cost(p):
    with open(LOG, "a") as f:
        f.write("J\n")
    return float(np.sum(np.tanh(p["W"] @ x)) + np.sum(p["b"] * p["b"]))


gcverify_worker.serve(cost=cost,
                      gradient=lambda p: {"dW": np.outer(1 - np.tanh(p["W"] @ x) ** 2, x),
                                          "db": 2 * p["b"]},
                      params=params)
