#!/usr/bin/env python3
"""Import benchmark driver: CSV -> stored container, datalab vs pyarrow vs pandas.

Normally run by bench/import/run.sh, with the bench virtualenv's Python:

    python compare.py --csv FULL.csv --quarter-csv QUARTER.csv --datalab target/release/datalab
                      [--runs 3] [--markdown BENCHMARKS.md] [--json-out results.json]

Every measured command runs in its own child process. Wall-clock time is taken
around the whole child (start-up and imports included); peak RSS is that child's
ru_maxrss as returned by os.wait4. Runs of the three tools are interleaved, and
the CSV is read once beforehand so that every tool sees it in the page cache.

Exit status: 0 when all three tools ran and produced the input's row count, 1 otherwise
(datalab missing or failing included). Performance goals that are missed are
reported in the table, not turned into a failing exit status.
"""

import argparse
import datetime
import glob
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MD_START = "<!-- bench:import:start -->"
MD_END = "<!-- bench:import:end -->"

# Goals stated by the project.
GOAL_VS_PYARROW = 1.5   # datalab time / pyarrow time must be <= this
GOAL_VS_PANDAS = 3.0    # pandas time / datalab time must be >= this
# Memory bounded: going from the quarter-size input to the full one, datalab's peak RSS may grow
# by at most this fraction of the added input bytes. Loading the file into memory grows it by
# ~100% or more (pyarrow's Arrow table is about as big as the CSV); a streaming import ~0%.
GOAL_RSS_SLOPE = 0.10

PYARROW_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import pyarrow.csv, pyarrow.parquet
t1 = time.perf_counter()
table = pyarrow.csv.read_csv(sys.argv[1])
t2 = time.perf_counter()
pyarrow.parquet.write_table(table, sys.argv[2])
t3 = time.perf_counter()
print(json.dumps({"rows": table.num_rows, "columns": table.num_columns,
                  "import_s": t1 - t0, "read_s": t2 - t1, "write_s": t3 - t2}))
"""

PANDAS_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas
t1 = time.perf_counter()
df = pandas.read_csv(sys.argv[1])
t2 = time.perf_counter()
df.to_parquet(sys.argv[2], engine="pyarrow")
t3 = time.perf_counter()
print(json.dumps({"rows": len(df), "columns": len(df.columns),
                  "import_s": t1 - t0, "read_s": t2 - t1, "write_s": t3 - t2}))
"""

TOOL_DESC = {
    "datalab": "`datalab --home <tmp> import <csv> --name bench --json`",
    "pyarrow": "`pyarrow.csv.read_csv` + `pyarrow.parquet.write_table` (defaults: threaded, snappy)",
    "pandas": "`pandas.read_csv` + `DataFrame.to_parquet` (pyarrow engine, snappy)",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring

def run_measured(argv, workdir, timeout):
    """Run argv as a child process; return dict(wall_s, rss_kib, exit, stdout, stderr, timed_out)."""
    out_path = os.path.join(workdir, ".stdout")
    err_path = os.path.join(workdir, ".stderr")
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        try:
            # own process group, so a timeout or Ctrl-C also ends anything the child started
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=workdir, start_new_session=True)
        except OSError as e:
            return {"wall_s": None, "rss_kib": None, "exit": None, "stdout": "",
                    "stderr": "cannot start: %s" % e, "timed_out": False}

        def kill_group():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        def on_timeout():
            timed_out.set()
            kill_group()

        timer = threading.Timer(timeout, on_timeout)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: do not leave the child running
            timer.cancel()
            kill_group()
            proc.wait()
            raise
        wall = time.perf_counter() - t0
        timer.cancel()
        kill_group()  # anything the child left behind in its group
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    os.unlink(out_path)
    os.unlink(err_path)
    return {"wall_s": wall, "rss_kib": usage.ru_maxrss, "exit": proc.returncode,
            "stdout": stdout, "stderr": stderr, "timed_out": timed_out.is_set()}


def parse_json_object(text):
    """The JSON object printed on stdout: the whole text, or else its last line that parses."""
    text = text.strip()
    try:
        obj = json.loads(text)
        if isinstance(obj, dict):
            return obj
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    return obj
            except ValueError:
                continue
    return None


