//! How a hierarchy is chosen on the command line or in a config file: `ATTR=SPEC`, where SPEC is
//! one of (full description in `docs/hierarchies.md`):
//!
//! | spec | hierarchy |
//! |---|---|
//! | `file:PATH` or just `PATH` | ARX-format CSV file |
//! | `interval:WIDTH[,FANOUT…][,bottom=X][,top=X][,origin=X][,levels=N]` | fixed-width intervals |
//! | `quantile:BINS[,fanout=N][,bottom=X][,top=X]` | quantile intervals |
//! | `date[:LEVEL,…]` with levels from `day,month,quarter,year,decade` | dates |
//! | `mask[:STEP][,char=C]` | right-to-left masking |
//! | `tree:PATH` (`.toml`, `.yaml`, `.yml`) | categorical tree |

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::build::{self, DateLevel, IntervalOptions, QuantileOptions};
use super::{Hierarchy, HierarchyError, tree};

/// A hierarchy source: a file or a rule to build one from the data values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum HierarchySpec {
    /// An ARX-format CSV file.
    File(PathBuf),
    /// Fixed-width intervals ([`build::intervals`]).
    Interval(IntervalOptions),
    /// Quantile intervals ([`build::quantiles`]).
    Quantile(QuantileOptions),
    /// Dates ([`build::dates`]); `None` = the default levels.
    Date(Option<Vec<DateLevel>>),
    /// Right-to-left masking ([`build::mask`]).
    Mask { step: usize, mask_char: char },
    /// A categorical tree in TOML or YAML ([`tree::tree`]).
    Tree(PathBuf),
}

fn spec_error(spec: &str, message: impl Into<String>) -> HierarchyError {
    HierarchyError::Spec {
        spec: spec.to_string(),
        message: message.into(),
    }
}

const KINDS: &str = "file:PATH, interval:WIDTH,FANOUT, quantile:BINS, date, mask or tree:PATH";

/// Parses `ATTR=SPEC` (as given to `--hierarchy`) into the attribute and its spec.
pub fn parse_assignment(text: &str) -> Result<(String, HierarchySpec), HierarchyError> {
    let Some((attr, spec)) = text.split_once('=') else {
        return Err(spec_error(
            text,
            format!("write ATTRIBUTE=SPEC, e.g. age=interval:5,2 (SPEC: {KINDS})"),
        ));
    };
    let attr = attr.trim();
    if attr.is_empty() {
        return Err(spec_error(
            text,
            "the attribute name before '=' is empty".to_string(),
        ));
    }
    // Name the whole `ATTR=SPEC` in errors, so the user sees which attribute is meant.
    let spec = spec.parse().map_err(|e| match e {
        HierarchyError::Spec { message, .. } => spec_error(text, message),
        other => other,
    })?;
    Ok((attr.to_string(), spec))
}

impl FromStr for HierarchySpec {
    type Err = HierarchyError;

    fn from_str(text: &str) -> Result<HierarchySpec, HierarchyError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(spec_error(text, format!("empty; give one of {KINDS}")));
        }
        let (kind, args) = match t.split_once(':') {
            Some((k, a)) => (k.trim().to_ascii_lowercase(), Some(a.trim())),
            None => (t.to_ascii_lowercase(), None),
        };
        let need_args = |what: &str| {
            args.filter(|a| !a.is_empty())
                .ok_or_else(|| spec_error(text, format!("give {what} after '{kind}:'")))
        };
        match kind.as_str() {
            "file" => Ok(HierarchySpec::File(PathBuf::from(need_args(
                "a file path",
            )?))),
            "tree" => Ok(HierarchySpec::Tree(PathBuf::from(need_args(
                "a .toml or .yaml file",
            )?))),
            "interval" | "intervals" => parse_interval(text, need_args("a width, e.g. 5,2")?),
            "quantile" | "quantiles" => parse_quantile(text, need_args("a number of bins")?),
            "date" | "dates" => parse_date(text, args),
            "mask" => parse_mask(text, args),
            _ if args.is_none() && looks_like_path(t) => Ok(HierarchySpec::File(PathBuf::from(t))),
            _ if args.is_some() && kind.len() == 1 => {
                // A Windows drive letter (C:\…) is a path.
                Ok(HierarchySpec::File(PathBuf::from(t)))
            }
            _ => Err(spec_error(
                text,
                format!("unknown kind '{kind}'; use {KINDS}"),
            )),
        }
    }
}

fn looks_like_path(t: &str) -> bool {
    t.contains(['/', '\\', '.'])
}

