//! Categorical hierarchies from a tree written in TOML or YAML (format in `docs/hierarchies.md`):
//!
//! ```toml
//! top = "*"          # optional: label of the top level (default "*")
//! other = "Other"    # optional: group for data values the tree does not name
//! [tree]
//! Europe = { Nordic = ["SE", "DK", "FI", "NO"], Western = ["FR", "DE", "NL"] }
//! Asia = ["CN", "JP"]
//! ```
//!
//! Keys are group labels, arrays hold original values, a single string is a group of one value.
//! The order of `values()` follows the file for YAML; TOML hands groups over sorted by name
//! (values keep their list order). Order never changes the meaning of a hierarchy.
//! The groups directly under `tree` form the level just below the top. Branches may differ in
//! depth: a value in a shallower branch repeats its nearest group on the extra levels (`CN` →
//! `Asia` → `Asia` → `*` above), so every value has the same number of labels.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::build::TOP;
use super::{Hierarchy, HierarchyError};

/// A parsed TOML/YAML value, keeping the order of the file.
#[derive(Debug)]
enum Node {
    Scalar(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
    Null,
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Scalar(_) => "a value",
            Node::List(_) => "a list",
            Node::Map(_) => "a table",
            Node::Null => "empty",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table of groups, a list of values or a value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let Node::Scalar(key) = key else {
                return Err(de::Error::custom(format!(
                    "a group name must be text, not {}",
                    key.kind()
                )));
            };
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// The syntax of a tree file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeFormat {
    Toml,
    Yaml,
}

impl TreeFormat {
    /// From the file extension: `.toml`, or `.yaml`/`.yml`.
    pub fn from_path(path: &Path) -> Option<TreeFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(TreeFormat::Toml),
            "yaml" | "yml" => Some(TreeFormat::Yaml),
            _ => None,
        }
    }
}

/// Builds a hierarchy from a tree file (format from the extension: `.toml`, `.yaml`, `.yml`) and
/// checks that it covers `data_values` (unless the file names an `other` group for the rest).
pub fn tree<'a>(
    attribute: &str,
    path: &Path,
    data_values: impl IntoIterator<Item = &'a str>,
) -> Result<Hierarchy, HierarchyError> {
    let format = TreeFormat::from_path(path).ok_or_else(|| {
        HierarchyError::option(
            attribute,
            format!(
                "tree file {} must end in .toml, .yaml or .yml",
                path.display()
            ),
        )
    })?;
    let text = std::fs::read_to_string(path).map_err(|source| HierarchyError::Io {
        attribute: attribute.to_string(),
        path: path.to_path_buf(),
        source,
    })?;
    tree_from_str(
        attribute,
        &text,
        format,
        &path.display().to_string(),
        data_values,
    )
}

