//! The `datalab` command line. Wiring only: every capability lives in a library crate.

mod anonymize_cmd;
mod assess_cmds;
mod commands;
mod dp_cmd;
mod progress;
mod pseudo_cmd;
mod release_cert;
mod release_cmd;
mod release_html;
mod risk_cmd;
mod synth_cmd;
mod verify_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// datalab — a data lab in one binary: turn raw files into data that is safe to use.
#[derive(Parser)]
#[command(name = "datalab", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The lab's folder (catalog, containers, keys). Default: $DATALAB_HOME, else ./.datalab
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Print results as JSON on stdout (stable field names) instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build the demo data (a synthetic patients table, plus the Adult census extract when
    /// ../shared/data is present), import it and show a short tour.
    Demo(DemoArgs),
    /// Import a CSV/TSV/JSON Lines/Parquet file (optionally .gz) as a new container version.
    Import(ImportArgs),
    /// List the containers in the lab and their versions.
    List,
    /// Show a container's schema, counts, provenance and first rows.
    Inspect(InspectArgs),
    /// Write a container's data to a CSV, Parquet or JSON Lines file.
    Export(ExportArgs),
    /// Recompute a container's hashes and counts and report any mismatch (exit 1 if any).
    VerifyContainer(VerifyArgs),
    /// Assess a container or file: profile, quality score, personal data and suggested roles;
    /// writes assessment.json and assessment.html.
    Assess(AssessArgs),
    /// Run a declared check suite (TOML or YAML) on a container or file; exit 1 if a check fails.
    Check(CheckArgs),
    /// Suggest a role for every column; record them in a new container version with --accept
    /// or --apply FILE.
    Roles(RolesArgs),
    /// Anonymise quasi-identifiers to k-anonymity (and l-diversity, t-closeness) with the least
    /// information loss: generalisation hierarchies, suppression, optimal lattice search.
    Anonymize(AnonymizeArgs),
    /// Re-identification risk of a container or file under the prosecutor, journalist and
    /// marketer models, with population-uniqueness estimates and a verdict against thresholds.
    Risk(RiskArgs),
    /// Synthetic data: fit a generator (with or without differential privacy), sample from it,
    /// or evaluate synthetic data against real data (fidelity, utility, privacy).
    Synth(synth_cmd::SynthArgs),
    /// Make a container or file safe for a purpose in one step: assess, settle roles,
    /// pseudonymise or drop identifiers, anonymise to the purpose's risk target, validate, and
    /// write the data, a report and a signed certificate.
    Release(ReleaseArgs),
    /// Pseudonymise a container or file by a policy (keyed tokens, format-preserving
    /// encryption, vault, date shifting, masking, …); keys stay in the keystore.
    Pseudonymize(PseudonymizeArgs),
    /// Reverse the encrypt and vault columns of a pseudonymisation output (key holder only;
    /// every use is recorded in the lab's audit log).
    Reidentify(ReidentifyArgs),
    /// Manage the pseudonymisation keys: new, list, rotate.
    Keys(KeysArgs),
    /// Verify a release certificate: signature, issuer, validity period and, with --data, the
    /// file's hash.
    Verify(VerifyCertArgs),
    /// Differential privacy: answer aggregate queries (COUNT, SUM, AVG, QUANTILE, GROUP BY) with
    /// OpenDP noise and a 95% interval, spending a recipient's budget in the lab's ledger.
    Dp(dp_cmd::DpArgs),
}

#[derive(Args, Clone)]
pub struct ReleaseArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// What the release is for; sets the targets (docs/release.md). Default: research.
    #[arg(long, value_enum)]
    pub purpose: Option<release_cmd::Purpose>,
    /// Settings in TOML (roles, targets, hierarchies; see docs/release.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accept the suggested column roles without asking.
    #[arg(long)]
    pub yes: bool,
    /// Replace a non-empty output folder.
    #[arg(long)]
    pub force: bool,
    /// Output folder: data.parquet, data.csv, report.html, report.json, certificate.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
}

#[derive(Args)]
pub struct PseudonymizeArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// The policy (TOML, one table per column; see docs/pseudonymisation.md). Default: from the
    /// container's recorded roles (identifiers → token, dates among the quasi-identifiers →
    /// date-shift).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output folder: pseudonymized.csv (or .parquet) and pseudonymization.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Data format of the output.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Keystore file (default: $DATALAB_KEYSTORE, else HOME/keys/keystore.json).
    #[arg(long, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
    /// Also store the pseudonymised data as a container with this name (its description
    /// names the key ids used).
    #[arg(long, value_name = "NAME")]
    pub store: Option<String>,
}

