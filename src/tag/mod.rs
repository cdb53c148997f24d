//! Release tags and release branches (DMTN-106 §2.5, §4.2, §4.4, §4.7): which tag each
//! repository of a release carries, decided when the release is locked, and the plan of
//! `distrib tag` and `distrib branch`: each repository classified from what its origin holds,
//! before anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::git::mirror;
use crate::git::push::{Git, RemoteError};
use crate::lock::{LockedTag, Lockfile, ReleaseKind};
use crate::manifest::model::Naming;
use crate::progress::{Finished, Progress};
use crate::resolve::Mirrors;

mod operation;

pub use operation::{
    Blocked, End, Failed, OutOfSync, Prepared, Refs, ReleaseRequest, Released, SyncCount, TagError,
    Tally, end, prepare, release,
};

/// The tag template of `kind`: `naming.tag.<kind>`, else DMTN-106's default. Nightly and
/// manual releases make no tag unless a template is given (§4.2).
pub fn template(naming: &Naming, kind: ReleaseKind) -> Option<String> {
    let configured = naming.tag.as_ref().and_then(|t| match kind {
        ReleaseKind::Nightly => t.nightly.as_ref(),
        ReleaseKind::Weekly => t.weekly.as_ref(),
        ReleaseKind::Manual => t.manual.as_ref(),
        ReleaseKind::Candidate => t.candidate.as_ref(),
        ReleaseKind::Final => t.final_.as_ref(),
        ReleaseKind::Patch => t.patch.as_ref(),
    });
    if let Some(template) = configured {
        return Some(template.value.clone());
    }
    match kind {
        ReleaseKind::Nightly | ReleaseKind::Manual => None,
        ReleaseKind::Weekly => Some("w.%G.%V".into()),
        // A patch lock is a candidate of the patch version; its final is a `final` lock.
        ReleaseKind::Candidate | ReleaseKind::Patch => Some("{version}.rc{rc}".into()),
        ReleaseKind::Final => Some("{version}".into()),
    }
}

/// The message of the tag `name` of `lock`.
pub fn message(name: &str, lock: &Lockfile) -> String {
    let digest = lock
        .content
        .strip_prefix("sha256:")
        .unwrap_or(&lock.content);
    format!(
        "Version {name} release from {} {} (build b{}, lock {})",
        lock.distribution,
        lock.release,
        lock.build,
        &digest[..digest.len().min(12)]
    )
}

/// Whether an annotated tag's message is that of a release tag distrib makes.
pub fn is_release_message(message: &str) -> bool {
    message.starts_with("Version ") && message.contains(" release from ")
}

/// Why a tag cannot be recorded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("the tag `{name}` of `{product}` is not a valid git ref name")]
    InvalidName { product: String, name: String },
    #[error(
        "`{url}` is recorded at two commits (`{first}` and `{second}`): one tag cannot point at both"
    )]
    TwoCommits {
        url: String,
        first: String,
        second: String,
    },
}

/// A release's tag in a product's repositories: `name` after the product's `tag_prefix`,
/// unless it starts with it already (`v` makes `29.0.0` `v29.0.0`, and leaves the candidate
/// `v29.0.0.rc1` as it is).
fn prefixed(prefix: Option<String>, name: &str) -> String {
    match prefix {
        Some(prefix) if !name.starts_with(&prefix) => format!("{prefix}{name}"),
        _ => name.to_owned(),
    }
}

/// One tag per repository of the lock: `name` (the expanded template), after the product's
/// `tag_prefix` (from `prefix_of`). Repositories shared by products get one tag.
pub fn planned(
    lock: &Lockfile,
    name: &str,
    prefix_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<LockedTag>, PlanError> {
    // The tag of a product or companion: the name after its prefix, a valid ref name.
    let tag_of = |product: &str| {
        let full = prefixed(prefix_of(product), name);
        if crate::git::valid_tag_name(&full) {
            Ok(full)
        } else {
            Err(PlanError::InvalidName {
                product: product.to_owned(),
                name: full,
            })
        }
    };
    let mut tags: BTreeMap<(String, String), LockedTag> = BTreeMap::new();
    for product in &lock.products {
        let full = tag_of(&product.name)?;
        for repository in &product.repositories {
            let key = (repository.url.clone(), full.clone());
            if let Some(existing) = tags.get(&key) {
                if existing.commit != repository.commit {
                    return Err(PlanError::TwoCommits {
                        url: repository.url.clone(),
                        first: existing.commit.clone(),
                        second: repository.commit.clone(),
                    });
                }
                continue;
            }
            tags.insert(
                key,
                LockedTag {
                    url: repository.url.clone(),
                    message: message(&full, lock),
                    name: full.clone(),
                    commit: repository.commit.clone(),
                },
            );
        }
    }
    for companion in &lock.companions {
        let full = tag_of(&companion.name)?;
        tags.entry((companion.url.clone(), full.clone()))
            .or_insert_with(|| LockedTag {
                url: companion.url.clone(),
                message: message(&full, lock),
                name: full.clone(),
                commit: companion.commit.clone(),
            });
    }
    Ok(tags.into_values().collect())
}

/// What the origin has under a ref name, as `git ls-remote` says it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteRef {
    /// The object the ref points at: a tag object for an annotated tag, else a commit.
    pub object: String,
    /// The commit an annotated tag points at (`^{}`), when it is one.
    pub peeled: Option<String>,
}

