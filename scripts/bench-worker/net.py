"""The bench's worker model: the course's LINEAR->RELU->...->SIGMOID network in NumPy, sized
so that one cost evaluation takes well over 50 microseconds (layers 20-16-8-1 on 1000
examples, one thread), and the seed notebook's serial gradient_check_n loop over the same functions.
    python3 net.py          serves gcverify (model.type "process", scripts/bench-worker/net.json;
                            net-trivial.json: J = 0 at once, the protocol's own cost)
    python3 net.py loop     times the serial loop and one evaluation; prints
                            "loop_seconds eval_seconds parameters difference"
"""
import sys
import time

import numpy as np

LAYERS = [20, 16, 8, 1]
M = 1000


def setup():
    rng = np.random.RandomState(7)
    X = rng.randn(LAYERS[0], M)
    Y = (rng.rand(1, M) > 0.5).astype(np.float64)
    p = {}
    for l in range(1, len(LAYERS)):
        p["W%d" % l] = rng.randn(LAYERS[l], LAYERS[l - 1]) * np.sqrt(2.0 / LAYERS[l - 1])
        p["b%d" % l] = rng.randn(LAYERS[l], 1) * 0.1
    return X, Y, p


def forward(X, Y, p):
    L = len(LAYERS) - 1
    A, cache = X, [X]
    for l in range(1, L + 1):
        Z = p["W%d" % l] @ A + p["b%d" % l]
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
        cache.append(A)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / X.shape[1]
    return cost, cache


def backward(X, Y, p, cache):
    L = len(LAYERS) - 1
    g = {}
    dZ = cache[L] - Y
    for l in range(L, 0, -1):
        g["dW%d" % l] = dZ @ cache[l - 1].T / X.shape[1]
        g["db%d" % l] = np.sum(dZ, axis=1, keepdims=True) / X.shape[1]
        if l > 1:
            dZ = (p["W%d" % l].T @ dZ) * (cache[l - 1] > 0)
    return g


def dictionary_to_vector(p):
    return np.concatenate([p[k].reshape(-1, 1) for k in p]), list(p)


def vector_to_dictionary(theta, like):
    out, o = {}, 0
    for k, v in like.items():
        out[k] = theta[o:o + v.size].reshape(v.shape)
        o += v.size
    return out


def gradient_check_n(p, grads, X, Y, epsilon=1e-7):
    """The notebook's loop: two full forward passes per parameter, serially."""
    values, _ = dictionary_to_vector(p)
    grad = np.concatenate([grads["d" + k].reshape(-1, 1) for k in p])
    n = values.shape[0]
    approx = np.zeros((n, 1))
    for i in range(n):
        tp = np.copy(values)
        tp[i][0] += epsilon
        jp, _ = forward(X, Y, vector_to_dictionary(tp, p))
        tm = np.copy(values)
        tm[i][0] -= epsilon
        jm, _ = forward(X, Y, vector_to_dictionary(tm, p))
        approx[i] = (jp - jm) / (2 * epsilon)
    return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))


X, Y, params = setup()
if len(sys.argv) > 1 and sys.argv[1] == "loop":
    grads = backward(X, Y, params, forward(X, Y, params)[1])
    t0 = time.perf_counter()
    diff = gradient_check_n(params, grads, X, Y)
    loop = time.perf_counter() - t0
    reps = 2000
    t0 = time.perf_counter()
    for _ in range(reps):
        forward(X, Y, params)
    ev = (time.perf_counter() - t0) / reps
    print(loop, ev, sum(v.size for v in params.values()), diff)
else:
    import os
    import gcverify_worker
    # {"trivial": true}: a cost of 0 computed in no time, to time the protocol alone.
    # $GCV_BENCH_COST_FILE: where each worker appends, as CPU seconds (time.process_time, so
    # that what else the machine runs does not count): its whole serve(), its set-up (serve()
    # up to its first cost() call, which follows the helper's one gradient() call), the
    # number of cost() calls it answered, and then, measured in this process after serving,
    # one cost() and one gradient(). The rest of serve() is what the protocol and the helper
    # cost. One clock read, at the first call: a read per call would cost more than what the
    # trivial worker's cost() measures.
    trivial = gcverify_worker.options().get("trivial", False)
    calls = [0]
    first = [0.0]

    def cost(p):
        if calls[0] == 0:
            first[0] = time.process_time()
        calls[0] += 1
        return 0.0 if trivial else forward(X, Y, p)[0]

    def gradient(p):
        if trivial:
            return {k: np.zeros_like(v) for k, v in p.items()}
        return backward(X, Y, p, forward(X, Y, p)[1])

    serve0 = time.process_time()
    gcverify_worker.serve(cost=cost, gradient=gradient, params=params,
                          description="bench: 20-16-8-1 on %d examples" % M, examples=M)
    served = time.process_time() - serve0
    if os.environ.get("GCV_BENCH_COST_FILE"):
        n = calls[0]
        t0 = time.process_time()
        for _ in range(300):
            cost(params)
        one = (time.process_time() - t0) / 300
        t0 = time.process_time()
        for _ in range(30):
            gradient(params)
        grad = (time.process_time() - t0) / 30
        with open(os.environ["GCV_BENCH_COST_FILE"], "a") as f:
            f.write("%r %r %d %r %r\n" % (served, first[0] - serve0, n, one, grad))
