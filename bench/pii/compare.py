#!/usr/bin/env python3
"""PII benchmark driver: datalab's `detect_value` / `find_spans` vs Presidio's pattern recognizers.

Normally run by bench/pii/run.sh, with bench/pii/.venv's Python (which has presidio-analyzer):

    python compare.py --corpus bench/data/pii_5000_s1.jsonl --pii-bench target/release/examples/pii_bench
                      [--repeat 5] [--presidio-modes recognizers,engine] [--markdown BENCHMARKS.md]
                      [--json-out results.json]

1. `pii_bench detect` (the Rust example) runs datalab on every corpus line and times its
   detection loops (best and median of --repeat passes).
2. presidio_run.py runs Presidio's pattern recognizers on the same lines, once per mode
   (`recognizers`: each recognizer's analyze() directly; `engine`: AnalyzerEngine with the
   no-op NLP engine), timing one pass.
3. This script scores both against the corpus labels and writes the report.

Scoring (the same rules for both tools):
- Entities are compared as classes both tools have: Presidio's entity types are mapped to
  datalab's (IP_ADDRESS = ipv4 + ipv6; SE_PERSONNUMMER = personnummer + samordningsnummer,
  which Presidio's recognizer accepts too; DE_VAT_ID = the German EU VAT numbers).
- Whole values: datalab's answer is `detect_value`. Presidio's is the top-scoring result whose
  span covers the whole value; when several entity types tie for the top score, the answer
  counts as right if any of them is (generous to Presidio). Partial matches inside a value
  are no whole-value answer; the "any match" column shows F1 when any result of the class
  anywhere in the value counts as detecting it.
- An answer naming another entity that the value is also valid for (the corpus `also` list,
  from the reference validators: a 10-digit number can pass both the Swedish and the Danish
  test) is *ambiguous*: neither a hit, a miss nor a false positive.
- Free text: a span is found when its start, end (after trimming spaces and .,;:() at the
  edges) and class match a labelled span. Presidio results contained in a higher-scoring
  one are dropped and, for results on the same span, the top score wins (ties as above).

Exit status: 0 when both tools ran on the whole corpus; 1 when either could not be run (the
other is still reported). Missed goals show up in the report only.
"""

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_import_compare():
    """bench/import/compare.py, loaded by path, for its environment helpers."""
    path = os.path.join(os.path.dirname(HERE), "import", "compare.py")
    spec = importlib.util.spec_from_file_location("bench_import_compare", path)
    mod = importlib.util.module_from_spec(spec)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = dont_write
    return mod


_ic = _load_import_compare()
load_avg, machine_info, sh = _ic.load_avg, _ic.machine_info, _ic.sh

MD_START = "<!-- bench:pii:start -->"
MD_END = "<!-- bench:pii:end -->"

GOAL_SPEEDUP = 100.0  # datalab values/s ÷ Presidio values/s must be >= this

# Shared classes: (class, label, datalab entities, Presidio entity types, Presidio recognizer)
SHARED = [
    ("email", "email address", {"email"}, {"EMAIL_ADDRESS"}, "EmailRecognizer"),
    ("phone", "phone number", {"phone"}, {"PHONE_NUMBER"}, "PhoneRecognizer"),
    ("iban", "IBAN", {"iban"}, {"IBAN_CODE"}, "IbanRecognizer"),
    ("payment_card", "payment card", {"payment_card"}, {"CREDIT_CARD"}, "CreditCardRecognizer"),
    ("ip_address", "IP address (v4 + v6)", {"ipv4", "ipv6"}, {"IP_ADDRESS"}, "IpRecognizer"),
    ("mac_address", "MAC address", {"mac_address"}, {"MAC_ADDRESS"}, "MacAddressRecognizer"),
    ("url", "URL", {"url"}, {"URL"}, "UrlRecognizer"),
    ("se_personnummer", "SE personnummer + samordningsnummer",
     {"se_personnummer", "se_samordningsnummer"}, {"SE_PERSONNUMMER"}, "SePersonnummerRecognizer"),
    ("fi_hetu", "FI HETU", {"fi_hetu"}, {"FI_PERSONAL_IDENTITY_CODE"},
     "FiPersonalIdentityCodeRecognizer"),
    ("de_tax_id", "DE Steuer-IdNr.", {"de_tax_id"}, {"DE_TAX_ID"}, "DeTaxIdRecognizer"),
    ("de_rvnr", "DE Rentenversicherungsnummer", {"de_rvnr"}, {"DE_SOCIAL_SECURITY"},
     "DeSocialSecurityRecognizer"),
    ("de_vat", "DE VAT number (USt-IdNr.)", set(), {"DE_VAT_ID"}, "DeVatIdRecognizer"),
    ("es_dni", "ES DNI (NIF)", {"es_dni"}, {"ES_NIF"}, "EsNifRecognizer"),
    ("es_nie", "ES NIE", {"es_nie"}, {"ES_NIE"}, "EsNieRecognizer"),
    ("it_codice_fiscale", "IT codice fiscale", {"it_codice_fiscale"}, {"IT_FISCAL_CODE"},
     "ItFiscalCodeRecognizer"),
    ("pl_pesel", "PL PESEL", {"pl_pesel"}, {"PL_PESEL"}, "PlPeselRecognizer"),
]
SHARED_CLASSES = [c for c, *_ in SHARED]
CLASS_ORDER = {c: i for i, c in enumerate(SHARED_CLASSES)}
PRESIDIO_TO_CLASS = {p: c for c, _, _, ps, _ in SHARED for p in ps}
DATALAB_TO_CLASS = {d: c for c, _, ds, _, _ in SHARED for d in ds}

