#!/usr/bin/env python3
"""Builds a large Adult data set for the anonymisation benchmark.

    python gen_big.py --adult adult.csv --age-hierarchy adult_hierarchy_age.csv
                      --rows 10000000 --seed 42 --out bench/data/adult_10000000r_s42.csv

Rows of the ARX Adult file (30,162 records, `;`-separated, header line) are drawn with
replacement (numpy's PCG64 generator, seeded), and each drawn row's age is moved by a whole
number of years drawn uniformly from -JITTER..+JITTER (default 2), then clamped to the range of
the age hierarchy so that every value stays covered by it. Every other column is copied
unchanged. The output has the input's header and separator.

An existing output is kept when its `<out>.meta.json` matches the rows, seed, jitter, input
checksums and generator version (and the file's size); otherwise it is rebuilt. The meta file
records row count, age range, numpy version and the output's SHA-256.
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import sys
import time

import numpy as np

GENERATOR_VERSION = 1
CHUNK = 1_000_000


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(16 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def read_adult(path):
    """Header line, and per record: text before the age, the age, text after it (with '\\n')."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = lines[0]
    sep = ";" if ";" in header else ","
    cols = header.split(sep)
    if "age" not in cols:
        raise SystemExit("gen_big.py: %s has no 'age' column (header: %s)" % (path, header))
    ai = cols.index("age")
    pre, ages, post = [], [], []
    for n, ln in enumerate(lines[1:], start=2):
        fields = ln.split(sep)
        if len(fields) != len(cols):
            raise SystemExit("gen_big.py: %s line %d has %d fields, expected %d" % (
                path, n, len(fields), len(cols)))
        try:
            age = int(fields[ai])
        except ValueError:
            raise SystemExit("gen_big.py: %s line %d: age %r is not an integer" % (
                path, n, fields[ai]))
        pre.append(sep.join(fields[:ai]) + (sep if ai > 0 else ""))
        ages.append(age)
        post.append((sep if ai < len(cols) - 1 else "") + sep.join(fields[ai + 1:]) + "\n")
    return header, sep, pre, np.array(ages, dtype=np.int64), post


def hierarchy_ages(path):
    """The original (level-0) values of the ARX age hierarchy, as integers."""
    vals = set()
    with open(path, encoding="utf-8-sig") as f:
        for ln in f:
            ln = ln.strip()
            if not ln:
                continue
            v = ln.split(";")[0].strip().strip('"')
            vals.add(int(v))
    return vals


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--adult", required=True)
    ap.add_argument("--age-hierarchy", required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--jitter", type=int, default=2, help="ages move by -J..+J years")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.rows < 1:
        ap.error("--rows must be positive")
    if args.jitter < 0:
        ap.error("--jitter must be >= 0")

    want = {"generator_version": GENERATOR_VERSION, "rows": args.rows, "seed": args.seed,
            "jitter": args.jitter, "adult_sha256": sha256(args.adult),
            "age_hierarchy_sha256": sha256(args.age_hierarchy)}
    meta_path = args.out + ".meta.json"
    if os.path.isfile(args.out) and os.path.isfile(meta_path):
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            if all(meta.get(k) == v for k, v in want.items()) and \
                    meta.get("bytes") == os.path.getsize(args.out):
                log("==> %s is up to date (%s rows, %.1f MB)" % (
                    args.out, "{:,}".format(args.rows), meta["bytes"] / 1e6))
                return 0
        except (OSError, ValueError):
            pass

    header, sep, pre, ages, post = read_adult(args.adult)
    covered = hierarchy_ages(args.age_hierarchy)
    lo, hi = min(covered), max(covered)
    gaps = sorted(set(range(lo, hi + 1)) - covered)
    if gaps:
        # clamping alone would not keep every value covered
        raise SystemExit("gen_big.py: the age hierarchy %s does not cover every whole age in "
                         "%d..%d (missing: %s)" % (args.age_hierarchy, lo, hi, gaps[:20]))
    missing = sorted(set(ages.tolist()) - covered)
    if missing:
        raise SystemExit("gen_big.py: ages %s of %s are not in the age hierarchy" % (
            missing[:20], args.adult))

    log("==> generating %s: %s rows resampled from %s (%s records), age jitter ±%d, "
        "clamped to %d..%d, seed %d" % (args.out, "{:,}".format(args.rows), args.adult,
                                        "{:,}".format(len(ages)), args.jitter, lo, hi, args.seed))
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    n = len(ages)
    tmp = args.out + ".tmp"
    clamped = 0
    age_min, age_max = None, None
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(header + "\n")
        left = args.rows
        while left > 0:
            m = min(CHUNK, left)
            idx = rng.integers(0, n, size=m)
            moved = ages[idx] + rng.integers(-args.jitter, args.jitter + 1, size=m)
            new = np.clip(moved, lo, hi)
            clamped += int(np.count_nonzero(new != moved))
            cmin, cmax = int(new.min()), int(new.max())
            age_min = cmin if age_min is None else min(age_min, cmin)
            age_max = cmax if age_max is None else max(age_max, cmax)
            f.write("".join([pre[i] + str(a) + post[i]
                             for i, a in zip(idx.tolist(), new.tolist())]))
            left -= m
    os.replace(tmp, args.out)
    elapsed = time.perf_counter() - t0
    size = os.path.getsize(args.out)
    meta = dict(want)
    meta.update({
        "bytes": size, "columns": len(header.split(sep)), "header": header, "separator": sep,
        "source_records": n, "age_range_hierarchy": [lo, hi], "age_range_output": [age_min, age_max],
        "ages_clamped": clamped, "numpy": importlib.metadata.version("numpy"),
        "sha256": sha256(args.out), "seconds": round(elapsed, 1),
    })
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    log("==> wrote %s: %.1f MB in %.1f s (%s ages clamped)" % (
        args.out, size / 1e6, elapsed, "{:,}".format(clamped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
