//! Bare mirrors of product repositories: created and updated by fetching every branch and tag
//! (refs deleted upstream are deleted here too, so a deleted tag is noticed), then read to
//! resolve refs to commits and trees. Mirrors are opened isolated from the user's git
//! configuration, so nothing on the machine changes a result.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::bstr::ByteSlice;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use thiserror::Error;

use super::progress::{Counter, Received};
use super::reader::Reader;
use super::{credentials, local};

type Source = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Error)]
pub enum MirrorError {
    #[error("no mirror at `{}`", .0.display())]
    Missing(PathBuf),
    #[error("the mirror at `{}` cannot be opened: {source}", path.display())]
    Corrupt { path: PathBuf, source: Source },
    #[error("cannot fetch `{url}`: {source}")]
    Fetch { url: String, source: Source },
    #[error("cannot update the mirror at `{}`: {source}", path.display())]
    Write { path: PathBuf, source: Source },
    #[error("{problem}")]
    Credentials {
        url: String,
        problem: CredentialProblem,
    },
}

/// Why a server that asks for credentials did not get good ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum CredentialProblem {
    #[error(
        "the server asks for credentials, and no git credential helper (nor `GIT_ASKPASS`) gave any"
    )]
    Missing,
    #[error("the server refused the credentials that git's credential helpers gave")]
    Rejected,
    #[error(
        "the server asks for credentials over plain http, and distrib sends credentials only over https (or to this machine)"
    )]
    Cleartext,
}

impl MirrorError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            MirrorError::Credentials { problem: CredentialProblem::Cleartext, .. } => "use the server's https URL (a `rewrite:` of distrib.yaml can point the manifest's URL at it)".into(),
            MirrorError::Credentials { problem: CredentialProblem::Rejected, .. } => "update the credentials your git credential helper holds for this server (`git credential reject`, then store new ones): distrib never prompts".into(),
            MirrorError::Credentials { .. } => "configure a git credential helper for this server (`git config --global credential.helper store`, or your system's keychain helper) or set `GIT_ASKPASS`: distrib never prompts".into(),
            MirrorError::Fetch { .. } => "check that the repository can be reached from here, or point a `rewrite:` of distrib.yaml at a mirror host that can".into(),
            MirrorError::Corrupt { path, .. } | MirrorError::Missing(path) => format!("delete `{}` and run `distrib fetch` to create it again", path.display()),
            MirrorError::Write { path, .. } => format!("check that `{}` can be written", path.display()),
        }
    }
}

// What resolution asks of a mirror is written in its terms: `resolve::refs`.
pub use crate::resolve::refs::{RefKind, ResolveError, Resolved};

/// The commits between two commits of a repository.
#[derive(Debug, Default)]
pub struct Log {
    /// Newest first.
    pub commits: Vec<LoggedCommit>,
    pub problem: Option<RangeProblem>,
}

#[derive(Debug)]
pub struct LoggedCommit {
    pub id: String,
    pub message: String,
}

/// Why a range of commits is not a plain "what came after".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeProblem {
    /// The newer commit is an ancestor of the older: the range goes back in time.
    Backwards,
    /// Neither is an ancestor of the other: history was rewritten (a force push, a rebase).
    Diverged,
}

/// What a fetch changed.
#[derive(Debug, Default)]
pub struct FetchReport {
    pub created: bool,
    /// Refs created, moved or deleted.
    pub changed: usize,
    /// Git lock files that an interrupted earlier fetch left in the mirror, now removed.
    pub stale_locks: usize,
    /// Bytes of pack data received from the origin.
    pub received: u64,
}

fn isolated() -> gix::open::Options {
    gix::open::Options::isolated()
}

/// Isolated, and `ssh` in batch mode: it uses keys and an agent, and never asks for a password,
/// a passphrase or a host key confirmation on the terminal.
fn fetching() -> gix::open::Options {
    isolated().config_overrides(["core.sshCommand=ssh -o BatchMode=yes", "ssh.variant=ssh"])
}

/// Creates the bare mirror at `path` if needed, then makes its branches and tags equal to
/// those of `url` (a path, `file://` or https URL), and its `HEAD` the origin's default branch.
///
/// Crash-safe: under distrib's own lock on the mirror, git lock files are what an earlier
/// process killed mid-fetch left behind, so they are removed; a new mirror is built beside its
/// place and moved there once complete, so a mirror is either whole or absent.
pub fn fetch(url: &str, path: &Path) -> Result<FetchReport, MirrorError> {
    fetch_counting(url, path, &Received::default())
}

