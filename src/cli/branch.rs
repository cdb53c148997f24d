//! `distrib branch`: create a release's branch in the repositories of the products to fix.

use super::CommandResult;
use super::locate::{Accept, locate};
use super::tag::{RunArgs, execute};
use super::{Context, Exit};
use crate::tag::Refs;

/// Create the release branch at a release's commits in the repositories of some products
/// (DMTN-106 §4.7, §5)
///
/// The branch is named by the distribution's `naming.branch` template (default
/// `b.{major}.{minor}.x`) from the release's version, and made only for the products named:
/// the packages to fix. Candidates and patches of that version then read the branch. The same
/// pre-flight as `distrib tag` comes first: a branch that exists at another commit stops the
/// run, one at the release's commit is in sync.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib branch 29.0.0.rc1 afw --dry-run\n  distrib branch 29.0.0.rc1 afw --push"
)]
pub struct Args {
    /// The release: `DIST/RELEASE`, a release name, or a lockfile's path
    release: String,

    /// The products whose repositories get the branch
    #[arg(required = true)]
    products: Vec<String>,

    #[command(flatten)]
    run: RunArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.run.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let lock = locate(context, &args.release, Accept::Release, None).map_err(super::boxed)?;
    let refs = Refs::Branch {
        products: args.products,
    };
    execute(
        context,
        workspace,
        lock,
        refs,
        args.run.mode(false),
        &args.run,
    )
}
