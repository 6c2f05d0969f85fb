//! Pseudonymisation of whole tables (docs/pseudonymisation.md): a policy maps columns to
//! transforms; [`Pseudonymizer`] applies them batch by batch (a streaming map over Arrow record
//! batches) and counts what it did for the report.
//!
//! Keys come from the caller (the keystore lives in the binary's world); this module only sees
//! one key's id and material for the run and records the id, never the material.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch, StringArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::pseudo::date_shift::DateShifter;
use crate::pseudo::token::{Encoding, TokenFormat, Tokenizer, collision_probability};
use crate::pseudo::vault::Vault;
use crate::pseudo::{Alphabet, CheckDigit, CheckDigitMode, FormatCipher};

/// Errors of pseudonymisation. `Usage`: the policy or the data does not fit (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PseudoError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

type Result<T> = std::result::Result<T, PseudoError>;

fn usage<T>(m: impl Into<String>) -> Result<T> {
    Err(PseudoError::Usage(m.into()))
}

/// A pseudonymisation policy (TOML): one table per column under `[columns]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Context label for `token`, `encrypt` and `date-shift` columns that name none. Same key
    /// and same context give the same pseudonyms, so two holders can link their data.
    #[serde(default)]
    pub context: Option<String>,
    /// Columns not listed: kept as they are (`keep`, default) or dropped (`drop`).
    #[serde(default)]
    pub unlisted: Unlisted,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnPolicy>,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Unlisted {
    #[default]
    Keep,
    Drop,
}

/// What happens to one column.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "transform", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ColumnPolicy {
    /// Keyed HMAC-SHA256 token of the value's text.
    Token {
        #[serde(default)]
        context: Option<String>,
        /// hex (default), base32 or base64url.
        #[serde(default)]
        encoding: Option<String>,
        /// Characters of the token (default: 32 hex / 26 base32 / 22 base64url = 128 bits).
        #[serde(default)]
        length: Option<usize>,
    },
    /// FF1 format-preserving encryption: same length, same separators, reversible with the key.
    Encrypt {
        #[serde(default)]
        context: Option<String>,
        /// digits, alnum-upper, alnum-lower or alnum (default: the smallest that covers the
        /// letters and digits of the first batch's values).
        #[serde(default)]
        alphabet: Option<String>,
        /// A check-digit scheme (luhn, personnummer, cpr, bsn, pesel, fodselsnummer,
        /// de-tax-id, de-rvnr): outputs are made check-digit *invalid* so a pseudonym is never
        /// mistaken for a real identifier, unless `valid_check_digits = true`.
        #[serde(default)]
        check_digit: Option<String>,
        #[serde(default)]
        valid_check_digits: bool,
    },
    /// Random tokens kept in an encrypted mapping table (the vault) in the lab home.
    Vault {
        /// Vault name (default: the column name).
        #[serde(default)]
        name: Option<String>,
    },
    /// Dates moved by a keyed per-subject offset in [−max_days, +max_days] (never 0).
    DateShift {
        /// The column identifying the person (every date of one person moves together).
        subject: String,
        #[serde(default = "default_max_days")]
        max_days: u32,
        #[serde(default)]
        context: Option<String>,
    },
    /// Characters replaced by `char`, keeping `keep_first` and `keep_last` characters.
    Mask {
        #[serde(default)]
        keep_first: usize,
        #[serde(default)]
        keep_last: usize,
        #[serde(default = "default_mask_char")]
        char: char,
    },
    /// Every non-null value replaced by `with` (default `[REDACTED]`).
    Redact {
        #[serde(default)]
        with: Option<String>,
    },
    /// Only the first `length` characters kept.
    Truncate {
        length: usize,
    },
    /// Numbers to intervals of `width` ("30-39"), dates to `year` or `month`.
    Bucket {
        #[serde(default)]
        width: Option<f64>,
        #[serde(default)]
        unit: Option<String>,
    },
    /// Personal data found in free text replaced by entity labels (`[EMAIL]`) or tokens.
    Text {
        /// label (default) or token.
        #[serde(default)]
        replace: Option<String>,
        #[serde(default)]
        context: Option<String>,
    },
    Drop,
    Keep,
}

fn default_max_days() -> u32 {
    30
}

fn default_mask_char() -> char {
    '*'
}

