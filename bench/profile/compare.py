#!/usr/bin/env python3
"""Profile benchmark driver: `datalab assess` vs ydata-profiling (minimal) vs a Great Expectations suite.

Normally run by bench/profile/run.sh, with the profile benchmark's virtualenv Python
(bench/profile/.venv, which has ydata-profiling and great_expectations):

    python compare.py --csv bench/data/profile_1000000r_s42.csv --datalab target/release/datalab
                      [--datalab-runs 3] [--ref-runs 1] [--markdown BENCHMARKS.md]
                      [--json-out results.json] [--tools datalab,ydata,ge]

Every measured command runs in its own child process (bench/import/compare.py's
run_measured): wall-clock time is taken around the whole child (start-up, imports and
reading the CSV included); peak RSS is that child's ru_maxrss from os.wait4. Runs of the
tools are interleaved and the CSV is read once beforehand so every tool sees it in the
page cache. The Python tools also report their own phase timings (read_csv, profiling or
validation, writing the report).

Exit status: 0 when datalab ran on every run and reported the input's row count (and no
other tool that ran reported a wrong row count); 1 otherwise, including a missing binary
or a failing `datalab assess`. A reference tool that cannot be installed or crashes is
reported as "not run — reason" and does not change the exit status; neither do missed
performance goals or failed Great Expectations expectations.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_import_compare():
    """bench/import/compare.py, loaded by path (same file name as this one) without writing
    a __pycache__ next to it."""
    import importlib.util
    path = os.path.join(os.path.dirname(HERE), "import", "compare.py")
    spec = importlib.util.spec_from_file_location("bench_import_compare", path)
    mod = importlib.util.module_from_spec(spec)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = dont_write
    return mod


# shared measuring/environment helpers of the import benchmark
_ic = _load_import_compare()
load_avg, machine_info, mb, mib = _ic.load_avg, _ic.machine_info, _ic.mb, _ic.mib
not_run_cell, parse_json_object, run_measured = _ic.not_run_cell, _ic.parse_json_object, _ic.run_measured
secs, sh, tail, warm_cache, yes_no = _ic.secs, _ic.sh, _ic.tail, _ic.warm_cache, _ic.yes_no

MD_START = "<!-- bench:profile:start -->"
MD_END = "<!-- bench:profile:end -->"

# Goals stated in the issue.
GOAL_VS_YDATA = 20.0     # ydata-profiling (minimal) time / datalab time must be >= this
GOAL_DATALAB_S = 10.0    # datalab profile + quality on 1M rows x 20 columns, 2 cores: <= this
GOAL_ROWS = 1_000_000
GOAL_CPUS = 2

TOOLS = ("datalab", "ydata", "ge")
TOOL_NAME = {"datalab": "datalab", "ydata": "ydata-profiling", "ge": "Great Expectations"}

# The child processes run without network access to analytics services and without
# progress bars (they only add noise to stderr).
CHILD_ENV = {
    "YDATA_PROFILING_NO_ANALYTICS": "True",
    "GX_ANALYTICS_ENABLED": "False",
    "MPLBACKEND": "Agg",
    "TQDM_DISABLE": "1",
}

YDATA_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
from ydata_profiling import ProfileReport
t1 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t2 = time.perf_counter()
report = ProfileReport(df, minimal=True, progress_bar=False, title="bench")
desc = report.get_description()   # the profiling itself
t3 = time.perf_counter()
report.to_file(sys.argv[2])       # render the HTML report and write it
t4 = time.perf_counter()
print(json.dumps({"rows": int(desc.table["n"]), "columns": int(desc.table["n_var"]),
                  "types": {str(k): int(v) for k, v in desc.table.get("types", {}).items()},
                  "import_s": t1 - t0, "read_s": t2 - t1, "work_s": t3 - t2,
                  "report_s": t4 - t3}))
"""

