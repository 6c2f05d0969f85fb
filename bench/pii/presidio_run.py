#!/usr/bin/env python3
"""The Presidio side of the PII benchmark (run with bench/pii/.venv's Python).

    presidio_run.py --corpus CORPUS.jsonl --out OUT.jsonl [--mode recognizers|engine]
                    [--phone-regions SE,DK,...] [--limit N]

Runs presidio-analyzer's pattern recognizers (no NLP model) on every line of the corpus that
`pii_bench corpus` wrote, and writes every result per line:
`{"id", "results": [[start, end, entity_type, score], ...]}` (offsets are Python string
indices, as in the corpus). The driver (compare.py) decides what counts as a whole-value
answer; this script only runs Presidio and times it. A JSON summary goes to stdout.

Modes:
- `recognizers`: each recognizer's `analyze(text, entities, nlp_artifacts=None)`, one after
  the other: the least work Presidio can do per value.
- `engine`: `AnalyzerEngine` with Presidio's `NoOpNlpEngine` (no spaCy model: it returns empty
  NLP artifacts) and a registry holding exactly the same recognizers; `analyze(text,
  language="en")`, default score threshold (0). This is what an application calls; it adds
  the engine's bookkeeping (context enhancement without tokens, duplicate removal).

Only the analysis loop is timed (after a warm-up on the first 200 lines, which also lets
tldextract fall back to its bundled suffix list when it cannot fetch one). In mode
`recognizers` a second, untimed-by-the-main-clock pass times each recognizer on its own, to
show where the time goes (`--no-breakdown` skips it).
"""

import argparse
import importlib.metadata as md
import json
import logging
import platform
import sys
import time

# The recognizers compared, with the entity types they report. Only recognizers for
# entities datalab also has are run: others (US SSN, UK NHS, AU TFN, dates, ...) could only
# take answers away from these on EU data.
RECOGNIZERS = [
    ("EmailRecognizer", {}),
    ("PhoneRecognizer", None),  # regions filled in from --phone-regions
    ("IbanRecognizer", {}),
    ("CreditCardRecognizer", {}),
    ("IpRecognizer", {}),
    ("MacAddressRecognizer", {}),
    ("UrlRecognizer", {}),
    ("SePersonnummerRecognizer", {}),
    ("FiPersonalIdentityCodeRecognizer", {}),
    ("DeTaxIdRecognizer", {}),
    ("DeSocialSecurityRecognizer", {}),
    ("DeVatIdRecognizer", {}),
    ("EsNifRecognizer", {}),
    ("EsNieRecognizer", {}),
    ("ItFiscalCodeRecognizer", {}),
    ("PlPeselRecognizer", {}),
]

# The countries of the corpus's phone numbers (python-phonenumbers region codes).
DEFAULT_PHONE_REGIONS = "SE,DK,NL,DE,FR,BE,FI,NO,PL,ES,IT"


def build_recognizers(phone_regions):
    from presidio_analyzer import predefined_recognizers as pr

    recs = []
    for name, kwargs in RECOGNIZERS:
        cls = getattr(pr, name)
        if kwargs is None:
            kwargs = {"supported_regions": tuple(phone_regions)}
        # Every recognizer is registered for "en" so that one AnalyzerEngine call runs them
        # all; the language only selects recognizers, it does not change what they match.
        recs.append(cls(supported_language="en", **kwargs))
    return recs


def load_corpus(path, limit):
    lines = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            if not raw.strip():
                continue
            obj = json.loads(raw)
            lines.append((obj["id"], obj["kind"], obj["value"]))
            if limit and len(lines) >= limit:
                break
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", choices=["recognizers", "engine"], default="recognizers")
    ap.add_argument("--phone-regions", default=DEFAULT_PHONE_REGIONS)
    ap.add_argument("--limit", type=int, default=0, help="only the first N corpus lines")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the second pass that times each recognizer (mode recognizers)")
    args = ap.parse_args()

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    t_import = time.perf_counter()
    import presidio_analyzer  # noqa: F401
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    import_seconds = time.perf_counter() - t_import

    regions = [r.strip().upper() for r in args.phone_regions.split(",") if r.strip()]
    recs = build_recognizers(regions)
    lines = load_corpus(args.corpus, args.limit)

    if args.mode == "engine":
        registry = RecognizerRegistry(supported_languages=["en"])
        for r in recs:
            registry.add_recognizer(r)
        engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
            supported_languages=["en"],
        )

        def analyze(text):
            return engine.analyze(text=text, language="en")

    else:
        pairs = [(r, r.supported_entities) for r in recs]

        def analyze(text):
            out = []
            for r, ents in pairs:
                out.extend(r.analyze(text, ents, None))
            return out

        def analyze_timed(text, spent):
            # The same calls, each recognizer timed (a second, separate pass).
            for k, (r, ents) in enumerate(pairs):
                t = time.perf_counter()
                r.analyze(text, ents, None)
                spent[k] += time.perf_counter() - t

    for _, _, text in lines[:200]:
        analyze(text)

    results = [None] * len(lines)
    timed = {"value": 0.0, "text": 0.0}
    counts = {"value": 0, "text": 0}
    # Values and texts are timed separately; each loop covers only analysis.
    for kind in ("value", "text"):
        idx = [i for i, (_, k, _) in enumerate(lines) if k == kind]
        texts = [lines[i][2] for i in idx]
        out = []
        t = time.perf_counter()
        for text in texts:
            out.append(analyze(text))
        timed[kind] = time.perf_counter() - t
        counts[kind] = len(texts)
        for i, res in zip(idx, out):
            results[i] = res

    # Where the time goes (mode recognizers, whole values, a second pass outside the timing
    # above so the per-call clock reads do not slow it).
    per_recognizer = None
    if args.mode == "recognizers" and not args.no_breakdown:
        spent = [0.0] * len(recs)
        for _, k, text in lines:
            if k == "value":
                analyze_timed(text, spent)
        per_recognizer = {type(r).__name__: s for r, s in zip(recs, spent)}

    with open(args.out, "w", encoding="utf-8") as f:
        for (line_id, _, _), res in zip(lines, results):
            f.write(
                json.dumps(
                    {
                        "id": line_id,
                        "results": [
                            [r.start, r.end, r.entity_type, round(float(r.score), 4)]
                            for r in res
                        ],
                    }
                )
                + "\n"
            )

    def v(p):
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "not installed"

    summary = {
        "tool": "presidio",
        "mode": args.mode,
        "threads": 1,
        "recognizers": [type(r).__name__ for r in recs],
        "phone_regions": regions,
        "values": counts["value"],
        "value_seconds": timed["value"],
        "values_per_second": counts["value"] / timed["value"] if timed["value"] else 0.0,
        "texts": counts["text"],
        "text_seconds": timed["text"],
        "texts_per_second": counts["text"] / timed["text"] if timed["text"] else 0.0,
        "import_seconds": import_seconds,
        "recognizer_value_seconds": per_recognizer,
        "versions": {
            "python": platform.python_version(),
            "presidio-analyzer": v("presidio-analyzer"),
            "phonenumbers": v("phonenumbers"),
            "regex": v("regex"),
            "tldextract": v("tldextract"),
            "spacy": v("spacy"),
        },
    }
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
