#!/usr/bin/env bash
# Profile benchmark: `datalab assess` vs ydata-profiling (minimal) vs a Great Expectations suite.
#
#   bash bench/profile/run.sh [--rows 1000000] [--runs N] [--datalab-runs 3] [--ref-runs 1]
#                             [--no-build] [--no-write-md] [--seed 42] [--timeout 3600]
#                             [--datalab PATH] [--tools datalab,ydata,ge]
#
# Run from anywhere; paths are resolved from this script's location.
# Exit status: 0 when datalab ran and every tool that ran reported the input's row count;
# non-zero otherwise (including when datalab could not be run). ydata-profiling or Great
# Expectations failing to install or run is reported as "not run", not as a failure; missed
# performance goals are reported, not turned into a failing exit status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"

ORIG_ARGS="$*"
ROWS=1000000
DATALAB_RUNS=3
REF_RUNS=1
SEED=42
BUILD=1
WRITE_MD=1
TIMEOUT=3600
TOOLS="datalab,ydata,ge"
DATALAB=""   # default: target/release/datalab, built here unless --no-build
SKIP_DATALAB=""

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --rows=*) ROWS="${1#*=}"; shift ;;
    --runs) DATALAB_RUNS="$2"; REF_RUNS="$2"; shift 2 ;;
    --runs=*) DATALAB_RUNS="${1#*=}"; REF_RUNS="${1#*=}"; shift ;;
    --datalab-runs) DATALAB_RUNS="$2"; shift 2 ;;
    --datalab-runs=*) DATALAB_RUNS="${1#*=}"; shift ;;
    --ref-runs) REF_RUNS="$2"; shift 2 ;;
    --ref-runs=*) REF_RUNS="${1#*=}"; shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --seed=*) SEED="${1#*=}"; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --tools) TOOLS="$2"; shift 2 ;;
    --tools=*) TOOLS="${1#*=}"; shift ;;
    --datalab) DATALAB="$2"; shift 2 ;;
    --datalab=*) DATALAB="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-write-md) WRITE_MD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$ROWS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rows must be a positive integer" >&2; exit 2; }
for n in "$DATALAB_RUNS" "$REF_RUNS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: run counts must be positive integers" >&2; exit 2; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "run.sh: --seed must be a non-negative integer" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }

# --- Python environments -----------------------------------------------------------
# bench/.venv (shared with the import benchmark) runs the generator, so the CSV is drawn with
# the same numpy as the import benchmark's. ydata-profiling and great_expectations live in
# their own venv, bench/profile/.venv: installing them into bench/.venv would make pip
# downgrade pandas and numpy there (ydata-profiling needs pandas < 3), silently changing what
# the import benchmark measures.
GEN_VENV="$BENCH/.venv"
GEN_PY="$GEN_VENV/bin/python"
if [[ ! -x "$GEN_PY" ]]; then
  log "creating $GEN_VENV"
  python3 -m venv "$GEN_VENV"
fi
if ! "$GEN_PY" -c 'import numpy' >/dev/null 2>&1; then
  log "installing numpy into $GEN_VENV"
  "$GEN_PY" -m pip install --quiet numpy
fi

VENV="$HERE/.venv"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
fi
SKIP_YDATA=""
SKIP_GE=""
PIP_LOG="$(mktemp)"
trap 'rm -f "$PIP_LOG"' EXIT
pip_reason() {  # last meaningful line of pip's output, for the report
  grep -E 'ERROR|error:' "$PIP_LOG" | tail -n 1 | cut -c1-300 || true
}
need=()
"$PY" -c 'import ydata_profiling' >/dev/null 2>&1 || need+=(ydata-profiling)
"$PY" -c 'import great_expectations' >/dev/null 2>&1 || need+=(great_expectations)
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]} into $VENV"
  if ! "$PY" -m pip install --quiet "${need[@]}" >"$PIP_LOG" 2>&1; then
    # one at a time, so that one package that cannot be installed does not block the other
    for pkg in "${need[@]}"; do
      if ! "$PY" -m pip install --quiet "$pkg" >"$PIP_LOG" 2>&1; then
        reason="pip install $pkg failed on Python $("$PY" -c 'import platform; print(platform.python_version())'): $(pip_reason)"
        log "$reason"
        if [[ "$pkg" == ydata-profiling ]]; then SKIP_YDATA="$reason"; else SKIP_GE="$reason"; fi
      fi
    done
  fi
fi
"$PY" - <<'PYEOF' >&2
import importlib.metadata as m, platform
def v(p):
    try:
        return m.version(p)
    except m.PackageNotFoundError:
        return "not installed"
print("==> python %s, ydata-profiling %s, great_expectations %s, pandas %s, numpy %s" % (
    platform.python_version(), v("ydata-profiling"), v("great_expectations"), v("pandas"),
    v("numpy")))
PYEOF

# --- datalab build -------------------------------------------------------------
if [[ -z "$DATALAB" ]]; then
  DATALAB="$ROOT/target/release/datalab"
else
  BUILD=0   # an explicitly given binary is used as it is
fi
if [[ ",$TOOLS," != *",datalab,"* ]]; then
  BUILD=0   # datalab is not measured
fi
if [[ "$BUILD" == 1 ]]; then
  log "cargo build --release -p datalab"
  if ! (cd "$ROOT" && cargo build --release -p datalab); then
    # do not benchmark a stale binary left by an earlier build
    log "build failed; datalab will be reported as not run"
    SKIP_DATALAB="cargo build --release -p datalab failed"
  fi
else
  log "skipping build"
fi

# --- input data (cached in bench/data, git-ignored) -----------------------------
DATA="$BENCH/data"
mkdir -p "$DATA"
CSV="$DATA/profile_${ROWS}r_s${SEED}.csv"
# gen_rows.py keeps an existing file whose .meta.json matches rows, seed and generator version
"$GEN_PY" "$HERE/gen_rows.py" --rows "$ROWS" --seed "$SEED" --out "$CSV"

# --- comparison -----------------------------------------------------------------------
args=(--csv "$CSV" --datalab "$DATALAB" --datalab-runs "$DATALAB_RUNS" --ref-runs "$REF_RUNS"
      --tools "$TOOLS" --root "$ROOT" --timeout "$TIMEOUT" --workdir "$DATA/work"
      --json-out "$DATA/profile-results.json"
      --command "bash bench/profile/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
if [[ -n "$SKIP_DATALAB" ]]; then args+=(--skip-datalab "$SKIP_DATALAB"); fi
if [[ -n "$SKIP_YDATA" ]]; then args+=(--skip-ydata "$SKIP_YDATA"); fi
if [[ -n "$SKIP_GE" ]]; then args+=(--skip-ge "$SKIP_GE"); fi
if [[ "$WRITE_MD" == 1 ]]; then
  args+=(--markdown "$ROOT/BENCHMARKS.md")
fi
rm -f "$PIP_LOG"; trap - EXIT
exec "$PY" "$HERE/compare.py" "${args[@]}"