impl ColumnPolicy {
    pub fn name(&self) -> &'static str {
        match self {
            ColumnPolicy::Token { .. } => "token",
            ColumnPolicy::Encrypt { .. } => "encrypt",
            ColumnPolicy::Vault { .. } => "vault",
            ColumnPolicy::DateShift { .. } => "date-shift",
            ColumnPolicy::Mask { .. } => "mask",
            ColumnPolicy::Redact { .. } => "redact",
            ColumnPolicy::Truncate { .. } => "truncate",
            ColumnPolicy::Bucket { .. } => "bucket",
            ColumnPolicy::Text { .. } => "text",
            ColumnPolicy::Drop => "drop",
            ColumnPolicy::Keep => "keep",
        }
    }

    /// Whether the key holder can recover the original values.
    pub fn reversible(&self) -> bool {
        matches!(
            self,
            ColumnPolicy::Encrypt { .. } | ColumnPolicy::Vault { .. }
        )
    }

    fn uses_key(&self) -> bool {
        matches!(
            self,
            ColumnPolicy::Token { .. }
                | ColumnPolicy::Encrypt { .. }
                | ColumnPolicy::Vault { .. }
                | ColumnPolicy::DateShift { .. }
                | ColumnPolicy::Text { .. }
        )
    }
}

impl Policy {
    pub fn from_toml(text: &str) -> Result<Policy> {
        toml::from_str(text)
            .map_err(|e| PseudoError::Usage(format!("the pseudonymisation policy: {e}")))
    }

    /// Whether any transform needs a key.
    pub fn needs_key(&self) -> bool {
        self.columns.values().any(ColumnPolicy::uses_key)
    }
}

/// The key of one run: its id (recorded) and material (never recorded).
pub struct RunKey {
    pub id: String,
    pub material: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for RunKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunKey({})", self.id)
    }
}

/// A value ↔ random-token table (the keystore-sealed vault lives in the binary's world).
pub trait TokenVault: Send {
    /// The token of `value`, creating one on first sight.
    fn token_for(&mut self, value: &str) -> std::result::Result<String, String>;
    /// Persists new entries (atomically).
    fn save(&mut self) -> std::result::Result<(), String>;
    /// The id of the key that seals the vault.
    fn key_id(&self) -> String;
}

impl TokenVault for Vault {
    fn token_for(&mut self, value: &str) -> std::result::Result<String, String> {
        Vault::token_for(self, value)
            .map(str::to_string)
            .map_err(|e| e.to_string())
    }
    fn save(&mut self) -> std::result::Result<(), String> {
        Vault::save(self).map_err(|e| e.to_string())
    }
    fn key_id(&self) -> String {
        Vault::key_id(self).as_str().to_string()
    }
}

/// Opens the vault of a `vault` column by name.
pub type VaultOpener<'a> = dyn FnMut(&str) -> std::result::Result<Box<dyn TokenVault>, String> + 'a;

/// Personal-data spans in free text: (byte start, byte end, entity label such as `EMAIL`).
pub type SpanFinder = dyn Fn(&str) -> Vec<(usize, usize, String)> + Send + Sync;

/// What was done to one column (the report's per-column entry).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ColumnReport {
    pub name: String,
    pub transform: String,
    /// Key id used (never key material).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub reversible: bool,
    /// Parameters in words (encoding and length, alphabet, offsets, …).
    pub details: BTreeMap<String, serde_json::Value>,
    pub values: u64,
    pub nulls: u64,
    /// `text` columns: spans replaced, by entity.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub spans_replaced: BTreeMap<String, u64>,
    /// `encrypt` with check digits: outputs that are check-digit valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_digit_valid_outputs: Option<u64>,
}

enum Op {
    Keep,
    Token(Tokenizer),
    Encrypt {
        cipher: Box<FormatCipher>,
        tweak: Vec<u8>,
    },
    Vault(Box<dyn TokenVault>),
    DateShift {
        subject: usize,
        shifter: DateShifter,
    },
    Mask {
        keep_first: usize,
        keep_last: usize,
        ch: char,
    },
    Redact(String),
    Truncate(usize),
    BucketNumber(f64),
    BucketDate(DateUnit),
    Text {
        token: Option<Tokenizer>,
    },
}

