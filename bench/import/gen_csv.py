#!/usr/bin/env python3
"""Generate a deterministic CSV of roughly N MB for the import benchmark.

    python gen_csv.py --size-mb 1000 --out bench/data/import_1000mb_s42.csv [--seed 42] [--force]

20 columns of mixed types (int64, float64 incl. scientific notation, strings of
varied length incl. quoted free text with commas and escaped quotes, ISO dates,
ISO timestamps, booleans) with ~1% empty cells in six columns. Header row,
comma-separated, '\n' line endings, ASCII only. 1 MB = 1,000,000 bytes.

Random values are drawn with numpy, a whole chunk (100,000 rows) at a time, and
formatted column by column (numpy datetime/str casts, object-array concatenation
and C-level map over the column); rows are joined with str.join, so there is no
Python-level loop over cells.

Chunk k is drawn from its own generator seeded with (seed, k), so for one seed a
smaller file is a prefix of a larger one (apart from where it is cut off).

Beside the CSV it writes <out>.meta.json (rows, columns, bytes, seed, types).
An existing CSV whose meta file matches the requested size, seed and generator
version is kept unless --force is given. The CSV is written to a temporary name
and renamed at the end, so an interrupted run never leaves a half-written cache.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

GENERATOR_VERSION = 1
CHUNK_ROWS = 100_000

# (name, logical type, has ~1% nulls)
COLUMNS = [
    ("id", "int64", False),
    ("customer_id", "int64", False),
    ("age", "int64", True),
    ("visits", "int64", False),
    ("balance_delta", "int64", False),
    ("price", "float64", False),
    ("score", "float64", False),
    ("ratio", "float64 (scientific)", True),
    ("latitude", "float64", False),
    ("name", "string", False),
    ("category", "string (6 values)", False),
    ("country", "string (20 values)", False),
    ("email", "string", False),
    ("comment", "string (free text, quoted)", True),
    ("birth_date", "date", False),
    ("signup_date", "date", True),
    ("created_at", "timestamp", False),
    ("last_login", "timestamp", True),
    ("is_active", "bool", False),
    ("newsletter", "bool", True),
]
NULL_RATE = 0.01

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel
Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily
Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy
Deborah Ana Jose Wei Yuki Olga Pierre Ingrid Aisha Mateo Siobhan Lars Priya Kwame""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres
Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
O'Brien Van-der-Berg Kowalski Yamamoto Mueller Rossi Dubois Novak Okafor Lindqvist""".split()
DOMAINS = ["example.com", "mail.test", "corp.example.org", "inbox.test", "post.example.net"]
CATEGORIES = ["electronics", "books", "home", "garden", "toys", "grocery"]
CATEGORY_P = [0.30, 0.25, 0.20, 0.10, 0.10, 0.05]
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "CN", "IN", "BR", "CA", "AU",
             "MX", "ES", "IT", "NL", "SE", "PL", "NG", "KR", "ZA", "AR"]
WORDS = """the a an order arrived late early fine great poor quality price shipping box
damaged perfect again never always customer service refund replacement colour size small
large fits works broke after days weeks months battery screen cable manual missing extra
gift wrapped fast slow would recommend not happy very quite really okay excellent terrible
packaging delivery driver left door neighbour returned exchanged support chat email phone
called twice waited hours resolved unresolved discount coupon applied expired""".split()
CONNECTORS = [" ", ", ", "; ", ", and ", " - ", ", but ", ". "]

EPOCH_DATE = np.datetime64("1940-01-01", "D")
EPOCH_TS = np.datetime64("2010-01-01T00:00:00", "s")


def obj(values):
    """1-D numpy object array of Python strings."""
    values = list(values)
    a = np.empty(len(values), dtype=object)
    a[:] = values
    return a


def build_pools(seed):
    """Phrase pools for the free-text column, drawn once per seed (4096 phrases each)."""
    rng = np.random.default_rng([seed, 0xC0FFEE])
    pools = []
    for _ in range(2):
        lengths = rng.integers(1, 14, size=4096)
        word_idx = rng.integers(0, len(WORDS), size=int(lengths.sum()))
        quote = rng.random(4096) < 0.04  # some phrases contain a "quoted" word
        phrases, pos = [], 0
        for n, q in zip(lengths.tolist(), quote.tolist()):
            ws = [WORDS[i] for i in word_idx[pos:pos + n].tolist()]
            pos += n
            if q:
                ws[-1] = '"' + ws[-1] + '"'
            phrases.append(" ".join(ws))
        needs_quote = np.array(['"' in p or "," in p for p in phrases])
        escaped = obj(p.replace('"', '""') for p in phrases)
        pools.append((escaped, needs_quote))
    return pools


def with_nulls(rng, col, n):
    mask = rng.random(n) < NULL_RATE
    col[mask] = ""
    return col


def fmt(fmtstr, values):
    return obj(map(fmtstr.format, values.tolist()))


def ints(values):
    return obj(map(str, values.tolist()))