impl RemoteRef {
    /// The commit the ref names.
    pub fn commit(&self) -> &str {
        self.peeled.as_deref().unwrap_or(&self.object)
    }
}

/// Where one repository stands, from what its origin has under the ref's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The origin has no such ref: it is to be created.
    Create,
    /// The origin has it at the wanted commit. `note` says what differs and is left as it
    /// is (an annotated tag with another message, a lightweight tag).
    InSync { note: Option<String> },
    /// The origin has it at another commit; `local`: the manifest repository itself has it
    /// there, and the tag pushed from it would be moved.
    Conflict { commit: String, local: bool },
    /// The origin could not be read.
    Unreachable { reason: String, help: String },
}

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Create => "create",
            State::InSync { .. } => "in-sync",
            State::Conflict { .. } => "conflict",
            State::Unreachable { .. } => "unreachable",
        }
    }
}

/// The state of a repository whose ref should name `commit`, given the origin's ref (or
/// `None`). `message_of` reads an annotated tag's message, when the object is at hand.
pub fn classify(
    commit: &str,
    remote: Option<&RemoteRef>,
    message: Option<&str>,
    message_of: impl Fn(&str) -> Option<String>,
) -> State {
    let Some(remote) = remote else {
        return State::Create;
    };
    if remote.commit() != commit {
        return State::Conflict {
            commit: remote.commit().to_owned(),
            local: false,
        };
    }
    let note = match (message, &remote.peeled) {
        (Some(_), None) => Some("a lightweight tag, left as it is".to_owned()),
        (Some(wanted), Some(_)) => message_of(&remote.object)
            .filter(|found| found.trim_end() != wanted.trim_end())
            .map(|found| {
                format!(
                    "an annotated tag with another message (`{}`), left as it is",
                    found.lines().next().unwrap_or_default()
                )
            }),
        (None, _) => None,
    };
    State::InSync { note }
}

/// How many repositories are in each state.
pub fn counts<'a>(states: impl IntoIterator<Item = &'a State>) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for state in states {
        *counts.entry(state.as_str()).or_insert(0) += 1;
    }
    counts
}

/// Which ref an execution puts: a release tag or a release branch (for messages and the
/// JSON document's `format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Tag,
    Branch,
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            What::Tag => "tag",
            What::Branch => "branch",
        }
    }
}

/// One ref to put in one repository.
#[derive(Clone, Debug)]
pub struct Item {
    /// As the lock records it.
    pub url: String,
    /// Where it is read and pushed (after `rewrite:`).
    pub fetch_url: String,
    pub mirror: PathBuf,
    /// `refs/tags/<name>` or `refs/heads/<name>`.
    pub full_ref: String,
    pub commit: String,
    /// An annotated tag's message; `None` for a branch.
    pub message: Option<String>,
    /// The manifest repository itself: its own git folder stands for the mirror, and is
    /// never fetched into; without an origin, the tag is made there only.
    pub manifest: bool,
}

impl Item {
    /// The ref `full_ref` at `commit` in the repository `url`, read and written through its
    /// mirror.
    pub fn new(
        mirrors: &Mirrors,
        url: &str,
        full_ref: String,
        commit: &str,
        message: Option<String>,
    ) -> Self {
        Self {
            url: url.to_owned(),
            fetch_url: mirrors.fetch_url(url),
            mirror: mirrors.path(url),
            full_ref,
            commit: commit.to_owned(),
            message,
            manifest: false,
        }
    }

    /// The ref's short name.
    pub fn name(&self) -> &str {
        self.full_ref
            .strip_prefix("refs/tags/")
            .or_else(|| self.full_ref.strip_prefix("refs/heads/"))
            .unwrap_or(&self.full_ref)
    }
}

