//! `distrib graph`: the dependency graph of a lock, as DOT, Mermaid or JSON.

use super::CommandResult;
use clap::ValueEnum;

use super::locate::{Accept, locate};
use super::{Context, Exit, boxed, out, out_json};
use crate::json::Release;
use crate::report::graph;

/// Draw the dependency graph of a lock: run-time dependencies solid, build-time dashed
///
/// The lock is a distribution (its newest lock), a release (`w.2026.47` or `DIST/RELEASE`), or
/// a lockfile's path. Each product is a node labelled with its name and version; an edge goes
/// from a product to its dependency. Output is sorted: the same lock gives the same text.
///
/// With --since RELEASE, the products that must be built since that release are marked: class
/// `rebuild` (identity changed) or `added` (new), with a fill colour, in DOT and Mermaid; fields
/// `status` and `rebuild` in JSON. A bare RELEASE is first looked for in the graph's own
/// distribution.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib graph lsst_distrib | dot -Tsvg > graph.svg\n  \
distrib graph w.2026.47 --since w.2026.46 --format mermaid\n  \
distrib graph locks/O2PDPSuite/nightly.lock.yaml --format json\n\n\
Exit status: 0 on success, 1 when a release is unknown or a lock cannot be read or was edited, \
2 on a usage error."
)]
pub struct Args {
    /// A distribution (its newest lock), RELEASE, DIST/RELEASE, or a lockfile's path
    #[arg(value_name = "DIST|RELEASE|LOCK")]
    lock: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,

    /// Mark what must be built since this release (RELEASE, DIST/RELEASE or a lockfile's path)
    #[arg(long, value_name = "RELEASE")]
    since: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Graphviz: `dot -Tsvg`
    Dot,
    /// A Mermaid flowchart, for Markdown
    Mermaid,
    /// One JSON document: nodes and edges
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let found = locate(context, &args.lock, Accept::ReleaseOrDistribution, None).map_err(boxed)?;
    let since = match &args.since {
        Some(since) => Some(
            locate(context, since, Accept::Release, Some(&found.distribution)).map_err(boxed)?,
        ),
        None => None,
    };
    let mut graph = graph::graph(&found, since.as_ref());
    let root = crate::manifest::find_root(&context.start);
    graph.release = Release::of(&found, root);
    graph.since = since.as_ref().map(|lock| Release::of(lock, root));
    match args.format {
        Format::Dot => out(&graph.dot()),
        Format::Mermaid => out(&graph.mermaid()),
        Format::Json => out_json(&crate::json::to_text(&graph)),
    }
    Ok(Exit::Success)
}
