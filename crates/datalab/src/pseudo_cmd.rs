//! `datalab keys`, `datalab pseudonymize` and `datalab reidentify`: keys kept apart from the
//! data, policies applied as a streaming map over record batches, and audited re-identification
//! by the key holder (docs/pseudonymisation.md).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datalab_data::container::{DescriptiveMetadata, ImportRequest, LabHome};
use datalab_data::read::Format;
use datalab_data::read::{ReadOptions, open_table};
use datalab_data::write::{AtomicFile, BatchWriter, write_atomic};
use datalab_data::{ColumnRole, DataError, Result};
use datalab_protect::pseudo::keystore::{
    KeySource, Keystore, KeystoreError, default_keystore_path,
};
use datalab_protect::pseudo::vault::{Vault, VaultError, vault_path};
use datalab_protect::pseudo::{Alphabet, CheckDigit, CheckDigitMode, FormatCipher};
use datalab_protect::pseudonymize::{
    ColumnPolicy, ColumnReport, Policy, PseudoError, Pseudonymizer, RunKey, SpanFinder, TokenVault,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use crate::assess_cmds::{Data, resolve};
use crate::commands::{format_of, print_json};
use crate::{KeysArgs, KeysCommand, PseudonymizeArgs, ReidentifyArgs, progress};

/// The purpose under which pseudonymisation keys are kept in the keystore.
const PURPOSE: &str = "pseudonymisation";

fn kerr(e: KeystoreError) -> DataError {
    // Wrong passphrase, tampering, missing secret: the user's to fix (exit 2). I/O: exit 1.
    match e {
        KeystoreError::Io { .. } => DataError::Integrity(e.to_string()),
        other => DataError::usage(other.to_string()),
    }
}

pub(crate) fn perr(e: PseudoError) -> DataError {
    match e {
        PseudoError::Usage(m) => DataError::usage(m),
        PseudoError::Failed(m) => DataError::Integrity(m),
    }
}

fn format_from_path(p: &Path) -> Format {
    p.extension()
        .and_then(|e| e.to_str())
        .and_then(Format::parse)
        .unwrap_or(Format::Csv)
}

fn keystore_path(home: &LabHome, given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("DATALAB_KEYSTORE").map(PathBuf::from))
        .unwrap_or_else(|| default_keystore_path(home.root()))
}

/// Opens the keystore, creating it (with a first key) when it does not exist yet.
fn open_or_create(path: &Path) -> Result<(Keystore, bool)> {
    if path.exists() {
        let source = KeySource::from_env_or_prompt(false).map_err(kerr)?;
        return Ok((Keystore::open(path, &source).map_err(kerr)?, false));
    }
    let source = KeySource::from_env_or_prompt(true).map_err(kerr)?;
    let mut ks = Keystore::create(path, &source).map_err(kerr)?;
    ks.new_key(PURPOSE).map_err(kerr)?;
    ks.save().map_err(kerr)?;
    Ok((ks, true))
}

fn open_existing(path: &Path) -> Result<Keystore> {
    if !path.exists() {
        return Err(DataError::usage(format!(
            "no keystore at {}: nothing was pseudonymised with a key here (or pass --keystore)",
            path.display()
        )));
    }
    let source = KeySource::from_env_or_prompt(false).map_err(kerr)?;
    Keystore::open(path, &source).map_err(kerr)
}

