#!/usr/bin/env python3
"""Checks a gcverify HTML report against the JSON report of the same run.

    html-check.py PAGE.html REPORT.json [--history R1.json,R2.json,...]

REPORT.json must list every checked parameter (--params all). The page is parsed as XML
(it is XHTML-compatible markup), then every number it carries in data- attributes is
compared with the JSON report exactly (both have 17 significant digits), and the plots are
recomputed from the JSON parameters: which points each scatter shows and where, and the
colour class of every heatmap tile. Prints one line of counts; exits 1 on the first
difference, naming it.
"""
import json
import math
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np

XH = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
MAX_POINTS, MAX_TILES = 600, 96
X0, Y0, S = 46, 8, 236


def fail(msg):
    print("html-check: " + msg, file=sys.stderr)
    sys.exit(1)


def num(s):
    return None if s == "null" else float(s)


def same(a, b, what):
    """a from the page (string), b from the JSON (number or None): equal exactly."""
    if num(a) != b:
        fail(f"{what}: page has {a}, JSON has {b!r}")


def classes(e):
    return set(e.get("class", "").split())


def code_of(p):
    """The colour code of a parameter (html.h): 0 unchecked … 10 non-finite."""
    st, e = p["status"], p["rel_error"]
    if st == "nonfinite":
        return 10
    if st == "mismatch":
        return 9 if e >= 1e-1 else 8 if e >= 1e-3 else 7
    if st == "kink":
        return 6
    if p["analytic"] == 0 and p["numeric"] == 0:
        return 1
    return 5 if e >= 1e-6 else 4 if e >= 1e-8 else 3 if e >= 1e-10 else 2


CODE_CLASS = ["hu", "hz"] + [f"h{k}" for k in range(1, 10)]


def drawable(p):
    a, n = p["analytic"], p["numeric"]
    return (p["status"] not in ("nonfinite",) and a is not None and n is not None
            and (a != 0 or n != 0))


def tiles_from_paths(svg, nr, nc):
    """The code of every tile from the page's paths, -1 where none is drawn."""
    grid = np.full((nr, nc), -1, dtype=int)
    inner = svg.find(SVG + "svg")
    if inner is None or inner.get("viewBox") != f"0 0 {nc} {nr}":
        fail(f"{svg.get('id')}: expected an inner grid of {nc}×{nr} tiles")
    for path in inner.findall(SVG + "path"):
        cls = path.get("class")
        code = CODE_CLASS.index(cls)
        for m in re.finditer(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path.get("d")):
            j, i, w, w2 = map(int, m.groups())
            if w != w2:
                fail(f"{svg.get('id')}: a run that does not close: {m.group(0)}")
            if (grid[i, j:j + w] != -1).any():
                fail(f"{svg.get('id')}: tile ({i},{j}) drawn twice")
            grid[i, j:j + w] = code
    return grid


