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

FUNCTION_DE = ("und ich die der nicht zu ist in ein das sich mir du mich den es so mit er sie wie dich was "
    "auf an ist dem wir ihr auch nur noch wenn doch ja nun wohl schon da dann mein dein sein ihm ihn uns "
    "aus von vom zum zur im am für als nach bei durch um hier dort nie immer gar sehr viel mehr kein eine "
    "einen einem einer wird will kann muß soll darf mag hat hab bin bist sind war wär hätt kommt geht steht "
    "sieht weiß gibt nimmt läßt ach o weh ja nein wer wo wohin woher warum denn aber oder sondern dies jenes").split()
FUNCTION_EN = ("the of and to a in is it you that he was for on are with as his they be at one have this from or "
    "had by not but what all were we when your can said there use an each which she do how their if will up "
    "other about out many then them these so some her would make like him into time has look two more write go "
    "see number no way could people my than first been call who its now find long down day did get come made may part").split()
ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "w", "z", "br", "dr", "fl", "gr", "kl",
      "schl", "schw", "sch", "st", "sp", "tr", "str", "pf", "kn", "bl", "ch", ""]
NUCLEI = ["a", "e", "i", "o", "u", "ä", "ö", "ü", "ei", "au", "ie", "eu", "e", "e", "a", "i"]
CODAS = ["", "", "n", "r", "s", "t", "ch", "ng", "nd", "rt", "lt", "st", "ß", "ck", "m", "l", "nk", "ff", "tz"]
ENDINGS = ["", "", "en", "er", "e", "es", "est", "et", "ung", "heit", "lich", "chen", "keit", "ig", "isch"]


WORDS_EN = ("the a of to and is in that it for on with as be by this are from at or an not which all when each one "
      "its then after before until every both first second last frame message server client octets payload "
      "sends send receives echo close connection fails text binary ping pong fragment handshake opcode length "
      "mask reserved bit bits valid invalid sequence chunk chunks time within seconds immediately answer "
      "expected expects same again whole single several many other").split()


def exact(data: bytes, size: int, filler: bytes) -> bytes:
    """Cuts or pads (with repetitions of `filler`) to exactly `size` octets."""
    while len(data) < size:
        data += filler
    return data[:size]


