#!/usr/bin/env python3
"""Runs the reference suite (Autobahn|Testsuite 25.10.1, wstest -m fuzzingclient) and wsspec (release build) one
after the other on this machine, each against a fresh Python websockets 17.4 echo server configured as in the
reference run, and prints wall time, the fuzzer's CPU time and peak RSS, the server's CPU time, and their ratios.

  Benchmarks/versus-reference.py                         the whole suite (about 15 minutes for both)
  Benchmarks/versus-reference.py --cases '1.*,2.*' --cases '12.1.*'
  Benchmarks/versus-reference.py --only wsspec           wsspec alone (no Python 2 needed)
  Benchmarks/versus-reference.py --only wsspec --rss-timeline 15   and the 15 cases during which it was largest

Needs: a release wsspec (`swift build -c release --scratch-path .build-release`, or --wsspec PATH); a Python 3
with websockets==17.4 (--python3, default .build-venv/bin/python, which scripts/test makes); for the reference,
Python 2.7 (--python2, default pyenv's 2.7.18) with autobahntestsuite==25.10.1 installed in --reference
(default .build-reference; --install installs it there with pip). CPU and peak RSS are read with wait4() of each
process, so they are the processes' own, not the machine's.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs the reference's wstest with a spec whose server URL gets the port of the server started for the run (only
# known once it runs): arguments SPEC PORT WSTEST.
REFERENCE_WRAPPER = (
    "import json,sys,runpy; s=json.load(open(sys.argv[1])); s['servers'][0]['url']='ws://127.0.0.1:'+sys.argv[2];"
    "json.dump(s,open(sys.argv[1],'w')); sys.argv=[sys.argv[3],'-m','fuzzingclient','-s',sys.argv[1]];"
    "runpy.run_path(sys.argv[0], run_name='__main__')")


def start_server(python3):
    """A websockets echo server on a free port; returns (process, port)."""
    server = subprocess.Popen([python3, os.path.join(ROOT, "Tests/Servers/websockets_echo.py"), "0", "--exit-with-stdin"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = server.stdout.readline().decode().strip()
    if not line.startswith("listening "):
        server.kill()
        sys.exit("the websockets echo server did not start: %r" % line)
    return server, int(line.split()[1])


def wait(process):
    """Waits for `process`; returns (cpu seconds, peak RSS in MB, exit status)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def sample_rss(pid, samples, every=0.05):
    """Appends (wall clock, resident MB) of process `pid` to `samples` until it ends (its VmRSS line goes)."""
    path = "/proc/%d/status" % pid
    while True:
        try:
            with open(path) as f:
                line = next((l for l in f if l.startswith("VmRSS:")), None)
        except OSError:
            return
        if line is None:
            return
        samples.append((time.time(), int(line.split()[1]) / 1024))
        time.sleep(every)


