//! The self-contained anonymisation report (`report.html`): verdict first, then what each
//! quasi-identifier became, the class-size distribution and how the search went. Inline CSS
//! and SVG only: it opens offline and runs no scripts.

use std::fmt::Write;

use crate::anonymize::AnonymizationReport;

fn esc(s: &str) -> String {
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

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;color:#1d2433;max-width:1040px;margin:24px auto;padding:0 20px}\
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
