//! The committed JSON Schemas equal the ones generated from the model, and every example and
//! valid fixture validates against them.

use crate::support::{distrib, project};
use distrib::manifest::Kind;

#[test]
fn committed_schemas_are_current() {
    for kind in Kind::ALL {
        let path = project()
            .join("schema")
            .join(distrib::schema::file_name(kind));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed,
            distrib::schema::to_text(kind),
            "`{}` is stale: run `cargo run -- schema --out schema`",
            path.display()
        );
    }
}

/// The schemas of the documents commands print: the generated ones equal their types', and
/// every file under `schema/output/` is one the registry lists.
#[test]
fn committed_document_schemas_are_current() {
    let folder = project().join("schema").join(distrib::schema::OUTPUT_DIR);
    for output in distrib::schema::OUTPUTS {
        let path = folder.join(output.file_name());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            output.to_text(),
            "`{}` is stale: run `cargo run -- schema --out schema`",
            path.display()
        );
        let schema = output.schema();
        assert_eq!(
            schema["properties"]["format"]["const"],
            output.format,
            "{}",
            path.display()
        );
        jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("`{}` is no JSON Schema: {e}", path.display()));
    }
    let mut listed: Vec<String> = distrib::schema::OUTPUTS
        .iter()
        .map(|o| o.file_name())
        .collect();
    listed.sort();
    let mut found: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(
        found, listed,
        "every schema under `schema/output/` is listed in `schema::OUTPUTS`"
    );
}

#[test]
fn schema_out_writes_the_document_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let run = distrib(dir.path(), &["schema", "--out", "s"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for output in distrib::schema::OUTPUTS {
        let path = dir.path().join("s/output").join(output.file_name());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), output.to_text());
    }
}

#[test]
fn schema_command_prints_one_kind() {
    let run = distrib(project(), &["schema", "product"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, distrib::schema::to_text(Kind::Product));
    assert_eq!(distrib(project(), &["schema", "lockfile"]).code, 2);
}

/// Every manifest file under `root`, with its kind.
fn manifest_files(root: &std::path::Path) -> Vec<(Kind, std::path::PathBuf)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let relative = entry
                .path()
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((Kind::of_path(&relative)?, entry.path().to_path_buf()))
        })
        .collect()
}

fn validate_all(root: &std::path::Path) -> usize {
    let files = manifest_files(root);
    for (kind, path) in &files {
        let schema = distrib::schema::of(*kind);
        let validator = jsonschema::validator_for(&schema).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let instance: serde_json::Value = if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            serde_json::json!({})
        } else {
            serde_saphyr::from_str(&text).unwrap()
        };
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match its schema: {errors:?}",
            path.display()
        );
    }
    files.len()
}

#[test]
fn examples_and_valid_fixtures_match_their_schema() {
    let mut checked = 0;
    for root in ["examples/lsst", "examples/alice", "tests/fixtures/valid"] {
        checked += validate_all(&project().join(root));
    }
    assert!(checked > 30, "only {checked} files checked");
}

#[test]
fn the_schema_rejects_what_check_rejects() {
    let validator = jsonschema::validator_for(&distrib::schema::of(Kind::Product)).unwrap();
    assert!(!validator.is_valid(&serde_json::json!({ "name": "afw", "nmae": "x" })));
    assert!(!validator.is_valid(&serde_json::json!({ "name": "afw", "type": "thirdparty" })));
    assert!(
        validator
            .is_valid(&serde_json::json!({ "name": "afw", "type": "third-party", "tag": "1.0" }))
    );
}
