#!/usr/bin/env python3
"""Generates the pseudonymisation benchmark's input: a Parquet file of visits.

    python gen_data.py OUT.parquet --rows 5000000 [--patients 1000000] [--seed 42]

Columns (8): patient_id "P0001234" (drawn from --patients patients, so a patient has several
visits), visit_id "V000000001" (unique), personnummer "19850512-1234" (one per patient, valid
date and Luhn check digit), email "anna.berg123@example.se" (one per patient), visit_date
(date32, 2015-01-01 .. 2024-12-31), amount (float64), category (string, 6 values), los_days
(int64). Vectorised with numpy + pyarrow (about 10 s for 5M rows); deterministic for a seed.
Writes OUT.meta.json with rows, columns, seed, versions and the file's SHA-256.
"""
import argparse
import datetime
import hashlib
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

GENERATOR_VERSION = 1

FIRST = ["anna", "erik", "maria", "lars", "karin", "johan", "eva", "anders", "sara", "per",
         "lena", "nils", "emma", "olof", "ida", "jonas", "elin", "magnus", "sofia", "henrik"]
LAST = ["andersson", "johansson", "karlsson", "nilsson", "eriksson", "larsson", "olsson",
        "persson", "svensson", "gustafsson", "pettersson", "jonsson", "jansson", "hansson",
        "bengtsson", "lindberg", "berg", "lindqvist", "holm", "nyberg"]
DOMAINS = ["example.se", "mail.example.com", "post.example.org", "example.net"]
CATEGORIES = ["outpatient", "inpatient", "emergency", "day-surgery", "telehealth", "follow-up"]


def fixed_width_strings(prefix: bytes, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded decimal numbers, as an Arrow string array (no Python loop)."""
    n = len(numbers)
    w = len(prefix) + width
    buf = np.empty((n, w), dtype=np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    x = numbers.astype(np.int64).copy()
    for j in range(w - 1, len(prefix) - 1, -1):
        buf[:, j] = 48 + (x % 10)
        x //= 10
    return strings_from_matrix(buf)


def strings_from_matrix(buf: np.ndarray) -> pa.Array:
    n, w = buf.shape
    offsets = (np.arange(n + 1, dtype=np.int32) * w)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()),
                                       pa.py_buffer(np.ascontiguousarray(buf).tobytes()))


def personnummer(rng: np.random.Generator, n: int) -> pa.Array:
    """YYYYMMDD-NNNC with a real calendar date (1930..2009) and the Luhn check digit over
    YYMMDDNNN, as the Swedish Tax Agency computes it."""
    start = np.datetime64("1930-01-01")
    days = rng.integers(0, (np.datetime64("2009-12-31") - start).astype(int) + 1, n)
    dates = (start + days.astype("timedelta64[D]"))
    y = dates.astype("datetime64[Y]").astype(int) + 1970
    m = dates.astype("datetime64[M]").astype(int) % 12 + 1
    d = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    serial = rng.integers(0, 1000, n)
    digits = np.empty((n, 12), dtype=np.int64)  # YYYY MM DD NNN C
    cols = []
    for v, wdt in ((y, 4), (m, 2), (d, 2), (serial, 3)):
        x = v.astype(np.int64).copy()
        part = np.empty((n, wdt), dtype=np.int64)
        for j in range(wdt - 1, -1, -1):
            part[:, j] = x % 10
            x //= 10
        cols.append(part)
    digits[:, :11] = np.concatenate(cols, axis=1)
    # Luhn over the ten digits YYMMDDNNN C: weights 2,1,2,... on YYMMDDNNN (from position 2).
    payload = digits[:, 2:11]
    weights = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    prod = payload * weights
    s = (prod // 10 + prod % 10).sum(axis=1)
    digits[:, 11] = (10 - s % 10) % 10
    buf = np.empty((n, 13), dtype=np.uint8)
    buf[:, :8] = 48 + digits[:, :8]
    buf[:, 8] = ord("-")
    buf[:, 9:] = 48 + digits[:, 8:]
    return strings_from_matrix(buf)


def emails(rng: np.random.Generator, n: int) -> pa.Array:
    first = pa.array(FIRST).take(pa.array(rng.integers(0, len(FIRST), n)))
    last = pa.array(LAST).take(pa.array(rng.integers(0, len(LAST), n)))
    num = pc.cast(pa.array(rng.integers(1, 1000, n)), pa.string())
    dom = pa.array(DOMAINS).take(pa.array(rng.integers(0, len(DOMAINS), n)))
    local = pc.binary_join_element_wise(first, last, ".")
    local = pc.binary_join_element_wise(local, num, "")
    return pc.binary_join_element_wise(local, dom, "@")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rng = np.random.Generator(np.random.PCG64(args.seed))
    n, p = args.rows, min(args.patients, args.rows)
    # Per patient: personnummer and e-mail; per visit: which patient.
    pnr = personnummer(rng, p)
    mail = emails(rng, p)
    who = pa.array(rng.integers(0, p, n))
    day0 = (np.datetime64("2015-01-01") - np.datetime64("1970-01-01")).astype(int)
    span = (np.datetime64("2024-12-31") - np.datetime64("2015-01-01")).astype(int) + 1
    table = pa.table({
        "patient_id": fixed_width_strings(b"P", who.to_numpy(), 7),
        "visit_id": fixed_width_strings(b"V", np.arange(1, n + 1), 9),
        "personnummer": pnr.take(who),
        "email": mail.take(who),
        "visit_date": pa.array((day0 + rng.integers(0, span, n)).astype(np.int32), pa.date32()),
        "amount": pa.array(np.round(rng.lognormal(6.0, 1.0, n), 2)),
        "category": pa.array(CATEGORIES).take(pa.array(rng.integers(0, len(CATEGORIES), n))),
        "los_days": pa.array(rng.poisson(2.0, n).astype(np.int64)),
    })
    tmp = args.out + ".tmp"
    pq.write_table(table, tmp)  # pyarrow defaults: snappy, dictionary encoding, 1Mi-row groups
    os.replace(tmp, args.out)
    h = hashlib.sha256()
    with open(args.out, "rb") as f:
        while chunk := f.read(16 << 20):
            h.update(chunk)
    meta = {
        "generator_version": GENERATOR_VERSION, "rows": n, "patients": p, "seed": args.seed,
        "columns": {f.name: str(f.type) for f in table.schema},
        "bytes": os.path.getsize(args.out), "sha256": h.hexdigest(),
        "row_groups": pq.ParquetFile(args.out).num_row_groups,
        "pyarrow": pa.__version__, "numpy": np.__version__,
        "seconds": round(time.perf_counter() - t0, 1),
        "made": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    with open(args.out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta), file=sys.stderr)


if __name__ == "__main__":
    main()
