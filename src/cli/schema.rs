//! `distrib schema`: print or write the JSON Schema of the manifest file kinds (and, with
//! `--out`, of the document `deploy export` prints).

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

    /// Write every schema as `<kind>.schema.json` into DIR instead (relative to `-C DIR` when
    /// given)
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    out: Option<PathBuf>,
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
    let Some(out) = args.out.map(|out| context.start.join(out)) else {
        return Ok(Exit::Usage);
    };
    std::fs::create_dir_all(&out).map_err(|e| io_error(&out, e))?;
    for kind in Kind::ALL {
        let path = out.join(schema::file_name(kind));
        crate::fsutil::write_atomic(&path, schema::to_text(kind).as_bytes())
            .map_err(|e| io_error(&path, e))?;
        super::err(&format!("wrote `{}`\n", path.display()));
    }
    // And the document `deploy export` prints, for the programs that read it.
    let path = out.join(crate::deploy::EXPORT_SCHEMA_FILE);
    crate::fsutil::write_atomic(&path, crate::deploy::export_schema().as_bytes())
        .map_err(|e| io_error(&path, e))?;
    super::err(&format!("wrote `{}`\n", path.display()));
    // And the one `import alidist --format json` prints.
    let path = out.join(crate::import::alidist::write::SCHEMA_FILE);
    crate::fsutil::write_atomic(
        &path,
        crate::import::alidist::write::Document::schema().as_bytes(),
    )
    .map_err(|e| io_error(&path, e))?;
    super::err(&format!("wrote `{}`\n", path.display()));
    Ok(Exit::Success)
}

fn io_error(path: &std::path::Path, error: std::io::Error) -> CommandError {
    CommandError::user(crate::fsutil::IoError::new(path, error))
}
