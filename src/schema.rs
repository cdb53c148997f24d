//! JSON Schemas of the manifest file kinds, generated from the serde model so they cannot
//! drift from what `distrib check` accepts. Editors use them through `yaml-language-server`.

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

fn generate<T: JsonSchema>(title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Value::Object(map) = &mut value {
        map.insert("title".into(), Value::String(title.into()));
    }
    value
}