/// [`tree`] from text; `origin` names the source in error messages.
pub fn tree_from_str<'a>(
    attribute: &str,
    text: &str,
    format: TreeFormat,
    origin: &str,
    data_values: impl IntoIterator<Item = &'a str>,
) -> Result<Hierarchy, HierarchyError> {
    let fail = |msg: String| HierarchyError::format(attribute, format!("{origin}: {msg}"));
    let root: Node = match format {
        TreeFormat::Toml => toml::from_str(text).map_err(|e| fail(e.to_string()))?,
        TreeFormat::Yaml => yaml_serde::from_str(text).map_err(|e| fail(e.to_string()))?,
    };
    let Node::Map(entries) = root else {
        return Err(fail(format!(
            "expected a table with a 'tree' entry, found {}",
            root.kind()
        )));
    };
    let mut tree_node = None;
    let mut top = TOP.to_string();
    let mut other = None;
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("tree", Node::Map(groups)) => tree_node = Some(groups),
            ("tree", v) => {
                return Err(fail(format!(
                    "'tree' must be a table of groups, found {}",
                    v.kind()
                )));
            }
            ("top", Node::Scalar(s)) => top = s,
            ("other", Node::Scalar(s)) => other = Some(s),
            ("top" | "other", v) => {
                return Err(fail(format!(
                    "'{key}' must be a text label, found {}",
                    v.kind()
                )));
            }
            _ => {
                return Err(fail(format!(
                    "unknown entry '{key}'; a tree file has 'tree' and optionally 'top' and 'other'"
                )));
            }
        }
    }
    let Some(groups) = tree_node else {
        return Err(fail(
            "no 'tree' table; write the groups under [tree] (TOML) or tree: (YAML)".to_string(),
        ));
    };
    if groups.is_empty() {
        return Err(fail("the 'tree' table has no groups".to_string()));
    }

    // Collect leaves with their group path (root first).
    let mut leaves: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
    let mut path = Vec::new();
    collect(&groups, &mut path, &mut leaves, &mut seen, &fail)?;
    let depth = leaves.iter().map(|l| l.1.len()).max().unwrap_or(1);

    let mut rows: Vec<Vec<String>> = leaves
        .into_iter()
        .map(|(value, groups)| {
            let mut row = Vec::with_capacity(depth + 2);
            row.push(value);
            let nearest = groups.last().cloned().unwrap_or_default();
            for _ in groups.len()..depth {
                row.push(nearest.clone());
            }
            row.extend(groups.into_iter().rev());
            row.push(top.clone());
            row
        })
        .collect();
    let data: Vec<&str> = data_values.into_iter().collect();
    if let Some(other) = &other {
        let mut extra: rustc_hash::FxHashMap<&str, ()> = Default::default();
        for &v in &data {
            if !seen.contains_key(v) && extra.insert(v, ()).is_none() {
                let mut row = vec![v.to_string()];
                row.extend(std::iter::repeat_n(other.clone(), depth));
                row.push(top.clone());
                rows.push(row);
            }
        }
    }
    let h = Hierarchy::from_rows(attribute, rows)?;
    h.check_covers(data)?;
    Ok(h)
}

fn collect<F: Fn(String) -> HierarchyError>(
    groups: &[(String, Node)],
    path: &mut Vec<String>,
    leaves: &mut Vec<(String, Vec<String>)>,
    seen: &mut rustc_hash::FxHashMap<String, usize>,
    fail: &F,
) -> Result<(), HierarchyError> {
    for (name, node) in groups {
        path.push(name.clone());
        let at = path.join(" > ");
        match node {
            Node::Map(sub) if sub.is_empty() => {
                return Err(fail(format!("group '{at}' is empty")));
            }
            Node::Map(sub) => collect(sub, path, leaves, seen, fail)?,
            Node::Scalar(v) => add_leaf(v, path, leaves, seen, fail)?,
            Node::List(items) if items.is_empty() => {
                return Err(fail(format!("group '{at}' has no values")));
            }
            Node::List(items) => {
                for item in items {
                    match item {
                        Node::Scalar(v) => add_leaf(v, path, leaves, seen, fail)?,
                        other => {
                            return Err(fail(format!(
                                "group '{at}' lists {}; list only values, or make '{name}' a \
                                 table of subgroups",
                                other.kind()
                            )));
                        }
                    }
                }
            }
            Node::Null => return Err(fail(format!("group '{at}' has no values"))),
        }
        path.pop();
    }
    Ok(())
}

