//! `distrib verify`: the command line of [`crate::verify`]: the findings drawn as diagnostics,
//! a line per lock verified, or the `distrib-verify/1` document.

use std::path::PathBuf;

use super::CommandResult;
use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err, out_json};
use crate::json::Status;
use crate::verify::{Request, VerifyOutcome};

/// Check lockfiles for hand edits, and their tags and commits against the mirrors
///
/// Offline, each lock's digest, environment digest, identities and content digest are computed
/// again from its recorded fields: any edit shows. With mirrors (unless --offline), a tag that
/// now points elsewhere or was deleted, and a commit that no longer exists, are reported: how an
/// accident or an attack rewrites a release.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib verify\n  distrib verify locks/lsst_distrib/w.2026.47.lock.yaml --offline\n  distrib verify --format json"
)]
pub struct Args {
    /// Lockfiles to verify [default: every lock under locks/]
    locks: Vec<PathBuf>,

    /// Do not read the mirrors
    #[arg(long)]
    offline: bool,

    /// `human`: findings and a line per lock on stderr; `json`: the `distrib-verify/1`
    /// document on stdout
    #[arg(long, value_enum, default_value_t = super::lock::Format::Human)]
    format: super::lock::Format,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let request = Request {
        // Named on the command line: relative to where distrib was started.
        locks: args.locks.iter().map(|p| context.start.join(p)).collect(),
        offline: args.offline,
    };
    let outcome = crate::verify::verify(
        &workspace.root,
        &workspace.manifests,
        &workspace.mirrors(),
        &request,
    );
    if args.format == super::lock::Format::Json {
        out_json(&crate::json::to_text(&outcome));
        return Ok(if outcome.succeeded() {
            Exit::Success
        } else {
            Exit::Failure
        });
    }
    render(context, &outcome);
    let locks = outcome.end().map_err(boxed)?;
    err(&format!(
        "{} verified\n",
        crate::diagnostic::plural(locks, "lock")
    ));
    Ok(Exit::Success)
}

/// The findings, then a line per lock and records file that has none.
fn render(context: &Context, outcome: &VerifyOutcome) {
    for finding in &outcome.findings {
        err(&format!("{}\n", context.render_error(finding)));
    }
    for lock in &outcome.locks {
        if let (Status::Done, Some(release)) = (lock.status, &lock.release) {
            err(&format!(
                "ok    `{}` ({} {}, {})\n",
                lock.file,
                release.release,
                lock.build_name.as_deref().unwrap_or_default(),
                crate::diagnostic::plural(lock.products, "product")
            ));
        }
    }
    let records = &outcome.records;
    if !records.is_empty() && records.iter().all(|r| r.status == Status::Done) {
        err(&format!(
            "ok    {}\n",
            crate::diagnostic::plural(records.len(), "records file")
        ));
    }
}