def make_chunk(seed, k, first_id, n, pools):
    """Return the 20 columns of chunk k as lists of CSV-encoded field strings."""
    rng = np.random.default_rng([seed, k])
    cols = []

    # --- int64 ---
    cols.append(ints(np.arange(first_id, first_id + n, dtype=np.int64)))
    cols.append(ints(rng.integers(1, 10**12, size=n, dtype=np.int64)))
    cols.append(with_nulls(rng, ints(rng.integers(0, 100, size=n)), n))
    cols.append(ints(rng.geometric(0.002, size=n) - 1))
    cols.append(ints(rng.integers(-10**7, 10**7, size=n, dtype=np.int64)))

    # --- float64 ---
    cents = rng.integers(1, 10_000_000, size=n)  # 0.01 .. 99999.99
    cents_frac = obj("%02d" % i for i in range(100))
    cols.append(ints(cents // 100) + "." + cents_frac[cents % 100])
    cols.append(fmt("{:.4f}", rng.normal(0.0, 250.0, size=n)))
    sign = np.where(rng.random(n) < 0.2, -1.0, 1.0)
    cols.append(with_nulls(rng, fmt("{:.6e}", sign * 10.0 ** rng.uniform(-12, 12, size=n)), n))
    cols.append(fmt("{:.5f}", rng.uniform(-90.0, 90.0, size=n)))

    # --- strings ---
    first, last = obj(FIRST), obj(LAST)
    fi = rng.integers(0, len(FIRST), size=n)
    li = rng.integers(0, len(LAST), size=n)
    cols.append(first[fi] + " " + last[li])
    cols.append(obj(CATEGORIES)[rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P)])
    cols.append(obj(COUNTRIES)[rng.integers(0, len(COUNTRIES), size=n)])
    first_l = obj(s.lower() for s in FIRST)
    last_l = obj(s.lower().replace("'", "") for s in LAST)
    cols.append(first_l[fi] + "." + last_l[li] + ints(rng.integers(0, 10_000, size=n))
                + "@" + obj(DOMAINS)[rng.integers(0, len(DOMAINS), size=n)])
    (pa, qa), (pb, qb) = pools
    ia = rng.integers(0, len(pa), size=n)
    ib = rng.integers(0, len(pb), size=n)
    ic = rng.integers(0, len(CONNECTORS), size=n)
    two = rng.random(n) < 0.7
    conn = obj(CONNECTORS)
    conn_q = np.array(["," in c for c in CONNECTORS])
    text = pa[ia] + np.where(two, conn[ic] + pb[ib], "")
    quoted = qa[ia] | (two & (conn_q[ic] | qb[ib]))
    cols.append(with_nulls(rng, np.where(quoted, '"' + text + '"', text), n))

    # --- dates and timestamps ---
    cols.append((EPOCH_DATE + rng.integers(0, 25_000, size=n)).astype(str).astype(object))
    cols.append(with_nulls(rng, (np.datetime64("2005-01-01", "D")
                                 + rng.integers(0, 7_000, size=n)).astype(str).astype(object), n))
    secs = rng.integers(0, 15 * 365 * 86_400, size=n).astype("timedelta64[s]")
    cols.append((EPOCH_TS + secs).astype(str).astype(object))
    secs2 = rng.integers(0, 86_400 * 400, size=n).astype("timedelta64[s]")
    cols.append(with_nulls(rng, (EPOCH_TS + secs + secs2).astype(str).astype(object), n))

    # --- booleans ---
    tf = obj(["false", "true"])
    cols.append(tf[(rng.random(n) < 0.8).astype(np.intp)])
    cols.append(with_nulls(rng, tf[(rng.random(n) < 0.35).astype(np.intp)], n))

    assert len(cols) == len(COLUMNS)
    return [c.tolist() for c in cols]


def cached_ok(out, size_mb, seed):
    meta_path = out + ".meta.json"
    if not (os.path.isfile(out) and os.path.isfile(meta_path)):
        return False
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return (meta.get("generator_version") == GENERATOR_VERSION
            and meta.get("seed") == seed
            and float(meta.get("size_mb", -1)) == float(size_mb)
            and meta.get("bytes") == os.path.getsize(out))


def generate(out, size_mb, seed):
    target = int(size_mb * 1_000_000)
    header = ",".join(name for name, _, _ in COLUMNS) + "\n"
    pools = build_pools(seed)
    tmp = out + ".partial"
    written, rows, k = 0, 0, 0
    t0 = time.perf_counter()
    next_report = 0.1
    with open(tmp, "w", encoding="ascii", newline="") as f:
        f.write(header)
        written += len(header)
        while written < target:
            lines = list(map(",".join, zip(*make_chunk(seed, k, rows + 1, CHUNK_ROWS, pools))))
            lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1
            room = target - written
            if lens.sum() > room:
                # keep just enough rows to reach the target size
                keep = int(np.searchsorted(np.cumsum(lens), room, side="left")) + 1
                lines = lines[:keep]
                lens = lens[:keep]
            f.write("\n".join(lines))
            f.write("\n")
            written += int(lens.sum())
            rows += len(lines)
            k += 1
            if written >= next_report * target and target >= 50_000_000:
                print("  %3.0f%%  %d rows  %.1f s" % (100 * written / target, rows,
                                                     time.perf_counter() - t0), file=sys.stderr)
                next_report += 0.1
    size = os.path.getsize(tmp)
    assert size == written, (size, written)
    meta = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "size_mb": size_mb,
        "bytes": size,
        "rows": rows,
        "columns": len(COLUMNS),
        "column_types": {name: typ for name, typ, _ in COLUMNS},
        "null_columns": [name for name, _, nul in COLUMNS if nul],
        "null_rate": NULL_RATE,
        "generate_seconds": round(time.perf_counter() - t0, 2),
    }
    os.replace(tmp, out)
    with open(out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--force", action="store_true", help="regenerate even if a matching file exists")
    args = ap.parse_args()
    if args.size_mb <= 0:
        ap.error("--size-mb must be positive")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if not args.force and cached_ok(args.out, args.size_mb, args.seed):
        print("cached: %s" % args.out, file=sys.stderr)
        return
    meta = generate(args.out, args.size_mb, args.seed)
    print("wrote %s: %d bytes, %d rows, %d columns in %.1f s"
          % (args.out, meta["bytes"], meta["rows"], meta["columns"], meta["generate_seconds"]),
          file=sys.stderr)


if __name__ == "__main__":
    main()