#[derive(Args)]
pub struct ReidentifyArgs {
    /// A pseudonymisation output folder (with pseudonymization.json).
    pub data: PathBuf,
    /// Why the re-identification is needed (recorded in the audit log).
    #[arg(long)]
    pub reason: String,
    /// Only these columns (default: every encrypt and vault column).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Output file (format from the extension: .csv, .parquet, .jsonl).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Keystore file (default: $DATALAB_KEYSTORE, else HOME/keys/keystore.json).
    #[arg(long, value_name = "FILE")]
    pub keystore: Option<PathBuf>,
}

#[derive(Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
    /// Keystore file (default: $DATALAB_KEYSTORE, else HOME/keys/keystore.json).
    #[arg(long, value_name = "FILE", global = true)]
    pub keystore: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Create a key (and the keystore, asking for a passphrase, if there is none).
    New {
        #[arg(long, default_value = "pseudonymisation")]
        purpose: String,
    },
    /// List the keys: ids, purposes, status — never key material.
    List,
    /// Make a new active key; the old one is retired but kept for reversal. With --rekey, also
    /// write a copy of a pseudonymisation output with its encrypted columns under the new key.
    Rotate {
        #[arg(long, default_value = "pseudonymisation")]
        purpose: String,
        #[arg(long, value_name = "DIR")]
        rekey: Option<PathBuf>,
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct RiskArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// Quasi-identifiers, comma-separated (default: the container's quasi_identifier roles).
    #[arg(long, value_delimiter = ',')]
    pub qi: Vec<String>,
    /// Size of the population the data was sampled from.
    #[arg(long, conflicts_with = "population")]
    pub population_size: Option<u64>,
    /// A population preset: USA, EU, or an EU member state code (SE, DK, NL, DE, …).
    #[arg(long)]
    pub population: Option<String>,
    /// Highest acceptable re-identification risk of any record (default 0.09, the European
    /// Medicines Agency's threshold for clinical-report publication).
    #[arg(long, default_value_t = 0.09)]
    pub max_risk: f64,
    /// Highest acceptable average risk.
    #[arg(long, default_value_t = 0.05)]
    pub avg_risk: f64,
    /// Highest acceptable share of population uniques (with a population).
    #[arg(long, default_value_t = 0.01)]
    pub population_uniqueness: f64,
    /// A population table (container or file with the same quasi-identifier columns) the
    /// attacker could link to: adds the journalist risk against it.
    #[arg(long, value_name = "DATA")]
    pub population_table: Option<String>,
    /// Also find special uniques (SUDA2 minimal sample uniques; up to 15 quasi-identifiers).
    #[arg(long)]
    pub suda: bool,
    /// Largest minimal-sample-unique size searched by --suda (default: all quasi-identifiers).
    #[arg(long, value_name = "K")]
    pub max_msu: Option<usize>,
    /// Sampling fraction for the DIS-SUDA score (default: from the population, else 0.01).
    #[arg(long, value_name = "FRACTION")]
    pub dis_fraction: Option<f64>,
    /// Sampling-weight column: adds the individual risk (Benedetti-Franconi, as sdcMicro).
    #[arg(long, value_name = "COLUMN")]
    pub weights: Option<String>,
    /// Write every record's risk to this CSV file (row, class size, risks).
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
    /// Output folder for risk.json and the self-contained risk.html.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct AnonymizeArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// Quasi-identifiers, comma-separated (default: the container's quasi_identifier roles).
    #[arg(long, value_delimiter = ',')]
    pub qi: Vec<String>,
    /// Sensitive attributes, comma-separated (default: the container's sensitive roles).
    #[arg(long, value_delimiter = ',')]
    pub sensitive: Vec<String>,
    /// ATTR=SPEC: file:PATH (ARX CSV), interval:WIDTH,FANOUT, quantile:BINS, date, mask, tree:PATH
    /// (see docs/hierarchies.md). Repeatable. Without one: dates by calendar, numbers by
    /// quantiles, codes by masking, other text straight to '*'.
    #[arg(long = "hierarchy", value_name = "ATTR=SPEC")]
    pub hierarchies: Vec<String>,
    /// k of k-anonymity.
    #[arg(long)]
    pub k: Option<u64>,
    /// l-diversity for every sensitive attribute: distinct:L, entropy:L or recursive:C,L.
    #[arg(long, value_name = "SPEC")]
    pub l_diversity: Option<String>,
    /// t-closeness for every sensitive attribute: equal:T, ordered:T or hierarchical:T.
    #[arg(long, value_name = "SPEC")]
    pub t_closeness: Option<String>,
    /// Highest re-identification risk (prosecutor) allowed for any record, e.g. 0.09.
    #[arg(long, value_name = "RISK")]
    pub max_risk: Option<f64>,
    /// Highest average re-identification risk (prosecutor) allowed, e.g. 0.05.
    #[arg(long, value_name = "RISK")]
    pub avg_risk: Option<f64>,
    /// Highest estimated share of population uniques, e.g. 0.01 (needs --population or
    /// --population-size).
    #[arg(long, value_name = "SHARE")]
    pub population_uniqueness: Option<f64>,
    /// Population the data is a sample of: USA, EU or an EU member state code; used by
    /// --population-uniqueness and the report's risk section.
    #[arg(long, value_name = "REGION", conflicts_with = "population_size")]
    pub population: Option<String>,
    /// Population size the data is a sample of (instead of --population).
    #[arg(long, value_name = "N")]
    pub population_size: Option<u64>,
    /// Largest share of records that may be suppressed, 0–1.
    #[arg(long)]
    pub suppression: Option<f64>,
    /// Metric to minimise: loss (default), loss:GS, entropy, discernibility, precision, height, aecs.
    #[arg(long)]
    pub metric: Option<String>,
    /// Leave suppressed records out instead of releasing them with '*'.
    #[arg(long)]
    pub drop_suppressed: bool,
    /// Best-effort search: stop after this many evaluated transformations.
    #[arg(long)]
    pub max_nodes: Option<u64>,
    /// Best-effort search: stop after this many seconds.
    #[arg(long)]
    pub max_seconds: Option<f64>,
    /// The whole setup from a TOML file (command-line options override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output folder: anonymized.csv (or .parquet), report.json, report.html.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Data format of the output.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// Also store the anonymised data as a container with this name.
    #[arg(long, value_name = "NAME")]
    pub store: Option<String>,
}

