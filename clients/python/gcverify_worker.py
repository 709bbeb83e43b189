"""Check your own NumPy or PyTorch backpropagation with gcverify.

gcverify starts this script once per thread of its check (a config with
"model": {"type": "process", "command": ["python3", "check_mine.py"]}); the script
sets up its parameters and data as it always does and then calls serve():

    import gcverify_worker
    gcverify_worker.serve(cost=lambda p: forward_propagation_n(X, Y, p)[0],
                          gradient=lambda p: backward_propagation_n(X, Y, forward_propagation_n(X, Y, p)[1]),
                          params=parameters)

params is your own dict of named arrays ({"W1": ..., "b1": ...}, NumPy arrays or torch
tensors, any shape up to 4 dimensions, C or Fortran order); the order of the dict is the
order of θ. gradient returns a dict keyed "W1", "dW1" or "dJ_dW1" for parameter W1; keys that
name no parameter (dZ3, dA2, ...) are ignored. cost may return J or (J, anything). float32
arrays throughout mean a float32 model. With data={...} the functions are called as
cost(params, data) and integer labels in data (the key named by labels=, else "Y" or "y") are
converted to float64 first, with the same note gcverify's own loaders print. kinks=f, where
f(params[, data]) returns the arrays whose sign switches a ReLU-like kink (pre-activations,
or ReLU outputs), lets gcverify tell kinks from bugs.

The protocol is in gcverify's manual (doc/workers.md); this file is its reference client.
Each worker runs one thread: gcverify already runs one worker per core.
"""
import os

# One thread per worker, set before NumPy, BLAS or torch start their pools (gcverify sets
# these too; a script run by hand gets them here).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import bisect
import json
import re
import struct
import sys

import numpy as np

VERSION = 1
HELLO, MODEL, EVAL, COSTS, ERROR = 1, 2, 3, 4, 5

_io = None       # (in_fd, out_fd): the protocol's descriptors, once taken
_options = None  # model.options from the HELLO frame


def _torch():
    return sys.modules.get("torch")


def _is_tensor(a):
    t = _torch()
    return t is not None and isinstance(a, t.Tensor)


def _to_numpy(a):
    if _is_tensor(a):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _take_stdio():
    """The protocol's channel is stdin/stdout: keep private copies of them and send the
    script's own prints to stderr, so that a print() cannot corrupt a frame."""
    global _io
    if _io is None:
        fin, fout = os.dup(0), os.dup(1)
        sys.stdout.flush()
        os.dup2(2, 1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout = sys.stderr
        _io = (fin, fout)
    t = _torch()
    if t is not None:
        t.set_num_threads(1)
    return _io


def _read(n):
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = os.read(_io[0], n - len(buf))
        except ConnectionResetError:  # gcverify went away with an answer unread
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _frame():
    head = _read(12)
    if head is None:
        return None, None
    magic, version, ftype, length = struct.unpack("<4sHHI", head)
    if magic != b"GCVW" or version != VERSION:
        raise SystemExit("gcverify_worker: expected a GCVW version %d frame, got %r" %
                         (VERSION, head[:6]))
    body = _read(length) if length else b""
    if body is None:
        return None, None
    return ftype, body


def _send(ftype, payload):
    data = struct.pack("<4sHHI", b"GCVW", VERSION, ftype, len(payload)) + payload
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(_io[1], view):]
    except (BrokenPipeError, ConnectionResetError):  # gcverify stopped this worker
        raise SystemExit(0)


def options():
    """model.options of the config, as a dict (reads gcverify's HELLO frame)."""
    global _options
    if _options is None:
        _take_stdio()
        ftype, body = _frame()
        if ftype != HELLO:
            raise SystemExit("gcverify_worker: expected gcverify's HELLO frame: run this "
                             "script through gcverify (model.type \"process\")")
        _, _, olen = struct.unpack_from("<III", body)
        _options = json.loads(body[12:12 + olen].decode("utf-8") or "{}")
    return _options


def _gradient_for(grads, name):
    for key in (name, "d" + name):
        if key in grads:
            return grads[key]
    for key in grads:
        if key.endswith("_d" + name):
            return grads[key]
    raise KeyError("gradient: expected a key %r, %r or ending in %r, got keys %s" %
                   (name, "d" + name, "_d" + name, sorted(grads)))


