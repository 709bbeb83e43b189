#!/usr/bin/env python3
"""The tree's shape, as the design promises it (doc/design.md):

- no source file over LINE_LIMIT lines and no function body over FUNC_LIMIT lines, except
  those named in EXCEPTIONS with the reason;
- no two source files that include each other, directly or around a loop (a module is a
  .c file with its .h and its private header, x-priv.h);
- no two object files that call each other around a loop (undefined against defined
  symbols, from nm on the archives given: the internal library and the command's objects).

usage: structure-test.py ROOT ARCHIVE… ; prints one line per finding, exit 1 when any."""
import collections
import glob
import os
import re
import subprocess
import sys

LINE_LIMIT = 800
FUNC_LIMIT = 80
EXCEPTIONS = {
    # file or file:function → why it may be longer
}

root = sys.argv[1]
archives = sys.argv[2:]
os.chdir(root)
problems = []


def sources():
    return sorted(glob.glob("src/**/*.[ch]", recursive=True) + glob.glob("include/**/*.h", recursive=True))


# --- sizes
for f in sources():
    lines = open(f, encoding="utf-8").read().split("\n")
    if len(lines) - 1 > LINE_LIMIT and f not in EXCEPTIONS:
        problems.append(f"{f}: {len(lines) - 1} lines (limit {LINE_LIMIT})")
    if not f.endswith(".c"):
        continue
    i = 0
    while i < len(lines):
        if lines[i] == "{":  # a function body opens in column 0 in this tree's style
            j = i - 1
            while j >= 0 and not re.match(r"^[A-Za-z_].*\(", lines[j]):
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j]) if j >= 0 else None
            name = m.group(1) if m else "?"
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            n = k - i - 1
            if n > FUNC_LIMIT and f"{f}:{name}" not in EXCEPTIONS:
                problems.append(f"{f}:{j + 1}: {name}: {n} lines (limit {FUNC_LIMIT})")
            i = k
        i += 1


def loops(graph):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in list(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


# --- includes, module by module (src/x/y.c, y.h and y-priv.h are the module src/x/y)
def module(path):
    return re.sub(r"-priv$", "", os.path.splitext(path)[0])


inc = collections.defaultdict(set)
for f in sources():
    a = module(f)
    inc[a]
    for t in re.findall(r'^#include "([^"]+)"', open(f, encoding="utf-8").read(), re.M):
        for base in ("src/", "include/", os.path.dirname(f) + "/"):
            if os.path.exists(base + t):
                b = module(os.path.normpath(base + t))
                if b != a:
                    inc[a].add(b)
                break
for comp in loops(inc):
    problems.append("include loop: " + " ↔ ".join(comp))

# --- calls, object by object
defs, uses = {}, collections.defaultdict(set)
for ar in archives:
    out = subprocess.run(["nm", "-A", ar], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"^[^:]+:([^:]+):\s*(?:[0-9a-fA-F]+)?\s+([A-Za-z])\s+(\S+)$", line)
        if not m:
            continue
        obj, kind, sym = m.groups()
        if kind == "U":
            uses[obj].add(sym)
        elif kind in "TDBR":
            defs[sym] = obj
if not defs:
    problems.append("no symbols read from " + " ".join(archives))
calls = collections.defaultdict(set)
for obj, syms in uses.items():
    for s in syms:
        if s in defs and defs[s] != obj:
            calls[obj].add(defs[s])
for comp in loops(calls):
    problems.append("call loop: " + " ↔ ".join(comp))

for p in problems:
    print(p)
print(f"structure: {len(sources())} source files, {len(defs)} symbols in {len(set(defs.values()))} "
      f"objects, {len(problems)} problems")
sys.exit(1 if problems else 0)