/// The tags `lock` records, one item each, and the manifest repository's own (DMTN-106 §2.6)
/// when the lock was made from a commit of it.
pub fn tag_items(root: &Path, mirrors: &Mirrors, lock: &Lockfile) -> Vec<Item> {
    let mut items: Vec<Item> = lock
        .tags
        .iter()
        .map(|t| {
            Item::new(
                mirrors,
                &t.url,
                format!("refs/tags/{}", t.name),
                &t.commit,
                Some(t.message.clone()),
            )
        })
        .collect();
    items.extend(manifest_item(root, lock));
    items
}

/// The manifest repository is tagged with the release too, at the commit the lock was made
/// from (none when it was made from uncommitted manifests), its tag pushed to its `origin` when
/// it has one. The tag is the release's, without a product's prefix.
fn manifest_item(root: &Path, lock: &Lockfile) -> Option<Item> {
    let commit = lock
        .manifest_commit
        .as_deref()
        .filter(|c| !c.ends_with("-dirty"))?;
    // A lock made before its own tag was recorded: the shortest of its tags, which is the
    // release's when any of its products has no `tag_prefix`.
    let tag = match &lock.tag {
        Some(tag) => tag,
        None => &lock.tags.iter().min_by_key(|t| t.name.len())?.name,
    };
    let (git_dir, origin) = Git::from_user_config().repository(root)?;
    let url = origin.unwrap_or_else(|| git_dir.display().to_string());
    Some(Item {
        url: url.clone(),
        fetch_url: url,
        mirror: git_dir,
        full_ref: format!("refs/tags/{tag}"),
        commit: commit.to_owned(),
        message: Some(message(tag, lock)),
        manifest: true,
    })
}

/// `YYYY-MM-DDTHH:MM` of the lock's date: the tagger's date, so that a tag made again is the
/// same object.
pub fn tag_date(lock: &Lockfile) -> String {
    match crate::naming::DateTime::parse(&lock.date) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute
        ),
        Err(_) => "1970-01-01T00:00".into(),
    }
}

/// What an execution is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Pre-flight only: say what would be done.
    DryRun,
    /// Pre-flight only: is every repository in sync?
    Verify,
    /// Create the refs (in the mirrors), and with `push` push them; `force` moves a tag that
    /// exists on another commit.
    Write { push: bool, force: bool },
}

/// An execution: the refs, what to do, how many at once.
#[derive(Clone, Debug)]
pub struct Request {
    pub what: What,
    pub items: Vec<Item>,
    pub mode: Mode,
    /// Repositories read and pushed at once; `None`: the number of cores.
    pub jobs: Option<usize>,
    /// The tagger's date ([`tag_date`]).
    pub date: String,
}

/// What was done to one repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Made in the mirror (not pushed).
    Created,
    Pushed,
    /// It was there already, on the release's commit.
    InSync,
}

impl Written {
    pub fn as_str(self) -> &'static str {
        match self {
            Written::Created => "created",
            Written::Pushed => "pushed",
            Written::InSync => "in-sync",
        }
    }
}

/// One repository: its pre-flight state and, when something was written, what became of it.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub item: Item,
    pub state: State,
    /// `None`: nothing was attempted (a dry run, a verification, a blocked run).
    pub written: Option<Result<Written, RemoteError>>,
}

/// What an execution found and did.
#[derive(Clone, Debug)]
pub struct Execution {
    pub what: What,
    pub mode: Mode,
    pub repositories: Vec<Outcome>,
    /// An unreachable origin, or a conflict without `force`: nothing was written.
    pub blocked: bool,
}

impl Execution {
    fn count(&self, state: &str) -> usize {
        self.repositories
            .iter()
            .filter(|o| o.state.as_str() == state)
            .count()
    }

    /// Repositories whose origin could not be read.
    pub fn unreachable(&self) -> usize {
        self.count("unreachable")
    }

    /// Repositories whose origin has the ref on another commit.
    pub fn conflicts(&self) -> usize {
        self.count("conflict")
    }

    /// Repositories whose origin has the ref on the release's commit.
    pub fn in_sync(&self) -> usize {
        self.count("in-sync")
    }

    /// Writes that failed.
    pub fn failed(&self) -> usize {
        self.repositories
            .iter()
            .filter(|o| matches!(o.written, Some(Err(_))))
            .count()
    }

    /// Writes that ended as `written`.
    pub fn written(&self, written: Written) -> usize {
        self.repositories
            .iter()
            .filter(|o| matches!(o.written, Some(Ok(w)) if w == written))
            .count()
    }

    /// Whether everything is as the release wants it: for a dry run, nothing blocks; for a
    /// verification, every repository is in sync; else, nothing failed.
    pub fn succeeded(&self) -> bool {
        match self.mode {
            Mode::DryRun => !self.blocked,
            Mode::Verify => self.in_sync() == self.repositories.len(),
            Mode::Write { .. } => !self.blocked && self.failed() == 0,
        }
    }
}