def _layers(names):
    found = [re.search(r"(\d+)$", n) for n in names]
    layers = [int(m.group(1)) if m else 0 for m in found]
    if all(layers) and all(a <= b for a, b in zip(layers, layers[1:])):
        return layers
    return list(range(1, len(names) + 1))


_WRAPS = {"uint8": 255, "uint16": 65535, "uint32": 4294967295, "uint64": 18446744073709551615}


def _labels(data, key, notes):
    """Integer labels become float64 before any arithmetic, as gcverify's loaders do."""
    if key is None:
        key = "Y" if "Y" in data else "y" if "y" in data else None
    if key is None or key not in data:
        return
    y = _to_numpy(data[key])
    if not np.issubdtype(y.dtype, np.integer) and y.dtype != np.bool_:
        return
    wraps = ""
    if y.dtype.name in _WRAPS:
        wraps = " (in integer arithmetic -y wraps to %d)" % _WRAPS[y.dtype.name]
    notes.append("data.%s: labels stored as %s were converted to double before any "
                 "arithmetic%s" % (key, y.dtype.name, wraps))
    data[key] = y.astype(np.float64)


class _Model:
    def __init__(self, cost, gradient, params, data, kinks):
        self.params, self.data, self._cost, self._kinks = params, data, cost, kinks
        self.names = list(params)
        arrays = [_to_numpy(params[n]) for n in self.names]
        for n, a in zip(self.names, arrays):
            if not 1 <= a.ndim <= 4:
                raise ValueError("params[%r]: expected 1 to 4 dimensions, got shape %s" %
                                 (n, a.shape))
        self.shapes = [a.shape for a in arrays]
        kinds = sorted({a.dtype.name for a in arrays})
        if kinds not in (["float32"], ["float64"]):
            # A float64 step stored into a float32 array would be rounded: the step taken
            # would not be the step gcverify divides by.
            raise ValueError("params: expected all float64 or all float32 arrays, got %s" %
                             ", ".join("%s %s" % (n, a.dtype.name)
                                       for n, a in zip(self.names, arrays)))
        self.float32 = kinds == ["float32"]
        self.offsets = [0]
        for a in arrays:
            self.offsets.append(self.offsets[-1] + a.size)
        self.theta = np.concatenate([a.astype(np.float64).ravel() for a in arrays])
        grads = gradient(*self._args())
        parts = []
        for n, a in zip(self.names, arrays):
            g = _to_numpy(_gradient_for(grads, n))
            if g.shape != a.shape and np.squeeze(g).shape != np.squeeze(a).shape:
                raise ValueError("gradient[%r]: expected shape %s (as params[%r]), got %s" %
                                 (n, a.shape, n, g.shape))
            parts.append(g.astype(np.float64).reshape(-1))
        self.grad = np.concatenate(parts)
        self._flats = [False] * len(self.names)
        self.base = None
        if kinks is not None:
            self.base = [_to_numpy(z) > 0 for z in kinks(*self._args())]
        self.args = self._args()  # the user's own objects: the same tuple for every call

    def _args(self):
        return (self.params,) if self.data is None else (self.params, self.data)

    def _flat(self, b):
        """Block b's values as one flat array sharing their memory (a C-ordered NumPy array
        or contiguous tensor), else None (then each value is set by its N-d index)."""
        if self._flats[b] is False:
            arr = self.params[self.names[b]]
            flat = None
            if _is_tensor(arr):
                if arr.is_contiguous():
                    flat = arr.detach().view(-1)
            elif isinstance(arr, np.ndarray) and arr.flags.c_contiguous:
                flat = arr.reshape(-1)
            self._flats[b] = flat
        return self._flats[b]

    def _set(self, i, value):
        b = bisect.bisect_right(self.offsets, i) - 1
        flat = self._flat(b)
        if flat is not None:  # the common case: no index arithmetic, no copy
            flat[i - self.offsets[b]] = value
            return
        arr = self.params[self.names[b]]
        where = np.unravel_index(i - self.offsets[b], self.shapes[b])
        if _is_tensor(arr):
            with _torch().no_grad():
                arr[where] = float(value)
        else:
            arr[where] = value

    @staticmethod
    def _number(j):
        """cost()'s answer as a float: J, or J of (J, anything); NumPy and torch scalars and
        one-element arrays as their value; anything else NaN (gcverify reports it)."""
        if isinstance(j, tuple):
            j = j[0]
        if isinstance(j, float):  # also NumPy's float64
            return float(j)
        j = _to_numpy(j)
        return float(j.reshape(-1)[0]) if j.size == 1 else float("nan")

    def evaluate(self):
        j = self._cost(*self.args)
        if type(j) is not float:
            j = self._number(j)
        if self.base is None:
            return j, 0
        now = [_to_numpy(z) > 0 for z in self._kinks(*self.args)]
        return j, int(sum(np.count_nonzero(a != b) for a, b in zip(now, self.base)))

    def perturbed(self, i, value):
        b = bisect.bisect_right(self.offsets, i) - 1
        flat = self._flats[b]
        if flat is False:
            flat = self._flat(b)
        if flat is None:
            self._set(i, value)
            try:
                return self.evaluate()
            finally:
                self._set(i, self.theta[i])
        k = i - self.offsets[b]
        flat[k] = value
        try:
            return self.evaluate()
        finally:
            flat[k] = self.theta[i]

    def batch(self, pairs):
        """(cost, kinks) for each (index, value) of pairs, flattened. The hot path: for a
        model without a kinks function whose blocks are flat views and whose cost returns a
        float, one element set and restored in place around each call, nothing else."""
        out = []
        if self._kinks is not None:
            for k in range(0, len(pairs), 2):
                out.extend(self.perturbed(pairs[k], pairs[k + 1]))
            return out
        offsets, flats, theta, cost, args = self.offsets, self._flats, self.theta, self._cost, self.args
        first = last = 0  # the block of the last index: none yet
        flat = None
        for k in range(0, len(pairs), 2):
            i = pairs[k]
            if not first <= i < last:
                b = bisect.bisect_right(offsets, i) - 1
                first, last = offsets[b], offsets[b + 1]
                flat = flats[b]
                if flat is False:
                    flat = self._flat(b)
            if flat is None:
                out.extend(self.perturbed(i, pairs[k + 1]))
                continue
            flat[i - first] = pairs[k + 1]
            try:
                j = cost(*args)
            finally:
                flat[i - first] = theta[i]
            if type(j) is not float:
                j = self._number(j)
            out.append(j)
            out.append(0)
        return out

    def whole(self, theta):
        for i in range(len(self.theta)):
            self._set(i, theta[i])
        try:
            return self.evaluate()
        finally:
            for i in range(len(self.theta)):
                self._set(i, self.theta[i])


