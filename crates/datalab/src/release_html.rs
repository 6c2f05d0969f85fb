//! The release report a privacy officer reads (report.html): verdict first, then risk before
//! and after, utility kept, quality, per-column actions, and the certificate with how to
//! verify it. Self-contained: inline CSS, no scripts.

use std::fmt::Write;

use datalab_protect::report_html::{STYLE, esc, esc_text, risk_fragment};
use serde_json::Value;

use crate::release_cmd::ReleaseReport;

pub fn render(r: &ReleaseReport, source: &str, certificate: &Value) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Release report — {src}</title>\
         <style>{STYLE}</style></head><body><div class=\"muted\">RELEASE REPORT · {purpose}</div><h1>{src}</h1>\
         <div class=\"card\"><p style=\"font-size:18px\" class=\"{cls}\">{mark}</p><p>{summary}</p></div>",
        src = esc(source),
        purpose = esc(r.purpose_name()),
        cls = if r.verdict.passed { "ok" } else { "bad" },
        mark = if r.verdict.passed {
            "✔ Safe to release for this purpose: every target is met on the written data"
        } else {
            "✘ Not every target is met — do not release as it is"
        },
        summary = esc_text(&r.verdict.summary),
    );
    if !r.warnings.is_empty() {
        h.push_str("<ul>");
        for w in &r.warnings {
            let _ = write!(h, "<li class=\"bad\">{}</li>", esc_text(w));
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<h2>Targets for {}</h2><table><tr><th>k (records per class)</th><th>highest risk</th><th>average risk</th>\
         <th>suppression limit</th><th>direct identifiers</th></tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0}%</td><td>{}</td></tr></table>",
        esc(r.purpose_name()),
        r.targets.k,
        r.targets.max_risk,
        r.targets.avg_risk,
        100.0 * r.targets.suppression,
        esc(&r.targets.identifiers)
    );
    match &r.anonymization {
        Some(a) => h.push_str(&risk_fragment(&a.risk)),
        None => h.push_str("<h2>Re-identification risk</h2><p class=\"bad\">Not measured: no quasi-identifiers.</p>"),
    }
    let u = &r.utility;
    let _ = write!(
        h,
        "<h2>Utility kept</h2><p>{} of {} rows kept ({:.1}%). Distances between the input (generalised like the output) and \
         the output: 0 = same distribution, 1 = nothing in common.{}</p><table><tr><th>column</th><th>distance (TVD)</th>\
         <th>distinct values before → after</th></tr>",
        u.rows_after,
        u.rows_before,
        100.0 * u.rows_kept,
        match (u.pairwise_mean_distance, u.pairwise_max_distance) {
            (Some(m), Some(x)) => format!(
                " Over {} column pairs: mean two-way distance {m:.3}, largest {x:.3}.",
                u.pairs
            ),
            _ => String::new(),
        }
    );
    for c in &u.columns {
        let bar = (c.distance * 200.0).round();
        let _ = write!(
            h,
            "<tr><td>{}</td><td><svg width=\"204\" height=\"12\"><rect width=\"{bar}\" height=\"12\" fill=\"#3b6ea8\"/></svg> {:.3}</td><td>{} → {}</td></tr>",
            esc(&c.column),
            c.distance,
            c.distinct_before,
            c.distinct_after
        );
    }
    h.push_str("</table>");
    let _ = write!(
        h,
        "<h2>Quality</h2><p>Assessment score {:.1} before, {:.1} after (out of 100; see docs/assessment.md).</p>",
        r.quality_before, r.quality_after
    );
    let _ = write!(
        h,
        "<h2>What was done to each column</h2><p class=\"muted\">Roles {}.</p><table><tr><th>column</th><th>role</th><th>action</th></tr>",
        esc(&r.roles_origin)
    );
    for (c, action) in &r.actions {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(c),
            esc(r.roles.get(c).map(String::as_str).unwrap_or("—")),
            esc_text(action)
        );
    }
    h.push_str("</table><h2>Files</h2><table><tr><th>file</th><th>SHA-256</th><th>bytes</th></tr>");
    for f in &r.outputs {
        let _ = write!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(f["path"].as_str().unwrap_or("")),
            esc(f["sha256"].as_str().unwrap_or("")),
            f["bytes"]
        );
    }
    let issuer = certificate["issuer"].as_str().unwrap_or("");
    let _ = write!(
        h,
        "</table><h2>Certificate</h2><div class=\"card\"><p>Certificate <code>{}</code>, issued by <code>{}</code> \
         (a W3C Verifiable Credential with an <code>eddsa-jcs-2022</code> Data Integrity proof), valid until {}.</p>\
         <p>Anyone can check that this report's facts and the data file are the ones certified:</p>\
         <p><code>datalab verify certificate.json --data data.parquet</code></p>\
         <p class=\"muted\">Any eddsa-jcs-2022 verifier works too: the issuer is a did:key, so no network or registry is \
         needed. Changing one byte of the data or of the certificate makes verification fail.</p></div>",
        esc(&r.certificate_id),
        esc_text(issuer),
        esc(certificate["validUntil"].as_str().unwrap_or("—")),
    );
    let _ = write!(
        h,
        "<p class=\"muted\">{} · {}</p></body></html>",
        esc(&r.tool),
        esc(&r.created)
    );
    h
}
