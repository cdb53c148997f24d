//! `distrib plan LOCK --store DIR`: which packages of a lock a binary store lacks, in build
//! order.

use super::CommandResult;
use std::path::PathBuf;

use clap::ValueEnum;

use super::locate::{Accept, locate};
use super::{Context, Exit, boxed, out_json, out_text};
use crate::report::plan::{self, Plan};

/// List what must be built for a lock, and what a binary store has already, in build order
///
/// The store is a folder (a mount, a synced bucket) holding one folder per binary package,
/// named by the package identity recorded in the lock:
///
///   <store>/<first 2 hex digits of the identity>/<identity hex>/
///
/// where the identity hex is the identity without its `sha256:` prefix, for example
/// `<store>/3f/3f2a…(64 hex digits)/`. What goes inside the folder is the build job's choice
/// (a tarball, an install tree, a log). A package is present when its folder exists, so a CI job
/// should upload into a temporary name beside it and rename it into place once complete.
/// Identities are computed from sources, recipes, environment and dependencies, so a package
/// found in the store never needs a rebuild, whatever release first built it.
///
/// The order puts every dependency (run time and build time) before its dependents; among
/// packages ready at the same time, by name. LOCK is a distribution (its newest lock), a
/// release (`w.2026.47` or `DIST/RELEASE`) or a lockfile's path.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib plan lsst_distrib --store /srv/packages\n  \
distrib plan lsst_distrib/w.2026.47 --store \"$STORE\" --format json\n\n\
Exit status: 0 on success (packages to build are not a failure), 1 when a release is unknown, \
a lock cannot be read or was edited, or the store is not a folder, 2 on a usage error."
)]
pub struct Args {
    /// A distribution (its newest lock), RELEASE, DIST/RELEASE, or a lockfile's path
    #[arg(value_name = "LOCK")]
    lock: String,

    /// The binary store: `<DIR>/<2 hex>/<identity hex>/` per package
    #[arg(long, value_name = "DIR", env = "DISTRIB_STORE")]
    store: PathBuf,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A table on stdout
    Human,
    /// One JSON document on stdout
    Json,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the store `{}` is not a folder", .0.display())]
#[diagnostic(
    code("store-missing"),
    help(
        "create it (`mkdir -p`) before the first build: an empty store means everything is to be built"
    )
)]
struct StoreMissing(PathBuf);

pub fn run(context: &Context, args: Args) -> CommandResult {
    let found = locate(context, &args.lock, Accept::ReleaseOrDistribution, None).map_err(boxed)?;
    let store = context.start.join(&args.store);
    // A mistyped store would otherwise say that everything is to be built.
    if !store.is_dir() {
        return Err(boxed(StoreMissing(args.store)));
    }
    let mut plan = plan::plan(&found, |path| store.join(path).is_dir()).map_err(boxed)?;
    plan.release = crate::json::Release::of(&found, crate::manifest::find_root(&context.start));
    plan.store = Some(args.store.display().to_string());
    match args.format {
        Format::Json => out_json(&crate::json::to_text(&plan)),
        Format::Human => out_text(&human(&plan, &args.store)),
    }
    Ok(Exit::Success)
}

fn human(plan: &Plan, store: &std::path::Path) -> String {
    let mut text = format!(
        "{}: {} (b{}) against `{}`: {} to build, {} present\n\n",
        plan.release.distribution,
        plan.release.release,
        plan.release.build.unwrap_or_default(),
        store.display(),
        plan.summary.build,
        plan.summary.present
    );
    let mut rows = vec![
        ["order", "product", "version", "status", "folder"]
            .map(String::from)
            .to_vec(),
    ];
    for step in &plan.steps {
        rows.push(vec![
            step.order.to_string(),
            step.name.clone(),
            step.version.clone().unwrap_or_else(|| "-".into()),
            step.status.as_str().to_owned(),
            step.path.clone(),
        ]);
    }
    text.push_str(&super::list::table(&rows));
    text
}
