//! `distrib fetch`: create or update the bare mirror of every repository a distribution needs.

use super::CommandResult;
use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::Mutex;

use super::workspace::MirrorArgs;
use super::{Context, Exit, boxed, err};
use crate::git::mirror;
use crate::resolve::{Mirrors, Plan};

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
#[command(after_help = "Examples:\n  distrib fetch\n  distrib fetch lsst_distrib --jobs 8")]
pub struct Args {
    /// Distributions to fetch for [default: all]
    distributions: Vec<String>,

    /// Repositories fetched at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    #[command(flatten)]
    mirrors: MirrorArgs,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let Some(workspace) = super::workspace::open(context, &args.mirrors)? else {
        return Ok(Exit::Failure);
    };
    let names: Vec<String> = if args.distributions.is_empty() {
        workspace
            .manifests
            .distributions
            .iter()
            .map(|d| d.value.name.value.clone())
            .collect()
    } else {
        args.distributions.clone()
    };
    let mut jobs: Vec<(String, String)> = Vec::new();
    for name in &names {
        // What each platform the distribution is built for needs, and nothing more.
        let distribution =
            crate::resolve::find_distribution(&workspace.manifests, name).map_err(boxed)?;
        for platform in crate::resolve::fetched_platforms(distribution) {
            let plan = Plan::new(&workspace.manifests, name, &platform).map_err(boxed)?;
            jobs.extend(
                plan.repositories()
                    .into_iter()
                    .map(|j| (j.product.to_owned(), j.url.to_owned())),
            );
        }
    }
    let (failures, total) = fetch_all(&workspace.mirrors(), &jobs, args.jobs);
    if failures.is_empty() {
        return Ok(Exit::Success);
    }
    err(&format!(
        "{} of {total} repositories failed\n",
        failures.len()
    ));
    Ok(Exit::Failure)
}

/// One repository that could not be fetched. URLs and messages have no credentials in them.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FetchFailure {
    pub product: String,
    /// The URL as the manifest writes it.
    pub url: String,
    /// The URL fetched from, after `rewrite:` (equal to `url` when nothing rewrote it).
    pub fetched: String,
    pub reason: String,
    pub help: String,
    /// The origin could not be read (rather than the mirror written): the mirrors as they are
    /// can still be used on purpose.
    pub unreachable: bool,
}