# datalab entities Presidio has no recognizer for (scored for datalab alone).
DATALAB_ONLY = [
    ("dk_cpr", "DK CPR-nummer"),
    ("nl_bsn", "NL BSN"),
    ("no_fodselsnummer", "NO fødselsnummer"),
    ("fr_nir", "FR NIR"),
    ("be_national_number", "BE national number"),
    ("eu_vat_other", "EU VAT, 11 other countries"),
]
TRIM = " \t\n.,;:()"


def log(msg):
    print("==> " + msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- classes

def datalab_class(entity, value):
    """The comparison class of a datalab entity name (or corpus label) for this value."""
    if entity is None or entity == "none":
        return None
    if entity == "eu_vat":
        return "de_vat" if value.strip().upper().startswith("DE") else "eu_vat_other"
    return DATALAB_TO_CLASS.get(entity, entity)


def of_class(of, value):
    """Class a near-miss or look-alike was derived from (`eu_vat:DE` -> de_vat)."""
    if not of:
        return None
    if of.startswith("eu_vat:"):
        return "de_vat" if of.endswith(":DE") else "eu_vat_other"
    return datalab_class(of, value)


def pick_tied(classes, truth, also):
    """One class out of tied top-scoring ones: the true class if present, then one the value
    is also valid for, then the first in a fixed order."""
    if truth in classes:
        return truth
    for c in classes:
        if c in also:
            return c
    return min(classes, key=lambda c: CLASS_ORDER.get(c, 99))


# --------------------------------------------------------------------------- loading

def load_jsonl(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            if raw.strip():
                obj = json.loads(raw)
                out[obj["id"]] = obj
    return out


def load_corpus(path):
    values, texts = [], []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            if not raw.strip():
                continue
            o = json.loads(raw)
            if o["kind"] == "value":
                o["truth"] = datalab_class(o["label"], o["value"])
                o["also_c"] = {datalab_class(a, o["value"]) for a in o.get("also", [])}
                o["of_c"] = of_class(o.get("of"), o["value"])
                values.append(o)
            else:
                for s in o["spans"]:
                    span_text = o["value"][s["start"]:s["end"]]
                    s["cls"] = datalab_class(s["label"], span_text)
                    s["also_c"] = {datalab_class(a, span_text) for a in s.get("also", [])}
                texts.append(o)
    return values, texts


# --------------------------------------------------------------------------- scoring

class Tally:
    def __init__(self):
        self.tp = self.fp = self.fn = self.amb = 0
        self.positives = 0
        self.near = 0        # near-misses / look-alikes of this class
        self.near_hit = 0    # ... reported as this class
        self.fp_from = {}    # where the false positives came from (corpus group / entity)

    def prf(self):
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if self.fn == 0 else 0.0)
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def as_dict(self):
        p, r, f = self.prf()
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "ambiguous": self.amb,
                "fp_from": self.fp_from,
                "positives": self.positives, "near": self.near, "near_reported": self.near_hit,
                "precision": p, "recall": r, "f1": f}


def tally_single(values, preds):
    """Single-answer scoring. preds: id -> class or None."""
    t = {}

    def get(c):
        return t.setdefault(c, Tally())

    for v in values:
        truth, also, p = v["truth"], v["also_c"], preds.get(v["id"])
        if truth:
            get(truth).positives += 1
        if v["of_c"]:
            get(v["of_c"]).near += 1
            if p == v["of_c"]:
                get(v["of_c"]).near_hit += 1
        if p is not None and p == truth:
            get(truth).tp += 1
        elif p is not None and p in also:
            get(p).amb += 1
            if truth:
                get(truth).amb += 1
        else:
            if p is not None:
                get(p).fp += 1
                src = ("valid " + v["label"]) if v["group"] == "valid" else (
                    "%s of %s" % (v["group"].replace("_", "-"), v["of"]) if v.get("of")
                    else v["group"] + " values")
                get(p).fp_from[src] = get(p).fp_from.get(src, 0) + 1
            if truth:
                get(truth).fn += 1
    return t


