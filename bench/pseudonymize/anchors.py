#!/usr/bin/env python3
"""Anchor tools for the pseudonymisation benchmark, on the first N values of one column.

    python anchors.py DATA.parquet --column personnummer --rows 200000 [--modes ...] [--repeat 1]

Modes (each timed on its own, single-threaded, after a warm-up on the first 1,000 values;
only the loop over the values is timed, not reading the file or importing):
  hmac               hmac.new(key, value.encode(), sha256).hexdigest()   (Python's stdlib)
  presidio-hash-op   presidio_anonymizer.operators.Hash().operate(value, {hash_type: sha256,
                     salt: 32 fixed bytes})                               (the operator alone)
  presidio-hash      AnonymizerEngine().anonymize(value, [RecognizerResult(ID, 0, len, 1.0)],
                     {ID: OperatorConfig("hash", {...same params})})     (what an app calls)
  presidio-encrypt-op  presidio_anonymizer.operators.Encrypt().operate(value, {key: 32 bytes})
  presidio-encrypt   AnonymizerEngine().anonymize(..., OperatorConfig("encrypt", {key}))
Prints one JSON object: per mode values, seconds, values/s, a sample output.
"""
import argparse
import hashlib
import hmac
import importlib.metadata
import json
import platform
import sys
import time

import pyarrow.parquet as pq

KEY = bytes(range(32))          # fixed 32-byte key: HMAC key and AES-256 key
SALT = b"datalab-bench-salt-0123456789abc"  # fixed 32-byte salt (Presidio: >= 16 bytes)
ALL_MODES = ["hmac", "presidio-hash-op", "presidio-hash", "presidio-encrypt-op", "presidio-encrypt"]


def make_fn(mode):
    if mode == "hmac":
        def run(values):
            out = None
            for v in values:
                out = hmac.new(KEY, v.encode(), hashlib.sha256).hexdigest()
            return out
        return run
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
    from presidio_anonymizer.operators import Encrypt, Hash
    if mode == "presidio-hash-op":
        op, params = Hash(), {"hash_type": "sha256", "salt": SALT}
        op.validate(params)

        def run(values):
            out = None
            for v in values:
                out = op.operate(v, params)
            return out
        return run
    if mode == "presidio-encrypt-op":
        op, params = Encrypt(), {"key": KEY}
        op.validate(params)

        def run(values):
            out = None
            for v in values:
                out = op.operate(v, params)
            return out
        return run
    if mode in ("presidio-hash", "presidio-encrypt"):
        engine = AnonymizerEngine()
        if mode == "presidio-hash":
            operators = {"ID": OperatorConfig("hash", {"hash_type": "sha256", "salt": SALT})}
        else:
            operators = {"ID": OperatorConfig("encrypt", {"key": KEY})}

        def run(values):
            out = None
            for v in values:
                out = engine.anonymize(
                    text=v,
                    analyzer_results=[RecognizerResult(entity_type="ID", start=0, end=len(v), score=1.0)],
                    operators=operators,
                ).text
            return out
        return run
    raise SystemExit("unknown mode %s" % mode)


def version(pkg):
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--column", default="personnummer")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--modes", default=",".join(ALL_MODES))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    pf = pq.ParquetFile(args.data)
    values = []
    for batch in pf.iter_batches(batch_size=65_536, columns=[args.column]):
        values.extend(v for v in batch.column(0).to_pylist() if v is not None)
        if len(values) >= args.rows:
            break
    values = values[: args.rows]
    res = {"column": args.column, "values": len(values), "python": platform.python_version(),
           "presidio_anonymizer": version("presidio-anonymizer"),
           "cryptography": version("cryptography"), "modes": {}}
    for mode in args.modes.split(","):
        try:
            fn = make_fn(mode)
        except Exception as e:  # noqa: BLE001 - an anchor that cannot load is reported, not fatal
            res["modes"][mode] = {"error": "%s: %s" % (type(e).__name__, e)}
            continue
        fn(values[:1000])  # warm-up
        times = []
        sample = None
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            sample = fn(values)
            times.append(time.perf_counter() - t0)
        best = min(times)
        res["modes"][mode] = {"values": len(values), "seconds": best, "all_seconds": times,
                              "values_per_s": len(values) / best if best > 0 else None,
                              "sample_in": values[-1], "sample_out": sample}
        print("==> %-20s %d values in %.2f s = %.0f values/s" % (mode, len(values), best, len(values) / best),
              file=sys.stderr, flush=True)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
