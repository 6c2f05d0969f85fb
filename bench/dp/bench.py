#!/usr/bin/env python3
"""bench:dp — the same 10 DP queries on a 1M-row table with datalab and smartnoise-sql.

Generates bench/data/dp_<rows>r_s42.csv (deterministic), imports it into a scratch lab under
bench/data/dp-lab, sets a large budget, runs each query with `datalab --json dp query` and
records wall time and the absolute error of every answer against the exact value (computed here
from the CSV). When `snsql` (smartnoise-sql) imports, runs the same queries through it with the
same ε per query and records its times and errors too. Writes bench/data/dp-results.json (the
`bench:dp` section of BENCHMARKS.md is made from it). smartnoise-sql pins its own pandas: install
it in a separate venv and run the script with that Python:

    python3 -m venv bench/dp/.venv && bench/dp/.venv/bin/pip install smartnoise-sql pandas
    bench/dp/.venv/bin/python bench/dp/bench.py [--rows 1000000] [--datalab target/release/datalab]
"""
import argparse, csv, json, os, random, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPS = 1.0
# (label, datalab SQL, extra datalab args, smartnoise SQL, exact(rows) -> {key: value})
QUERIES = [
    ("count", "SELECT COUNT(*) FROM people", [], "SELECT COUNT(*) FROM people.people"),
    ("count where", "SELECT COUNT(*) FROM people WHERE age >= 65", [], "SELECT COUNT(*) FROM people.people WHERE age >= 65"),
    ("sum income", "SELECT SUM(CLAMP(income, 0, 200000)) FROM people", [], "SELECT SUM(income) FROM people.people"),
    ("avg income", "SELECT AVG(CLAMP(income, 0, 200000)) FROM people", [], "SELECT AVG(income) FROM people.people"),
    ("avg age", "SELECT AVG(CLAMP(age, 0, 100)) FROM people", [], "SELECT AVG(age) FROM people.people"),
    ("count by sex (public keys)", "SELECT sex, COUNT(*) FROM people GROUP BY sex", ["--public-keys", "sex=F,M"], "SELECT sex, COUNT(*) FROM people.people GROUP BY sex"),
    ("count by region (selection)", "SELECT region, COUNT(*) FROM people GROUP BY region", [], "SELECT region, COUNT(*) FROM people.people GROUP BY region"),
    ("avg income by sex", "SELECT sex, AVG(CLAMP(income, 0, 200000)) FROM people GROUP BY sex", ["--public-keys", "sex=F,M"], "SELECT sex, AVG(income) FROM people.people GROUP BY sex"),
    ("sum income where", "SELECT SUM(CLAMP(income, 0, 200000)) FROM people WHERE region IN ('N', 'S')", [], "SELECT SUM(income) FROM people.people WHERE region IN ('N', 'S')"),
    ("median age", "SELECT MEDIAN(CLAMP(age, 0, 100)) FROM people", [], None),
]
REGIONS = ["N", "S", "E", "W", "C"]


def generate(path, rows):
    rnd = random.Random(42)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pid", "sex", "age", "income", "region"])
        for i in range(rows):
            age = min(100, max(0, int(rnd.gauss(45, 18))))
            income = min(200000, max(0, int(rnd.lognormvariate(10.5, 0.6))))
            w.writerow([i, rnd.choice("FM"), age, income, rnd.choice(REGIONS)])


