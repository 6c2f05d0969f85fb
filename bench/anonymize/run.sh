#!/usr/bin/env bash
# Anonymisation benchmark: `datalab anonymize` on Adult against ARX 3.9.2's published times,
# plus a 10-million-row resampled Adult.
#
#   bash bench/anonymize/run.sh [--runs 10] [--big-rows 10000000] [--big-runs 1] [--skip-big]
#                               [--no-verify-big] [--no-build] [--no-write-md] [--seed 42]
#                               [--timeout 3600] [--datalab PATH] [--adult-dir DIR]
#
# Run from anywhere; paths are resolved from this script's location.
# Exit status: 0 when every case ran and datalab reproduced ARX's optimum; non-zero otherwise.
# Missed performance goals are reported, not turned into a failing exit status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"

ORIG_ARGS="$*"
RUNS=10
BIG_ROWS=10000000
BIG_RUNS=1
SKIP_BIG=0
VERIFY_BIG=1
SEED=42
BUILD=1
WRITE_MD=1
TIMEOUT=3600
DATALAB=""   # default: target/release/datalab, built here unless --no-build
ADULT_DIR="$(cd "$ROOT/.." && pwd)/shared/data/adult"
SKIP_DATALAB=""

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --big-rows) BIG_ROWS="$2"; shift 2 ;;
    --big-rows=*) BIG_ROWS="${1#*=}"; shift ;;
    --big-runs) BIG_RUNS="$2"; shift 2 ;;
    --big-runs=*) BIG_RUNS="${1#*=}"; shift ;;
    --skip-big) SKIP_BIG=1; shift ;;
    --no-verify-big) VERIFY_BIG=0; shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --seed=*) SEED="${1#*=}"; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --datalab) DATALAB="$2"; shift 2 ;;
    --datalab=*) DATALAB="${1#*=}"; shift ;;
    --adult-dir) ADULT_DIR="$2"; shift 2 ;;
    --adult-dir=*) ADULT_DIR="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-write-md) WRITE_MD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$BIG_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --big-runs must be a positive integer" >&2; exit 2; }
[[ "$BIG_ROWS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --big-rows must be a positive integer" >&2; exit 2; }
[[ -f "$ADULT_DIR/adult.csv" ]] || { echo "run.sh: no adult.csv in $ADULT_DIR (use --adult-dir)" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }

# --- Python environment (shared with the import benchmark; only numpy is needed) ---------
VENV="$BENCH/.venv"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  log "installing numpy into $VENV"
  "$PY" -m pip install --quiet numpy
fi

# --- datalab build -------------------------------------------------------------
if [[ -z "$DATALAB" ]]; then
  DATALAB="$ROOT/target/release/datalab"
else
  BUILD=0   # an explicitly given binary is used as it is
fi
if [[ "$BUILD" == 1 ]]; then
  log "cargo build --release -p datalab"
  if ! (cd "$ROOT" && cargo build --release -p datalab); then
    log "build failed; datalab will be reported as not run"
    SKIP_DATALAB="cargo build --release -p datalab failed"
  fi
else
  log "skipping build (--no-build)"
fi

# --- the large input (cached in bench/data, git-ignored) ----------------------------
DATA="$BENCH/data"
mkdir -p "$DATA"
args=(--datalab "$DATALAB" --adult-dir "$ADULT_DIR" --runs "$RUNS" --big-runs "$BIG_RUNS"
      --root "$ROOT" --timeout "$TIMEOUT" --workdir "$DATA/work"
      --json-out "$DATA/anonymize-results.json"
      --command "bash bench/anonymize/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
if [[ "$SKIP_BIG" == 0 ]]; then
  BIG_CSV="$DATA/adult_${BIG_ROWS}r_s${SEED}.csv"
  "$PY" "$HERE/gen_big.py" --adult "$ADULT_DIR/adult.csv" \
    --age-hierarchy "$ADULT_DIR/adult_hierarchy_age.csv" \
    --rows "$BIG_ROWS" --seed "$SEED" --jitter 2 --out "$BIG_CSV"
  args+=(--big-csv "$BIG_CSV")
  [[ "$VERIFY_BIG" == 1 ]] || args+=(--no-verify-big)
fi
if [[ -n "$SKIP_DATALAB" ]]; then
  args+=(--skip-datalab "$SKIP_DATALAB")
fi
if [[ "$WRITE_MD" == 1 ]]; then
  args+=(--markdown "$ROOT/BENCHMARKS.md")
fi
exec "$PY" "$HERE/compare.py" "${args[@]}"
