//! `distrib fetch`: the command line of [`crate::fetch`]: arguments to a request, the progress
//! line, and the outcome as text or JSON.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::CommandResult;
use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err, out_json};
use crate::fetch::{FetchOutcome, Repository, Request};
use crate::progress::{Finished, Progress};
use crate::resolve::Mirrors;

/// Create or update the mirrors of every repository in the closure of distributions
///
/// The closures are those of each platform a distribution declares (`platforms`, else
/// `platform`), else of this machine's platform: what a lock for them needs, and nothing more.
///
/// Mirrors are bare git repositories at `<mirrors>/<host>/<path>.git` holding every branch and
/// tag of their origin, and its default branch as HEAD; refs deleted at the origin are deleted
/// here too. `rewrite:` in distrib.yaml redirects URLs (an air-gapped site's own mirror host,
/// say). Lock files left in a mirror by a killed fetch are removed. Credentials come from git's
/// credential helpers and GIT_ASKPASS only; nothing prompts. For https, the CA certificates of
/// GIT_SSL_CAINFO, else of git's `http.sslCAInfo`, are trusted besides the system's; proxies
/// come from https_proxy, http_proxy, all_proxy and no_proxy. The user's git configuration
/// changes nothing else.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  distrib fetch\n  distrib fetch lsst_distrib --jobs 8\n  distrib fetch --format json"
)]
pub struct Args {
    /// Distributions to fetch for [default: all]
    distributions: Vec<String>,

    /// Repositories fetched at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    /// `human`: errors and a summary on stderr; `json`: the `distrib-fetch/1` document on
    /// stdout
    #[arg(long, value_enum, default_value_t = super::lock::Format::Human)]
    format: super::lock::Format,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

/// Some repositories could not be fetched.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{failed} of {total} repositories failed")]
#[diagnostic(
    code("fetch-failed"),
    help(
        "fix what the errors above say, then run `distrib fetch` again: it fetches every repository anew"
    )
)]
struct Failed {
    failed: usize,
    total: usize,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let request = Request {
        repositories: crate::fetch::repositories(&workspace.manifests, &args.distributions)
            .map_err(boxed)?,
        jobs: args.jobs,
    };
    let mirrors = workspace.mirrors();
    let json = args.format == super::lock::Format::Json;
    let outcome = fetch(context, &mirrors, &request, !json);
    if json {
        out_json(&crate::json::to_text(&outcome));
        return Ok(if outcome.succeeded() {
            Exit::Success
        } else {
            Exit::Failure
        });
    }
    if outcome.succeeded() {
        return Ok(Exit::Success);
    }
    Err(boxed(Failed {
        failed: outcome.summary.failed,
        total: outcome.summary.repositories,
    }))
}

/// Fetches with the progress line, then (when `report`) prints the failures and the summary:
/// errors first, the summary last.
fn fetch(context: &Context, mirrors: &Mirrors, request: &Request, report: bool) -> FetchOutcome {
    let bar = Bar::new(&crate::fetch::unique(mirrors, &request.repositories));
    let outcome = crate::fetch::fetch(mirrors, request, &bar);
    if report {
        self::report(context, &outcome);
    }
    outcome
}

/// `fetched 3 repositories into `mirrors` (1 new, 4 refs changed, 12.3 KiB received)`.
fn summary(outcome: &FetchOutcome) -> String {
    let s = &outcome.summary;
    let fetched = s.repositories - s.failed;
    let noun = if fetched == 1 {
        "repository"
    } else {
        "repositories"
    };
    let healed = if s.stale_locks_removed == 0 {
        String::new()
    } else {
        format!(
            ", {} left by an interrupted fetch removed",
            crate::diagnostic::plural(s.stale_locks_removed, "git lock file")
        )
    };
    let received = if s.received_bytes == 0 {
        String::new()
    } else {
        format!(", {} received", crate::progress::bytes(s.received_bytes))
    };
    format!(
        "fetched {fetched} {noun} into `{}` ({} new, {} refs changed{received}{healed})\n",
        outcome.mirrors, s.created, s.refs_changed
    )
}

/// The progress line of the fetch another operation runs (`lock`, `release`): as `fetch`
/// draws it, with the repositories named as the operation lists them.
pub(super) fn progress_line() -> impl Progress {
    Bar::new(&[])
}

/// What a fetch did (its own, or one another operation ran), as `fetch` says it: each failure
/// drawn as the run draws every diagnostic, then the summary (not with `-q`).
pub(super) fn report(context: &Context, outcome: &FetchOutcome) {
    for failure in &outcome.failures {
        err(&format!("{}\n", context.render_error(failure)));
    }
    if super::verbosity() != super::Verbosity::Quiet {
        err(&summary(outcome));
    }
}

