//! The container lifecycle through the library: import, versions, deduplication, export,
//! verification, and concurrent imports.

use std::path::Path;

use datalab_data::container::{
    self, Container, ContainerRef, DescriptiveMetadata, ImportRequest, LabHome,
};
use datalab_data::read::ReadOptions;

fn import(
    home: &LabHome,
    path: &Path,
    name: &str,
) -> datalab_data::Result<container::ImportOutcome> {
    container::import(
        home,
        &ImportRequest {
            path: path.to_path_buf(),
            name: Some(name.into()),
            metadata: DescriptiveMetadata {
                description: Some("test data".into()),
                license: Some("CC0-1.0".into()),
                publisher: None,
            },
            read: ReadOptions::default(),
        },
        &|_, _| {},
    )
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn import_versions_dedup_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    let src = dir.path().join("people.csv");
    std::fs::write(&src, "name,age\nAnn,30\nBob,41\n").unwrap();
    let before = sha256(&src);

    let o = import(&home, &src, "people").unwrap();
    assert!(o.created);
    let m = &o.manifest;
    assert_eq!(
        (m.name.as_str(), m.version, m.rows, m.columns),
        ("people", 1, 2, 2)
    );
    assert_eq!(
        m.source.sha256, before,
        "manifest records the SHA-256 of the source bytes"
    );
    assert_eq!(m.source.file_name, "people.csv");
    assert_eq!(m.schema[1].ty, "integer");
    assert!(m.schema.iter().all(|c| c.role.is_none()));
    assert_eq!(m.metadata.license.as_deref(), Some("CC0-1.0"));
    assert!(chrono::DateTime::parse_from_rfc3339(&m.imported_at).is_ok());
    let dir1 = home.root().join("containers/people/v1");
    assert_eq!(sha256(&dir1.join("data.parquet")), m.data.sha256);
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(on_disk["data"]["sha256"], m.data.sha256.as_str());

    // Identical bytes: recognised, nothing stored.
    let again = import(&home, &src, "people").unwrap();
    assert!(!again.created);
    assert_eq!(again.manifest.version, 1);
    assert_eq!(home.catalog().unwrap().versions("people").unwrap().len(), 1);

    // Changed data under the same name: version 2; version 1 is untouched.
    std::fs::write(&src, "name,age\nAnn,30\nBob,42\n").unwrap();
    let o2 = import(&home, &src, "people").unwrap();
    assert!(o2.created);
    assert_eq!((o2.manifest.version, o2.previous_version), (2, Some(1)));
    assert_eq!(sha256(&dir1.join("data.parquet")), m.data.sha256);

    // Latest by default, or a named version.
    let latest = Container::open(&home, &"people".parse::<ContainerRef>().unwrap()).unwrap();
    assert_eq!(latest.record.version, 2);
    let v1 = Container::open(&home, &"people@1".parse().unwrap()).unwrap();
    assert_eq!(v1.manifest, o.manifest);
    let e = Container::open(&home, &"people@9".parse().unwrap())
        .err()
        .unwrap();
    assert!(e.to_string().contains("no version 9"), "{e}");

    // Verification passes, then catches one flipped byte.
    let reports = container::verify(&home, &"people".parse().unwrap()).unwrap();
    assert!(reports.iter().all(|r| r.ok), "{reports:?}");
    let data = dir1.join("data.parquet");
    let mut perm = std::fs::metadata(&data).unwrap().permissions();
    assert!(perm.readonly(), "stored data is read-only");
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&data, perm).unwrap();
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&data, bytes).unwrap();
    let reports = container::verify(&home, &"people".parse().unwrap()).unwrap();
    let v1r = reports.iter().find(|r| r.version == 1).unwrap();
    assert!(!v1r.ok && v1r.problems[0].contains("SHA-256"), "{v1r:?}");
    assert!(reports.iter().find(|r| r.version == 2).unwrap().ok);
}

#[test]
fn identical_data_under_another_name_is_shared_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    let src = dir.path().join("t.csv");
    std::fs::write(&src, "a,b\n1,2\n").unwrap();
    let a = import(&home, &src, "first").unwrap();
    let b = import(&home, &src, "second").unwrap();
    assert!(b.created);
    assert_eq!(a.manifest.data.sha256, b.manifest.data.sha256);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ino = |n: &str| {
            std::fs::metadata(home.root().join(format!("containers/{n}/v1/data.parquet")))
                .unwrap()
                .ino()
        };
        assert_eq!(ino("first"), ino("second"), "one copy on disk");
    }
}

