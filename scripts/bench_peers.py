#!/usr/bin/python3
"""What users would otherwise run, on exactly the inputs gcverify checked (gcverify --export).

    bench_peers.py DIR LAYERS HIDDEN OUTPUT LOSS L2 BUDGET_SECONDS

Prints one line per peer: "peer NAME seconds S params K of P extrapolated yes|no difference D".

numpy: the course assignment's gradient_check_n loop (copy θ, ±ε, full forward through
vector_to_dictionary, per parameter), ε = 1e-7, OpenBLAS as Debian ships it, default threads.
torch: torch.autograd.gradcheck in float64 on the same cost, with θ as the input.
When the whole check would take longer than the budget, a prefix of the parameters is timed
and the figure extrapolated linearly (every parameter costs the same full forward pass).
"""
import sys
import time

import numpy as np


def load(d, L):
    blocks = []
    for l in range(1, L + 1):
        blocks.append(np.load(f"{d}/W{l}.npy"))
        blocks.append(np.load(f"{d}/b{l}.npy"))
    return blocks, np.load(f"{d}/X.npy"), np.load(f"{d}/Y.npy")


def act(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    return z


def cost_np(theta, shapes, X, Y, hidden, output, loss, l2):
    # vector_to_dictionary, then forward_propagation_n (the course assignment) and
    # compute_cost (the blog post)
    params, k = [], 0
    for s in shapes:
        n = s[0] * s[1]
        params.append(theta[k:k + n].reshape(s))
        k += n
    A = X
    L = len(params) // 2
    for l in range(L):
        Z = params[2 * l] @ A + params[2 * l + 1]
        A = act(hidden, Z) if l < L - 1 else Z
    m = X.shape[1]
    if output == "sigmoid":
        A = 1 / (1 + np.exp(-A))
        J = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    elif output == "softmax":
        E = np.exp(A - A.max(axis=0))
        A = E / E.sum(axis=0)
        J = -np.sum(Y * np.log(A)) / m
    else:
        J = 0.5 * np.sum((A - Y) ** 2) / m
    if l2:
        J += l2 / (2 * m) * sum(np.sum(params[2 * l] ** 2) for l in range(L))
    return J


def numpy_peer(theta, shapes, X, Y, args, budget):
    eps = 1e-7
    P = theta.size
    t0 = time.perf_counter()
    k = 0
    while k < P:
        tp = np.copy(theta)
        tp[k] += eps
        jp = cost_np(tp, shapes, X, Y, *args)
        tm = np.copy(theta)
        tm[k] -= eps
        jm = cost_np(tm, shapes, X, Y, *args)
        _ = (jp - jm) / (2 * eps)
        k += 1
        if time.perf_counter() - t0 > budget:
            break
    t = time.perf_counter() - t0
    return t * P / k, k, P


def torch_peer(theta, shapes, X, Y, args, budget):
    try:
        import torch
    except ImportError:
        return None
    hidden, output, loss, l2 = args
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    full = torch.from_numpy(theta.copy())
    acts = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
            "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
            "linear": lambda z: z}

    def make(lo, hi):
        def f(part):
            th = torch.cat([full[:lo], part, full[hi:]])
            params, k = [], 0
            for s in shapes:
                n = s[0] * s[1]
                params.append(th[k:k + n].reshape(s))
                k += n
            A, L = Xt, len(params) // 2
            for l in range(L):
                Z = params[2 * l] @ A + params[2 * l + 1]
                A = acts[hidden](Z) if l < L - 1 else Z
            m = X.shape[1]
            if output == "sigmoid":
                J = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt, reduction="sum") / m
            elif output == "softmax":
                J = -(Yt * torch.log_softmax(A, dim=0)).sum() / m
            else:
                J = 0.5 * ((A - Yt) ** 2).sum() / m
            if l2:
                J = J + l2 / (2 * m) * sum((params[2 * l] ** 2).sum() for l in range(L))
            return J
        return f

    P = theta.size
    # Time a small prefix to size the run, then as much as fits in the budget.
    k = min(P, 50)
    t0 = time.perf_counter()
    part = full[:k].clone().requires_grad_(True)
    ok = torch.autograd.gradcheck(make(0, k), (part,), eps=1e-6, atol=1e-5, rtol=1e-3,
                                  raise_exception=False)
    t = time.perf_counter() - t0
    if k < P and t < budget / 4:
        k = min(P, int(k * (budget / 2) / max(t, 1e-6)))
        t0 = time.perf_counter()
        part = full[:k].clone().requires_grad_(True)
        ok = torch.autograd.gradcheck(make(0, k), (part,), eps=1e-6, atol=1e-5, rtol=1e-3,
                                  raise_exception=False)
        t = time.perf_counter() - t0
    return t * P / k, k, P, ok


def main():
    d, L = sys.argv[1], int(sys.argv[2])
    hidden, output, loss, l2, budget = sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]), float(sys.argv[7])
    blocks, X, Y = load(d, L)
    shapes = [b.shape for b in blocks]
    theta = np.concatenate([b.ravel() for b in blocks])
    args = (hidden, output, loss, l2)
    for name, fn in (("numpy", numpy_peer), ("torch", torch_peer)):
        r = fn(theta, shapes, X, Y, args, budget)
        if r is None:
            print(f"peer {name} missing")
            continue
        secs, k, P = r[:3]
        verdict = ("pass" if r[3] else "FAIL") if len(r) > 3 else "-"
        print(f"peer {name} seconds {secs:.6g} params {k} of {P} extrapolated "
              f"{'yes' if k < P else 'no'} verdict {verdict}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
