//! The self-contained HTML report (`assessment.html`).
//!
//! One file that a privacy officer or data steward opens offline in any browser: inline CSS,
//! inline SVG charts, no JavaScript, no fonts, images or other external references, and a print
//! stylesheet. The verdict comes first (quality score, dimensions, personal data, duplicates,
//! alerts), then the detail behind it: personal data, suggested roles, quality checks, alerts,
//! one card per column and the associations between columns.
//!
//! Every string that comes from the data is escaped (including control and bidirectional
//! formatting characters) and long values are truncated. Charts are capped (top values, bins,
//! years, heatmap columns, per-column charts) so that wide tables still give a small file.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::assess::Assessment;
use crate::profile::{
    Association, Bin, ColumnProfile, NumericStats, TemporalStats, TextStats, TopValue,
};
use crate::quality::{Dimension, QualityCheck};

/// Longest value shown in tables and tooltips (characters); longer values end in an ellipsis.
const MAX_VALUE_CHARS: usize = 80;
/// Longest label inside an SVG chart, where space is tight.
const MAX_CHART_LABEL_CHARS: usize = 26;
const MAX_TOP_VALUES: usize = 10;
const MAX_PATTERNS: usize = 5;
const MAX_HISTOGRAM_BARS: usize = 40;
const MAX_YEAR_BARS: usize = 60;
const MAX_HEATMAP_COLUMNS: usize = 40;
const MAX_STRONGEST_ASSOCIATIONS: usize = 15;
const MAX_EXAMPLE_ROWS: usize = 10;
/// Rows per check table; the rest are summarised.
const MAX_CHECK_ROWS: usize = 100;
const MAX_ALERTS: usize = 300;
const MAX_COLUMN_ALERTS: usize = 10;
/// Rows in the personal-data and role tables.
const MAX_TABLE_ROWS: usize = 1000;
/// Columns that get charts in their card; cards beyond this show figures only.
const MAX_CHARTED_COLUMNS: usize = 150;
/// Columns that get a card at all; the overview table still lists every column up to the
/// table cap.
const MAX_COLUMN_CARDS: usize = 500;

/// Writes into a `String`; formatting into a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Renders the assessment as one self-contained HTML document.
pub fn render(a: &Assessment) -> String {
    let mut out = String::with_capacity(64 * 1024 + a.profile.columns.len() * 6 * 1024);
    let title = source_title(a);
    w!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{}\">\n<title>Data assessment — {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&a.tool),
        short(&title, MAX_VALUE_CHARS),
        CSS
    );
    header(&mut out, a, &title);
    nav(&mut out);
    out.push_str("<main>\n");
    summary(&mut out, a);
    personal_data(&mut out, a);
    roles(&mut out, a);
    quality(&mut out, a);
    alerts(&mut out, a);
    columns(&mut out, a);
    associations(&mut out, a);
    out.push_str("</main>\n");
    footer(&mut out, a);
    out.push_str("</body>\n</html>\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/// Escapes text for HTML content and attribute values. Control characters become visible
/// control pictures and bidirectional formatting characters are neutralised, so a value can
/// neither break the markup nor disguise itself.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    push_esc(&mut o, s);
    o
}

fn push_esc(o: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\u{0}'..='\u{1f}' => o.push(char::from_u32(0x2400 + ch as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => o.push('\u{2421}'),
            '\u{80}'..='\u{9f}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}' => o.push('\u{fffd}'),
            _ => o.push(ch),
        }
    }
}

/// Truncates to at most `max` characters (the last one an ellipsis when cut), then escapes.
fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => esc(s),
        Some(_) => {
            let cut = s
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(s.len(), |(i, _)| i);
            let mut o = esc(&s[..cut]);
            o.push('…');
            o
        }
    }
}

/// A data value for display: truncated, escaped, and visible when empty.
fn value_html(s: &str, max: usize) -> String {
    if s.is_empty() {
        "<i class=\"muted\">(empty)</i>".into()
    } else if s.trim().is_empty() {
        format!(
            "<i class=\"muted\">(blank: {} characters)</i>",
            s.chars().count()
        )
    } else {
        short(s, max)
    }
}

/// A value inside SVG `<text>`, where markup other than text is not wanted.
fn value_text(s: &str, max: usize) -> String {
    if s.is_empty() {
        "(empty)".into()
    } else {
        short(s, max)
    }
}

/// "semantic_clarity" → "Semantic clarity".
fn pretty(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

/// A CSS class suffix from data: lower-case letters, digits, '-' and '_' only.
fn class_token(s: &str) -> String {
    let t: String = s
        .chars()
        .take(32)
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if t.is_empty() { "other".into() } else { t }
}

fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut o = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// A measured number, readable and never panicking on NaN or infinities.
fn num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e12).contains(&a) {
        return format!("{x:.3e}");
    }
    if x.fract() == 0.0 {
        let s = int(a as u64);
        return if x < 0.0 { format!("−{s}") } else { s };
    }
    let decimals = if a >= 1000.0 {
        1
    } else if a >= 10.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        4
    };
    let s = format!("{a:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let s = match s.split_once('.') {
        Some((whole, frac)) => format!("{}.{frac}", int(whole.parse().unwrap_or(0))),
        None => int(s.parse().unwrap_or(0)),
    };
    if x < 0.0 { format!("−{s}") } else { s }
}

/// Two decimals, for unit-free statistics such as skewness (no "-0.00").
fn fixed2(x: f64) -> String {
    if !x.is_finite() {
        num(x)
    } else if x.abs() < 0.005 {
        "0.00".into()
    } else {
        format!("{x:.2}").replace('-', "−")
    }
}

/// A share in [0, 1] as a percentage.
fn pct(share: f64) -> String {
    if !share.is_finite() {
        "—".into()
    } else if share > 0.0 && share < 0.0005 {
        "&lt;0.1%".into()
    } else if share < 1.0 && share > 0.9995 {
        "&gt;99.9%".into()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Clamps a fraction for drawing.
fn frac(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A 0–100 score with one decimal, rounded down so that only a perfect score reads "100".
fn score_text(score: Option<f64>) -> String {
    match score {
        Some(s) if s.is_finite() => {
            let s = (s * 10.0 + 1e-9).floor() / 10.0;
            if s.fract() == 0.0 {
                format!("{s:.0}")
            } else {
                format!("{s:.1}")
            }
        }
        _ => "n/a".into(),
    }
}

/// Colour band of a 0–100 score: CSS class suffix and word.
fn band(score: Option<f64>) -> (&'static str, &'static str) {
    match score {
        Some(s) if s.is_finite() && s >= 90.0 => ("good", "good"),
        Some(s) if s.is_finite() && s >= 75.0 => ("fair", "fair"),
        Some(s) if s.is_finite() && s >= 50.0 => ("poor", "poor"),
        Some(s) if s.is_finite() => ("bad", "critical"),
        _ => ("na", "not applicable"),
    }
}

fn example_rows(rows: &[u64]) -> String {
    if rows.is_empty() {
        return "—".into();
    }
    let mut s = rows
        .iter()
        .take(MAX_EXAMPLE_ROWS)
        .map(|r| int(*r))
        .collect::<Vec<_>>()
        .join(", ");
    if rows.len() > MAX_EXAMPLE_ROWS {
        s.push_str(", …");
    }
    s
}

/// A small horizontal bar (0–1) for tables and cards.
fn meter(out: &mut String, share: f64, class: &str) {
    let width = 100.0 * frac(share);
    w!(
        out,
        "<svg class=\"meter\" viewBox=\"0 0 100 8\" width=\"80\" height=\"8\" aria-hidden=\"true\">\
         <rect width=\"100\" height=\"8\" rx=\"2\" class=\"track\"/><rect width=\"{width:.1}\" height=\"8\" rx=\"2\" class=\"{class}\"/></svg>"
    );
}

fn role_name(role: &impl serde::Serialize) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => "unknown".into(),
    }
}

fn role_badge(out: &mut String, role: &str) {
    w!(
        out,
        "<span class=\"badge role role-{}\">{}</span>",
        class_token(role),
        short(&role.replace('_', "-"), 40)
    );
}

// ---------------------------------------------------------------------------------------------
// Page sections

fn source_title(a: &Assessment) -> String {
    let s = &a.source;
    match s.version {
        Some(v) => format!("{}@{v}", s.name),
        None => s.name.clone(),
    }
}

fn header(out: &mut String, a: &Assessment, title: &str) {
    let s = &a.source;
    out.push_str("<header class=\"page\">\n<p class=\"eyebrow\">Data assessment</p>\n");
    w!(
        out,
        "<h1 title=\"{}\">{}</h1>\n<dl class=\"meta\">",
        short(title, 400),
        short(title, MAX_VALUE_CHARS)
    );
    let kind = if s.kind == "container" {
        "Container"
    } else {
        "File"
    };
    w!(
        out,
        "<div><dt>{kind}</dt><dd>{}</dd></div>",
        short(title, MAX_VALUE_CHARS)
    );
    if let Some(id) = &s.container_id {
        w!(
            out,
            "<div><dt>Container ID</dt><dd class=\"mono\">{}</dd></div>",
            short(id, 40)
        );
    }
    if let Some(h) = &s.sha256 {
        let shown: String = h.chars().take(12).collect();
        w!(
            out,
            "<div><dt>SHA-256</dt><dd class=\"mono\" title=\"{}\">{}{}</dd></div>",
            short(h, 128),
            esc(&shown),
            if h.chars().count() > 12 { "…" } else { "" }
        );
    }
    w!(
        out,
        "<div><dt>Size</dt><dd>{} rows × {} columns</dd></div><div><dt>Generated</dt><dd>{}</dd></div><div><dt>Tool</dt><dd>{}</dd></div>",
        int(a.rows),
        int(a.columns),
        short(&a.generated_at, 40),
        short(&a.tool, 60)
    );
    out.push_str("</dl>\n</header>\n");
}

fn nav(out: &mut String) {
    out.push_str(
        "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a><a href=\"#personal-data\">Personal data</a>\
         <a href=\"#roles\">Roles</a><a href=\"#quality\">Quality</a><a href=\"#alerts\">Alerts</a>\
         <a href=\"#columns\">Columns</a><a href=\"#associations\">Associations</a></nav>\n",
    );
}

/// Distinct columns with personal data, in report order.
fn pii_column_names(a: &Assessment) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for p in &a.pii {
        if !names.contains(&p.column.as_str()) {
            names.push(&p.column);
        }
    }
    names
}

