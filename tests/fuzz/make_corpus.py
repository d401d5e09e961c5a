#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets in tests/fuzz.

    make_corpus.py OUTDIR

writes OUTDIR/{csv,ingest,parse_date,parse_number,env,profile}/ from the fixture
generator's files (tests/gen_fixtures.py, run into OUTDIR/fixtures) and the
.env cases of tests/unit/test_config.c:

  csv, ingest    every fixture file (gzip ones too, as they are), prefixed by
                 the control byte the target reads first: for ingest the
                 fixture's own options, for csv a read size; files over
                 SEED_MAX bytes are cut at a line end;
  parse_date     the distinct date, time and timestamp cells of the fixtures;
  parse_number   the distinct value cells, each also with each unit seen
                 ("value\\nunit"), plus identifiers and reading-type flags;
  env            every .env text written by test_config.c, and each of its
                 bad lines inside a small valid file;
  profile        every built-in import profile (control byte 0), and each
                 date format of them with a cell of tests/profiles (byte 1);
                 the profile fixtures' input files are ingest seeds too.

Deterministic; file names are content hashes, so re-running adds nothing.
"""
import csv
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED_MAX = 16384


def put(directory, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def cut(data):
    if len(data) <= SEED_MAX:
        return data
    end = data.rfind(b"\n", 0, SEED_MAX)
    return data[: end + 1] if end > 0 else data[:SEED_MAX]


def ingest_control(options):
    """The control byte fuzz_ingest.c reads (options_from)."""
    c = 0
    if options.get("import_type") == "daily":
        c |= 0x01
    if options.get("month_first"):
        c |= 0x02
    if options.get("interval_end"):
        c |= 0x04
    if options.get("negatives") == "reject":
        c |= 0x08
    c |= {"create": 0, "reject_row": 1, "reject_file": 2}.get(options.get("unknown_meters"), 0) << 4
    if options.get("dry_run"):
        c |= 0x40
    return c


def text_of(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", "surrogateescape").lstrip("\ufeff")


DATEISH = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\s*\d{1,2}:\d{2}")
NUMBERISH = re.compile(r"^[\s+\-]*[\d.,]*\d[\d.,eE+\-]*\s*$|^\s*(N/A|NaN|-|)\s*$", re.I)


def fixture_seeds(out):
    fixtures = os.path.join(out, "fixtures")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "gen_fixtures.py"), fixtures],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(fixtures, "manifest.json")) as f:
        manifest = json.load(f)
    options = {}
    for case in manifest:
        options.setdefault(case["file"], case.get("options", {}))
        for step in case.get("setup", []):
            options.setdefault(step["file"], step.get("options", {}))
    dates, numbers, units, others = set(), set(), set(), set()
    for i, name in enumerate(sorted(os.listdir(fixtures))):
        if name == "manifest.json":
            continue
        with open(os.path.join(fixtures, name), "rb") as f:
            data = f.read()
        put(os.path.join(out, "ingest"), bytes([ingest_control(options.get(name, {}))]) + cut(data))
        put(os.path.join(out, "csv"), bytes([i % 8]) + cut(data))
        text = text_of(data)
        rows = list(csv.reader(io.StringIO(text[:200000]), delimiter=";" if text.count(";") > text.count(",") else ","))
        if not rows:
            continue
        header = [h.strip().lower() for h in rows[0]]
        for row in rows[1:]:
            for col, cell in enumerate(row):
                head = header[col] if col < len(header) else ""
                if DATEISH.match(cell):
                    dates.add(cell)
                elif head in ("unit", "units", "uom"):
                    units.add(cell)
                elif NUMBERISH.match(cell) and len(cell) < 40 and not head.startswith(("mpan", "meter", "serial")):
                    numbers.add(cell)
                elif len(cell) < 40:
                    others.add(cell)
    for d in sorted(dates):
        put(os.path.join(out, "parse_date"), d)
    numbers = sorted(numbers)
    for n in numbers:
        put(os.path.join(out, "parse_number"), n)
    for u in sorted(units | {"kWh", "Wh", "MWh"}):
        for n in numbers[:: max(1, len(numbers) // 20)]:
            put(os.path.join(out, "parse_number"), n + "\n" + u)
    for o in sorted(others):
        put(os.path.join(out, "parse_number"), o)
    return len(dates), len(numbers)


C_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def c_unescape(body):
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
            continue
        out += {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0"}.get(n, n.encode())
        i += 2
    return bytes(out)


def c_strings(text):
    """Adjacent C string literals of `text` joined, as bytes."""
    return b"".join(c_unescape(m.group(1)) for m in C_STRING.finditer(text))


def env_seeds(out):
    with open(os.path.join(ROOT, "tests", "unit", "test_config.c")) as f:
        source = f.read()
    count = 0
    # write_env(f, "name", "content" "content"...);
    for m in re.finditer(r'write_env\(f,\s*"[^"]*",\s*((?:\s*"(?:[^"\\\n]|\\.)*")+)\s*\)', source):
        put(os.path.join(out, "env"), c_strings(m.group(1)))
        count += 1
    # static const char bytes[] = "...";
    for m in re.finditer(r'bytes\[\]\s*=\s*((?:\s*"(?:[^"\\\n]|\\.)*")+);', source):
        put(os.path.join(out, "env"), c_strings(m.group(1)))
        count += 1
    # the bad lines of the parse-error table: { "line", "message" },
    for m in re.finditer(r'\{\s*((?:"(?:[^"\\\n]|\\.)*"\s*)+),\s*"(?:[^"\\\n]|\\.)*"\s*\}', source):
        line = c_strings(m.group(1))
        put(os.path.join(out, "env"), b"ECLECTYC_DB=changed\n\n# comment\nNEW_KEY=x\n" + line + b"\nAFTER=1\n")
        count += 1
    return count


def profile_seeds(out):
    """The built-in profiles, their date patterns with sample cells, and the
    profile fixtures' inputs for the ingest target."""
    pdir = os.path.join(ROOT, "libeclectyc", "ingest", "profiles")
    cells = ["26/10/2025", "2025-10-26", "26-Oct-25", "Oct 26 2025 12:00AM", "26 Oct 2025 01:30:00",
             "2025-10-26T01:30:00+01:00", "530", "24:00", "30/03/25 01:00"]
    for name in sorted(os.listdir(pdir)):
        with open(os.path.join(pdir, name), "rb") as f:
            data = f.read()
        put(os.path.join(out, "profile"), b"\x00" + data)
        profile = json.loads(data)
        for key in ("date", "time", "timestamp"):
            for pattern in profile.get(key, {}).get("formats", []):
                for cell in cells:
                    put(os.path.join(out, "profile"), b"\x01" + pattern.encode() + b"\n" + cell.encode())
    cases = os.path.join(ROOT, "tests", "profiles")
    for case in sorted(os.listdir(cases)):
        spec = os.path.join(cases, case, "case.json")
        if not os.path.exists(spec):
            continue
        with open(spec) as f:
            source = json.load(f)["input"]
        with open(os.path.join(cases, case, source), "rb") as f:
            put(os.path.join(out, "ingest"), bytes([ingest_control({})]) + cut(f.read()))


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    out = sys.argv[1]
    dates, numbers = fixture_seeds(out)
    envs = env_seeds(out)
    profile_seeds(out)
    for name in ("csv", "ingest", "parse_date", "parse_number", "env", "profile"):
        print("%-13s %5d seeds" % (name, len(os.listdir(os.path.join(out, name)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
