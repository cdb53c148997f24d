//! `distrib notes A B`: the release note between two locks, with the commits read from the
//! mirrors.

use super::{CommandError, CommandResult};
use clap::ValueEnum;

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, boxed, out, out_json};
use crate::json::Release;
use crate::lock::Lockfile;
use crate::report::notes::{self, Notes};

/// Write the release note between two releases
///
/// For every product whose commits changed, the commits between its two locked commits, read
/// from the mirrors (run `distrib fetch` first if they are older than the locks); the issue keys
/// the distribution's `issues` pattern finds in their messages, grouped by issue; the narrative
/// of `notes/<DIST>/<B>.md` when that file exists; the distribution's `install` instructions; and
/// the technical table: every product with its version change, commit and identity. A range
/// that cannot be walked (a commit missing from the mirror, history rewritten, B older than A)
/// is reported in the note, never left out.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib notes w.2026.46 w.2026.47 > notes.md\n  \
distrib notes 29.0.0.rc1 29.0.0 --format html > 29.0.0.html\n  \
distrib notes lsst_distrib/w.2026.46 lsst_distrib/w.2026.47 --format json\n\n\
Exit status: 0 when the note was written (ranges that cannot be walked are reported in it), 1 \
when a release is unknown or a lock cannot be read, 2 on a usage error."
)]
pub struct Args {
    /// The older release: RELEASE, DIST/RELEASE, or a lockfile's path
    #[arg(value_name = "A")]
    from: String,

    /// The newer release, in the same forms
    #[arg(value_name = "B")]
    to: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Markdown, for a release page, an announcement or a job summary
    Markdown,
    /// The `distrib-notes/1` document
    Json,
    /// A self-contained HTML page
    Html,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let (from, to) = super::diff::locate_pair(context, &args.from, &args.to).map_err(boxed)?;
    let (note, unavailable) = note(workspace, &from, &to)?;
    match args.format {
        Format::Markdown => out(&note.markdown()),
        Format::Html => out(&note.html()),
        Format::Json => {
            let document = note.document(
                Release::of(&from, Some(&workspace.root)),
                Release::of(&to, Some(&workspace.root)),
                unavailable,
            );
            out_json(&crate::json::to_text(&document));
            return Ok(Exit::Success);
        }
    }
    if unavailable > 0 {
        context.warn(&notes::Unavailable(unavailable));
    }
    Ok(Exit::Success)
}

/// The note from `from` to `to` ([`notes::assemble`]), and how many repositories' commits
/// could not be read.
fn note(
    workspace: &Workspace,
    from: &Lockfile,
    to: &Lockfile,
) -> Result<(Notes, usize), CommandError> {
    notes::assemble(
        &workspace.root,
        &workspace.manifests,
        &workspace.mirrors(),
        from,
        to,
    )
    .map_err(boxed)
}
