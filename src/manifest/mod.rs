//! The manifest repository: its file kinds, their serde model, and loading them (from a work
//! tree or from a git revision) with the source text kept for diagnostics. Loading never stops at
//! the first bad file: each problem becomes a diagnostic and the other files are still read.

mod cache;
pub mod link;
pub mod model;
mod parse;
pub mod revision;
pub mod span;
pub mod worktree;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use cache::Verdict;

use crate::diagnostic::{Code, Diagnostic, FileId, Report, SourceFile};
use crate::git::{GitError, Revision};
use model::{Config, Deployment, Distribution, Environment, Product};

/// The file that marks the root of a manifest repository.
pub const ROOT_FILE: &str = "distrib.yaml";

/// Manifests larger than this are rejected unread: a real manifest is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Lockfiles grow with their distribution (about 500 bytes a product): their own limit.
pub const MAX_LOCK_BYTES: u64 = 256 * 1024 * 1024;

/// The size limit of the file at `path`.
pub fn max_bytes(path: &str) -> u64 {
    if Kind::of_path(path) == Some(Kind::Lock) {
        MAX_LOCK_BYTES
    } else {
        MAX_FILE_BYTES
    }
}

/// The kinds of file in a manifest repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Config,
    Product,
    Distribution,
    Environment,
    Deployment,
    /// A lockfile, `locks/<distribution>/<release>.lock.yaml`: read as text here, checked by
    /// `lock::audit`.
    Lock,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Config,
        Kind::Product,
        Kind::Distribution,
        Kind::Environment,
        Kind::Deployment,
        Kind::Lock,
    ];

    /// The name used on the command line and for the schema file.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Product => "product",
            Kind::Distribution => "distribution",
            Kind::Environment => "environment",
            Kind::Deployment => "deployment",
            Kind::Lock => "lock",
        }
    }

    /// The folder that holds files of this kind (`None` for `distrib.yaml`).
    pub fn folder(self) -> Option<&'static str> {
        match self {
            Kind::Config => None,
            Kind::Product => Some("products"),
            Kind::Distribution => Some("distributions"),
            Kind::Environment => Some("environments"),
            Kind::Deployment => Some("deployments"),
            Kind::Lock => Some("locks"),
        }
    }

    /// The kind of the file at `path` (relative, `/`-separated), if distrib reads it.
    pub fn of_path(path: &str) -> Option<Kind> {
        if path == ROOT_FILE {
            return Some(Kind::Config);
        }
        let (folder, rest) = path.split_once('/')?;
        if folder == "locks" {
            let (_, name) = rest.split_once('/')?;
            return (!name.contains('/') && name.ends_with(".lock.yaml")).then_some(Kind::Lock);
        }
        if !(rest.ends_with(".yaml") || rest.ends_with(".yml")) {
            return None;
        }
        Kind::ALL
            .into_iter()
            .find(|kind| kind.folder() == Some(folder))
    }

    /// The kind the file at `path` would have if its extension were written in lower case
    /// (`products/afw.YAML`): a file that would be silently skipped.
    pub fn misnamed(path: &str) -> Option<Kind> {
        if Kind::of_path(path).is_some() {
            return None;
        }
        let (stem, extension) = path.rsplit_once('.')?;
        let lower = extension.to_ascii_lowercase();
        if lower == extension || !matches!(lower.as_str(), "yaml" | "yml") {
            return None;
        }
        Kind::of_path(&format!("{stem}.{lower}"))
    }
}

/// What a listing found at one path, before parsing.
#[derive(Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A file of the work tree, read when it is parsed (on the parsing threads).
    Unread(PathBuf),
    TooLarge(u64),
    /// A symbolic link (its target as written) that leads out of the manifest repository.
    LinkOutside(String),
    /// A symbolic link (its target as written) that leads to nothing.
    LinkBroken(String),
    /// A symbolic link (its target as written) caught in a loop of links.
    LinkLoop(String),
    /// Something that should be a file and is not (what it is instead).
    NotAFile(&'static str),
    /// A manifest file that distrib does not read: its extension is not `.yaml` or `.yml`.
    Misnamed,
}

impl Content {
    /// What a link written `target`, resolved to `resolved`, stands for; `None` for a link
    /// to a folder or to something that is no file (its files are listed by their own path).
    pub(crate) fn of_link(target: String, resolved: link::Resolved) -> Option<Resolved> {
        match resolved {
            link::Resolved::File(path) => Some(Resolved::File(path)),
            link::Resolved::Folder(_) | link::Resolved::Other => None,
            link::Resolved::Outside => Some(Resolved::Content(Content::LinkOutside(target))),
            link::Resolved::Missing => Some(Resolved::Content(Content::LinkBroken(target))),
            link::Resolved::Loop => Some(Resolved::Content(Content::LinkLoop(target))),
        }
    }
}

/// A link's meaning for a listing: read the file at this path, or report this content.
pub(crate) enum Resolved {
    File(String),
    Content(Content),
}