def rss_by_case(outdir, samples, top):
    """The cases during which the process was largest: each sample is given to the case that ran at its time
    (from the per-case reports' `started` and `duration`); prints the `top` cases by their largest sample."""
    spans = []
    for file in os.listdir(outdir):
        if not file.endswith(".json") or file == "index.json":
            continue
        try:
            with open(os.path.join(outdir, file)) as f:
                report = json.load(f)
            start = datetime.strptime(report["started"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            begin = start.timestamp()
            spans.append((begin, begin + report["duration"] / 1000, report["id"]))
        except (KeyError, ValueError, OSError):
            continue
    peak = {}
    for at, mb in samples:
        for begin, finish, case in spans:
            if begin <= at <= finish + 0.05:
                peak[case] = max(peak.get(case, 0), mb)
    ranked = sorted(peak.items(), key=lambda item: -item[1])[:top]
    print("largest resident size while a case ran (%d samples, every 50 ms):" % len(samples))
    for case, mb in ranked:
        print("  %-10s %7.1f MB" % (case, mb))
    # Memory that is freed is mostly not given back, so the peak is a plateau: where it was climbed matters more.
    print("where the largest resident size so far grew by 4 MB or more (cases in the order they ran):")
    highest = 0
    for begin, _, case in sorted(spans):
        if case in peak and peak[case] >= highest + 4:
            print("  %-10s %7.1f MB (+%.1f)" % (case, peak[case], peak[case] - highest))
            highest = peak[case]


def measure(name, command, python3, cwd, env=None, timeline=False):
    server, port = start_server(python3)
    started = time.monotonic()
    samples = []
    with open(os.path.join(cwd, name + ".log"), "w") as log:
        fuzzer = subprocess.Popen([part.replace("{port}", str(port)) for part in command], cwd=cwd, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=sample_rss, args=(fuzzer.pid, samples), daemon=True) if timeline else None
        if sampler:
            sampler.start()
        cpu, rss, status = wait(fuzzer)
        if sampler:
            sampler.join()
    wall = time.monotonic() - started
    server.stdin.close()
    server_cpu, _, _ = wait(server)
    if status not in (0, 1):  # 1: some case failed the pass policy, which is the server's verdict
        print("%s exited with %d (see %s.log in %s)" % (name, status, name, cwd), file=sys.stderr)
    return {"wall": wall, "cpu": cpu, "rss": rss, "server": server_cpu, "samples": samples}


def verdicts(index_file):
    with open(index_file) as f:
        index = json.load(f)
    agent = next(iter(index.values()), {})
    return {case: (e["behavior"], e["behaviorClose"]) for case, e in agent.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", action="append", help="case patterns (wsspec's and the reference's rules), repeatable")
    p.add_argument("--exclude", default="", help="case patterns to leave out")
    p.add_argument("--only", choices=["wsspec", "reference"])
    p.add_argument("--wsspec-option", action="append", default=[], metavar="OPTION",
                   help="an option for `wsspec run`, e.g. --wsspec-option=--compression-cache=0 (repeatable)")
    p.add_argument("--wsspec", default=os.path.join(ROOT, ".build-release/release/wsspec"))
    p.add_argument("--python3", default=os.path.join(ROOT, ".build-venv/bin/python"))
    p.add_argument("--python2", default=os.path.expanduser("~/.pyenv/versions/2.7.18/bin/python2.7"))
    p.add_argument("--reference", default=os.path.join(ROOT, ".build-reference"))
    p.add_argument("--rss-timeline", type=int, default=0, metavar="N",
                   help="sample wsspec's resident size every 50 ms and print the N cases during which it was largest")
    p.add_argument("--install", action="store_true", help="pip-install autobahntestsuite==25.10.1 into --reference first")
    a = p.parse_args()
    cases = [c for group in (a.cases or ["*"]) for c in group.split(",") if c]
    excluded = [c for c in a.exclude.split(",") if c]
    work = tempfile.mkdtemp(prefix="wsspec-bench-")
    results = {}

    if a.only != "reference":
        if not os.access(a.wsspec, os.X_OK):
            sys.exit("no wsspec at %s: swift build -c release --scratch-path .build-release" % a.wsspec)
        command = [a.wsspec, "run", "ws://127.0.0.1:{port}", "--agent", "websockets", "--cases", ",".join(cases),
                   "--outdir", os.path.join(work, "wsspec"), "--no-html", "--quiet"]
        if excluded:
            command += ["--exclude", ",".join(excluded)]
        command += a.wsspec_option
        print("wsspec: running ...", file=sys.stderr)
        results["wsspec"] = measure("wsspec", command, a.python3, work, timeline=a.rss_timeline > 0)

    if a.only != "wsspec":
        if a.install:
            subprocess.check_call([a.python2, "-m", "pip", "install", "--disable-pip-version-check",
                                   "autobahntestsuite==25.10.1", "--target", a.reference])
        zope = os.path.join(a.reference, "zope", "__init__.py")
        if os.path.isdir(os.path.dirname(zope)) and not os.path.exists(zope):
            open(zope, "w").close()  # zope is a namespace package the --target install leaves without one
        wstest = os.path.join(a.reference, "bin", "wstest")
        if not os.path.exists(wstest):
            sys.exit("no reference suite in %s: run with --install (needs Python 2.7 at %s)" % (a.reference, a.python2))
        spec = os.path.join(work, "fuzzingclient.json")
        with open(spec, "w") as f:
            json.dump({"outdir": os.path.join(work, "reference"), "options": {"failByDrop": False},
                       "servers": [{"agent": "websockets", "url": "ws://127.0.0.1:PORT"}],
                       "cases": cases, "exclude-cases": excluded, "exclude-agent-cases": {}}, f)
        env = dict(os.environ, PYTHONPATH=a.reference)
        command = [a.python2, "-c", REFERENCE_WRAPPER, spec, "{port}", wstest]
        print("reference: running ...", file=sys.stderr)
        results["reference"] = measure("reference", command, a.python3, work, env)

    print("selection: %s%s" % (",".join(cases), (" minus " + ",".join(excluded)) if excluded else ""))
    print("%-22s %12s %12s %8s" % ("", "reference", "wsspec", "ratio"))
    for key, label, unit in [("wall", "wall", "s"), ("cpu", "fuzzer CPU", "s"), ("rss", "fuzzer peak RSS", "MB"),
                             ("server", "server CPU", "s")]:
        ref = results.get("reference", {}).get(key)
        ours = results.get("wsspec", {}).get(key)
        cell = lambda v: ("%10.1f %s" % (v, unit.ljust(2))) if v is not None else "%12s" % "-"
        ratio = ("%7.2f" % (ours / ref)) if ref and ours is not None else "%7s" % "-"
        print("%-22s %12s %12s %8s" % (label, cell(ref), cell(ours), ratio))
    if "wsspec" in results:
        w = results["wsspec"]
        print("wsspec wall / server CPU: %.2f" % (w["wall"] / w["server"] if w["server"] else float("nan")))
    if len(results) == 2:
        ours = verdicts(os.path.join(work, "wsspec", "index.json"))
        ref = verdicts(os.path.join(work, "reference", "index.json"))
        differ = sorted(c for c in ours if c in ref and ours[c] != ref[c])
        print("verdicts: %d cases in both, %d differ%s" % (len(set(ours) & set(ref)), len(differ),
                                                         (": " + ", ".join(differ[:20])) if differ else ""))
    if a.rss_timeline > 0 and "wsspec" in results:
        rss_by_case(os.path.join(work, "wsspec"), results["wsspec"]["samples"], a.rss_timeline)
    print("reports in %s" % work)


if __name__ == "__main__":
    main()
