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
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let dir = match args.dir {
        Some(dir) => context.start.join(dir),
        None => context.start.clone(),
    };
    let created = crate::init::init(&dir).map_err(boxed)?;
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