/// Pre-flight (every origin's ref read, in parallel), then, unless a dry run, a verification or
/// a blocked plan, create and push. Writes are serialised with every other writer of the
/// manifest repository at `root`: a second run of one release waits, then finds the first
/// one's work done.
pub fn execute(
    root: &Path,
    request: Request,
    progress: &dyn Progress,
) -> Result<Execution, crate::lock::history::HistoryError> {
    let git = Git::from_user_config();
    let writes = matches!(request.mode, Mode::Write { .. });
    let _guard = if writes {
        Some(crate::lock::history::exclusive(root)?)
    } else {
        None
    };
    let states = parallel(
        &request.items,
        request.jobs,
        "Reading",
        progress,
        |item| match git.ls_remote(&item.fetch_url, std::slice::from_ref(&item.full_ref)) {
            Ok(refs) => {
                let state = classify(
                    &item.commit,
                    refs.get(&item.full_ref),
                    item.message.as_deref(),
                    |id| git.message_of(&item.mirror, id),
                );
                // The manifest repository's tag is made in it, then pushed: one it has on
                // another commit (someone's own) would be moved without a word.
                match (state, local_commit(&git, item)) {
                    (State::Create, Some(commit)) if commit != item.commit => State::Conflict {
                        commit,
                        local: true,
                    },
                    (state, _) => state,
                }
            }
            Err(error) => State::Unreachable {
                reason: error.to_string(),
                help: error.help(),
            },
        },
    );
    let mut execution = Execution {
        what: request.what,
        mode: request.mode,
        repositories: request
            .items
            .into_iter()
            .zip(states)
            .map(|(item, state)| Outcome {
                item,
                state,
                written: None,
            })
            .collect(),
        blocked: false,
    };
    let force = matches!(request.mode, Mode::Write { force: true, .. });
    execution.blocked = execution.unreachable() > 0 || (execution.conflicts() > 0 && !force);
    let Mode::Write { push, .. } = request.mode else {
        return Ok(execution);
    };
    if execution.blocked {
        return Ok(execution);
    }
    let written = parallel(
        &execution.repositories,
        request.jobs,
        "Pushing",
        progress,
        |outcome| write_one(&git, outcome, push, &request.date),
    );
    for (outcome, written) in execution.repositories.iter_mut().zip(written) {
        outcome.written = Some(written);
    }
    Ok(execution)
}

/// The commit the manifest repository itself has the ref of `item` at, when `item` is its own
/// and pushed to an origin (without one, the origin read is the repository itself).
fn local_commit(git: &Git, item: &Item) -> Option<String> {
    let path = item.mirror.display().to_string();
    if !item.manifest || item.fetch_url == path {
        return None;
    }
    let refs = git
        .ls_remote(&path, std::slice::from_ref(&item.full_ref))
        .ok()?;
    refs.get(&item.full_ref).map(|r| r.commit().to_owned())
}

/// Runs `work` on every item, `jobs` at a time, in the order given; the results in that order.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: Option<usize>,
    label: &str,
    progress: &dyn Progress,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, items.len().max(1));
    progress.begin(label, items.len());
    let queue = Mutex::new(
        items
            .iter()
            .enumerate()
            .collect::<std::collections::VecDeque<_>>(),
    );
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some((index, item)) =
                    queue.lock().map(|mut q| q.pop_front()).ok().flatten()
                {
                    progress.started(index, label);
                    let result = work(item);
                    progress.finished(index, label, Finished::Done(""));
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
                }
            });
        }
    });
    progress.end();
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item is worked on once"))
        .collect()
}

/// Creates the ref (in the mirror, for a tag) and, with `push`, pushes it.
fn write_one(git: &Git, outcome: &Outcome, push: bool, date: &str) -> Result<Written, RemoteError> {
    let item = &outcome.item;
    let force = matches!(outcome.state, State::Conflict { .. });
    if matches!(outcome.state, State::InSync { .. }) {
        return Ok(Written::InSync);
    }
    // The mirror must hold the commit: a mirror deleted since the lock was made is fetched.
    let has_commit = mirror::Mirror::open(&item.mirror).is_ok_and(|m| m.has_commit(&item.commit));
    if !has_commit && !item.manifest {
        mirror::fetch(&item.fetch_url, &item.mirror)
            .map_err(|e| RemoteError::Failed(e.to_string()))?;
    }
    // A tag the manifest repository has on the release's commit already is pushed as it is.
    let kept = local_commit(git, item).is_some_and(|c| c == item.commit);
    let source = match &item.message {
        Some(message) => {
            if !kept {
                git.tag(&item.mirror, item.name(), &item.commit, message, date)?;
            }
            item.full_ref.clone()
        }
        None => item.commit.clone(),
    };
    let local = item.manifest && item.fetch_url == item.mirror.display().to_string();
    if !push || local {
        return Ok(Written::Created);
    }
    let plus = if force { "+" } else { "" };
    git.push(
        &item.mirror,
        &item.fetch_url,
        &[format!("{plus}{source}:{}", item.full_ref)],
    )?;
    Ok(Written::Pushed)
}

