"""A worker that speaks the protocol by hand and misbehaves on purpose (tests/workers-test.sh).

The model: one block "w" of shape (4,), theta = [1, 2, 3, 4], J = sum(theta^2) / 2, gradient
theta. model.options {"mode": M, "at": K} picks the fault; K is the parameter index whose
evaluation triggers it:
  ok            behaves
  die           exits with status 3 when asked for K
  hang          sleeps for ever when asked for K
  garbage       writes text to stdout instead of a frame when asked for K
  short         answers K's batch with one answer too few
  blocks        announces blocks of 5 values for P = 4
  nan_theta     announces theta[1] = NaN
  per_worker    announces a theta that depends on the worker's number
  refuse        answers the HELLO with an ERROR frame
  huge_p        announces P = 2^40 in a frame of a few bytes
  wrong_type    answers the HELLO with a COSTS frame
  version2      answers in protocol version 2
"""
import json
import os
import struct
import sys
import time

fin, fout = 0, 1


def read(n):
    buf = b""
    while len(buf) < n:
        try:
            c = os.read(fin, n - len(buf))
        except ConnectionResetError:
            c = b""
        if not c:
            sys.exit(0)
        buf += c
    return buf


def frame():
    magic, ver, ftype, length = struct.unpack("<4sHHI", read(12))
    return ftype, read(length) if length else b""


def send(ftype, payload):
    try:
        os.write(fout, struct.pack("<4sHHI", b"GCVW", 1, ftype, len(payload)) + payload)
    except BrokenPipeError:  # gcverify stopped this worker
        sys.exit(0)


ftype, body = frame()
_, number, olen = struct.unpack_from("<III", body)
opts = json.loads(body[12:12 + olen])
mode, at = opts.get("mode", "ok"), opts.get("at", -1)
theta = [1.0, 2.0, 3.0, 4.0]
if mode == "nan_theta":
    theta[1] = float("nan")
if mode == "per_worker":
    theta[0] += number
if mode == "refuse":
    send(5, b"ValueError: no data file given")
    sys.exit(0)
if mode == "wrong_type":
    send(4, struct.pack("<II", 0, 0))
if mode == "version2":
    os.write(fout, struct.pack("<4sHHI", b"GCVW", 2, 2, 0))
dim = 5 if mode == "blocks" else 4
J = lambda t: sum(x * x for x in t) / 2
model = struct.pack("<IIIIQQd", 0, 1, 1, 0, 1 << 40 if mode == "huge_p" else 4, 0, J(theta))
model += struct.pack("<I", 1) + b"w" + struct.pack("<IIQ", 1, 1, dim)
model += struct.pack("<4d", *theta) + struct.pack("<4d", *theta)
model += struct.pack("<I", 0)
send(2, model)
while True:
    ftype, body = frame()
    kind, n = struct.unpack_from("<II", body)
    answers = []
    if kind != 1:  # a whole theta (the pre-flight checks, directions): J there
        answers.append((J(struct.unpack_from("<4d", body, 8)), 0))
        n = 0
    for k in range(n):
        i, v = struct.unpack_from("<Qd", body, 8 + 16 * k)
        if i == at and mode == "die":
            os._exit(3)
        if i == at and mode == "hang":
            time.sleep(3600)
        if i == at and mode == "garbage":
            os.write(fout, b"debug: evaluating w[%d]\n" % i)
        t = list(theta)
        t[i] = v
        answers.append((J(t), 0))
    if mode == "short" and any(struct.unpack_from("<Q", body, 8 + 16 * k)[0] == at
                               for k in range(n)):
        answers = answers[:-1]
    send(4, struct.pack("<II", len(answers), 0) +
         b"".join(struct.pack("<dQ", c, kk) for c, kk in answers))