pub fn keys_cmd(home: &LabHome, a: &KeysArgs, json_out: bool) -> Result<ExitCode> {
    let path = keystore_path(home, a.keystore.as_deref());
    match &a.command {
        KeysCommand::New { purpose } => {
            let (mut ks, created) = open_or_create(&path)?;
            let id = if created && purpose == PURPOSE {
                ks.active_key(PURPOSE).map_err(kerr)?.id().clone()
            } else {
                let id = ks.new_key(purpose).map_err(kerr)?;
                ks.save().map_err(kerr)?;
                id
            };
            if json_out {
                print_json(
                    &json!({"keystore": path, "created_keystore": created, "key_id": id.as_str(), "purpose": purpose}),
                )?;
            } else {
                if created {
                    println!("created keystore {}", path.display());
                }
                println!("new key {} for {purpose}", id.as_str());
            }
        }
        KeysCommand::List => {
            let ks = open_existing(&path)?;
            if json_out {
                print_json(&json!({"keystore": path, "keys": ks.list()}))?;
            } else {
                println!("keystore {}", path.display());
                for k in ks.list() {
                    println!(
                        "  {}  {:<18} {:<8} created {}{}",
                        k.id.as_str(),
                        k.purpose,
                        format!("{:?}", k.status).to_lowercase(),
                        k.created,
                        k.retired
                            .as_deref()
                            .map(|r| format!(", retired {r}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        KeysCommand::Rotate {
            purpose,
            rekey,
            output,
        } => {
            let mut ks = open_existing(&path)?;
            // Check the output to re-key before anything changes in the keystore.
            let to_rekey = match rekey {
                Some(dir) => {
                    let out = output.as_deref().ok_or_else(|| {
                        DataError::usage("--rekey DIR needs -o OUT for the re-keyed copy")
                    })?;
                    Some((rekeyable(dir)?, out))
                }
                None => None,
            };
            let old = ks.active_key(purpose).ok().map(|k| k.id().clone());
            let id = ks.rotate(purpose).map_err(kerr)?;
            ks.save().map_err(kerr)?;
            let mut rekeyed = None;
            if let Some((loaded, out)) = to_rekey {
                rekeyed = Some(rekey_output(home, &ks, loaded, out)?);
            }
            if json_out {
                print_json(&json!({
                    "keystore": path,
                    "retired": old.as_ref().map(|k| k.as_str()),
                    "active": id.as_str(),
                    "rekeyed": rekeyed,
                }))?;
            } else {
                println!(
                    "{purpose}: new active key {}{}",
                    id.as_str(),
                    old.map(|o| format!(" ({} retired, kept for reversal)", o.as_str()))
                        .unwrap_or_default()
                );
                if let Some(r) = rekeyed {
                    println!("re-keyed copy written to {}", r.display());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The active pseudonymisation key for a run (creating the keystore on first use), with its id.
pub(crate) fn active_run_key(home: &LabHome) -> Result<(RunKey, String)> {
    let path = keystore_path(home, None);
    let (ks, _) = open_or_create(&path)?;
    let k = ks.active_key(PURPOSE).map_err(|_| {
        DataError::usage(format!(
            "the keystore {} has no active {PURPOSE} key: run datalab keys new",
            path.display()
        ))
    })?;
    let id = k.id().as_str().to_string();
    Ok((
        RunKey {
            id: id.clone(),
            material: Zeroizing::new(*k.material()),
        },
        id,
    ))
}

/// The report written next to the pseudonymised data (`pseudonymization.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct PseudonymizationReport {
    pub tool: String,
    pub input: String,
    pub output: String,
    pub format: String,
    pub rows: u64,
    pub policy: Policy,
    pub columns: Vec<ColumnReport>,
    /// Where the additional information (GDPR Art. 4(5)) lives: the keystore and any vaults.
    pub additional_information: AdditionalInformation,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AdditionalInformation {
    pub keystore: Option<String>,
    pub key_ids: Vec<String>,
    pub vaults: Vec<String>,
    pub statement: String,
}

/// The default policy from the container's recorded roles: direct identifiers → token; dates
/// among the quasi-identifiers → date-shift by the first identifier (else bucket by year).
fn default_policy(data: &Data, schema: &SchemaRef) -> Result<Policy> {
    let Some(m) = data.manifest() else {
        return Err(DataError::usage(
            "no policy: pass --policy FILE (see docs/pseudonymisation.md), or import the file and record its roles (datalab roles NAME --accept) to use the default policy",
        ));
    };
    let identifiers: Vec<&str> = m
        .schema
        .iter()
        .filter(|c| c.role == Some(ColumnRole::Identifier))
        .map(|c| c.name.as_str())
        .collect();
    if identifiers.is_empty() {
        return Err(DataError::usage(
            "the container has no column with the identifier role: record roles (datalab roles NAME --accept) or pass --policy",
        ));
    }
    let mut policy = Policy::default();
    for id in &identifiers {
        policy.columns.insert(
            id.to_string(),
            ColumnPolicy::Token {
                context: None,
                encoding: None,
                length: None,
            },
        );
    }
    for c in &m.schema {
        if c.role != Some(ColumnRole::QuasiIdentifier) {
            continue;
        }
        let is_date = schema
            .field_with_name(&c.name)
            .map(|f| matches!(f.data_type(), DataType::Date32 | DataType::Timestamp(_, _)))
            .unwrap_or(false);
        if is_date {
            policy.columns.insert(
                c.name.clone(),
                ColumnPolicy::DateShift {
                    subject: identifiers[0].to_string(),
                    max_days: 30,
                    context: None,
                },
            );
        }
    }
    Ok(policy)
}

/// Free-text PII spans from the assessment's detectors.
fn span_finder() -> Arc<SpanFinder> {
    Arc::new(|text: &str| {
        datalab_assess::pii::find_spans(text)
            .into_iter()
            .map(|s| (s.start, s.end, s.entity.name().to_ascii_uppercase()))
            .collect()
    })
}

pub fn pseudonymize_cmd(home: &LabHome, a: &PseudonymizeArgs, json_out: bool) -> Result<ExitCode> {
    let data = resolve(home, &a.data)?;
    let policy_given = match &a.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| DataError::Io {
                context: format!("reading the policy {}", p.display()),
                source: e,
            })?;
            Some(Policy::from_toml(&text).map_err(perr)?)
        }
        None => None,
    };
    let bar = progress::rows(&format!("pseudonymising {}", data.label()), json_out);
    let (schema, mut stream) = data.open(&bar)?;
    let policy = match policy_given {
        Some(p) => p,
        None => default_policy(&data, &schema)?,
    };
    let ks_path = keystore_path(home, a.keystore.as_deref());
    let (key, keystore) = if policy.needs_key() {
        let (ks, _) = open_or_create(&ks_path)?;
        let k = match ks.active_key(PURPOSE) {
            Ok(k) => k,
            Err(_) => {
                return Err(DataError::usage(format!(
                    "the keystore {} has no active {PURPOSE} key: run datalab keys new",
                    ks_path.display()
                )));
            }
        };
        let run = RunKey {
            id: k.id().as_str().to_string(),
            material: Zeroizing::new(*k.material()),
        };
        (Some(run), Some(ks))
    } else {
        (None, None)
    };
    let first = stream.next().transpose()?;
    let vault_dir = home.root().join("vaults");
    let mut vault_paths: Vec<PathBuf> = Vec::new();
    let mut open_vault = |name: &str| -> std::result::Result<Box<dyn TokenVault>, String> {
        let (Some(ks), Some(k)) = (&keystore, &key) else {
            return Err("no key".into());
        };
        let key = ks
            .get(&k.id.parse().map_err(|e| format!("{e}"))?)
            .map_err(|e| e.to_string())?;
        let path = vault_path(home.root(), name).map_err(|e| e.to_string())?;
        let v = match Vault::open_or_create(&path, &key) {
            // Sealed with an earlier (retired) key: keep using that key for this vault.
            Err(VaultError::WrongKey { sealed_with, .. }) => {
                let id = sealed_with.parse().map_err(|e| format!("{e}"))?;
                let older = ks.get(&id).map_err(|e| e.to_string())?;
                Vault::open(&path, &older).map_err(|e| e.to_string())?
            }
            other => other.map_err(|e| e.to_string())?,
        };
        vault_paths.push(path);
        Ok(Box::new(v))
    };
    let mut p = Pseudonymizer::new(
        &schema,
        &policy,
        first.as_ref(),
        key.as_ref(),
        &mut open_vault,
        Some(span_finder()),
    )
    .map_err(perr)?;

    std::fs::create_dir_all(&a.output).map_err(|e| DataError::Io {
        context: format!("creating {}", a.output.display()),
        source: e,
    })?;
    let format = format_of(a.format);
    let data_path = a.output.join(format!("pseudonymized.{}", format.name()));
    let out_schema = p.schema();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4);
    // Writer on its own thread: encoding the output overlaps with transforming the next batch.
    let (tx, rx) = sync_channel::<RecordBatch>(4);
    let writer_path = data_path.clone();
    // Tokens and ciphertexts are random-looking: no dictionary, no compression for them.
    let random: Vec<String> = policy
        .columns
        .iter()
        .filter(|(_, c)| {
            matches!(
                c,
                ColumnPolicy::Token { .. }
                    | ColumnPolicy::Encrypt { .. }
                    | ColumnPolicy::Vault { .. }
            )
        })
        .map(|(n, _)| n.clone())
        .collect();
    let writer = std::thread::spawn(move || -> Result<()> {
        let mut file = AtomicFile::create(&writer_path)?;
        let mut w = BatchWriter::with_random_columns(format, file.file(), &out_schema, &random)?;
        for b in rx {
            w.write(&b)?;
        }
        w.finish()?;
        file.commit()
    });
    let mut rows = 0u64;
    let mut failure = None;
    // Reading (Parquet decoding, CSV parsing) on its own thread too, ahead of the transforms.
    std::thread::scope(|scope| {
        let (read_tx, read_rx) = sync_channel::<Result<RecordBatch>>(2);
        let batches = first.into_iter().map(Ok).chain(stream.by_ref());
        scope.spawn(move || {
            for b in batches {
                let failed = b.is_err();
                if read_tx.send(b).is_err() || failed {
                    break;
                }
            }
        });
        for batch in read_rx {
            let out = batch.and_then(|b| p.apply(&b, threads).map_err(perr));
            match out {
                Ok(out) => {
                    rows += out.num_rows() as u64;
                    if tx.send(out).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
    });
    drop(tx);
    let written = writer
        .join()
        .map_err(|_| DataError::Integrity("the writer thread failed".into()))?;
    bar.finish_and_clear();
    if let Some(e) = failure {
        // The temporary output is removed with the unfinished AtomicFile: nothing half-written.
        return Err(e);
    }
    written?;
    p.finish().map_err(perr)?;
    let columns = p.reports(rows);

    let mut warnings = Vec::new();
    for c in &columns {
        if let Some(p) = c
            .details
            .get("collision_probability")
            .and_then(|v| v.as_f64())
            && p > 1e-6
        {
            warnings.push(format!(
                "column '{}': the chance that two different values share a token is {p:.2e} at this length; use a longer token",
                c.name
            ));
        }
        if c.details.get("valid_check_digits") == Some(&json!(true)) {
            warnings.push(format!(
                "column '{}': encrypted values keep valid check digits ({} of {}) and look like real identifiers",
                c.name,
                c.check_digit_valid_outputs.unwrap_or(0),
                c.values
            ));
        }
    }
    if let Some(m) = data.manifest() {
        for c in &m.schema {
            if c.role == Some(ColumnRole::Identifier)
                && columns
                    .iter()
                    .any(|r| r.name == c.name && r.transform == "keep")
            {
                warnings.push(format!(
                    "column '{}' is a direct identifier and was kept as it is",
                    c.name
                ));
            }
        }
    }
    let mut key_ids: Vec<String> = Vec::new();
    for k in columns.iter().filter_map(|c| c.key_id.clone()) {
        if !key_ids.contains(&k) {
            key_ids.push(k);
        }
    }
    let report = PseudonymizationReport {
        tool: format!("datalab {}", env!("CARGO_PKG_VERSION")),
        input: data.label(),
        output: data_path.display().to_string(),
        format: format.name().to_string(),
        rows,
        policy: policy.clone(),
        columns,
        additional_information: AdditionalInformation {
            keystore: keystore.as_ref().map(|_| ks_path.display().to_string()),
            key_ids: key_ids.clone(),
            vaults: vault_paths
                .iter()
                .map(|v| v.display().to_string())
                .collect(),
            statement: if key_ids.is_empty() {
                "No key was used: the transforms applied are not reversible and need no additional information.".into()
            } else {
                format!(
                    "The additional information needed to attribute the data to a person is kept separately: key {} in the keystore {} (encrypted at rest, readable only with its passphrase){}. Without it, tokens cannot be linked back to people.",
                    key_ids.join(", "),
                    ks_path.display(),
                    if vault_paths.is_empty() {
                        String::new()
                    } else {
                        format!(", and the encrypted vault(s) under {}", vault_dir.display())
                    }
                )
            },
        },
        warnings,
    };
    let report_path = a.output.join("pseudonymization.json");
    let text = serde_json::to_vec_pretty(&report)
        .map_err(|e| DataError::Integrity(format!("serialising the report: {e}")))?;
    write_atomic(&report_path, &text)?;

    let stored = match &a.store {
        Some(name) => Some(crate::commands::run_import(
            home,
            &ImportRequest {
                path: data_path.clone(),
                name: Some(name.clone()),
                metadata: DescriptiveMetadata {
                    description: Some(format!(
                        "pseudonymised from {} by datalab pseudonymize; key ids: {}; report: {}",
                        data.label(),
                        if key_ids.is_empty() {
                            "none".to_string()
                        } else {
                            key_ids.join(", ")
                        },
                        report_path.display()
                    )),
                    license: None,
                    publisher: None,
                },
                read: ReadOptions::default(),
            },
            json_out,
        )?),
        None => None,
    };
    if json_out {
        print_json(&json!({
            "data": data_path,
            "report_json": report_path,
            "stored": stored.as_ref().map(|o| json!({"name": o.manifest.name, "version": o.manifest.version})),
            "report": report,
        }))?;
    } else {
        println!("{}: {} rows pseudonymised", data.label(), rows);
        for c in &report.columns {
            if c.transform == "keep" {
                continue;
            }
            println!(
                "  {:<20} {}{}{}",
                c.name,
                c.transform,
                c.key_id
                    .as_deref()
                    .map(|k| format!(" (key {k})"))
                    .unwrap_or_default(),
                if c.reversible {
                    ", reversible by the key holder"
                } else {
                    ""
                }
            );
        }
        for w in &report.warnings {
            println!("  warning: {w}");
        }
        println!("  {}", report.additional_information.statement);
        println!(
            "wrote {} and {}",
            data_path.display(),
            report_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a pseudonymisation output folder: its report and its data.
fn read_output(dir: &Path) -> Result<(PseudonymizationReport, SchemaRef, Vec<RecordBatch>)> {
    let report_path = dir.join("pseudonymization.json");
    let text = std::fs::read_to_string(&report_path).map_err(|e| {
        DataError::usage(format!(
            "{} is not a pseudonymisation output folder ({}: {e})",
            dir.display(),
            report_path.display()
        ))
    })?;
    let report: PseudonymizationReport = serde_json::from_str(&text).map_err(|e| {
        DataError::usage(format!(
            "{} is not a valid report: {e}",
            report_path.display()
        ))
    })?;
    let file = dir.join(
        Path::new(&report.output)
            .file_name()
            .ok_or_else(|| DataError::usage("the report names no output file"))?,
    );
    let opts = ReadOptions {
        hash_source: false,
        // Pseudonyms are text: keep every column as read, no type guessing on tokens.
        ..ReadOptions::default()
    };
    let reader = open_table(&file, &opts)?;
    let (schema, batches) = reader.read_all()?;
    Ok((report, schema, batches))
}

/// How to reverse one column: FF1 with the recorded parameters, or a vault lookup.
enum Reverse {
    Decrypt {
        cipher: Box<FormatCipher>,
        tweak: Vec<u8>,
    },
    Vault(Box<Vault>),
}

fn reverse_for(
    home: &LabHome,
    ks: &Keystore,
    c: &ColumnReport,
) -> Result<Option<(Reverse, String)>> {
    if !c.reversible {
        return Ok(None);
    }
    let key_id = c
        .key_id
        .as_deref()
        .ok_or_else(|| DataError::usage(format!("column '{}': the report names no key", c.name)))?;
    let key = ks
        .get(
            &key_id
                .parse()
                .map_err(|e| DataError::usage(format!("key id {key_id}: {e}")))?,
        )
        .map_err(kerr)?;
    match c.transform.as_str() {
        "encrypt" => {
            let alphabet: Alphabet = c
                .details
                .get("alphabet")
                .and_then(|v| v.as_str())
                .unwrap_or("digits")
                .parse()
                .map_err(DataError::usage)?;
            let context = c.context.clone().unwrap_or_else(|| "default".into());
            let mut cipher = FormatCipher::from_key(key.material(), &context, alphabet)
                .map_err(|e| DataError::usage(e.to_string()))?;
            if let Some(cd) = c.details.get("check_digit").and_then(|v| v.as_str()) {
                let mode = if c.details.get("valid_check_digits") == Some(&json!(true)) {
                    CheckDigitMode::Valid
                } else {
                    CheckDigitMode::Pseudonymous
                };
                let check = CheckDigit::named(cd, mode).ok_or_else(|| {
                    DataError::usage(format!("unknown check-digit scheme '{cd}'"))
                })?;
                cipher = cipher.with_check_digit(check);
            }
            Ok(Some((
                Reverse::Decrypt {
                    cipher: Box::new(cipher),
                    tweak: datalab_protect::pseudonymize::ff1_tweak(&context),
                },
                key_id.to_string(),
            )))
        }
        "vault" => {
            let name = c
                .details
                .get("vault")
                .and_then(|v| v.as_str())
                .unwrap_or(&c.name);
            let path =
                vault_path(home.root(), name).map_err(|e| DataError::usage(e.to_string()))?;
            let v = Vault::open(&path, &key).map_err(|e| DataError::usage(e.to_string()))?;
            Ok(Some((Reverse::Vault(Box::new(v)), key_id.to_string())))
        }
        _ => Ok(None),
    }
}

fn reverse_column(array: &dyn Array, how: &Reverse, name: &str) -> Result<ArrayRef> {
    let texts: Vec<Option<String>> = match array.as_string_opt::<i32>() {
        Some(s) => s.iter().map(|v| v.map(str::to_string)).collect(),
        None => {
            let f = arrow_cast::display::ArrayFormatter::try_new(array, &Default::default())
                .map_err(|e| DataError::Integrity(e.to_string()))?;
            (0..array.len())
                .map(|i| (!array.is_null(i)).then(|| f.value(i).to_string()))
                .collect()
        }
    };
    let mut out = Vec::with_capacity(texts.len());
    for (i, t) in texts.iter().enumerate() {
        out.push(match t {
            None => None,
            Some(v) => Some(match how {
                Reverse::Decrypt { cipher, tweak } => cipher.decrypt(tweak, v).map_err(|e| {
                    DataError::usage(format!("column '{name}', row {}: {e}", i + 1))
                })?,
                Reverse::Vault(r) => r.reverse(v).map(str::to_string).ok_or_else(|| {
                    DataError::usage(format!(
                        "column '{name}', row {}: token not in the vault",
                        i + 1
                    ))
                })?,
            }),
        });
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// One line of the re-identification log (never any value).
#[derive(Serialize)]
struct AuditLine<'a> {
    time: String,
    user: String,
    action: &'a str,
    data: String,
    columns: &'a [String],
    rows: u64,
    key_ids: &'a [String],
    reason: &'a str,
    output: String,
}

fn audit(home: &LabHome, line: &AuditLine<'_>) -> Result<PathBuf> {
    let dir = home.root().join("audit");
    std::fs::create_dir_all(&dir).map_err(|e| DataError::Io {
        context: format!("creating {}", dir.display()),
        source: e,
    })?;
    let path = dir.join("reidentification.log");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| DataError::Io {
            context: format!("opening {}", path.display()),
            source: e,
        })?;
    let mut text = serde_json::to_string(line)
        .map_err(|e| DataError::Integrity(format!("audit line: {e}")))?;
    text.push('\n');
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| DataError::Io {
            context: format!("writing {}", path.display()),
            source: e,
        })?;
    Ok(path)
}

pub fn reidentify_cmd(home: &LabHome, a: &ReidentifyArgs, json_out: bool) -> Result<ExitCode> {
    if a.reason.trim().len() < 4 {
        return Err(DataError::usage(
            "--reason: say why the re-identification is needed (it is recorded in the audit log)",
        ));
    }
    let (report, schema, batches) = read_output(&a.data)?;
    let wanted: Vec<&ColumnReport> = report
        .columns
        .iter()
        .filter(|c| c.reversible && (a.columns.is_empty() || a.columns.contains(&c.name)))
        .collect();
    for c in &a.columns {
        if !report.columns.iter().any(|r| &r.name == c && r.reversible) {
            return Err(DataError::usage(format!(
                "column '{c}' cannot be re-identified: only encrypt and vault columns are reversible ({})",
                report
                    .columns
                    .iter()
                    .filter(|r| r.reversible)
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if wanted.is_empty() {
        return Err(DataError::usage(
            "this output has no reversible column (token, date-shift and the other transforms are one-way)",
        ));
    }
    let ks = open_existing(&keystore_path(home, a.keystore.as_deref()))?;
    let mut plans = Vec::new();
    let mut key_ids = Vec::new();
    for c in &wanted {
        if let Some((r, k)) = reverse_for(home, &ks, c)? {
            let idx = schema
                .index_of(&c.name)
                .map_err(|_| DataError::usage(format!("the data has no column '{}'", c.name)))?;
            plans.push((idx, r, c.name.clone()));
            if !key_ids.contains(&k) {
                key_ids.push(k);
            }
        }
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if plans.iter().any(|p| p.0 == i) {
                Field::new(f.name(), DataType::Utf8, true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let out_schema: SchemaRef = Arc::new(Schema::new(fields));
    let mut out_batches = Vec::new();
    let mut rows = 0u64;
    for b in &batches {
        let mut cols = b.columns().to_vec();
        for (idx, how, name) in &plans {
            cols[*idx] = reverse_column(b.column(*idx).as_ref(), how, name)?;
        }
        rows += b.num_rows() as u64;
        out_batches.push(
            RecordBatch::try_new(out_schema.clone(), cols)
                .map_err(|e| DataError::Integrity(e.to_string()))?,
        );
    }
    let format = format_from_path(&a.output);
    let mut file = AtomicFile::create(&a.output)?;
    let mut w = BatchWriter::new(format, file.file(), &out_schema)?;
    for b in &out_batches {
        w.write(b)?;
    }
    w.finish()?;
    // Logged before the output becomes visible: no re-identification without a record.
    let columns: Vec<String> = plans.iter().map(|p| p.2.clone()).collect();
    let log = audit(
        home,
        &AuditLine {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            user: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
            action: "reidentify",
            data: a.data.display().to_string(),
            columns: &columns,
            rows,
            key_ids: &key_ids,
            reason: a.reason.trim(),
            output: a.output.display().to_string(),
        },
    )?;
    file.commit()?;
    if json_out {
        print_json(
            &json!({"output": a.output, "columns": columns, "rows": rows, "audit_log": log}),
        )?;
    } else {
        println!(
            "re-identified {} in {} rows → {} (recorded in {})",
            columns.join(", "),
            rows,
            a.output.display(),
            log.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Re-keys an output folder: encrypted columns are decrypted with their recorded key and
/// encrypted again with the new active key. One-way columns (tokens, date shifts) cannot be
/// re-keyed without the source data: the command refuses and says so.
type LoadedOutput = (PseudonymizationReport, SchemaRef, Vec<RecordBatch>);

/// Reads an output folder and checks that its keyed columns can be re-keyed.
fn rekeyable(dir: &Path) -> Result<LoadedOutput> {
    let (report, schema, batches) = read_output(dir)?;
    let one_way: Vec<&str> = report
        .columns
        .iter()
        .filter(|c| c.key_id.is_some() && !c.reversible)
        .map(|c| c.name.as_str())
        .collect();
    if !one_way.is_empty() {
        return Err(DataError::usage(format!(
            "columns {} are one-way (token, date-shift, text): re-key them by running datalab pseudonymize on the source again, which now uses the new key",
            one_way.join(", ")
        )));
    }
    if report.columns.iter().any(|c| c.transform == "vault") {
        return Err(DataError::usage(
            "vault columns hold random tokens with no mathematical link to the key: they need no re-keying of the data",
        ));
    }
    Ok((report, schema, batches))
}

fn rekey_output(
    home: &LabHome,
    ks: &Keystore,
    (mut report, schema, batches): LoadedOutput,
    out: &Path,
) -> Result<PathBuf> {
    let new = ks.active_key(PURPOSE).map_err(kerr)?;
    let new_id = new.id().as_str().to_string();
    let run = RunKey {
        id: new_id.clone(),
        material: Zeroizing::new(*new.material()),
    };
    let mut plans = Vec::new();
    for c in report
        .columns
        .iter_mut()
        .filter(|c| c.transform == "encrypt")
    {
        let Some((how, _)) = reverse_for(home, ks, c)? else {
            continue;
        };
        let idx = schema
            .index_of(&c.name)
            .map_err(|_| DataError::usage(format!("the data has no column '{}'", c.name)))?;
        let policy =
            report.policy.columns.get(&c.name).cloned().ok_or_else(|| {
                DataError::usage(format!("the report's policy lacks '{}'", c.name))
            })?;
        plans.push((idx, how, c.name.clone(), policy));
        c.key_id = Some(new_id.clone());
    }
    std::fs::create_dir_all(out).map_err(|e| DataError::Io {
        context: format!("creating {}", out.display()),
        source: e,
    })?;
    let mut no_vault =
        |_: &str| -> std::result::Result<Box<dyn TokenVault>, String> { Err("no vault".into()) };
    let mut out_batches = Vec::new();
    for b in &batches {
        let mut cols = b.columns().to_vec();
        for (idx, how, name, policy) in &plans {
            let plain = reverse_column(b.column(*idx).as_ref(), how, name)?;
            let one = Arc::new(Schema::new(vec![Field::new(name, DataType::Utf8, true)]));
            let batch = RecordBatch::try_new(one.clone(), vec![plain])
                .map_err(|e| DataError::Integrity(e.to_string()))?;
            let mut single = Policy::default();
            single.columns.insert(name.clone(), policy.clone());
            let mut p =
                Pseudonymizer::new(&one, &single, Some(&batch), Some(&run), &mut no_vault, None)
                    .map_err(perr)?;
            cols[*idx] = p.apply(&batch, 1).map_err(perr)?.column(0).clone();
        }
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .zip(&cols)
            .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
            .collect();
        out_batches.push(
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
                .map_err(|e| DataError::Integrity(e.to_string()))?,
        );
    }
    let file_name = Path::new(&report.output)
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "pseudonymized.csv".into());
    let data_path = out.join(file_name);
    let format = format_from_path(&data_path);
    let out_schema = out_batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| schema.clone());
    let mut file = AtomicFile::create(&data_path)?;
    let mut w = BatchWriter::new(format, file.file(), &out_schema)?;
    for b in &out_batches {
        w.write(b)?;
    }
    w.finish()?;
    file.commit()?;
    report.output = data_path.display().to_string();
    report.additional_information.key_ids = vec![new_id];
    let text = serde_json::to_vec_pretty(&report)
        .map_err(|e| DataError::Integrity(format!("serialising the report: {e}")))?;
    write_atomic(&out.join("pseudonymization.json"), &text)?;
    Ok(out.to_path_buf())
}
