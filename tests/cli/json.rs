//! Every `--format json` document is what its committed schema (`schema/output/`) says: each
//! command runs on a real manifest repository with real upstream git repositories, and its
//! output is validated with `jsonschema`; so is every JSON example of the README and of
//! `docs/json.md`.

use serde_json::Value;

use crate::support::fixture::{Fixture, ok, write};
use crate::support::project;

/// The document `stdout` holds, after checking it against the schema its `format` names and
/// that `format` comes first.
pub(crate) fn valid(stdout: &str) -> Value {
    let document: Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{stdout}"));
    assert!(
        stdout.starts_with("{\n  \"format\": \"distrib-"),
        "`format` is not the first field:\n{stdout}"
    );
    check(&document, stdout);
    document
}

/// Validates `document` against the schema of its `format`.
fn check(document: &Value, shown: &str) {
    let format = document["format"]
        .as_str()
        .unwrap_or_else(|| panic!("no `format`:\n{shown}"));
    let output = distrib::schema::output(format)
        .unwrap_or_else(|| panic!("no schema for `{format}` in `schema::OUTPUTS`"));
    let validator = jsonschema::validator_for(&output.schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the `{format}` document does not match `schema/output/{}`: {errors:#?}\n{shown}",
        output.file_name()
    );
}

/// The commands whose documents other parts of distrib are moving to the vocabulary, with the
/// arguments that make each print one on [`Fixture::locked`] (`import` on an alidist checkout
/// named `alidist` beside it). Their schemas are committed already; once a command prints
/// `format`, its row moves into a test that runs it and checks its output with [`valid`].
/// Each operation's document, and the arguments that print it on the fixture of [`reports`].
const OPERATIONS: &[(&str, &[&str])] = &[
    ("distrib-check/1", &["check", "--format", "json"]),
    ("distrib-fetch/1", &["fetch", "--format", "json"]),
    (
        "distrib-lock/1",
        &[
            "lock",
            "dist",
            "--kind",
            "manual",
            "--date",
            "2026-11-21",
            "--offline",
            "--format",
            "json",
        ],
    ),
    (
        "distrib-lock-check/1",
        &["lock", "dist", "--check", "--offline", "--format", "json"],
    ),
    ("distrib-verify/1", &["verify", "--format", "json"]),
    (
        "distrib-notes/1",
        &["notes", "w.2026.47", "d.2026.11.20", "--format", "json"],
    ),
    (
        "distrib-record/1",
        &[
            "record",
            "w.2026.47",
            "build",
            "--result",
            "pass",
            "--format",
            "json",
        ],
    ),
];

#[test]
fn the_operations_documents_match_their_schemas() {
    let (f, _, _) = reports();
    for (format, args) in OPERATIONS {
        let run = f.distrib(args);
        let document = valid(&run.stdout);
        assert_eq!(
            document["format"],
            *format,
            "{}: {}",
            args.join(" "),
            run.stderr
        );
        assert_eq!(run.code, 0, "{}: {}", args.join(" "), run.stderr);
    }
}

/// `dist` locked twice (utils changed in between), a deployment installing the first.
fn reports() -> (Fixture, String, String) {
    let f = Fixture::locked();
    crate::support::fixture::commit_file(&f.repo("utils"), "src/README", "utils 2", "second");
    f.fetch();
    ok(&f.lock("dist", "nightly").date("2026-11-20").offline().run());
    write(
        &f.root.join("deployments/farm.yaml"),
        "name: farm\ndistribution: dist\ndefault: w.2026.47\ninstalled:\n  - release: w.2026.47\n    support: official\n",
    );
    (f, "w.2026.47".into(), "d.2026.11.20".into())
}

fn json(f: &Fixture, args: &[&str]) -> Value {
    let run = f.distrib(args);
    ok(&run);
    valid(&run.stdout)
}

#[test]
fn the_reports_documents_match_their_schemas() {
    let (f, weekly, nightly) = reports();
    let store = f.root.parent().unwrap().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let store = store.to_str().unwrap();

    let diff = json(&f, &["diff", &weekly, &nightly, "--format", "json"]);
    assert_eq!(diff["format"], "distrib-diff/1");
    let utils = crate::support::item_where(&diff["products"], "product", "utils");
    assert_eq!(
        (&utils["change"], &utils["rebuild"]),
        (&"changed".into(), &true.into())
    );
    json(&f, &["diff", &nightly, &weekly, "--format", "json"]);
    let graph = json(&f, &["graph", "dist", "--format", "json"]);
    assert_eq!(graph["release"], nightly.as_str());
    json(
        &f,
        &["graph", &nightly, "--since", &weekly, "--format", "json"],
    );
    json(&f, &["plan", "dist", "--store", store, "--format", "json"]);
    let list = json(&f, &["list", "--format", "json"]);
    assert_eq!(
        list["releases"][0]["lock"],
        format!("locks/dist/{nightly}.lock.yaml")
    );
    assert_eq!(list["releases"][1]["parent"], Value::Null);
    assert_eq!(list["releases"][0]["installed"], serde_json::json!([]));
    assert_eq!(
        list["releases"][1]["installed"],
        serde_json::json!([{ "deployment": "farm", "support": "official", "default": true }])
    );
    json(&f, &["list", "solo", "--format", "json"]);
}

#[test]
fn every_deploy_edit_and_the_export_match_their_schemas() {
    let (f, weekly, nightly) = reports();
    let edits: [&[&str]; 7] = [
        &["add", "farm", &nightly, "--support", "test"],
        &["set-support", "farm", &nightly, "test"],
        &["set-alternative", "farm", &nightly],
        &["unset-alternative", "farm"],
        &["set-partition", "farm", "physics_1", &nightly],
        &["unset-partition", "farm", "physics_1"],
        &["set-default", "farm", &nightly, "--promote"],
    ];
    let mut statuses = Vec::new();
    for edit in edits {
        let mut args = vec!["deploy"];
        args.extend_from_slice(edit);
        args.extend(["--format", "json"]);
        let document = json(&f, &args);
        assert_eq!(document["file"], "deployments/farm.yaml");
        statuses.push((
            document["action"].as_str().unwrap().to_owned(),
            document["status"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        statuses,
        [
            ("add", "done"),
            ("set-support", "up-to-date"),
            ("set-alternative", "done"),
            ("unset-alternative", "done"),
            ("set-partition", "done"),
            ("unset-partition", "done"),
            ("promote", "done"),
        ]
        .map(|(a, s)| (a.to_owned(), s.to_owned()))
    );
    let removed = json(
        &f,
        &["deploy", "remove", "farm", &weekly, "--format", "json"],
    );
    assert_eq!(removed["release"], weekly.as_str());
    ok(&f.distrib(&["check"]));
    let export = json(&f, &["deploy", "export", "farm"]);
    assert_eq!(export["releases"][0]["release"], nightly.as_str());
    assert_eq!(
        export["releases"][0]["lock"],
        format!("locks/dist/{nightly}.lock.yaml")
    );
}

#[test]
fn the_site_document_says_what_was_written() {
    let (f, _, nightly) = reports();
    let out = f.root.parent().unwrap().join("public");
    let args = ["site", "--out", out.to_str().unwrap(), "--format", "json"];
    let first = valid(&f.run(&args).stdout);
    let pages = first["summary"]["pages"].as_u64().unwrap();
    assert!(pages >= 4, "{first:#}");
    assert_eq!(first["summary"]["changed"], pages);
    assert!(first["mirrors"].is_string());
    let page = format!("dist/{nightly}.html");
    assert!(
        first["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == page.as_str() && p["status"] == "done"),
        "{first:#}"
    );
    let again = valid(&f.run(&args).stdout);
    assert_eq!(again["summary"]["changed"], 0);
    assert!(
        again["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "up-to-date")
    );
}

/// The ```json blocks of a Markdown file.
fn json_blocks(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(project().join(file)).unwrap();
    text.split("```json\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_json_examples_of_the_documentation_match_their_schemas() {
    let mut formats = Vec::new();
    for file in ["README.md", "docs/json.md"] {
        for block in json_blocks(file) {
            let document: Value = serde_json::from_str(&block)
                .unwrap_or_else(|e| panic!("a JSON example of {file} is no JSON ({e}):\n{block}"));
            check(&document, &block);
            formats.push(document["format"].as_str().unwrap().to_owned());
        }
    }
    for format in ["distrib-diff/1", "distrib-plan/1", "distrib-error/1"] {
        assert!(
            formats.iter().any(|f| f == format),
            "no example of `{format}`"
        );
    }
}

#[test]
fn init_and_schema_say_what_they_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::support::distrib(dir.path(), &["init", "new", "--format", "json"]);
    ok(&run);
    let init = valid(&run.stdout);
    assert_eq!(init["dir"], "new");
    assert!(
        init["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "products/hello.yaml" && f["status"] == "done"),
        "{init:#}"
    );
    let args = ["schema", "--out", "s", "--format", "json"];
    let first = valid(&crate::support::distrib(dir.path(), &args).stdout);
    let files = first["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["status"] == "done"));
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "output/distrib-diff-1.schema.json")
    );
    let again = valid(&crate::support::distrib(dir.path(), &args).stdout);
    assert!(
        again["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "up-to-date")
    );
}

/// A lock under another release's path: `list` says so in its `diagnostics`, and the release
/// it holds names no lockfile of the history.
#[test]
fn list_reports_a_misplaced_lock_in_its_diagnostics() {
    let (f, weekly, _) = reports();
    let from = f.root.join(format!("locks/dist/{weekly}.lock.yaml"));
    std::fs::rename(&from, f.root.join("locks/dist/w.2026.99.lock.yaml")).unwrap();
    let list = json(&f, &["list", "--format", "json"]);
    let diagnostics = list["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{list:#}");
    assert_eq!(diagnostics[0]["code"], "lock-misplaced");
    assert_eq!(diagnostics[0]["severity"], "warning");
    assert_eq!(diagnostics[0]["file"], "locks/dist/w.2026.99.lock.yaml");
    let misplaced = crate::support::item_where(&list["releases"], "release", &weekly);
    assert!(misplaced["lock"].is_null(), "{misplaced:#}");
    // The warning is in the document only; people see it drawn.
    let run = f.distrib(&["list", "--format", "json"]);
    assert_eq!(run.stderr, "");
    let run = f.distrib(&["list"]);
    assert!(run.stderr.contains("lock-misplaced"), "{}", run.stderr);
}

/// `docs/json.md` lists every document of `schema::OUTPUTS`, with a section of its fields.
#[test]
fn docs_json_describes_every_document() {
    let text = std::fs::read_to_string(project().join("docs/json.md")).unwrap();
    for output in distrib::schema::OUTPUTS {
        let row = format!("| `{}` |", output.format);
        assert!(
            text.contains(&row),
            "docs/json.md has no row for `{}`",
            output.format
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("### ") && l.contains(&format!("`{}`", output.format)))
                || output.format == "distrib-error/1",
            "docs/json.md has no section for `{}`",
            output.format
        );
    }
}