fn summary(out: &mut String, a: &Assessment) {
    let q = &a.quality;
    let overall = Some(q.overall).filter(|s| s.is_finite());
    let (cls, word) = band(overall);
    let pii_cols = pii_column_names(a);
    let direct: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for p in a.pii.iter().filter(|p| p.entity.is_direct_identifier()) {
            if !v.contains(&p.column.as_str()) {
                v.push(&p.column);
            }
        }
        v
    };
    let dup = &a.profile.duplicates;
    let alerts = a.profile.alerts.len();

    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"card summary\">\n");
    // Verdict sentence.
    out.push_str("<p class=\"verdict\">");
    w!(
        out,
        "Overall data quality is <b class=\"t-{cls}\">{word}</b> ({} / 100). ",
        score_text(overall)
    );
    if pii_cols.is_empty() {
        out.push_str("No personal data was detected. ");
    } else {
        w!(
            out,
            "<b>Personal data</b> found in {} of {} columns",
            int(pii_cols.len() as u64),
            int(a.columns)
        );
        if !direct.is_empty() {
            let shown: Vec<String> = direct
                .iter()
                .take(5)
                .map(|c| format!("<code>{}</code>", short(c, 40)))
                .collect();
            w!(
                out,
                ", including direct identifiers in {}{}",
                shown.join(", "),
                if direct.len() > 5 { ", …" } else { "" }
            );
        }
        out.push_str(". ");
    }
    if dup.rows > 0 {
        w!(
            out,
            "{}{} duplicate rows. ",
            if dup.exact { "" } else { "About " },
            int(dup.rows)
        );
    }
    out.push_str("</p>\n<div class=\"summary-grid\">\n");
    w!(
        out,
        "<div class=\"score b-{cls}\"><div class=\"score-num\">{}</div><div class=\"score-of\">overall quality / 100</div><div class=\"score-band\">{word}</div></div>\n",
        score_text(overall)
    );
    dimension_bars(out, &q.dimensions);
    out.push_str("</div>\n<div class=\"tiles\">\n");
    let tile = |out: &mut String, value: String, label: &str, warn: bool| {
        w!(
            out,
            "<div class=\"tile{}\"><div class=\"tile-num\">{value}</div><div class=\"tile-label\">{label}</div></div>\n",
            if warn { " warn" } else { "" }
        );
    };
    tile(out, int(a.rows), "rows", false);
    tile(out, int(a.columns), "columns", false);
    tile(
        out,
        int(pii_cols.len() as u64),
        if pii_cols.len() == 1 {
            "column with personal data"
        } else {
            "columns with personal data"
        },
        !pii_cols.is_empty(),
    );
    tile(
        out,
        format!("{}{}", if dup.exact { "" } else { "≈" }, int(dup.rows)),
        if dup.exact {
            "duplicate rows"
        } else {
            "duplicate rows (estimate)"
        },
        dup.rows > 0,
    );
    tile(out, int(alerts as u64), "alerts", alerts > 0);
    out.push_str("</div>\n</div>\n</section>\n");
}

fn dimension_bars(out: &mut String, dims: &[Dimension]) {
    const ROW: f64 = 30.0;
    const LABEL_W: f64 = 150.0;
    const BAR_X: f64 = 160.0;
    const BAR_W: f64 = 380.0;
    let h = (dims.len().max(1) as f64) * ROW + 6.0;
    w!(
        out,
        "<svg class=\"chart dims\" viewBox=\"0 0 600 {h:.0}\" width=\"600\" height=\"{h:.0}\" role=\"img\" aria-label=\"Quality dimension scores\"><title>Quality dimension scores (0–100)</title>"
    );
    if dims.is_empty() {
        w!(
            out,
            "<text x=\"{BAR_X}\" y=\"20\" class=\"muted\">no dimensions scored</text>"
        );
    }
    for (i, d) in dims.iter().enumerate() {
        let y = i as f64 * ROW;
        let score = d.score.filter(|s| s.is_finite());
        let (cls, word) = band(score);
        w!(
            out,
            "<text x=\"{LABEL_W}\" y=\"{:.0}\" text-anchor=\"end\" class=\"lbl\">{}</text>\
             <rect x=\"{BAR_X}\" y=\"{:.0}\" width=\"{BAR_W}\" height=\"16\" rx=\"3\" class=\"track\"/>",
            y + 20.0,
            short(&pretty(&d.name), 24),
            y + 8.0
        );
        match score {
            Some(s) => {
                w!(
                    out,
                    "<rect x=\"{BAR_X}\" y=\"{:.0}\" width=\"{:.1}\" height=\"16\" rx=\"3\" class=\"f-{cls}\"><title>{}: {} / 100 ({word})</title></rect>\
                     <text x=\"{:.0}\" y=\"{:.0}\" class=\"val v-{cls}\">{}</text>",
                    y + 8.0,
                    BAR_W * frac(s / 100.0),
                    short(&pretty(&d.name), 40),
                    score_text(score),
                    BAR_X + BAR_W + 8.0,
                    y + 20.0,
                    score_text(score)
                );
            }
            None => {
                w!(
                    out,
                    "<text x=\"{:.0}\" y=\"{:.0}\" class=\"na\">not applicable<title>{}: not applicable</title></text>\
                     <text x=\"{:.0}\" y=\"{:.0}\" class=\"val na\">n/a</text>",
                    BAR_X + 8.0,
                    y + 20.0,
                    short(&pretty(&d.name), 40),
                    BAR_X + BAR_W + 8.0,
                    y + 20.0
                );
            }
        }
    }
    out.push_str("</svg>\n");
}

