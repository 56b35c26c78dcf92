#!/usr/bin/env python3
"""How often timing-sensitive cases change their verdict: runs a few cases again and again, wsspec and the reference
suite alternately, each run against a fresh Python websockets 17.4 echo server, and prints per case how many runs
gave each verdict and the median duration.

  Benchmarks/flip-rate.py                                   3.4, 4.1.5, 4.2.5, twenty runs each tool
  Benchmarks/flip-rate.py --cases 3.4,4.1.5 --runs 10 --only wsspec

The cases the defaults name write one octet at a time and then a frame the server must fail on: their verdict
depends on whether the bad frame arrives in the same read as the valid one before it, so on the spacing of the
writes. Needs what Benchmarks/versus-reference.py needs (a release wsspec, the venv, for the reference Python 2.7
with autobahntestsuite installed by `versus-reference.py --install`).
"""
import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("versus", os.path.join(ROOT, "Benchmarks", "versus-reference.py"))
versus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(versus)


def outcomes(index_file):
    with open(index_file) as f:
        index = json.load(f)
    agent = next(iter(index.values()), {})
    return {case: (entry["behavior"], entry["duration"]) for case, entry in agent.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default="3.4,4.1.5,4.2.5")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--only", choices=["wsspec", "reference"])
    p.add_argument("--wsspec", default=os.path.join(ROOT, ".build-release/release/wsspec"))
    p.add_argument("--python3", default=os.path.join(ROOT, ".build-venv/bin/python"))
    p.add_argument("--python2", default=os.path.expanduser("~/.pyenv/versions/2.7.18/bin/python2.7"))
    p.add_argument("--reference", default=os.path.join(ROOT, ".build-reference"))
    a = p.parse_args()
    cases = [c for c in a.cases.split(",") if c]
    tools = [t for t in ("wsspec", "reference") if a.only in (None, t)]
    if "wsspec" in tools and not os.access(a.wsspec, os.X_OK):
        sys.exit("no wsspec at %s: swift build -c release --scratch-path .build-release" % a.wsspec)
    wstest = os.path.join(a.reference, "bin", "wstest")
    if "reference" in tools and not os.path.exists(wstest):
        sys.exit("no reference suite in %s: run Benchmarks/versus-reference.py --install first" % a.reference)
    work = tempfile.mkdtemp(prefix="wsspec-flips-")
    seen = {tool: {case: [] for case in cases} for tool in tools}
    for run in range(a.runs):
        for tool in tools:
            outdir = os.path.join(work, "%s-%02d" % (tool, run))
            if tool == "wsspec":
                command = [a.wsspec, "run", "ws://127.0.0.1:{port}", "--agent", "websockets", "--cases", ",".join(cases),
                           "--outdir", outdir, "--no-html", "--quiet"]
                versus.measure("%s-%02d" % (tool, run), command, a.python3, work)
            else:
                spec_file = os.path.join(work, "fuzzingclient-%02d.json" % run)
                with open(spec_file, "w") as f:
                    json.dump({"outdir": outdir, "options": {"failByDrop": False},
                               "servers": [{"agent": "websockets", "url": "ws://127.0.0.1:PORT"}],
                               "cases": cases, "exclude-cases": [], "exclude-agent-cases": {}}, f)
                command = [a.python2, "-c", versus.REFERENCE_WRAPPER, spec_file, "{port}", wstest]
                versus.measure("%s-%02d" % (tool, run), command, a.python3, work, dict(os.environ, PYTHONPATH=a.reference))
            index = os.path.join(outdir, "index.json")
            got = outcomes(index) if os.path.exists(index) else {}
            for case in cases:
                seen[tool][case].append(got.get(case, ("MISSING", 0)))
        print("run %d of %d done" % (run + 1, a.runs), file=sys.stderr)

    print("%-8s %-10s %-40s %s" % ("case", "tool", "verdicts over %d runs" % a.runs, "median ms"))
    for case in cases:
        for tool in tools:
            runs = seen[tool][case]
            counts = {}
            for behavior, _ in runs:
                counts[behavior] = counts.get(behavior, 0) + 1
            text = ", ".join("%s %d" % (b, n) for b, n in sorted(counts.items(), key=lambda x: -x[1]))
            print("%-8s %-10s %-40s %s" % (case, tool, text, statistics.median(d for _, d in runs)))
    for tool in tools:
        flips = sum(1 for case in cases for behavior, _ in seen[tool][case] if behavior != "OK")
        print("%s: %d of %d outcomes other than OK" % (tool, flips, len(cases) * a.runs))
    print("reports in %s" % work)


if __name__ == "__main__":
    main()
