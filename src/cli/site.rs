//! `distrib site`: write the release web site of the manifest repository into a folder.

use super::CommandResult;
use std::path::PathBuf;

use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err};
use crate::site;

/// Write the release web site: deployments, their releases and support, one page per release
///
/// The site lists every distribution; every deployment with its installed releases, the
/// support each gets (official, test or internal) and its default; and, for each locked
/// release, a page with its kind, build, date, platform, lineage (the release it was made
/// from, an earlier release with the same content), where it is installed, its products with
/// their commits (linked on GitHub and GitLab) and identities, what changed since its parent
/// release (what is rebuilt, what is reused), its release note and its dependency graph.
///
/// It is made from the manifests and the lockfiles, and the release notes from the mirrors as
/// they are (nothing is fetched; without a mirrors folder, the pages have no release note).
/// The manifests must pass `distrib check` first. Pages are static and self-contained (inline
/// style, no script, relative links): open `index.html` from disk, or publish the folder on
/// any web server. The same manifests and locks give the same bytes, so the site can be
/// committed or diffed; an unchanged page is not rewritten.
///
/// Pages go to `DIR/index.html`, `DIR/<DIST>/index.html`, `DIR/<DIST>/<RELEASE>.html` and
/// `DIR/deployments/<NAME>.html`. distrib keeps the list of pages it wrote in
/// `DIR/.distrib-site` and removes those it no longer makes (a lock removed from the
/// history); it never writes or removes anything else, and never outside DIR.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  distrib site --out public\n  \
distrib -C manifests site --out /srv/www/releases\n\n\
In CI, after `distrib deploy set-default`: `distrib site --out public` and publish `public/` \
(GitHub Pages, GitLab Pages, any web server).\n\n\
Exit status: 0 when the site was written, 1 when the manifests have errors or a page cannot be \
written (--out is a file, a folder in it is a link), 2 on a usage error.")]
pub struct Args {
    /// The folder to write the site into, created when missing (relative to `-C DIR` when
    /// given)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    #[command(flatten)]
    mirrors: MirrorArgs,

    /// Output format: a sentence on stderr, or one JSON document on stdout (`distrib-site/1`)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A sentence on stderr
    Human,
    /// One JSON document on stdout: every page and whether it changed
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    // Refused before anything is read: the most common mistake costs nothing.
    let out = site::target(&context.start.join(&args.out), &args.out).map_err(boxed)?;
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let gathered = site::gather(workspace, &out, &args.out).map_err(boxed)?;
    if gathered.mirrors.is_none() {
        err(&format!(
            "note: no mirrors at `{}`, so the pages have no release notes (`distrib fetch` makes them)\n",
            workspace.mirrors_dir.display()
        ));
    }
    let written = site::publish(&gathered, &out).map_err(boxed)?;
    if args.format == Format::Json {
        let document = gathered.document(&args.out, &written);
        super::out_json(&crate::json::to_text(&document));
    }
    let mut message = format!(
        "wrote the site into `{}`: {} pages, {} changed",
        args.out.display(),
        written.pages,
        written.changed
    );
    if written.removed > 0 {
        message.push_str(&format!(", {} no longer made removed", written.removed));
    }
    message.push_str(&format!(
        "; open `{}`\n",
        args.out.join(site::INDEX).display()
    ));
    err(&message);
    if let Some(incomplete) = gathered.incomplete() {
        context.warn(&incomplete);
    }
    Ok(Exit::Success)
}
