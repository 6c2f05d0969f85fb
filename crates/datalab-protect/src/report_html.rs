//! The self-contained anonymisation report (`report.html`): verdict first, then what each
//! quasi-identifier became, the class-size distribution and how the search went. Inline CSS
//! and SVG only: it opens offline and runs no scripts.

use std::fmt::Write;

use crate::anonymize::AnonymizationReport;
use crate::risk::{Estimate, RiskReport};
use crate::risk_section::{RiskAnalysis, RiskCheck, RiskSection};

/// HTML-escapes `s` (cut to 120 characters, control characters replaced).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().take(120) {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A value as shown in a table: missing values are named, not left blank.
fn shown(s: &str) -> String {
    if s.is_empty() {
        "(empty)".into()
    } else {
        esc(s)
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "n/a".into()
    }
}

/// The stylesheet every datalab HTML report shares.
pub const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;color:#1d2433;max-width:1040px;margin:24px auto;padding:0 20px}\
h1{font-size:26px;margin:4px 0}h2{font-size:19px;margin-top:30px;border-bottom:1px solid #dde2ea;padding-bottom:4px}\
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e7ebf0;vertical-align:top}\
th{background:#f4f6f9;font-weight:600}.ok{color:#1a7f37;font-weight:700}.bad{color:#b42318;font-weight:700}\
.card{border:1px solid #dde2ea;border-radius:8px;padding:14px 18px;margin:12px 0;background:#fbfcfd}\
.muted{color:#5b6475}code{background:#f1f3f6;padding:1px 4px;border-radius:3px}";

/// Renders the report; `source` names the input (container or file) for the header.
pub fn render(report: &AnonymizationReport, source: &str) -> String {
    let mut h = String::new();
    let all_hold = report.models.iter().all(|m| m.holds);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Anonymisation report — {src}</title>\
         <style>{STYLE}</style></head><body><div class=\"muted\">ANONYMISATION REPORT</div><h1>{src}</h1>",
        src = esc(source)
    );
    let _ = write!(
        h,
        "<div class=\"card\"><p style=\"font-size:18px\">{verdict}</p><p>{out} of {inp} records released; \
         {sup} suppressed ({how}); {classes} equivalence classes, the smallest holding {min} records. \
         Metric <b>{metric}</b> = {mval}. The search was {opt} ({checked} of {lattice} transformations evaluated, \
         {pruned} pruned by monotonicity, {ms:.0} ms).</p></div>",
        verdict = if all_hold {
            "<span class=\"ok\">✔ Every privacy model holds on the output</span> (re-checked on the released rows)."
                .to_string()
        } else {
            "<span class=\"bad\">✘ Not every privacy model holds on the output</span> — see below."
                .to_string()
        },
        out = report.output_records,
        inp = report.records,
        sup = report.suppressed_records,
        how = match report.suppressed_handling {
            crate::anonymize::SuppressedRecords::Star => "kept with * in every quasi-identifier",
            crate::anonymize::SuppressedRecords::Drop => "left out",
        },
        classes = report.classes,
        min = report.class_sizes.min,
        metric = esc(&report.metric.name),
        mval = num(report.metric.value),
        opt = if report.search.optimal {
            "optimal (the true optimum of the metric)"
        } else {
            "best-effort (stopped by its budget)"
        },
        checked = report.search.nodes_checked,
        lattice = report.search.lattice_size,
        pruned = report.search.nodes_pruned,
        ms = report.search.total_ms,
    );
    h.push_str("<h2>Privacy models</h2><table><tr><th>model</th><th>holds</th><th>records in violating classes</th></tr>");
    for m in &report.models {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(&m.name),
            if m.holds { "ok" } else { "bad" },
            if m.holds { "yes" } else { "no" },
            m.violating_records
        );
    }
    h.push_str("</table><h2>What each quasi-identifier became</h2><table><tr><th>attribute</th><th>level</th><th>distinct before → after</th><th>examples</th></tr>");
    for a in &report.quasi_identifiers {
        let ex: Vec<String> = a
            .examples
            .iter()
            .map(|e| {
                format!(
                    "<code>{}</code> → <code>{}</code>",
                    shown(&e.value),
                    shown(&e.label)
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{} of {}</td><td>{} → {}</td><td>{}</td></tr>",
            esc(&a.name),
            a.level,
            a.max_level,
            a.distinct_before,
            a.distinct_after,
            ex.join(", ")
        );
    }
    h.push_str("</table>");
    if !report.sensitive.is_empty() {
        let s: Vec<String> = report.sensitive.iter().map(|s| esc(s)).collect();
        let _ = write!(
            h,
            "<p>Sensitive attributes (kept as they are): {}</p>",
            s.join(", ")
        );
    }
    // Class sizes as an SVG bar chart (up to 40 distinct sizes; the rest summarised).
    let dist = &report.class_sizes.distribution;
    let _ = write!(
        h,
        "<h2>Equivalence-class sizes</h2><p>min {}, median {}, mean {:.1}, max {}</p>",
        report.class_sizes.min,
        report.class_sizes.median,
        report.class_sizes.mean,
        report.class_sizes.max
    );
    if !dist.is_empty() {
        let shown = &dist[..dist.len().min(40)];
        let maxc = shown.iter().map(|d| d.classes).max().unwrap_or(1).max(1) as f64;
        let (bw, ht) = (22.0, 160.0);
        let width = shown.len() as f64 * bw + 40.0;
        let _ = write!(
            h,
            "<svg width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"class sizes\">",
            ht + 40.0
        );
        for (i, d) in shown.iter().enumerate() {
            let bh = (d.classes as f64 / maxc * ht).max(1.0);
            let x = 30.0 + i as f64 * bw;
            let _ = write!(
                h,
                "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{bh}\" fill=\"#3b6ea8\"><title>{} classes of size {}</title></rect>\
                 <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                ht - bh + 5.0,
                bw - 4.0,
                d.classes,
                d.size,
                x + (bw - 4.0) / 2.0,
                ht + 20.0,
                d.size
            );
        }
        h.push_str("</svg>");
        if dist.len() > shown.len() {
            let _ = write!(
                h,
                "<p class=\"muted\">{} larger class sizes not drawn.</p>",
                dist.len() - shown.len()
            );
        }
    }
    risk_section_html(&mut h, &report.risk);
    if !report.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2><ul>");
        for w in &report.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<p class=\"muted\">Levels: {:?}. Suppression limit {:.2}% ({} records). Search: {} thread(s), {:.0} ms searching. \
         See docs/anonymisation.md for the models and metrics.</p></body></html>",
        report.levels,
        100.0 * report.suppression_limit,
        report.max_suppressed_records,
        report.search.threads,
        report.search.search_ms
    );
    h
}

/// A share as a percentage with enough digits for small values.
fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.4}%", 100.0 * x)
    } else {
        "n/a".into()
    }
}

