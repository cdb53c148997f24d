//! `distrib branch`: create a release's branch in the repositories of the products to fix.

use super::CommandResult;
use super::locate::{Accept, locate};
use super::tag::{Item, Mode, RunArgs, execute, tag_date};
use super::{Context, Exit};
use crate::diagnostic::closest;

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

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum BranchFailure {
    #[error("`{release}` is a {kind} release: a release branch is named after a version")]
    #[diagnostic(
        code("branch-no-version"),
        help("branch from a candidate or a final (`distrib branch 29.0.0.rc1 PRODUCT`)")
    )]
    NoVersion { release: String, kind: &'static str },
    #[error("`{product}` is not a product of `{release}`")]
    #[diagnostic(code("product-not-in-release"))]
    NotInRelease {
        product: String,
        release: String,
        #[help]
        help: String,
    },
    #[error("`{product}` has no repository: there is nothing to branch")]
    #[diagnostic(
        code("branch-no-repository"),
        help("name a product built from a repository")
    )]
    NoRepository { product: String },
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.run.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let lock = locate(context, &args.release, Accept::Release, None).map_err(super::boxed)?;
    let shown = format!("{}/{}", lock.distribution, lock.release);
    let version = lock
        .release_version
        .as_deref()
        .and_then(|v| crate::release::Version::parse(v).ok())
        .ok_or_else(|| {
            super::boxed(BranchFailure::NoVersion {
                release: shown.clone(),
                kind: lock.kind.as_str(),
            })
        })?;
    let distribution = crate::resolve::find_distribution(&workspace.manifests, &lock.distribution)
        .map_err(super::boxed)?;
    let name = super::release::branch_name(distribution, version, &lock.variables)
        .map_err(super::boxed)?;
    let mut items = Vec::new();
    for product in &args.products {
        let Some(locked) = lock.products.iter().find(|p| &p.name == product) else {
            let names: Vec<&str> = lock.products.iter().map(|p| p.name.as_str()).collect();
            let help = match closest(product, &names) {
                Some(close) => {
                    format!("did you mean `{close}`? only the release's products can be branched")
                }
                None => {
                    "only the release's products can be branched: `distrib list` shows them".into()
                }
            };
            return Err(super::boxed(BranchFailure::NotInRelease {
                product: product.clone(),
                release: shown,
                help,
            }));
        };
        if locked.repositories.is_empty() {
            return Err(super::boxed(BranchFailure::NoRepository {
                product: product.clone(),
            }));
        }
        for repository in &locked.repositories {
            if items
                .iter()
                .any(|i: &Item| i.url == repository.url && i.commit == repository.commit)
            {
                continue;
            }
            items.push(Item::new(
                &workspace,
                &repository.url,
                format!("refs/heads/{name}"),
                &repository.commit,
                None,
            ));
        }
    }
    let mode = Mode {
        push: args.run.push,
        dry_run: args.run.dry_run,
        verify: false,
        force: false,
        jobs: args.run.jobs,
        json: args.run.format == super::lock::Format::Json,
        date: tag_date(&lock),
        what: "branch",
    };
    Ok(execute(context, &workspace, &lock, items, &mode))
}
