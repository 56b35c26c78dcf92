#!/usr/bin/env python3
"""Writes wsspec's test-data corpus for the compression cases (12.x, 13.x) into this folder.

Five files of the five kinds the reference suite uses, with the reference's file names and exact sizes
(catalogue §2.10), generated from fixed seeds with Python's Mersenne Twister (stable across Python 3
versions), so running this again gives the same octets. Everything here is synthetic: no third-party
content, nothing to license. Usage: python3 generate.py [OUTDIR]
"""
import hashlib
import json
import os
import random
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

GERMAN = ("und der die das ist nicht ich du er sie es wir ihr zu mit sich auf für als auch noch nach "
          "wie so wenn aber nur schon mehr hier dort Nacht Geist Welt Herz Himmel Erde Feuer Wasser "
          "Seele Liebe Zeit Traum Lied Wort Tat Kraft Licht Schatten Gold Blut Blume Stern Wald Weg "
          "Hand Auge Stimme Grab Bücher Wissen Weisheit Teufel Engel Gretchen Doktor Schüler Mädchen "
          "Stube Kammer Garten Straße Kirche Brunnen Keller Hexe Küche Walpurgis Spiel Zueignung "
          "schön süß groß klein alt jung tief hoch dunkel hell still laut fromm wild müde froh "
          "gehen kommen sehen hören sprechen singen lieben leben sterben träumen wissen glauben "
          "möchte könnte würde hätte wäre müßte dürfte sollte ").split()
SPEAKERS = ["FAUST.", "MEPHISTOPHELES.", "MARGARETE.", "WAGNER.", "MARTHE.", "CHOR DER ENGEL.", "SCHÜLER."]


def exact(data: bytes, size: int, filler: bytes) -> bytes:
    """Cuts or pads (with repetitions of `filler`) to exactly `size` octets."""
    while len(data) < size:
        data += filler
    return data[:size]


def json_document(size: int) -> bytes:
    rng = random.Random(1201)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
             "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]
    records = []
    text = b""
    i = 0
    while len(text) < size + 4096:
        records.append({
            "id": i,
            "type": rng.choice(["user", "user", "user", "admin", "guest"]),
            "isActive": rng.random() < 0.8,
            "age": rng.randrange(20, 60),
            "name": "%s %s" % (rng.choice(words).title(), rng.choice(words[:5]).title()),
            "tags": [rng.choice(words[:6]) for _ in range(rng.randrange(1, 4))],
            "settings": {"theme": rng.choice(["light", "dark"]), "language": "en", "notifications": True},
            "about": " ".join(rng.choice(words[:8]) for _ in range(rng.randrange(4, 10))) + ".",
        })
        i += 1
        if i % 50 == 0:
            text = json.dumps(records, indent=2).encode("ascii")
    # Keep it a well-formed document: drop records until it fits, then pad with blanks inside the array.
    while True:
        text = json.dumps(records, indent=2).encode("ascii")
        if len(text) <= size:
            break
        records.pop()
    return text[:-1] + b" " * (size - len(text)) + b"]"


def bitmap(width: int = 512, height: int = 512) -> bytes:
    """An 8-bit grayscale BMP (256-entry palette) of smooth shapes with grain, like a photograph."""
    import math
    rng = random.Random(1202)
    waves = [(rng.uniform(0.005, 0.05), rng.uniform(0.005, 0.05), rng.uniform(0, 6.3), rng.uniform(15, 45))
             for _ in range(6)]
    blobs = [(rng.uniform(0, width), rng.uniform(0, height), rng.uniform(20, 120), rng.uniform(-70, 70))
             for _ in range(12)]
    rows = []
    for y in range(height):
        row = bytearray(width)
        for x in range(width):
            v = 128.0
            for fx, fy, ph, amp in waves:
                v += amp * math.sin(fx * x + fy * y + ph)
            for bx, by, r, amp in blobs:
                d2 = (x - bx) ** 2 + (y - by) ** 2
                if d2 < 9 * r * r:
                    v += amp * math.exp(-d2 / (2 * r * r))
            v += rng.gauss(0, 4)
            row[x] = max(0, min(255, int(v)))
        rows.append(bytes(row))
    pixels = b"".join(rows)  # bottom-up rows, each 512 octets (already a multiple of 4)
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    offset = 14 + 40 + len(palette)
    header = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 0, len(pixels), 2835, 2835, 256, 0)
    return header + info + palette + pixels


def verse(size: int) -> bytes:
    """German-like verse drama: speakers, rhymed-looking lines, stage directions (UTF-8)."""
    rng = random.Random(1203)
    out = ["DER TRAGÖDIE ERSTER TEIL\n\n(Ein synthetischer Text für wsspec, kein Zitat.)\n\n"]
    length = 0
    while length < size + 1000:
        block = [rng.choice(SPEAKERS)]
        for _ in range(rng.randrange(2, 12)):
            words = [rng.choice(GERMAN) for _ in range(rng.randrange(4, 10))]
            line = " ".join(words)
            block.append(line[0].upper() + line[1:] + rng.choice([",", ".", "!", "?", ";", ""]))
        if rng.random() < 0.15:
            block.append("(%s.)" % " ".join(rng.choice(GERMAN) for _ in range(rng.randrange(3, 8))).capitalize())
        text = "\n".join(block) + "\n\n"
        out.append(text)
        length += len(text.encode("utf-8"))
    return exact("".join(out).encode("utf-8"), size, b" ")