fn estimate(e: &Estimate) -> String {
    match (e.share, &e.not_applicable) {
        (Some(x), _) => format!("{x:.7} ({})", pct(x)),
        (None, Some(why)) => format!("<span class=\"muted\">not applicable — {}</span>", esc(why)),
        (None, None) => "<span class=\"muted\">not applicable</span>".into(),
    }
}

/// Rows of the risk table for one or two reports (before → after).
fn risk_rows(h: &mut String, columns: &[(&str, &RiskReport)]) {
    h.push_str("<table><tr><th>measure</th>");
    for (name, _) in columns {
        let _ = write!(h, "<th>{}</th>", esc(name));
    }
    h.push_str("</tr>");
    let row = |h: &mut String, label: &str, f: &dyn Fn(&RiskReport) -> String| {
        let _ = write!(h, "<tr><td>{label}</td>");
        for (_, r) in columns {
            let _ = write!(h, "<td>{}</td>", f(r));
        }
        h.push_str("</tr>");
    };
    row(h, "records", &|r| r.sample.records.to_string());
    row(h, "equivalence classes", &|r| r.sample.classes.to_string());
    row(h, "sample uniques", &|r| {
        format!(
            "{} ({})",
            r.sample.sample_uniques,
            pct(r.sample.sample_uniques_share)
        )
    });
    row(h, "highest risk (prosecutor)", &|r| {
        num(r.sample.highest_risk)
    });
    row(h, "records at the highest risk", &|r| {
        r.sample.records_at_highest_risk.to_string()
    });
    row(h, "average risk (prosecutor)", &|r| {
        format!("{:.6}", r.sample.average_prosecutor_risk)
    });
    row(h, "marketer risk", &|r| {
        format!("{:.6}", r.sample.marketer_risk)
    });
    row(h, "records above the highest-risk threshold", &|r| {
        format!(
            "{} ({})",
            r.sample.records_above_threshold,
            pct(r.sample.records_above_threshold_share)
        )
    });
    if columns.iter().any(|(_, r)| r.population.is_some()) {
        let est = |pick: fn(&crate::risk::PopulationRisk) -> &Estimate| {
            move |r: &RiskReport| {
                r.population
                    .as_ref()
                    .map_or("—".into(), |p| estimate(pick(p)))
            }
        };
        row(h, "sampling fraction", &|r| {
            r.population
                .as_ref()
                .map_or("—".into(), |p| format!("{:.6}", p.sampling_fraction))
        });
        row(h, "population uniques: Pitman", &est(|p| &p.pitman));
        row(h, "population uniques: Zayatz", &est(|p| &p.zayatz));
        row(h, "population uniques: SNB", &est(|p| &p.snb));
        row(h, "population uniques: Dankar's rule", &|r| {
            r.population.as_ref().map_or("—".into(), |p| {
                format!(
                    "{} <span class=\"muted\">({})</span>",
                    estimate(&p.dankar),
                    p.dankar_choice
                        .map(|c| format!("{c:?}").to_lowercase())
                        .unwrap_or_else(|| "none".into())
                )
            })
        });
    }
    h.push_str("</table>");
}

