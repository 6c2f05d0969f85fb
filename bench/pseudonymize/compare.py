#!/usr/bin/env python3
"""Pseudonymisation benchmark driver (normally run by bench/pseudonymize/run.sh).

    python compare.py --data VISITS.parquet --datalab target/release/datalab
                      --token-speed target/release/examples/token_speed
                      [--runs 3] [--anchor-rows 200000] [--perf] [--markdown BENCHMARKS.md]

Measures, on one generated Parquet file:
  1. the token kernel: `token_speed` (datalab-protect example, one core), best of --runs;
  2. `datalab pseudonymize FILE --policy P -o DIR --format parquet` end to end, whole process,
     for several policies (runs interleaved, best and median of --runs); peak RSS and CPU time
     from wait4. Keystore: DATALAB_KEY_PASSPHRASE, created once before the timed runs; opening
     it (Argon2id) is part of every run that uses a key, so it is also timed on its own
     (`datalab keys list`) and subtracted in the "without keystore" column;
  3. the anchors (anchors.py: Presidio anonymizer's hash and encrypt operators, Python hmac) on
     the first --anchor-rows values of the personnummer column, one pass each;
  4. optionally (--perf) a `perf record` profile of the 5-transform run.
Prints the report and rewrites the bench:pseudonymize section of BENCHMARKS.md.
Exit status: 0 when every datalab run succeeded with the right row count; 1 otherwise. Missed
goals are reported, not turned into a failing exit status.
"""
import argparse
import datetime
import importlib.util
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
_spec = importlib.util.spec_from_file_location("import_compare", os.path.join(ROOT, "bench/import/compare.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

MD_START = "<!-- bench:pseudonymize:start -->"
MD_END = "<!-- bench:pseudonymize:end -->"
PASSPHRASE = "datalab-bench-passphrase (not a secret)"

GOAL_TOKEN_PER_CORE = 5e6   # token kernel, values/s on one core
GOAL_E2E_ROWS = 2e6         # Parquet -> Parquet, 5-column policy, rows/s on 2 cores

# Policies: name -> (description, TOML). "five-*" are the goal's 5-column policies.
POLICIES = {
    "keep": ("keep every column (Parquet read + write only, no key)", ""),
    "five-encrypt": (
        "token patient_id, visit_id; date-shift visit_date by patient_id (±30 d); mask email; "
        "encrypt personnummer (FF1, check digit made invalid)",
        """
[columns.patient_id]
transform = "token"
[columns.visit_id]
transform = "token"
[columns.visit_date]
transform = "date-shift"
subject = "patient_id"
max_days = 30
[columns.email]
transform = "mask"
keep_first = 1
[columns.personnummer]
transform = "encrypt"
check_digit = "personnummer"
"""),
    "five-token": (
        "as above, but token on personnummer instead of encrypt",
        """
[columns.patient_id]
transform = "token"
[columns.visit_id]
transform = "token"
[columns.visit_date]
transform = "date-shift"
subject = "patient_id"
max_days = 30
[columns.email]
transform = "mask"
keep_first = 1
[columns.personnummer]
transform = "token"
"""),
    "token-pnr": ("token personnummer only", '[columns.personnummer]\ntransform = "token"\n'),
    "encrypt-pnr": ("encrypt personnummer only (FF1, check digit made invalid)",
                    '[columns.personnummer]\ntransform = "encrypt"\ncheck_digit = "personnummer"\n'),
    "encrypt-pnr-plain": ("encrypt personnummer only (FF1, no check-digit scheme)",
                          '[columns.personnummer]\ntransform = "encrypt"\n'),
    "date-shift": ("date-shift visit_date by patient_id only",
                   '[columns.visit_date]\ntransform = "date-shift"\nsubject = "patient_id"\nmax_days = 30\n'),
    "mask-email": ("mask email only", '[columns.email]\ntransform = "mask"\nkeep_first = 1\n'),
}
KEYED = {"five-encrypt", "five-token", "token-pnr", "encrypt-pnr", "encrypt-pnr-plain", "date-shift"}


def log(msg):
    print("==> " + msg, file=sys.stderr, flush=True)


def run_measured(argv, cwd, timeout, env=None):
    """Child process: wall, peak RSS (KiB), user+sys CPU seconds, exit, stdout, stderr."""
    out_path, err_path = os.path.join(cwd, ".stdout"), os.path.join(cwd, ".stderr")
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                env=env, start_new_session=True)

        def kill_group():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, lambda: (timed_out.set(), kill_group()))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            timer.cancel()
            kill_group()
            proc.wait()
            raise
        wall = time.perf_counter() - t0
        timer.cancel()
        kill_group()
        proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = open(out_path, encoding="utf-8", errors="replace").read()
    stderr = open(err_path, encoding="utf-8", errors="replace").read()
    os.unlink(out_path)
    os.unlink(err_path)
    return {"wall_s": wall, "rss_kib": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime,
            "exit": proc.returncode, "stdout": stdout, "stderr": stderr, "timed_out": timed_out.is_set()}