/// [`fetch`], adding the bytes received to `received` as they arrive (what a progress line
/// shows while several fetches run).
pub fn fetch_counting(
    url: &str,
    path: &Path,
    received: &Received,
) -> Result<FetchReport, MirrorError> {
    let own = Received::default();
    let counter = || super::progress::Counter::root(own.clone(), received.clone());
    // Two processes sharing the mirrors folder must not write one mirror at once.
    let _guard = hold(path)?;
    let write_error = |source: std::io::Error| MirrorError::Write {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    if path.join("HEAD").is_file() {
        let stale_locks = remove_stale_locks(path).map_err(write_error)?;
        let repo = gix::open_opts(path, fetching()).map_err(|e| MirrorError::Corrupt {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        let changed = fetch_into(&repo, url, counter())?;
        return Ok(FetchReport {
            created: false,
            changed,
            stale_locks,
            received: own.get(),
        });
    }
    // No `HEAD`: absent, or half-created by a process that was killed.
    let staging = sibling(path, ".new");
    for leftover in [path, staging.as_path()] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover).map_err(write_error)?;
        }
    }
    let result = create(url, &staging, counter()).and_then(|changed| {
        std::fs::rename(&staging, path).map_err(write_error)?;
        Ok(changed)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    Ok(FetchReport {
        created: true,
        changed: result?,
        stale_locks: 0,
        received: own.get(),
    })
}

fn create(url: &str, path: &Path, progress: Counter) -> Result<usize, MirrorError> {
    let write_error = |source: Source| MirrorError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(path).map_err(|e| write_error(Box::new(e)))?;
    // Isolated: the user's `init.defaultBranch` must not become the mirror's HEAD.
    let repo: gix::Repository = gix::ThreadSafeRepository::init_opts(
        path,
        gix::create::Kind::Bare,
        gix::create::Options::default(),
        fetching(),
    )
    .map_err(|e| write_error(Box::new(e)))?
    .into();
    fetch_into(&repo, url, progress)
}

/// `<path><suffix>`, beside `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes the lock files git and gix write beside what they change (`refs/heads/main.lock`,
/// `packed-refs.lock`, `HEAD.lock`, `shallow.lock`, `index.lock`, `config.lock`...). Only
/// called under [`hold`]: no live distrib process is writing this mirror.
fn remove_stale_locks(path: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    let mut remove = |file: &Path| -> std::io::Result<()> {
        if file.extension().is_some_and(|e| e == "lock") && file.is_file() {
            std::fs::remove_file(file)?;
            removed += 1;
        }
        Ok(())
    };
    for folder in [
        path.to_path_buf(),
        path.join("objects/info"),
        path.join("objects/pack"),
    ] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            remove(&entry?.path())?;
        }
    }
    for tree in [path.join("refs"), path.join("logs")] {
        for entry in walkdir::WalkDir::new(tree).into_iter().flatten() {
            remove(entry.path())?;
        }
    }
    Ok(removed)
}