#[test]
fn failed_import_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    let src = dir.path().join("bad.csv");
    std::fs::write(&src, "a,b\n1,2\n3\n").unwrap();
    let before = std::fs::read(&src).unwrap();
    let e = import(&home, &src, "bad").err().unwrap();
    assert!(e.to_string().contains("line 3"), "{e}");
    assert_eq!(
        std::fs::read(&src).unwrap(),
        before,
        "the input is never modified"
    );
    assert!(home.catalog().unwrap().list().unwrap().is_empty());
    assert!(!home.root().join("containers/bad").exists());
    assert_eq!(
        std::fs::read_dir(home.root().join("staging"))
            .unwrap()
            .count(),
        0
    );
    let e = import(&home, &src, "../evil").err().unwrap();
    assert!(e.is_usage(), "{e}");
}

#[test]
fn concurrent_imports_serialise_into_consecutive_versions() {
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    home.catalog().unwrap();
    let files: Vec<_> = (0..4)
        .map(|i| {
            let p = dir.path().join(format!("f{i}.csv"));
            let mut text = String::from("k,v\n");
            for r in 0..2000 {
                text.push_str(&format!("{r},{}\n", r * i));
            }
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    std::thread::scope(|s| {
        for f in &files {
            let home = home.clone();
            s.spawn(move || import(&home, f, "shared").unwrap());
        }
    });
    let versions = home.catalog().unwrap().versions("shared").unwrap();
    assert_eq!(
        versions.iter().map(|r| r.version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    let reports = container::verify(&home, &"shared".parse().unwrap()).unwrap();
    assert!(reports.iter().all(|r| r.ok));
}

#[test]
fn a_container_answers_grouped_counts_by_streaming_its_data() {
    use datalab_data::provider::{AggregateProvider, GroupBy, GroupQuery};
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    let src = dir.path().join("g.csv");
    std::fs::write(&src, "sex,age,w\nF,30,1.5\nM,30,2\nF,30,\nF,,4\n").unwrap();
    import(&home, &src, "g").unwrap();
    let c = Container::open(&home, &"g".parse().unwrap()).unwrap();
    let t = c
        .provider()
        .unwrap()
        .group_counts(&GroupQuery {
            group_by: vec![GroupBy::column("sex"), GroupBy::column("age")],
            sums: vec!["w".into()],
        })
        .unwrap();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        t.decoded(),
        vec![
            (vec![s("F"), None], 1, vec![4.0]),
            (vec![s("F"), s("30")], 2, vec![1.5]),
            (vec![s("M"), s("30")], 1, vec![2.0]),
        ]
    );
}

#[test]
fn roles_are_recorded_as_a_new_version_sharing_the_data() {
    use datalab_data::ColumnRole;
    let dir = tempfile::tempdir().unwrap();
    let home = LabHome::new(dir.path().join("lab"));
    let src = dir.path().join("r.csv");
    std::fs::write(&src, "name,age,diagnosis\nAnn,30,E11\nBob,41,I10\n").unwrap();
    let v1 = import(&home, &src, "r").unwrap().manifest;
    let roles = vec![
        ("name".to_string(), ColumnRole::Identifier),
        ("age".to_string(), ColumnRole::QuasiIdentifier),
    ];
    let v2 = container::set_roles(&home, &"r".parse().unwrap(), &roles).unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.schema[0].role, Some(ColumnRole::Identifier));
    assert_eq!(v2.schema[1].role, Some(ColumnRole::QuasiIdentifier));
    assert_eq!(v2.schema[2].role, None);
    assert_eq!(v2.data.sha256, v1.data.sha256, "same data");
    assert_eq!(v2.derived_from.as_ref().map(|d| d.version), Some(1));
    // v1 is unchanged; both verify.
    let c1 = Container::open(&home, &"r@1".parse().unwrap()).unwrap();
    assert!(c1.manifest.schema.iter().all(|c| c.role.is_none()));
    assert!(
        container::verify(&home, &"r".parse().unwrap())
            .unwrap()
            .iter()
            .all(|r| r.ok)
    );
    let e = container::set_roles(
        &home,
        &"r".parse().unwrap(),
        &[("nope".into(), ColumnRole::Sensitive)],
    )
    .err()
    .unwrap();
    assert!(e.is_usage() && e.to_string().contains("'nope'"), "{e}");
}