def html_page(size: int, code_points: int) -> bytes:
    """An HTML page, ASCII apart from exactly size - code_points two-octet characters (é, ü, ß, …)."""
    rng = random.Random(1204)
    extra = size - code_points
    words = ["wsspec", "frame", "message", "socket", "server", "client", "compression", "window", "deflate",
             "context", "payload", "fragment", "handshake", "extension", "protocol", "octet", "stream"]
    parts = ["<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Synthetic page</title>\n"
             "<style>body{font-family:sans-serif;margin:2em} td{padding:2px 6px} .n{text-align:right}</style>\n"
             "</head>\n<body>\n<h1>Synthetic page (caf\u00e9 r\u00e9sum\u00e9)</h1>\n"]
    specials = 3  # é é é in the heading (é counted once each)
    specials = parts[0].count("\u00e9")
    nonascii = "\u00e9\u00fc\u00df\u00e0\u00f6"
    body_size = 0
    while body_size < size:
        kind = rng.random()
        if kind < 0.5:
            s = "<p>%s</p>\n" % " ".join(rng.choice(words[:6]) for _ in range(rng.randrange(10, 60)))
        elif kind < 0.8:
            cells = "".join("<tr><td>%s</td><td class=\"n\">%d</td><td><a href=\"/%s/%d\">%s</a></td></tr>\n" % (
                rng.choice(words), rng.randrange(100), rng.choice(words[:4]), rng.randrange(10), rng.choice(words))
                for _ in range(rng.randrange(3, 15)))
            s = "<table>\n%s</table>\n" % cells
        else:
            s = "<ul>\n%s</ul>\n" % "".join("<li><b>%s</b> %s</li>\n" % (rng.choice(words), rng.choice(words))
                                            for _ in range(rng.randrange(2, 9)))
        if specials < extra and rng.random() < 0.1:
            s = s.replace("<p>", "<p>%s " % rng.choice(nonascii), 1) if s.startswith("<p>") else s
            specials = sum(p.count(c) for p in parts + [s] for c in nonascii)
        parts.append(s)
        body_size += len(s)
    text = "".join(parts)
    # Trim to the ASCII budget, then close the document and pad with a comment to the exact size.
    tail = "</body>\n</html>\n"
    data = text.encode("utf-8")
    budget = size - len(tail.encode()) - len("<!--  -->\n")
    while len(data) > budget:
        text = text[: len(text) - (len(data) - budget)]
        data = text.encode("utf-8")
    missing = extra - (len(data) - len(text))
    assert missing >= 0, "too many non-ASCII characters"
    pad_text = nonascii[0] * missing
    comment = "<!-- " + pad_text + " -->\n"
    room = size - len(data) - len(tail.encode()) - len(comment.encode())
    comment = "<!-- " + pad_text + " " * room + " -->\n"
    out = (text + comment + tail).encode("utf-8")
    assert len(out) == size and len((text + comment + tail)) == code_points, (len(out), len(text + comment + tail))
    return out


def pdf_like(size: int) -> bytes:
    """A PDF-shaped file: text objects and page dictionaries around high-entropy streams (like compressed
    content and images), with a cross-reference table and trailer."""
    rng = random.Random(1205)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    n = 1
    while len(out) < size - 4096:
        offsets.append(len(out))
        if rng.random() < 0.3:
            body = ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    "/Resources << /Font << /F1 %d 0 R >> >> >>" % (n + 1, rng.randrange(3, 40)))
            out += b"%d 0 obj\n%s\nendobj\n" % (n, body.encode())
        else:
            length = rng.randrange(2000, 30000)
            if rng.random() < 0.35:
                ops = []
                while sum(map(len, ops)) < length:
                    ops.append("BT /F1 %d Tf %d %d Td (%s) Tj ET\n" % (rng.choice([9, 10, 12]), rng.randrange(50, 550),
                               rng.randrange(50, 750), " ".join(rng.choice(GERMAN[:40]) for _ in range(6))))
                stream = "".join(ops).encode("utf-8")[:length]
            else:
                stream = rng.getrandbits(8 * length).to_bytes(length, "little")
            out += b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % (n, length)
            out += stream + b"\nendstream\nendobj\n"
        n += 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    for off in offsets:
        if len(out) > size - 200:
            break
        out += b"%010d 00000 n \n" % off
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    out = bytes(out[: size - len(trailer)])
    return exact(out, size - len(trailer), b" ") + trailer


FILES = [
    ("data1.json", lambda: json_document(194056)),
    ("lena512.bmp", bitmap),
    ("pg2229.txt", lambda: verse(222218)),
    ("data1.html", lambda: html_page(263647, 263620)),
    ("10.1.1.105.5439.pdf", lambda: pdf_like(1042328)),
]

if __name__ == "__main__":
    for name, make in FILES:
        data = make()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("%-22s %8d octets  sha1 %s" % (name, len(data), hashlib.sha1(data).hexdigest()))