/// Why a release branch cannot be planned.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BranchFailure {
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
    #[error(
        "`{}` and `{}` share `{}` at two commits (`{}` and `{}`): its one branch `{}` cannot start at both",
        .0.first,
        .0.second,
        .0.url,
        short(&.0.first_commit),
        short(&.0.second_commit),
        .0.name
    )]
    #[diagnostic(
        code("branch-two-commits"),
        help(
            "name only one of them: a repository's release branch starts at the commit of the product to fix"
        )
    )]
    TwoCommits(Box<SharedRepository>),
}

/// One repository that two products named for a release branch have at two commits.
#[derive(Debug)]
pub struct SharedRepository {
    /// Credentials removed.
    pub url: String,
    /// The branch.
    pub name: String,
    pub first: String,
    pub first_commit: String,
    pub second: String,
    pub second_commit: String,
}

/// The version a release branch of `lock` is named after (DMTN-106 §4.7): a candidate's or a
/// final's.
pub fn branch_version(lock: &Lockfile) -> Result<crate::release::Version, BranchFailure> {
    lock.release_version
        .as_deref()
        .and_then(|v| crate::release::Version::parse(v).ok())
        .ok_or_else(|| BranchFailure::NoVersion {
            release: format!("{}/{}", lock.distribution, lock.release),
            kind: lock.kind.as_str(),
        })
}

/// The branch `name` at the release's commit in each repository of `products` (the packages
/// to fix), once per repository and commit.
pub fn branch_items(
    mirrors: &Mirrors,
    lock: &Lockfile,
    name: &str,
    products: &[String],
) -> Result<Vec<Item>, BranchFailure> {
    let mut items: Vec<Item> = Vec::new();
    // The product each item is for.
    let mut owners: Vec<&str> = Vec::new();
    for product in products {
        let Some(locked) = lock.products.iter().find(|p| &p.name == product) else {
            let names: Vec<&str> = lock.products.iter().map(|p| p.name.as_str()).collect();
            let help = match crate::diagnostic::closest(product, &names) {
                Some(close) => {
                    format!("did you mean `{close}`? only the release's products can be branched")
                }
                None => {
                    "only the release's products can be branched: `distrib list` shows them".into()
                }
            };
            return Err(BranchFailure::NotInRelease {
                product: product.clone(),
                release: format!("{}/{}", lock.distribution, lock.release),
                help,
            });
        };
        if locked.repositories.is_empty() {
            return Err(BranchFailure::NoRepository {
                product: product.clone(),
            });
        }
        for repository in &locked.repositories {
            // One branch per repository: products sharing it at another commit cannot both
            // start it (the pushes would race, or one move the other's branch forward).
            if let Some((item, other)) = items
                .iter()
                .zip(&owners)
                .find(|(i, _)| i.url == repository.url)
            {
                if item.commit == repository.commit {
                    continue;
                }
                return Err(BranchFailure::TwoCommits(Box::new(SharedRepository {
                    url: crate::url::redact(&repository.url),
                    name: name.to_owned(),
                    first: (*other).to_owned(),
                    first_commit: item.commit.clone(),
                    second: product.clone(),
                    second_commit: repository.commit.clone(),
                })));
            }
            owners.push(product);
            items.push(Item::new(
                mirrors,
                &repository.url,
                format!("refs/heads/{name}"),
                &repository.commit,
                None,
            ));
        }
    }
    Ok(items)
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// What a problem of an execution is about: its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ProblemKind {
    #[error("the ref exists at the origin on another commit")]
    #[diagnostic(code("ref-conflict"))]
    Conflict,
    #[error("the origin's refs cannot be read")]
    #[diagnostic(code("remote-unreachable"))]
    Unreachable,
    #[error("a tag on the release's commit, left as it is")]
    #[diagnostic(code("ref-kept"))]
    Kept,
    #[error("the ref could not be created or pushed")]
    #[diagnostic(code("push-failed"))]
    PushFailed,
}

/// A problem (or a remark) about one repository of an execution.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Problem {
    pub code: ProblemKind,
    pub severity: crate::json::Severity,
    pub message: String,
    pub help: Option<String>,
}

impl miette::Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::code(&self.code)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity.into())
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