def fp_note(tool, t, classes):
    """Where a tool's false positives come from, for classes with precision below 0.9."""
    parts = []
    for c in classes:
        x = t.get(c)
        if not x or x.fp == 0 or x.prf()[0] >= 0.9:
            continue
        top = sorted(x.fp_from.items(), key=lambda kv: -kv[1])[:3]
        parts.append("%s %s (%s: %s)" % (
            "{:,}".format(x.fp), c, "largest sources", ", ".join(
                "%s %s" % ("{:,}".format(n), src) for src, n in top)))
    if not parts:
        return None
    return "%s false positives by entity where precision < 0.9: %s." % (tool, "; ".join(parts))


def tally_any(values, results):
    """Presidio, any match: class c detected when any result of class c lies in the value."""
    t = {c: Tally() for c in SHARED_CLASSES}
    for v in values:
        found = {PRESIDIO_TO_CLASS.get(r[2]) for r in results.get(v["id"], [])} - {None}
        truth, also = v["truth"], v["also_c"]
        for c in SHARED_CLASSES:
            hit = c in found
            if truth == c:
                t[c].positives += 1
                if hit:
                    t[c].tp += 1
                else:
                    t[c].fn += 1
            elif hit:
                if c in also:
                    t[c].amb += 1
                else:
                    t[c].fp += 1
    return t


def micro(t, classes):
    m = Tally()
    for c in classes:
        if c in t:
            m.tp += t[c].tp
            m.fp += t[c].fp
            m.fn += t[c].fn
            m.amb += t[c].amb
            m.positives += t[c].positives
            m.near += t[c].near
            m.near_hit += t[c].near_hit
    return m


def datalab_value_preds(pred_lines, values):
    by_id = {v["id"]: v for v in values}
    out = {}
    for i, o in pred_lines.items():
        if i in by_id:
            out[i] = datalab_class(o.get("pred"), by_id[i]["value"])
    return out


def presidio_value_preds(result_lines, values):
    """Whole-value answers; also counts how often top scores tied."""
    out, ties = {}, 0
    for v in values:
        val = v["value"]
        lead = len(val) - len(val.lstrip())
        end = len(val.rstrip())
        cover = [r for r in result_lines.get(v["id"], [])
                 if r[0] <= lead and r[1] >= end and r[2] in PRESIDIO_TO_CLASS]
        if not cover:
            out[v["id"]] = None
            continue
        top = max(r[3] for r in cover)
        classes = sorted({PRESIDIO_TO_CLASS[r[2]] for r in cover if r[3] >= top - 1e-9},
                         key=lambda c: CLASS_ORDER[c])
        if len(classes) > 1:
            ties += 1
        out[v["id"]] = pick_tied(classes, v["truth"], v["also_c"])
    return out, ties


def trim_span(text, start, end):
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return start, end


def score_texts(texts, spans_by_id, is_presidio):
    """Span scoring; spans_by_id: id -> list of (start, end, class, score)."""
    t = {}

    def get(c):
        return t.setdefault(c, Tally())

    for o in texts:
        text = o["value"]
        gold = {}
        for g in o["spans"]:
            gold[(g["start"], g["end"])] = g
            if g["cls"]:
                get(g["cls"]).positives += 1
        preds = spans_by_id.get(o["id"], [])
        if is_presidio:
            # Drop results inside a higher-scoring one; one answer per span (ties as values).
            kept = [p for p in preds if not any(
                q is not p and q[0] <= p[0] and q[1] >= p[1] and q[3] > p[3] for q in preds)]
            by_span = {}
            for p in kept:
                by_span.setdefault(trim_span(text, p[0], p[1]), []).append(p)
            preds = []
            for span, ps in by_span.items():
                top = max(p[3] for p in ps)
                classes = sorted({p[2] for p in ps if p[3] >= top - 1e-9},
                                 key=lambda c: CLASS_ORDER.get(c, 99))
                g = gold.get(span)
                c = pick_tied(classes, g["cls"] if g else None, g["also_c"] if g else set())
                preds.append((span[0], span[1], c, top))
        matched = set()
        for s, e, c, _ in preds:
            s, e = trim_span(text, s, e)
            g = gold.get((s, e))
            if c is None:
                continue
            if g is not None and g["cls"] == c and (s, e) not in matched:
                get(c).tp += 1
                matched.add((s, e))
            elif g is not None and c in g["also_c"]:
                get(c).amb += 1
                if g["cls"]:
                    get(g["cls"]).amb += 1
                matched.add((s, e))
            else:
                get(c).fp += 1
        for key, g in gold.items():
            if key not in matched and g["cls"]:
                get(g["cls"]).fn += 1
    return t


