//! `distrib init`: start a manifest repository.

use super::CommandResult;
use std::path::PathBuf;

use super::{Context, Exit, boxed, err};

/// Create a manifest repository, with one commented example of each file kind
///
/// Writes `distrib.yaml`, a product, a third-party product, a distribution, an environment and
/// a deployment, each with a `# yaml-language-server: $schema=` line pointing at the JSON
/// Schemas written into `schema/`, so editors complete and validate fields. Makes DIR a git
/// repository unless it is inside one already. Never overwrites a file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  distrib init manifests\n  cd manifests && distrib check")]
pub struct Args {
    /// The folder [default: the current folder]
    dir: Option<PathBuf>,

    /// Output format: a sentence on stderr, or one JSON document on stdout (`distrib-init/1`)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// A sentence on stderr
    Human,
    /// One JSON document on stdout
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let shown = args
        .dir
        .as_ref()
        .map_or_else(|| ".".to_owned(), |d| d.display().to_string());
    let dir = match args.dir {
        Some(dir) => context.start.join(dir),
        None => context.start.clone(),
    };
    let created = crate::init::init(&dir).map_err(boxed)?;
    if args.format == Format::Json {
        super::out_json(&crate::json::to_text(&crate::init::Document {
            format: crate::init::FORMAT,
            dir: shown,
            files: created
                .files
                .iter()
                .map(|path| crate::schema::WrittenFile {
                    path: path.clone(),
                    status: crate::json::Status::Done,
                })
                .collect(),
            repository: created.repository,
        }));
        return Ok(Exit::Success);
    }
    err(&format!(
        "created a manifest repository in `{}`: {}{}\nnext: set `url:` in products/hello.yaml to your repository, then `distrib check`, `distrib fetch` and `distrib lock hello_distrib --kind weekly`\n",
        dir.display(),
        crate::diagnostic::plural(created.files.len(), "file"),
        if created.repository {
            ", and a git repository"
        } else {
            ""
        }
    ));
    Ok(Exit::Success)
}
