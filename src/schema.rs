//! JSON Schemas of the manifest file kinds, generated from the serde model so they cannot
//! drift from what `distrib check` accepts. Editors use them through `yaml-language-server`.

use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

use crate::lock::Lockfile;
use crate::manifest::Kind;
use crate::manifest::model::{Config, Deployment, Distribution, Environment, Product};

/// The schema of one file kind.
pub fn of(kind: Kind) -> Value {
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