fn checks_html(h: &mut String, checks: &[RiskCheck]) {
    h.push_str("<table><tr><th>measure</th><th>value</th><th>threshold</th><th>verdict</th></tr>");
    for c in checks {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.6}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            esc(&c.measure),
            c.value,
            c.threshold,
            if c.passed { "ok" } else { "bad" },
            if c.passed { "within" } else { "above" }
        );
    }
    h.push_str("</table>");
}

fn assumptions_html(h: &mut String, assumptions: &[String]) {
    h.push_str("<h3>Attacker models and assumptions</h3><ul>");
    for a in assumptions {
        let _ = write!(h, "<li>{}</li>", esc_long(a));
    }
    h.push_str("</ul>");
}

/// Like `esc` but for whole sentences and paragraphs (no length cut).
fn esc_long(s: &str) -> String {
    s.chars()
        .collect::<Vec<_>>()
        .chunks(120)
        .map(|c| esc(&c.iter().collect::<String>()))
        .collect()
}

fn dpia_html(h: &mut String, paragraph: &str) {
    let _ = write!(
        h,
        "<h3>For the data-protection impact assessment</h3><div class=\"card\"><p>{}</p></div>",
        esc_long(paragraph)
    );
}

/// The risk section (before/after, verdict, assumptions, DPIA paragraph) as an HTML fragment.
pub fn risk_fragment(r: &RiskSection) -> String {
    let mut h = String::new();
    risk_section_html(&mut h, r);
    h
}

/// Like `esc` for whole paragraphs (no length cut).
pub fn esc_text(s: &str) -> String {
    esc_long(s)
}

