//! The command line's side of a workspace: the `--mirrors` flag, and the report of invalid
//! manifests drawn as `check` draws it.

use super::CommandError;
use std::path::PathBuf;

use super::{Context, err};
use crate::diagnostic::render;
pub use crate::workspace::Workspace;
use crate::workspace::WorkspaceError;

/// Flags for commands that read mirrors.
#[derive(Debug, clap::Args)]
pub struct MirrorArgs {
    /// Folder of the bare mirrors [default: `mirrors:` in distrib.yaml, else the user's cache
    /// folder]
    #[arg(long, value_name = "DIR", env = "DISTRIB_MIRRORS")]
    pub mirrors: Option<PathBuf>,
}

/// Opens the workspace of the command's folder. Invalid manifests are drawn here, every
/// problem, and give `None`: nothing may be locked from them.
pub fn open(context: &Context, args: &MirrorArgs) -> Result<Option<Workspace>, CommandError> {
    match Workspace::open(&context.start, args.mirrors.as_deref()) {
        Ok(workspace) => Ok(Some(workspace)),
        Err(WorkspaceError::Invalid(report)) => {
            err(&render::human(&report, context.width, context.color));
            err(&format!(
                "{}\nfix these problems first: `distrib check` shows them\n",
                report.summary()
            ));
            Ok(None)
        }
        Err(WorkspaceError::Open(error)) => Err(CommandError::user(error)),
    }
}