/// An exclusive lock on `<mirror>.lock` beside the mirror, released when dropped.
fn hold(path: &Path) -> Result<std::fs::File, MirrorError> {
    let write_error = |source: std::io::Error| MirrorError::Write {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(sibling(path, ".lock"))
        .map_err(write_error)?;
    file.lock().map_err(write_error)?;
    Ok(file)
}

/// Fetches every branch and tag of `url` into `repo`, deletes what the origin deleted, and
/// points `HEAD` where the origin's points. The number of refs changed.
fn fetch_into(repo: &gix::Repository, url: &str, progress: Counter) -> Result<usize, MirrorError> {
    let path = repo.path();
    let write_error = |source: Source| MirrorError::Write {
        path: path.to_path_buf(),
        source,
    };
    let fetch_error = |source: Source| MirrorError::Fetch {
        url: url.to_owned(),
        source,
    };
    let remote = repo
        .remote_at(url)
        .map_err(|e| fetch_error(Box::new(e)))?
        .with_refspecs(
            ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            gix::remote::Direction::Fetch,
        )
        .map_err(|e| fetch_error(Box::new(e)))?
        .with_fetch_tags(gix::remote::fetch::Tags::None);
    let auth = std::cell::Cell::new(credentials::Asked::No);
    let outcome = match local::local_path(url) {
        Some(local) => {
            let server = local::UploadPack::spawn(&local).map_err(|e| fetch_error(Box::new(e)))?;
            let (connection, finish) = server.into_parts();
            let result = receive(remote.to_connection_with_transport(connection), progress);
            finish.wait(result).map_err(fetch_error)?
        }
        None => {
            let mut connection = remote
                .connect(gix::remote::Direction::Fetch)
                .map_err(|e| fetch_error(Box::new(e)))?
                .with_credentials(credentials::helpers(path, &auth));
            if let Some(options) = with_git_ca(repo, url).map_err(fetch_error)? {
                connection = connection.with_transport_options(options);
            }
            receive(connection, progress).map_err(|e| {
                let problem = match auth.get() {
                    credentials::Asked::Missing => CredentialProblem::Missing,
                    credentials::Asked::Rejected => CredentialProblem::Rejected,
                    credentials::Asked::Cleartext => CredentialProblem::Cleartext,
                    credentials::Asked::No | credentials::Asked::Found => return fetch_error(e),
                };
                MirrorError::Credentials {
                    url: url.to_owned(),
                    problem,
                }
            })?
        }
    };

    let mut changed = match &outcome.status {
        gix::remote::fetch::Status::NoPackReceived { update_refs, .. }
        | gix::remote::fetch::Status::Change { update_refs, .. } => update_refs
            .updates
            .iter()
            .filter(|u| {
                use gix::remote::fetch::refs::update::Mode;
                matches!(u.mode, Mode::New | Mode::FastForward | Mode::Forced)
            })
            .count(),
    };
    let remote_names: BTreeSet<String> = outcome
        .ref_map
        .remote_refs
        .iter()
        .map(|r| r.unpack().0.to_str_lossy().into_owned())
        .collect();
    // Refs deleted upstream are deleted here: a mirror that kept them would hide a deleted tag.
    let mut edits = Vec::new();
    let references = repo.references().map_err(|e| write_error(Box::new(e)))?;
    for reference in references
        .all()
        .map_err(|e| write_error(Box::new(e)))?
        .flatten()
    {
        let name = reference.name().as_bstr().to_str_lossy().into_owned();
        if (name.starts_with("refs/heads/") || name.starts_with("refs/tags/"))
            && !remote_names.contains(&name)
        {
            edits.push(RefEdit {
                change: Change::Delete {
                    expected: PreviousValue::Any,
                    log: RefLog::AndReference,
                },
                name: reference.name().to_owned(),
                deref: false,
            });
        }
    }
    changed += edits.len();
    // HEAD follows the origin's default branch, so a repository without `ref:` tracks it.
    let head = outcome.ref_map.remote_refs.iter().find_map(|r| match r {
        gix::protocol::handshake::Ref::Symbolic {
            full_ref_name,
            target,
            ..
        }
        | gix::protocol::handshake::Ref::Unborn {
            full_ref_name,
            target,
        } if full_ref_name == "HEAD" => Some(target.clone()),
        _ => None,
    });
    if let Some(target) = head.and_then(|t| gix::refs::FullName::try_from(t).ok()) {
        edits.push(RefEdit {
            change: Change::Update {
                log: LogChange::default(),
                expected: PreviousValue::Any,
                new: gix::refs::Target::Symbolic(target),
            },
            name: "HEAD"
                .try_into()
                .map_err(|e: gix::validate::reference::name::Error| write_error(Box::new(e)))?,
            deref: false,
        });
    }
    if !edits.is_empty() {
        repo.edit_references(edits)
            .map_err(|e| write_error(Box::new(e)))?;
    }
    Ok(changed)
}

/// The file of CA certificates git is told to trust for https, and where that was said:
/// `GIT_SSL_CAINFO`, else `http.sslCAInfo` of the user's git configuration (system, global,
/// `GIT_CONFIG_*`), read for this one setting only, as credentials are.
fn git_ca_file(git_dir: &Path) -> Option<(PathBuf, &'static str)> {
    if let Some(file) = std::env::var_os("GIT_SSL_CAINFO").filter(|v| !v.is_empty()) {
        return Some((file.into(), "GIT_SSL_CAINFO"));
    }
    let user = gix::open_opts(git_dir, gix::open::Options::default()).ok()?;
    let file = user
        .config_snapshot()
        .trusted_path("http.sslCAInfo")
        .ok()??;
    Some((file, "http.sslCAInfo"))
}

/// For an https URL, when git is told to trust a private CA: the transport options with its
/// certificates added to the roots the client trusts (the system's stay trusted too).
fn with_git_ca(
    repo: &gix::Repository,
    url: &str,
) -> Result<Option<Box<dyn std::any::Any>>, Source> {
    use gix_transport::client::blocking_io::http;
    if !url.starts_with("https://") {
        return Ok(None);
    }
    let Some((file, setting)) = git_ca_file(repo.path()) else {
        return Ok(None);
    };
    let problem = |why: String| -> Source {
        format!(
            "cannot use `{}`, the CA certificates of {setting}: {why}",
            file.display()
        )
        .into()
    };
    let pem = std::fs::read(&file).map_err(|e| problem(e.to_string()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| problem(e.to_string()))
        .and_then(|list| match list.is_empty() {
            true => Err(problem("it holds no PEM certificate".into())),
            false => Ok(list),
        })?;
    let mut options = repo
        .transport_options(url, None)
        .map_err(|e| Box::new(e) as Source)?
        .and_then(|o| o.downcast::<http::Options>().ok())
        .map_or_else(http::Options::default, |o| *o);
    let backend = http::reqwest::Options {
        configure_client: Some(Box::new(move |builder| {
            Ok(builder.tls_certs_merge(certificates.clone()))
        })),
        configure_request: None,
    };
    options.backend = Some(std::sync::Arc::new(std::sync::Mutex::new(backend)));
    Ok(Some(Box::new(options)))
}

/// Lists the origin's refs (and its `HEAD`, which the refspecs alone would not ask for), then
/// receives the pack and updates the mirror's refs.
fn receive<T>(
    connection: gix::remote::Connection<'_, '_, '_, T>,
    progress: Counter,
) -> Result<gix::remote::fetch::Outcome, Source>
where
    T: gix::protocol::transport::client::blocking_io::Transport,
{
    let head = gix::refspec::parse("HEAD".into(), gix::refspec::parse::Operation::Fetch)
        .map_err(|e| Box::new(e) as Source)?
        .to_owned();
    let options = gix::remote::ref_map::Options {
        extra_refspecs: vec![head],
        ..Default::default()
    };
    let interrupt = AtomicBool::new(false);
    Ok(connection
        .prepare_fetch(gix::progress::Discard, options)
        .map_err(Box::new)?
        .receive(progress, &interrupt)
        .map_err(Box::new)?)
}

/// A mirror opened for reading.
pub struct Mirror {
    repo: gix::Repository,
    /// Every commit a branch or tag reaches, computed on first use.
    reachable: std::cell::OnceCell<std::collections::HashSet<gix::ObjectId>>,
}

impl Mirror {
    pub fn open(path: &Path) -> Result<Self, MirrorError> {
        if !path.exists() {
            return Err(MirrorError::Missing(path.to_path_buf()));
        }
        let repo = gix::open_opts(path, isolated()).map_err(|e| MirrorError::Corrupt {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        Ok(Self {
            repo,
            reachable: std::cell::OnceCell::new(),
        })
    }

    /// Every branch and tag name, short form, sorted.
    pub fn ref_names(&self) -> Result<Vec<String>, ResolveError> {
        let references = self
            .repo
            .references()
            .map_err(|e| ResolveError::Read(Box::new(e)))?;
        let mut names: Vec<String> = references
            .all()
            .map_err(|e| ResolveError::Read(Box::new(e)))?
            .flatten()
            .filter_map(|r| {
                let name = r.name().as_bstr().to_str_lossy().into_owned();
                name.strip_prefix("refs/heads/")
                    .or_else(|| name.strip_prefix("refs/tags/"))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The branch HEAD names, if the remote told one.
    pub fn default_branch(&self) -> Option<String> {
        let head = self.repo.find_reference("HEAD").ok()?;
        match head.target() {
            gix::refs::TargetRef::Symbolic(name) => branch_named(name),
            gix::refs::TargetRef::Object(_) => None,
        }
    }

    /// Resolves a tag, a branch or a full commit id to a commit, peeling annotated tags, by
    /// the rules of [`crate::resolve::refs::resolve_name`].
    pub fn resolve(&self, reference: &str) -> Result<Resolved, ResolveError> {
        crate::resolve::refs::resolve_name(self, reference)
    }

    /// The commit a full object id names, a tag object peeled, if the mirror has it.
    pub fn commit_of(&self, id: &str) -> Option<String> {
        let id = gix::ObjectId::from_hex(id.as_bytes()).ok()?;
        let commit = self.repo.find_object(id).ok()?.peel_to_commit().ok()?;
        Some(commit.id.to_string())
    }

    /// The commit a full ref name points to, annotated tags peeled; `None` when absent.
    pub fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        // A name git cannot hold is simply not there (rather than a failure to read).
        if gix::validate::reference::name(full_name.into()).is_err() {
            return Ok(None);
        }
        let Some(mut reference) = self
            .repo
            .try_find_reference(full_name)
            .map_err(|e| ResolveError::Read(Box::new(e)))?
        else {
            return Ok(None);
        };
        let id = reference
            .peel_to_id()
            .map_err(|e| ResolveError::Read(Box::new(e)))?;
        let object = id.object().map_err(|e| ResolveError::Read(Box::new(e)))?;
        if object.kind != gix::object::Kind::Commit {
            return Err(ResolveError::NotACommit {
                reference: full_name.to_owned(),
                kind: object.kind.to_string(),
                id: object.id.to_string(),
            });
        }
        Ok(Some(object.id.to_string()))
    }

    /// Whether a branch or tag of the mirror reaches `commit`: after a fetch, whether the origin
    /// still has it in its history, rather than as an object that a force push left behind.
    ///
    /// Only commits newer than `commit` (by committer time, a day of slack for skewed clocks,
    /// at most 2,000 of them) are walked first, which is short for a recent commit; the whole
    /// history is walked, once per mirror, only when that walk did not find it.
    pub fn reachable(&self, commit: &str) -> Result<bool, ResolveError> {
        let Ok(target) = gix::ObjectId::from_hex(commit.as_bytes()) else {
            return Ok(false);
        };
        if let Some(seen) = self.reachable.get() {
            return Ok(seen.contains(&target));
        }
        let tips = self.tips()?;
        if tips.is_empty() {
            return Ok(false);
        }
        if tips.contains(&target) {
            return Ok(true);
        }
        let time = self
            .repo
            .find_commit(target)
            .map_err(read_error)?
            .time()
            .map_err(read_error)?
            .seconds;
        let recent = self
            .repo
            .rev_walk(tips.iter().copied())
            .sorting(gix::revision::walk::Sorting::ByCommitTimeCutoff {
                order: gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
                seconds: time.saturating_sub(86_400),
            })
            .all()
            .map_err(read_error)?;
        // Bounded: past that many commits, one walk of everything answers every later question.
        for info in recent.take(2_000) {
            if info.map_err(read_error)?.id == target {
                return Ok(true);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for info in self.repo.rev_walk(tips).all().map_err(read_error)? {
            seen.insert(info.map_err(read_error)?.id);
        }
        let found = seen.contains(&target);
        let _ = self.reachable.set(seen);
        Ok(found)
    }

    /// The commits the branches and tags point to (a tag of a blob or a tree reaches none).
    fn tips(&self) -> Result<Vec<gix::ObjectId>, ResolveError> {
        let references = self.repo.references().map_err(read_error)?;
        let mut tips = Vec::new();
        for mut reference in references.all().map_err(read_error)?.flatten() {
            let name = reference.name().as_bstr().to_str_lossy().into_owned();
            if !(name.starts_with("refs/heads/") || name.starts_with("refs/tags/")) {
                continue;
            }
            if let Ok(id) = reference.peel_to_id()
                && let Ok(object) = id.object()
                && object.kind == gix::object::Kind::Commit
            {
                tips.push(object.id);
            }
        }
        tips.sort();
        tips.dedup();
        Ok(tips)
    }

    /// The full ids of the commits whose id starts with `prefix` (hex digits), sorted: one
    /// for an abbreviated id that is unique, several for an ambiguous one.
    pub fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError> {
        let Ok(prefix) = gix::hash::Prefix::from_hex(prefix) else {
            return Ok(Vec::new());
        };
        let mut found = std::collections::HashSet::new();
        self.repo
            .objects
            .lookup_prefix(prefix, Some(&mut found))
            .map_err(read_error)?;
        let mut commits: Vec<String> = found
            .into_iter()
            .filter(|id| {
                self.repo
                    .find_header(*id)
                    .is_ok_and(|h| h.kind() == gix::object::Kind::Commit)
            })
            .map(|id| id.to_string())
            .collect();
        commits.sort();
        Ok(commits)
    }

    /// Whether the mirror has this commit.
    pub fn has_commit(&self, commit: &str) -> bool {
        gix::ObjectId::from_hex(commit.as_bytes())
            .ok()
            .and_then(|id| self.repo.find_object(id).ok())
            .is_some_and(|o| o.kind == gix::object::Kind::Commit)
    }

    /// The commits of `to` that `from` does not have, newest first (`git log from..to`), and
    /// what is wrong with the range when `from` is not an ancestor of `to`. With a `path`, only
    /// the commits that change that sub-tree against their first parent (`git log -- path`).
    pub fn log(&self, from: &str, to: &str, path: Option<&str>) -> Result<Log, ResolveError> {
        let read = |e: gix::Error| ResolveError::Read(Box::new(e));
        let old = self.find_commit(from).map_err(|_| ResolveError::NotFound {
            reference: from.to_owned(),
            closest: Vec::new(),
        })?;
        let new = self.find_commit(to).map_err(|_| ResolveError::NotFound {
            reference: to.to_owned(),
            closest: Vec::new(),
        })?;
        let (old, new) = (old.id, new.id);
        if old == new {
            return Ok(Log::default());
        }
        // The merge base and the walk read the same commits: decompress each once.
        let mut repo = self.repo.clone();
        repo.object_cache_size_if_unset(8 << 20);
        let problem = match repo.merge_base(old, new).map_err(read)? {
            Some(base) if base == old => None,
            Some(base) if base == new => Some(RangeProblem::Backwards),
            _ => Some(RangeProblem::Diverged),
        };
        let walk = repo
            .rev_walk([new])
            .with_hidden([old])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
            ))
            .all()
            .map_err(read)?;
        let path = path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty());
        let mut commits = Vec::new();
        for info in walk {
            let info = info.map_err(|e| ResolveError::Read(Box::new(e)))?;
            let commit = info.object().map_err(|e| ResolveError::Read(Box::new(e)))?;
            if let Some(path) = path {
                let parent = match commit.parent_ids().next() {
                    Some(id) => Some(repo.find_commit(id).map_err(read_error)?),
                    None => None,
                };
                let before = parent.map(|p| subtree(&p, path)).transpose()?.flatten();
                if subtree(&commit, path)? == before {
                    continue;
                }
            }
            let message = commit.message_raw_sloppy().to_str_lossy().into_owned();
            commits.push(LoggedCommit {
                id: info.id.to_string(),
                message,
            });
        }
        Ok(Log { commits, problem })
    }

    fn find_commit(&self, commit: &str) -> Result<gix::Commit<'_>, ResolveError> {
        let id = gix::ObjectId::from_hex(commit.as_bytes())
            .map_err(|e| ResolveError::Read(Box::new(e)))?;
        self.repo
            .find_commit(id)
            .map_err(|e| ResolveError::Read(Box::new(e)))
    }

    /// The id of the tree at `path` (the whole tree when `None`) in `commit`.
    pub fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        let tree = self
            .find_commit(commit)?
            .tree()
            .map_err(|e| ResolveError::Read(Box::new(e)))?;
        let Some(path) = path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) else {
            return Ok(tree.id.to_string());
        };
        match tree
            .lookup_entry_by_path(path)
            .map_err(|e| ResolveError::Read(Box::new(e)))?
        {
            Some(entry) if entry.mode().is_tree() => Ok(entry.object_id().to_string()),
            _ => Err(ResolveError::PathMissing {
                path: path.to_owned(),
                commit: commit.to_owned(),
            }),
        }
    }

    /// `git describe --tags` of a commit: the tag itself, `<tag>-<n>-g<short>` past it, or
    /// `g<short>` when no tag is reachable. The release tags distrib makes (`distrib tag`, their
    /// message `Version ... release from ...`) name releases, not product versions: they are
    /// left out, so tagging a release changes no version of the next lock.
    pub fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        let id = self.find_commit(commit)?.id;
        let platform = self.repo.references().map_err(read_error)?;
        let mut tags = Vec::new();
        for reference in platform.tags().map_err(read_error)?.flatten() {
            let mut reference = reference;
            let target = reference.target().try_id().map(ToOwned::to_owned);
            let Ok(peeled) = reference.peel_to_id() else {
                continue;
            };
            tags.push(Tag {
                name: reference.name().shorten().to_owned(),
                target,
                peeled: peeled.detach(),
            });
        }
        describe_among(id, commit, tags, &self.repo.objects)
    }
}

/// The branch a symbolic `HEAD` names (`main` for `refs/heads/main`); `None` for another ref.
pub(super) fn branch_named(name: &gix::refs::FullNameRef) -> Option<String> {
    name.as_bstr()
        .to_str_lossy()
        .strip_prefix("refs/heads/")
        .map(str::to_owned)
}

/// A tag of a mirror, for [`describe_among`]: its short name, the object it names, and the
/// commit (or other object) that one peels to.
pub(super) struct Tag {
    pub name: gix::bstr::BString,
    pub target: Option<gix::ObjectId>,
    pub peeled: gix::ObjectId,
}

/// `git describe --tags` of `id` among `tags`, reading objects from `objects`; `commit` is
/// the id as given, for the short form.
pub(super) fn describe_among(
    id: gix::ObjectId,
    commit: &str,
    tags: Vec<Tag>,
    objects: &impl gix::objs::Find,
) -> Result<String, ResolveError> {
    let mut names: Vec<(gix::ObjectId, u8, i64, gix::bstr::BString)> = Vec::new();
    let mut buffer = Vec::new();
    for tag in tags {
        let (priority, time) = match tag.target {
            Some(target) if tag.peeled != target => {
                let Some(object) = objects
                    .try_find(&target, &mut buffer)
                    .ok()
                    .flatten()
                    .filter(|o| o.kind == gix::object::Kind::Tag)
                else {
                    continue;
                };
                let decoded = gix::objs::TagRef::from_bytes(object.data, object.object_hash)
                    .map_err(read_error)?;
                let time = decoded
                    .tagger()
                    .ok()
                    .flatten()
                    .map(|s| s.seconds())
                    .unwrap_or(0);
                if crate::tag::is_release_message(&decoded.message.to_str_lossy()) {
                    continue;
                }
                (1, time)
            }
            _ => (0, 0),
        };
        names.push((tag.peeled, priority, time, tag.name));
    }
    // As git: annotated before lightweight, then older first, so the newest wins.
    names.sort_by(|a, b| (a.1, a.2).cmp(&(b.1, b.2)).then_with(|| b.3.cmp(&a.3)));
    let mut graph = gix::revwalk::Graph::new(objects, None);
    let outcome = gix::revision::plumbing::describe(
        &id,
        &mut graph,
        gix::revision::plumbing::describe::Options {
            name_by_oid: names
                .into_iter()
                .map(|(id, _, _, name)| (id, std::borrow::Cow::Owned(name)))
                .collect(),
            fallback_to_oid: false,
            first_parent: false,
            max_candidates: 10,
        },
    )
    .map_err(read_error)?;
    let short = &commit[..7.min(commit.len())];
    Ok(
        match outcome.and_then(|o| {
            o.name
                .map(|name| (name.to_str_lossy().into_owned(), o.depth))
        }) {
            Some((name, 0)) => name,
            Some((name, depth)) => format!("{name}-{depth}-g{short}"),
            None => format!("g{short}"),
        },
    )
}

/// The mirrors folder: each repository's mirror at [`crate::resolve::Mirrors::path`].
impl crate::resolve::Repositories for crate::resolve::Mirrors<'_> {
    fn open(
        &self,
        url: &str,
    ) -> Result<Box<dyn crate::resolve::Refs + '_>, crate::resolve::refs::Unavailable> {
        Ok(Box::new(Opened {
            reader: Some(Reader::open(&self.path(url))?),
            pool: None,
        }))
    }
}

