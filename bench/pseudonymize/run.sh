#!/usr/bin/env bash
# Pseudonymisation benchmark: datalab pseudonymize (Parquet -> Parquet) and its token kernel,
# against Presidio's anonymizer (hash, encrypt) and a plain Python hmac loop.
#
#   bash bench/pseudonymize/run.sh [--rows 5000000] [--patients 1000000] [--seed 42] [--runs 3]
#                                  [--anchor-rows 200000] [--token-values 20000000]
#                                  [--policies keep,five-encrypt,...] [--no-perf]
#                                  [--no-build] [--no-write-md] [--timeout 1800]
#
# Run from anywhere; paths are resolved from this script's location. Uses bench/.venv (pyarrow,
# numpy; presidio-anonymizer is added to it: it only pulls cryptography and cffi). Input is cached in
# bench/data/pseudo_<rows>r_s<seed>.parquet. Exit status: non-zero when a build fails or a
# datalab run fails or writes the wrong row count; missed goals are reported, not an error.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"

ORIG_ARGS="$*"
ROWS=5000000
PATIENTS=1000000
SEED=42
RUNS=3
ANCHOR_ROWS=200000
TOKEN_VALUES=20000000
POLICIES=""
PERF=1
BUILD=1
WRITE_MD=1
TIMEOUT=1800

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --patients) PATIENTS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --anchor-rows) ANCHOR_ROWS="$2"; shift 2 ;;
    --token-values) TOKEN_VALUES="$2"; shift 2 ;;
    --policies) POLICIES="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --no-perf) PERF=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-write-md) WRITE_MD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$ROWS" "$PATIENTS" "$RUNS" "$ANCHOR_ROWS" "$TOKEN_VALUES" "$TIMEOUT"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: numeric options must be positive integers" >&2; exit 2; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "run.sh: --seed must be a non-negative integer" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }

# --- Python environment (shared bench/.venv) -----------------------------------------------
VENV="$BENCH/.venv"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
fi
if ! "$PY" -c 'import pyarrow, numpy' >/dev/null 2>&1; then
  log "installing pyarrow, numpy into $VENV"
  "$PY" -m pip install --quiet pyarrow numpy
fi
SKIP_ANCHORS=""
if ! "$PY" -c 'import presidio_anonymizer' >/dev/null 2>&1; then
  log "installing presidio-anonymizer into $VENV"
  PIP_LOG="$(mktemp)"
  if ! "$PY" -m pip install --quiet presidio-anonymizer >"$PIP_LOG" 2>&1; then
    SKIP_ANCHORS="pip install presidio-anonymizer failed: $(grep -E 'ERROR|error:' "$PIP_LOG" | tail -n 1 | cut -c1-300)"
    log "$SKIP_ANCHORS"
  fi
  rm -f "$PIP_LOG"
fi

# --- release binaries ----------------------------------------------------------------------------
DATALAB="$ROOT/target/release/datalab"
TOKEN_SPEED="$ROOT/target/release/examples/token_speed"
if [[ "$BUILD" == 1 ]]; then
  log "cargo build --release -p datalab"
  (cd "$ROOT" && cargo build --release -p datalab) || { log "build failed"; exit 1; }
  log "cargo build --release -p datalab-protect --example token_speed"
  (cd "$ROOT" && cargo build --release -p datalab-protect --example token_speed) || { log "build failed"; exit 1; }
else
  log "skipping build (--no-build)"
fi
for b in "$DATALAB" "$TOKEN_SPEED"; do
  [[ -x "$b" ]] || { log "$b is missing (build it, or drop --no-build)"; exit 1; }
done

# --- input (git-ignored bench/data, generated once per rows/patients/seed) -------------------------
DATA="$BENCH/data"
mkdir -p "$DATA/work"
INPUT="$DATA/pseudo_${ROWS}r_p${PATIENTS}_s${SEED}.parquet"
if [[ -f "$INPUT" && -f "$INPUT.meta.json" ]]; then
  log "using $INPUT"
else
  log "generating $INPUT"
  "$PY" "$HERE/gen_data.py" "$INPUT" --rows "$ROWS" --patients "$PATIENTS" --seed "$SEED"
fi

# --- measure --------------------------------------------------------------------------------------
args=(--data "$INPUT" --datalab "$DATALAB" --token-speed "$TOKEN_SPEED" --python "$PY"
      --runs "$RUNS" --anchor-rows "$ANCHOR_ROWS" --token-values "$TOKEN_VALUES"
      --workdir "$DATA/work" --timeout "$TIMEOUT" --json-out "$DATA/pseudonymize-results.json"
      --command "bash bench/pseudonymize/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
[[ -n "$POLICIES" ]] && args+=(--policies "$POLICIES")
[[ "$PERF" == 1 ]] && command -v perf >/dev/null 2>&1 && args+=(--perf)
[[ -n "$SKIP_ANCHORS" ]] && args+=(--skip-anchors "$SKIP_ANCHORS")
[[ "$WRITE_MD" == 1 ]] && args+=(--markdown "$ROOT/BENCHMARKS.md")
set +e
"$PY" "$HERE/compare.py" "${args[@]}"
status=$?
set -e
exit "$status"