def exact_answers(path):
    rows = []
    with open(path) as f:
        r = csv.DictReader(f)
        for x in r:
            rows.append((x["sex"], int(x["age"]), int(x["income"]), x["region"]))
    n = len(rows)
    def by(key, val=None, avg=False):
        d = {}
        for row in rows:
            k = key(row)
            s, c = d.get(k, (0, 0))
            d[k] = (s + (val(row) if val else 1), c + 1)
        return {k: (s / c if avg else s) for k, (s, c) in d.items()}
    ages = sorted(r[1] for r in rows)
    return [
        {"": n},
        {"": sum(1 for r in rows if r[1] >= 65)},
        {"": sum(r[2] for r in rows)},
        {"": sum(r[2] for r in rows) / n},
        {"": sum(r[1] for r in rows) / n},
        by(lambda r: r[0]),
        by(lambda r: r[3]),
        by(lambda r: r[0], lambda r: r[2], avg=True),
        {"": sum(r[2] for r in rows if r[3] in ("N", "S"))},
        {"": ages[n // 2]},
    ]


def run(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--datalab", default=os.path.join(ROOT, "target", "debug", "datalab"))
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    data = os.path.join(ROOT, "bench", "data")
    os.makedirs(data, exist_ok=True)
    src = os.path.join(data, f"dp_{a.rows}r_s42.csv")
    if not os.path.exists(src):
        generate(src, a.rows)
    csv_path = os.path.join(data, "people.csv")
    shutil.copyfile(src, csv_path)
    home = os.path.join(data, "dp-lab")
    shutil.rmtree(home, ignore_errors=True)
    dl = [a.datalab, "--home", home]
    t_imp, p = run(dl + ["import", csv_path])
    assert p.returncode == 0, p.stderr
    os.remove(csv_path)
    assert run(dl + ["dp", "budget", "people", "--as", "bench", "--set", "1000"])[1].returncode == 0
    exact = exact_answers(src)
    results = {"rows": a.rows, "epsilon_per_query": EPS, "import_seconds": t_imp, "queries": []}
    snsql = None
    try:
        import snsql as _s, pandas as pd  # noqa
        snsql = _s
    except Exception as e:  # recorded honestly
        results["smartnoise"] = f"not run: {type(e).__name__}: {e}"
    if snsql:
        import pandas as pd
        df = pd.read_csv(src)
        meta = {"": {"people": {"people": {
            "row_privacy": True,
            "pid": {"type": "int", "private_id": False},
            "sex": {"type": "string"}, "region": {"type": "string"},
            "age": {"type": "int", "lower": 0, "upper": 100},
            "income": {"type": "int", "lower": 0, "upper": 200000},
        }}}}
        results["smartnoise"] = f"smartnoise-sql {getattr(snsql, '__version__', '?')}"
    for (label, sql, extra, sn_sql), ex in zip(QUERIES, exact):
        t, p = run(dl + ["--json", "dp", "query", "people", "--as", "bench", "--epsilon", str(EPS), "--sql", sql] + extra)
        assert p.returncode == 0, (label, p.stderr)
        r = json.loads(p.stdout)
        errs, widths = [], []
        for g in r["groups"]:
            k = g["key"][0] if g["key"] else ""
            v = g["values"][-1]
            if k in ex and v["value"] is not None:
                errs.append(abs(v["value"] - ex[k]) / max(abs(ex[k]), 1e-9))
                if "ci95" in v:
                    widths.append((v["ci95"][1] - v["ci95"][0]) / 2 / max(abs(ex[k]), 1e-9))
        row = {"query": label, "datalab_seconds": t, "datalab_rel_error": max(errs) if errs else None,
               "datalab_ci95_halfwidth_rel": max(widths) if widths else None,
               "datalab_groups": len(r["groups"])}
        if snsql and sn_sql:
            try:
                t0 = time.perf_counter()
                reader = snsql.from_df(df, privacy=snsql.Privacy(epsilon=EPS, delta=1e-6), metadata=meta)
                out = reader.execute(sn_sql)
                row["smartnoise_seconds"] = time.perf_counter() - t0
                serr = []
                for rec in out[1:]:
                    k = rec[0] if len(rec) > 1 else ""
                    if k in ex and rec[-1] is not None:
                        serr.append(abs(float(rec[-1]) - ex[k]) / max(abs(ex[k]), 1e-9))
                row["smartnoise_rel_error"] = max(serr) if serr else None
            except Exception as e:
                row["smartnoise_error"] = f"{type(e).__name__}: {e}"[:200]
        results["queries"].append(row)
        print(json.dumps(row))
    shutil.rmtree(home, ignore_errors=True)
    with open(os.path.join(data, "dp-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    tot_dl = sum(q["datalab_seconds"] for q in results["queries"])
    print(f"datalab total {tot_dl:.2f}s for {len(QUERIES)} queries; smartnoise: {results.get('smartnoise')}")


if __name__ == "__main__":
    main()