#[derive(Args)]
pub struct AssessArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// Folder for assessment.json and assessment.html (default: ./assessment-NAME).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Reference date for future-date and staleness checks (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The suite file (.toml, .yaml or .yml); see docs/checks.md.
    pub suite: PathBuf,
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
}

#[derive(Args)]
pub struct RolesArgs {
    /// A container (NAME or NAME@VERSION) or a data file.
    pub data: String,
    /// Record the suggested roles in a new version of the container.
    #[arg(long, conflicts_with = "apply")]
    pub accept: bool,
    /// Record the roles from this TOML file (`[roles]` table: column = "role") in a new version.
    #[arg(long, value_name = "FILE")]
    pub apply: Option<PathBuf>,
    /// Write the suggestions as an editable roles file, to review and pass to --apply.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Rows in the synthetic patients table.
    #[arg(long, default_value_t = datalab_data::demo::DEMO_ROWS)]
    pub rows: usize,
    /// Seed: the same seed always gives the same table.
    #[arg(long, default_value_t = datalab_data::demo::DEMO_SEED)]
    pub seed: u64,
    /// Where to look for the shared Adult data set.
    #[arg(long, value_name = "DIR", default_value = "../shared/data")]
    pub shared_data: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Parquet,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum HeaderArg {
    Auto,
    Yes,
    No,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EncodingArg {
    Auto,
    Utf8,
    Latin1,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import. It is only read, never modified.
    pub file: PathBuf,
    /// Container name (default: from the file name). Importing changed data under an existing
    /// name creates the next version; identical data is recognised and not stored again.
    #[arg(long)]
    pub name: Option<String>,
    /// What the data is (kept in the manifest).
    #[arg(long)]
    pub description: Option<String>,
    /// Licence of the data, e.g. CC-BY-4.0 (kept in the manifest).
    #[arg(long)]
    pub license: Option<String>,
    /// Who publishes the data (kept in the manifest).
    #[arg(long)]
    pub publisher: Option<String>,
    /// File format, when the extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// CSV delimiter (one character, or "tab"); sniffed by default.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Whether the first CSV line is a header.
    #[arg(long, value_enum, default_value = "auto")]
    pub header: HeaderArg,
    /// Text encoding: auto = UTF-8, falling back to Latin-1 with a warning.
    #[arg(long, value_enum, default_value = "auto")]
    pub encoding: EncodingArg,
    /// Cell values that mean "missing", comma-separated (the empty cell always does).
    #[arg(long, value_name = "LIST", default_value = "NA,N/A,null,?")]
    pub null_tokens: String,
    /// Rows used to infer column types, or "all" to scan the whole file first.
    #[arg(long, value_name = "N|all", default_value = "10000")]
    pub infer_rows: String,
    /// TOML file setting column types where inference is wrong (see docs/import.md).
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Skip rows with the wrong number of fields (or invalid JSON) and count them, instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

#[derive(Args)]
pub struct InspectArgs {
    /// NAME or NAME@VERSION (default: the latest version).
    pub container: String,
    /// How many rows to show.
    #[arg(long, default_value_t = 10)]
    pub rows: usize,
}

#[derive(Args)]
pub struct ExportArgs {
    /// NAME or NAME@VERSION (default: the latest version).
    pub container: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Output file; written atomically (complete or not at all).
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// NAME (all versions) or NAME@VERSION.
    pub container: String,
}

#[derive(Args)]
pub struct VerifyCertArgs {
    /// The certificate (certificate.json of a release).
    pub certificate: PathBuf,
    /// Also check that this file's SHA-256 is one the certificate certifies.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_usage() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