def dir_bytes(path, pattern="**/*"):
    total = 0
    for p in glob.glob(os.path.join(path, pattern), recursive=True):
        if os.path.isfile(p) and not os.path.islink(p):
            total += os.path.getsize(p)
    return total


def parquet_rows(home):
    """Rows in the .parquet files under home, read from their footers (None if there are none)."""
    files = [p for p in glob.glob(os.path.join(home, "**", "*.parquet"), recursive=True)
             if os.path.isfile(p)]
    if not files:
        return None, 0
    import pyarrow.parquet as pq
    return sum(pq.read_metadata(p).num_rows for p in files), len(files)


def tail(text, n=400):
    text = " ".join(text.strip().split())
    return text if len(text) <= n else "..." + text[-n:]


def one_run(tool, csv, args):
    """One measured run of tool on csv. Returns a result dict with ok/error/rows/etc."""
    work = tempfile.mkdtemp(prefix="import-%s-" % tool, dir=args.workdir)
    try:
        if tool == "datalab":
            home = os.path.join(work, "home")
            os.mkdir(home)
            argv = [args.datalab, "--home", home, "import", csv, "--name", "bench", "--json"]
        else:
            out = os.path.join(work, "out.parquet")
            script = PYARROW_SCRIPT if tool == "pyarrow" else PANDAS_SCRIPT
            argv = [args.python, "-c", script, csv, out]
        r = run_measured(argv, work, args.timeout)
        res = {"tool": tool, "csv": csv, "wall_s": r["wall_s"], "rss_kib": r["rss_kib"],
               "exit": r["exit"], "ok": False, "error": None, "rows": None}
        if r["timed_out"]:
            res["error"] = "timed out after %d s" % args.timeout
            return res
        if r["exit"] != 0:
            res["error"] = "exit status %s: %s" % (r["exit"], tail(r["stderr"] or r["stdout"]))
            return res
        report = parse_json_object(r["stdout"])
        if report is None:
            res["error"] = "no JSON object on stdout: %s" % tail(r["stdout"] or r["stderr"])
            return res
        res["report"] = report
        res["rows"] = report.get("rows")
        if tool == "datalab":
            res["out_bytes"] = dir_bytes(home)
            try:
                res["stored_rows"], res["parquet_files"] = parquet_rows(home)
            except Exception as e:  # a corrupt footer is a finding, not a harness crash
                res["stored_rows"], res["parquet_files"] = None, 0
                res["stored_error"] = "cannot read parquet footer: %s" % e
        else:
            res["out_bytes"] = os.path.getsize(out) if os.path.exists(out) else 0
            res["read_write_s"] = report.get("read_s", 0) + report.get("write_s", 0)
        if not isinstance(res["rows"], int):
            res["error"] = "JSON output has no integer `rows` field: %s" % tail(r["stdout"], 200)
            return res
        res["ok"] = True
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def warm_cache(path):
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass


# --------------------------------------------------------------------------- environment