/// The mirrors folder, each mirror opened once for the products that share it (twice when two
/// threads read it at once) and kept open until the pool is dropped, so that no pack file is
/// unmapped while the threads of a resolution read (an unmapping makes the kernel interrupt
/// every core that ran the process). Nothing is fetched while a pool lives: what it opened is
/// what the mirrors held when it first read them.
pub struct Pool<'a> {
    mirrors: &'a crate::resolve::Mirrors<'a>,
    idle: Idle,
}

impl<'a> Pool<'a> {
    pub fn new(mirrors: &'a crate::resolve::Mirrors<'a>) -> Self {
        Self {
            mirrors,
            idle: Idle::default(),
        }
    }
}

/// Whether the mirrors of a dropped [`Pool`] are left for the process's exit to close.
static LEFT_TO_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Leaves the mirrors a [`Pool`] opened open until the process exits, which unmaps them all
/// at once, rather than one by one when the pool is dropped: what a short-lived process (the
/// command line) wants, never a long-running one.
pub fn leave_open_until_exit() {
    LEFT_TO_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}

impl Drop for Pool<'_> {
    fn drop(&mut self) {
        if LEFT_TO_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
            let idle = self.idle.get_mut().unwrap_or_else(|e| e.into_inner());
            std::mem::forget(std::mem::take(idle));
        }
    }
}

