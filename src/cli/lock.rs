//! `distrib lock`: resolve a distribution to exact commits, trees and identities, and write
//! the release's lockfile; `--check` compares instead of writing (is there anything new
//! upstream), and `--check --base REV` asks whether the change since REV can be locked (the
//! pre-merge step).

use super::{CommandError, CommandResult};

use super::workspace::{MirrorArgs, Workspace};
use super::{Context, Exit, err, out, out_json};
use crate::identity;
use crate::lock::document::{self, Checked};
use crate::lock::make::{self, Fetch, Made, MakeError, Mode, Outcome, Request};
use crate::lock::{Lockfile, ReleaseKind};
use crate::naming::{self, DateTime};
use crate::report::diff::{ProductChange, Status};

/// Resolve a distribution and write the lockfile of a release
///
/// Every product of the distribution's closure is resolved in the mirrors (brought up to date
/// first, unless --offline): `--set`, else the product's `tag`, else the repository's `ref`, else
/// the default branch. The lock records commits, trees and package identities, and is written
/// to `locks/<DIST>/<release>.lock.yaml`, atomically. The same manifests and mirrors give the
/// same bytes.
///
/// With --check --base REV (the pre-merge step of a pull request): resolves the manifests with
/// the compared lock's commits for every product whose sources (`repositories`, `ref`, `tag`,
/// `version`) did not change since REV, as `check --base` does, and says what the lock would
/// rebuild. It fails only when the change itself cannot be locked (a tag that does not exist, a
/// requirement the held commits do not satisfy, a new product with no reachable ref), never
/// because a repository moved upstream.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib lock lsst_distrib --kind weekly --date 2026-11-21\n  \
distrib lock O2PDPSuite --kind manual --set O2=v1.2.3 --var flp_suite=0.41.0\n  \
distrib lock O2PDPSuite --kind manual --from RELEASE --set O2=v1.2.4\n  \
distrib lock lsst_distrib --check\n  \
distrib lock lsst_distrib --check --base origin/main   # in a pull request"
)]
pub struct Args {
    /// The distribution
    distribution: String,

    /// The kind of release
    #[arg(long, value_enum, required_unless_present = "check")]
    kind: Option<Kind>,

    /// Compare with the newest nightly, weekly or manual lock of the distribution instead of
    /// writing; exit 1 when stale (with --format json, the products that would change)
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,

    /// With --check: compare with this release instead of the newest
    #[arg(long, value_name = "NAME", requires = "check")]
    release: Option<String>,

    /// With --check: the pre-merge mode; hold the compared lock's commits for every product
    /// whose sources did not change since this revision, and fail only when the change cannot
    /// be locked
    #[arg(long, value_name = "REV", requires = "check")]
    base: Option<String>,

    /// Start from this release of the distribution: every repository at its commit, except
    /// the products --set names (O2 §5: a manual build "based on the weekly"); the lock
    /// records `from`, and takes the release's platform and build inputs unless given
    #[arg(long, value_name = "RELEASE", conflicts_with = "check")]
    from: Option<String>,

    #[command(flatten)]
    lock: LockArgs,
}

/// What a command that makes a lock prints.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct Output {
    /// Print the lockfile instead of writing it
    #[arg(long)]
    pub dry_run: bool,

    /// What to print on stdout: nothing (human: messages go to stderr), or a JSON summary of the
    /// release, for scripts
    #[arg(long, value_enum, default_value_t = Format::Human, conflicts_with = "dry_run")]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Messages on stderr only
    Human,
    /// One JSON document on stdout (`distrib-lock/1`, `distrib-lock-check/1`,
    /// `distrib-release/1`)
    Json,
}

/// What every command that makes a lock takes (`lock`, `release`).
#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// Release date and time (UTC), for the name [default: now]
    #[arg(long, value_name = "YYYY-MM-DD[THH:MM]", value_parser = parse_date)]
    pub date: Option<DateTime>,

    /// Set a naming variable, overriding the distribution's default
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = key_value)]
    pub variables: Vec<(String, String)>,

    /// Build a product from another ref (a tag, a branch or a commit); the lock records it
    #[arg(long = "set", value_name = "PRODUCT=REF", value_parser = product_ref)]
    pub overrides: Vec<(String, String)>,

    /// The platform to lock for [default: the distribution's `platform`; else, with --check,
    /// the compared lock's; else the first of its `platforms`; else this machine's]
    #[arg(long)]
    pub platform: Option<String>,

    /// Use the mirrors as they are, without fetching
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub output: Output,

    /// Repositories fetched at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    #[command(flatten)]
    pub mirrors: MirrorArgs,
}

