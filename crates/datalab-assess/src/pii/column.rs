//! Column-level detection: the majority of a column and its name decide what it holds.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::entity::{Entity, EntitySet};
use super::names::{NameHint, name_hint};
use super::text::find_spans;
use super::value::analyze;

/// Distinct (match, shape) combinations tracked per column; real columns have a few dozen.
const MAX_COMBOS: usize = 4096;
/// Example rows kept per list.
const MAX_EXAMPLES: usize = 10;
/// Spans in free text count from this confidence on.
pub const TEXT_HIT_CONFIDENCE: f64 = 0.5;
/// Share of scanned values a kind must reach for the column to be that kind…
const MAJORITY: f64 = 0.5;
/// …or this share when the column name says so.
const NAMED_MAJORITY: f64 = 0.3;
/// A kind recognised only by shape or context (bare phone digits, name shape) needs this
/// share without a supporting column name.
const SHAPE_MAJORITY: f64 = 0.8;
/// Within a column of national IDs, a further scheme is listed when it explains this share
/// of the column's matches (the demo's national_id mixes seven countries' numbers).
const MIX_SHARE: f64 = 0.01;

/// What a column holds, as far as personal data goes.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnPii {
    /// The column IS this entity (most values match), else `None`. For a column that mixes
    /// national ID schemes (one per country), the scheme with most values; see `entities`.
    pub entity: Option<Entity>,
    /// Share of scanned non-null values matching `entity` (for a mix: any of `entities`).
    pub share: f64,
    pub confidence: f64,
    /// Non-empty values seen.
    pub scanned: u64,
    /// Values shaped like `entity` (or a scheme of `entities`) but with wrong check digits
    /// or an impossible date: a quality defect.
    pub invalid: u64,
    /// First ≤ 10 rows with an invalid value.
    pub invalid_rows: Vec<u64>,
    /// Matching values that count only because of this column: CPR numbers failing the
    /// modulus-11 test (issued since 2007 when a date ran out), numbers that lost a leading
    /// zero, bare phone digits, dates in a birth-date column, name shapes in a name column.
    pub weak: u64,
    /// Every scheme found when the column is a national-ID column (or IPv4 and IPv6), most
    /// values first; `[entity]` otherwise; empty when `entity` is `None`.
    pub entities: Vec<EntityCount>,
    /// Whether the column name agreed with `entity`.
    pub name_hint: bool,
    /// Entities found inside free text (for text columns that are not themselves one entity):
    pub in_text: Vec<TextHits>,
}

/// How many values of a column matched one entity.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EntityCount {
    pub entity: Entity,
    pub values: u64,
}

/// Where free text in a column mentions one kind of entity.
#[derive(Clone, Debug, Serialize)]
pub struct TextHits {
    pub entity: Entity,
    /// Values with at least one span of this entity.
    pub values: u64,
    /// First ≤ 10 such rows.
    pub example_rows: Vec<u64>,
    /// First ≤ 10 spans: (row, start byte, end byte) within the value as given.
    pub example_spans: Vec<(u64, usize, usize)>,
}

#[derive(Default)]
struct Combo {
    count: u64,
    rows: Vec<u64>,
}

/// (matched, strong, shaped) sets of one value.
type Key = (EntitySet, EntitySet, EntitySet);

/// Column-level scanner: bounded memory, fed every non-null value of one column in row order.
pub struct ColumnScanner {
    hint: Option<NameHint>,
    scanned: u64,
    combos: FxHashMap<Key, Combo>,
    /// Values whose combination did not fit in [`MAX_COMBOS`] (treated as unmatched).
    overflow: u64,
    /// Per entity: values matched and the sum of their confidences.
    matched: [u64; Entity::ALL.len()],
    confidence_sum: [f64; Entity::ALL.len()],
    text: FxHashMap<Entity, TextHits>,
}

impl ColumnScanner {
    pub fn new(column_name: &str) -> Self {
        ColumnScanner {
            hint: name_hint(column_name),
            scanned: 0,
            combos: FxHashMap::default(),
            overflow: 0,
            matched: [0; Entity::ALL.len()],
            confidence_sum: [0.0; Entity::ALL.len()],
            text: FxHashMap::default(),
        }
    }

