//! `distrib check`: validate a manifest repository and report every problem.

use super::{CommandError, CommandResult};
use clap::ValueEnum;

use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err, out, out_json};
use crate::diagnostic::render;
use crate::impact::Impact;
use crate::manifest::Origin;

/// Validate the manifests and report every problem at once
///
/// Reads `distrib.yaml` and every file under products/, distributions/, environments/ and
/// deployments/, checks every rule, and prints all problems, sorted by file and line. Rule levels
/// come from `rules:` in distrib.yaml. Files that parsed are cached (in `~/.cache/distrib/parsed`,
/// keyed by their path and text), so the next run parses only what changed; set
/// DISTRIB_NO_CACHE=1 to turn the cache off.
///
/// With --base, also says what the change since REV does, for whoever reviews it: the products
/// and environments added, removed or changed, each distribution's closure (on the platforms it
/// declares, else its newest lock's), and which package
/// identities would change against its newest lock. Those are computed from the mirrors (as
/// they are: nothing is fetched), with the lock's commits for every product whose sources
/// (`repositories`, `tag`, `version`) did not change, so that upstream work since the lock does not blur
/// the change under review. The lock is the newest nightly, weekly or manual one, by lineage.
///
/// Rules that depend on the platform (cycles, build tools at run time, requirements) are
/// checked on each platform a distribution declares (`platforms`, else `platform`), and, for one
/// that declares none, on every platform its dependencies' patterns tell apart.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib check\n  distrib check --rev origin/main --format github\n  \
distrib check --base origin/main --format github   # in a pull request\n  \
distrib -C examples/lsst check --format json"
)]
pub struct Args {
    /// Check the manifests as committed in this git revision, not the work tree
    #[arg(long, value_name = "REV")]
    rev: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Fail on warnings too
    #[arg(long)]
    deny_warnings: bool,

    /// Also report the impact of the change since this revision (with --format github, also
    /// as Markdown in $GITHUB_STEP_SUMMARY)
    #[arg(long, value_name = "REV")]
    base: Option<String>,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Messages with source snippets, on stderr
    Human,
    /// One JSON document on stdout
    Json,
    /// GitHub Actions annotations on stdout
    Github,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let request = crate::check::Request {
        start: &context.start,
        rev: args.rev.as_deref(),
        base: args.base.as_deref(),
        mirrors: args.mirrors.mirrors.as_deref(),
    };
    // Left for the process's exit to give back at once, rather than freed piece by piece.
    let checked: &'static _ = Box::leak(Box::new(
        crate::check::run(&request).map_err(CommandError::user)?,
    ));
    let (report, impact) = (&checked.report, checked.impact.as_ref());
    match args.format {
        Format::Human => {
            err(&render::human(report, context.width, context.color));
            let at = match &checked.origin {
                Origin::Revision { commit, .. } => {
                    format!(" at {}", &commit[..12.min(commit.len())])
                }
                Origin::WorkTree(_) => String::new(),
            };
            err(&format!("{}{at}\n", report.summary()));
            if let Some(impact) = impact {
                err(&format!("{}\n", impact.lines().join("\n")));
            }
        }
        Format::Json => {
            let denied = checked.denied(args.deny_warnings).is_some();
            let document = crate::check::Document::new(report, impact, denied);
            out_json(&crate::json::to_text(&document));
        }
        Format::Github => {
            let prefix = match &checked.origin {
                Origin::Revision { root, .. } => root.clone(),
                Origin::WorkTree(root) => from_checkout_top(root),
            };
            out(&render::github(report, &prefix));
            err(&format!("{}\n", report.summary()));
            if let Some(impact) = impact {
                err(&format!("{}\n", impact.lines().join("\n")));
                summarize(impact)?;
            }
        }
    }
    if let Some(denied) = checked.denied(args.deny_warnings) {
        match args.format {
            Format::Github => out(&crate::diagnostic::operation::github(&denied, "")),
            // The document says it: `summary.denied`.
            Format::Json => {}
            Format::Human => err(&format!("{}\n", context.render_error(&denied))),
        }
    }
    Ok(if checked.failed(args.deny_warnings) {
        Exit::Failure
    } else {
        Exit::Success
    })
}

/// In GitHub Actions, the impact as Markdown in the job's summary.
fn summarize(impact: &Impact) -> Result<(), CommandError> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = std::path::PathBuf::from(path);
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(impact.markdown().as_bytes()))
        .map_err(|e| boxed(crate::fsutil::IoError::new(&path, e)))
}

/// The root as GitHub names files: from the top of the git checkout that holds it, as in
/// `--rev` mode, whatever folder the job runs in (`working-directory:`); outside git, from the
/// current folder.
pub(super) fn from_checkout_top(root: &std::path::Path) -> String {
    let canonical = |p: &std::path::Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let root = canonical(root);
    let top = gix::discover(&root)
        .ok()
        .and_then(|repo| repo.workdir().map(canonical));
    let current = std::env::current_dir().ok().map(|c| canonical(&c));
    match top
        .or(current)
        .as_deref()
        .and_then(|base| root.strip_prefix(base).ok())
    {
        Some(relative) => relative.to_string_lossy().replace('\\', "/"),
        None => root.display().to_string(),
    }
}