/// The kinds `lock` makes; candidates, finals and patches come from `distrib release`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Kind {
    Nightly,
    Weekly,
    Manual,
}

impl From<Kind> for ReleaseKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Nightly => ReleaseKind::Nightly,
            Kind::Weekly => ReleaseKind::Weekly,
            Kind::Manual => ReleaseKind::Manual,
        }
    }
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// `--set PRODUCT=REF`: a ref is never empty.
fn product_ref(text: &str) -> Result<(String, String), String> {
    match key_value(text)? {
        (product, reference) if reference.is_empty() => Err(format!(
            "`{text}` names no ref: write `--set {product}=REF` with a tag, a branch or a commit"
        )),
        pair => Ok(pair),
    }
}

pub(super) fn parse_date(text: &str) -> Result<DateTime, String> {
    DateTime::parse(text).map_err(|e| e.to_string())
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.lock.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let mode = match (args.check, &args.base) {
        (false, _) if args.lock.output.dry_run => Mode::DryRun,
        (false, _) => Mode::Write,
        (true, None) => Mode::Check {
            release: args.release.clone(),
        },
        (true, Some(base)) => Mode::PreMerge {
            release: args.release.clone(),
            base: base.clone(),
        },
    };
    let request = Request {
        distribution: args.distribution.clone(),
        kind: ReleaseKind::from(args.kind.unwrap_or(Kind::Manual)),
        date: args.lock.date,
        variables: args.lock.variables.clone(),
        overrides: args.lock.overrides.clone(),
        platform: args.lock.platform.clone(),
        from: args.from.clone(),
        fetch: args.lock.fetch(),
        mode,
    };
    let made = make::make(workspace, &request, &super::fetch::progress_line())
        .map_err(|e| error(context, e))?;
    Ok(render(
        context,
        workspace,
        made,
        args.lock.output,
        &args.distribution,
        "distrib-lock/1",
    ))
}

impl LockArgs {
    pub fn fetch(&self) -> Fetch {
        Fetch {
            offline: self.offline,
            jobs: self.jobs,
        }
    }
}

/// The command's error: a request the command line got wrong is a usage error. One product
/// that failed to resolve is the error itself; several are the problems of one error.
pub(super) fn error(context: &Context, error: MakeError) -> CommandError {
    match error {
        MakeError::Resolve { mut failures } | MakeError::Requirements { mut failures }
            if failures.len() == 1 =>
        {
            CommandError::user(failures.pop().expect("one"))
        }
        MakeError::StaleMirrors { .. } => {
            if let MakeError::StaleMirrors { fetched, .. } = &error {
                super::fetch::report(context, fetched);
            }
            CommandError::user(error)
        }
        error if error.is_usage() => CommandError::usage(error),
        error => CommandError::user(error),
    }
}

