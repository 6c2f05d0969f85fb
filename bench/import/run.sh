#!/usr/bin/env bash
# Import benchmark: CSV -> stored container, datalab vs pyarrow vs pandas.
#
#   bash bench/import/run.sh [--size-mb 1000] [--runs 3] [--no-build] [--no-write-md]
#                            [--seed 42] [--timeout 3600] [--datalab PATH]
#
# Run from anywhere; paths are resolved from this script's location.
# Exit status: 0 when every tool ran and all row counts agree; non-zero otherwise
# (including when datalab could not be run). Missed performance goals are reported,
# not turned into a failing exit status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"

ORIG_ARGS="$*"
SIZE_MB=1000
RUNS=3
SEED=42
BUILD=1
WRITE_MD=1
TIMEOUT=3600
DATALAB=""   # default: target/release/datalab, built here unless --no-build
SKIP_DATALAB=""

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size-mb) SIZE_MB="$2"; shift 2 ;;
    --size-mb=*) SIZE_MB="${1#*=}"; shift ;;
    --runs) RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --seed=*) SEED="${1#*=}"; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --datalab) DATALAB="$2"; shift 2 ;;
    --datalab=*) DATALAB="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-write-md) WRITE_MD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$SIZE_MB" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "run.sh: --size-mb must be a positive number" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive integer" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }

# --- Python environment ------------------------------------------------------
VENV="$BENCH/.venv"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! "$PY" -c 'import pyarrow, pandas, numpy' >/dev/null 2>&1; then
  log "installing pyarrow pandas numpy into $VENV"
  "$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$PY" -m pip install --quiet pyarrow pandas numpy
fi
"$PY" - <<'PYEOF' >&2
import importlib.metadata as m, platform
print("==> python %s, pyarrow %s, pandas %s, numpy %s" % (
    platform.python_version(), m.version("pyarrow"), m.version("pandas"), m.version("numpy")))
PYEOF

# --- datalab build -------------------------------------------------------------
if [[ -z "$DATALAB" ]]; then
  DATALAB="$ROOT/target/release/datalab"
else
  BUILD=0   # an explicitly given binary is used as it is
fi
if [[ "$BUILD" == 1 ]]; then
  log "cargo build --release -p datalab"
  if ! (cd "$ROOT" && cargo build --release -p datalab); then
    # do not benchmark a stale binary left by an earlier build
    log "build failed; datalab will be reported as not run"
    SKIP_DATALAB="cargo build --release -p datalab failed"
  fi
else
  log "skipping build (--no-build)"
fi

# --- input data (cached in bench/data, git-ignored) -----------------------------
DATA="$BENCH/data"
mkdir -p "$DATA"
QUARTER_MB="$("$PY" -c 'import sys; v=float(sys.argv[1])/4; print(int(v) if v.is_integer() else round(v, 3))' "$SIZE_MB")"
SIZE_TAG="$("$PY" -c 'import sys; v=float(sys.argv[1]); print(int(v) if v.is_integer() else v)' "$SIZE_MB")"
CSV="$DATA/import_${SIZE_TAG}mb_s${SEED}.csv"
CSV_Q="$DATA/import_${QUARTER_MB}mb_s${SEED}.csv"

for spec in "$SIZE_MB:$CSV" "$QUARTER_MB:$CSV_Q"; do
  mb="${spec%%:*}"; path="${spec#*:}"
  # gen_csv.py keeps an existing file whose .meta.json matches size, seed and generator version
  "$PY" "$HERE/gen_csv.py" --size-mb "$mb" --seed "$SEED" --out "$path"
done

# --- comparison -----------------------------------------------------------------------
args=(--csv "$CSV" --quarter-csv "$CSV_Q" --runs "$RUNS" --datalab "$DATALAB"
      --root "$ROOT" --timeout "$TIMEOUT" --workdir "$DATA/work"
      --json-out "$DATA/import-results.json"
      --command "bash bench/import/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
if [[ -n "$SKIP_DATALAB" ]]; then
  args+=(--skip-datalab "$SKIP_DATALAB")
fi
if [[ "$WRITE_MD" == 1 ]]; then
  args+=(--markdown "$ROOT/BENCHMARKS.md")
fi
exec "$PY" "$HERE/compare.py" "${args[@]}"