fn add_leaf<F: Fn(String) -> HierarchyError>(
    value: &str,
    path: &[String],
    leaves: &mut Vec<(String, Vec<String>)>,
    seen: &mut rustc_hash::FxHashMap<String, usize>,
    fail: &F,
) -> Result<(), HierarchyError> {
    if let Some(&i) = seen.get(value) {
        return Err(fail(format!(
            "value '{value}' is in two groups: '{}' and '{}'; keep it in one",
            leaves[i].1.join(" > "),
            path.join(" > ")
        )));
    }
    seen.insert(value.to_string(), leaves.len());
    leaves.push((value.to_string(), path.to_vec()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGIONS: &str = r#"
[tree]
Europe = { Nordic = ["SE", "DK", "FI", "NO"], Western = ["FR", "DE"] }
Asia = ["CN", "JP"]
Oceania = "AU"
"#;

    fn col(h: &Hierarchy, level: usize) -> Vec<&str> {
        h.values()
            .iter()
            .map(|v| h.label(v, level).unwrap())
            .collect()
    }

    #[test]
    fn toml_tree_with_uneven_depth() {
        let h = tree_from_str(
            "country",
            REGIONS,
            TreeFormat::Toml,
            "regions.toml",
            ["SE", "CN"],
        )
        .unwrap();
        // TOML tables come back sorted by group name; values keep their list order.
        assert_eq!(
            h.values(),
            ["CN", "JP", "SE", "DK", "FI", "NO", "FR", "DE", "AU"]
        );
        assert_eq!(h.height(), 4);
        assert_eq!(h.label("SE", 1), Some("Nordic"));
        assert_eq!(h.label("SE", 2), Some("Europe"));
        assert_eq!(h.label("CN", 1), Some("Asia"));
        assert_eq!(h.label("CN", 2), Some("Asia"));
        assert_eq!(h.label("AU", 2), Some("Oceania"));
        assert_eq!(col(&h, 3), vec!["*"; 9]);
    }

    #[test]
    fn yaml_tree_other_and_top() {
        let yaml = "top: Any\nother: Elsewhere\ntree:\n  Europe:\n    Nordic: [SE, DK]\n    Western: [FR]\n  Numbers: [1, 2.5, true]\n";
        let h = tree_from_str(
            "c",
            yaml,
            TreeFormat::Yaml,
            "r.yaml",
            ["SE", "US", "1", "US"],
        )
        .unwrap();
        assert_eq!(h.values(), ["SE", "DK", "FR", "1", "2.5", "true", "US"]);
        assert_eq!(h.label("US", 1), Some("Elsewhere"));
        assert_eq!(h.label("US", 2), Some("Elsewhere"));
        assert_eq!(h.label("US", 3), Some("Any"));
        assert_eq!(h.label("1", 2), Some("Numbers"));
    }

    #[test]
    fn tree_errors_are_specific() {
        let err = |text: &str, data: &[&str]| {
            tree_from_str("c", text, TreeFormat::Toml, "t.toml", data.iter().copied())
                .unwrap_err()
                .to_string()
        };
        let m = err(REGIONS, &["SE", "US", "BR"]);
        assert!(m.contains("'US', 'BR'") && m.contains("2 value(s)"), "{m}");
        let m = err("[tree]\nA = [\"x\"]\nB = { C = [\"y\", \"x\"] }\n", &[]);
        assert!(
            m.contains("'x'") && m.contains("'A'") && m.contains("'B > C'"),
            "{m}"
        );
        let m = err("[tree]\nA = []\n", &[]);
        assert!(m.contains("'A' has no values"), "{m}");
        let m = err("[groups]\nA = [\"x\"]\n", &[]);
        assert!(m.contains("unknown entry 'groups'"), "{m}");
        let m = err("top = \"*\"\n", &[]);
        assert!(m.contains("no 'tree'"), "{m}");
        let m = err("[tree\n", &[]);
        assert!(m.contains("t.toml"), "{m}");
        let m = err("[tree]\nA = [[\"x\"]]\n", &[]);
        assert!(m.contains("lists a list"), "{m}");
        // The same subgroup name under two parents breaks monotonicity.
        let m = err(
            "[tree]\nA = { Other = [\"x\"] }\nB = { Other = [\"y\"] }\n",
            &[],
        );
        assert!(m.contains("not monotone") && m.contains("'Other'"), "{m}");
        let p = std::path::Path::new("regions.csv");
        let e = tree("c", p, ["x"]).unwrap_err();
        assert!(e.is_usage() && e.to_string().contains(".toml"), "{e}");
    }
}