/// Says what was made (on stderr) and, with `--format json`, gives the document on stdout.
pub(super) fn render(
    context: &Context,
    workspace: &Workspace,
    made: Made,
    output: Output,
    distribution: &str,
    format: &str,
) -> Exit {
    for fetched in &made.fetched {
        super::fetch::report(context, fetched);
    }
    let json = output.format == Format::Json;
    // The JSON document carries them.
    if !json {
        for warning in &made.warnings {
            context.warn(warning);
        }
    }
    let diagnostics = || {
        made.warnings
            .iter()
            .flat_map(|w| crate::diagnostic::operation::warning_entries(w))
            .collect::<Vec<_>>()
    };
    let summary = |lock: &Lockfile, path: &std::path::Path, written: bool| {
        if json {
            let document = document::Made::new(
                format,
                lock,
                workspace.shown(path),
                written,
                naming::build_of(&workspace.manifests, lock),
                diagnostics(),
            );
            print_json(&document);
        }
    };
    match &made.outcome {
        Outcome::Printed { text, .. } => out(text),
        Outcome::UpToDate { lock, path } => {
            err(&format!(
                "`{}` is up to date: it has this content already\n",
                workspace.shown(path)
            ));
            summary(lock, path, false);
        }
        Outcome::Written { lock, path } => {
            let build = naming::build_of(&workspace.manifests, lock);
            let mut lineage = match &lock.same_content_as {
                Some(other) => format!(", same content as `{other}` ({build})"),
                None => format!(", build {build}"),
            };
            if let Some(from) = &lock.from {
                lineage.push_str(&format!(", from `{from}`"));
            }
            err(&format!(
                "wrote `{}`: {}{lineage}\n",
                workspace.shown(path),
                crate::diagnostic::plural(lock.products.len(), "product")
            ));
            summary(lock, path, true);
        }
        Outcome::Current { lock, products } => {
            err(&format!(
                "`{}` is up to date ({})\n",
                lock.release,
                crate::diagnostic::plural(*products, "product")
            ));
        }
        Outcome::Stale { lock, staleness } => {
            if let Some(version) = staleness.identity_version {
                // Every identity differs: said once rather than once per product.
                err(&format!(
                    "`{}` is stale: its identities are `{}`, a lock made now has `{}` identities\n",
                    lock.release,
                    version.map_or("unknown", identity::Version::header),
                    identity::Version::CURRENT.header()
                ));
            }
            if !staleness.changes.is_empty() {
                err(&format!(
                    "`{}` is stale: {} of its products would change\n{}\n",
                    lock.release,
                    staleness.changes.len(),
                    lines(&staleness.changes).join("\n")
                ));
            }
            err(&format!(
                "run `distrib lock {distribution} --kind <kind>` to write a new lock\n"
            ));
        }
        Outcome::Lockable {
            lock,
            products,
            base,
            sources,
            changes,
        } => {
            let anew = if sources.is_empty() {
                String::new()
            } else {
                format!("; resolved anew: {}", sources.join(", "))
            };
            err(&format!(
                "`{distribution}` can be locked ({}), with `{}`'s commits for every product whose sources did not change since `{base}`{anew}\n",
                crate::diagnostic::plural(*products, "product"),
                lock.release,
            ));
            if changes.is_empty() {
                err("no package would be rebuilt\n");
            } else {
                err(&format!(
                    "{} would be rebuilt:\n{}\n",
                    crate::diagnostic::plural(changes.len(), "package"),
                    lines(changes).join("\n")
                ));
            }
        }
    }
    if json
        && let Outcome::Current { lock, .. }
        | Outcome::Stale { lock, .. }
        | Outcome::Lockable { lock, .. } = &made.outcome
    {
        let path = crate::lock::path(&workspace.root, &lock.distribution, &lock.release);
        if let Some(document) = Checked::new(&made.outcome, workspace.shown(&path), diagnostics()) {
            print_json(&document);
        }
    }
    match made.outcome {
        Outcome::Stale { .. } => Exit::Failure,
        _ => Exit::Success,
    }
}

fn print_json(document: &impl serde::Serialize) {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    out_json(&text);
}

/// One line per product that would change: added, changed (from which version and commits to
/// which), removed.
fn lines(changes: &[ProductChange]) -> Vec<String> {
    let commits = |state: &crate::report::diff::State| {
        state
            .commits
            .iter()
            .map(|c| c.get(..10).unwrap_or(c).to_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    let version =
        |state: &crate::report::diff::State| state.version.clone().unwrap_or_else(|| "-".into());
    changes
        .iter()
        .map(|change| match (change.status, &change.from, &change.to) {
            (Status::Added, _, Some(after)) => {
                format!("  added     {} {}", change.name, version(after))
            }
            (Status::Removed, _, _) => format!("  removed   {}", change.name),
            (_, Some(before), Some(after))
                if !change.commit_changed
                    && !change
                        .reasons
                        .contains(&crate::report::diff::Reason::Recipe) =>
            {
                format!(
                    "  changed   {} {}: a dependency or the environment changed",
                    change.name,
                    version(after)
                )
            }
            (_, Some(before), Some(after)) => format!(
                "  changed   {} {} ({}) -> {} ({})",
                change.name,
                version(before),
                commits(before),
                version(after),
                commits(after)
            ),
            _ => format!("  changed   {}", change.name),
        })
        .collect()
}
