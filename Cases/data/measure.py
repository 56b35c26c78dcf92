#!/usr/bin/env python3
"""Measures how the test-data files compress the way the compression cases (12.x, 13.x) send them.

Each case cuts 1000 consecutive messages of one size from a file, from its start, wrapping around at the end
(text files count code points, binary files octets), and permessage-deflate compresses each message as raw
deflate with a sync flush, dropping the flush's final 00 00 FF FF. A cell's ratio is the compressed octets of
its messages over their octets, for one window size (9-15 bits) with or without context takeover. zlib level
6, memLevel 8 (Python's defaults).

  python3 measure.py DIR                 ratios of the files in DIR
  python3 measure.py REFDIR DIR          both, and how far DIR's are from REFDIR's (the table of README.md)
  options: --full (all 1000 messages per cell; default: up to 4 MiB of messages per cell, at least 16)
           --sizes 16,64,... --windows 9,15 --files data1.json,... --markdown
"""
import argparse
import os
import sys
import zlib

FILES = [("data1.json", True), ("lena512.bmp", False), ("pg2229.txt", False), ("data1.html", True),
         ("10.1.1.105.5439.pdf", False)]
SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072]
WINDOWS = list(range(9, 16))
CAP = 4 << 20


def messages(data, text, size, count):
    """The octets of the first `count` messages of `size` units, cut as the message loop cuts them."""
    if text:
        starts = [i for i, b in enumerate(data) if b & 0xC0 != 0x80] + [len(data)]
    else:
        starts = None
    length = len(starts) - 1 if text else len(data)
    octet = (lambda u: starts[u]) if text else (lambda u: u)
    out = []
    pos = 0
    for _ in range(count):
        end = (pos + size) % length
        if end > pos:
            out.append(data[octet(pos):octet(end)])
        else:
            out.append(data[octet(pos):] + data[:octet(end)])
        pos = end
    return out


def ratio(msgs, window, takeover):
    total = sum(len(m) for m in msgs)
    packed = 0
    comp = None
    for m in msgs:
        if comp is None or not takeover:
            comp = zlib.compressobj(6, zlib.DEFLATED, -window)
        out = comp.compress(m) + comp.flush(zlib.Z_SYNC_FLUSH)
        packed += len(out) - 4 if out.endswith(b"\x00\x00\xff\xff") else len(out)
    return packed / total


def table(folder, files, sizes, windows, full):
    """{(file, window, takeover): (aggregate ratio, {size: ratio})}; the aggregate weighs every size the same."""
    result = {}
    for name, text in files:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        per = {}
        for size in sizes:
            count = 1000 if full else min(1000, max(16, CAP // size))
            msgs = messages(data, text, size, count)
            for w in windows:
                for t in (True, False):
                    per[(w, t, size)] = ratio(msgs, w, t)
        for w in windows:
            for t in (True, False):
                by_size = {s: per[(w, t, s)] for s in sizes}
                result[(name, w, t)] = (sum(by_size.values()) / len(sizes), by_size)
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dirs", nargs="+")
    p.add_argument("--full", action="store_true")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)))
    p.add_argument("--windows", default=",".join(map(str, WINDOWS)))
    p.add_argument("--files", default=",".join(n for n, _ in FILES))
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    windows = [int(w) for w in a.windows.split(",")]
    files = [(n, t) for n, t in FILES if n in a.files.split(",")]
    tables = [table(d, files, sizes, windows, a.full) for d in a.dirs]
    worst_agg = worst_cell = 0.0
    worst_where = ""
    if a.markdown:
        print("| file | window | takeover | reference | wsspec | deviation | largest deviation of one size |")
        print("|---|---|---|---|---|---|---|")
    for key in tables[0]:
        name, w, t = key
        ref, ref_sizes = tables[0][key]
        if len(tables) == 1:
            print("%-20s w=%2d %-11s %.4f  %s" % (name, w, "takeover" if t else "no-takeover", ref,
                                                 " ".join("%d:%.3f" % kv for kv in ref_sizes.items())))
            continue
        ours, our_sizes = tables[1][key]
        dev = ours / ref - 1
        cell = max((abs(our_sizes[s] / ref_sizes[s] - 1), s) for s in sizes)
        worst_agg = max(worst_agg, abs(dev))
        if cell[0] > worst_cell:
            worst_cell, worst_where = cell[0], "%s w=%d %s size %d" % (name, w, "takeover" if t else "no", cell[1])
        if a.markdown:
            print("| `%s` | %d | %s | %.4f | %.4f | %+.1f %% | %.1f %% (%d) |" % (
                name, w, "yes" if t else "no", ref, ours, 100 * dev, 100 * cell[0], cell[1]))
        else:
            print("%-20s w=%2d %-11s ref %.4f ours %.4f  %+6.1f%%  worst size %6d %5.1f%%" % (
                name, w, "takeover" if t else "no-takeover", ref, ours, 100 * dev, cell[1], 100 * cell[0]))
    if len(tables) > 1:
        print("%smax deviation: %.1f %% (mean over sizes); %.1f %% for one size (%s)" % (
            "\n" if a.markdown else "", 100 * worst_agg, 100 * worst_cell, worst_where), file=sys.stderr if a.markdown else sys.stdout)


if __name__ == "__main__":
    main()
