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
    /// Its schema: generated from its type, or the committed file as written.
    pub schema: Source,
}

pub enum Source {
    Generated(fn() -> Value),
    Written(&'static str),
}

macro_rules! written {
    ($file:literal) => {
        Source::Written(include_str!(concat!("../schema/output/", $file)))
    };
}

/// Every document a command prints, in the order of `docs/json.md`.
pub const OUTPUTS: &[Output] = &[
    Output {
        format: "distrib-check/1",
        commands: "check",
        schema: written!("distrib-check-1.schema.json"),
    },
    Output {
        format: "distrib-fetch/1",
        commands: "fetch",
        schema: written!("distrib-fetch-1.schema.json"),
    },
    Output {
        format: "distrib-lock/1",
        commands: "lock (also --check, --dry-run)",
        schema: written!("distrib-lock-1.schema.json"),
    },
    Output {
        format: "distrib-verify/1",
        commands: "verify",
        schema: written!("distrib-verify-1.schema.json"),
    },
    Output {
        format: "distrib-release/1",
        commands: "release candidate|final|patch",
        schema: written!("distrib-release-1.schema.json"),
    },
    Output {
        format: "distrib-tag/1",
        commands: "tag",
        schema: written!("distrib-tag-1.schema.json"),
    },
    Output {
        format: "distrib-branch/1",
        commands: "branch",
        schema: written!("distrib-branch-1.schema.json"),
    },
    Output {
        format: "distrib-record/1",
        commands: "record",
        schema: written!("distrib-record-1.schema.json"),
    },
    Output {
        format: "distrib-diff/1",
        commands: "diff",
        schema: Source::Generated(document::<crate::report::diff::Diff>),
    },
    Output {
        format: "distrib-notes/1",
        commands: "notes",
        schema: written!("distrib-notes-1.schema.json"),
    },
    Output {
        format: "distrib-graph/1",
        commands: "graph",
        schema: Source::Generated(document::<crate::report::graph::Graph>),
    },
    Output {
        format: "distrib-plan/1",
        commands: "plan",
        schema: Source::Generated(document::<crate::report::plan::Plan>),
    },
    Output {
        format: "distrib-list/1",
        commands: "list",
        schema: Source::Generated(document::<crate::report::list::List>),
    },
    Output {
        format: "distrib-deploy/1",
        commands: "deploy add|remove|set-default|set-support|set-partition|unset-partition|set-alternative|unset-alternative",
        schema: Source::Generated(document::<crate::deploy::Document>),
    },
    Output {
        format: crate::deploy::EXPORT_FORMAT,
        commands: "deploy export",
        schema: Source::Generated(document::<crate::deploy::Export>),
    },
    Output {
        format: "distrib-site/1",
        commands: "site",
        schema: Source::Generated(document::<crate::site::Document>),
    },
    Output {
        format: "distrib-schema/1",
        commands: "schema --out",
        schema: Source::Generated(document::<Document>),
    },
    Output {
        format: "distrib-init/1",
        commands: "init",
        schema: Source::Generated(document::<crate::init::Document>),
    },
    Output {
        format: "distrib-import/1",
        commands: "import alidist|lsst",
        schema: written!("distrib-import-1.schema.json"),
    },
    Output {
        format: "distrib-error/1",
        commands: "any command with --format json, on a fatal error",
        schema: Source::Generated(document::<crate::diagnostic::operation::ErrorDocument>),
    },
];

impl Output {
    /// The schema's file name under `schema/output/`: `distrib-diff-1.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.schema.json", self.format.replace('/', "-"))
    }

    /// The schema as written to its file: pretty, with one trailing newline.
    pub fn to_text(&self) -> String {
        match &self.schema {
            Source::Generated(make) => {
                let mut text = serde_json::to_string_pretty(&make()).unwrap_or_default();
                text.push('\n');
                text
            }
            Source::Written(text) => (*text).to_owned(),
        }
    }

    /// The schema as a value.
    pub fn schema(&self) -> Value {
        match &self.schema {
            Source::Generated(make) => make(),
            Source::Written(text) => serde_json::from_str(text).unwrap_or_default(),
        }
    }
}

/// The document whose `format` is `format`.
pub fn output(format: &str) -> Option<&'static Output> {
    OUTPUTS.iter().find(|o| o.format == format)
}