    /// Feeds one value; `row` is the 1-based data row. Empty (all-whitespace) values are
    /// treated as null and not counted.
    pub fn observe(&mut self, row: u64, value: &str) {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return;
        }
        self.scanned += 1;
        let a = analyze(trimmed);
        let matched = a.matched();
        for c in a.candidates() {
            let i = c.entity as usize;
            self.matched[i] += 1;
            self.confidence_sum[i] += c.confidence;
        }
        let key = (matched, a.strong(), a.shaped);
        if !key.2.is_empty() || !key.0.is_empty() {
            let full = self.combos.len() >= MAX_COMBOS;
            match self.combos.get_mut(&key) {
                Some(combo) => note(combo, row),
                None if full => self.overflow += 1,
                None => note(self.combos.entry(key).or_default(), row),
            }
        }
        // Free text: values that are neither an entity nor a look-alike of one.
        if matched.is_empty() && a.shaped.is_empty() && trimmed.contains(char::is_whitespace) {
            self.scan_text(row, value);
        }
    }

    fn scan_text(&mut self, row: u64, value: &str) {
        let mut seen = EntitySet::EMPTY;
        for span in find_spans(value) {
            if span.confidence < TEXT_HIT_CONFIDENCE {
                continue;
            }
            let hits = self.text.entry(span.entity).or_insert_with(|| TextHits {
                entity: span.entity,
                values: 0,
                example_rows: Vec::new(),
                example_spans: Vec::new(),
            });
            if !seen.contains(span.entity) {
                seen.insert(span.entity);
                hits.values += 1;
                if hits.example_rows.len() < MAX_EXAMPLES {
                    hits.example_rows.push(row);
                }
            }
            if hits.example_spans.len() < MAX_EXAMPLES {
                hits.example_spans.push((row, span.start, span.end));
            }
        }
    }

    pub fn finish(self) -> ColumnPii {
        let decision = self.decide();
        let mut in_text: Vec<TextHits> = self
            .text
            .into_values()
            .filter(|h| {
                decision
                    .as_ref()
                    .is_none_or(|d| !d.chosen.contains(h.entity))
            })
            .collect();
        in_text.sort_by(|a, b| b.values.cmp(&a.values).then(a.entity.cmp(&b.entity)));
        let Some(d) = decision else {
            return ColumnPii {
                entity: None,
                share: 0.0,
                confidence: 0.0,
                scanned: self.scanned,
                invalid: 0,
                invalid_rows: Vec::new(),
                weak: 0,
                entities: Vec::new(),
                name_hint: false,
                in_text,
            };
        };
        ColumnPii {
            entity: d.entities.first().map(|e| e.entity),
            share: d.explained as f64 / self.scanned as f64,
            confidence: d.confidence,
            scanned: self.scanned,
            invalid: d.invalid,
            invalid_rows: d.invalid_rows,
            weak: d.weak,
            entities: d.entities,
            name_hint: d.hinted,
            in_text,
        }
    }

    /// Picks the column's kind (a family of entities), its member schemes, and the
    /// invalid values.
    fn decide(&self) -> Option<Decision> {
        if self.scanned == 0 {
            return None;
        }
        let n = self.scanned as f64;
        let hint_family = self.hint.map(|h| match h {
            NameHint::Entity(e) => family(e),
            NameHint::NationalId => national_family(),
            NameHint::Ip => EntitySet::of(&[Entity::Ipv4, Entity::Ipv6]),
        });
        let count = |f: &dyn Fn(&Key) -> bool| -> u64 {
            self.combos
                .iter()
                .filter(|(k, _)| f(k))
                .map(|(_, c)| c.count)
                .sum()
        };
        let mut best: Option<(EntitySet, u64, bool, bool)> = None; // family, score, weak ok, hinted
        for fam in families() {
            let hinted = hint_family == Some(fam);
            let strong = count(&|k| k.1.intersects(fam));
            let matched = count(&|k| k.0.intersects(fam));
            let shape_only = fam == EntitySet::of(&[Entity::Phone])
                || fam == EntitySet::of(&[Entity::PersonName]);
            let dob = fam == EntitySet::of(&[Entity::DateOfBirth]);
            if dob && !hinted {
                continue;
            }
            let strong_share = strong as f64 / n;
            let matched_share = matched as f64 / n;
            // Weak matches count with a column name that agrees, with a strong majority, or
            // (for shapes: bare digits, capitalised words) with a large share of shapes and a
            // fair share of clear cases (formatted numbers, known given names).
            let weak_ok = hinted
                || strong_share >= MAJORITY
                || (shape_only && matched_share >= SHAPE_MAJORITY && strong_share >= 0.3);
            let score = if weak_ok { matched } else { strong };
            let needed = if hinted { NAMED_MAJORITY } else { MAJORITY };
            if (score as f64) / n < needed {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, s, _, h)) => (hinted && !h) || (hinted == h && score > s),
            };
            if better {
                best = Some((fam, score, weak_ok, hinted));
            }
        }
        let (fam, _, weak_ok, hinted) = best?;
        let set_of = |k: &Key| if weak_ok { k.0 } else { k.1 };
        // Greedy cover: the scheme explaining most values first, then the next on the rest.
        let hint_entity = match self.hint {
            Some(NameHint::Entity(e)) if fam.contains(e) => Some(e),
            _ => None,
        };
        let family_total = count(&|k| set_of(k).intersects(fam));
        let mut chosen = EntitySet::EMPTY;
        let mut entities: Vec<EntityCount> = Vec::new();
        loop {
            let mut pick: Option<(Entity, u64)> = None;
            // Further schemes join a mix on strong matches only: a few look-alikes that pass
            // a weaker test (a CPR date) must not turn into a second scheme.
            let first = entities.is_empty();
            let member = |k: &Key| if first { set_of(k) } else { k.1 };
            for e in fam.iter().filter(|e| !chosen.contains(*e)) {
                let c = count(&|k| member(k).contains(e) && !set_of(k).intersects(chosen));
                if pick.is_none_or(|(_, p)| c > p) {
                    pick = Some((e, c));
                }
            }
            // The named scheme goes first when it explains a fair part of the column.
            if entities.is_empty()
                && let (Some(h), Some((_, p))) = (hint_entity, pick)
            {
                let c = count(&|k| set_of(k).contains(h));
                if c * 2 >= p && c > 0 {
                    pick = Some((h, c));
                }
            }
            let Some((e, c)) = pick else { break };
            let enough =
                c > 0 && (entities.is_empty() || c as f64 >= MIX_SHARE * family_total as f64);
            if !enough {
                break;
            }
            chosen.insert(e);
            entities.push(EntityCount {
                entity: e,
                values: c,
            });
        }
        entities.sort_by(|a, b| b.values.cmp(&a.values).then(a.entity.cmp(&b.entity)));
        if let Some(h) = hint_entity
            && let Some(pos) = entities.iter().position(|x| x.entity == h)
            && entities[pos].values * 2 >= entities[0].values
        {
            let named = entities.remove(pos);
            entities.insert(0, named);
        }
        let explained: u64 = count(&|k| set_of(k).intersects(chosen));
        let weak = count(&|k| k.0.intersects(chosen) && !k.1.intersects(chosen));
        let mut invalid = 0;
        let mut invalid_rows: Vec<u64> = Vec::new();
        for (k, c) in &self.combos {
            if k.2.intersects(chosen) && !set_of(k).intersects(chosen) {
                invalid += c.count;
                invalid_rows.extend(&c.rows);
            }
        }
        invalid_rows.sort_unstable();
        invalid_rows.truncate(MAX_EXAMPLES);
        // Confidence: the mean per-value confidence of the chosen schemes, raised by a
        // consistent majority and by a column name that agrees, lowered by weak matches.
        let mut conf_num = 0.0;
        let mut conf_den = 0.0;
        for ec in &entities {
            let i = ec.entity as usize;
            if self.matched[i] > 0 {
                conf_num += ec.values as f64 * self.confidence_sum[i] / self.matched[i] as f64;
                conf_den += ec.values as f64;
            }
        }
        let mut confidence = if conf_den > 0.0 {
            conf_num / conf_den
        } else {
            0.0
        };
        let share = explained as f64 / n;
        let sample = (self.scanned as f64 / 20.0).min(1.0);
        let majority = if share >= 0.8 {
            0.8
        } else if share >= MAJORITY {
            0.5
        } else {
            0.0
        };
        confidence += (1.0 - confidence) * majority * sample;
        if hinted {
            confidence += (1.0 - confidence) * 0.6;
        }
        let strong_explained = count(&|k| k.1.intersects(chosen));
        if explained > 0 && fam.intersects(national_family()) {
            let weak_fraction = 1.0 - strong_explained as f64 / explained as f64;
            confidence *= 1.0 - 0.3 * weak_fraction;
        }
        Some(Decision {
            chosen,
            entities,
            explained,
            weak,
            invalid,
            invalid_rows,
            confidence: confidence.clamp(0.0, 0.99),
            hinted,
        })
    }
}

