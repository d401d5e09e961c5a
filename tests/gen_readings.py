#!/usr/bin/env python3
"""Deterministic generator of sample meter-reading CSV files.

The same arguments always give the same bytes, so fixtures are generated at
test time instead of committed.

  gen_readings.py wide  OUT.csv --meters 2 --days 3 --start 2025-11-07
  gen_readings.py daily OUT.csv --meters 2 --days 5 --start 2025-11-07
"""
import argparse
import datetime
import random


def mpan(index):
    """A 13-digit MPAN core with a valid check digit."""
    primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43]
    body = "%012d" % (160000000000 + index * 7919)
    check = sum(int(d) * p for d, p in zip(body, primes)) % 11 % 10
    return body + str(check)


def write_wide(out, meters, days, start, rng):
    out.write("MPAN,Date," + ",".join("HH%02d" % p for p in range(1, 49)) + "\n")
    for m in range(meters):
        for d in range(days):
            date = start + datetime.timedelta(days=d)
            values = ["%.3f" % (rng.uniform(0.1, 2.5)) for _ in range(48)]
            out.write("%s,%s,%s\n" % (mpan(m), date.isoformat(), ",".join(values)))


def write_daily(out, meters, days, start, rng):
    out.write("MPAN,Date,Reading\n")
    for m in range(meters):
        for d in range(days):
            date = start + datetime.timedelta(days=d)
            out.write("%s,%s,%.3f\n" % (mpan(m), date.isoformat(), rng.uniform(20, 60)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=["wide", "daily"])
    parser.add_argument("output")
    parser.add_argument("--meters", type=int, default=2)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--start", default="2025-11-07")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = datetime.date.fromisoformat(args.start)
    with open(args.output, "w", newline="") as out:
        writer = write_wide if args.format == "wide" else write_daily
        writer(out, args.meters, args.days, start, rng)


if __name__ == "__main__":
    main()