impl Op {
    /// Rough relative cost per value, for spreading columns over threads.
    fn cost(&self) -> u32 {
        match self {
            Op::Keep => 0,
            Op::Redact(_) | Op::Truncate(_) | Op::BucketDate(_) | Op::BucketNumber(_) => 1,
            Op::Mask { .. } | Op::DateShift { .. } => 2,
            Op::Token(_) | Op::Vault(_) => 3,
            Op::Text { .. } => 8,
            Op::Encrypt { .. } => 12,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateUnit {
    Year,
    Month,
}

struct ColumnPlan {
    input: usize,
    op: Op,
    report: ColumnReport,
}

/// Applies a policy to batches of one schema.
pub struct Pseudonymizer {
    plans: Vec<ColumnPlan>,
    /// Rows before the current batch (for row numbers in errors).
    rows_done: u64,
    schema: SchemaRef,
    spans: Option<Arc<SpanFinder>>,
}

/// The tweak of FF1 for a column: the context, so that two contexts give unrelated ciphertexts.
pub fn ff1_tweak(context: &str) -> Vec<u8> {
    let mut t = b"datalab-ff1-tweak-v1:".to_vec();
    t.extend_from_slice(context.as_bytes());
    t
}

impl Pseudonymizer {
    /// Compiles `policy` for `schema`. `key` is needed when a transform uses one; `vaults`
    /// opens the vault of a `vault` column by name; `spans` finds personal data in free text;
    /// `sample` (the first batch) chooses FF1 alphabets the policy leaves open.
    pub fn new(
        schema: &SchemaRef,
        policy: &Policy,
        sample: Option<&RecordBatch>,
        key: Option<&RunKey>,
        vaults: &mut VaultOpener<'_>,
        spans: Option<Arc<SpanFinder>>,
    ) -> Result<Pseudonymizer> {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        for col in policy.columns.keys() {
            if !names.contains(&col.as_str()) {
                return usage(format!(
                    "the policy names column '{col}', which the data does not have (columns: {})",
                    names.join(", ")
                ));
            }
        }
        let mut plans = Vec::new();
        let mut fields = Vec::new();
        for (i, field) in schema.fields().iter().enumerate() {
            let name = field.name();
            let cp = match policy.columns.get(name) {
                Some(p) => p.clone(),
                None => match policy.unlisted {
                    Unlisted::Keep => ColumnPolicy::Keep,
                    Unlisted::Drop => ColumnPolicy::Drop,
                },
            };
            if matches!(cp, ColumnPolicy::Drop) {
                continue;
            }
            let context = |c: &Option<String>| -> String {
                c.clone()
                    .or_else(|| policy.context.clone())
                    .unwrap_or_else(|| "default".to_string())
            };
            let need_key = || -> Result<&RunKey> {
                key.ok_or_else(|| {
                    PseudoError::Usage(format!(
                        "column '{name}' ({}) needs a key from the keystore",
                        cp.name()
                    ))
                })
            };
            let mut report = ColumnReport {
                name: name.clone(),
                transform: cp.name().to_string(),
                reversible: cp.reversible(),
                ..ColumnReport::default()
            };
            let mut detail = |k: &str, v: serde_json::Value| {
                report.details.insert(k.to_string(), v);
            };
            let (op, out_type) = match &cp {
                ColumnPolicy::Drop => unreachable!("dropped above"),
                ColumnPolicy::Keep => (Op::Keep, field.data_type().clone()),
                ColumnPolicy::Token {
                    context: c,
                    encoding,
                    length,
                } => {
                    let k = need_key()?;
                    let enc: Encoding = match encoding.as_deref() {
                        None => Encoding::Hex,
                        Some(e) => e.parse().map_err(|_| {
                            PseudoError::Usage(format!(
                                "column '{name}': encoding '{e}' — use hex, base32 or base64url"
                            ))
                        })?,
                    };
                    let default_len = (128 / enc.bits_per_char() as usize).max(1)
                        + usize::from(128 % enc.bits_per_char() != 0);
                    let format = TokenFormat::new(enc, Some(length.unwrap_or(default_len)))
                        .map_err(|e| PseudoError::Usage(format!("column '{name}': {e}")))?;
                    let ctx = context(c);
                    detail("encoding", enc.name().into());
                    detail("length", format.chars().into());
                    detail("bits", format.bits().into());
                    report.key_id = Some(k.id.clone());
                    report.context = Some(ctx.clone());
                    (
                        Op::Token(Tokenizer::new(&k.material[..], &ctx).with_format(format)),
                        DataType::Utf8,
                    )
                }
                ColumnPolicy::Encrypt {
                    context: c,
                    alphabet,
                    check_digit,
                    valid_check_digits,
                } => {
                    let k = need_key()?;
                    let alphabet: Alphabet = match alphabet.as_deref() {
                        None => {
                            let values = match sample {
                                Some(b) => texts(b.column(i).as_ref())?,
                                None => Vec::new(),
                            };
                            Alphabet::detect_all(values.iter().flatten().map(String::as_str))
                                .unwrap_or(Alphabet::Digits)
                        }
                        Some(a) => a.parse().map_err(|e: String| {
                            PseudoError::Usage(format!("column '{name}': {e}"))
                        })?,
                    };
                    let ctx = context(c);
                    let mut cipher = FormatCipher::from_key(&k.material[..], &ctx, alphabet)
                        .map_err(|e| PseudoError::Usage(format!("column '{name}': {e}")))?;
                    if let Some(cd) = check_digit {
                        let mode = if *valid_check_digits {
                            CheckDigitMode::Valid
                        } else {
                            CheckDigitMode::Pseudonymous
                        };
                        let check = CheckDigit::named(cd, mode).ok_or_else(|| {
                            PseudoError::Usage(format!(
                                "column '{name}': unknown check-digit scheme '{cd}' (known: {})",
                                CheckDigit::names().collect::<Vec<_>>().join(", ")
                            ))
                        })?;
                        cipher = cipher.with_check_digit(check);
                        detail("check_digit", cd.as_str().into());
                        detail("valid_check_digits", (*valid_check_digits).into());
                        detail(
                            "check_digits",
                            if *valid_check_digits {
                                "kept valid (outputs look like real identifiers)".into()
                            } else {
                                "made invalid (outputs are visibly pseudonymous)".into()
                            },
                        );
                        report.check_digit_valid_outputs = Some(0);
                    }
                    detail("alphabet", alphabet.name().into());
                    detail("algorithm", "FF1 (NIST SP 800-38G), AES-256".into());
                    report.key_id = Some(k.id.clone());
                    report.context = Some(ctx.clone());
                    (
                        Op::Encrypt {
                            cipher: Box::new(cipher),
                            tweak: ff1_tweak(&ctx),
                        },
                        DataType::Utf8,
                    )
                }
                ColumnPolicy::Vault { name: vname } => {
                    let k = need_key()?;
                    let vname = vname.clone().unwrap_or_else(|| name.clone());
                    let vault = vaults(&vname).map_err(|e| {
                        PseudoError::Failed(format!("column '{name}': vault '{vname}': {e}"))
                    })?;
                    detail("vault", vname.into());
                    // A vault keeps the key it was sealed with (also after a key rotation).
                    let _ = k;
                    report.key_id = Some(vault.key_id());
                    (Op::Vault(vault), DataType::Utf8)
                }
                ColumnPolicy::DateShift {
                    subject,
                    max_days,
                    context: c,
                } => {
                    let k = need_key()?;
                    let s = names.iter().position(|n| n == subject).ok_or_else(|| {
                        PseudoError::Usage(format!(
                            "column '{name}': the date-shift subject column '{subject}' is not in the data"
                        ))
                    })?;
                    if *max_days == 0 || *max_days > 36_500 {
                        return usage(format!(
                            "column '{name}': max_days must be between 1 and 36500 (got {max_days})"
                        ));
                    }
                    if !is_date_type(field.data_type()) {
                        return usage(format!(
                            "column '{name}' is {}, not a date or timestamp; date-shift needs dates",
                            field.data_type()
                        ));
                    }
                    let ctx = context(c);
                    let shifter = DateShifter::new(&k.material[..], &ctx, *max_days);
                    detail("subject", subject.as_str().into());
                    detail("max_days", (*max_days).into());
                    report.key_id = Some(k.id.clone());
                    report.context = Some(ctx);
                    (
                        Op::DateShift {
                            subject: s,
                            shifter,
                        },
                        field.data_type().clone(),
                    )
                }
                ColumnPolicy::Mask {
                    keep_first,
                    keep_last,
                    char,
                } => {
                    detail("keep_first", (*keep_first).into());
                    detail("keep_last", (*keep_last).into());
                    (
                        Op::Mask {
                            keep_first: *keep_first,
                            keep_last: *keep_last,
                            ch: *char,
                        },
                        DataType::Utf8,
                    )
                }
                ColumnPolicy::Redact { with } => {
                    let w = with.clone().unwrap_or_else(|| "[REDACTED]".to_string());
                    detail("with", w.clone().into());
                    (Op::Redact(w), DataType::Utf8)
                }
                ColumnPolicy::Truncate { length } => {
                    detail("length", (*length).into());
                    (Op::Truncate(*length), DataType::Utf8)
                }
                ColumnPolicy::Bucket { width, unit } => {
                    let dt = field.data_type();
                    if is_date_type(dt) {
                        let u = match unit.as_deref().unwrap_or("year") {
                            "year" => DateUnit::Year,
                            "month" => DateUnit::Month,
                            other => {
                                return usage(format!(
                                    "column '{name}': bucket unit '{other}' — use year or month"
                                ));
                            }
                        };
                        detail(
                            "unit",
                            if u == DateUnit::Year { "year" } else { "month" }.into(),
                        );
                        (Op::BucketDate(u), DataType::Utf8)
                    } else if is_number_type(dt) {
                        let Some(w) = width.filter(|w| w.is_finite() && *w > 0.0) else {
                            return usage(format!(
                                "column '{name}': bucket needs width > 0 for numbers (e.g. width = 10)"
                            ));
                        };
                        detail("width", w.into());
                        (Op::BucketNumber(w), DataType::Utf8)
                    } else {
                        return usage(format!(
                            "column '{name}' is {dt}; bucket works on numbers and dates (use mask or truncate for text)"
                        ));
                    }
                }
                ColumnPolicy::Text {
                    replace,
                    context: c,
                } => {
                    if spans.is_none() {
                        return usage(format!(
                            "column '{name}': free-text detection is not available here"
                        ));
                    }
                    let token = match replace.as_deref().unwrap_or("label") {
                        "label" => None,
                        "token" => {
                            let k = need_key()?;
                            let ctx = context(c);
                            report.key_id = Some(k.id.clone());
                            report.context = Some(ctx.clone());
                            Some(Tokenizer::new(&k.material[..], &ctx).with_format(
                                TokenFormat::new(Encoding::Base32, Some(16)).map_err(|e| {
                                    PseudoError::Usage(format!("column '{name}': {e}"))
                                })?,
                            ))
                        }
                        other => {
                            return usage(format!(
                                "column '{name}': replace = '{other}' — use label or token"
                            ));
                        }
                    };
                    detail(
                        "replace",
                        if token.is_some() { "token" } else { "label" }.into(),
                    );
                    (Op::Text { token }, DataType::Utf8)
                }
            };
            fields.push(Field::new(name, out_type, true));
            plans.push(ColumnPlan {
                input: i,
                op,
                report,
            });
        }
        Ok(Pseudonymizer {
            plans,
            rows_done: 0,
            schema: Arc::new(Schema::new(fields)),
            spans,
        })
    }

    /// The schema of the output batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Transforms one batch. Columns are processed on up to `threads` threads.
    pub fn apply(&mut self, batch: &RecordBatch, threads: usize) -> Result<RecordBatch> {
        let spans = self.spans.clone();
        let threads = threads.clamp(1, 8);
        let base = self.rows_done;
        let n = self.plans.len();
        // Columns go to threads by estimated cost (greedy, heaviest first): `keep` costs
        // nothing, FF1 several times a token. Equal column counts per thread would leave one
        // thread idle whenever the costly columns sit next to each other.
        let mut order: Vec<(usize, &mut ColumnPlan)> = self.plans.iter_mut().enumerate().collect();
        order.sort_by_key(|(_, p)| std::cmp::Reverse(p.op.cost()));
        let mut buckets: Vec<(u32, Vec<(usize, &mut ColumnPlan)>)> =
            (0..threads).map(|_| (0, Vec::new())).collect();
        for (i, plan) in order {
            let cost = plan.op.cost();
            let lightest = buckets
                .iter_mut()
                .min_by_key(|(load, _)| *load)
                .expect("at least one thread");
            lightest.0 += cost;
            lightest.1.push((i, plan));
        }
        let mut outputs: Vec<Option<Result<ArrayRef>>> = (0..n).map(|_| None).collect();
        let results: Vec<Vec<(usize, Result<ArrayRef>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = buckets
                .into_iter()
                .filter(|(_, b)| !b.is_empty())
                .map(|(_, bucket)| {
                    let spans = spans.clone();
                    scope.spawn(move || {
                        bucket
                            .into_iter()
                            .map(|(i, plan)| (i, apply_column(plan, batch, base, spans.as_deref())))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (i, r) in results.into_iter().flatten() {
            outputs[i] = Some(r);
        }
        let columns = outputs
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(PseudoError::Failed("a worker thread failed".into()))))
            .collect::<Result<Vec<_>>>()?;
        self.rows_done += batch.num_rows() as u64;
        RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| PseudoError::Failed(format!("assembling the output batch: {e}")))
    }

    /// Persists what the run added to vaults. Call once after the last batch.
    pub fn finish(&mut self) -> Result<()> {
        for plan in &mut self.plans {
            if let Op::Vault(v) = &mut plan.op {
                v.save().map_err(|e| {
                    PseudoError::Failed(format!("saving the vault of '{}': {e}", plan.report.name))
                })?;
            }
        }
        Ok(())
    }

    /// The per-column report after all batches; `rows` fills in the collision probabilities.
    pub fn reports(&self, rows: u64) -> Vec<ColumnReport> {
        self.plans
            .iter()
            .map(|p| {
                let mut r = p.report.clone();
                if let Some(bits) = r.details.get("bits").and_then(|b| b.as_f64()) {
                    r.details.insert(
                        "collision_probability".into(),
                        collision_probability(bits, rows).into(),
                    );
                }
                r
            })
            .collect()
    }
}

fn is_date_type(dt: &DataType) -> bool {
    matches!(dt, DataType::Date32 | DataType::Timestamp(_, _))
}

fn is_number_type(dt: &DataType) -> bool {
    matches!(dt, DataType::Int64 | DataType::Int32 | DataType::Float64)
}

/// The text form of every value of a column (`None` for null).
fn texts(array: &dyn Array) -> Result<Vec<Option<String>>> {
    if let Some(s) = array.as_string_opt::<i32>() {
        return Ok(s.iter().map(|v| v.map(str::to_string)).collect());
    }
    let fmt = ArrayFormatter::try_new(array, &FormatOptions::default())
        .map_err(|e| PseudoError::Failed(format!("formatting a column: {e}")))?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| fmt.value(i).to_string()))
        .collect())
}

/// Builds a Utf8 column from `array`'s values mapped by `f` (nulls stay null).
fn map_text(
    array: &dyn Array,
    mut f: impl FnMut(usize, &str, &mut String) -> Result<()>,
) -> Result<ArrayRef> {
    let n = array.len();
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut out = String::new();
    let mut each = |i: usize, v: Option<&str>, b: &mut StringBuilder| -> Result<()> {
        match v {
            None => b.append_null(),
            Some(v) => {
                out.clear();
                f(i, v, &mut out)?;
                b.append_value(&out);
            }
        }
        Ok(())
    };
    if let Some(s) = array.as_string_opt::<i32>() {
        for (i, v) in s.iter().enumerate() {
            each(i, v, &mut b)?;
        }
    } else {
        for (i, v) in texts(array)?.iter().enumerate() {
            each(i, v.as_deref(), &mut b)?;
        }
    }
    Ok(Arc::new(b.finish()))
}

fn apply_column(
    plan: &mut ColumnPlan,
    batch: &RecordBatch,
    base: u64,
    spans: Option<&SpanFinder>,
) -> Result<ArrayRef> {
    let array = batch.column(plan.input).clone();
    let name = plan.report.name.clone();
    let nulls = array.null_count() as u64;
    plan.report.values += array.len() as u64 - nulls;
    plan.report.nulls += nulls;
    let report = &mut plan.report;
    match &mut plan.op {
        Op::Keep => Ok(array),
        Op::Token(t) => map_text(array.as_ref(), |_, v, out| {
            t.token_into(v.as_bytes(), out);
            Ok(())
        }),
        Op::Encrypt { cipher, tweak } => {
            let mut valid = 0u64;
            let check = cipher.check_digit().map(|c| c.validator);
            let col = map_text(array.as_ref(), |i, v, out| {
                let e = cipher.encrypt(tweak, v).map_err(|e| {
                    PseudoError::Usage(format!(
                        "column '{name}', row {}: {e}; use token or vault for values like this",
                        base + i as u64 + 1
                    ))
                })?;
                if let Some(valid_fn) = check
                    && valid_fn(&e)
                {
                    valid += 1;
                }
                out.push_str(&e);
                Ok(())
            })?;
            if let Some(c) = report.check_digit_valid_outputs.as_mut() {
                *c += valid;
            }
            Ok(col)
        }
        Op::Vault(v) => map_text(array.as_ref(), |_, value, out| {
            let t = v
                .token_for(value)
                .map_err(|e| PseudoError::Failed(format!("column '{name}': vault: {e}")))?;
            out.push_str(&t);
            Ok(())
        }),
        Op::DateShift { subject, shifter } => {
            let subjects = texts(batch.column(*subject).as_ref())?;
            let offsets: Vec<i64> = subjects
                .iter()
                .map(|s| s.as_deref().map_or(0, |s| shifter.offset(s) as i64))
                .collect();
            // Records without a subject cannot be shifted consistently: their dates are
            // withheld (null) rather than left real.
            let no_subject = |i: usize| subjects[i].is_none();
            shift_dates(array.as_ref(), &offsets, &no_subject, &name)
        }
        Op::Mask {
            keep_first,
            keep_last,
            ch,
        } => map_text(array.as_ref(), |_, v, out| {
            let n = v.chars().count();
            for (i, c) in v.chars().enumerate() {
                if i < *keep_first || i + *keep_last >= n && *keep_last > 0 {
                    out.push(c);
                } else if c.is_whitespace() || c == '-' || c == '.' || c == '@' {
                    // Separators stay, so the shape of the value remains readable.
                    out.push(c);
                } else {
                    out.push(*ch);
                }
            }
            Ok(())
        }),
        Op::Redact(w) => map_text(array.as_ref(), |_, _, out| {
            out.push_str(w);
            Ok(())
        }),
        Op::Truncate(n) => map_text(array.as_ref(), |_, v, out| {
            out.extend(v.chars().take(*n));
            Ok(())
        }),
        Op::BucketNumber(w) => bucket_numbers(array.as_ref(), *w, &name),
        Op::BucketDate(u) => bucket_dates(array.as_ref(), *u),
        Op::Text { token } => {
            let Some(find) = spans else {
                return Err(PseudoError::Failed("no span finder".into()));
            };
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            let col = map_text(array.as_ref(), |_, v, out| {
                let mut found = find(v);
                found.sort_by_key(|s| s.0);
                let mut last = 0;
                for (start, end, label) in found {
                    if start < last || end > v.len() || start >= end {
                        continue;
                    }
                    out.push_str(&v[last..start]);
                    match token {
                        Some(t) => {
                            out.push('[');
                            out.push_str(&label);
                            out.push(':');
                            t.token_into(&v.as_bytes()[start..end], out);
                            out.push(']');
                        }
                        None => {
                            let _ = write!(out, "[{label}]");
                        }
                    }
                    *counts.entry(label).or_insert(0) += 1;
                    last = end;
                }
                out.push_str(&v[last..]);
                Ok(())
            })?;
            for (k, c) in counts {
                *report.spans_replaced.entry(k).or_insert(0) += c;
            }
            Ok(col)
        }
    }
}

fn shift_dates(
    array: &dyn Array,
    offsets: &[i64],
    withhold: &dyn Fn(usize) -> bool,
    name: &str,
) -> Result<ArrayRef> {
    fn shift<T: arrow_array::ArrowPrimitiveType>(
        a: &dyn Array,
        offsets: &[i64],
        withhold: &dyn Fn(usize) -> bool,
        per_day: i64,
        conv: impl Fn(T::Native) -> i64,
        back: impl Fn(i64) -> T::Native,
    ) -> Option<ArrayRef> {
        let p = a.as_primitive_opt::<T>()?;
        let out: PrimitiveArray<T> = p
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if withhold(i) {
                    return None;
                }
                v.map(|v| back(conv(v).saturating_add(offsets[i] * per_day)))
            })
            .collect();
        Some(Arc::new(out.with_data_type(a.data_type().clone())))
    }
    let r = match array.data_type() {
        DataType::Date32 => shift::<Date32Type>(
            array,
            offsets,
            withhold,
            1,
            |v| v as i64,
            |v| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        ),
        DataType::Timestamp(unit, _) => {
            let per_day = 86_400i64
                * match unit {
                    TimeUnit::Second => 1,
                    TimeUnit::Millisecond => 1_000,
                    TimeUnit::Microsecond => 1_000_000,
                    TimeUnit::Nanosecond => 1_000_000_000,
                };
            match unit {
                TimeUnit::Second => {
                    shift::<TimestampSecondType>(array, offsets, withhold, per_day, |v| v, |v| v)
                }
                TimeUnit::Millisecond => shift::<TimestampMillisecondType>(
                    array,
                    offsets,
                    withhold,
                    per_day,
                    |v| v,
                    |v| v,
                ),
                TimeUnit::Microsecond => shift::<TimestampMicrosecondType>(
                    array,
                    offsets,
                    withhold,
                    per_day,
                    |v| v,
                    |v| v,
                ),
                TimeUnit::Nanosecond => shift::<TimestampNanosecondType>(
                    array,
                    offsets,
                    withhold,
                    per_day,
                    |v| v,
                    |v| v,
                ),
            }
        }
        _ => None,
    };
    r.ok_or_else(|| PseudoError::Usage(format!("column '{name}' is not a date column")))
}

