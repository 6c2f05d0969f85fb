#!/usr/bin/env python3
"""Generate a deterministic CSV of exactly N rows for the profile benchmark.

    python gen_rows.py --rows 1000000 --out bench/data/profile_1000000r_s42.csv [--seed 42] [--force]

A thin wrapper around bench/import/gen_csv.py: the same 20 columns, value mix, null
rates and CSV encoding, and the same chunk-by-chunk random streams, so for one seed the
file is exactly the first N rows of the import benchmark's CSV. gen_csv.py cuts its
output by size; this script cuts it by row count and otherwise reuses gen_csv's
make_chunk/build_pools unchanged (gen_csv.py itself is not modified).

Beside the CSV it writes <out>.meta.json in gen_csv's format (rows, columns, bytes,
seed, column types, null columns) plus the requested row count, the numpy version and
the CSV's SHA-256. An existing CSV whose meta file matches the requested rows, seed and
generator version is kept unless --force is given. The CSV is written to a temporary
name and renamed at the end.
"""

import argparse
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ in bench/import/
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "import"))

import numpy as np  # noqa: E402

import gen_csv  # noqa: E402  (bench/import/gen_csv.py)

# Bumped when this wrapper's output changes; gen_csv.GENERATOR_VERSION is checked too.
WRAPPER_VERSION = 1


def cached_ok(out, rows, seed):
    meta_path = out + ".meta.json"
    if not (os.path.isfile(out) and os.path.isfile(meta_path)):
        return False
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return (meta.get("generator_version") == gen_csv.GENERATOR_VERSION
            and meta.get("wrapper_version") == WRAPPER_VERSION
            and meta.get("seed") == seed
            and meta.get("rows_requested") == rows
            and meta.get("rows") == rows
            and meta.get("bytes") == os.path.getsize(out))


def generate(out, rows, seed):
    header = ",".join(name for name, _, _ in gen_csv.COLUMNS) + "\n"
    pools = gen_csv.build_pools(seed)
    tmp = out + ".partial"
    sha = hashlib.sha256()
    written, done, k = 0, 0, 0
    t0 = time.perf_counter()
    next_report = 0.1
    with open(tmp, "w", encoding="ascii", newline="") as f:
        f.write(header)
        sha.update(header.encode("ascii"))
        written += len(header)
        while done < rows:
            # always draw a whole chunk so that chunk k's values do not depend on N
            chunk = gen_csv.make_chunk(seed, k, done + 1, gen_csv.CHUNK_ROWS, pools)
            lines = list(map(",".join, zip(*chunk)))[:rows - done]
            text = "\n".join(lines) + "\n"
            f.write(text)
            sha.update(text.encode("ascii"))
            written += len(text)
            done += len(lines)
            k += 1
            if done >= next_report * rows and rows >= 500_000:
                print("  %3.0f%%  %d rows  %.1f s" % (100 * done / rows, done,
                                                     time.perf_counter() - t0), file=sys.stderr)
                next_report += 0.1
    size = os.path.getsize(tmp)
    assert size == written, (size, written)
    meta = {
        "generator_version": gen_csv.GENERATOR_VERSION,
        "wrapper_version": WRAPPER_VERSION,
        "generator": "bench/profile/gen_rows.py (bench/import/gen_csv.py columns, cut by rows)",
        "seed": seed,
        "rows_requested": rows,
        "bytes": size,
        "rows": done,
        "columns": len(gen_csv.COLUMNS),
        "column_types": {name: typ for name, typ, _ in gen_csv.COLUMNS},
        "null_columns": [name for name, _, nul in gen_csv.COLUMNS if nul],
        "null_rate": gen_csv.NULL_RATE,
        "numpy": np.__version__,
        "sha256": sha.hexdigest(),
        "generate_seconds": round(time.perf_counter() - t0, 2),
    }
    os.replace(tmp, out)
    with open(out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="regenerate even if a matching file exists")
    args = ap.parse_args()
    if args.rows <= 0:
        ap.error("--rows must be positive")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if not args.force and cached_ok(args.out, args.rows, args.seed):
        print("cached: %s" % args.out, file=sys.stderr)
        return
    meta = generate(args.out, args.rows, args.seed)
    print("wrote %s: %d bytes, %d rows, %d columns in %.1f s"
          % (args.out, meta["bytes"], meta["rows"], meta["columns"], meta["generate_seconds"]),
          file=sys.stderr)


if __name__ == "__main__":
    main()