impl Execution {
    /// What the pre-flight found, then the writes that failed: conflicts, unreachable origins,
    /// refs left as they are.
    pub fn problems(&self) -> Vec<Problem> {
        use crate::json::Severity;
        let force = matches!(self.mode, Mode::Write { force: true, .. });
        let mut problems = Vec::new();
        for outcome in &self.repositories {
            let item = &outcome.item;
            let url = crate::url::redact(&item.fetch_url);
            match &outcome.state {
                State::Conflict { commit, local } => problems.push(Problem {
                    code: ProblemKind::Conflict,
                    severity: if force { Severity::Warning } else { Severity::Error },
                    message: format!(
                        "`{}` exists in {} at `{}`, not at the release's `{}`",
                        item.name(),
                        if *local {
                            format!("the manifest repository `{}`", item.mirror.display())
                        } else {
                            format!("`{url}`")
                        },
                        short(commit),
                        short(&item.commit)
                    ),
                    help: Some(match (self.what, force) {
                        (What::Tag, true) => "--force moves it".into(),
                        (What::Tag, false) => {
                            "find out who made it; pass --force to move it to the release's commit"
                                .into()
                        }
                        (What::Branch, _) => "a release branch is never moved: find out who made it, then delete it or fix from it".into(),
                    }),
                }),
                State::Unreachable { reason, help } => problems.push(Problem {
                    code: ProblemKind::Unreachable,
                    severity: Severity::Error,
                    message: format!("cannot read `{url}`: {reason}"),
                    help: Some(help.clone()),
                }),
                State::InSync { note: Some(note) } => problems.push(Problem {
                    code: ProblemKind::Kept,
                    severity: Severity::Note,
                    message: format!(
                        "`{}` in `{url}` is on the release's commit: {note}",
                        item.name()
                    ),
                    help: None,
                }),
                _ => {}
            }
        }
        for outcome in &self.repositories {
            if let Some(Err(error)) = &outcome.written {
                problems.push(Problem {
                    code: ProblemKind::PushFailed,
                    severity: Severity::Error,
                    message: format!(
                        "cannot {} `{}` in `{}`: {error}",
                        self.what.as_str(),
                        outcome.item.name(),
                        crate::url::redact(&outcome.item.fetch_url)
                    ),
                    help: Some(error.help()),
                });
            }
        }
        problems
    }

    /// The `distrib-tag/1` or `distrib-branch/1` document of this execution for `release`.
    pub fn document(&self, release: crate::json::Release) -> Document {
        use crate::json::Status;
        let repositories: Vec<Repository> = self
            .repositories
            .iter()
            .map(|outcome| {
                let status = match (&outcome.written, &outcome.state) {
                    (Some(Ok(Written::InSync)), _) | (None, State::InSync { .. }) => {
                        Status::UpToDate
                    }
                    (Some(Ok(_)), _) => Status::Done,
                    (Some(Err(_)), _) => Status::Failed,
                    (None, _) => Status::Skipped,
                };
                Repository {
                    repository: crate::url::redact(&outcome.item.url),
                    reference: outcome.item.full_ref.clone(),
                    commit: outcome.item.commit.clone(),
                    state: outcome.state.as_str(),
                    found: match &outcome.state {
                        State::Conflict { commit, .. } => Some(commit.clone()),
                        _ => None,
                    },
                    status,
                    action: match &outcome.written {
                        Some(Ok(Written::Created)) => Some("created"),
                        Some(Ok(Written::Pushed)) => Some("pushed"),
                        _ => None,
                    },
                }
            })
            .collect();
        let count = |status: Status| repositories.iter().filter(|r| r.status == status).count();
        let summary = ExecutionSummary {
            repositories: repositories.len(),
            create: self.count("create"),
            in_sync: self.in_sync(),
            conflict: self.conflicts(),
            unreachable: self.unreachable(),
            done: count(Status::Done),
            up_to_date: count(Status::UpToDate),
            skipped: count(Status::Skipped),
            failed: count(Status::Failed),
        };
        Document {
            format: match self.what {
                What::Tag => "distrib-tag/1",
                What::Branch => "distrib-branch/1",
            },
            release,
            mode: match self.mode {
                Mode::DryRun => "dry-run",
                Mode::Verify => "verify",
                Mode::Write { .. } => "write",
            },
            push: matches!(self.mode, Mode::Write { push: true, .. }),
            repositories,
            // Whatever an origin said, no credential reaches the document.
            diagnostics: self
                .problems()
                .iter()
                .flat_map(|p| crate::diagnostic::operation::entries(p))
                .collect(),
            summary,
        }
    }
}