# The suite: 10 expectations on bench/import/gen_csv.py's columns, all of which hold for the
# generated data (price is uniform on 0.01..99999.99, so its mean is 50,000 ± 5 standard errors
# down to ~20,000 rows; last_login = created_at + 0..400 days; ISO timestamps compare as text).
GE_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
import great_expectations as gx
import great_expectations.expectations as gxe
t1 = time.perf_counter()
expected_rows = int(sys.argv[2])
df = pd.read_csv(sys.argv[1])
t2 = time.perf_counter()
context = gx.get_context(mode="ephemeral")
batch_def = (context.data_sources.add_pandas("bench")
             .add_dataframe_asset("csv")
             .add_batch_definition_whole_dataframe("whole"))
suite = context.suites.add(gx.ExpectationSuite(name="bench"))
for e in [
    gxe.ExpectColumnValuesToNotBeNull(column="id"),
    gxe.ExpectColumnValuesToNotBeNull(column="email"),
    gxe.ExpectColumnValuesToBeUnique(column="id"),
    gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=99),
    gxe.ExpectColumnValuesToBeInSet(
        column="category", value_set=["electronics", "books", "home", "garden", "toys", "grocery"]),
    gxe.ExpectColumnValuesToMatchRegex(
        column="email", regex=r"^[a-z]+\.[a-z-]+[0-9]+@[a-z.]+\.[a-z]+$"),
    gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="last_login", column_B="created_at", or_equal=True,
        ignore_row_if="either_value_is_missing"),
    gxe.ExpectTableRowCountToBeBetween(min_value=expected_rows, max_value=expected_rows),
    gxe.ExpectColumnMeanToBeBetween(column="price", min_value=49000, max_value=51000),
    gxe.ExpectColumnValuesToBeOfType(column="is_active", type_="bool"),
]:
    suite.add_expectation(e)
vd = context.validation_definitions.add(
    gx.ValidationDefinition(name="bench", data=batch_def, suite=suite))
t3 = time.perf_counter()
res = vd.run(batch_parameters={"dataframe": df})
t4 = time.perf_counter()

def exception(info):
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return info.get("exception_message") or "exception"
    for v in info.values():
        if isinstance(v, dict) and v.get("raised_exception"):
            return v.get("exception_message") or "exception"
    return None

results = []
for r in res.results:
    kw = r.expectation_config.kwargs
    results.append({"type": r.expectation_config.type,
                    "column": kw.get("column") or (kw.get("column_A") and "%s, %s" % (kw["column_A"], kw["column_B"])),
                    "success": bool(r.success), "exception": exception(r.exception_info)})
print(json.dumps({"rows": len(df), "columns": len(df.columns), "success": bool(res.success),
                  "expectations": results, "passed": sum(r["success"] for r in results),
                  "import_s": t1 - t0, "read_s": t2 - t1, "setup_s": t3 - t2, "work_s": t4 - t3}))