def sh(argv, timeout=10):
    """stdout of a short command, or None if it fails or hangs."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    except OSError:
        return None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        return None
    return out.strip() if proc.returncode == 0 else None


def load_avg():
    try:
        return "%.2f" % os.getloadavg()[0]
    except OSError:
        return "?"


def machine_info():
    info = {"nproc": sh(["nproc"]) or str(os.cpu_count()), "mem": None, "cpu": None,
            "kernel": platform.release(), "os": None, "load_start": load_avg()}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem"] = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return info


def versions(args):
    v = {"python": platform.python_version()}
    for pkg in ("pyarrow", "pandas", "numpy"):
        try:
            v[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            v[pkg] = "not installed"
    v["datalab"] = (sh([args.datalab, "--version"])
                    if os.path.isfile(args.datalab) and not args.skip_datalab else None) \
        or "unknown"
    v["rustc"] = sh(["rustc", "--version"]) or "unknown"
    commit = sh(["git", "-C", args.root, "rev-parse", "--short", "HEAD"])
    if commit:
        dirty = sh(["git", "-C", args.root, "status", "--porcelain", "--untracked-files=no"])
        v["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    else:
        v["commit"] = "no commit yet"
    return v


def input_info(path):
    meta_path = path + ".meta.json"
    meta = {}
    if os.path.isfile(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    size = os.path.getsize(path)
    if meta.get("bytes") not in (None, size):
        log("warning: %s is %d bytes but its meta file says %d" % (path, size, meta["bytes"]))
        meta = {}
    if "columns" not in meta:
        with open(path, encoding="utf-8", errors="replace") as f:
            meta["columns"] = len(f.readline().split(","))
    meta["bytes"] = size
    meta["path"] = path
    return meta


# --------------------------------------------------------------------------- summarising

def summarise(results):
    ok = [r for r in results if r["ok"]]
    s = {"runs": len(results), "ok_runs": len(ok)}
    errors = [r["error"] for r in results if not r["ok"]]
    s["error"] = errors[0] if errors else None
    if ok:
        walls = [r["wall_s"] for r in ok]
        s["best_s"] = min(walls)
        s["median_s"] = statistics.median(walls)
        s["rss_kib"] = max(r["rss_kib"] for r in ok)
        s["rows"] = sorted({r["rows"] for r in ok})
        s["out_bytes"] = max(r.get("out_bytes", 0) for r in ok)
        rw = [r["read_write_s"] for r in ok if "read_write_s" in r]
        s["read_write_s"] = min(rw) if rw else None
        stored = {r.get("stored_rows") for r in ok if "stored_rows" in r}
        s["stored_rows"] = sorted(stored, key=lambda x: (x is None, x)) if stored else None
        stored_err = [r["stored_error"] for r in ok if r.get("stored_error")]
        s["stored_error"] = stored_err[0] if stored_err else None
    return s


def mib(kib):
    return "%.0f MiB" % (kib / 1024)


def mb(nbytes):
    return "%.1f MB" % (nbytes / 1e6)


def secs(x):
    return "—" if x is None else ("%.2f" % x if x < 100 else "%.1f" % x)


def yes_no(flag):
    return "n/a" if flag is None else ("**yes**" if flag else "**no**")


def rows_cell(s, expected):
    if not s.get("ok_runs"):
        return "—"
    rows = s["rows"]
    if len(rows) != 1:
        return "differs between runs: %s" % rows
    cell = "{:,}".format(rows[0])
    if expected is not None and rows[0] != expected:
        cell += " (expected {:,})".format(expected)
    stored = s.get("stored_rows")
    if stored is not None:
        if stored == [None]:
            cell += "; no .parquet file found in the lab home"
        elif stored != [rows[0]]:
            cell += "; parquet footers say %s" % ", ".join("{:,}".format(x) for x in stored if x is not None)
    if s.get("stored_error"):
        cell += "; " + s["stored_error"]
    return cell


def rows_ok(s, expected):
    if not s.get("ok_runs") or len(s["rows"]) != 1:
        return False
    if expected is not None and s["rows"][0] != expected:
        return False
    stored = s.get("stored_rows")
    if stored is not None and stored != [s["rows"][0]] and stored != [None]:
        return False
    return True


def not_run_cell(s, reason=None):
    why = reason or s.get("error") or "no successful run"
    return "not run — " + why.replace("|", "\\|").replace("\n", " ")


def build_report(args, mach, ver, full, quarter, summ):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    expected = full.get("rows")
    expected_q = quarter.get("rows") if quarter else None
    dl, pa, pd_, dlq = summ["datalab"], summ["pyarrow"], summ["pandas"], summ.get("datalab_quarter")
    lines = []
    w = lines.append
    w("## Import: CSV → stored container")
    w("")
    w("Measured %s with `%s` (`bench/import/`, see `bench/README.md`)." % (now, args.command))
    w("")
    w("- **Machine:** %s CPUs (`nproc`), %s RAM, %s; Linux %s%s" % (
        mach["nproc"], mach["mem"] or "?", mach["cpu"] or "unknown CPU", mach["kernel"],
        (", " + mach["os"]) if mach["os"] else ""))
    types = full.get("column_types")
    if types:
        counts = {}
        for t in types.values():
            base = t.split(" ")[0]
            counts[base] = counts.get(base, 0) + 1
        type_desc = ", ".join("%d %s" % (n, t) for t, n in counts.items())
        type_desc += (" (one float column in scientific notation; quoted free text with commas "
                      "and escaped quotes)")
    else:
        type_desc = "types unknown (no meta file)"
    nulls = full.get("null_columns")
    null_desc = ("; ~%g%% empty cells in %d columns" % (100 * full.get("null_rate", 0), len(nulls))
                 if nulls else "")
    w("- **Input:** generated CSV of %s (%s bytes), %s rows × %s columns: %s%s; seed %s "
      "(`bench/import/gen_csv.py`)." % (
          mb(full["bytes"]), "{:,}".format(full["bytes"]),
          "{:,}".format(expected) if expected is not None else "?", full["columns"], type_desc,
          null_desc, full.get("seed", "?")))
    if quarter:
        w("- **Quarter-size input** (memory check): %s, %s rows, same generator and seed." % (
            mb(quarter["bytes"]),
            "{:,}".format(expected_q) if expected_q is not None else "?"))
    w("- **Versions:** datalab %s (workspace %s), %s; Python %s, pyarrow %s, pandas %s, numpy %s." % (
        ver["datalab"], ver["commit"], ver["rustc"], ver["python"], ver["pyarrow"], ver["pandas"],
        ver["numpy"]))
    w("- **Method:** each tool runs as its own process; time is the wall clock of the whole "
      "process (start-up and imports included), best of %d runs, runs interleaved, CSV already in "
      "the page cache. Peak RSS is the process's `ru_maxrss` from `wait4` (highest over the runs). "
      "Output goes to a fresh directory on the same disk, deleted after each run. \"Read+write\" "
      "is the Python tools' own timing without interpreter start and imports. 1-minute load "
      "average before / after the runs: %s / %s (well above 0 means something else was using "
      "the CPUs)." % (args.runs, mach["load_start"], mach["load_end"]))
    w("")
    w("| tool | what runs | best (s) | median (s) | read+write (s) | peak RSS | RSS / input size | output size | rows |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---|")

    def row(label, desc, s, input_bytes, exp):
        if not s or not s.get("ok_runs"):
            w("| %s | %s | %s | | | | | | |" % (label, desc, not_run_cell(s or {}, None if s else "skipped")))
            return
        w("| %s | %s | %s | %s | %s | %s | %.2f× | %s | %s |" % (
            label, desc, secs(s["best_s"]), secs(s["median_s"]), secs(s.get("read_write_s")),
            mib(s["rss_kib"]), s["rss_kib"] * 1024 / input_bytes, mb(s["out_bytes"]),
            rows_cell(s, exp)))

    row("datalab", TOOL_DESC["datalab"], dl, full["bytes"], expected)
    row("pyarrow", TOOL_DESC["pyarrow"], pa, full["bytes"], expected)
    row("pandas", TOOL_DESC["pandas"], pd_, full["bytes"], expected)
    if quarter:
        row("datalab, ¼ input", "same command on the %s file" % mb(quarter["bytes"]), dlq,
            quarter["bytes"], expected_q)
    w("")

    ran = lambda s: bool(s and s.get("ok_runs"))
    r_pa = dl["best_s"] / pa["best_s"] if ran(dl) and ran(pa) else None
    r_pd = pd_["best_s"] / dl["best_s"] if ran(dl) and ran(pd_) else None
    r_rss = dl["rss_kib"] / dlq["rss_kib"] if ran(dl) and ran(dlq) else None
    size_ratio = full["bytes"] / quarter["bytes"] if quarter else None
    slope = None
    if r_rss is not None:
        slope = (dl["rss_kib"] - dlq["rss_kib"]) * 1024 / (full["bytes"] - quarter["bytes"])

    def ratio(x):
        return "—" if x is None else "%.2f×" % x

    rss_measured = "—"
    if r_rss is not None:
        extra_rss = (dl["rss_kib"] - dlq["rss_kib"]) * 1024
        rss_measured = ("%s → %s (%s) for a %.2f× larger input: %s%s RSS for +%s input = %.0f%%" % (
            mib(dlq["rss_kib"]), mib(dl["rss_kib"]), ratio(r_rss), size_ratio,
            "+" if extra_rss >= 0 else "−", mb(abs(extra_rss)),
            mb(full["bytes"] - quarter["bytes"]), 100 * slope))
    w("**Ratios:** datalab / pyarrow time = **%s**; pandas / datalab time = **%s**; "
      "datalab peak RSS = %s of the input size%s." % (
          ratio(r_pa), ratio(r_pd),
          "%.2f×" % (dl["rss_kib"] * 1024 / full["bytes"]) if ran(dl) else "—",
          (" (full vs ¼ input: %s)" % ratio(r_rss)) if r_rss is not None else ""))
    w("")
    w("| goal | target | measured | met |")
    w("|---|---|---|---|")
    g_pa = None if r_pa is None else r_pa <= GOAL_VS_PYARROW
    g_pd = None if r_pd is None else r_pd >= GOAL_VS_PANDAS
    g_rss = None if slope is None else slope <= GOAL_RSS_SLOPE
    w("| datalab within 1.5× of pyarrow's time | datalab / pyarrow ≤ %.1f | %s | %s |" % (
        GOAL_VS_PYARROW, ratio(r_pa), yes_no(g_pa)))
    w("| datalab ≥ 3× faster than pandas | pandas / datalab ≥ %.1f | %s | %s |" % (
        GOAL_VS_PANDAS, ratio(r_pd), yes_no(g_pd)))
    small = full["bytes"] < 200e6
    w("| memory bounded, not proportional to file size | from ¼ to full input, peak RSS grows by "
      "≤ %.0f%% of the added input (loading it all: ≈ 100%% or more) | %s | %s%s |" % (
          100 * GOAL_RSS_SLOPE, rss_measured, yes_no(g_rss),
          " (input too small to be conclusive)" if small and g_rss is not None else ""))
    notes = []
    if not ran(dl):
        notes.append("datalab was not run (%s), so its goals are not measured." %
                     (dl.get("error") or "no successful run"))
    if small:
        notes.append("Small input (%s): fixed start-up costs weigh heavily in the times and RSS; "
                     "use the default `--size-mb 1000` for the real comparison." % mb(full["bytes"]))
    if notes:
        w("")
        for n in notes:
            w("- _Note: %s_" % n)
    goals = {"datalab_vs_pyarrow": r_pa, "pandas_vs_datalab": r_pd, "rss_full_vs_quarter": r_rss,
             "rss_growth_per_input_byte": slope,
             "met": {"vs_pyarrow": g_pa, "vs_pandas": g_pd, "memory_bounded": g_rss}}
    return "\n".join(lines) + "\n", goals


def write_markdown(path, body):
    section = "%s\n%s%s\n" % (MD_START, body, MD_END)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        start, end = text.find(MD_START), text.find(MD_END)
        if start != -1 and end > start:
            after = text[end + len(MD_END):]
            if after.startswith("\n"):
                after = after[1:]
            text = text[:start] + section + after
        else:
            if text and not text.endswith("\n"):
                text += "\n"
            text += ("\n" if text else "") + section
    else:
        text = ("# Benchmarks\n\nWritten by the scripts under `bench/` (see `bench/README.md`); "
                "each section is regenerated by its benchmark.\n\n" + section)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="CSV import benchmark: datalab vs pyarrow vs pandas")
    ap.add_argument("--csv", required=True, help="full-size input")
    ap.add_argument("--quarter-csv", help="input 1/4 the size, for datalab's memory check")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--datalab", required=True, help="path to the datalab binary")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with pyarrow and pandas (default: this one)")
    ap.add_argument("--root", default=os.getcwd(), help="workspace root (for git commit)")
    ap.add_argument("--workdir", help="where outputs are written (default: next to the CSV)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per run before it is killed")
    ap.add_argument("--markdown", help="rewrite the import section of this file")
    ap.add_argument("--json-out", help="write raw per-run results here")
    ap.add_argument("--skip-datalab", metavar="REASON", help="do not run datalab; report REASON")
    ap.add_argument("--command", default="bench/import/compare.py", help="command shown in the report")
    args = ap.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the running child's process group is killed too
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    args.datalab = os.path.abspath(args.datalab)
    args.workdir = os.path.abspath(args.workdir or os.path.join(os.path.dirname(
        os.path.abspath(args.csv)), "work"))
    os.makedirs(args.workdir, exist_ok=True)
    csv = os.path.abspath(args.csv)
    qcsv = os.path.abspath(args.quarter_csv) if args.quarter_csv else None

    full = input_info(csv)
    quarter = input_info(qcsv) if qcsv else None
    mach = machine_info()
    ver = versions(args)

    results = {"datalab": [], "pyarrow": [], "pandas": [], "datalab_quarter": []}
    skip = {}  # tool -> reason; a tool that fails once is not run again
    if args.skip_datalab:
        skip["datalab"] = skip["datalab_quarter"] = args.skip_datalab
    elif not os.path.isfile(args.datalab) or not os.access(args.datalab, os.X_OK):
        skip["datalab"] = skip["datalab_quarter"] = \
            "binary not found at %s" % os.path.relpath(args.datalab, args.root)
    if not qcsv:
        skip["datalab_quarter"] = "no quarter-size input given"

    log("warming the page cache")
    warm_cache(csv)
    if qcsv:
        warm_cache(qcsv)

    plan = []
    for i in range(args.runs):
        for tool in ("datalab", "pyarrow", "pandas"):
            plan.append((tool, tool, csv, i))
    for i in range(args.runs):
        plan.append(("datalab_quarter", "datalab", qcsv, i))

    for key, tool, path, i in plan:
        if key in skip:
            continue
        res = one_run(tool, path, args)
        results[key].append(res)
        label = "%s%s" % (tool, " (1/4 input)" if key == "datalab_quarter" else "")
        if res["ok"]:
            log("run %d/%d %-22s %8.2f s  %6.0f MiB  rows=%s" % (
                i + 1, args.runs, label, res["wall_s"], res["rss_kib"] / 1024, res["rows"]))
        else:
            log("run %d/%d %-22s FAILED: %s" % (i + 1, args.runs, label, res["error"]))
            skip[key] = res["error"]
            if key == "datalab":
                skip["datalab_quarter"] = "datalab failed on the full input"

    summ = {}
    for key in results:
        s = summarise(results[key])
        if key in skip and not s["ok_runs"]:
            s["error"] = skip[key]
        summ[key] = s

    mach["load_end"] = load_avg()
    body, goals = build_report(args, mach, ver, full, quarter, summ)
    print()
    print(body)

    if args.markdown:
        write_markdown(args.markdown, body)
        log("updated %s" % args.markdown)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": mach, "versions": ver, "input": full, "quarter_input": quarter,
                       "results": results, "summary": summ, "goals": goals}, f, indent=2,
                      default=str)
            f.write("\n")

    failures = []
    for key in ("datalab", "pyarrow", "pandas"):
        s = summ[key]
        if not s["ok_runs"]:
            failures.append("%s: not run (%s)" % (key, s.get("error")))
        elif s["ok_runs"] < args.runs:
            failures.append("%s: only %d of %d runs succeeded" % (key, s["ok_runs"], args.runs))
        elif not rows_ok(s, full.get("rows")):
            failures.append("%s: row count %s does not match the input's %s" % (
                key, s["rows"], full.get("rows")))
    seen = {s["rows"][0] for s in (summ[k] for k in ("datalab", "pyarrow", "pandas"))
            if s["ok_runs"] and len(s["rows"]) == 1}
    if len(seen) > 1:
        failures.append("the tools disagree on the row count: %s" % ", ".join(
            "%s %s" % (k, summ[k]["rows"]) for k in ("datalab", "pyarrow", "pandas")
            if summ[k]["ok_runs"]))
    sq = summ["datalab_quarter"]
    if qcsv and summ["datalab"]["ok_runs"]:
        if not sq["ok_runs"]:
            failures.append("datalab on the quarter-size input: not run (%s)" % sq.get("error"))
        elif not rows_ok(sq, quarter.get("rows")):
            failures.append("datalab on the quarter-size input: row count %s does not match %s" % (
                sq["rows"], quarter.get("rows")))
    if failures:
        log("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    met = goals["met"]
    log("all tools ran; goals met: vs pyarrow %s, vs pandas %s, memory bounded %s" % (
        met["vs_pyarrow"], met["vs_pandas"], met["memory_bounded"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