/// What `distrib tag` and `distrib branch` print with `--format json`.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Document {
    /// `distrib-tag/1` or `distrib-branch/1`.
    pub format: &'static str,
    pub release: crate::json::Release,
    /// `dry-run` (nothing written), `verify` (nothing written) or `write`.
    pub mode: &'static str,
    /// The refs were pushed to the origins (not only made in the mirrors).
    pub push: bool,
    pub repositories: Vec<Repository>,
    pub diagnostics: Vec<crate::json::Diagnostic>,
    pub summary: ExecutionSummary,
}

/// One repository of the document.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Repository {
    /// The URL as the lock records it, credentials removed.
    pub repository: String,
    /// `refs/tags/<name>` or `refs/heads/<name>`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The release's commit.
    pub commit: String,
    /// What the pre-flight found: `create`, `in-sync`, `conflict` or `unreachable`.
    pub state: &'static str,
    /// The commit the origin has the ref at, for a conflict.
    pub found: Option<String>,
    /// `done` (written), `up-to-date` (already on the release's commit), `skipped` (nothing
    /// attempted: a dry run, a verification, a blocked run) or `failed`.
    pub status: crate::json::Status,
    /// `created` (in the mirror) or `pushed`, when done.
    pub action: Option<&'static str>,
}

/// The counts of the document.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ExecutionSummary {
    pub repositories: usize,
    pub create: usize,
    pub in_sync: usize,
    pub conflict: usize,
    pub unreachable: usize,
    pub done: usize,
    pub up_to_date: usize,
    pub skipped: usize,
    pub failed: usize,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_tag_prefix_is_put_once() {
        let v = || Some("v".to_owned());
        assert_eq!(prefixed(v(), "29.0.0"), "v29.0.0");
        assert_eq!(prefixed(v(), "v29.0.0.rc1"), "v29.0.0.rc1");
        assert_eq!(prefixed(v(), "w.2026.47"), "vw.2026.47");
        assert_eq!(prefixed(None, "29.0.0"), "29.0.0");
        assert_eq!(prefixed(Some("v~".into()), "w.2026.47"), "v~w.2026.47");
    }

    fn lock() -> Lockfile {
        let mut lock = crate::lock::tests::sample();
        lock.products[1].repositories = lock.products[0].repositories.clone();
        lock.products[1].repositories[0].url = "https://github.com/lsst/afw".into();
        lock
    }

    #[test]
    fn defaults_follow_dmtn_106() {
        let naming = Naming::default();
        assert_eq!(template(&naming, ReleaseKind::Nightly), None);
        assert_eq!(template(&naming, ReleaseKind::Manual), None);
        assert_eq!(
            template(&naming, ReleaseKind::Weekly).as_deref(),
            Some("w.%G.%V")
        );
        assert_eq!(
            template(&naming, ReleaseKind::Final).as_deref(),
            Some("{version}")
        );
    }

    #[test]
    fn one_tag_per_repository_with_the_product_prefix() {
        let lock = lock();
        let tags = planned(&lock, "29.0.0", |p| (p == "afw").then(|| "v".into())).unwrap();
        let names: Vec<(&str, &str)> = tags
            .iter()
            .map(|t| (t.url.as_str(), t.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("https://github.com/lsst/afw", "v29.0.0"),
                ("https://github.com/lsst/utils", "29.0.0")
            ]
        );
        assert!(
            tags[0].message.starts_with(
                "Version v29.0.0 release from lsst_distrib w.2026.47 (build b12, lock "
            ),
            "{}",
            tags[0].message
        );
        assert!(matches!(
            planned(&lock, "29.0.0", |_| Some("bad~".into())),
            Err(PlanError::InvalidName { name, .. }) if name == "bad~29.0.0"
        ));
    }

    #[test]
    fn a_repository_at_two_commits_cannot_take_one_tag() {
        let mut lock = lock();
        lock.products[1].repositories[0].url = lock.products[0].repositories[0].url.clone();
        lock.products[1].repositories[0].commit = "3".repeat(40);
        assert!(matches!(
            planned(&lock, "x", |_| None),
            Err(PlanError::TwoCommits { .. })
        ));
    }

    #[test]
    fn classification() {
        let commit = "a".repeat(40);
        let other = "b".repeat(40);
        let annotated = RemoteRef {
            object: "t".repeat(40),
            peeled: Some(commit.clone()),
        };
        let none = |_: &str| None;
        assert_eq!(classify(&commit, None, Some("m"), none), State::Create);
        assert_eq!(
            classify(&commit, Some(&annotated), Some("m"), |_| Some("m\n".into())),
            State::InSync { note: None }
        );
        let State::InSync { note: Some(note) } =
            classify(&commit, Some(&annotated), Some("m"), |_| {
                Some("other".into())
            })
        else {
            panic!("in sync, with a note")
        };
        assert!(note.contains("another message (`other`)"), "{note}");
        let light = RemoteRef {
            object: commit.clone(),
            peeled: None,
        };
        assert!(matches!(
            classify(&commit, Some(&light), Some("m"), none),
            State::InSync { note: Some(_) }
        ));
        assert_eq!(
            classify(&commit, Some(&light), None, none),
            State::InSync { note: None },
            "a branch"
        );
        assert_eq!(
            classify(&other, Some(&annotated), Some("m"), none),
            State::Conflict {
                commit,
                local: false
            }
        );
    }

    pub(crate) fn outcome(state: State, written: Option<Result<Written, RemoteError>>) -> Outcome {
        Outcome {
            item: Item {
                url: "https://ci:s3cret@example.org/a".into(),
                fetch_url: "https://ci:s3cret@example.org/a".into(),
                mirror: PathBuf::from("/m/a.git"),
                full_ref: "refs/tags/w.2026.47".into(),
                commit: "a".repeat(40),
                message: Some("m".into()),
                manifest: false,
            },
            state,
            written,
        }
    }

    #[test]
    fn an_execution_says_per_repository_done_up_to_date_skipped_or_failed() {
        use crate::json::{Release, Status};
        let execution = Execution {
            what: What::Tag,
            mode: Mode::Write {
                push: true,
                force: false,
            },
            repositories: vec![
                outcome(State::Create, Some(Ok(Written::Pushed))),
                outcome(State::InSync { note: None }, Some(Ok(Written::InSync))),
                outcome(
                    State::Create,
                    Some(Err(RemoteError::Failed(
                        "refused by https://ci:s3cret@example.org/a".into(),
                    ))),
                ),
            ],
            blocked: false,
        };
        assert!(!execution.succeeded());
        let document = execution.document(Release::unlocked("d", "w.2026.47"));
        let status: Vec<Status> = document.repositories.iter().map(|r| r.status).collect();
        assert_eq!(status, [Status::Done, Status::UpToDate, Status::Failed]);
        assert_eq!(document.repositories[0].action, Some("pushed"));
        assert_eq!(document.repositories[0].repository, "https://example.org/a");
        assert_eq!(document.diagnostics.len(), 1);
        assert_eq!(document.diagnostics[0].code.as_deref(), Some("push-failed"));
        assert!(!document.diagnostics[0].message.contains("s3cret"));
        // A dry run attempts nothing: what is not in sync is skipped, and a conflict blocks.
        let plan = Execution {
            what: What::Branch,
            mode: Mode::DryRun,
            repositories: vec![
                outcome(State::Create, None),
                outcome(
                    State::Conflict {
                        commit: "b".repeat(40),
                        local: false,
                    },
                    None,
                ),
            ],
            blocked: true,
        };
        assert!(!plan.succeeded());
        let document = plan.document(Release::unlocked("d", "w.2026.47"));
        assert_eq!(document.format, "distrib-branch/1");
        assert_eq!(
            document.repositories[1].found.as_deref(),
            Some(&*"b".repeat(40))
        );
        assert!(
            document
                .repositories
                .iter()
                .all(|r| r.status == Status::Skipped)
        );
        assert_eq!(plan.problems()[0].code, ProblemKind::Conflict);
    }

    #[test]
    fn a_branch_is_planned_for_the_products_named_only() {
        let lock = lock();
        let dir = std::path::Path::new("/m");
        let mirrors = Mirrors {
            dir,
            rewrite: Vec::new(),
            root: dir,
        };
        let first = lock.products[0].name.clone();
        let items = branch_items(&mirrors, &lock, "b.1.0.x", std::slice::from_ref(&first)).unwrap();
        assert_eq!(items.len(), lock.products[0].repositories.len());
        assert!(items.iter().all(|i| i.full_ref == "refs/heads/b.1.0.x"));
        assert!(items.iter().all(|i| i.message.is_none()));
        // Two products of one repository at one commit: one branch there, not two.
        let mut shared = lock.clone();
        shared.products[1].repositories = shared.products[0].repositories.clone();
        let both: Vec<String> = shared.products.iter().map(|p| p.name.clone()).collect();
        assert_eq!(
            branch_items(&mirrors, &shared, "b.1.0.x", &both)
                .unwrap()
                .len(),
            items.len()
        );
        let misspelt = format!("{first}x");
        let Err(BranchFailure::NotInRelease { help, .. }) =
            branch_items(&mirrors, &lock, "b.1.0.x", &[misspelt])
        else {
            panic!("an unknown product")
        };
        assert!(help.contains(&format!("did you mean `{first}`?")), "{help}");
    }
}
