//! Fetching as an operation: which repositories distributions need, and bringing their bare
//! mirrors up to date, in parallel, every one attempted whatever another does. The outcome
//! says per repository what became of it; progress goes through [`Progress`]. Nothing here
//! prints.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use schemars::JsonSchema;
use serde::Serialize;

use crate::git::mirror::{self, MirrorError};
use crate::git::progress::Received;
use crate::json::{Diagnostic, Status};
use crate::manifest::Manifests;
use crate::progress::{Finished, Progress};
use crate::resolve::{Mirrors, Plan, ResolveFailure};

/// One repository to fetch, for the product that names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    pub product: String,
    /// The URL as the manifest writes it.
    pub url: String,
}

/// The repositories `plan` builds from, in its order.
pub fn of_plan(plan: &Plan) -> Vec<Repository> {
    plan.repositories()
        .into_iter()
        .map(|j| Repository {
            product: j.product.to_owned(),
            url: j.url.to_owned(),
        })
        .collect()
}

/// The repositories in the closures of `distributions` (every distribution when empty), for
/// each platform a distribution declares (`platforms`, else `platform`), else this machine's:
/// what a lock for them needs, and nothing more. In closure order, dependencies first.
pub fn repositories(
    manifests: &Manifests,
    distributions: &[String],
) -> Result<Vec<Repository>, ResolveFailure> {
    let names: Vec<String> = if distributions.is_empty() {
        manifests
            .distributions
            .iter()
            .map(|d| d.value.name.value.clone())
            .collect()
    } else {
        distributions.to_vec()
    };
    let mut repositories = Vec::new();
    for name in &names {
        let distribution = crate::resolve::find_distribution(manifests, name)?;
        for platform in crate::resolve::fetched_platforms(distribution) {
            let plan = Plan::new(manifests, name, &platform)?;
            repositories.extend(of_plan(&plan));
        }
    }
    Ok(repositories)
}

/// What to fetch, and how many at once.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub repositories: Vec<Repository>,
    /// Fetches at once; `None`: the number of cores.
    pub jobs: Option<usize>,
}

/// What a fetch did: `distrib-fetch/1`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct FetchOutcome {
    /// `distrib-fetch/1`.
    pub format: &'static str,
    /// The folder of the mirrors.
    pub mirrors: String,
    /// One entry per mirror, in the order asked (products that share a repository share its
    /// mirror, fetched once, under the first product that names it).
    pub repositories: Vec<Fetched>,
    /// Every repository that failed, as a diagnostic.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// The failures, with everything a caller needs to explain them.
    #[serde(skip)]
    pub failures: Vec<FetchFailure>,
}

/// One repository fetched, or not.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Fetched {
    pub product: String,
    /// The URL as the manifest writes it, credentials removed.
    pub repository: String,
    /// The URL fetched from after `rewrite:`, credentials removed; `null` when nothing rewrote
    /// it.
    pub fetched_from: Option<String>,
    /// `done` (the mirror was made or changed), `up-to-date` (nothing had changed at the
    /// origin) or `failed` (the diagnostic with this repository says why).
    pub status: Status,
    /// The mirror was made by this fetch.
    pub created: bool,
    /// Branches and tags created, moved or deleted.
    pub refs_changed: usize,
    /// Git lock files an interrupted earlier fetch had left, removed.
    pub stale_locks_removed: usize,
    /// Bytes of pack data received.
    pub received_bytes: u64,
}

/// The counts of a fetch.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Summary {
    pub repositories: usize,
    pub done: usize,
    pub up_to_date: usize,
    pub failed: usize,
    /// Mirrors made by this fetch.
    pub created: usize,
    pub refs_changed: usize,
    pub stale_locks_removed: usize,
    pub received_bytes: u64,
}

impl FetchOutcome {
    /// Whether every repository was fetched.
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Why one repository could not be fetched: the code of its failure.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, thiserror::Error, miette::Diagnostic,
)]
pub enum FailureKind {
    #[error("the origin cannot be read")]
    #[diagnostic(code("fetch-unreachable"))]
    Unreachable,
    #[error("the origin wants credentials that no helper gave, or refused them")]
    #[diagnostic(code("fetch-credentials"))]
    Credentials,
    #[error("the mirror cannot be opened or written")]
    #[diagnostic(code("mirror-write"))]
    Mirror,
}

/// One repository that could not be fetched. URLs and messages have no credentials in them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[error("cannot fetch `{url}`{} (product `{product}`): {reason}", self.from())]
pub struct FetchFailure {
    pub product: String,
    /// The URL as the manifest writes it.
    pub url: String,
    /// The URL fetched from, after `rewrite:` (equal to `url` when nothing rewrote it).
    pub fetched: String,
    pub reason: String,
    pub help: String,
    pub kind: FailureKind,
}

impl FetchFailure {
    /// The origin could not be read (rather than the mirror written): the mirrors as they are
    /// can still be used on purpose.
    pub fn unreachable(&self) -> bool {
        matches!(
            self.kind,
            FailureKind::Unreachable | FailureKind::Credentials
        )
    }

    fn from(&self) -> String {
        if self.fetched == self.url {
            String::new()
        } else {
            format!(" from `{}`", self.fetched)
        }
    }

    fn new(product: &str, url: &str, source: &str, error: &MirrorError) -> Self {
        let clean =
            |text: &str| crate::url::redact_text(&redact_all(&redact_all(text, url), source));
        FetchFailure {
            product: product.to_owned(),
            url: crate::url::redact(url),
            fetched: crate::url::redact(source),
            reason: clean(&reason(error)),
            help: clean(&error.help()),
            kind: match error {
                MirrorError::Fetch { .. } => FailureKind::Unreachable,
                MirrorError::Credentials { .. } => FailureKind::Credentials,
                _ => FailureKind::Mirror,
            },
        }
    }
}