# --------------------------------------------------------------------------- running

def tail(text, n=400):
    text = (text or "").strip()
    return text if len(text) <= n else "…" + text[-n:]


def run_child(argv, timeout):
    log(" ".join(argv))
    t = time.perf_counter()
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e), time.perf_counter() - t
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return None, "exit status %d: %s" % (proc.returncode, tail(proc.stderr)), wall
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1]), None, wall
    except (ValueError, IndexError):
        return None, "no JSON summary on stdout: %s" % tail(proc.stdout + proc.stderr), wall


# --------------------------------------------------------------------------- report

def f3(x):
    return "—" if x is None else "%.3f" % x


def rate(x):
    if not x:
        return "—"
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k" % (x / 1e3)
    return "%.0f" % x


def build_report(args, mach, ver, meta, res):
    L = []
    w = L.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w("## PII detection: datalab vs Presidio pattern recognizers")
    w("")
    w("Measured %s with `%s` (`bench/pii/`, see `bench/README.md`)." % (now, args.command))
    w("")
    w("- **Machine:** %s CPUs (`nproc`), %s RAM, %s; Linux %s, %s" % (
        mach["nproc"], mach["mem"] or "?", mach["cpu"] or "?", mach["kernel"], mach["os"] or "?"))
    groups = meta.get("values_per_group", {})
    w("- **Corpus:** %s values and %s sentences (%s labelled spans) from `pii_bench corpus "
      "--per-entity %s --seed %s` (`crates/datalab-assess/examples/pii_bench.rs`; check digits "
      "from `datalab_data::identifiers`, every value checked by its reference validator). "
      "Values: %s valid ones (%s per entity; EU VAT %s German + %s of 11 other countries), "
      "%s near-misses (a valid check-digit value with one digit changed so that the check "
      "fails, labelled `none`), %s look-alikes (e-mail without domain, octet > 255, MAC with "
      "7 groups, phone number too short or too long, …) and %s other values (bare numbers, "
      "dates, amounts, codes, words). Phone numbers are mobile numbers of 11 EU countries in "
      "allocated ranges. Sentences in 6 languages embed one or two values, with or without a "
      "cue word, or a near-miss, or none." % (
          "{:,}".format(meta.get("values", 0)), "{:,}".format(meta.get("texts", 0)),
          "{:,}".format(meta.get("text_spans", 0)), meta.get("per_entity"), meta.get("seed"),
          "{:,}".format(groups.get("valid", 0)), "{:,}".format(meta.get("per_entity", 0)),
          "{:,}".format(meta.get("per_entity", 0)), "{:,}".format(meta.get("per_entity", 0)),
          "{:,}".format(groups.get("near_miss", 0)), "{:,}".format(groups.get("look_alike", 0)),
          "{:,}".format(groups.get("other", 0))))
    pv = res.get("presidio_versions") or {}
    w("- **Versions:** datalab %s (workspace %s), %s; Python %s, presidio-analyzer %s, "
      "phonenumbers %s, regex %s, tldextract %s (spaCy %s installed as a dependency, no model "
      "loaded)." % (ver["datalab"], ver["commit"], ver["rustc"], pv.get("python", "?"),
                    pv.get("presidio-analyzer", "?"), pv.get("phonenumbers", "?"),
                    pv.get("regex", "?"), pv.get("tldextract", "?"), pv.get("spacy", "?")))
    regions = ",".join(res.get("phone_regions") or [])
    w("- **Method:** datalab: `detect_value` on every value and `find_spans` on every sentence, "
      "single-threaded, best of %d passes (`pii_bench detect`, release build). Presidio: the "
      "16 predefined pattern recognizers for the entities both tools have (listed below; phone "
      "regions %s, the corpus countries), all registered for one language, one pass, "
      "single-threaded, after a warm-up; mode *recognizers* calls each recognizer's "
      "`analyze(text, entities, None)`, mode *engine* calls `AnalyzerEngine.analyze` with "
      "Presidio's `NoOpNlpEngine` (no spaCy model) and default score threshold 0. Only the "
      "detection loops are timed (no file IO, no start-up). Scoring: a whole-value answer is "
      "datalab's `detect_value`, and Presidio's top-scoring result covering the whole value "
      "(ties counted right when any tied entity is right); an answer naming another entity the "
      "value is also valid for by construction is *ambiguous* and not counted; see "
      "`bench/pii/compare.py`. 1-minute load average before / after: %s / %s." % (
          res.get("repeat", 0), regions, mach["load_start"], mach.get("load_end", "?")))
    w("")

    dl = res.get("datalab_values")
    pr = res.get("presidio_values")
    pa = res.get("presidio_any")
    w("### Whole values: F1 per entity both tools detect")
    w("")
    w("| entity | Presidio recognizer | values | datalab P | datalab R | datalab F1 | "
      "Presidio P | Presidio R | Presidio F1 | Presidio F1, any match | near-misses reported, "
      "datalab | near-misses reported, Presidio | datalab F1 ≥ Presidio |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    per_goal = {}
    for c, label, _, _, rec in SHARED:
        d = dl.get(c) if dl else None
        p = pr.get(c) if pr else None
        a = pa.get(c) if pa else None
        ok = None
        if d and p:
            ok = d["f1"] >= p["f1"] - 1e-12
            per_goal[c] = ok
        near = (d or p or {}).get("near", 0)
        w("| %s | `%s` | %s | %s | %s | **%s** | %s | %s | **%s** | %s | %s | %s | %s |" % (
            label, rec, "{:,}".format((d or p or {}).get("positives", 0)),
            f3(d and d["precision"]), f3(d and d["recall"]), f3(d and d["f1"]),
            f3(p and p["precision"]), f3(p and p["recall"]), f3(p and p["f1"]),
            f3(a and a["f1"]),
            ("%s / %s" % ("{:,}".format(d["near_reported"]), "{:,}".format(near))) if d and near else "—",
            ("%s / %s" % ("{:,}".format(p["near_reported"]), "{:,}".format(near))) if p and near else "—",
            "—" if ok is None else ("yes" if ok else "**no**")))
    dm, pm, am = res.get("datalab_micro"), res.get("presidio_micro"), res.get("presidio_any_micro")
    w("| **all of the above (micro)** | | %s | %s | %s | **%s** | %s | %s | **%s** | %s | | | %s |" % (
        "{:,}".format((dm or pm or {}).get("positives", 0)),
        f3(dm and dm["precision"]), f3(dm and dm["recall"]), f3(dm and dm["f1"]),
        f3(pm and pm["precision"]), f3(pm and pm["recall"]), f3(pm and pm["f1"]),
        f3(am and am["f1"]),
        "—" if not (dm and pm) else ("yes" if dm["f1"] >= pm["f1"] else "**no**")))
    w("")

    # speed
    w("### Speed")
    w("")
    w("| tool | what runs | values | time (s) | values/s | datalab ÷ tool | sentences/s | "
      "datalab ÷ tool (text) |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    ds = res.get("datalab_speed")
    ratios = {}
    if ds:
        w("| datalab | `detect_value` / `find_spans` (best of %d; median %.4f s) | %s | %.4f | "
          "%s | 1 | %s | 1 |" % (ds["repeat"], ds["value_seconds_median"],
                                 "{:,}".format(ds["values"]), ds["value_seconds_best"],
                                 rate(ds["values_per_second"]), rate(ds["texts_per_second"])))
    else:
        w("| datalab | not run — %s | | | | | | |" % res.get("datalab_error", "?"))
    for mode, desc in (("recognizers", "16 recognizers' `analyze()`, called directly"),
                       ("engine", "`AnalyzerEngine.analyze` (`NoOpNlpEngine`)")):
        ps = res.get("presidio_speed", {}).get(mode)
        err = res.get("presidio_errors", {}).get(mode)
        if ps:
            r = ds["values_per_second"] / ps["values_per_second"] if ds and ps["values_per_second"] else None
            rt = ds["texts_per_second"] / ps["texts_per_second"] if ds and ps["texts_per_second"] else None
            ratios[mode] = r
            w("| Presidio, %s | %s | %s | %.2f | %s | **%s** | %s | %s |" % (
                mode, desc, "{:,}".format(ps["values"]), ps["value_seconds"],
                rate(ps["values_per_second"]), "%.0f×" % r if r else "—",
                rate(ps["texts_per_second"]), "%.0f×" % rt if rt else "—"))
        elif err:
            w("| Presidio, %s | not run — %s | | | | | | |" % (mode, err))
    w("")
    rb = res.get("presidio_recognizer_seconds")
    if rb:
        total = sum(rb.values()) or 1
        top = sorted(rb.items(), key=lambda kv: -kv[1])
        w("Presidio time by recognizer (mode *recognizers*, whole values): " + ", ".join(
            "%s %.0f%%" % (k, 100 * v / total) for k, v in top[:4]) + ". Without "
          "`PhoneRecognizer` (python-phonenumbers, one matcher per region), Presidio would run "
          "%s values/s, and datalab would still be %s faster." % (
              rate(res.get("presidio_values_per_second_without_phone")),
              "%.0f×" % res["speedup_without_phone"] if res.get("speedup_without_phone") else "—"))
        w("")

    # text
    dt, pt = res.get("datalab_text"), res.get("presidio_text")
    if dt or pt:
        w("### Free text: span F1 per entity (exact span and entity)")
        w("")
        w("| entity | spans | datalab P | datalab R | datalab F1 | Presidio P | Presidio R | Presidio F1 |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for c, label, *_ in SHARED:
            d = dt.get(c) if dt else None
            p = pt.get(c) if pt else None
            w("| %s | %s | %s | %s | **%s** | %s | %s | **%s** |" % (
                label, "{:,}".format((d or p or {}).get("positives", 0)),
                f3(d and d["precision"]), f3(d and d["recall"]), f3(d and d["f1"]),
                f3(p and p["precision"]), f3(p and p["recall"]), f3(p and p["f1"])))
        dtm, ptm = res.get("datalab_text_micro"), res.get("presidio_text_micro")
        w("| **all of the above (micro)** | %s | %s | %s | **%s** | %s | %s | **%s** |" % (
            "{:,}".format((dtm or ptm or {}).get("positives", 0)),
            f3(dtm and dtm["precision"]), f3(dtm and dtm["recall"]), f3(dtm and dtm["f1"]),
            f3(ptm and ptm["precision"]), f3(ptm and ptm["recall"]), f3(ptm and ptm["f1"])))
        w("")

    if dl:
        w("### datalab only (no Presidio recognizer)")
        w("")
        w("| entity | values | P | R | F1 | near-misses reported |")
        w("|---|---:|---:|---:|---:|---:|")
        for c, label in DATALAB_ONLY:
            d = dl.get(c)
            if not d:
                continue
            w("| %s | %s | %s | %s | %s | %s / %s |" % (
                label, "{:,}".format(d["positives"]), f3(d["precision"]), f3(d["recall"]),
                f3(d["f1"]), "{:,}".format(d["near_reported"]), "{:,}".format(d["near"])))
        w("")

    # goals
    w("| goal | target | measured | met |")
    w("|---|---|---|---|")
    if per_goal:
        missed = [c for c, ok in per_goal.items() if not ok]
        w("| F1 ≥ Presidio's on every entity it supports (whole values) | datalab F1 ≥ Presidio F1 "
          "on each of the %d shared entities | %d of %d%s | **%s** |" % (
              len(per_goal), len(per_goal) - len(missed), len(per_goal),
              (" (not: %s)" % ", ".join(missed)) if missed else "",
              "yes" if not missed else "no"))
    else:
        w("| F1 ≥ Presidio's on every entity it supports | | not measured | n/a |")
    if ratios:
        worst_mode = min(ratios, key=lambda m: ratios[m] or 0)
        r = ratios[worst_mode]
        w("| ≥ 100× faster than Presidio | datalab values/s ÷ Presidio values/s ≥ %.0f "
          "(against the faster Presidio mode) | %s (vs %s) | **%s** |" % (
              GOAL_SPEEDUP, "%.0f×" % r if r else "—", worst_mode,
              "yes" if r and r >= GOAL_SPEEDUP else "no"))
    else:
        w("| ≥ 100× faster than Presidio | | not measured | n/a |")
    w("")
    for n in res.get("notes", []):
        w("- _Note: %s_" % n)
    goals = {"f1_per_entity": per_goal, "speedup": ratios}
    return "\n".join(L).rstrip("\n") + "\n", goals


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


def versions(args):
    v = {"rustc": sh(["rustc", "--version"]) or "unknown"}
    v["datalab"] = "unknown"
    try:
        with open(os.path.join(args.root, "Cargo.toml"), encoding="utf-8") as f:
            in_pkg = False
            for line in f:
                s = line.strip()
                if s.startswith("["):
                    in_pkg = s == "[workspace.package]"
                elif in_pkg and s.startswith("version"):
                    v["datalab"] = s.split("=", 1)[1].strip().strip('"')
                    break
    except OSError:
        pass
    commit = sh(["git", "-C", args.root, "rev-parse", "--short", "HEAD"])
    if commit:
        dirty = sh(["git", "-C", args.root, "status", "--porcelain", "--untracked-files=no"])
        v["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    else:
        v["commit"] = "no commit yet"
    return v


def stale_binary(binary, root):
    """A source file the pii_bench binary is built from that is newer than it, or None."""
    if not os.path.isfile(binary):
        return None
    built = os.path.getmtime(binary)
    newest, newest_t = None, built
    for sub in ("crates/datalab-assess/src", "crates/datalab-assess/examples",
                "crates/datalab-data/src"):
        for dirpath, _, files in os.walk(os.path.join(root, sub)):
            for name in files:
                p = os.path.join(dirpath, name)
                try:
                    t = os.path.getmtime(p)
                except OSError:
                    continue
                if t > newest_t:
                    newest, newest_t = p, t
    return os.path.relpath(newest, root) if newest else None


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="PII benchmark: datalab vs Presidio")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--corpus-meta", help="JSON summary written by `pii_bench corpus`")
    ap.add_argument("--pii-bench", required=True, help="the pii_bench example binary")
    ap.add_argument("--skip-datalab", help="reason datalab is not run (e.g. failed build)")
    ap.add_argument("--repeat", type=int, default=5, help="datalab passes (best is reported)")
    ap.add_argument("--presidio-python", default=sys.executable)
    ap.add_argument("--presidio-modes", default="recognizers,engine")
    ap.add_argument("--skip-presidio", help="reason Presidio is not run (e.g. failed install)")
    ap.add_argument("--phone-regions", default="SE,DK,NL,DE,FR,BE,FI,NO,PL,ES,IT")
    ap.add_argument("--root", default=os.getcwd())
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--markdown")
    ap.add_argument("--json-out")
    ap.add_argument("--command", default="bash bench/pii/run.sh")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    mach = machine_info()
    ver = versions(args)
    meta = {}
    if args.corpus_meta and os.path.isfile(args.corpus_meta):
        with open(args.corpus_meta) as f:
            meta = json.load(f)
    values, texts = load_corpus(args.corpus)
    log("corpus: %d values, %d sentences" % (len(values), len(texts)))
    res = {"repeat": args.repeat, "notes": [], "presidio_errors": {}, "presidio_speed": {}}
    failed = False

    # datalab
    dl_pred_path = os.path.join(args.workdir, "pii_datalab_pred.jsonl")
    if args.skip_datalab:
        res["datalab_error"] = args.skip_datalab
        failed = True
    elif not os.path.isfile(args.pii_bench):
        res["datalab_error"] = "%s not found" % args.pii_bench
        failed = True
    else:
        summary, err, _ = run_child([args.pii_bench, "detect", args.corpus, dl_pred_path,
                                     "--repeat", str(args.repeat)], args.timeout)
        if err:
            res["datalab_error"] = err
            failed = True
        else:
            res["datalab_speed"] = summary
            lines = load_jsonl(dl_pred_path)
            preds = datalab_value_preds(lines, values)
            t = tally_single(values, preds)
            res["datalab_values"] = {c: x.as_dict() for c, x in t.items()}
            res["datalab_micro"] = micro(t, SHARED_CLASSES).as_dict()
            n = fp_note("datalab", t, SHARED_CLASSES)
            if n:
                res["notes"].append(n)
            # The class of an eu_vat span depends on its text (DE or another country).
            text_by_id = {o["id"]: o["value"] for o in texts}
            spans = {i: [(s["start"], s["end"],
                          datalab_class(s["entity"], text_by_id[i][s["start"]:s["end"]]),
                          s["confidence"]) for s in o["spans"]]
                     for i, o in lines.items() if "spans" in o and i in text_by_id}
            tt = score_texts(texts, spans, False)
            res["datalab_text"] = {c: x.as_dict() for c, x in tt.items()}
            res["datalab_text_micro"] = micro(tt, SHARED_CLASSES).as_dict()
            res["datalab_ambiguous_values"] = sum(x.amb for c, x in t.items() if c in SHARED_CLASSES)

    # Presidio
    modes = [m.strip() for m in args.presidio_modes.split(",") if m.strip()]
    runner = os.path.join(HERE, "presidio_run.py")
    first_results = None
    for mode in modes:
        if args.skip_presidio:
            res["presidio_errors"][mode] = args.skip_presidio
            failed = True
            continue
        out = os.path.join(args.workdir, "pii_presidio_%s.jsonl" % mode)
        summary, err, _ = run_child([args.presidio_python, runner, "--corpus", args.corpus,
                                     "--out", out, "--mode", mode,
                                     "--phone-regions", args.phone_regions], args.timeout)
        if err:
            res["presidio_errors"][mode] = err
            failed = True
            continue
        res["presidio_speed"][mode] = summary
        res["presidio_versions"] = summary.get("versions")
        res["phone_regions"] = summary.get("phone_regions")
        if summary.get("recognizer_value_seconds"):
            res["presidio_recognizer_seconds"] = summary["recognizer_value_seconds"]
        raw = {i: o["results"] for i, o in load_jsonl(out).items()}
        if first_results is None:
            first_results = (mode, raw)
            preds, ties = presidio_value_preds(raw, values)
            t = tally_single(values, preds)
            res["presidio_scored_mode"] = mode
            res["presidio_values"] = {c: x.as_dict() for c, x in t.items()}
            res["presidio_micro"] = micro(t, SHARED_CLASSES).as_dict()
            n = fp_note("Presidio", t, SHARED_CLASSES)
            if n:
                res["notes"].append(n)
            ta = tally_any(values, raw)
            res["presidio_any"] = {c: x.as_dict() for c, x in ta.items()}
            res["presidio_any_micro"] = micro(ta, SHARED_CLASSES).as_dict()
            res["presidio_ties"] = ties
            res["presidio_ambiguous_values"] = sum(x.amb for c, x in t.items() if c in SHARED_CLASSES)
            spans = {o["id"]: [(r[0], r[1], PRESIDIO_TO_CLASS.get(r[2]), r[3])
                               for r in raw.get(o["id"], [])] for o in texts}
            tt = score_texts(texts, spans, True)
            res["presidio_text"] = {c: x.as_dict() for c, x in tt.items()}
            res["presidio_text_micro"] = micro(tt, SHARED_CLASSES).as_dict()
        else:
            # The modes must find the same whole-value answers; report any difference.
            preds_a, _ = presidio_value_preds(first_results[1], values)
            preds_b, _ = presidio_value_preds(raw, values)
            diff = sum(1 for v in values if preds_a.get(v["id"]) != preds_b.get(v["id"]))
            res["presidio_mode_differences"] = {"modes": [first_results[0], mode], "values": diff}
            res["notes"].append(
                "Presidio's *%s* and *%s* modes gave %s whole-value answers; F1 is from *%s*." % (
                    first_results[0], mode,
                    "the same" if diff == 0 else "%d different" % diff, first_results[0]))

    ds = res.get("datalab_speed")
    rb = res.get("presidio_recognizer_seconds")
    if ds and rb:
        without = sum(s for k, s in rb.items() if k != "PhoneRecognizer")
        if without > 0:
            vps = len(values) / without
            res["presidio_values_per_second_without_phone"] = vps
            res["speedup_without_phone"] = ds["values_per_second"] / vps
    if res.get("presidio_ties") is not None:
        res["notes"].append(
            "Presidio gave several entity types the same top score on %d whole values; those "
            "count as right when any of them is right. Ambiguous answers (another entity the "
            "value is valid for), not counted: datalab %s, Presidio %s." % (
                res["presidio_ties"], res.get("datalab_ambiguous_values", "—"),
                res.get("presidio_ambiguous_values", "—")))
    res["notes"].append(
        "Not compared: Presidio's `ItVatCodeRecognizer` reads the domestic 11-digit partita IVA "
        "without the `IT` prefix, which datalab does not report as a VAT number (bare 11 digits "
        "are also PESEL, Steuer-ID, fødselsnummer, …; the corpus writes VAT numbers in the VIES "
        "form with the prefix), and it would compete with the ID recognizers on bare digits; "
        "recognizers for documents datalab has no entity for (passports, driving licences, ID "
        "cards, health insurance, and the US, UK, AU, IN, KR, … numbers) and `DateRecognizer` "
        "are not run. Presidio's `PERSON` needs an NLP model, so names are not compared.")
    stale = stale_binary(args.pii_bench, args.root)
    if stale:
        res["notes"].append("The pii_bench binary is older than `%s`: it was not rebuilt after "
                            "the latest source change." % stale)
    mach["load_end"] = load_avg()

    body, goals = build_report(args, mach, ver, meta, res)
    res["goals"] = goals
    print(body)
    if args.markdown:
        write_markdown(args.markdown, body)
        log("wrote the bench:pii section of %s" % args.markdown)
    if args.json_out:
        res["machine"] = mach
        res["versions"] = ver
        res["corpus_meta"] = meta
        with open(args.json_out, "w") as f:
            json.dump(res, f, indent=1, default=list)
        log("raw results: %s" % args.json_out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
