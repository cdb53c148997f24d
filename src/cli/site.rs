//! `distrib site`: write the release web site of the manifest repository into a folder.

use super::CommandResult;
use std::path::PathBuf;

use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err};
use crate::lock::history::History;
use crate::site::{self, Document, FORMAT, File, Input, Summary};

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
    let mut out = context.start.join(&args.out);
    // A link names the folder it points to: the site is written there, through it. A link to
    // nothing yet is refused: creating the folder would mean guessing where.
    if out.is_symlink() {
        match out.canonicalize() {
            Ok(target) => out = target,
            Err(_) => {
                let target = std::fs::read_link(&out).unwrap_or_default();
                return Err(boxed(site::SiteError::Io {
                    path: args.out.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!(
                            "it is a symbolic link to `{}`, which does not exist: create that folder, or pass the folder itself to --out",
                            target.display()
                        ),
                    ),
                }));
            }
        }
    }
    // Refused before anything is read: the most common mistake costs nothing.
    if out.exists() && !out.is_dir() {
        return Err(boxed(site::SiteError::NotAFolder { path: args.out }));
    }
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize())
    {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(&out, &workspace.root) {
        return Err(boxed(site::SiteError::IntoManifests { path: args.out }));
    }
    let history = History::read(&workspace.root).map_err(boxed)?;
    let locks = history.locks.into_iter().map(|(_, lock)| lock).collect();
    let mut input = Input::new(&workspace.manifests, locks);
    for lock in &input.locks {
        if let Ok(Some(records)) =
            crate::records::read(&workspace.root, &lock.distribution, &lock.release)
        {
            input.records.insert(
                (lock.distribution.clone(), lock.release.clone()),
                records.records,
            );
        }
    }
    let mut unavailable = 0;
    let mirrors = workspace.mirrors_dir.is_dir();
    if mirrors {
        let mut notes = std::collections::BTreeMap::new();
        for (parent, lock) in site::parents(&input) {
            let (note, missing) = super::notes::note(&workspace, parent, lock)?;
            unavailable += missing;
            notes.insert((lock.distribution.clone(), lock.release.clone()), note);
        }
        input.notes = notes;
    } else {
        err(&format!(
            "note: no mirrors at `{}`, so the pages have no release notes (`distrib fetch` makes them)\n",
            workspace.mirrors_dir.display()
        ));
    }
    let built = site::build(&input).map_err(boxed)?;
    let written = site::write(&built, &out).map_err(boxed)?;
    if args.format == Format::Json {
        let document = Document {
            format: FORMAT,
            out: args.out.display().to_string(),
            index: site::INDEX.to_owned(),
            mirrors: mirrors.then(|| workspace.mirrors_dir.display().to_string()),
            files: written
                .files
                .iter()
                .map(|(path, changed)| File {
                    path: path.clone(),
                    status: if *changed {
                        crate::json::Status::Done
                    } else {
                        crate::json::Status::UpToDate
                    },
                })
                .collect(),
            removed: written.removed_files.clone(),
            summary: Summary {
                pages: written.pages,
                changed: written.changed,
                removed: written.removed,
                notes_incomplete: unavailable,
            },
        };
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
    if unavailable > 0 {
        err(&format!(
            "warning: the release notes miss the commits of {}; they say why (`distrib fetch` updates the mirrors)\n",
            crate::diagnostic::plural(unavailable, "repository range")
        ));
    }
    Ok(Exit::Success)
}
