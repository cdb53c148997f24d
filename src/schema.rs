//! JSON Schemas of the manifest file kinds, generated from the serde model so they cannot
//! drift from what `distrib check` accepts (editors use them through `yaml-language-server`),
//! and of every document a command prints with `--format json` (`docs/json.md`), under
//! `schema/output/`: generated from the document's type where this crate has one, carried as
//! written for the others.

use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

use crate::lock::Lockfile;
use crate::manifest::Kind;
use crate::manifest::model::{Config, Deployment, Distribution, Environment, Product};

/// The schema of one file kind. It accepts exactly the shapes `check` accepts: a plain YAML
/// scalar is text wherever text is expected (`tag: 28.10`, `team: 42`), and `distrib.yaml` may
/// hold nothing but comments.
pub fn of(kind: Kind) -> Value {
    let mut schema = shape(kind);
    if kind != Kind::Lock {
        scalars_are_text(&mut schema);
    }
    if kind == Kind::Config
        && let Some(object) = schema.as_object_mut()
    {
        object.insert("type".into(), serde_json::json!(["object", "null"]));
    }
    schema
}

/// Where the model wants a string, YAML's numbers and booleans are read as their text, as
/// serde reads a plain scalar: the schema says so. Names of a closed list (`enum`) stay text.
fn scalars_are_text(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let closed = map.contains_key("enum") || map.contains_key("const");
            if !closed && let Some(kind) = map.get_mut("type") {
                let names: Vec<&str> = match kind {
                    Value::String(one) => vec![one.as_str()],
                    Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if names.contains(&"string") {
                    let mut widened: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
                    for extra in ["number", "boolean"] {
                        if !widened.iter().any(|n| n == extra) {
                            widened.push(extra.to_owned());
                        }
                    }
                    *kind = serde_json::json!(widened);
                }
            }
            for child in map.values_mut() {
                scalars_are_text(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scalars_are_text),
        _ => {}
    }
}

fn shape(kind: Kind) -> Value {
    match kind {
        Kind::Config => generate::<Config>("distrib.yaml: settings of a manifest repository"),
        Kind::Product => generate::<Product>("A software product of a distrib manifest repository"),
        Kind::Distribution => {
            generate::<Distribution>("A distribution of a distrib manifest repository")
        }
        Kind::Environment => {
            generate::<Environment>("A build environment of a distrib manifest repository")
        }
        Kind::Deployment => generate::<Deployment>("The installed releases of one site"),
        Kind::Lock => {
            let mut schema = generate::<Lockfile>("A release lockfile, written by distrib only");
            // The last line holds the digest of the lines above it: part of the file, not of
            // the model.
            if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                properties.insert(
                    "digest".into(),
                    serde_json::json!({ "description": "sha256 of every byte above this line", "type": "string" }),
                );
            }
            schema
        }
    }
}

/// The file name of a kind's schema in `schema/`.
pub fn file_name(kind: Kind) -> String {
    format!("{}.schema.json", kind.as_str())
}

/// The schema as written to a file: pretty, with one trailing newline.
pub fn to_text(kind: Kind) -> String {
    let mut text = serde_json::to_string_pretty(&of(kind)).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema of a document type: every field it has is always there (`null` when it has no
/// value), so each is required.
fn document<T: JsonSchema>() -> Value {
    let mut schema = generate::<T>("");
    require_every_field(&mut schema);
    schema
}

fn require_every_field(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                let names: Vec<Value> = properties.keys().cloned().map(Value::String).collect();
                map.insert("required".into(), Value::Array(names));
            }
            map.values_mut().for_each(require_every_field);
        }
        Value::Array(items) => items.iter_mut().for_each(require_every_field),
        _ => {}
    }
}

/// The schema of `T`; a non-empty `title` replaces the type's own.
fn generate<T: JsonSchema>(title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Value::Object(map) = &mut value
        && !title.is_empty()
    {
        map.insert("title".into(), Value::String(title.into()));
    }
    value
}

/// The schema of `distrib-fetch/1`.
fn fetch_document() -> Value {
    operation_document::<crate::fetch::FetchOutcome>(
        "distrib fetch: the mirrors brought up to date",
        "distrib-fetch/1",
    )
}

/// The schema of `distrib-lock/1`.
fn lock_document() -> Value {
    operation_document::<crate::lock::document::Made>(
        "distrib lock: the lock written",
        "distrib-lock/1",
    )
}

/// The schema of `distrib-release/1`.
fn release_document() -> Value {
    operation_document::<crate::lock::document::Made>(
        "distrib release: the candidate, final or patch made",
        "distrib-release/1",
    )
}

/// The schema of `distrib-verify/1`.
fn verify_document() -> Value {
    operation_document::<crate::verify::VerifyOutcome>(
        "distrib verify: each lock, its records and tags checked",
        "distrib-verify/1",
    )
}

/// The schema of `distrib-tag/1`.
fn tag_document() -> Value {
    operation_document::<crate::tag::Document>(
        "distrib tag: the release's tags in every repository",
        "distrib-tag/1",
    )
}

/// The schema of `distrib-branch/1`.
fn branch_document() -> Value {
    operation_document::<crate::tag::Document>(
        "distrib branch: the release branch in each repository",
        "distrib-branch/1",
    )
}

/// The schema of `distrib-record/1`.
fn record_document() -> Value {
    operation_document::<crate::records::Document>(
        "distrib record: a validation result recorded for a release",
        "distrib-record/1",
    )
}