/// The repositories being fetched, in the order they were listed: what the progress line
/// names.
#[derive(Default)]
struct InFlight(Mutex<Vec<(usize, String)>>);

impl InFlight {
    fn start(&self, index: usize, name: &str) -> String {
        let mut names = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let at = names.partition_point(|(i, _)| *i < index);
        names.insert(at, (index, name.to_owned()));
        Self::shown(&names)
    }

    fn finish(&self, index: usize) -> String {
        let mut names = self.0.lock().unwrap_or_else(|e| e.into_inner());
        names.retain(|(i, _)| *i != index);
        Self::shown(&names)
    }

    fn shown(names: &[(usize, String)]) -> String {
        names
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The progress line, as cargo draws its own: only on a terminal, never with `-q`; it ticks
/// every 100 ms, shows the time elapsed and the bytes received, and names every repository in
/// flight. With `-v`, a line per repository fetched, above it.
struct Bar {
    /// Drawn from [`Progress::begin`] on, on a terminal.
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
    in_flight: InFlight,
    received: std::sync::Arc<AtomicU64>,
    /// The URL of each repository, by its index in the fetch: what `-v` names.
    urls: Vec<String>,
    verbose: bool,
}

impl Bar {
    fn new(repositories: &[&Repository]) -> Self {
        Bar {
            bar: std::sync::OnceLock::new(),
            in_flight: InFlight::default(),
            received: std::sync::Arc::default(),
            urls: repositories
                .iter()
                .map(|r| crate::url::redact(&r.url))
                .collect(),
            verbose: super::verbosity() == super::Verbosity::Verbose,
        }
    }

    /// A status line, above the progress line when there is one.
    fn status(&self, text: &str) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| err(text)),
            None => err(text),
        }
    }

    fn draw(&self, total: usize) -> Option<indicatif::ProgressBar> {
        if super::verbosity() == super::Verbosity::Quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        // Coloured as the run's messages are (`--color`, FORCE_COLOR, NO_COLOR...).
        let prefix = if super::COLOR.load(Ordering::Relaxed) {
            "{prefix:>12.cyan.bold}"
        } else {
            "{prefix:>12}"
        };
        let received = self.received.clone();
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{prefix} [{{bar:27}}] {{pos}}/{{len}} {{elapsed:>3}}{{received}} {{spinner}}: {{wide_msg}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .with_key(
                "received",
                move |_: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                    let bytes = received.load(Ordering::Relaxed);
                    if bytes > 0 {
                        let _ = write!(out, " {}", crate::progress::bytes(bytes));
                    }
                },
            )
            .progress_chars("=> ")
            .tick_chars("-\\|/ "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Some(bar)
    }
}

impl Progress for Bar {
    fn begin(&self, what: &str, total: usize) {
        if let Some(bar) = self.draw(total) {
            bar.set_prefix(what.to_owned());
            let _ = self.bar.set(bar);
        }
    }

    fn started(&self, index: usize, name: &str) {
        let names = self.in_flight.start(index, name);
        if let Some(bar) = self.bar.get() {
            bar.set_message(names);
        }
    }

    fn received(&self, bytes: u64) {
        self.received.store(bytes, Ordering::Relaxed);
    }

    fn finished(&self, index: usize, name: &str, finished: Finished<'_>) {
        if let (true, Finished::Done(what)) = (self.verbose, finished) {
            match self.urls.get(index) {
                Some(url) => self.status(&format!("{:>12} {name} `{url}`: {what}\n", "Fetched")),
                None => self.status(&format!("{:>12} {name}: {what}\n", "Fetched")),
            }
        }
        let names = self.in_flight.finish(index);
        if let Some(bar) = self.bar.get() {
            bar.set_message(names);
            bar.inc(1);
        }
    }

    fn message(&self, text: &str) {
        self.status(&format!("{text}\n"));
    }

    fn end(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;

    #[test]
    fn the_progress_line_names_every_repository_in_flight_in_listed_order() {
        let in_flight = InFlight::default();
        assert_eq!(in_flight.start(2, "utils"), "utils");
        assert_eq!(in_flight.start(0, "base"), "base, utils");
        assert_eq!(in_flight.start(1, "app"), "base, app, utils");
        assert_eq!(in_flight.finish(0), "app, utils");
        assert_eq!(in_flight.finish(2), "app");
        assert_eq!(in_flight.finish(1), "");
    }
}