impl miette::Diagnostic for FetchFailure {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        miette::Diagnostic::code(&self.kind)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// The repositories fetched, one per mirror (products that share a repository share its
/// mirror), in the order given: the items [`fetch`] reports progress on, by index.
pub fn unique<'a>(mirrors: &Mirrors, repositories: &'a [Repository]) -> Vec<&'a Repository> {
    let mut seen = std::collections::HashSet::new();
    repositories
        .iter()
        .filter(|r| seen.insert(mirrors.path(&r.url)))
        .collect()
}

/// Fetches every repository of `request`, once per mirror, in the order given (as far as
/// `jobs` allow). Every other repository is still fetched when one fails.
pub fn fetch(mirrors: &Mirrors, request: &Request, progress: &dyn Progress) -> FetchOutcome {
    let jobs = unique(mirrors, &request.repositories);
    let threads = request
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, jobs.len().max(1));
    progress.begin("Fetching", jobs.len());
    let queue = Mutex::new(jobs.iter().copied().enumerate().collect::<VecDeque<_>>());
    let results: Mutex<Vec<Option<Result<mirror::FetchReport, FetchFailure>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    let received = Received::default();
    let over = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // The bytes received, as they arrive: gix counts them in the fetching threads.
        let poller = scope.spawn(|| {
            let mut shown = 0;
            while !over.load(Ordering::Relaxed) {
                let now = received.get();
                if now != shown {
                    progress.received(now);
                    shown = now;
                }
                // Woken at once when the fetches are over: no run waits for a last tick.
                std::thread::park_timeout(std::time::Duration::from_millis(50));
            }
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    while let Some((index, repository)) =
                        queue.lock().map(|mut q| q.pop_front()).ok().flatten()
                    {
                        let Repository { product, url } = repository;
                        progress.started(index, product);
                        let source = mirrors.fetch_url(url);
                        let result = mirror::fetch_counting(&source, &mirrors.path(url), &received)
                            .map_err(|e| FetchFailure::new(product, url, &source, &e));
                        progress.received(received.get());
                        let changed = result.as_ref().ok().map(changes);
                        progress.finished(
                            index,
                            product,
                            changed.as_deref().map_or(Finished::Failed, Finished::Done),
                        );
                        results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
                    }
                })
            })
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
        over.store(true, Ordering::Relaxed);
        poller.thread().unpark();
    });
    progress.end();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut repositories = Vec::new();
    let mut failures = Vec::new();
    let mut summary = Summary {
        repositories: jobs.len(),
        ..Summary::default()
    };
    for (repository, result) in jobs.iter().zip(results) {
        let source = crate::url::redact(&mirrors.fetch_url(&repository.url));
        let url = crate::url::redact(&repository.url);
        let mut fetched = Fetched {
            product: repository.product.clone(),
            fetched_from: (source != url).then_some(source),
            repository: url,
            status: Status::Failed,
            created: false,
            refs_changed: 0,
            stale_locks_removed: 0,
            received_bytes: 0,
        };
        match result {
            Some(Ok(report)) => {
                fetched.status = if report.created || report.changed > 0 {
                    Status::Done
                } else {
                    Status::UpToDate
                };
                fetched.created = report.created;
                fetched.refs_changed = report.changed;
                fetched.stale_locks_removed = report.stale_locks;
                fetched.received_bytes = report.received;
                summary.created += usize::from(report.created);
                summary.refs_changed += report.changed;
                summary.stale_locks_removed += report.stale_locks;
                summary.received_bytes += report.received;
                match fetched.status {
                    Status::Done => summary.done += 1,
                    _ => summary.up_to_date += 1,
                }
            }
            Some(Err(failure)) => {
                summary.failed += 1;
                failures.push(failure);
            }
            // A worker that panicked left its repository undone.
            None => {
                summary.failed += 1;
                failures.push(FetchFailure {
                    product: repository.product.clone(),
                    url: fetched.repository.clone(),
                    fetched: fetched
                        .fetched_from
                        .clone()
                        .unwrap_or_else(|| fetched.repository.clone()),
                    reason: "the fetch stopped unexpectedly".into(),
                    help: "this is a bug in distrib: please report it".into(),
                    kind: FailureKind::Mirror,
                });
            }
        }
        repositories.push(fetched);
    }
    failures.sort();
    FetchOutcome {
        format: "distrib-fetch/1",
        mirrors: mirrors.dir.display().to_string(),
        diagnostics: failures
            .iter()
            .flat_map(|f| crate::diagnostic::operation::entries(f))
            .collect(),
        repositories,
        summary,
        failures,
    }
}

/// What a fetch changed, in a few words.
fn changes(report: &mirror::FetchReport) -> String {
    if report.created {
        "new mirror".to_owned()
    } else if report.changed == 0 {
        "up to date".to_owned()
    } else {
        crate::diagnostic::plural(report.changed, "ref") + " changed"
    }
}

/// What went wrong, with every cause: "handshake failed" alone helps nobody.
fn reason(error: &MirrorError) -> String {
    let mut parts = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = match error {
        MirrorError::Fetch { source, .. } => Some(source.as_ref()),
        other => Some(other),
    };
    while let Some(current) = cause {
        let text = current.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cause = current.source();
    }
    parts.join(": ")
}

/// An error message with the URL's credentials removed wherever it quotes the URL.
fn redact_all(message: &str, url: &str) -> String {
    message.replace(url, &crate::url::redact(url))
}