/// The schema of `distrib-notes/1`.
fn notes_document() -> Value {
    operation_document::<crate::report::notes::Document>(
        "distrib notes: the release note from one release to another",
        "distrib-notes/1",
    )
}

/// The schema of an operation's document: its title, and its `format` a constant.
fn operation_document<T: JsonSchema>(title: &str, format: &str) -> Value {
    let mut schema = document::<T>();
    if let Value::Object(map) = &mut schema {
        map.insert("title".into(), Value::String(title.into()));
        if let Some(Value::Object(field)) =
            map.get_mut("properties").and_then(|p| p.get_mut("format"))
        {
            field.insert("const".into(), Value::String(format.into()));
        }
    }
    schema
}

/// The format of the document `distrib schema --out DIR --format json` prints.
pub const FORMAT: &str = "distrib-schema/1";

/// What `distrib schema --out` wrote: the document it prints with `--format json`.
#[derive(Debug, serde::Serialize, JsonSchema)]
#[schemars(title = "distrib schema --out: the schemas written")]
pub struct Document {
    /// `distrib-schema/1`.
    #[schemars(extend("const" = FORMAT))]
    pub format: &'static str,
    /// The folder, as given.
    pub out: String,
    /// Every schema, relative to `out`.
    pub files: Vec<WrittenFile>,
}

/// A file a command wrote, or left as it was.
#[derive(Debug, serde::Serialize, JsonSchema)]
pub struct WrittenFile {
    /// Relative to the folder written into, with `/`.
    pub path: String,
    /// `done` (written) or `up-to-date` (it already held these bytes).
    pub status: crate::json::Status,
}

/// The folder of `schema/` that holds the schemas of the documents commands print.
pub const OUTPUT_DIR: &str = "output";

/// A document a command prints with `--format json`, by its `format`.
pub struct Output {
    /// `distrib-diff/1`.
    pub format: &'static str,
    /// The commands that print it.
    pub commands: &'static str,
    /// Its schema, generated from the document's type.
    pub schema: fn() -> Value,
}

/// Every document a command prints, in the order of `docs/json.md`.
pub const OUTPUTS: &[Output] = &[
    Output {
        format: "distrib-check/1",
        commands: "check",
        schema: document::<crate::check::Document<'static>>,
    },
    Output {
        format: "distrib-fetch/1",
        commands: "fetch",
        schema: fetch_document,
    },
    Output {
        format: "distrib-lock/1",
        commands: "lock",
        schema: lock_document,
    },
    Output {
        format: "distrib-lock-check/1",
        commands: "lock --check (also --base)",
        schema: document::<crate::lock::document::Checked>,
    },
    Output {
        format: "distrib-verify/1",
        commands: "verify",
        schema: verify_document,
    },
    Output {
        format: "distrib-release/1",
        commands: "release candidate|final|patch",
        schema: release_document,
    },
    Output {
        format: "distrib-tag/1",
        commands: "tag",
        schema: tag_document,
    },
    Output {
        format: "distrib-branch/1",
        commands: "branch",
        schema: branch_document,
    },
    Output {
        format: "distrib-record/1",
        commands: "record",
        schema: record_document,
    },
    Output {
        format: "distrib-diff/1",
        commands: "diff",
        schema: document::<crate::report::diff::Diff>,
    },
    Output {
        format: "distrib-notes/1",
        commands: "notes",
        schema: notes_document,
    },
    Output {
        format: "distrib-graph/1",
        commands: "graph",
        schema: document::<crate::report::graph::Graph>,
    },
    Output {
        format: "distrib-plan/1",
        commands: "plan",
        schema: document::<crate::report::plan::Plan>,
    },
    Output {
        format: "distrib-list/1",
        commands: "list",
        schema: document::<crate::report::list::List>,
    },
    Output {
        format: "distrib-deploy/1",
        commands: "deploy add|remove|set-default|set-support|set-partition|unset-partition|set-alternative|unset-alternative",
        schema: document::<crate::deploy::Document>,
    },
    Output {
        format: crate::deploy::EXPORT_FORMAT,
        commands: "deploy export",
        schema: document::<crate::deploy::Export>,
    },
    Output {
        format: "distrib-site/1",
        commands: "site",
        schema: document::<crate::site::Document>,
    },
    Output {
        format: "distrib-schema/1",
        commands: "schema --out",
        schema: document::<Document>,
    },
    Output {
        format: "distrib-init/1",
        commands: "init",
        schema: document::<crate::init::Document>,
    },
    Output {
        format: "distrib-import/1",
        commands: "import alidist|lsst",
        schema: document::<crate::import::alidist::write::Document>,
    },
    Output {
        format: "distrib-error/1",
        commands: "any command with --format json, on a fatal error",
        schema: document::<crate::diagnostic::operation::ErrorDocument>,
    },
];

impl Output {
    /// The schema's file name under `schema/output/`: `distrib-diff-1.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.schema.json", self.format.replace('/', "-"))
    }

    /// The schema as written to its file: pretty, with one trailing newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&(self.schema)()).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The schema as a value.
    pub fn schema(&self) -> Value {
        (self.schema)()
    }
}

/// The document whose `format` is `format`.
pub fn output(format: &str) -> Option<&'static Output> {
    OUTPUTS.iter().find(|o| o.format == format)
}