/// Splits `a,b,key=value,…` into positional arguments and options.
fn split_args(args: &str) -> (Vec<&str>, Vec<(&str, &str)>) {
    let mut positional = Vec::new();
    let mut named = Vec::new();
    for part in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((k, v)) => named.push((k.trim(), v.trim())),
            None => positional.push(part),
        }
    }
    (positional, named)
}

fn parse_count<T: FromStr>(spec: &str, what: &str, text: &str) -> Result<T, HierarchyError> {
    text.parse()
        .map_err(|_| spec_error(spec, format!("{what} '{text}' is not a whole number")))
}

fn check_number(spec: &str, what: &str, text: &str) -> Result<String, HierarchyError> {
    let ok = text.parse::<f64>().is_ok_and(f64::is_finite);
    if ok {
        Ok(text.to_string())
    } else {
        Err(spec_error(spec, format!("{what} '{text}' is not a number")))
    }
}

fn unknown_option(spec: &str, key: &str, allowed: &str) -> HierarchyError {
    spec_error(spec, format!("unknown option '{key}'; allowed: {allowed}"))
}

fn parse_interval(spec: &str, args: &str) -> Result<HierarchySpec, HierarchyError> {
    let (pos, named) = split_args(args);
    let Some((width, fanouts)) = pos.split_first() else {
        return Err(spec_error(
            spec,
            "give the interval width first, e.g. interval:5,2",
        ));
    };
    let mut o = IntervalOptions::new(check_number(spec, "width", width)?, Vec::new());
    for f in fanouts {
        o.fanout.push(parse_count(spec, "fan-out", f)?);
    }
    for (k, v) in named {
        match k {
            "bottom" => o.bottom = Some(check_number(spec, k, v)?),
            "top" => o.top = Some(check_number(spec, k, v)?),
            "origin" => o.origin = Some(check_number(spec, k, v)?),
            "levels" => o.max_levels = Some(parse_count(spec, k, v)?),
            "fanout" => o.fanout.push(parse_count(spec, k, v)?),
            _ => return Err(unknown_option(spec, k, "bottom, top, origin, levels")),
        }
    }
    Ok(HierarchySpec::Interval(o))
}

fn parse_quantile(spec: &str, args: &str) -> Result<HierarchySpec, HierarchyError> {
    let (pos, named) = split_args(args);
    let [bins] = pos.as_slice() else {
        return Err(spec_error(
            spec,
            "give one number of bins, then options: quantile:4,fanout=2,bottom=18",
        ));
    };
    let mut o = QuantileOptions::new(parse_count(spec, "bins", bins)?);
    for (k, v) in named {
        match k {
            "fanout" => o.fanout = parse_count(spec, k, v)?,
            "bottom" => o.bottom = Some(check_number(spec, k, v)?),
            "top" => o.top = Some(check_number(spec, k, v)?),
            _ => return Err(unknown_option(spec, k, "fanout, bottom, top")),
        }
    }
    Ok(HierarchySpec::Quantile(o))
}

fn parse_date(spec: &str, args: Option<&str>) -> Result<HierarchySpec, HierarchyError> {
    let Some(args) = args.filter(|a| !a.is_empty()) else {
        return Ok(HierarchySpec::Date(None));
    };
    let mut levels = Vec::new();
    for name in args.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        levels.push(DateLevel::from_name(name).ok_or_else(|| {
            spec_error(
                spec,
                format!("unknown date level '{name}'; use day, month, quarter, year, decade"),
            )
        })?);
    }
    Ok(HierarchySpec::Date(Some(levels)))
}

fn parse_mask(spec: &str, args: Option<&str>) -> Result<HierarchySpec, HierarchyError> {
    let mut step = 1usize;
    let mut mask_char = '*';
    if let Some(args) = args {
        let (pos, named) = split_args(args);
        match pos.as_slice() {
            [] => {}
            [s] => step = parse_count(spec, "step", s)?,
            _ => return Err(spec_error(spec, "give at most one step: mask:2,char=#")),
        }
        for (k, v) in named {
            match k {
                "step" => step = parse_count(spec, k, v)?,
                "char" => {
                    let mut chars = v.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c != ',' => mask_char = c,
                        _ => {
                            return Err(spec_error(
                                spec,
                                format!("char '{v}' must be one character"),
                            ));
                        }
                    }
                }
                _ => return Err(unknown_option(spec, k, "step, char")),
            }
        }
    }
    if step == 0 {
        return Err(spec_error(spec, "the mask step must be at least 1"));
    }
    Ok(HierarchySpec::Mask { step, mask_char })
}