fn bucket_numbers(array: &dyn Array, w: f64, name: &str) -> Result<ArrayRef> {
    let label = |x: f64, integer: bool, out: &mut String| {
        let lo = (x / w).floor() * w;
        if integer && w.fract() == 0.0 {
            let _ = write!(out, "{}-{}", lo as i64, (lo + w) as i64 - 1);
        } else {
            let _ = write!(out, "[{lo}, {})", lo + w);
        }
    };
    let n = array.len();
    let mut b = StringBuilder::with_capacity(n, n * 8);
    let mut s = String::new();
    let mut push = |v: Option<f64>, integer: bool| match v {
        None => b.append_null(),
        Some(x) if !x.is_finite() => b.append_null(),
        Some(x) => {
            s.clear();
            label(x, integer, &mut s);
            b.append_value(&s);
        }
    };
    match array.data_type() {
        DataType::Int64 => array
            .as_primitive::<Int64Type>()
            .iter()
            .for_each(|v| push(v.map(|v| v as f64), true)),
        DataType::Int32 => array
            .as_primitive::<Int32Type>()
            .iter()
            .for_each(|v| push(v.map(|v| v as f64), true)),
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .for_each(|v| push(v, false)),
        other => {
            return usage(format!("column '{name}' is {other}, not a number"));
        }
    }
    Ok(Arc::new(b.finish()))
}