/// One file of a manifest repository as listed from a work tree or a git tree.
#[derive(Debug)]
pub struct RawFile {
    /// Relative to the manifest root, `/`-separated.
    pub path: String,
    pub content: Content,
}

/// A parsed file and where it came from.
#[derive(Debug)]
pub struct Loaded<T> {
    pub file: FileId,
    /// The file name without its extension: what `name` must equal.
    pub stem: String,
    pub value: T,
}

/// Every file of a manifest repository that parsed.
#[derive(Debug, Default)]
pub struct Manifests {
    pub config: Option<Loaded<Config>>,
    pub products: Vec<Loaded<Product>>,
    pub distributions: Vec<Loaded<Distribution>>,
    pub environments: Vec<Loaded<Environment>>,
    pub deployments: Vec<Loaded<Deployment>>,
    /// The kind and file stem of each file that could not be parsed: names other files may
    /// still refer to, so that one broken file is reported once, not once per reference.
    pub unparsed: Vec<(Kind, String)>,
    /// The lockfiles, as text in the report's sources.
    pub locks: Vec<FileId>,
    /// Per distribution that has `overrides` or `exclude`: its name, its index in
    /// `distributions`, and the products it builds differently from their files, made when
    /// first asked for (`lock` builds one distribution, not every one).
    overridden: Vec<(String, usize, std::sync::OnceLock<Vec<Product>>)>,
}

impl Manifests {
    /// The products `distribution` builds differently from their files: its `overrides` and
    /// `exclude` applied ([`Distribution::applied`]) to the products loaded.
    pub fn overridden(&self, distribution: &str) -> &[Product] {
        let Some((_, index, products)) = self
            .overridden
            .iter()
            .find(|(name, ..)| name == distribution)
        else {
            return &[];
        };
        products.get_or_init(|| {
            let applied = self.distributions[*index].value.applied();
            self.products
                .iter()
                .filter_map(|p| applied.to(&p.value))
                .collect()
        })
    }

    /// Makes [`Manifests::overridden`] answer for the distributions loaded.
    fn list_overridden(&mut self) {
        self.overridden = self
            .distributions
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.value.overrides.is_empty() || !d.value.exclude.is_empty())
            .map(|(index, d)| {
                (
                    d.value.name.value.clone(),
                    index,
                    std::sync::OnceLock::new(),
                )
            })
            .collect();
    }

    /// Whether a file of `kind` named `name` exists but could not be parsed.
    pub fn is_unparsed(&self, kind: Kind, name: &str) -> bool {
        self.unparsed
            .iter()
            .any(|(k, stem)| *k == kind && stem == name)
    }
}

/// Parses every listed file, or takes it from `cache` when it is there unchanged. Problems go
/// into the report; files that parsed into the model. With a cache, what the last check of
/// exactly these files found.
pub fn load(
    mut files: Vec<RawFile>,
    cache: Option<&cache::Cache>,
) -> (Manifests, Report, Option<cache::Verdict>) {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let cached = cache.map(cache::Cache::entries);
    let (parsed, keyed) = parse::parse_all(files, cached.as_ref());
    // The cache is written while the model is put together: neither needs the other.
    let (verdict, (manifests, report)) = crate::parallel::join(
        || {
            let (cache, cached, keyed) = (cache?, cached.as_ref()?, keyed?);
            cache.save(keyed.entries, cached);
            Some(cache.verdict(keyed.digest?))
        },
        || assemble(parsed),
    );
    (manifests, report, verdict)
}

/// The model and the report of the files parsed.
fn assemble(parsed: Vec<parse::Parsed>) -> (Manifests, Report) {
    let mut manifests = Manifests::default();
    let mut report = Report::default();
    // Sized once: a product is large, and each growth would move every one already there.
    let products = parsed
        .iter()
        .filter(|(_, _, outcome)| matches!(outcome, parse::Outcome::Product(_)))
        .count();
    manifests.products.reserve_exact(products);
    for (path, text, outcome) in parsed {
        let stem = stem_of(&path);
        let file = report.sources.add(SourceFile::new(path, text));
        match outcome {
            parse::Outcome::Config(value) => {
                manifests.config = Some(Loaded {
                    file,
                    stem,
                    value: *value,
                })
            }
            parse::Outcome::Product(value) => manifests.products.push(Loaded {
                file,
                stem,
                value: *value,
            }),
            parse::Outcome::Distribution(value) => manifests.distributions.push(Loaded {
                file,
                stem,
                value: *value,
            }),
            parse::Outcome::Environment(value) => manifests.environments.push(Loaded {
                file,
                stem,
                value: *value,
            }),
            parse::Outcome::Deployment(value) => manifests.deployments.push(Loaded {
                file,
                stem,
                value: *value,
            }),
            parse::Outcome::Lock => manifests.locks.push(file),
            parse::Outcome::Problem(problem) => {
                if let Some(kind) = Kind::of_path(&report.sources.get(file).path) {
                    manifests.unparsed.push((kind, stem));
                }
                report
                    .diagnostics
                    .push(problem.into_diagnostic(file, report.sources.get(file)))
            }
        }
    }
    manifests.list_overridden();
    (manifests, report)
}

