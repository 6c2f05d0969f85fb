#!/usr/bin/env bash
# PII benchmark: datalab's detect_value / find_spans vs Presidio's pattern recognizers.
#
#   bash bench/pii/run.sh [--per-entity 5000] [--seed 1] [--texts-per-entity 200] [--repeat 5]
#                         [--presidio-modes recognizers,engine] [--phone-regions SE,DK,...]
#                         [--no-build] [--no-write-md] [--timeout 3600]
#
# Run from anywhere; paths are resolved from this script's location.
# Exit status: 0 when both tools ran on the whole corpus; non-zero otherwise (including a
# failing build, which also leaves no corpus generator). Presidio failing to install is
# reported as "not run" and makes the exit status non-zero; missed goals are reported, not
# turned into a failing exit status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"

ORIG_ARGS="$*"
PER_ENTITY=5000
SEED=1
TEXTS_PER_ENTITY=200
REPEAT=5
MODES="recognizers,engine"
REGIONS="SE,DK,NL,DE,FR,BE,FI,NO,PL,ES,IT"
BUILD=1
WRITE_MD=1
TIMEOUT=3600

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --per-entity) PER_ENTITY="$2"; shift 2 ;;
    --per-entity=*) PER_ENTITY="${1#*=}"; shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --seed=*) SEED="${1#*=}"; shift ;;
    --texts-per-entity) TEXTS_PER_ENTITY="$2"; shift 2 ;;
    --texts-per-entity=*) TEXTS_PER_ENTITY="${1#*=}"; shift ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --repeat=*) REPEAT="${1#*=}"; shift ;;
    --presidio-modes) MODES="$2"; shift 2 ;;
    --presidio-modes=*) MODES="${1#*=}"; shift ;;
    --phone-regions) REGIONS="$2"; shift 2 ;;
    --phone-regions=*) REGIONS="${1#*=}"; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-write-md) WRITE_MD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

for n in "$PER_ENTITY" "$REPEAT"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --per-entity and --repeat must be positive integers" >&2; exit 2; }
done
[[ "$TEXTS_PER_ENTITY" =~ ^[0-9]+$ ]] || { echo "run.sh: --texts-per-entity must be a non-negative integer" >&2; exit 2; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "run.sh: --seed must be a non-negative integer" >&2; exit 2; }
[[ "$MODES" =~ ^(recognizers|engine)(,(recognizers|engine))*$ ]] || { echo "run.sh: --presidio-modes takes recognizers and/or engine" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }

# --- Python environment (own venv: presidio-analyzer pulls spaCy and friends) ------
VENV="$HERE/.venv"
PY="$VENV/bin/python"
SKIP_PRESIDIO=""
if [[ ! -x "$PY" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
fi
if ! "$PY" -c 'import presidio_analyzer' >/dev/null 2>&1; then
  log "installing presidio-analyzer into $VENV"
  PIP_LOG="$(mktemp)"
  if ! "$PY" -m pip install --quiet presidio-analyzer >"$PIP_LOG" 2>&1; then
    SKIP_PRESIDIO="pip install presidio-analyzer failed: $(grep -E 'ERROR|error:' "$PIP_LOG" | tail -n 1 | cut -c1-300)"
    log "$SKIP_PRESIDIO"
  fi
  rm -f "$PIP_LOG"
fi
"$PY" - <<'PYEOF' >&2
import importlib.metadata as m, platform
def v(p):
    try:
        return m.version(p)
    except m.PackageNotFoundError:
        return "not installed"
print("==> python %s, presidio-analyzer %s, phonenumbers %s, spacy %s" % (
    platform.python_version(), v("presidio-analyzer"), v("phonenumbers"), v("spacy")))
PYEOF

# --- datalab build (the example is both the corpus generator and the datalab side) ---
PII_BENCH="$ROOT/target/release/examples/pii_bench"
if [[ "$BUILD" == 1 ]]; then
  log "cargo build --release -p datalab-assess --example pii_bench"
  if ! (cd "$ROOT" && cargo build --release -p datalab-assess --example pii_bench); then
    # A stale binary would generate and score with old code: stop here.
    log "build failed; no corpus can be generated"
    exit 1
  fi
else
  log "skipping build (--no-build)"
fi
if [[ ! -x "$PII_BENCH" ]]; then
  log "$PII_BENCH is missing (build it, or drop --no-build)"
  exit 1
fi

# --- corpus (git-ignored bench/data; regenerated every run, it takes about a second) ---
DATA="$BENCH/data"
mkdir -p "$DATA/work"
CORPUS="$DATA/pii_${PER_ENTITY}_s${SEED}_t${TEXTS_PER_ENTITY}.jsonl"
log "generating $CORPUS"
"$PII_BENCH" corpus "$CORPUS" --per-entity "$PER_ENTITY" --seed "$SEED" \
  --texts-per-entity "$TEXTS_PER_ENTITY" >"$CORPUS.meta.json"

# --- comparison -----------------------------------------------------------------------
args=(--corpus "$CORPUS" --corpus-meta "$CORPUS.meta.json" --pii-bench "$PII_BENCH"
      --repeat "$REPEAT" --presidio-python "$PY" --presidio-modes "$MODES"
      --phone-regions "$REGIONS" --root "$ROOT" --workdir "$DATA/work" --timeout "$TIMEOUT"
      --json-out "$DATA/pii-results.json"
      --command "bash bench/pii/run.sh${ORIG_ARGS:+ $ORIG_ARGS}")
if [[ -n "$SKIP_PRESIDIO" ]]; then args+=(--skip-presidio "$SKIP_PRESIDIO"); fi
if [[ "$WRITE_MD" == 1 ]]; then args+=(--markdown "$ROOT/BENCHMARKS.md"); fi
set +e
"$PY" "$HERE/compare.py" "${args[@]}"
status=$?
set -e
# scratch predictions (tens of MB) are not kept; the results are in pii-results.json
rm -f "$DATA"/work/pii_datalab_pred.jsonl "$DATA"/work/pii_presidio_*.jsonl
exit "$status"
