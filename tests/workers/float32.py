"""A float32 worker (tests/workers-test.sh): tanh(W x) summed, W 3×4 float32; with
model.options {"mixed": true} b is float64 beside the float32 W, which the helper refuses."""
import numpy as np

import gcverify_worker

rng = np.random.RandomState(0)
W = rng.randn(3, 4).astype(np.float32)
x = rng.randn(4).astype(np.float32)
params = {"W": W}
if gcverify_worker.options().get("mixed"):
    params["b"] = np.zeros(3)
gcverify_worker.serve(cost=lambda p: float(np.sum(np.tanh(p["W"] @ x))),
                      gradient=lambda p: {"dW": np.outer(1 - np.tanh(p["W"] @ x) ** 2, x),
                                          "db": np.zeros(3)},
                      params=params)