fn personal_data(out: &mut String, a: &Assessment) {
    out.push_str("<section id=\"personal-data\">\n<h2>Personal data found</h2>\n");
    if a.pii.is_empty() {
        out.push_str("<p class=\"empty\">No personal data was detected in the scanned values. Detection is pattern- and checksum-based; review the columns below before treating the data as anonymous.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p class=\"note\">Share: the part of the scanned values that match the kind of personal data (or, for free text, the values that contain it). \
         Confidence: how sure the detector is that the column holds this kind of data.</p>\n\
         <div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>Column</th><th>Personal data</th><th>Identifier</th><th class=\"num\">Share of values</th>\
         <th class=\"num\">Values</th><th class=\"num\">Confidence</th><th>In free text</th></tr></thead>\n<tbody>\n",
    );
    for p in a.pii.iter().take(MAX_TABLE_ROWS) {
        w!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{} ",
            short(&p.column, MAX_VALUE_CHARS),
            short(&p.label, MAX_VALUE_CHARS),
            if p.entity.is_direct_identifier() {
                "<span class=\"badge role role-identifier\">direct</span>"
            } else {
                "<span class=\"badge role role-quasi_identifier\">indirect</span>"
            },
            pct(p.share)
        );
        meter(out, p.share, "f-pii");
        w!(
            out,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            int(p.values),
            if p.in_text && p.confidence <= 0.0 {
                "—".into()
            } else {
                pct(p.confidence)
            },
            if p.in_text { "yes" } else { "no" }
        );
    }
    out.push_str("</tbody></table></div>\n");
    if a.pii.len() > MAX_TABLE_ROWS {
        w!(
            out,
            "<p class=\"note\">… and {} more rows (see assessment.json).</p>\n",
            int((a.pii.len() - MAX_TABLE_ROWS) as u64)
        );
    }
    out.push_str("</section>\n");
}