fn stem_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
        .to_owned()
}

/// Where a manifest repository was read from.
#[derive(Debug)]
pub enum Origin {
    /// A folder of the file system.
    WorkTree(PathBuf),
    /// A folder (relative to the repository's top) of a git commit.
    Revision { commit: String, root: String },
}

/// A manifest repository, read and parsed, with the problems met on the way.
#[derive(Debug)]
pub struct Opened {
    pub origin: Origin,
    pub manifests: Manifests,
    pub report: Report,
    /// What the last check of exactly these files found; `None` without the cache.
    pub verdict: Option<cache::Verdict>,
}

#[derive(Debug, Error, miette::Diagnostic)]
pub enum OpenError {
    #[error("no `distrib.yaml` in `{}` or any folder above it", .0.display())]
    #[diagnostic(
        code("no-manifest-repository"),
        help(
            "run distrib inside a manifest repository, or pass `-C <DIR>`; `distrib init` starts a new one"
        )
    )]
    NoRoot(PathBuf),
    #[error("no `distrib.yaml` in `{folder}` or any folder above it at revision `{rev}`")]
    #[diagnostic(
        code("no-manifest-repository"),
        help("check the revision, or pass `-C <DIR>` to start from another folder")
    )]
    NoRootAtRevision { folder: String, rev: String },
    #[error(transparent)]
    #[diagnostic(code(git))]
    Git(#[from] GitError),
}

/// Finds the manifest repository at or above `start` and loads it: from the work tree, or,
/// with `rev`, from that git revision's objects.
pub fn open(start: &Path, rev: Option<&str>) -> Result<Opened, OpenError> {
    let (origin, files) = match rev {
        None => {
            let root = find_root(start).ok_or_else(|| OpenError::NoRoot(start.to_path_buf()))?;
            (Origin::WorkTree(root.to_path_buf()), worktree::list(root))
        }
        Some(rev) => {
            let revision = Revision::open(start, rev)?;
            let listing =
                revision::list(&revision)?.ok_or_else(|| OpenError::NoRootAtRevision {
                    folder: if revision.prefix.is_empty() {
                        ".".into()
                    } else {
                        revision.prefix.clone()
                    },
                    rev: rev.to_owned(),
                })?;
            (
                Origin::Revision {
                    commit: revision.commit.clone(),
                    root: listing.root,
                },
                listing.files,
            )
        }
    };
    let cache = cache::Cache::open(find_root(start).unwrap_or(start));
    let (manifests, report, verdict) = load(files, cache.as_ref());
    Ok(Opened {
        origin,
        manifests,
        report,
        verdict,
    })
}

/// Walks up from `start` to the nearest folder holding `distrib.yaml`. Whatever `distrib.yaml`
/// is there (a folder, a broken link) marks the root: it is reported at that path rather than
/// passed over for a repository above.
pub fn find_root(start: &Path) -> Option<&Path> {
    start
        .ancestors()
        .find(|dir| dir.join(ROOT_FILE).symlink_metadata().is_ok())
}

/// A diagnostic for a file that could not be parsed, before its [`FileId`] is known.
#[derive(Debug)]
pub struct Problem {
    pub code: Code,
    pub message: String,
    pub help: String,
    /// 1-based line and column, when the parser said where.
    pub position: Option<(usize, usize)>,
    pub label: String,
}

impl Problem {
    fn into_diagnostic(self, file: FileId, source: &SourceFile) -> Diagnostic {
        let span = self.position.map(|(line, column)| {
            let start = source.offset(line, column);
            let end = source.text[start..]
                .find(|c: char| c.is_whitespace() || c == ':' || c == ',')
                .map_or(source.text.len(), |n| start + n);
            start..end
        });
        Diagnostic::new(self.code, file, self.message)
            .with_help(self.help)
            .with_label(file, span, self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        assert_eq!(Kind::of_path("distrib.yaml"), Some(Kind::Config));
        assert_eq!(Kind::of_path("products/afw.yaml"), Some(Kind::Product));
        assert_eq!(Kind::of_path("products/team/afw.yml"), Some(Kind::Product));
        assert_eq!(Kind::of_path("products/README.md"), None);
        assert_eq!(Kind::of_path("locks/x/y.lock.yaml"), Some(Kind::Lock));
        assert_eq!(Kind::of_path("locks/x/y.yaml"), None);
        assert_eq!(Kind::of_path("locks/y.lock.yaml"), None);
        assert_eq!(
            Kind::of_path("deployments/epn.yaml"),
            Some(Kind::Deployment)
        );
        assert_eq!(stem_of("products/team/afw.yml"), "afw");
        assert_eq!(Kind::misnamed("products/afw.YAML"), Some(Kind::Product));
        assert_eq!(Kind::misnamed("products/afw.Yml"), Some(Kind::Product));
        assert_eq!(Kind::misnamed("locks/d/r.lock.YAML"), Some(Kind::Lock));
        assert_eq!(Kind::misnamed("products/afw.yaml"), None);
        assert_eq!(Kind::misnamed("products/README.md"), None);
    }
}