fn bucket_dates(array: &dyn Array, unit: DateUnit) -> Result<ArrayRef> {
    let cut = if unit == DateUnit::Year { 4 } else { 7 };
    let texts = texts(array)?;
    Ok(Arc::new(StringArray::from_iter(texts.iter().map(|t| {
        t.as_ref().map(|t| t.chars().take(cut).collect::<String>())
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RunKey {
        RunKey {
            id: "k_test".into(),
            material: Zeroizing::new([7u8; 32]),
        }
    }

    #[test]
    fn unknown_columns_and_missing_keys_are_usage_errors() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("a", DataType::Utf8, true)]));
        let mut no_vault =
            |_: &str| -> std::result::Result<Box<dyn TokenVault>, String> { Err("none".into()) };
        let policy = Policy::from_toml("[columns.b]\ntransform = \"token\"\n").unwrap();
        let e = Pseudonymizer::new(&schema, &policy, None, Some(&key()), &mut no_vault, None)
            .err()
            .unwrap();
        assert!(e.to_string().contains("'b'"), "{e}");
        let policy = Policy::from_toml("[columns.a]\ntransform = \"token\"\n").unwrap();
        let e = Pseudonymizer::new(&schema, &policy, None, None, &mut no_vault, None)
            .err()
            .unwrap();
        assert!(e.to_string().contains("needs a key"), "{e}");
        assert!(Policy::from_toml("[columns.a]\ntransform = \"rot13\"\n").is_err());
    }

    #[test]
    fn mask_truncate_redact_bucket() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("s", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![Some("anna@x.se"), None])),
                Arc::new(arrow_array::Int64Array::from(vec![Some(37), Some(-3)])),
            ],
        )
        .unwrap();
        let run = |toml: &str| {
            let policy = Policy::from_toml(toml).unwrap();
            let mut nv = |_: &str| -> std::result::Result<Box<dyn TokenVault>, String> {
                Err("none".into())
            };
            let mut p = Pseudonymizer::new(&schema, &policy, None, None, &mut nv, None).unwrap();
            p.apply(&batch, 2).unwrap()
        };
        let out = run(
            "[columns.s]\ntransform = \"mask\"\nkeep_first = 1\n[columns.n]\ntransform = \"bucket\"\nwidth = 10\n",
        );
        assert_eq!(out.column(0).as_string::<i32>().value(0), "a***@*.**");
        assert!(out.column(0).is_null(1));
        assert_eq!(out.column(1).as_string::<i32>().value(0), "30-39");
        assert_eq!(out.column(1).as_string::<i32>().value(1), "-10--1");
        let out = run(
            "[columns.s]\ntransform = \"truncate\"\nlength = 3\n[columns.n]\ntransform = \"drop\"\n",
        );
        assert_eq!(out.num_columns(), 1);
        assert_eq!(out.column(0).as_string::<i32>().value(0), "ann");
        let out = run("[columns.s]\ntransform = \"redact\"\n");
        assert_eq!(out.column(0).as_string::<i32>().value(0), "[REDACTED]");
    }
}