/// The risk section of the anonymisation report.
fn risk_section_html(h: &mut String, r: &RiskSection) {
    let _ = write!(
        h,
        "<h2>Re-identification risk</h2><p class=\"{}\">{}</p>",
        if r.passed { "ok" } else { "bad" },
        if r.passed {
            "✔ The released data is within every risk threshold."
        } else {
            "✘ The released data exceeds a risk threshold (or nothing was released)."
        }
    );
    assumptions_html(h, &r.assumptions);
    match &r.after {
        Some(after) => risk_rows(h, &[("before", &r.before), ("after", after)]),
        None => risk_rows(h, &[("before", &r.before)]),
    }
    checks_html(h, &r.checks);
    dpia_html(h, &r.dpia_paragraph);
}

/// The self-contained report of `datalab risk` (risk.html).
pub fn render_risk(r: &RiskAnalysis) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Re-identification risk — {src}</title>\
         <style>{STYLE}</style></head><body><div class=\"muted\">RE-IDENTIFICATION RISK REPORT</div><h1>{src}</h1>\
         <div class=\"card\"><p style=\"font-size:18px\" class=\"{cls}\">{verdict}</p><p>Quasi-identifiers: {qi}.</p></div>",
        src = esc(&r.data),
        cls = if r.passed { "ok" } else { "bad" },
        verdict = if r.passed {
            "✔ Within every risk threshold"
        } else {
            "✘ Above a risk threshold"
        },
        qi = r
            .quasi_identifiers
            .iter()
            .map(|q| format!("<code>{}</code>", esc(q)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    h.push_str("<h2>Verdict</h2>");
    checks_html(&mut h, &r.checks);
    assumptions_html(&mut h, &r.assumptions);
    h.push_str("<h2>Measures</h2>");
    risk_rows(&mut h, &[("value", &r.report)]);
    if let Some(j) = &r.journalist {
        let _ = write!(
            h,
            "<h2>Journalist risk against the population table</h2><table>\
             <tr><td>population records</td><td>{}</td></tr><tr><td>highest risk</td><td>{}</td></tr>\
             <tr><td>average risk</td><td>{:.6}</td></tr><tr><td>records above {}</td><td>{} ({})</td></tr>\
             <tr><td>sample classes missing from (or smaller in) the population table</td><td>{}</td></tr></table>",
            j.population_records,
            num(j.highest_risk),
            j.average_risk,
            j.threshold,
            j.records_above_threshold,
            pct(j.records_above_threshold_share),
            j.inconsistent_classes
        );
    }
    if let Some(su) = &r.special_uniques {
        let _ = write!(
            h,
            "<h2>Special uniques (SUDA)</h2><p>Records unique on some combination of at most {} quasi-identifiers \
             (minimal sample uniques): <b>{}</b> ({}); {} MSUs in all. Highest DIS-SUDA score {:.4} (sampling fraction {}).</p>\
             <table><tr><th>attribute</th><th>share of the SUDA score</th></tr>",
            su.max_msu,
            su.special_uniques,
            pct(su.special_uniques_share),
            su.msus,
            su.max_dis_score,
            su.dis_fraction
        );
        for c in &su.attribute_contributions {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(c.name.as_deref().unwrap_or("?")),
                pct(c.share)
            );
        }
        h.push_str("</table>");
    }
    if let Some(ir) = &r.individual {
        let _ = write!(
            h,
            "<h2>Individual risk (sampling weights)</h2><table>\
             <tr><td>expected re-identifications</td><td>{:.2}</td></tr><tr><td>global risk</td><td>{:.6}</td></tr>\
             <tr><td>highest individual risk</td><td>{}</td></tr><tr><td>records above {}</td><td>{} ({})</td></tr>\
             <tr><td>estimated population (sum of weights)</td><td>{:.0}</td></tr></table>",
            ir.expected_reidentifications,
            ir.global_risk,
            num(ir.max_risk),
            ir.threshold,
            ir.records_above_threshold,
            pct(ir.records_above_threshold_share),
            ir.population
        );
    }
    dpia_html(&mut h, &r.dpia_paragraph);
    h.push_str(
        "<p class=\"muted\">Estimators and their applicability are described in docs/risk.md.</p></body></html>",
    );
    h
}