fn note(combo: &mut Combo, row: u64) {
    combo.count += 1;
    if combo.rows.len() < MAX_EXAMPLES {
        combo.rows.push(row);
    }
}

struct Decision {
    chosen: EntitySet,
    entities: Vec<EntityCount>,
    explained: u64,
    weak: u64,
    invalid: u64,
    invalid_rows: Vec<u64>,
    confidence: f64,
    hinted: bool,
}

fn national_family() -> EntitySet {
    let mut s = EntitySet::EMPTY;
    for e in Entity::ALL.into_iter().filter(|e| e.is_national_id()) {
        s.insert(e);
    }
    s
}

/// The family an entity is judged in: all national ID schemes together (a column may mix
/// countries), IPv4 with IPv6, every other entity alone.
fn family(e: Entity) -> EntitySet {
    if e.is_national_id() {
        national_family()
    } else if matches!(e, Entity::Ipv4 | Entity::Ipv6) {
        EntitySet::of(&[Entity::Ipv4, Entity::Ipv6])
    } else {
        EntitySet::of(&[e])
    }
}

fn families() -> Vec<EntitySet> {
    let mut out: Vec<EntitySet> = Vec::new();
    for e in Entity::ALL {
        let f = family(e);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(name: &str, values: &[&str]) -> ColumnPii {
        let mut s = ColumnScanner::new(name);
        for (i, v) in values.iter().enumerate() {
            s.observe(i as u64 + 1, v);
        }
        s.finish()
    }

    #[test]
    fn email_column_with_a_broken_value() {
        let mut values = vec!["anna@example.com"; 30];
        values.push("bertil(at)example.com");
        values.push("carl@example");
        values.push("");
        let p = scan("contact", &values);
        assert_eq!(p.entity, Some(Entity::Email));
        assert_eq!(p.scanned, 32);
        assert_eq!(p.invalid, 1);
        assert_eq!(p.invalid_rows, vec![32]);
        assert!(p.confidence > 0.95, "{}", p.confidence);
    }

    #[test]
    fn bsn_column_counts_invalid_check_digits() {
        let p = scan("col", &["111222333", "123456782", "111222334", "123456782"]);
        assert_eq!(p.entity, Some(Entity::NlBsn));
        assert_eq!(p.invalid, 1);
        assert_eq!(p.invalid_rows, vec![3]);
    }

    #[test]
    fn random_numbers_are_nothing() {
        let values: Vec<String> = (0..200u64)
            .map(|i| format!("{}", 100_000_000 + i * 7919))
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let p = scan("order_no", &refs);
        assert_eq!(p.entity, None);
        assert_eq!(p.invalid, 0);
    }

    #[test]
    fn cpr_mod11_failures_count_in_a_cpr_column() {
        let p = scan(
            "cpr",
            &["070761-4285", "070761-4286", "070761-4285", "320761-4285"],
        );
        assert_eq!(p.entity, Some(Entity::DkCpr));
        assert_eq!(p.weak, 1);
        assert_eq!(p.invalid, 1);
        assert_eq!(p.invalid_rows, vec![4]);
        assert!(p.name_hint);
    }

    #[test]
    fn birth_date_needs_the_name() {
        let dates = ["1985-03-12", "1990-01-01", "2023-02-30", "1975-12-31"];
        let p = scan("födelsedatum", &dates);
        assert_eq!(p.entity, Some(Entity::DateOfBirth));
        assert_eq!(p.invalid, 1);
        assert_eq!(scan("admission_date", &dates).entity, None);
    }

    #[test]
    fn free_text_hits() {
        let p = scan(
            "notes",
            &[
                "Called back, fine.",
                "Ring 070-123 45 67 after lunch",
                "mail anna@example.com",
                "nothing here",
            ],
        );
        assert_eq!(p.entity, None);
        let kinds: Vec<Entity> = p.in_text.iter().map(|h| h.entity).collect();
        assert!(
            kinds.contains(&Entity::Phone) && kinds.contains(&Entity::Email),
            "{kinds:?}"
        );
        let email = p
            .in_text
            .iter()
            .find(|h| h.entity == Entity::Email)
            .unwrap();
        assert_eq!(email.example_spans, vec![(3, 5, 21)]);
    }
}
