//! The command line's side of a workspace: the `--mirrors` flag, and the report of invalid
//! manifests.

use super::CommandError;
use std::path::PathBuf;

use super::Context;
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

/// Opens the workspace of the command's folder. Invalid manifests are reported here, every
/// problem in the command's format, and give `None`: nothing may be locked from them.
/// The workspace lives until the process exits, which gives its memory back at once, rather
/// than freed piece by piece when the command is done with it.
pub fn open(
    context: &Context,
    args: &MirrorArgs,
) -> Result<Option<&'static Workspace>, CommandError> {
    let error = match Workspace::open(&context.start, args.mirrors.as_deref()) {
        Ok(workspace) => return Ok(Some(Box::leak(Box::new(workspace)))),
        Err(error) => error,
    };
    if let WorkspaceError::Invalid(report) = &error {
        context.report_invalid(&error, report);
        return Ok(None);
    }
    Err(CommandError::user(error))
}
