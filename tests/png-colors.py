#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG screenshot (8-bit RGB or RGBA, not interlaced,
as Chromium writes them), with zlib and numpy only.

    png-colors.py SHOT.png RRGGBB [RRGGBB …]

Prints "WIDTHxHEIGHT" then one "RRGGBB COUNT" line per colour (exact matches).
"""
import struct
import sys
import zlib

import numpy as np


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"{path}: expected 8-bit RGB(A), not interlaced")
    bpp = 3 if ctype == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(h, 1 + w * bpp)
    out = np.zeros((h, w * bpp), dtype=np.uint8)
    prev = np.zeros(w * bpp, dtype=np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        elif f == 1:
            # Sub: a running sum per channel.
            cur = (np.cumsum(line.reshape(w, bpp), axis=0) & 255).reshape(-1)
        else:
            cur = np.zeros_like(line)
            lst, pv = line.tolist(), prev.tolist()
            c = cur.tolist()
            for x in range(len(lst)):
                a = c[x - bpp] if x >= bpp else 0
                b = pv[x]
                if f == 3:
                    c[x] = (lst[x] + ((a + b) >> 1)) & 255
                else:
                    cc = pv[x - bpp] if x >= bpp else 0
                    p = a + b - cc
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                    pr = a if pa <= pb and pa <= pc else b if pb <= pc else cc
                    c[x] = (lst[x] + pr) & 255
            cur = np.array(c, dtype=np.int32)
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)[:, :, :3], w, h


def main():
    img, w, h = decode(sys.argv[1])
    packed = (img[:, :, 0].astype(np.uint32) << 16) | (img[:, :, 1].astype(np.uint32) << 8) | img[:, :, 2]
    print(f"{w}x{h}")
    for c in sys.argv[2:]:
        print(c, int((packed == int(c, 16)).sum()))


main()