def main():
    args = sys.argv[1:]
    history = []
    if "--history" in args:
        k = args.index("--history")
        history = [h for h in args[k + 1].split(",") if h]
        del args[k:k + 2]
    page_path, json_path = args
    text = open(page_path, encoding="utf-8").read()
    rep = json.load(open(json_path))
    root = ET.fromstring(text)

    # Self-contained: no script, nothing to fetch.
    low = text.lower()
    for bad in ("<script", " src=", "url(", "@import", "<link", "<iframe", "<object"):
        if bad in low:
            fail(f"the page contains {bad!r}")
    for m in re.finditer(r"https?://[^\"' ]+", text):
        if m.group(0) not in ("http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"):
            fail(f"the page refers to {m.group(0)}")
    if "default-src 'none'" not in text:
        fail("no Content-Security-Policy default-src 'none'")

    everything = list(root.iter())
    by_class = lambda tag, c: [e for e in everything if e.tag == tag and c in classes(e)]

    # The verdict.
    v = [e for e in everything if e.get("id") == "verdict"]
    if len(v) != 1:
        fail("expected one #verdict")
    if v[0].get("data-status") != rep["status"]:
        fail(f"verdict {v[0].get('data-status')} against {rep['status']}")
    same(v[0].get("data-difference"), rep["difference"], "overall difference")
    same(v[0].get("data-threshold"), rep["check"]["threshold"], "threshold")

    # Bars: one per layer and one per block, with the JSON's numbers.
    lbars = by_class(SVG + "rect", "layer")
    if len(lbars) != len(rep["layers"]):
        fail(f"{len(lbars)} layer bars for {len(rep['layers'])} layers")
    for bar, lay in zip(lbars, rep["layers"]):
        if int(bar.get("data-layer")) != lay["layer"] or bar.get("data-status") != lay["status"]:
            fail(f"layer bar {bar.get('data-layer')} against layer {lay['layer']}")
        same(bar.get("data-difference"), lay["difference"], f"layer {lay['layer']} difference")
    bbars = by_class(SVG + "rect", "block")
    blocks = rep["blocks"]
    if [b.get("data-block") for b in bbars] != [b["name"] for b in blocks]:
        fail("block bars are not the JSON's blocks in order")
    for bar, b in zip(bbars, blocks):
        same(bar.get("data-difference"), b["difference"], b["name"] + " difference")
        same(bar.get("data-floor"), b["floor_difference"], b["name"] + " floor")
        same(bar.get("data-power"), b["power"], b["name"] + " power")
        if bar.get("data-status") != b["status"] or b["status"] not in classes(bar):
            fail(f"{b['name']}: bar status {bar.get('data-status')} against {b['status']}")

    # Parameters by block, from the JSON.
    params = {}
    for p in rep["params"]:
        params.setdefault(p["block"], {})[tuple(p["coords"])] = p
    checked = sum(b["checked"] for b in blocks)
    if len(rep["params"]) != checked:
        fail(f"the JSON lists {len(rep['params'])} parameters, {checked} checked: use --params all")

    # An unchecked block (nothing of it checked) has a card that says so, no bar and no
    # plot; the plots below are the checked blocks'.
    cards = {c.get("data-block"): c for c in everything if c.tag == XH + "section"
             and "card" in classes(c)}
    for b in blocks:
        if (b["status"] == "unchecked") != ("unchecked" in classes(cards[b["name"]])):
            fail(f"{b['name']}: card classes {sorted(classes(cards[b['name']]))} for {b['status']}")
    for bar, b in zip(bbars, blocks):
        if b["status"] == "unchecked" and float(bar.get("width")) != 0:
            fail(f"{b['name']}: a bar for an unchecked block")
    all_blocks = blocks
    blocks = [b for b in blocks if b["status"] != "unchecked"]

    # One scatter per block, its points recomputed.
    scatters = by_class(SVG + "svg", "scatter")
    if [s.get("data-block") for s in scatters] != [b["name"] for b in blocks]:
        fail("expected exactly one scatter per checked block, in order")
    points = 0
    for s, b in zip(scatters, blocks):
        ps = params.get(b["name"], {})
        draw = {p["index"]: p for p in ps.values() if drawable(p)}
        if int(s.get("data-points")) != len(draw):
            fail(f"{b['name']}: data-points {s.get('data-points')}, JSON has {len(draw)} drawable")
        circles = s.findall(SVG + "circle")
        if int(s.get("data-shown")) != len(circles) or len(circles) != min(len(draw), MAX_POINTS):
            fail(f"{b['name']}: {len(circles)} points shown of {len(draw)}")
        lo, hi = int(s.get("data-lo")), int(s.get("data-hi"))
        seen = set()
        for c in circles:
            i = int(c.get("data-i"))
            if i not in draw or i in seen:
                fail(f"{b['name']}: point {i} is not a drawable parameter of the block, or twice")
            seen.add(i)
            p = draw[i]
            a, n = p["analytic"], p["numeric"]
            cl = classes(c)
            sign = ("zero" if a == 0 or n == 0 else "flip" if (a > 0) != (n > 0)
                    else "pos" if a > 0 else "neg")
            if sign not in cl or ("bad" in cl) != (p["status"] == "mismatch"):
                fail(f"{b['name']}: point {i} classes {sorted(cl)} for {a}, {n}, {p['status']}")
            def pos(v):
                t = (math.log10(abs(v)) - lo) / (hi - lo) if v != 0 else 0.0
                return S * min(max(t, 0.0), 1.0)
            if abs(float(c.get("cx")) - (X0 + pos(n))) > 0.06 or \
               abs(float(c.get("cy")) - (Y0 + S - pos(a))) > 0.06:
                fail(f"{b['name']}: point {i} at ({c.get('cx')}, {c.get('cy')}) is not where "
                     f"|numeric| {abs(n):.3e}, |analytic| {abs(a):.3e} go")
        # Thinned: the mismatches first (up to half the points).
        bad = [p for p in draw.values() if p["status"] in ("mismatch", "kink")]
        want_bad = len(bad) if len(draw) <= MAX_POINTS else min(len(bad), MAX_POINTS // 2)
        got_bad = sum(1 for i in seen if draw[i]["status"] in ("mismatch", "kink"))
        if got_bad < want_bad:
            fail(f"{b['name']}: {got_bad} mismatches shown, expected at least {want_bad}")
        points += len(circles)

    # One heatmap per weight matrix, one strip per vector, every tile recomputed.
    maps = by_class(SVG + "svg", "heatmap")
    strips = by_class(SVG + "svg", "strip")
    matrices = [b for b in blocks if b["shape"][0] > 1 and b["shape"][1] > 1]
    if [m.get("data-block") for m in maps] != [b["name"] for b in matrices]:
        fail(f"{len(maps)} heatmaps for {len(matrices)} weight matrices")
    if len(strips) + len(maps) != len(blocks):
        fail("expected a heatmap or a strip for every block")
    tiles = 0
    for svg in maps + strips:
        b = next(x for x in blocks if x["name"] == svg.get("data-block"))
        rows, cols = b["shape"]
        tr = -(-rows // MAX_TILES)
        tc = -(-cols // MAX_TILES)
        if (int(svg.get("data-rows")), int(svg.get("data-cols")), int(svg.get("data-tile-rows")),
                int(svg.get("data-tile-cols"))) != (rows, cols, tr, tc):
            fail(f"{b['name']}: heatmap shape or tiles")
        nr, nc = -(-rows // tr), -(-cols // tc)
        want = np.zeros((nr, nc), dtype=int)
        for (r, c), p in params.get(b["name"], {}).items():
            want[r // tr, c // tc] = max(want[r // tr, c // tc], code_of(p))
        got = tiles_from_paths(svg, nr, nc)
        if (got != want).any():
            i, j = map(int, np.argwhere(got != want)[0])
            fail(f"{b['name']}: tile ({i},{j}) is {CODE_CLASS[got[i, j]]}, the JSON gives "
                 f"{CODE_CLASS[want[i, j]]}")
        tiles += nr * nc

    # The worst parameters, in gcv_report_worst's order, with the JSON's numbers.
    rows = by_class(XH + "tr", "param")
    rank = lambda p: (0 if p["status"] == "nonfinite" else 1 if p["status"] == "mismatch" else 2,
                      -(p["rel_error"] if p["rel_error"] is not None else math.inf), p["index"])
    order = sorted(rep["params"], key=rank)
    for tr_, p in zip(rows, order):
        if int(tr_.get("data-index")) != p["index"] or tr_.get("data-status") != p["status"]:
            fail(f"worst table: row {tr_.get('data-index')} where the JSON's order has {p['index']}")
        for k in ("theta", "analytic", "numeric"):
            same(tr_.get("data-" + k), p[k], f"parameter {p['index']} {k}")
        same(tr_.get("data-rel-error"), p["rel_error"], f"parameter {p['index']} rel_error")

    # The history: each block's difference in each earlier report, then this run's.
    hist = by_class(SVG + "svg", "history")
    if history:
        reps = [json.load(open(h)) for h in history] + [rep]
        if [h.get("data-block") for h in hist] != [b["name"] for b in all_blocks]:
            fail("expected one history chart per block")
        for h, b in zip(hist, all_blocks):
            vals = h.get("data-differences").split()
            if len(vals) != len(reps):
                fail(f"{b['name']}: {len(vals)} history points for {len(reps)} reports")
            for v_, r_ in zip(vals, reps):
                old = next((x for x in r_["blocks"] if x["name"] == b["name"]), None)
                same(v_, old["difference"] if old else None, f"{b['name']} history")
    elif hist:
        fail("a history chart without earlier reports")

    print(f"html-check: {page_path}: {len(blocks)} blocks, {len(scatters)} scatters "
          f"({points} points), {len(maps)} heatmaps + {len(strips)} strips ({tiles} tiles), "
          f"{len(rows)} worst rows, {len(hist)} history charts: all match {json_path}")


main()