def check_output(data, out_path, policy):
    """Row count (Parquet footer) and spot checks on the first 1,000 rows: transformed columns
    differ from the input, kept ones are equal, dates moved by 1..30 days. Runs in this file's
    --check-output mode in a child process (see main)."""
    import pyarrow.parquet as pq
    rows = pq.ParquetFile(out_path).metadata.num_rows
    a = pq.ParquetFile(data).read_row_group(0).slice(0, 1000).to_pydict()
    b = next(pq.ParquetFile(out_path).iter_batches(batch_size=1000)).to_pydict()
    problems = []
    touched = set(re.findall(r"^\[columns\.([a-z_]+)\]", POLICIES[policy][1], re.M))
    for col in a:
        if col in touched:
            if col == "visit_date":
                d = [abs((y - x).days) for x, y in zip(a[col], b[col])]
                if not all(1 <= x <= 30 for x in d):
                    problems.append("visit_date shifted by %d..%d days" % (min(d), max(d)))
            elif sum(x == y for x, y in zip(a[col], b[col])) > 0:
                problems.append("%s: some values unchanged" % col)
        elif a[col] != b[col]:
            problems.append("%s: kept column differs" % col)
    return {"rows": rows, "problems": problems}


def check_output_child(python, data, out_path, policy):
    r = subprocess.run([python, os.path.abspath(__file__), "--check-output", data, out_path, policy],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"rows": None, "problems": ["output check failed: " + common.tail(r.stderr)]}


def token_speed(binary, runs, n):
    best = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as work:
            r = run_measured([binary, str(n)], work, 600)
        if r["exit"] != 0:
            return {"error": common.tail(r["stderr"] or r["stdout"])}
        for line in r["stdout"].splitlines():
            m = re.match(r"(\w+) \((\d+) chars\): (\d+) values in ([\d.]+) s = ([\d.]+) million", line)
            if m:
                key = "%s-%s" % (m.group(1), m.group(2))
                vps = int(m.group(3)) / float(m.group(4))
                best.setdefault(key, []).append(vps)
    return {k: {"best": max(v), "median": statistics.median(v), "runs": v} for k, v in best.items()}


PERF_HZ = 499