impl crate::resolve::Repositories for Pool<'_> {
    fn open(
        &self,
        url: &str,
    ) -> Result<Box<dyn crate::resolve::Refs + '_>, crate::resolve::refs::Unavailable> {
        let path = self.mirrors.path(url);
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&path)
            .and_then(Vec::pop);
        let reader = match idle {
            Some(reader) => reader,
            None => Reader::open(&path)?,
        };
        Ok(Box::new(Opened {
            reader: Some(reader),
            pool: Some((&self.idle, path)),
        }))
    }
}

/// The mirrors of a pool that no thread reads, by path.
type Idle = std::sync::Mutex<std::collections::HashMap<PathBuf, Vec<Reader>>>;

/// A mirror opened for resolution; one of a [`Pool`] goes back to it when dropped.
struct Opened<'p> {
    reader: Option<Reader>,
    pool: Option<(&'p Idle, PathBuf)>,
}

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        if let (Some(reader), Some((idle, path))) = (self.reader.take(), self.pool.take()) {
            idle.lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(path)
                .or_default()
                .push(reader);
        }
    }
}

impl std::ops::Deref for Opened<'_> {
    type Target = Reader;
    fn deref(&self) -> &Reader {
        self.reader.as_ref().expect("lent until dropped")
    }
}

/// What resolution asks of a mirror, answered by the methods above.
impl crate::resolve::Refs for Mirror {
    fn default_branch(&self) -> Option<String> {
        Mirror::default_branch(self)
    }
    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        Mirror::peel(self, full_name)
    }
    fn commit_of(&self, id: &str) -> Option<String> {
        Mirror::commit_of(self, id)
    }
    fn ref_names(&self) -> Result<Vec<String>, ResolveError> {
        Mirror::ref_names(self)
    }
    fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError> {
        Mirror::commits_with_prefix(self, prefix)
    }
    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        Mirror::tree(self, commit, path)
    }
    fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        Mirror::describe(self, commit)
    }
}