impl fmt::Display for HierarchySpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            HierarchySpec::File(p) => write!(f, "file:{}", p.display()),
            HierarchySpec::Tree(p) => write!(f, "tree:{}", p.display()),
            HierarchySpec::Interval(o) => {
                write!(f, "interval:{}", o.width)?;
                for x in &o.fanout {
                    write!(f, ",{x}")?;
                }
                if let Some(b) = &o.bottom {
                    write!(f, ",bottom={b}")?;
                }
                if let Some(t) = &o.top {
                    write!(f, ",top={t}")?;
                }
                if let Some(x) = &o.origin {
                    write!(f, ",origin={x}")?;
                }
                if let Some(l) = o.max_levels {
                    write!(f, ",levels={l}")?;
                }
                Ok(())
            }
            HierarchySpec::Quantile(o) => {
                write!(f, "quantile:{},fanout={}", o.bins, o.fanout)?;
                if let Some(b) = &o.bottom {
                    write!(f, ",bottom={b}")?;
                }
                if let Some(t) = &o.top {
                    write!(f, ",top={t}")?;
                }
                Ok(())
            }
            HierarchySpec::Date(None) => write!(f, "date"),
            HierarchySpec::Date(Some(levels)) => {
                let names: Vec<&str> = levels.iter().map(|l| l.name()).collect();
                write!(f, "date:{}", names.join(","))
            }
            HierarchySpec::Mask { step, mask_char } => {
                write!(f, "mask:{step},char={mask_char}")
            }
        }
    }
}

impl TryFrom<String> for HierarchySpec {
    type Error = HierarchyError;
    fn try_from(s: String) -> Result<HierarchySpec, HierarchyError> {
        s.parse()
    }
}

impl From<HierarchySpec> for String {
    fn from(s: HierarchySpec) -> String {
        s.to_string()
    }
}

impl HierarchySpec {
    /// The same spec with a relative file path taken relative to `base` (the folder of the config
    /// file that named it).
    pub fn relative_to(&self, base: &Path) -> HierarchySpec {
        match self {
            HierarchySpec::File(p) if p.is_relative() => HierarchySpec::File(base.join(p)),
            HierarchySpec::Tree(p) if p.is_relative() => HierarchySpec::Tree(base.join(p)),
            other => other.clone(),
        }
    }

    /// Loads or builds the hierarchy for `attribute` and checks that it covers `values` (the
    /// distinct non-null data values, as text).
    pub fn build<'a>(
        &self,
        attribute: &str,
        values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Hierarchy, HierarchyError> {
        let weighted: Vec<(&str, u64)> = values.into_iter().map(|v| (v, 1)).collect();
        self.build_weighted(attribute, &weighted)
    }