def perf_profile(argv, cwd, env, out_dir):
    """Flat profile of one run, overall and by thread role. Threads of `datalab pseudonymize`:
    the main thread reads batches and starts the transforms; one long-lived thread writes the
    output (the non-main thread with the most samples); the transforms run on scoped threads
    started anew for every batch (all other threads)."""
    data = os.path.join(out_dir, "perf.data")
    r = subprocess.run(["perf", "record", "-F", str(PERF_HZ), "-o", data, "--"] + argv, cwd=cwd, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return {"error": common.tail(r.stderr)}
    sc = subprocess.run(["perf", "script", "-i", data, "-F", "pid,tid,ip,sym"], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True)
    os.unlink(data)
    per_tid = {}
    main_tid = None
    for line in sc.stdout.splitlines():
        m = re.match(r"\s*(\d+)/(\d+)\s+[0-9a-f]+\s+(.*)$", line)
        if not m:
            continue
        pid, tid, sym = int(m.group(1)), int(m.group(2)), m.group(3).strip()
        sym = re.sub(r"::h[0-9a-f]{16}$", "", sym) or "[unknown]"
        if sym.startswith("[unknown]") or sym == "":
            sym = "[unknown]"
        main_tid = pid
        per_tid.setdefault(tid, {}).setdefault(sym, 0)
        per_tid[tid][sym] += 1
    if not per_tid:
        return {"error": "no samples"}
    others = sorted((t for t in per_tid if t != main_tid), key=lambda t: -sum(per_tid[t].values()))
    roles = {"main (read + start transforms)": [main_tid] if main_tid in per_tid else [],
             "writer (Parquet encoding)": others[:1],
             "transform workers (per batch)": others[1:]}
    total = sum(sum(v.values()) for v in per_tid.values())
    overall = {}
    for v in per_tid.values():
        for k, c in v.items():
            overall[k] = overall.get(k, 0) + c
    out = {"samples": total, "hz": PERF_HZ, "roles": [], "symbols": []}
    for role, tids in roles.items():
        syms = {}
        for t in tids:
            for k, c in per_tid[t].items():
                syms[k] = syms.get(k, 0) + c
        n = sum(syms.values())
        top = sorted(syms.items(), key=lambda kv: -kv[1])[:5]
        out["roles"].append({"role": role, "threads": len(tids), "samples": n, "cpu_s": n / PERF_HZ,
                             "top": [(100.0 * c / n, k[:90]) for k, c in top] if n else []})
    out["symbols"] = [(100.0 * c / total, k[:110]) for k, c in sorted(overall.items(), key=lambda kv: -kv[1])[:12]]
    return out


def binary_provenance(binary):
    """When the binary was built and the last commit before that: HEAD can move on (other sessions
    commit) between a build and a run, and then HEAD is not what was measured."""
    try:
        mtime = os.path.getmtime(binary)
    except OSError:
        return {}
    built = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc)
    before = common.sh(["git", "-C", ROOT, "log", "-1", "--format=%h", "--before=@%d" % int(mtime)])
    head = common.sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    # only commits that touch what `datalab pseudonymize` runs
    later = common.sh(["git", "-C", ROOT, "log", "--format=%h %s", "--after=@%d" % int(mtime), "HEAD", "--",
                       "crates/datalab-protect/src", "crates/datalab-data/src", "crates/datalab/src/pseudo_cmd.rs"]) or ""
    return {"built": built.strftime("%Y-%m-%d %H:%M"), "last_commit_before_build": before, "head": head,
            "commits_after_build": [l[:160] for l in later.splitlines()]}


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--check-output":
        print(json.dumps(check_output(*sys.argv[2:5])))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--datalab", required=True)
    ap.add_argument("--token-speed", required=True)
    ap.add_argument("--python", default=sys.executable, help="Python with presidio-anonymizer, for anchors.py")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--token-values", type=int, default=20_000_000)
    ap.add_argument("--anchor-rows", type=int, default=200_000)
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--perf", action="store_true")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--json-out")
    ap.add_argument("--markdown")
    ap.add_argument("--command", default="bash bench/pseudonymize/run.sh")
    ap.add_argument("--skip-anchors", default="")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite the report from --json-out's saved results (same other arguments)")
    args = ap.parse_args()
    if args.render_only:
        res = json.load(open(args.json_out))
        res.setdefault("provenance", binary_provenance(args.datalab))
        body = report(res, args)
        print(body)
        if args.markdown:
            write_markdown(args.markdown, body)
        return

    mach = common.machine_info()
    meta = json.load(open(args.data + ".meta.json"))
    rows = meta["rows"]
    policies = [p for p in args.policies.split(",") if p]
    ok = True
    os.makedirs(args.workdir, exist_ok=True)
    home = tempfile.mkdtemp(prefix="pseudo_home_", dir=args.workdir)
    env = dict(os.environ, DATALAB_KEY_PASSPHRASE=PASSPHRASE, NO_COLOR="1")
    env.pop("DATALAB_KEY_FILE", None)
    env.pop("DATALAB_KEYSTORE", None)
    res = {"machine": mach, "input": meta, "runs": args.runs, "policies": {}, "when":
           datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")}
    res["versions"] = {"datalab": common.sh([args.datalab, "--version"]) or "unknown",
                       "rustc": common.sh(["rustc", "--version"]) or "unknown"}
    commit = common.sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = common.sh(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])
    res["versions"]["commit"] = (commit or "?") + (" (with uncommitted changes)" if dirty else "")
    res["provenance"] = binary_provenance(args.datalab)
    common.warm_cache(args.data)

    # --- keystore: create once, then time opening it --------------------------------------
    try:
        w = tempfile.mkdtemp(dir=args.workdir)
        r = run_measured([args.datalab, "--home", home, "--json", "keys", "new"], w, 120, env)
        res["keystore_create"] = {"wall_s": r["wall_s"], "rss_kib": r["rss_kib"], "exit": r["exit"]}
        opens = []
        for _ in range(max(3, args.runs)):
            r = run_measured([args.datalab, "--home", home, "--json", "keys", "list"], w, 120, env)
            if r["exit"] == 0:
                opens.append(r)
        shutil.rmtree(w, ignore_errors=True)
        res["keystore_open"] = ({"best_s": min(o["wall_s"] for o in opens),
                                 "median_s": statistics.median(o["wall_s"] for o in opens),
                                 "cpu_s": min(o["cpu_s"] for o in opens),
                                 "rss_kib": max(o["rss_kib"] for o in opens)} if opens else {"error": "keys list failed"})
        log("keystore: create %.2f s, open (keys list) best %.2f s" % (
            res["keystore_create"]["wall_s"], res["keystore_open"].get("best_s", float("nan"))))
    except OSError as e:
        res["keystore_open"] = {"error": str(e)}
        ok = False

    # --- token kernel ------------------------------------------------------------------------
    log("token_speed %d values x %d runs" % (args.token_values, args.runs))
    res["token_speed"] = token_speed(args.token_speed, args.runs, args.token_values) \
        if os.path.exists(args.token_speed) else {"error": "missing %s" % args.token_speed}
    log("token_speed: %s" % {k: round(v["best"] / 1e6, 2) for k, v in res["token_speed"].items() if "best" in v})

    # --- anchors (right after the token kernel, so both see about the same load) ---
    if args.skip_anchors:
        res["anchors"] = {"error": args.skip_anchors}
    else:
        log("anchors on the first %d personnummer values" % args.anchor_rows)
        w = tempfile.mkdtemp(dir=args.workdir)
        r = run_measured([args.python, os.path.join(HERE, "anchors.py"), os.path.abspath(args.data),
                          "--column", "personnummer", "--rows", str(args.anchor_rows),
                          "--repeat", str(args.runs)], w, args.timeout)
        shutil.rmtree(w, ignore_errors=True)
        sys.stderr.write(r["stderr"])
        try:
            res["anchors"] = json.loads(r["stdout"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            res["anchors"] = {"error": common.tail(r["stderr"] or r["stdout"])}

    # --- end to end -----------------------------------------------------------------------------
    policy_files = {}
    for p in policies:
        path = os.path.join(args.workdir, "policy-%s.toml" % p)
        with open(path, "w") as f:
            f.write(POLICIES[p][1])
        policy_files[p] = path
    results = {p: [] for p in policies}
    errors = {}
    load_before = common.load_avg()
    for i in range(args.runs):
        for p in policies:
            if p in errors:
                continue
            w = tempfile.mkdtemp(dir=args.workdir)
            out = os.path.join(w, "out")
            argv = [args.datalab, "--home", home, "pseudonymize", args.data, "--policy", policy_files[p],
                    "-o", out, "--format", "parquet"]
            r = run_measured(argv, w, args.timeout, env)
            outfile = os.path.join(out, "pseudonymized.parquet")
            if r["exit"] != 0 or not os.path.exists(outfile):
                errors[p] = common.tail(r["stderr"] or r["stdout"])
                ok = False
            else:
                chk = check_output_child(args.python, args.data, outfile, p)
                r["rows"] = chk["rows"]
                r["out_bytes"] = os.path.getsize(outfile)
                if r["rows"] != rows:
                    errors[p] = "wrote %s rows, expected %d" % (r["rows"], rows)
                    ok = False
                elif i == 0 and chk["problems"]:
                    errors[p] = "output check: " + "; ".join(chk["problems"])
                    ok = False
                r.pop("stdout"), r.pop("stderr")
                results[p].append(r)
                log("%-18s run %d: %.2f s wall, %.2f s CPU, %d MiB" % (
                    p, i + 1, r["wall_s"], r["cpu_s"], r["rss_kib"] // 1024))
            shutil.rmtree(w, ignore_errors=True)
    load_after = common.load_avg()
    res["load"] = [load_before, load_after]
    for p in policies:
        rs = results[p]
        if p in errors or not rs:
            res["policies"][p] = {"error": errors.get(p, "no run")}
            continue
        best = min(rs, key=lambda r: r["wall_s"])
        res["policies"][p] = {"best_s": best["wall_s"], "median_s": statistics.median(r["wall_s"] for r in rs),
                              "cpu_s": best["cpu_s"], "min_cpu_s": min(r["cpu_s"] for r in rs),
                              "rss_kib": max(r["rss_kib"] for r in rs),
                              "out_bytes": best["out_bytes"], "rows": best["rows"],
                              "all_s": [r["wall_s"] for r in rs]}

    # --- perf profile of the 5-transform run ------------------------------------------------
    if args.perf and "five-encrypt" in policies and shutil.which("perf"):
        log("perf record on keep, five-token and five-encrypt")
        res["perf"] = {}
        for p in ("keep", "five-token", "five-encrypt"):
            if p not in policy_files:
                continue
            w = tempfile.mkdtemp(dir=args.workdir)
            argv = [args.datalab, "--home", home, "pseudonymize", args.data, "--policy", policy_files[p],
                    "-o", os.path.join(w, "out"), "--format", "parquet"]
            res["perf"][p] = perf_profile(argv, w, env, w)
            shutil.rmtree(w, ignore_errors=True)

    shutil.rmtree(home, ignore_errors=True)

    for path in policy_files.values():
        os.unlink(path)
    res["args"] = {k: v for k, v in vars(args).items() if k not in ("markdown", "json_out")}
    body = report(res, args)
    print(body)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(res, f, indent=1, default=str)
    if args.markdown:
        write_markdown(args.markdown, body)
    sys.exit(0 if ok else 1)


# ------------------------------------------------------------------------------------ report

def fmt_rate(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k" % (x / 1e3)
    return "%.0f" % x


def yes_no(b):
    return "**yes**" if b else "**NOT met**"


def report(res, args):
    rows = res["input"]["rows"]
    ks = res.get("keystore_open", {})
    ks_s, ks_cpu = ks.get("best_s"), ks.get("cpu_s")
    P = res["policies"]
    ts = res.get("token_speed", {})
    anchors = res.get("anchors", {})
    am = anchors.get("modes", {}) if isinstance(anchors, dict) else {}
    mach = res["machine"]
    meta = res["input"]
    budget = rows / GOAL_E2E_ROWS
    f = lambda r: "—" if r is None else ("%.0f×" % r if r >= 10 else "%.1f×" % r)

    def extra_cpu(p):
        """CPU seconds a policy costs over `keep` (fastest CPU of its runs), keystore opening out."""
        if "min_cpu_s" not in P.get(p, {}) or "min_cpu_s" not in P.get("keep", {}):
            return None
        return P[p]["min_cpu_s"] - P["keep"]["min_cpu_s"] - (ks_cpu if p in KEYED and ks_cpu else 0)

    def per_core(p):
        e = extra_cpu(p)
        return rows / e if e and e > 0 else None

    L = []
    L.append("## Pseudonymisation: `datalab pseudonymize` vs Presidio anonymizer and Python hmac")
    L.append("")
    L.append("Measured %s UTC with `%s` (`bench/pseudonymize/`)." % (res["when"], args.command))
    L.append("")
    L.append("- **Machine:** %s CPUs (`nproc`), %s, %s; Linux %s, %s. **Shared and loaded:** other agents "
             "were building and testing on the same 2 cores during the run; 1-minute load average at the start "
             "/ before / after the end-to-end runs: %s / %s / %s (2.0 = both cores already busy), so wall "
             "times are longer than on an idle machine and vary between runs; CPU times are steadier."
             % (mach["nproc"], mach["mem"], mach["cpu"], mach["kernel"], mach["os"], mach["load_start"],
                res["load"][0], res["load"][1]))
    cols = ", ".join("`%s` %s" % (k, v) for k, v in meta["columns"].items())
    L.append("- **Input:** `bench/data/%s`, %s rows × %d columns, %.1f MB Parquet (pyarrow %s defaults: snappy, "
             "dictionary encoding, %d row groups), made by `bench/pseudonymize/gen_data.py` in %.0f s (seed %s, "
             "%s patients, ~%.0f visits each): %s. `personnummer` is `YYYYMMDD-NNNC` with a real date and a "
             "valid check digit, one per patient, like `email`; `visit_id` is unique."
             % (os.path.basename(args.data), f"{rows:,}", len(meta["columns"]), meta["bytes"] / 1e6,
                meta["pyarrow"], meta["row_groups"], meta["seconds"], meta["seed"], f"{meta['patients']:,}",
                rows / meta["patients"], cols))
    L.append("- **Versions:** %s (workspace %s at the run), %s; Python %s, presidio-anonymizer %s, cryptography %s "
             "(in `bench/.venv`)."
             % (res["versions"]["datalab"], res["versions"]["commit"], res["versions"]["rustc"],
                anchors.get("python", "?"), anchors.get("presidio_anonymizer", "?"), anchors.get("cryptography", "?")))
    prov = res.get("provenance") or {}
    if prov.get("commits_after_build"):
        L.append("- **Binary older than the workspace:** `target/release/datalab` was built %s UTC, after commit %s "
                 "(the working tree also held other sessions' uncommitted changes). Commits after the build that "
                 "touch pseudonymisation, Parquet reading/writing or the command, so **not measured here**: %s."
                 % (prov["built"], prov.get("last_commit_before_build") or "?",
                    "; ".join("`%s`" % c.replace("`", "'") for c in prov["commits_after_build"])))
    L.append("- **Method:** every datalab run is its own process, `DATALAB_KEY_PASSPHRASE=… datalab --home <tmp> "
             "pseudonymize <parquet> --policy <toml> -o <tmp> --format parquet` (release build); wall clock of "
             "the whole process (start-up, reading, transforming, writing Parquet and pseudonymization.json), "
             "best and median of %d interleaved runs, input in the page cache; CPU time (user + sys) and peak "
             "RSS from `wait4` (the harness keeps pyarrow out of its own process, since Linux carries the "
             "parent's high-water mark into a child's `ru_maxrss`). Every output is checked: row count from "
             "the Parquet footer; on the first 1,000 rows every transformed column differs from the input, kept "
             "columns are equal, dates moved by 1–30 days. The keystore is created once before the timed "
             "runs; **opening it (Argon2id, 64 MiB, 3 passes) is inside every keyed run**, so it is also timed "
             "alone as `datalab keys list` (best %s s wall, %s s CPU) and subtracted where marked. Token "
             "kernel: `token_speed` (example of datalab-protect; one thread, %s values of 13 characters per "
             "encoding; best of %d). Anchors: `bench/pseudonymize/anchors.py`, one process, single-threaded, "
             "after a warm-up, best of %d passes per mode, timing only the loop over the **first %s values of "
             "the same `personnummer` column** (a subset: the anchors are slow); they run right after "
             "`token_speed`, before the end-to-end runs, so that both see about the same load."
             % (args.runs, "%.2f" % ks_s if ks_s else "?", "%.2f" % ks_cpu if ks_cpu else "?",
                f"{args.token_values:,}", args.runs, args.runs, f"{anchors.get('values', args.anchor_rows):,}"))
    L.append("")

    # ---- token kernel
    L.append("### Token kernel (one core)")
    L.append("")
    L.append("| what runs | values/s, best | median | goal | met |")
    L.append("|---|---:|---:|---|---|")
    hexk, b32 = ts.get("hex-64", {}), ts.get("base32-16", {})
    if "error" in ts:
        L.append("| `token_speed` | not run — %s | | ≥ 5 M/s | n/a |" % ts["error"])
    for name, k in (("HMAC-SHA256 → 64 hex characters (full digest)", hexk),
                    ("HMAC-SHA256 → 16 base32 characters", b32)):
        if k:
            L.append("| `token_speed`: %s | %s | %s | ≥ 5 M/s per core | %s |" % (
                name, fmt_rate(k["best"]), fmt_rate(k["median"]), yes_no(k["best"] >= GOAL_TOKEN_PER_CORE)))
    tok_e2e, enc_e2e = per_core("token-pnr"), per_core("encrypt-pnr")
    if extra_cpu("token-pnr") is not None:
        L.append("| in `datalab pseudonymize`, one token column (CPU of `token-pnr` − `keep` − keystore; 32 hex; "
                 "includes reading the strings from Arrow, building the output column and **encoding it in "
                 "Parquet**) | %s | | (for information) | |" % fmt_rate(tok_e2e))
    L.append("")

    # ---- end to end
    L.append("### End to end: Parquet → Parquet, %s rows" % f"{rows:,}")
    L.append("")
    L.append("| policy | what it does | best (s) | median (s) | rows/s (best) | without keystore opening: s / rows/s | CPU s, best run (cores busy) | CPU s over `keep`, keystore out | peak RSS | output |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p, v in P.items():
        desc = POLICIES[p][0]
        if "error" in v:
            L.append("| `%s` | %s | not run — %s | | | | | | | |" % (p, desc, v["error"].replace("|", "/").replace("\n", " ")[:300]))
            continue
        wo = "—"
        if p in KEYED and ks_s:
            t = v["best_s"] - ks_s
            wo = "%.2f / %s" % (t, fmt_rate(rows / t))
        e = extra_cpu(p)
        L.append("| `%s` | %s | %.2f | %.2f | %s | %s | %.2f (%.2f) | %s | %.0f MiB | %.0f MB |" % (
            p, desc, v["best_s"], v["median_s"], fmt_rate(rows / v["best_s"]), wo, v["cpu_s"],
            v["cpu_s"] / v["best_s"], "—" if p == "keep" or e is None else "%+.2f" % e,
            v["rss_kib"] / 1024, v["out_bytes"] / 1e6))
    L.append("")
    parts = []
    for p in ("token-pnr", "encrypt-pnr", "encrypt-pnr-plain", "date-shift", "mask-email"):
        e = extra_cpu(p)
        if e is not None:
            parts.append("`%s` %+.2f s (%s)" % (p, e, "%s values/s per core" % fmt_rate(rows / e) if e > 0.05 else "within noise"))
    if parts:
        L.append("CPU cost of each transform alone, over `keep` (fastest CPU time of the runs; keystore opening "
                 "subtracted): %s. These include encoding the transformed column in Parquet, which differs from "
                 "encoding the original (32-hex tokens are larger and incompressible; a masked e-mail compresses "
                 "better than the original)." % "; ".join(parts))
        L.append("")
    if "keystore_create" in res:
        L.append("Keystore: creating it (`keys new`: Argon2id + first key) %.2f s; opening it (`keys list`) best %s s, "
                 "peak RSS %s MiB (Argon2id's 64 MiB)." % (
                     res["keystore_create"]["wall_s"], "%.2f" % ks_s if ks_s else "?", "%.0f" % (ks.get("rss_kib", 0) / 1024)))
        L.append("")

    # ---- anchors
    L.append("### Per-value throughput vs the anchors (same `personnummer` values, one core each)")
    L.append("")
    if "error" in anchors:
        L.append("Anchors not run — %s" % anchors["error"])
    else:
        k_hex = hexk.get("best")
        L.append("| tool | what runs | values | time (s) | values/s | datalab token kernel ÷ tool | datalab token in `pseudonymize` ÷ tool | datalab FF1 encrypt in `pseudonymize` ÷ tool |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|")
        L.append("| datalab | token kernel (`token_speed`, 64 hex) | %s | | %s | 1 | | |" % (f"{args.token_values:,}", fmt_rate(k_hex)))
        L.append("| datalab | token in `pseudonymize` (CPU of `token-pnr` − `keep` − keystore) | %s | %s | %s | | 1 | |" % (
            f"{rows:,}", "%.2f" % extra_cpu("token-pnr") if extra_cpu("token-pnr") else "", fmt_rate(tok_e2e)))
        L.append("| datalab | FF1 encrypt in `pseudonymize`, check digit made invalid (CPU of `encrypt-pnr` − `keep` − keystore) | %s | %s | %s | | | 1 |" % (
            f"{rows:,}", "%.2f" % extra_cpu("encrypt-pnr") if extra_cpu("encrypt-pnr") else "", fmt_rate(enc_e2e)))
        desc = {
            "hmac": "Python `hmac.new(key, v.encode(), sha256).hexdigest()` loop",
            "presidio-hash-op": "Presidio `Hash().operate(v, {sha256, fixed 32-byte salt})`, the operator alone",
            "presidio-hash": "Presidio `AnonymizerEngine().anonymize(v, [RecognizerResult(0, len(v))], {hash})`",
            "presidio-encrypt-op": "Presidio `Encrypt().operate(v, {32-byte key})`, the operator alone (AES-256-CBC, random IV)",
            "presidio-encrypt": "Presidio `AnonymizerEngine().anonymize(v, …, {encrypt})`",
        }
        res["ratios"] = {}
        for m, d in desc.items():
            v = am.get(m)
            if not v:
                continue
            who = "Python" if m == "hmac" else "Presidio"
            if "error" in v:
                L.append("| %s | %s | not run — %s | | | | | |" % (who, d, v["error"]))
                continue
            vps = v["values_per_s"]
            r1 = k_hex / vps if k_hex else None
            r2 = tok_e2e / vps if tok_e2e else None
            r3 = enc_e2e / vps if enc_e2e else None
            res["ratios"][m] = {"kernel": r1, "token_e2e": r2, "encrypt_e2e": r3}
            if "encrypt" in m:
                L.append("| %s | %s | %s | %.2f | %s | | | **%s** |" % (who, d, f"{v['values']:,}", v["seconds"], fmt_rate(vps), f(r3)))
            else:
                L.append("| %s | %s | %s | %.2f | %s | **%s** | %s | |" % (who, d, f"{v['values']:,}", v["seconds"], fmt_rate(vps), f(r1), f(r2)))
        L.append("")
        L.append("The hash rows set keyed tokens against hashes: datalab computes HMAC-SHA256 with a per-context "
                 "subkey; Presidio's `hash` is SHA-256(value ‖ salt), deterministic (linkable) only with a fixed "
                 "salt as here, otherwise a fresh random salt per value. The encrypt rows set FF1 format-preserving "
                 "encryption (deterministic, same length and separators, check digit made invalid, ~10 AES "
                 "blocks per value) against Presidio's AES-256-CBC with a random IV and base64 output (one AES "
                 "block, not deterministic, so not linkable and not the same shape): Presidio does less work per "
                 "value there. The datalab rates in `pseudonymize` also include Parquet encoding of the output "
                 "column; the anchors only transform Python strings in memory.")
    L.append("")

    # ---- goals
    L.append("### Goals")
    L.append("")
    L.append("| goal | target | measured | met |")
    L.append("|---|---|---|---|")
    if hexk:
        L.append("| token kernel | ≥ 5 M values/s per core | %s values/s (64 hex; 16 base32: %s) | %s |" % (
            fmt_rate(hexk["best"]), fmt_rate(b32.get("best")), yes_no(hexk["best"] >= GOAL_TOKEN_PER_CORE)))
    for p in ("five-token", "five-encrypt"):
        v = P.get(p, {})
        if "best_s" not in v:
            continue
        rate = rows / v["best_s"]
        wo = rows / (v["best_s"] - ks_s) if ks_s else None
        short = ""
        if rate < GOAL_E2E_ROWS:
            short = "; %.0f%% of the goal: %.2f s where ≤ %.2f s was needed" % (100 * rate / GOAL_E2E_ROWS, v["best_s"], budget)
        L.append("| Parquet → Parquet, 5-column policy `%s`, 2 cores | ≥ 2 M rows/s | %s rows/s (%.2f s for %s rows%s); without the keystore opening %s rows/s | %s |" % (
            p, fmt_rate(rate), v["best_s"], f"{rows:,}", short, fmt_rate(wo), yes_no(rate >= GOAL_E2E_ROWS)))
    L.append("")

    # ---- profile
    if res.get("perf"):
        L.append("### Where the time goes (`perf record -F %d`, one run each, all threads)" % PERF_HZ)
        L.append("")
        L.append("`datalab pseudonymize` reads batches on the main thread, transforms each batch on scoped threads "
                 "started for it (the policy's columns split into 2 contiguous groups), and encodes the output on "
                 "one writer thread fed through a channel. CPU seconds per role are samples ÷ %d Hz." % PERF_HZ)
        L.append("")
        L.append("| policy | role | threads | CPU s | top symbols (share of the role's samples) |")
        L.append("|---|---|---:|---:|---|")
        for p, pr in res["perf"].items():
            if "error" in pr:
                L.append("| `%s` | perf failed — %s | | | |" % (p, pr["error"]))
                continue
            for r in pr["roles"]:
                top = "; ".join("%.0f%% `%s`" % (pct, sym.replace("|", "/")) for pct, sym in r["top"])
                L.append("| `%s` | %s | %d | %.2f | %s |" % (p, r["role"], r["threads"], r["cpu_s"], top))
        L.append("")
        for p, pr in res["perf"].items():
            if "symbols" in pr and pr["symbols"]:
                L.append("- `%s`, whole process: %s." % (p, "; ".join("%.1f%% `%s`" % (pct, sym) for pct, sym in pr["symbols"][:10])))
        L.append("")

        # data-driven diagnosis
        keep = P.get("keep", {})
        diag = []
        if "best_s" in keep:
            diag.append("Reading and writing the Parquet file alone (`keep`) takes %.2f s, %.0f%% of the %.2f s that "
                        "2 M rows/s allows for %s rows, and keeps only %.2f cores busy."
                        % (keep["best_s"], 100 * keep["best_s"] / budget, budget, f"{rows:,}", keep["cpu_s"] / keep["best_s"]))
        for p in ("five-token", "five-encrypt"):
            pr = res["perf"].get(p, {})
            if "roles" not in pr or "best_s" not in P.get(p, {}):
                continue
            rr = {r["role"].split(" ")[0]: r for r in pr["roles"]}
            diag.append("`%s`: %.2f s wall, %.2f CPU-s over %.2f cores; the writer thread alone needs %.2f CPU-s "
                        "(serial: a lower bound on the wall time), the per-batch transform threads %.2f CPU-s, "
                        "the main thread %.2f CPU-s."
                        % (p, P[p]["best_s"], P[p]["cpu_s"], P[p]["cpu_s"] / P[p]["best_s"],
                           rr.get("writer", {}).get("cpu_s", 0), rr.get("transform", {}).get("cpu_s", 0),
                           rr.get("main", {}).get("cpu_s", 0)))
        if diag:
            L.append("**Diagnosis (numbers of this run):** " + " ".join(diag))
            L.append("")
        prov = res.get("provenance") or {}
        L.append("**Reading of the code behind these numbers** (the code the measured binary was built from, "
                 "commit %s; no Rust code was changed for this benchmark):"
                 % (prov.get("last_commit_before_build") or res["versions"]["commit"]))
        L.append("")
        L.append("1. *The single writer thread is the floor.* `BatchWriter` (`datalab-data/src/write.rs`) encodes "
                 "all columns of every batch on one thread, and `BatchWriter::new` passes `parquet_properties(&[])`, "
                 "so dictionary encoding is tried on every column, including near-unique ones (`visit_id`, tokens, "
                 "FF1 outputs): the interner (`Interner::intern`, `ahash`, `reserve_rehash`, `memcmp`) hashes "
                 "values until the dictionary page limit makes it fall back, again in every 128 Ki-row group. "
                 "Snappy then compresses 32-hex tokens that it cannot shrink. Parallel column encoding (parquet's "
                 "`ArrowColumnWriter`s, one per column) or cheaper settings for token columns (no dictionary, "
                 "no compression) would move this floor.")
        L.append("2. *The transforms use about one core.* `Pseudonymizer::apply` (`datalab-protect/src/pseudonymize.rs`) "
                 "cuts the list of output columns into `threads` contiguous groups of equal *count*, `keep` "
                 "columns included, and waits for both groups on every 8,192-row batch. With this file's column "
                 "order the first group holds `patient_id`, `visit_id`, `personnummer` and `email` (both tokens, the "
                 "FF1 column and the mask), the second `visit_date` (date-shift) and three kept columns: one "
                 "thread does nearly all the work while the other idles. Splitting by estimated cost, or by rows "
                 "(each thread takes half of every column), would use both cores.")
        L.append("3. *Reading is not overlapped with transforming.* The main loop in `pseudo_cmd.rs` reads batch "
                 "*n* + 1 only after `apply` returned batch *n* (only the writer runs beside it).")
        e_cd, e_plain = extra_cpu("encrypt-pnr"), extra_cpu("encrypt-pnr-plain")
        cd_text = ""
        if e_cd is not None and e_plain is not None and e_plain > 0:
            cd_text = (" Here: %.2f CPU-s for %s values (%.2f µs each) on top of %.2f CPU-s for FF1 without a "
                       "check-digit scheme." % (e_cd - e_plain, f"{rows:,}", 1e6 * (e_cd - e_plain) / rows, e_plain))
        L.append("4. *The check-digit layer is expensive.* `encrypt-pnr` − `encrypt-pnr-plain` is its cost. "
                 "`Candidates::of` (`datalab-protect/src/pseudo/format.rs`) rebuilds the whole value as a `String` "
                 "and runs the full validator (`is_valid_personnummer`, date included) for each of the 10 digits, "
                 "for the input and again for the output: 20 validations and 20 string builds per value, where "
                 "one checksum of the payload would give the valid digit of a Luhn-type scheme." + cd_text)
        L.append("5. *Argon2id* (opening the keystore) is a fixed ~0.15 s per run, about 4% of `five-token`.")
        L.append("")
    return "\n".join(L).rstrip() + "\n"


def write_markdown(path, body):
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    block = "%s\n%s%s" % (MD_START, body, MD_END)
    if MD_START in text:
        text = re.sub(re.escape(MD_START) + r".*?" + re.escape(MD_END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