/// The id of the entry at `path` in the tree of `commit`, if there is one.
fn subtree(commit: &gix::Commit<'_>, path: &str) -> Result<Option<gix::ObjectId>, ResolveError> {
    let tree = commit.tree().map_err(read_error)?;
    Ok(tree
        .lookup_entry_by_path(path)
        .map_err(read_error)?
        .map(|entry| entry.object_id()))
}

fn read_error(error: impl std::error::Error + Send + Sync + 'static) -> ResolveError {
    ResolveError::Read(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use crate::resolve::{Mirrors, Repositories, refs::Unavailable};

    /// A bare repository at `path` with one commit on `main`.
    fn repository(path: &std::path::Path) {
        let stream = path.with_extension("stream");
        std::fs::create_dir_all(path).unwrap();
        std::fs::write(
            &stream,
            "commit refs/heads/main\ncommitter A <a@example.org> 1772366400 +0000\ndata 2\nc\n",
        )
        .unwrap();
        for (args, input) in [
            (&["init", "--bare", "-q"][..], None),
            (&["fast-import", "--quiet"][..], Some(&stream)),
        ] {
            let mut git = std::process::Command::new("git");
            git.arg("--git-dir").arg(path).args(args);
            git.env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1");
            if let Some(input) = input {
                git.stdin(std::fs::File::open(input).unwrap());
            }
            assert!(git.status().unwrap().success(), "git {args:?}");
        }
    }

    #[test]
    fn a_pool_lends_each_mirror_again_rather_than_opening_it_anew() {
        let dir = tempfile::tempdir().unwrap();
        let mirrors = Mirrors {
            dir: dir.path(),
            rewrite: Vec::new(),
            root: dir.path(),
        };
        let url = "https://example.org/shared.git";
        repository(&mirrors.path(url));
        let pool = Pool::new(&mirrors);
        let idle = || {
            pool.idle
                .lock()
                .unwrap()
                .values()
                .map(Vec::len)
                .sum::<usize>()
        };
        // Two products of one repository read it at once: two openings.
        let (first, second) = (pool.open(url).unwrap(), pool.open(url).unwrap());
        let commit = first.peel("refs/heads/main").unwrap();
        assert!(commit.is_some());
        assert_eq!(second.peel("refs/heads/main").unwrap(), commit);
        assert_eq!(idle(), 0);
        drop((first, second));
        assert_eq!(idle(), 2);
        // A third is lent one of them, which answers as it did.
        let third = pool.open(url).unwrap();
        assert_eq!(idle(), 1);
        assert_eq!(third.peel("refs/heads/main").unwrap(), commit);
        assert!(matches!(
            pool.open("https://example.org/absent.git").err(),
            Some(Unavailable::Missing(_))
        ));
    }
}