fn roles(out: &mut String, a: &Assessment) {
    out.push_str("<section id=\"roles\">\n<h2>Suggested roles</h2>\n");
    if a.roles.is_empty() {
        out.push_str("<p class=\"empty\">The table has no columns.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p class=\"note\">Suggestions for review, not decisions: <span class=\"badge role role-identifier\">identifier</span> points at a person by itself; \
         <span class=\"badge role role-quasi_identifier\">quasi-identifier</span> identifies in combination; \
         <span class=\"badge role role-sensitive\">sensitive</span> is information to protect; \
         <span class=\"badge role role-subject\">subject</span> groups the rows of one person; \
         <span class=\"badge role role-insensitive\">insensitive</span> needs no protection.</p>\n\
         <div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>Column</th><th>Role</th><th>Recognised as</th><th>Reason</th><th class=\"num\">Confidence</th></tr></thead>\n<tbody>\n",
    );
    for r in a.roles.iter().take(MAX_TABLE_ROWS) {
        let s = &r.suggestion;
        w!(
            out,
            "<tr><td><code>{}</code></td><td>",
            short(&r.column, MAX_VALUE_CHARS)
        );
        role_badge(out, &role_name(&s.role));
        w!(
            out,
            "</td><td>{}</td><td>{}</td><td class=\"num\">{} ",
            s.category.as_deref().map_or_else(
                || "<span class=\"muted\">—</span>".into(),
                |c| short(&c.replace('_', " "), 40)
            ),
            short(&s.reason, 400),
            pct(s.confidence)
        );
        meter(out, s.confidence, "f-role");
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if a.roles.len() > MAX_TABLE_ROWS {
        w!(
            out,
            "<p class=\"note\">… and {} more columns (see assessment.json).</p>\n",
            int((a.roles.len() - MAX_TABLE_ROWS) as u64)
        );
    }
    out.push_str("</section>\n");
}

fn quality(out: &mut String, a: &Assessment) {
    out.push_str("<section id=\"quality\">\n<h2>Quality</h2>\n");
    w!(
        out,
        "<p class=\"note\">Seven dimensions, each scored 0–100 from the counts below; the overall score ({}) is the mean of the dimensions that apply. Failing checks come first.</p>\n",
        score_text(Some(a.quality.overall))
    );
    if a.quality.dimensions.is_empty() {
        out.push_str("<p class=\"empty\">No dimensions were scored.</p>\n");
    }
    for d in &a.quality.dimensions {
        dimension_detail(out, d);
    }
    out.push_str("</section>\n");
}

fn dimension_detail(out: &mut String, d: &Dimension) {
    let score = d.score.filter(|s| s.is_finite());
    let (cls, _) = band(score);
    w!(
        out,
        "<div class=\"card dim\" id=\"dim-{}\"><h3><span class=\"pill b-{cls}\">{}</span> {}</h3>\n<p class=\"method\"><span class=\"muted\">Method:</span> {}</p>\n",
        class_token(&d.name),
        score_text(score),
        short(&pretty(&d.name), 60),
        short(&d.method, 400)
    );
    if d.checks.is_empty() {
        out.push_str("<p class=\"empty\">No checks apply.</p>\n</div>\n");
        return;
    }
    let mut checks: Vec<&QualityCheck> = d.checks.iter().collect();
    checks.sort_by_key(|c| (c.passed, std::cmp::Reverse(c.failing)));
    let failing = checks.iter().filter(|c| !c.passed).count();
    w!(
        out,
        "<p class=\"note\">{} of {} checks failing.</p>\n<div class=\"scroll\"><table class=\"grid checks\">\n<thead><tr><th></th><th>Check</th><th>Column</th>\
         <th class=\"num\">Failing / checked</th><th>Example rows</th><th>Detail</th></tr></thead>\n<tbody>\n",
        int(failing as u64),
        int(checks.len() as u64)
    );
    for c in checks.iter().take(MAX_CHECK_ROWS) {
        w!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{} / {} <span class=\"muted\">({})</span></td><td class=\"rows\">{}</td><td>{}</td></tr>\n",
            if c.passed { "pass" } else { "fail" },
            if c.passed {
                "<span class=\"ok\" title=\"passed\">✓</span>"
            } else {
                "<span class=\"bad\" title=\"failing\">✗</span>"
            },
            short(&pretty(&c.check), 60),
            c.column.as_deref().map_or_else(
                || "<span class=\"muted\">table</span>".into(),
                |col| format!("<code>{}</code>", short(col, 60))
            ),
            int(c.failing),
            int(c.checked),
            pct(ratio(c.failing, c.checked)),
            example_rows(&c.example_rows),
            short(&c.detail, 300)
        );
    }
    out.push_str("</tbody></table></div>\n");
    if checks.len() > MAX_CHECK_ROWS {
        let rest = &checks[MAX_CHECK_ROWS..];
        w!(
            out,
            "<p class=\"note\">… and {} more checks ({} failing), listed in assessment.json.</p>\n",
            int(rest.len() as u64),
            int(rest.iter().filter(|c| !c.passed).count() as u64)
        );
    }
    out.push_str("</div>\n");
}

fn alerts(out: &mut String, a: &Assessment) {
    let list = &a.profile.alerts;
    out.push_str("<section id=\"alerts\">\n<h2>Alerts</h2>\n");
    if list.is_empty() {
        out.push_str("<p class=\"empty\">No alerts.</p>\n</section>\n");
        return;
    }
    out.push_str("<ul class=\"alerts\">\n");
    for al in list.iter().take(MAX_ALERTS) {
        w!(
            out,
            "<li><span class=\"badge kind\">{}</span> ",
            short(&pretty(&al.kind), 40)
        );
        if let Some(c) = &al.column {
            w!(out, "<code>{}</code> ", short(c, 60));
        }
        w!(out, "{}</li>\n", short(&al.message, 300));
    }
    out.push_str("</ul>\n");
    if list.len() > MAX_ALERTS {
        w!(
            out,
            "<p class=\"note\">… and {} more alerts (see assessment.json).</p>\n",
            int((list.len() - MAX_ALERTS) as u64)
        );
    }
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------------------------------------
// Columns

fn columns(out: &mut String, a: &Assessment) {
    let cols = &a.profile.columns;
    out.push_str("<section id=\"columns\">\n<h2>Columns</h2>\n");
    if cols.is_empty() {
        out.push_str("<p class=\"empty\">The table has no columns.</p>\n</section>\n");
        return;
    }
    let roles: HashMap<&str, String> = a
        .roles
        .iter()
        .map(|r| (r.column.as_str(), role_name(&r.suggestion.role)))
        .collect();

    // Overview table with links to the cards.
    out.push_str(
        "<div class=\"scroll\"><table class=\"grid overview\">\n<thead><tr><th>#</th><th>Column</th><th>Type</th><th>Semantic type</th>\
         <th class=\"num\">Missing</th><th class=\"num\">Distinct</th><th>Personal data</th><th>Role</th></tr></thead>\n<tbody>\n",
    );
    for (i, c) in cols.iter().enumerate().take(MAX_TABLE_ROWS) {
        let name = short(&c.name, 60);
        if i < MAX_COLUMN_CARDS {
            w!(
                out,
                "<tr><td class=\"num\">{}</td><td><a href=\"#col-{i}\"><code>{name}</code></a></td>",
                i + 1
            );
        } else {
            w!(
                out,
                "<tr><td class=\"num\">{}</td><td><code>{name}</code></td>",
                i + 1
            );
        }
        w!(
            out,
            "<td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>",
            short(&c.ty, 30),
            short(&c.semantic_type, 30),
            pct(c.null_share),
            distinct_text(c),
            pii_label(c).map_or_else(
                || "<span class=\"muted\">—</span>".into(),
                |l| short(&l, 50)
            )
        );
        if let Some(r) = roles.get(c.name.as_str()) {
            role_badge(out, r);
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if cols.len() > MAX_TABLE_ROWS {
        w!(
            out,
            "<p class=\"note\">… and {} more columns (see assessment.json).</p>\n",
            int((cols.len() - MAX_TABLE_ROWS) as u64)
        );
    }
    if cols.len() > MAX_CHARTED_COLUMNS {
        w!(
            out,
            "<p class=\"note\">To keep this file small, charts are drawn for the first {MAX_CHARTED_COLUMNS} columns{}.</p>\n",
            if cols.len() > MAX_COLUMN_CARDS {
                format!(" and cards for the first {MAX_COLUMN_CARDS}")
            } else {
                String::new()
            }
        );
    }
    out.push_str("<div class=\"cards\">\n");
    for (i, c) in cols.iter().enumerate().take(MAX_COLUMN_CARDS) {
        column_card(
            out,
            i,
            c,
            roles.get(c.name.as_str()).map(String::as_str),
            i < MAX_CHARTED_COLUMNS,
        );
    }
    out.push_str("</div>\n</section>\n");
}

fn distinct_text(c: &ColumnProfile) -> String {
    if c.distinct_exact {
        int(c.distinct)
    } else {
        format!("≈{}", int(c.distinct))
    }
}

fn pii_label(c: &ColumnProfile) -> Option<String> {
    let p = c.pii.as_ref()?;
    let mut parts: Vec<&str> = Vec::new();
    if let Some(e) = p.entity {
        parts.push(e.label());
    }
    for hit in &p.in_text {
        parts.push(hit.entity.label());
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(", "))
    }
}

fn kv(out: &mut String, key: &str, value: &str) {
    w!(out, "<tr><th>{key}</th><td>{value}</td></tr>");
}

fn column_card(out: &mut String, i: usize, c: &ColumnProfile, role: Option<&str>, charts: bool) {
    let non_null = c.count.saturating_sub(c.nulls);
    w!(
        out,
        "<article class=\"card col\" id=\"col-{i}\">\n<header><h3 title=\"{}\"><code>{}</code></h3><span class=\"badge type\">{}</span><span class=\"badge sem\">{}</span>",
        short(&c.name, 200),
        short(&c.name, 60),
        short(&c.ty, 30),
        short(&c.semantic_type, 30)
    );
    if let Some(l) = pii_label(c) {
        w!(out, "<span class=\"badge piib\">{}</span>", short(&l, 60));
    }
    if let Some(r) = role {
        role_badge(out, r);
    }
    out.push_str("</header>\n<div class=\"col-body\">\n<div class=\"facts\"><table class=\"kv\">");
    kv(out, "Rows", &int(c.count));
    let mut missing = format!(
        "{} <span class=\"muted\">({})</span> ",
        int(c.nulls),
        pct(c.null_share)
    );
    meter(&mut missing, c.null_share, "f-null");
    if !c.null_example_rows.is_empty() {
        let _ = write!(
            missing,
            "<br><span class=\"muted small\">rows {}</span>",
            example_rows(&c.null_example_rows)
        );
    }
    kv(out, "Missing", &missing);
    let mut distinct = distinct_text(c);
    if !c.distinct_exact {
        distinct.push_str(" <span class=\"muted\">(estimate)</span>");
    }
    if c.unique && non_null > 0 {
        distinct.push_str(" <span class=\"muted\">all unique</span>");
    }
    kv(out, "Distinct", &distinct);
    if let Some(t) = c.boolean_true {
        kv(
            out,
            "True",
            &format!(
                "{} <span class=\"muted\">({})</span>",
                int(t),
                pct(ratio(t, non_null))
            ),
        );
    }
    if let Some(n) = &c.numeric {
        numeric_facts(out, n);
    }
    if let Some(t) = &c.temporal {
        temporal_facts(out, t);
    }
    if let Some(t) = &c.text {
        kv(
            out,
            "Length",
            &format!(
                "{} – {} <span class=\"muted\">(mean {})</span>",
                int(t.min_length),
                int(t.max_length),
                num(t.mean_length)
            ),
        );
    }
    if let Some(p) = &c.pii {
        if let Some(e) = p.entity {
            kv(
                out,
                "Personal data",
                &format!(
                    "{} <span class=\"muted\">({} of {} values checked; confidence {})</span>",
                    esc(e.label()),
                    pct(p.share),
                    int(p.scanned),
                    pct(p.confidence)
                ),
            );
        }
        if p.invalid > 0 {
            let mut v = format!(
                "{} <span class=\"muted\">fail the check digits or format</span>",
                int(p.invalid)
            );
            if !p.invalid_rows.is_empty() {
                let _ = write!(
                    v,
                    "<br><span class=\"muted small\">rows {}</span>",
                    example_rows(&p.invalid_rows)
                );
            }
            kv(out, "Invalid", &v);
        }
        if !p.in_text.is_empty() {
            let parts: Vec<String> = p
                .in_text
                .iter()
                .map(|h| {
                    format!(
                        "{} <span class=\"muted\">({} values)</span>",
                        esc(h.entity.label()),
                        int(h.values)
                    )
                })
                .collect();
            kv(out, "In free text", &parts.join("<br>"));
        }
    }
    out.push_str("</table>");
    if let Some(t) = &c.text {
        patterns(out, t);
    }
    out.push_str("</div>\n<div class=\"charts\">");
    if charts {
        if c.count == 0 {
            out.push_str("<p class=\"empty\">No rows.</p>");
        } else if non_null == 0 {
            out.push_str("<p class=\"empty\">All values are missing.</p>");
        } else {
            if let Some(n) = &c.numeric {
                histogram(out, &n.histogram);
            }
            if let Some(t) = &c.temporal {
                years(out, &t.by_year);
            }
            if c.unique && c.distinct_exact {
                out.push_str("<p class=\"note\">Every value is different, so there are no frequent values.</p>");
            } else {
                top_values(out, &c.top_values, non_null, c.top_values_exact);
            }
        }
    }
    out.push_str("</div>\n</div>\n");
    if !c.alerts.is_empty() {
        out.push_str("<ul class=\"col-alerts\">");
        for al in c.alerts.iter().take(MAX_COLUMN_ALERTS) {
            w!(out, "<li>{}</li>", short(al, 300));
        }
        if c.alerts.len() > MAX_COLUMN_ALERTS {
            w!(
                out,
                "<li>… and {} more</li>",
                c.alerts.len() - MAX_COLUMN_ALERTS
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</article>\n");
}

fn numeric_facts(out: &mut String, n: &NumericStats) {
    kv(
        out,
        "Min – max",
        &format!("{} – {}", num(n.min), num(n.max)),
    );
    kv(
        out,
        "Mean",
        &format!(
            "{} <span class=\"muted\">(std. dev. {})</span>",
            num(n.mean),
            num(n.stddev)
        ),
    );
    if let Some((_, median)) = n.quantiles.iter().find(|(q, _)| *q == 0.5) {
        kv(
            out,
            "Median",
            &format!(
                "{} <span class=\"muted\">(MAD {})</span>",
                num(*median),
                num(n.mad)
            ),
        );
    }
    if !n.quantiles.is_empty() {
        let mut q = String::from("<span class=\"quantiles\">");
        for (p, v) in n.quantiles.iter().take(12) {
            let _ = write!(q, "<span><i>p{}</i> {}</span>", num(p * 100.0), num(*v));
        }
        q.push_str("</span>");
        if !n.quantiles_exact {
            q.push_str(" <span class=\"muted\">(estimated)</span>");
        }
        kv(out, "Percentiles", &q);
    }
    kv(out, "Skewness", &fixed2(n.skewness));
    kv(
        out,
        "Zeros / negatives",
        &format!("{} / {}", int(n.zeros), int(n.negatives)),
    );
}

fn temporal_facts(out: &mut String, t: &TemporalStats) {
    kv(
        out,
        "Earliest – latest",
        &format!("{} – {}", short(&t.min, 40), short(&t.max, 40)),
    );
    if t.future > 0 {
        kv(
            out,
            "In the future",
            &format!("<span class=\"bad\">{}</span>", int(t.future)),
        );
    }
}

fn patterns(out: &mut String, t: &TextStats) {
    if t.patterns.is_empty() {
        return;
    }
    let total: u64 = t.patterns.iter().map(|p| p.count).sum();
    w!(
        out,
        "<table class=\"mini\"><caption>Value shapes{} <span class=\"muted\">(9 digit, A upper, a lower)</span></caption>",
        if t.patterns_exact {
            ""
        } else {
            " (approximate)"
        }
    );
    for p in t.patterns.iter().take(MAX_PATTERNS) {
        w!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td class=\"num muted\">{}</td></tr>",
            value_html(&p.value, 40),
            int(p.count),
            pct(ratio(p.count, total))
        );
    }
    if t.patterns.len() > MAX_PATTERNS {
        w!(
            out,
            "<tr><td colspan=\"3\" class=\"muted\">… {} more shapes</td></tr>",
            t.patterns.len() - MAX_PATTERNS
        );
    }
    out.push_str("</table>");
}

fn top_values(out: &mut String, values: &[TopValue], non_null: u64, exact: bool) {
    let shown: Vec<&TopValue> = values.iter().take(MAX_TOP_VALUES).collect();
    if shown.is_empty() {
        return;
    }
    const ROW: f64 = 18.0;
    const LABEL_X: f64 = 196.0;
    const BAR_X: f64 = 202.0;
    const BAR_W: f64 = 160.0;
    let max = shown.iter().map(|t| t.count).max().unwrap_or(0).max(1);
    let h = shown.len() as f64 * ROW + 4.0;
    w!(
        out,
        "<figure><figcaption>Most frequent values{}</figcaption><svg class=\"chart\" viewBox=\"0 0 460 {h:.0}\" width=\"460\" height=\"{h:.0}\" role=\"img\" aria-label=\"Most frequent values\">",
        if exact { "" } else { " (approximate counts)" }
    );
    for (i, t) in shown.iter().enumerate() {
        let y = i as f64 * ROW;
        let width = BAR_W * t.count as f64 / max as f64;
        w!(
            out,
            "<text x=\"{LABEL_X}\" y=\"{:.0}\" text-anchor=\"end\" class=\"lbl sm\">{}<title>{}</title></text>\
             <rect x=\"{BAR_X}\" y=\"{:.0}\" width=\"{width:.1}\" height=\"12\" rx=\"2\" class=\"bar\"/>\
             <text x=\"{:.1}\" y=\"{:.0}\" class=\"cnt\">{} · {}</text>",
            y + 13.0,
            value_text(&t.value, MAX_CHART_LABEL_CHARS),
            value_text(&t.value, MAX_VALUE_CHARS),
            y + 3.0,
            BAR_X + width + 4.0,
            y + 13.0,
            int(t.count),
            pct(ratio(t.count, non_null))
        );
    }
    out.push_str("</svg></figure>");
}

/// Vertical bar chart shared by histograms and years: (label for the tooltip, count) per bar,
/// with axis labels under the first, middle and last bar.
fn bar_chart(out: &mut String, caption: &str, bars: &[(String, u64)], axis: [String; 3]) {
    if bars.is_empty() || bars.iter().all(|b| b.1 == 0) {
        return;
    }
    const W: f64 = 460.0;
    const X0: f64 = 8.0;
    const PLOT_W: f64 = 444.0;
    const TOP: f64 = 16.0;
    const PLOT_H: f64 = 100.0;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let step = PLOT_W / bars.len() as f64;
    let gap = if step > 4.0 { 1.0 } else { 0.0 };
    w!(
        out,
        "<figure><figcaption>{caption}</figcaption><svg class=\"chart\" viewBox=\"0 0 {W} 140\" width=\"{W}\" height=\"140\" role=\"img\" aria-label=\"{caption}\">\
         <text x=\"{X0}\" y=\"10\" class=\"axis\">max {}</text><line x1=\"{X0}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" class=\"base\"/>",
        int(max),
        TOP + PLOT_H + 0.5,
        X0 + PLOT_W,
        TOP + PLOT_H + 0.5
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let h = PLOT_H * *count as f64 / max as f64;
        // Non-zero counts stay visible however small.
        let h = if *count > 0 { h.max(1.0) } else { 0.0 };
        w!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" class=\"bar\"><title>{label}: {}</title></rect>",
            X0 + i as f64 * step,
            TOP + PLOT_H - h,
            (step - gap).max(0.5),
            int(*count)
        );
    }
    let y = TOP + PLOT_H + 16.0;
    w!(
        out,
        "<text x=\"{X0}\" y=\"{y:.0}\" class=\"axis\">{}</text><text x=\"{:.0}\" y=\"{y:.0}\" text-anchor=\"middle\" class=\"axis\">{}</text>\
         <text x=\"{:.0}\" y=\"{y:.0}\" text-anchor=\"end\" class=\"axis\">{}</text></svg></figure>",
        axis[0],
        X0 + PLOT_W / 2.0,
        axis[1],
        X0 + PLOT_W,
        axis[2]
    );
}

fn histogram(out: &mut String, bins: &[Bin]) {
    if bins.is_empty() {
        return;
    }
    // Merge neighbouring bins so that at most MAX_HISTOGRAM_BARS are drawn.
    let per = bins.len().div_ceil(MAX_HISTOGRAM_BARS);
    let merged: Vec<(f64, f64, u64)> = bins
        .chunks(per)
        .map(|c| {
            (
                c[0].low,
                c[c.len() - 1].high,
                c.iter().map(|b| b.count).sum(),
            )
        })
        .collect();
    let bars: Vec<(String, u64)> = merged
        .iter()
        .map(|(lo, hi, n)| (format!("{} – {}", num(*lo), num(*hi)), *n))
        .collect();
    let first = merged[0].0;
    let last = merged[merged.len() - 1].1;
    let mid = if first.is_finite() && last.is_finite() {
        num(first + (last - first) / 2.0)
    } else {
        String::new()
    };
    bar_chart(out, "Distribution", &bars, [num(first), mid, num(last)]);
}

fn years(out: &mut String, by_year: &[(i32, u64)]) {
    let (Some(min), Some(max)) = (
        by_year.iter().map(|y| y.0).min(),
        by_year.iter().map(|y| y.0).max(),
    ) else {
        return;
    };
    let span = (i64::from(max) - i64::from(min) + 1) as usize;
    let per = span.div_ceil(MAX_YEAR_BARS).max(1);
    let buckets = span.div_ceil(per);
    let mut counts = vec![0u64; buckets];
    for &(y, n) in by_year {
        let k = ((i64::from(y) - i64::from(min)) as usize) / per;
        if let Some(c) = counts.get_mut(k) {
            *c += n;
        }
    }
    let bars: Vec<(String, u64)> = counts
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let start = i64::from(min) + (k * per) as i64;
            let end = (start + per as i64 - 1).min(i64::from(max));
            (
                if per == 1 {
                    start.to_string()
                } else {
                    format!("{start}–{end}")
                },
                *n,
            )
        })
        .collect();
    let caption = if per == 1 {
        "Rows per year".to_string()
    } else {
        format!("Rows per {per} years")
    };
    let mid = i64::from(min) + (span as i64) / 2;
    let axis = if span >= 3 {
        [min.to_string(), mid.to_string(), max.to_string()]
    } else {
        [
            min.to_string(),
            String::new(),
            if max != min {
                max.to_string()
            } else {
                String::new()
            },
        ]
    };
    bar_chart(out, &caption, &bars, axis);
}

// ---------------------------------------------------------------------------------------------
// Associations

fn associations(out: &mut String, a: &Assessment) {
    let assoc = &a.profile.associations;
    out.push_str("<section id=\"associations\">\n<h2>Associations</h2>\n");
    if assoc.is_empty() {
        out.push_str("<p class=\"empty\">No associations between columns were computed (they need at least two columns with values to compare).</p>\n</section>\n");
        return;
    }
    w!(
        out,
        "<p class=\"note\">Strength of the relation between pairs of columns, 0 (none) to 1 (one determines the other): Pearson or Spearman correlation for numbers, \
         Cramér's V for categories, computed on a sample of {} rows. Strongly associated columns can reveal each other — relevant when one of them is removed or masked.</p>\n",
        int(a.profile.association_sample_rows)
    );
    heatmap(out, a, assoc);

    let mut strongest: Vec<&Association> = assoc.iter().collect();
    strongest.sort_by(|x, y| strength(y).total_cmp(&strength(x)));
    out.push_str(
        "<h3>Strongest associations</h3>\n<div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>Column</th><th>Column</th><th>Method</th>\
         <th class=\"num\">Value</th><th>Strength</th></tr></thead>\n<tbody>\n",
    );
    for s in strongest.iter().take(MAX_STRONGEST_ASSOCIATIONS) {
        w!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>",
            short(&s.a, 60),
            short(&s.b, 60),
            method_label(&s.method),
            assoc_value(s)
        );
        meter(out, strength(s), "f-assoc");
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// |value| for ranking and colour; NaN ranks last.
fn strength(s: &Association) -> f64 {
    if s.value.is_finite() {
        s.value.abs().min(1.0)
    } else {
        -1.0
    }
}

/// The value as reported: signed for correlations, plain for Cramér's V (never negative).
fn assoc_value(s: &Association) -> String {
    if !s.value.is_finite() {
        num(s.value)
    } else if matches!(s.method.as_str(), "pearson" | "spearman") {
        format!("{:+.3}", s.value).replace('-', "−")
    } else {
        format!("{:.3}", s.value)
    }
}

fn method_label(m: &str) -> String {
    match m {
        "pearson" => "Pearson".into(),
        "spearman" => "Spearman".into(),
        "cramers_v" => "Cramér's V".into(),
        other => short(other, 30),
    }
}

/// Sequential colour for a strength in [0, 1]: pale grey-blue to dark blue.
fn heat_colour(t: f64) -> String {
    let t = frac(t);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        lerp(240.0, 8.0),
        lerp(244.0, 48.0),
        lerp(250.0, 107.0)
    )
}

fn heatmap(out: &mut String, a: &Assessment, assoc: &[Association]) {
    // Columns involved, in table order, capped to the ones with the strongest associations.
    let order: HashMap<&str, usize> = a
        .profile
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let mut best: HashMap<&str, f64> = HashMap::new();
    for s in assoc {
        for n in [s.a.as_str(), s.b.as_str()] {
            let e = best.entry(n).or_insert(-1.0);
            *e = e.max(strength(s));
        }
    }
    let mut names: Vec<&str> = best.keys().copied().collect();
    let total = names.len();
    if names.len() > MAX_HEATMAP_COLUMNS {
        names.sort_by(|x, y| best[y].total_cmp(&best[x]).then_with(|| x.cmp(y)));
        names.truncate(MAX_HEATMAP_COLUMNS);
    }
    names.sort_by_key(|n| (order.get(n).copied().unwrap_or(usize::MAX), *n));
    let n = names.len();
    if n < 2 {
        return;
    }
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut cells: HashMap<(usize, usize), &Association> = HashMap::new();
    for s in assoc {
        if let (Some(&i), Some(&j)) = (index.get(s.a.as_str()), index.get(s.b.as_str()))
            && i != j
        {
            cells.insert((i.max(j), i.min(j)), s);
        }
    }

    // Lower triangle without the diagonal: rows are names[1..], columns names[..n - 1].
    let m = n - 1;
    let cell = (560.0 / m as f64).floor().clamp(10.0, 44.0);
    let left = 150.0;
    let top = 10.0;
    let grid = cell * m as f64;
    let bottom = 110.0;
    let legend_x = left + grid + 24.0;
    let width = legend_x + 70.0;
    let height = top + grid.max(80.0) + bottom;
    let numbers = cell >= 34.0;
    if total > n {
        w!(
            out,
            "<p class=\"note\">The heatmap shows the {n} of {total} columns with the strongest associations.</p>\n"
        );
    }
    w!(
        out,
        "<figure class=\"heat\"><svg class=\"chart\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Association heatmap\">\
         <title>Association strength between pairs of columns</title>\
         <defs><linearGradient id=\"assoc-grad\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\"><stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>",
        heat_colour(0.0),
        heat_colour(1.0)
    );
    for (i, name) in names.iter().enumerate().skip(1) {
        let y = top + (i - 1) as f64 * cell;
        w!(
            out,
            "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" class=\"lbl sm\">{}<title>{}</title></text>",
            left - 6.0,
            y + cell / 2.0 + 4.0,
            short(name, 22),
            short(name, MAX_VALUE_CHARS)
        );
        for (j, other) in names.iter().enumerate().take(i) {
            let x = left + j as f64 * cell;
            match cells.get(&(i, j)) {
                Some(s) => {
                    let t = strength(s);
                    w!(
                        out,
                        "<rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{cell:.0}\" height=\"{cell:.0}\" fill=\"{}\" class=\"hc\"><title>{} × {}: {} {}</title></rect>",
                        heat_colour(t),
                        short(&s.a, 40),
                        short(&s.b, 40),
                        method_label(&s.method),
                        assoc_value(s)
                    );
                    if numbers && s.value.is_finite() {
                        w!(
                            out,
                            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"cellv{}\">{:.2}</text>",
                            x + cell / 2.0,
                            y + cell / 2.0 + 4.0,
                            if t > 0.5 { " inv" } else { "" },
                            s.value.abs().min(1.0)
                        );
                    }
                }
                None => w!(
                    out,
                    "<rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{cell:.0}\" height=\"{cell:.0}\" class=\"nd\"><title>{} × {}: not computed</title></rect>",
                    short(name, 40),
                    short(other, 40)
                ),
            }
        }
    }
    // Column labels under the grid, slanted.
    for (j, name) in names.iter().enumerate().take(m) {
        let x = left + j as f64 * cell + cell / 2.0 + 3.0;
        let y = top + grid + 8.0;
        w!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.0}\" text-anchor=\"end\" transform=\"rotate(-60 {x:.1} {y:.0})\" class=\"lbl sm\">{}<title>{}</title></text>",
            short(name, 18),
            short(name, MAX_VALUE_CHARS)
        );
    }
    // Legend.
    let lh = grid.clamp(60.0, 160.0);
    w!(
        out,
        "<rect x=\"{legend_x:.0}\" y=\"{top:.0}\" width=\"12\" height=\"{lh:.0}\" fill=\"url(#assoc-grad)\" class=\"lg\"/>\
         <text x=\"{:.0}\" y=\"{:.0}\" class=\"axis\">1</text><text x=\"{:.0}\" y=\"{:.0}\" class=\"axis\">0</text>\
         <text x=\"{:.0}\" y=\"{:.0}\" class=\"axis\">|value|</text></svg></figure>\n",
        legend_x + 16.0,
        top + 9.0,
        legend_x + 16.0,
        top + lh,
        legend_x,
        top + lh + 16.0
    );
}