"""

GE_SUITE_DESC = ("not null (`id`, `email`), unique (`id`), between (`age` 0–99), in set "
                 "(`category`, 6 values), regex match (`email`), column pair `last_login` ≥ "
                 "`created_at`, row count between (= input rows), mean between (`price` "
                 "49,000–51,000), of type (`is_active` bool)")

TOOL_DESC = {
    "datalab": "`datalab --home <tmp> --json assess <csv> -o <tmp>` (reads the CSV, profiles "
               "every column, 7-dimension quality score, PII scan, roles; writes "
               "assessment.json + assessment.html)",
    "ydata": "`pandas.read_csv` + `ProfileReport(df, minimal=True)` + `.to_file(html)`",
    "ge": "`pandas.read_csv` + ephemeral context, pandas data source, `ExpectationSuite` of "
          "10 expectations, `ValidationDefinition.run`",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring

def file_size(path):
    return os.path.getsize(path) if os.path.isfile(path) else None


def one_run(tool, csv, expected_rows, args):
    """One measured run of tool on csv. Returns a result dict with ok/error/rows/etc."""
    work = tempfile.mkdtemp(prefix="profile-%s-" % tool, dir=args.workdir)
    try:
        if tool == "datalab":
            home = os.path.join(work, "home")
            out = os.path.join(work, "out")
            os.mkdir(home)
            argv = [args.datalab, "--home", home, "--json", "assess", csv, "-o", out]
        elif tool == "ydata":
            out = os.path.join(work, "report.html")
            argv = [args.python, "-c", YDATA_SCRIPT, csv, out]
        else:
            out = None
            argv = [args.python, "-c", GE_SCRIPT, csv, str(expected_rows if expected_rows else 0)]
        r = run_measured(argv, work, args.timeout)
        res = {"tool": tool, "wall_s": r["wall_s"], "rss_kib": r["rss_kib"], "exit": r["exit"],
               "ok": False, "error": None, "rows": None}
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
        res["rows"] = report.get("rows")
        res["columns"] = report.get("columns")
        if tool == "datalab":
            aj = file_size(os.path.join(out, "assessment.json"))
            ah = file_size(os.path.join(out, "assessment.html"))
            if not aj or not ah:
                res["error"] = "assessment.json or assessment.html missing or empty in -o folder"
                return res
            res["out_bytes"] = aj + ah
            res["out_desc"] = "assessment.json %s + .html %s" % (mb(aj), mb(ah))
            quality = report.get("quality") or {}
            res["quality"] = quality.get("overall")
            res["pii"] = len(report.get("pii") or [])
        else:
            for k in ("import_s", "read_s", "work_s", "report_s", "setup_s"):
                if k in report:
                    res[k] = report[k]
            if tool == "ydata":
                res["out_bytes"] = file_size(out) or 0
                res["out_desc"] = "HTML %s" % mb(res["out_bytes"])
                res["types"] = report.get("types")
            else:
                res["passed"] = report.get("passed")
                res["expectations"] = report.get("expectations")
                res["out_desc"] = "%s/%s expectations passed" % (
                    report.get("passed"), len(report.get("expectations") or []))
        if not isinstance(res["rows"], int):
            res["error"] = "JSON output has no integer `rows` field: %s" % tail(r["stdout"], 200)
            return res
        res["ok"] = True
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- environment

def versions(args):
    v = {"python": platform.python_version()}
    for key, pkg in (("ydata", "ydata-profiling"), ("ge", "great_expectations"),
                     ("pandas", "pandas"), ("numpy", "numpy")):
        try:
            v[key] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            v[key] = "not installed"
    v["datalab"] = (sh([args.datalab, "--version"])
                    if os.path.isfile(args.datalab) and not args.skip_datalab else None) \
        or "unknown"
    if v["datalab"].startswith("datalab "):
        v["datalab"] = v["datalab"][len("datalab "):]
    v["rustc"] = sh(["rustc", "--version"]) or "unknown"
    v["datalab_stale"] = stale_binary(args.datalab, os.path.join(args.root, "crates"))
    commit = sh(["git", "-C", args.root, "rev-parse", "--short", "HEAD"])
    if commit:
        dirty = sh(["git", "-C", args.root, "status", "--porcelain", "--untracked-files=no"])
        v["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    else:
        v["commit"] = "no commit yet"
    return v


def stale_binary(binary, src_dir):
    """Path of a source file under src_dir newer than the binary, or None."""
    if not os.path.isfile(binary) or not os.path.isdir(src_dir):
        return None
    built = os.path.getmtime(binary)
    newest, newest_t = None, built
    for dirpath, _, files in os.walk(src_dir):
        for name in files:
            p = os.path.join(dirpath, name)
            try:
                t = os.path.getmtime(p)
            except OSError:
                continue
            if t > newest_t:
                newest, newest_t = p, t
    return os.path.relpath(newest, os.path.dirname(src_dir)) if newest else None


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
        s["columns"] = sorted({r.get("columns") for r in ok}, key=lambda x: (x is None, x))
        best = min(ok, key=lambda r: r["wall_s"])
        for k in ("import_s", "read_s", "work_s", "report_s", "setup_s", "out_bytes",
                  "out_desc", "quality", "pii", "types", "passed", "expectations"):
            if k in best:
                s[k] = best[k]
        # in-process time: what the tool itself spends (read + work + report), no start-up
        parts = [best.get(k) for k in ("read_s", "setup_s", "work_s", "report_s")]
        if best.get("read_s") is not None:
            s["inproc_s"] = sum(p for p in parts if p is not None)
    return s


def rows_cell(s, expected):
    if not s.get("ok_runs"):
        return "—"
    rows = s["rows"]
    if len(rows) != 1:
        return "differs between runs: %s" % rows
    cell = "{:,}".format(rows[0])
    if expected is not None and rows[0] != expected:
        cell += " (expected {:,})".format(expected)
    return cell


def rows_ok(s, expected):
    if not s.get("ok_runs") or len(s["rows"]) != 1:
        return False
    return expected is None or s["rows"][0] == expected


def result_cell(tool, s):
    if tool == "datalab":
        q = s.get("quality")
        parts = []
        if isinstance(q, (int, float)):
            parts.append("quality %.1f/100" % q)
        if s.get("pii") is not None:
            parts.append("%d PII findings" % s["pii"])
        parts.append(s.get("out_desc", ""))
        return "; ".join(p for p in parts if p)
    if tool == "ydata":
        types = s.get("types") or {}
        t = ", ".join("%d %s" % (n, k) for k, n in sorted(types.items(), key=lambda kv: -kv[1]))
        return s.get("out_desc", "") + ("; types: " + t if t else "")
    cell = s.get("out_desc", "")
    failed = [e for e in (s.get("expectations") or []) if not e["success"]]
    if failed:
        cell += "; failed: " + ", ".join(
            "%s(%s)%s" % (e["type"].replace("expect_", ""), e["column"] or "",
                          " raised: " + e["exception"] if e.get("exception") else "")
            for e in failed)
    return cell.replace("|", "\\|")


def build_report(args, mach, ver, inp, summ):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    expected = inp.get("rows")
    dl, yd, ge = summ["datalab"], summ["ydata"], summ["ge"]
    lines = []
    w = lines.append
    w("## Profile + quality: %s rows × %s columns" % (
        "{:,}".format(expected) if expected else "?", inp["columns"]))
    w("")
    w("Measured %s with `%s` (`bench/profile/`, see `bench/README.md`)." % (now, args.command))
    w("")
    w("- **Machine:** %s CPUs (`nproc`), %s RAM, %s; Linux %s%s" % (
        mach["nproc"], mach["mem"] or "?", mach["cpu"] or "unknown CPU", mach["kernel"],
        (", " + mach["os"]) if mach["os"] else ""))
    types = inp.get("column_types")
    if types:
        counts = {}
        for t in types.values():
            base = t.split(" ")[0]
            counts[base] = counts.get(base, 0) + 1
        type_desc = ", ".join("%d %s" % (n, t) for t, n in counts.items())
    else:
        type_desc = "types unknown (no meta file)"
    nulls = inp.get("null_columns")
    null_desc = ("; ~%g%% empty cells in %d columns" % (100 * inp.get("null_rate", 0), len(nulls))
                 if nulls else "")
    w("- **Input:** generated CSV, %s rows × %s columns, %s (%s bytes): %s%s; seed %s "
      "(`bench/profile/gen_rows.py`: the import benchmark's `gen_csv.py` columns, cut by row "
      "count, so it is the first rows of the import benchmark's CSV)." % (
          "{:,}".format(expected) if expected is not None else "?", inp["columns"],
          mb(inp["bytes"]), "{:,}".format(inp["bytes"]), type_desc, null_desc,
          inp.get("seed", "?")))
    w("- **Versions:** datalab %s (workspace %s), %s; Python %s, ydata-profiling %s, "
      "great_expectations %s, pandas %s, numpy %s (in `bench/profile/.venv`)." % (
          ver["datalab"], ver["commit"], ver["rustc"], ver["python"], ver["ydata"], ver["ge"],
          ver["pandas"], ver["numpy"]))
    w("- **Method:** each tool runs as its own process; \"total\" is the wall clock of the whole "
      "process (start-up, imports and reading the CSV included), best of %d runs for datalab "
      "and %d for ydata-profiling and Great Expectations, runs interleaved, CSV already in the "
      "page cache. The Python tools also time their own phases: `read_csv` (pandas defaults, as "
      "a user would call it), the work (ydata: `get_description()`; GE: building the suite and "
      "`run`), and ydata's HTML rendering + write; \"in-process\" is their sum (no interpreter "
      "start or imports). Peak RSS is the process's `ru_maxrss` from `wait4` (highest over the "
      "runs). GE suite (10 expectations, default result format): %s. 1-minute load average "
      "before / after the runs: %s / %s (well above 0 means something else was using the "
      "CPUs)." % (args.datalab_runs, args.ref_runs, GE_SUITE_DESC, mach["load_start"],
                  mach["load_end"]))
    w("")
    w("| tool | what runs | total, best (s) | median (s) | read_csv (s) | profile / validate (s) "
      "| report (s) | in-process (s) | peak RSS | rows | result |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for tool in TOOLS:
        s = summ[tool]
        label = TOOL_NAME[tool]
        if not s or not s.get("ok_runs"):
            w("| %s | %s | %s | | | | | | | | |" % (label, TOOL_DESC[tool], not_run_cell(s or {})))
            continue
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, TOOL_DESC[tool], secs(s["best_s"]), secs(s["median_s"]),
            secs(s.get("read_s")), secs(s.get("work_s")), secs(s.get("report_s")),
            secs(s.get("inproc_s")), mib(s["rss_kib"]), rows_cell(s, expected),
            result_cell(tool, s)))
    w("")

    ran = lambda s: bool(s and s.get("ok_runs"))

    def ratio(x):
        return "—" if x is None else ("%.1f×" % x if x >= 10 else "%.2f×" % x)

    r_yd = yd["best_s"] / dl["best_s"] if ran(dl) and ran(yd) else None
    r_ge = ge["best_s"] / dl["best_s"] if ran(dl) and ran(ge) else None
    r_yd_in = yd["inproc_s"] / dl["best_s"] if ran(dl) and ran(yd) and yd.get("inproc_s") else None
    r_ge_in = ge["inproc_s"] / dl["best_s"] if ran(dl) and ran(ge) and ge.get("inproc_s") else None
    w("**Ratios** (total process time, datalab = 1): ydata-profiling / datalab = **%s**; "
      "Great Expectations / datalab = **%s**. Counting only the Python tools' in-process time "
      "(read_csv + work + report, no interpreter start or imports) against datalab's total: "
      "ydata %s, GE %s." % (ratio(r_yd), ratio(r_ge), ratio(r_yd_in), ratio(r_ge_in)))
    w("")
    w("| goal | target | measured | met |")
    w("|---|---|---|---|")
    g_yd = None if r_yd is None else r_yd >= GOAL_VS_YDATA
    g_s = dl["best_s"] <= GOAL_DATALAB_S if ran(dl) else None
    w("| ≥ 20× faster than ydata-profiling minimal | ydata total / datalab total ≥ %.0f | %s | %s |"
      % (GOAL_VS_YDATA, ratio(r_yd), yes_no(g_yd)))
    w("| profile + quality in ≤ 10 s on 2 cores (1M rows × 20 columns) | datalab total ≤ %.0f s "
      "| %s | %s |" % (GOAL_DATALAB_S, secs(dl.get("best_s")) + " s" if ran(dl) else "—",
                       yes_no(g_s)))
    notes = []
    if not ran(dl):
        notes.append("datalab was not run (%s), so its goals are not measured." %
                     (dl.get("error") or "no successful run").replace("|", "\\|"))
    if ver.get("datalab_stale"):
        notes.append("The datalab binary (%s) is older than `%s`: it was not rebuilt after the "
                     "latest source change." % (os.path.relpath(args.datalab, args.root),
                                                ver["datalab_stale"]))
    for tool in ("ydata", "ge"):
        if not ran(summ[tool]):
            notes.append("%s was not run (%s)." % (
                TOOL_NAME[tool], (summ[tool].get("error") or "no successful run").replace("|", "\\|")))
    if expected != GOAL_ROWS or inp["columns"] != 20:
        notes.append("This run used %s rows × %s columns; the goals are stated for %s × 20, so "
                     "they are not conclusive here (fixed start-up costs weigh more on a small "
                     "input). Use the default `--rows %d` for the real comparison." % (
                         "{:,}".format(expected) if expected else "?", inp["columns"],
                         "{:,}".format(GOAL_ROWS), GOAL_ROWS))
    if str(mach["nproc"]) != str(GOAL_CPUS):
        notes.append("The 10 s goal is stated for %d cores; this machine has %s." % (
            GOAL_CPUS, mach["nproc"]))
    if ran(ge) and ge.get("passed") is not None and ge.get("expectations") and \
            ge["passed"] < len(ge["expectations"]):
        notes.append("Not every GE expectation passed; all 10 hold for the generated data at "
                     "≥ 20,000 rows, so a failure points at the data or at GE.")
    if notes:
        w("")
        for n in notes:
            w("- _Note: %s_" % n)
    goals = {"ydata_vs_datalab": r_yd, "ge_vs_datalab": r_ge,
             "ydata_inproc_vs_datalab": r_yd_in, "ge_inproc_vs_datalab": r_ge_in,
             "datalab_best_s": dl.get("best_s"),
             "met": {"vs_ydata_20x": g_yd, "datalab_le_10s": g_s}}
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
    ap = argparse.ArgumentParser(
        description="profile benchmark: datalab assess vs ydata-profiling vs Great Expectations")
    ap.add_argument("--csv", required=True)
    ap.add_argument("--datalab", required=True, help="path to the datalab binary")
    ap.add_argument("--datalab-runs", type=int, default=3)
    ap.add_argument("--ref-runs", type=int, default=1, help="runs of ydata-profiling and GE")
    ap.add_argument("--tools", default=",".join(TOOLS),
                    help="comma-separated subset of %s (default: all)" % ",".join(TOOLS))
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with ydata-profiling and great_expectations (default: this one)")
    ap.add_argument("--root", default=os.getcwd(), help="workspace root (for git commit)")
    ap.add_argument("--workdir", help="where outputs are written (default: next to the CSV)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per run before it is killed")
    ap.add_argument("--markdown", help="rewrite the profile section of this file")
    ap.add_argument("--json-out", help="write raw per-run results here")
    ap.add_argument("--skip-datalab", metavar="REASON", help="do not run datalab; report REASON")
    ap.add_argument("--skip-ydata", metavar="REASON", help="do not run ydata-profiling; report REASON")
    ap.add_argument("--skip-ge", metavar="REASON", help="do not run Great Expectations; report REASON")
    ap.add_argument("--command", default="bench/profile/compare.py", help="command shown in the report")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.datalab_runs < 1 or args.ref_runs < 1:
        ap.error("--datalab-runs and --ref-runs must be >= 1")
    selected = [t.strip() for t in args.tools.split(",") if t.strip()]
    bad = [t for t in selected if t not in TOOLS]
    if bad or not selected:
        ap.error("--tools: unknown tool(s) %s; choose from %s" % (bad, ",".join(TOOLS)))
    args.datalab = os.path.abspath(args.datalab)
    args.workdir = os.path.abspath(args.workdir or os.path.join(os.path.dirname(
        os.path.abspath(args.csv)), "work"))
    os.makedirs(args.workdir, exist_ok=True)
    os.environ.update(CHILD_ENV)
    csv = os.path.abspath(args.csv)

    inp = input_info(csv)
    expected = inp.get("rows")
    mach = machine_info()
    ver = versions(args)

    skip = {}  # tool -> reason; a tool that fails once is not run again
    for tool in TOOLS:
        if tool not in selected:
            skip[tool] = "not selected (`--tools %s`)" % args.tools
    if args.skip_datalab:
        skip.setdefault("datalab", args.skip_datalab)
    elif not os.path.isfile(args.datalab) or not os.access(args.datalab, os.X_OK):
        skip.setdefault("datalab", "binary not found at %s" % os.path.relpath(args.datalab, args.root))
    if args.skip_ydata:
        skip.setdefault("ydata", args.skip_ydata)
    if args.skip_ge:
        skip.setdefault("ge", args.skip_ge)

    log("warming the page cache")
    warm_cache(csv)

    runs = {"datalab": args.datalab_runs, "ydata": args.ref_runs, "ge": args.ref_runs}
    plan = [(tool, i) for i in range(max(runs.values())) for tool in ("datalab", "ge", "ydata")
            if i < runs[tool]]
    results = {t: [] for t in TOOLS}
    for tool, i in plan:
        if tool in skip:
            continue
        res = one_run(tool, csv, expected, args)
        results[tool].append(res)
        if res["ok"]:
            extra = ""
            if res.get("read_s") is not None:
                extra = "  (read_csv %.2f s, work %.2f s%s)" % (
                    res["read_s"], res.get("work_s") or 0,
                    ", report %.2f s" % res["report_s"] if res.get("report_s") is not None else "")
            log("run %d/%d %-20s %8.2f s  %6.0f MiB  rows=%s%s" % (
                i + 1, runs[tool], TOOL_NAME[tool], res["wall_s"], res["rss_kib"] / 1024,
                res["rows"], extra))
        else:
            log("run %d/%d %-20s FAILED: %s" % (i + 1, runs[tool], TOOL_NAME[tool], res["error"]))
            skip[tool] = res["error"]

    summ = {}
    for tool in TOOLS:
        s = summarise(results[tool])
        if tool in skip and not s["ok_runs"]:
            s["error"] = skip[tool]
        summ[tool] = s

    mach["load_end"] = load_avg()
    body, goals = build_report(args, mach, ver, inp, summ)
    print()
    print(body)

    if args.markdown:
        if len(selected) < len(TOOLS):
            log("not updating %s: only some tools were selected (--tools %s)" % (
                args.markdown, args.tools))
        else:
            write_markdown(args.markdown, body)
            log("updated %s" % args.markdown)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": mach, "versions": ver, "input": inp, "results": results,
                       "summary": summ, "goals": goals}, f, indent=2, default=str)
            f.write("\n")

    failures, warnings = [], []
    for tool in TOOLS:
        s = summ[tool]
        if tool not in selected:
            continue
        if not s["ok_runs"]:
            (failures if tool == "datalab" else warnings).append(
                "%s: not run (%s)" % (TOOL_NAME[tool], s.get("error")))
        elif s["ok_runs"] < runs[tool]:
            (failures if tool == "datalab" else warnings).append(
                "%s: only %d of %d runs succeeded" % (TOOL_NAME[tool], s["ok_runs"], runs[tool]))
        if s["ok_runs"] and not rows_ok(s, expected):
            failures.append("%s: row count %s does not match the input's %s" % (
                TOOL_NAME[tool], s["rows"], expected))
    if warnings:
        log("\nnot run (reported in the table, exit status unaffected):\n  " + "\n  ".join(warnings))
    if failures:
        log("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    met = goals["met"]
    log("goals met: >= 20x faster than ydata-profiling %s, <= 10 s %s" % (
        met["vs_ydata_20x"], met["datalab_le_10s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