def json_document(size: int) -> bytes:
    """A results index: per host, one small record per run ID, in the order the runs happened. Neighbouring
    records differ in a few characters only (IDs counting up, mostly the same state and code), which is what
    makes the file compress well even within a 512-octet window."""
    rng = random.Random(1201)
    hosts = ["relay-north/2.3.0", "gateway.eu-7/11.0.4512.2", "edge-probe/31.1-20260114"]
    doc = {}

    def render(d):
        return json.dumps(d, indent=3).encode("ascii")

    for host in hosts:
        slug = "".join(c if c.isalnum() else "_" for c in host.lower())
        runs = doc[host] = {}
        for major in range(1, 14):
            for minor in range(1, rng.randrange(3, 9)):
                code = rng.choice([0, 0, 0, 2, 9])
                for n in range(1, rng.randrange(2, 20)):
                    rid = "%d.%d.%d" % (major, minor, n)
                    r = rng.random()
                    state = "PASS" if r < 0.985 else ("WARN" if r < 0.995 else "FAIL")
                    quick = rng.random() < 0.94
                    runs[rid] = {
                        "state": state,
                        "stateAfter": state,
                        "millis": rng.choice([1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4]) if quick else rng.randrange(5, 6000),
                        "exitCode": code,
                        "log": "%s_run_%s.txt" % (slug, rid.replace(".", "_")),
                    }
    # Drop runs from the end until the document fits, then pad with blanks before the closing brace.
    text = render(doc)
    while len(text) > size:
        last = doc[hosts[-1]] if doc[hosts[-1]] else doc[hosts[-2]]
        over = len(text) - size
        for _ in range(max(1, over // 200)):
            last.popitem()
        text = render(doc)
    return text[:-1] + b" " * (size - len(text)) + b"}"


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


def pseudo_word(rng) -> str:
    """A German-looking word of one to three syllables."""
    word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(rng.choice([1, 1, 2, 2, 3])))
    return word + rng.choice(ENDINGS)


def verse(size: int) -> bytes:
    """A verse drama in a German-looking made-up language (UTF-8): speakers and short indented lines, half of the
    words common German function words, the rest drawn from 20,000 made-up words with Zipf-like frequencies (as
    in real text), and a closing part in English-looking prose, as a book from an online library would have."""
    rng = random.Random(1203)
    vocabulary = list(dict.fromkeys(pseudo_word(rng) for _ in range(40000)))[:20000]
    weights = [1 / (i + 1) ** 0.75 for i in range(len(vocabulary))]
    speakers = [pseudo_word(rng).upper() for _ in range(9)]

    def pick():
        return rng.choice(FUNCTION_DE) if rng.random() < 0.5 else rng.choices(vocabulary, weights)[0]

    out = ["  (Ein synthetischer Text f\u00fcr wsspec, kein Zitat.)\n\n"]
    length = 0
    while length < size * 0.91:
        block = ["  %s:" % rng.choice(speakers[:4] if rng.random() < 0.7 else speakers)]
        for _ in range(rng.randrange(2, 16)):
            line = " ".join(pick() for _ in range(rng.randrange(3, 8)))
            block.append("  " + line[0].upper() + line[1:] + rng.choice([",", ".", "!", "?", ";", "", "", ","]))
        text = "\n".join(block) + "\n\n"
        out.append(text)
        length += len(text.encode("utf-8"))
    out.append("\n*** END OF THE SYNTHETIC TEXT ***\n\n")
    while length < size:
        sentence = " ".join(rng.choice(FUNCTION_EN) if rng.random() < 0.6 else rng.choice(vocabulary[:3000])
                            for _ in range(rng.randrange(6, 24)))
        text = sentence[0].upper() + sentence[1:] + (".\n\n" if rng.random() < 0.2 else ". ")
        out.append(text)
        length += len(text.encode("utf-8"))
    return exact("".join(out).encode("utf-8"), size, b" ")


def html_page(size: int, code_points: int) -> bytes:
    """A results page: a style sheet, a long table with one row per run (neighbouring rows differ in a few
    characters), then a description block per run whose sentences repeat within a family of runs. ASCII apart
    from exactly size - code_points two-octet characters."""
    rng = random.Random(1204)
    extra = size - code_points
    css_rules = []
    for name in ["body", "h1", "h2", "p.lead", "table.grid", "td.run", "td.pass", "td.warn", "td.fail", "td.skip",
                 "td.info", "span.ms", "div.note", "a.top", "tr.group", "tr.subgroup", "td.group", "td.subgroup",
                 "p.block", "p.block.what", "p.block.expect", "div#legend", "div#legend span", "*.nosel"] + [
                 "%s.%s" % (rng.choice(["div", "span", "td", "p", "a", "li"]), "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randrange(4, 14)))) for _ in range(50)]:
        props = rng.sample(["color: #%03x;" % rng.randrange(4096), "background-color: #%06x;" % rng.randrange(1 << 24),
                            "padding: %dpx;" % rng.choice([2, 4, 8, 12]), "margin: %dpx;" % rng.choice([0, 4, 10, 20]),
                            "text-align: center;", "font-size: %.1fem;" % rng.choice([0.7, 0.8, 1.1, 1.4]),
                            "font-family: Helvetica,Arial,sans-serif;", "border-radius: %dpx;" % rng.choice([3, 6, 12]),
                            "font-weight: bold;", "display: inline-block;"], rng.randrange(2, 6))
        css_rules.append("%s {\n%s\n}\n" % (name, "\n".join("   " + p for p in props)))
    head = ("<!DOCTYPE html>\n<html>\n   <head>\n      <meta charset=\"utf-8\" />\n      <title>wsspec synthetic results</title>\n"
            "      <style>\n" + "\n".join(css_rules) + "      </style>\n   </head>\n   <body>\n"
            "      <h1>Synthetic results (stra\u00dfe, gr\u00fc\u00df, caf\u00e9)</h1>\n")
    states = [("pass", "Pass"), ("pass", "Pass"), ("pass", "Pass"), ("warn", "Warn"), ("fail", "Fail"), ("skip", "Skipped")]
    groups = []
    for g in range(1, 11):
        subs = []
        for s in range(1, rng.randrange(2, 9)):
            subs.append((s, rng.randrange(2, 25), " ".join(rng.choice(WORDS_EN) for _ in range(rng.randrange(3, 7))).capitalize()))
        groups.append((g, " ".join(rng.choice(WORDS_EN) for _ in range(rng.randrange(2, 4))).title(), subs))
    rows = ["      <table class=\"grid\">\n"]
    descs = []
    for g, title, subs in groups:
        rows.append("         <tr class=\"group\">\n            <td class=\"group\" colspan=\"3\">%d %s</td>\n         </tr>\n" % (g, title))
        for s, n, stitle in subs:
            rows.append("         <tr class=\"subgroup\">\n            <td class=\"subgroup\" colspan=\"3\">%d.%d %s</td>\n         </tr>\n" % (g, s, stitle))
            state = rng.choice(states)
            what = " ".join(rng.choice(WORDS_EN) for _ in range(rng.randrange(25, 50)))
            expect = " ".join(rng.choice(WORDS_EN) for _ in range(rng.randrange(25, 55)))
            for i in range(1, n + 1):
                rid = "%d.%d.%d" % (g, s, i)
                key = rid.replace(".", "_")
                if rng.random() < 0.1:
                    state = rng.choice(states)
                rows.append("         <tr class=\"run_row\">\n            <td class=\"run\"><a href=\"#about_%s\">Run %s</a></td>\n"
                            "            <td class=\"%s nosel\" colspan=\"2\">%s<br/><span class=\"ms\">%d ms</span></td>\n         </tr>\n"
                            % (key, rid, state[0], state[1], rng.choice([1, 2, 2, 3]) if rng.random() < 0.5 else rng.randrange(4, 900)))
                shown = 2 ** rng.randrange(4, 18) if rng.random() < 0.5 else i
                descs.append("      <a name=\"about_%s\"></a>\n      <h2>Run %s</h2>\n      <a class=\"top\" href=\"#top\">Top</a>\n"
                             "      <p class=\"block what\"><b>What is sent</b><br/><br/>%s %d.</p>\n"
                             "      <p class=\"block expect\"><b>What is expected</b><br/><br/>%s.</p>\n      <br/>\n"
                             % (key, rid, what.capitalize(), shown, expect.capitalize()))
    rows.append("      </table>\n")
    text = head + "".join(rows) + "".join(descs)
    # Cut at a line end within the budget, then close the document; a comment carries the two-octet characters
    # still missing and pads to the exact size.
    tail = "   </body>\n</html>\n"
    nonascii = "\u00e9\u00fc\u00df\u00e0\u00f6"
    budget = size - len(tail) - len("<!--  -->\n") - 2 * extra
    text = text[: text.rfind("\n", 0, budget) + 1]
    data = text.encode("utf-8")
    missing = extra - (len(data) - len(text))
    assert missing >= 0, "too many non-ASCII characters"
    room = size - len(data) - len(tail) - len("<!--  -->\n") - 2 * missing
    comment = "<!-- " + (nonascii * missing)[:missing] + " " * room + " -->\n"
    out = text + comment + tail
    assert len(out.encode("utf-8")) == size and len(out) == code_points, (len(out.encode("utf-8")), len(out))
    return out.encode("utf-8")


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
            if rng.random() < 0.2:
                ops = []
                while sum(map(len, ops)) < length:
                    ops.append("BT /F1 %d Tf %d %d Td (%s) Tj ET\n" % (rng.choice([9, 10, 12]), rng.randrange(50, 550),
                               rng.randrange(50, 750), " ".join(rng.choice(FUNCTION_DE[:40]) for _ in range(6))))
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