def _model_frame(m, cost0, description, examples, notes):
    flags = 1 | (2 if m.base is not None else 0)
    out = [struct.pack("<IIIIQQd", 1 if m.float32 else 0, flags, len(m.names), len(notes),
                       len(m.theta), examples, cost0)]
    for n, s, layer in zip(m.names, m.shapes, _layers(m.names)):
        name = n.encode("ascii")
        out.append(struct.pack("<I", len(name)) + name + struct.pack("<II", layer, len(s)) +
                   struct.pack("<%dQ" % len(s), *s))
    out.append(m.theta.astype("<f8").tobytes())
    out.append(m.grad.astype("<f8").tobytes())
    for text in [description] + notes:
        t = text.encode("utf-8")
        out.append(struct.pack("<I", len(t)) + t)
    return b"".join(out)


def _answer(m, body):
    kind, n = struct.unpack_from("<II", body)
    out = []
    if kind == 1:
        out = m.batch(struct.unpack_from("<" + "Qd" * n, body, 8))
    else:
        out.extend(m.whole(np.frombuffer(body, "<f8", len(m.theta), 8)))
    return struct.pack("<II" + "dQ" * (len(out) // 2), len(out) // 2, 0, *out)


def serve(cost, gradient, params, data=None, labels=None, kinks=None, description="",
          examples=0):
    """Answers gcverify's requests until it closes the channel; then returns."""
    options()
    notes = []
    if data is not None:
        data = dict(data)
        _labels(data, labels, notes)
    try:
        m = _Model(cost, gradient, params, data, kinks)
        cost0 = m.evaluate()[0]
    except Exception as e:  # the model could not be set up: say why, in one line
        _send(ERROR, ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace"))
        raise
    _send(MODEL, _model_frame(m, cost0, description, int(examples), notes))
    while True:
        ftype, body = _frame()
        if ftype is None:
            return
        try:
            _send(COSTS, _answer(m, body))
        except Exception as e:
            _send(ERROR, ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace"))