    /// [`build`](Self::build) with each value's row count, used by quantile specs so that the
    /// intervals hold about equal numbers of rows (other kinds ignore the counts).
    pub fn build_weighted(
        &self,
        attribute: &str,
        values: &[(&str, u64)],
    ) -> Result<Hierarchy, HierarchyError> {
        let names = || values.iter().map(|v| v.0);
        let h = match self {
            HierarchySpec::File(p) => Hierarchy::from_arx_csv(attribute, p)?,
            HierarchySpec::Tree(p) => tree::tree(attribute, p, names())?,
            HierarchySpec::Interval(o) => build::intervals(attribute, names(), o)?,
            HierarchySpec::Quantile(o) => build::quantiles_weighted(attribute, values, o)?,
            HierarchySpec::Date(levels) => build::dates(attribute, names(), levels.as_deref())?,
            HierarchySpec::Mask { step, mask_char } => {
                build::mask(attribute, names(), *step, *mask_char)?
            }
        };
        h.check_covers(names())?;
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let (a, s) = parse_assignment("age=interval:5,2").unwrap();
        assert_eq!(a, "age");
        assert_eq!(
            s,
            HierarchySpec::Interval(IntervalOptions::new("5", vec![2]))
        );
        let (_, s) =
            parse_assignment("age=interval:5,2,3,bottom=18,top=90,origin=0,levels=3").unwrap();
        let HierarchySpec::Interval(o) = &s else {
            panic!("{s:?}")
        };
        assert_eq!(o.fanout, [2, 3]);
        assert_eq!(o.bottom.as_deref(), Some("18"));
        assert_eq!(o.top.as_deref(), Some("90"));
        assert_eq!(o.origin.as_deref(), Some("0"));
        assert_eq!(o.max_levels, Some(3));
        let (_, s) = parse_assignment("age=quantile:4").unwrap();
        assert_eq!(s, HierarchySpec::Quantile(QuantileOptions::new(4)));
        let (_, s) = parse_assignment("birth_date=date").unwrap();
        assert_eq!(s, HierarchySpec::Date(None));
        let (_, s) = parse_assignment("d=date:year,month").unwrap();
        assert_eq!(
            s,
            HierarchySpec::Date(Some(vec![DateLevel::Year, DateLevel::Month]))
        );
        let (_, s) = parse_assignment("postcode=mask").unwrap();
        assert_eq!(
            s,
            HierarchySpec::Mask {
                step: 1,
                mask_char: '*'
            }
        );
        let (_, s) = parse_assignment("postcode=mask:2,char=#").unwrap();
        assert_eq!(
            s,
            HierarchySpec::Mask {
                step: 2,
                mask_char: '#'
            }
        );
        let (_, s) = parse_assignment("country=tree:regions.toml").unwrap();
        assert_eq!(s, HierarchySpec::Tree("regions.toml".into()));
        let (_, s) = parse_assignment("age=file:adult_hierarchy_age.csv").unwrap();
        assert_eq!(s, HierarchySpec::File("adult_hierarchy_age.csv".into()));
        let (_, s) = parse_assignment("age=path/to/h.csv").unwrap();
        assert_eq!(s, HierarchySpec::File("path/to/h.csv".into()));
        let (a, s) = parse_assignment("marital-status=file:x=y.csv").unwrap();
        assert_eq!(a, "marital-status");
        assert_eq!(s, HierarchySpec::File("x=y.csv".into()));
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "interval:5,2,3,bottom=18,top=90,origin=0,levels=3",
            "interval:0.5",
            "quantile:4,fanout=3,bottom=1,top=9",
            "date",
            "date:month,year",
            "mask:2,char=#",
            "tree:a/b.yaml",
            "file:h.csv",
        ] {
            let s: HierarchySpec = text.parse().unwrap();
            assert_eq!(s.to_string().parse::<HierarchySpec>().unwrap(), s, "{text}");
        }
        #[derive(serde::Deserialize)]
        struct Cfg {
            h: HierarchySpec,
        }
        let c: Cfg = toml::from_str("h = \"interval:10,2\"").unwrap();
        assert_eq!(
            c.h,
            HierarchySpec::Interval(IntervalOptions::new("10", vec![2]))
        );
        assert!(toml::from_str::<Cfg>("h = \"bogus:1\"").is_err());
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let msg = |t: &str| parse_assignment(t).unwrap_err().to_string();
        assert!(msg("age").contains("ATTRIBUTE=SPEC"));
        assert!(msg("=date").contains("empty"));
        assert!(msg("age=").contains("empty"));
        assert!(msg("age=interval:").contains("width"));
        assert!(msg("age=interval:five").contains("'five' is not a number"));
        assert!(msg("age=interval:5,x").contains("fan-out 'x'"));
        assert!(msg("age=interval:5,2,step=3").contains("unknown option 'step'"));
        assert!(msg("age=quantile:4,5").contains("one number of bins"));
        assert!(msg("age=quantile:-1").contains("not a whole number"));
        assert!(msg("d=date:week").contains("unknown date level 'week'"));
        assert!(msg("z=mask:0").contains("at least 1"));
        assert!(msg("z=mask:char=ab").contains("one character"));
        assert!(msg("x=bogus").contains("unknown kind 'bogus'"));
        assert!(msg("x=tree:").contains("give a .toml"));
        assert!(parse_assignment("x=bogus").unwrap_err().is_usage());
        assert!(msg("age=quantile:x").starts_with("hierarchy spec 'age=quantile:x'"));
    }

    #[test]
    fn build_checks_coverage_and_paths_resolve() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/adult");
        let spec = HierarchySpec::File("adult_hierarchy_sex.csv".into()).relative_to(&data);
        let h = spec.build("sex", ["Male", "Female"]).unwrap();
        assert_eq!(h.height(), 2);
        let e = spec.build("sex", ["Male", "unknown"]).unwrap_err();
        assert!(e.to_string().contains("'unknown'"), "{e}");
        let abs = HierarchySpec::File("/x.csv".into());
        assert_eq!(abs.relative_to(&data), abs);
        let h = "quantile:2"
            .parse::<HierarchySpec>()
            .unwrap()
            .build_weighted("n", &[("1", 10), ("2", 1), ("3", 1)])
            .unwrap();
        assert_eq!(h.level_domain(1), vec!["1-1", "2-3"]);
        let h = "mask"
            .parse::<HierarchySpec>()
            .unwrap()
            .build("z", ["123"])
            .unwrap();
        assert_eq!(h.label("123", 1), Some("12*"));
    }
}
