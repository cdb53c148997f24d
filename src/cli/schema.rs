//! `distrib schema`: print or write the JSON Schema of the manifest file kinds (and, with
//! `--out`, of every document a command prints with `--format json`).

use super::{CommandError, CommandResult};
use std::path::PathBuf;

use super::{Context, Exit};
use crate::manifest::Kind;
use crate::schema;

/// Print the JSON Schema of a manifest file kind
///
/// Editors validate and complete manifests with these schemas: add
/// `# yaml-language-server: $schema=<path>/product.schema.json` at the top of a file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file kind; all kinds with --out
    #[arg(value_parser = kind_names(), required_unless_present = "out")]
    kind: Option<String>,

    /// Write every schema as `<kind>.schema.json` into DIR instead, and the schemas of the
    /// JSON documents commands print as `output/distrib-<command>-1.schema.json` (relative to
    /// `-C DIR` when given)
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    out: Option<PathBuf>,

    /// With --out: say what was written as a sentence on stderr, or as one JSON document on
    /// stdout (`distrib-schema/1`)
    #[arg(long, value_enum, default_value_t = super::init::Format::Human, requires = "out")]
    format: super::init::Format,
}

fn kind_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::as_str))
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    if let Some(kind) = args
        .kind
        .as_deref()
        .and_then(|name| Kind::ALL.into_iter().find(|k| k.as_str() == name))
    {
        super::out(&schema::to_text(kind));
        return Ok(Exit::Success);
    }
    let Some(given) = args.out else {
        return Ok(Exit::Usage);
    };
    let out = context.start.join(&given);
    // The file kinds' schemas, then those of the documents commands print.
    let mut files: Vec<(String, String)> = Kind::ALL
        .into_iter()
        .map(|kind| (schema::file_name(kind), schema::to_text(kind)))
        .collect();
    files.extend(schema::OUTPUTS.iter().map(|output| {
        (
            format!("{}/{}", schema::OUTPUT_DIR, output.file_name()),
            output.to_text(),
        )
    }));
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = out.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        let status = if std::fs::read(&path).is_ok_and(|current| current == text.as_bytes()) {
            crate::json::Status::UpToDate
        } else {
            crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| io_error(&path, e))?;
            crate::json::Status::Done
        };
        written.push(schema::WrittenFile {
            path: relative,
            status,
        });
    }
    if args.format == super::init::Format::Json {
        super::out_json(&crate::json::to_text(&schema::Document {
            format: schema::FORMAT,
            out: given.display().to_string(),
            files: written,
        }));
        return Ok(Exit::Success);
    }
    let changed = written
        .iter()
        .filter(|f| f.status == crate::json::Status::Done)
        .count();
    super::err(&format!(
        "wrote the schemas into `{}`: {} files, {changed} changed\n",
        given.display(),
        written.len()
    ));
    Ok(Exit::Success)
}

fn io_error(path: &std::path::Path, error: std::io::Error) -> CommandError {
    CommandError::user(crate::fsutil::IoError::new(path, error))
}