// ---------------------------------------------------------------------------------------------

fn footer(out: &mut String, a: &Assessment) {
    w!(
        out,
        "<footer class=\"page\"><p><b>How the scores are computed.</b> Each of the seven quality dimensions is scored from 0 to 100 from counts shown in this report \
         (the method is printed with each dimension); the overall score is the mean of the dimensions that apply. Personal data is detected from value patterns, \
         check digits and column names; roles are suggestions for a person to confirm. The full rules are in the datalab documentation (see docs/assessment.md).</p>\
         <p>Assessment schema version {} · generated {} by {} · this file is self-contained: it runs no scripts and loads nothing from the network.</p></footer>\n",
        a.schema_version,
        short(&a.generated_at, 40),
        short(&a.tool, 60)
    );
}

const CSS: &str = r#"
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0b4f8a;
--good:#1a7f37;--fair:#9a6700;--poor:#c4511a;--bad:#cf222e;--na:#818b98}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#fff;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main,header.page,footer.page,nav.toc{max-width:1120px;margin:0 auto;padding:0 24px}
header.page{padding-top:28px;padding-bottom:8px;border-bottom:3px solid var(--accent)}
.eyebrow{margin:0;color:var(--accent);font-weight:600;letter-spacing:.08em;text-transform:uppercase;font-size:12px}
h1{margin:2px 0 10px;font-size:28px;line-height:1.2;overflow-wrap:anywhere}
h2{margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line);font-size:20px}
h3{margin:0 0 8px;font-size:16px}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0}
.meta div{display:flex;gap:6px}.meta dt{color:var(--muted)}.meta dd{margin:0;font-weight:500}
nav.toc{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:10px;padding-bottom:10px;font-size:13px}
nav.toc a{color:var(--accent);text-decoration:none}nav.toc a:hover{text-decoration:underline}
a{color:var(--accent)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
code{overflow-wrap:break-word}
.muted{color:var(--muted)}.small{font-size:12px}
.note{color:var(--muted);font-size:13px;margin:6px 0 10px}
.empty{color:var(--muted);font-style:italic}
.card{border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 14px;background:#fff}
.verdict{font-size:16px;margin:0 0 14px}
.summary-grid{display:flex;flex-wrap:wrap;gap:24px;align-items:center}
.score{width:170px;text-align:center;border-radius:10px;padding:14px 10px;color:#fff}
.score-num{font-size:52px;font-weight:700;line-height:1}.score-of{font-size:12px;opacity:.9;margin-top:4px}
.score-band{margin-top:6px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;font-size:13px}
.b-good{background:var(--good)}.b-fair{background:var(--fair)}.b-poor{background:var(--poor)}.b-bad{background:var(--bad)}.b-na{background:var(--na)}
.t-good{color:var(--good)}.t-fair{color:var(--fair)}.t-poor{color:var(--poor)}.t-bad{color:var(--bad)}.t-na{color:var(--na)}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.tile{flex:1 1 150px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--soft)}
.tile-num{font-size:24px;font-weight:700}.tile-label{color:var(--muted);font-size:13px}
.tile.warn{border-color:#e7b8a4;background:#fff6f1}.tile.warn .tile-num{color:var(--poor)}
svg.chart{max-width:100%;height:auto;display:block;font-family:inherit}
svg .lbl{font-size:12px;fill:var(--ink)}svg .sm{font-size:11px}svg .val{font-size:12px;font-weight:600;fill:var(--ink)}
svg .cnt,svg .axis{font-size:11px;fill:var(--muted)}svg .na{font-size:12px;fill:var(--na);font-style:italic}
svg .track{fill:#eaeef2}svg .bar{fill:#3b6ea8}svg .bar:hover,svg .hc:hover{opacity:.8}
svg .base{stroke:#afb8c1;stroke-width:1}svg .hc{stroke:#fff;stroke-width:1}svg .cellv{font-size:10px;fill:var(--ink)}svg .cellv.inv{fill:#fff}svg .nd{fill:#fff;stroke:#eaeef2}svg .lg{stroke:#d1d9e0}
svg .v-good{fill:var(--good)}svg .v-fair{fill:var(--fair)}svg .v-poor{fill:var(--poor)}svg .v-bad{fill:var(--bad)}svg .f-good{fill:var(--good)}svg .f-fair{fill:var(--fair)}svg .f-poor{fill:var(--poor)}svg .f-bad{fill:var(--bad)}svg .f-na{fill:var(--na)}
svg.meter{display:inline-block;vertical-align:middle;margin-left:6px}
svg .f-null{fill:#8c959f}svg .f-pii{fill:#b35900}svg .f-role{fill:#3b6ea8}svg .f-assoc{fill:#0b3d7a}
table{border-collapse:collapse}
.scroll{overflow-x:auto}
table.grid{width:100%;font-size:13px}
table.grid th,table.grid td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:baseline}
table.grid thead th{background:var(--soft);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
table.grid tbody tr:nth-child(even){background:#fbfcfd}
th.num,td.num{text-align:right;white-space:nowrap}
td.rows{font-size:12px;color:var(--muted);max-width:180px}
tr.pass td{color:var(--muted)}
.ok{color:var(--good);font-weight:700}.bad{color:var(--bad);font-weight:700}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:500;line-height:18px;border:1px solid var(--line);background:var(--soft);white-space:nowrap;margin-right:4px}
.role-identifier{background:#ffebe9;border-color:#ffb3ad;color:#a40e26}
.role-quasi_identifier{background:#fff1e0;border-color:#f5c48a;color:#8a4600}
.role-sensitive{background:#f5eefe;border-color:#d2b8f5;color:#6e40c9}
.role-subject{background:#ddf4ff;border-color:#9cd2f5;color:#0a4f8a}
.role-insensitive{background:#eef6ee;border-color:#b6dcbc;color:#1a6b30}
.badge.type{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.badge.piib{background:#fff1e0;border-color:#f5c48a;color:#8a4600}
.badge.kind{background:#fff8c5;border-color:#e9d67a;color:#6b5200}
.pill{display:inline-block;min-width:46px;text-align:center;color:#fff;border-radius:6px;padding:0 8px;font-size:14px;margin-right:6px}
.method{margin:0 0 6px;font-size:13px}
ul.alerts{list-style:none;padding:0;margin:0}
ul.alerts li{padding:6px 0;border-bottom:1px solid var(--line)}
.cards{margin-top:18px}
.col header{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-bottom:10px}
.col header h3{margin:0 8px 0 0;font-size:15px}.col header h3 code{font-size:15px}
.col-body{display:grid;grid-template-columns:minmax(280px,1fr) minmax(300px,460px);gap:18px;align-items:start}
table.kv{font-size:13px;width:100%}
table.kv th{width:130px;color:var(--muted);font-weight:500;text-align:left;padding:3px 12px 3px 0;white-space:nowrap;vertical-align:top}
table.kv td{padding:3px 0;overflow-wrap:anywhere}
.quantiles{display:inline-flex;flex-wrap:wrap;gap:2px 10px}.quantiles i{color:var(--muted);font-style:normal;font-size:11px}
table.mini{margin-top:10px;font-size:12.5px;min-width:75%}
table.mini caption{text-align:left;font-weight:600;font-size:12.5px;padding-bottom:2px}
table.mini td{padding:2px 8px 2px 0;border-bottom:1px solid #eef1f4}
figure{margin:0 0 12px}figcaption{font-size:12.5px;font-weight:600;margin-bottom:2px}
ul.col-alerts{margin:8px 0 0;padding:8px 12px 8px 28px;background:#fff8c5;border-radius:6px;font-size:13px}
figure.heat{overflow-x:auto}
footer.page{margin-top:40px;padding-top:14px;padding-bottom:40px;border-top:1px solid var(--line);color:var(--muted);font-size:12.5px}
@media (max-width:760px){.col-body{grid-template-columns:1fr}}
@page{margin:14mm}
@media print{
body{font-size:11.5px}nav.toc{display:none}
main,header.page,footer.page{max-width:none;padding:0}
h2{break-after:avoid}h3{break-after:avoid}
.card,.tile,figure,tr{break-inside:avoid}
thead{display:table-header-group}
.scroll,figure.heat{overflow:visible}
table.grid{font-size:10.5px}table.grid th,table.grid td{padding:4px 5px}table.grid thead th{white-space:normal}
table.grid svg.meter{display:none}code,.mono{font-size:10px}.badge{font-size:10px;line-height:15px;padding:0 6px}
a{color:inherit;text-decoration:none}
}
"#;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    };
    use arrow_schema::{DataType, Field, Schema, SchemaRef};
    use datalab_data::DataError;

    use super::*;
    use crate::assess::{BatchStream, SourceInfo, assess};
    use crate::profile::ProfileOptions;

    fn source(name: &str) -> SourceInfo {
        SourceInfo {
            kind: "file".into(),
            name: name.into(),
            version: None,
            container_id: None,
            sha256: Some("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into()),
        }
    }

    fn run(schema: SchemaRef, batches: Vec<RecordBatch>) -> Assessment {
        let open = move |_: Option<&[String]>| -> Result<(SchemaRef, BatchStream), DataError> {
            Ok((
                schema.clone(),
                Box::new(batches.clone().into_iter().map(Ok)),
            ))
        };
        assess(
            &open,
            source("test <data> & \"more\".csv"),
            None,
            ProfileOptions::default(),
        )
        .expect("assess")
    }

    fn tricky() -> Assessment {
        let n = 60usize;
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("email", DataType::Utf8, true),
            Field::new("amount", DataType::Float64, true),
            Field::new("visit", DataType::Date32, true),
            Field::new("flag", DataType::Boolean, true),
            Field::new("<b>bold</b> & col", DataType::Utf8, true),
            Field::new("empty", DataType::Utf8, true),
        ]));
        let long = "x".repeat(500);
        let names: Vec<Option<String>> = (0..n)
            .map(|i| match i % 7 {
                0 => Some("<script>alert(1)</script>".to_string()),
                1 => Some("Tom & Jerry".to_string()),
                2 => Some("quote \" and ' here".to_string()),
                3 => Some("bell\u{7}char\u{202e}evil".to_string()),
                4 => Some(long.clone()),
                5 => None,
                _ => Some(String::new()),
            })
            .collect();
        let amounts: Vec<Option<f64>> = (0..n)
            .map(|i| match i {
                0 => Some(f64::NAN),
                1 => Some(f64::INFINITY),
                2 => Some(f64::NEG_INFINITY),
                3 => None,
                _ => Some(i as f64 * 1.5 - 10.0),
            })
            .collect();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("person{i}@example.com")),
            )),
            Arc::new(Float64Array::from(amounts)),
            Arc::new(Date32Array::from_iter_values(
                (0..n as i32).map(|i| 10_000 + i * 97),
            )),
            Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 3 == 0)))),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("v{}", i % 4)),
            )),
            Arc::new(StringArray::from(vec![None::<&str>; n])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).expect("batch");
        run(schema, vec![batch.clone(), batch])
    }

    fn check_document(html: &str) {
        assert!(html.starts_with("<!DOCTYPE html>"), "doctype");
        assert!(html.trim_end().ends_with("</html>"));
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "no script tags");
        assert!(
            !lower.contains("http://") && !lower.contains("https://"),
            "no external URLs"
        );
        assert!(
            !lower.contains("url(http")
                && !lower.contains("@import")
                && !lower.contains("<img")
                && !lower.contains("<link")
        );
        assert_eq!(
            html.matches("<svg").count(),
            html.matches("</svg>").count(),
            "balanced svg"
        );
        for heading in [
            "<h2>Summary</h2>",
            "<h2>Personal data found</h2>",
            "<h2>Suggested roles</h2>",
            "<h2>Quality</h2>",
            "<h2>Alerts</h2>",
            "<h2>Columns</h2>",
            "<h2>Associations</h2>",
        ] {
            assert!(html.contains(heading), "missing {heading}");
        }
        assert!(html.contains("docs/assessment.md"));
        // No raw control characters anywhere.
        assert!(
            !html.chars().any(|c| c.is_control() && c != '\n'),
            "raw control character"
        );
    }

    #[test]
    fn renders_tricky_values_safely() {
        let a = tricky();
        let html = render(&a);
        check_document(&html);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Tom &amp; Jerry"));
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; col"));
        assert!(!html.contains("<b>bold</b>"));
        assert!(html.contains("quote &quot; and &#39; here"));
        assert!(
            html.contains("bell\u{2407}char\u{fffd}evil"),
            "control and bidi characters neutralised"
        );
        assert!(html.contains(&format!("{}…", "x".repeat(MAX_VALUE_CHARS - 1))));
        assert!(
            !html.contains(&"x".repeat(MAX_VALUE_CHARS + 1)),
            "long values truncated"
        );
        assert!(html.contains("<svg"));
        assert!(html.contains("test &lt;data&gt; &amp; &quot;more&quot;.csv"));
        assert!(html.contains("0123456789ab…"));
        assert!(html.contains("All values are missing."));
        assert!(html.contains("email address"), "personal data listed");
    }

    #[test]
    fn survives_non_finite_numbers_and_odd_reports() {
        let mut a = tricky();
        a.quality.overall = f64::NAN;
        if let Some(d) = a.quality.dimensions.first_mut() {
            d.score = Some(f64::INFINITY);
        }
        a.profile.associations.push(Association {
            a: "id".into(),
            b: "amount".into(),
            method: "pearson".into(),
            value: f64::NAN,
        });
        a.profile.associations.push(Association {
            a: "x".into(),
            b: "x".into(),
            method: "weird<>".into(),
            value: -2.0,
        });
        for c in &mut a.profile.columns {
            c.null_share = f64::NAN;
            if let Some(n) = &mut c.numeric {
                n.histogram.push(Bin {
                    low: f64::NEG_INFINITY,
                    high: f64::NAN,
                    count: u64::MAX / 4,
                });
                n.quantiles.push((0.5, f64::NAN));
                n.mean = f64::INFINITY;
            }
            if let Some(t) = &mut c.temporal {
                t.by_year = vec![(i32::MIN, 1), (i32::MAX, 2)];
            }
        }
        let html = render(&a);
        check_document(&html);
        assert!(html.contains("n/a"));
    }

    #[test]
    fn renders_empty_tables() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Utf8, true),
            Field::new("d", DataType::Date32, true),
        ]));
        let a = run(schema.clone(), Vec::new());
        let html = render(&a);
        check_document(&html);
        assert!(html.contains("No rows."));

        let empty = RecordBatch::new_empty(schema.clone());
        check_document(&render(&run(schema, vec![empty])));

        // No columns at all.
        let mut a = a;
        a.columns = 0;
        a.profile.columns.clear();
        a.roles.clear();
        a.pii.clear();
        a.profile.associations.clear();
        a.profile.alerts.clear();
        a.quality.dimensions.clear();
        let html = render(&a);
        check_document(&html);
        assert!(html.contains("The table has no columns."));
    }

    /// 120 columns: numbers (some trending with the row number, so they correlate) and text.
    fn wide() -> Assessment {
        let cols = 120usize;
        let rows = 300usize;
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for c in 0..cols {
            if c % 2 == 0 {
                fields.push(Field::new(format!("measure_{c}"), DataType::Float64, true));
                arrays.push(Arc::new(Float64Array::from_iter_values((0..rows).map(
                    |r| ((r * (c + 3)) % 97) as f64 * 0.37 + r as f64 * (c % 5) as f64,
                ))));
            } else {
                fields.push(Field::new(format!("category_{c}"), DataType::Utf8, true));
                arrays.push(Arc::new(StringArray::from_iter_values((0..rows).map(
                    |r| format!("value number {} with some longer text", (r / 8 + c) % 40),
                ))));
            }
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays).expect("batch");
        run(schema, vec![batch])
    }

    #[test]
    fn wide_tables_stay_small() {
        let html = render(&wide());
        check_document(&html);
        assert!(html.len() < 1_500_000, "report is {} bytes", html.len());
    }

    #[test]
    fn helpers_format_edge_cases() {
        assert_eq!(int(0), "0");
        assert_eq!(int(1234567), "1,234,567");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(-1234.5), "−1,234.5");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(1e15), "1.000e15");
        assert_eq!(pct(f64::NAN), "—");
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abcd", 4), "abcd");
        assert_eq!(short("åäöü€", 3), "åä…");
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            class_token("quasi_identifier\" onload=x"),
            "quasi_identifieronloadx"
        );
        assert_eq!(score_text(None), "n/a");
        assert_eq!(score_text(Some(100.0)), "100");
        assert_eq!(score_text(Some(99.96)), "99.9");
        assert_eq!(score_text(Some(76.1)), "76.1");
    }

    /// Writes a sample report from the demo patients table to /tmp/assessment-sample.html.
    #[test]
    #[ignore]
    fn sample_report() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("patients.csv");
        let file = std::fs::File::create(&path).expect("create");
        datalab_data::demo::write_patients_csv(std::io::BufWriter::new(file), 5_000, 20261129)
            .expect("demo");
        let opts = datalab_data::read::ReadOptions::default();
        let reader = datalab_data::read::open_table(&path, &opts).expect("open");
        let (schema, batches) = reader.read_all().expect("read");
        let sha = {
            let reader = datalab_data::read::open_table(&path, &opts).expect("open");
            let mut reader = reader;
            while reader.next_batch().expect("batch").is_some() {}
            reader.finish().expect("finish").0.sha256
        };
        let open = move |_: Option<&[String]>| -> Result<(SchemaRef, BatchStream), DataError> {
            Ok((
                schema.clone(),
                Box::new(batches.clone().into_iter().map(Ok)),
            ))
        };
        let src = SourceInfo {
            kind: "file".into(),
            name: "patients.csv".into(),
            version: None,
            container_id: None,
            sha256: Some(sha),
        };
        let a = assess(&open, src, None, ProfileOptions::default()).expect("assess");
        let html = render(&a);
        check_document(&html);
        std::fs::write("/tmp/assessment-sample.html", &html).expect("write");
        eprintln!("wrote /tmp/assessment-sample.html ({} bytes)", html.len());
        std::fs::write("/tmp/assessment-tricky.html", render(&tricky())).expect("write");
        let wide = render(&wide());
        eprintln!("wide table: {} bytes", wide.len());
        std::fs::write("/tmp/assessment-wide.html", wide).expect("write");
    }
}