/// Prints each failure with its help.
fn report(failures: &[FetchFailure]) {
    for failure in failures {
        let from = if failure.fetched == failure.url {
            String::new()
        } else {
            format!(" from `{}`", failure.fetched)
        };
        err(&format!(
            "error: cannot fetch `{}`{from} (product `{}`): {}\n  help: {}\n",
            failure.url, failure.product, failure.reason, failure.help
        ));
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
/// every 100 ms, shows the time elapsed and names every repository in flight.
fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if super::verbosity() == super::Verbosity::Quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    // Coloured as the run's messages are (`--color`, FORCE_COLOR, NO_COLOR...).
    let prefix = if super::COLOR.load(std::sync::atomic::Ordering::Relaxed) {
        "{prefix:>12.cyan.bold}"
    } else {
        "{prefix:>12}"
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{prefix} [{{bar:27}}] {{pos}}/{{len}} {{elapsed:>3}} {{spinner}}: {{wide_msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ")
        .tick_chars("-\\|/ "),
    );
    bar.set_prefix("Fetching");
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(bar)
}

/// Fetches `(product, url)` pairs in parallel, once per mirror, in the order given (as far
/// as `threads` allow). Every other repository is still fetched when one fails. Prints the
/// failures, then the summary; returns the failures and the number of mirrors.
pub(crate) fn fetch_all(
    mirrors: &Mirrors,
    jobs: &[(String, String)],
    threads: Option<usize>,
) -> (Vec<FetchFailure>, usize) {
    // One fetch per mirror: products that share a repository share its mirror.
    let mut seen = std::collections::HashSet::new();
    let jobs: Vec<&(String, String)> = jobs
        .iter()
        .filter(|(_, url)| seen.insert(mirrors.path(url)))
        .collect();
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, jobs.len().max(1));
    let progress = progress_bar(jobs.len());
    let verbose = super::verbosity() == super::Verbosity::Verbose;
    // A status line, above the progress line when there is one.
    let status = |text: String| match &progress {
        Some(bar) => bar.suspend(|| err(&text)),
        None => err(&text),
    };
    let queue = Mutex::new(jobs.iter().copied().enumerate().collect::<VecDeque<_>>());
    let in_flight = InFlight::default();
    let failures = Mutex::new(Vec::new());
    let (created, changed, stale) = (Mutex::new(0usize), Mutex::new(0usize), Mutex::new(0usize));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some((index, (product, url))) =
                    queue.lock().map(|mut q| q.pop_front()).ok().flatten()
                {
                    let shown = crate::url::redact(url);
                    let names = in_flight.start(index, product);
                    if let Some(bar) = &progress {
                        bar.set_message(names);
                    }
                    let source = mirrors.fetch_url(url);
                    match mirror::fetch(&source, &mirrors.path(url)) {
                        Ok(report) => {
                            *created.lock().unwrap_or_else(|e| e.into_inner()) +=
                                usize::from(report.created);
                            *changed.lock().unwrap_or_else(|e| e.into_inner()) += report.changed;
                            *stale.lock().unwrap_or_else(|e| e.into_inner()) += report.stale_locks;
                            if verbose {
                                let what = if report.created {
                                    "new mirror".to_owned()
                                } else if report.changed == 0 {
                                    "up to date".to_owned()
                                } else if report.changed == 1 {
                                    "1 ref changed".to_owned()
                                } else {
                                    format!("{} refs changed", report.changed)
                                };
                                status(format!("{:>12} {product} `{shown}`: {what}\n", "Fetched"));
                            }
                        }
                        Err(error) => {
                            let clean = |text: &str| {
                                crate::url::redact_text(&redact_all(
                                    &redact_all(text, url),
                                    &source,
                                ))
                            };
                            let failure = FetchFailure {
                                product: product.clone(),
                                url: shown,
                                fetched: crate::url::redact(&source),
                                reason: clean(&reason(&error)),
                                help: clean(&error.help()),
                                unreachable: matches!(
                                    error,
                                    mirror::MirrorError::Fetch { .. }
                                        | mirror::MirrorError::Credentials { .. }
                                ),
                            };
                            failures
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(failure);
                        }
                    }
                    let names = in_flight.finish(index);
                    if let Some(bar) = &progress {
                        bar.set_message(names);
                        bar.inc(1);
                    }
                }
            });
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    // Errors first, the summary last.
    report(&failures);
    let created = created.into_inner().unwrap_or_else(|e| e.into_inner());
    let changed = changed.into_inner().unwrap_or_else(|e| e.into_inner());
    let fetched = jobs.len() - failures.len();
    let noun = if fetched == 1 {
        "repository"
    } else {
        "repositories"
    };
    let stale = stale.into_inner().unwrap_or_else(|e| e.into_inner());
    let healed = if stale == 0 {
        String::new()
    } else {
        format!(
            ", {} left by an interrupted fetch removed",
            crate::diagnostic::plural(stale, "git lock file")
        )
    };
    if super::verbosity() != super::Verbosity::Quiet {
        err(&format!(
            "fetched {fetched} {noun} into `{}` ({created} new, {changed} refs changed{healed})\n",
            mirrors.dir.display()
        ));
    }
    (failures, jobs.len())
}

/// What went wrong, with every cause: "handshake failed" alone helps nobody.
fn reason(error: &mirror::MirrorError) -> String {
    let mut parts = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = match error {
        mirror::MirrorError::Fetch { source, .. } => Some(source.as_ref()),
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
