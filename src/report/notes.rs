//! The release note between two locks (DMTN-106 §3.2, O2 §6): per changed product the commits
//! between its two locked commits, the issue keys found in their messages grouped by issue, the
//! narrative a person wrote, install instructions, and the technical table. A range of commits
//! that cannot be walked (history rewritten, a newer lock older than the other) is reported.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Serialize;

use super::diff::{self, Status};
use crate::escape::{self, html as escape_html, markdown};
use crate::git::mirror::{LoggedCommit, RangeProblem};
use crate::lock::Lockfile;
use crate::resolve::source_key;

/// One repository whose locked commit differs between the two locks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub product: String,
    pub url: String,
    pub path: Option<String>,
    pub from: String,
    pub to: String,
}

/// What reading a range from a mirror gave.
#[derive(Debug)]
pub enum RangeLog {
    Walked {
        /// Newest first.
        commits: Vec<LoggedCommit>,
        problem: Option<RangeProblem>,
    },
    /// No mirror, or a commit missing from it: why.
    Unavailable(String),
}

/// What a person adds to the computed note.
#[derive(Debug, Default)]
pub struct Text {
    /// `notes/<distribution>/<release>.md`, when present.
    pub narrative: Option<String>,
    /// The distribution's `install` template, filled in.
    pub install: Option<String>,
    /// The distribution's `naming.build` template.
    pub build: Option<String>,
    /// The validation records of the release (`distrib record`) of its lock's content.
    pub records: Vec<crate::records::Record>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Notes {
    pub distribution: String,
    pub from: String,
    pub to: String,
    pub from_build: u64,
    pub to_build: u64,
    /// The builds' names, by `naming.build`.
    pub from_build_name: String,
    pub to_build_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    /// The release's validation records, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<crate::records::Record>,
    /// Issue keys, sorted, with the commits that name them.
    pub issues: Vec<Issue>,
    /// Products whose commits changed, added or removed, by name.
    pub products: Vec<ProductNote>,
    /// Every product of either lock, by name.
    pub technical: Vec<TechnicalRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Issue {
    pub key: String,
    pub commits: Vec<IssueCommit>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IssueCommit {
    pub product: String,
    pub id: String,
    pub summary: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProductNote {
    pub name: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_version: Option<String>,
    pub repositories: Vec<RepositoryNote>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RepositoryNote {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub from: String,
    pub to: String,
    pub commits: Vec<NoteCommit>,
    /// Why the commits listed are not simply what came after: said, never hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NoteCommit {
    pub id: String,
    pub summary: String,
    pub issues: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TechnicalRow {
    pub product: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_version: Option<String>,
    /// Each repository's commit in the newer lock (the older one's for a removed product).
    pub commits: Vec<String>,
    pub identity: String,
}

/// The repositories whose commit changed between the locks, matched by normalized URL and
/// path; and the repositories of a product of both locks that only the newer one has, which
/// have no range to read (`Err`, with why).
pub fn ranges(from: &Lockfile, to: &Lockfile) -> Vec<Result<Range, (Range, String)>> {
    let mut ranges = Vec::new();
    for product in &to.products {
        let Some(before) = from.products.iter().find(|p| p.name == product.name) else {
            continue;
        };
        for repository in &product.repositories {
            let key = source_key(&repository.url, repository.path.as_deref());
            let old = before
                .repositories
                .iter()
                .find(|r| source_key(&r.url, r.path.as_deref()) == key);
            let range = |from: &str| Range {
                product: product.name.clone(),
                url: repository.url.clone(),
                path: repository.path.clone(),
                from: from.to_owned(),
                to: repository.commit.clone(),
            };
            match old {
                Some(old) if old.commit == repository.commit => {}
                Some(old) => ranges.push(Ok(range(&old.commit))),
                None => ranges.push(Err((
                    range(""),
                    format!(
                        "{} is a new repository of {} in {}: it has no earlier commit to start from",
                        repository.url, product.name, to.release
                    ),
                ))),
            }
        }
    }
    ranges
}

/// `fst: pass (2026-11-20, by FST, https://...): note`: one record as a line of text.
pub fn record_line(record: &crate::records::Record) -> String {
    let mut detail = vec![record.date.clone()];
    detail.extend(record.by.iter().map(|b| format!("by {b}")));
    detail.extend(record.url.iter().cloned());
    let mut text = format!(
        "{}: {} ({})",
        record.check,
        record.result.as_str(),
        detail.join(", ")
    );
    if let Some(note) = &record.note {
        text.push_str(": ");
        text.push_str(note);
    }
    text
}

/// The note from `from` to `to`, given each range's log (from `ranges`).
pub fn notes(
    from: &Lockfile,
    to: &Lockfile,
    logs: Vec<(Range, RangeLog)>,
    issues: Option<&Regex>,
    text: Text,
) -> Notes {
    let diff = diff::diff(from, to);
    let mut by_issue: BTreeMap<String, Vec<IssueCommit>> = BTreeMap::new();
    let mut logs_of: BTreeMap<String, Vec<RepositoryNote>> = BTreeMap::new();
    for (range, log) in logs {
        let (commits, problem) = match log {
            RangeLog::Walked { commits, problem } => {
                (commits, problem.map(|p| describe(p, &range)))
            }
            RangeLog::Unavailable(why) => (Vec::new(), Some(why)),
        };
        let commits: Vec<NoteCommit> = commits
            .into_iter()
            .map(|c| {
                let keys = issues.map(|r| keys(r, &c.message)).unwrap_or_default();
                // A subject is one line of sane length, whatever was pushed upstream.
                let subject = c.message.lines().next().unwrap_or_default().trim();
                let summary = escape::shorten(subject, escape::SUBJECT_LIMIT).into_owned();
                for key in &keys {
                    by_issue.entry(key.clone()).or_default().push(IssueCommit {
                        product: range.product.clone(),
                        id: c.id.clone(),
                        summary: summary.clone(),
                    });
                }
                NoteCommit {
                    id: c.id,
                    summary,
                    issues: keys,
                }
            })
            .collect();
        logs_of
            .entry(range.product.clone())
            .or_default()
            .push(RepositoryNote {
                url: range.url,
                path: range.path,
                from: range.from,
                to: range.to,
                commits,
                problem,
            });
    }
    let products = diff
        .products
        .iter()
        .filter(|p| p.commit_changed || matches!(p.status, Status::Added | Status::Removed))
        .map(|p| ProductNote {
            name: p.name.clone(),
            status: p.status,
            from_version: p.from.as_ref().and_then(|s| s.version.clone()),
            to_version: p.to.as_ref().and_then(|s| s.version.clone()),
            repositories: logs_of.remove(&p.name).unwrap_or_default(),
        })
        .collect();
    let technical = diff
        .products
        .iter()
        .map(|p| {
            let state = p.to.as_ref().or(p.from.as_ref());
            TechnicalRow {
                product: p.name.clone(),
                status: p.status,
                from_version: p.from.as_ref().and_then(|s| s.version.clone()),
                to_version: p.to.as_ref().and_then(|s| s.version.clone()),
                commits: state.map(|s| s.commits.clone()).unwrap_or_default(),
                identity: state.map(|s| s.identity.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Notes {
        distribution: to.distribution.clone(),
        from: from.release.clone(),
        to: to.release.clone(),
        from_build: from.build,
        to_build: to.build,
        from_build_name: crate::naming::build_name(
            text.build.as_deref(),
            from.build,
            from.release_version.as_deref(),
        ),
        to_build_name: crate::naming::build_name(
            text.build.as_deref(),
            to.build,
            to.release_version.as_deref(),
        ),
        narrative: text.narrative,
        install: text.install,
        records: text.records,
        issues: by_issue
            .into_iter()
            .map(|(key, commits)| Issue { key, commits })
            .collect(),
        products,
        technical,
    }
}

/// The issue keys of a commit message, in order of appearance, once each, each of sane length
/// (a pushed message may be megabytes long: linear in it).
fn keys(pattern: &Regex, message: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut found: Vec<String> = Vec::new();
    for key in pattern.find_iter(message) {
        let key = escape::shorten(key.as_str(), escape::SUBJECT_LIMIT);
        if seen.insert(key.clone()) {
            found.push(key.into_owned());
        }
    }
    found
}

fn describe(problem: RangeProblem, range: &Range) -> String {
    let (from, to) = (short(&range.from), short(&range.to));
    match problem {
        RangeProblem::Backwards => format!(
            "{to} is older than {from}: the newer release went back in history, and the commits listed are none"
        ),
        RangeProblem::Diverged => format!(
            "{from} is not an ancestor of {to}: history was rewritten (a force push or a rebase); listed are the commits of {to} that {from} does not have"
        ),
    }
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

impl Notes {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, text: &str| {
            out.push_str(text);
            out.push('\n');
        };
        let m = markdown;
        line(
            &mut out,
            &format!("# {} {}", m(&self.distribution), m(&self.to)),
        );
        line(&mut out, "");
        line(
            &mut out,
            &format!(
                "Changes since {} (build {} → {}).",
                m(&self.from),
                m(&self.from_build_name),
                m(&self.to_build_name)
            ),
        );
        if let Some(narrative) = &self.narrative {
            line(&mut out, "");
            // Markdown as its authors wrote it, but no control character.
            line(&mut out, &escape::terminal(narrative.trim_end()));
        }
        if let Some(install) = &self.install {
            line(&mut out, "");
            line(&mut out, "## Install");
            line(&mut out, "");
            line(&mut out, &escape::terminal(install.trim_end()));
        }
        if !self.records.is_empty() {
            line(&mut out, "");
            line(&mut out, "## Validation");
            line(&mut out, "");
            for record in &self.records {
                line(&mut out, &format!("- {}", m(&record_line(record))));
            }
        }
        line(&mut out, "");
        line(&mut out, "## Issues");
        line(&mut out, "");
        if self.issues.is_empty() {
            line(&mut out, "No commit names an issue.");
        }
        for issue in &self.issues {
            line(&mut out, &format!("- **{}**", m(&issue.key)));
            for commit in &issue.commits {
                line(
                    &mut out,
                    &format!(
                        "  - {}: {} (`{}`)",
                        m(&commit.product),
                        m(&commit.summary),
                        &commit.id[..7.min(commit.id.len())]
                    ),
                );
            }
        }
        line(&mut out, "");
        line(&mut out, "## Changes");
        if self.products.is_empty() {
            line(&mut out, "");
            line(&mut out, "No product changed.");
        }
        for product in &self.products {
            line(&mut out, "");
            line(
                &mut out,
                &format!(
                    "### {} {}",
                    m(&product.name),
                    m(&versions(&product.from_version, &product.to_version))
                ),
            );
            line(&mut out, "");
            match product.status {
                Status::Added => line(&mut out, "New in this release."),
                Status::Removed => line(&mut out, "Removed from this release."),
                _ => {}
            }
            for repository in &product.repositories {
                if product.repositories.len() > 1 {
                    line(&mut out, &format!("{}:", m(&repository.url)));
                    line(&mut out, "");
                }
                if let Some(problem) = &repository.problem {
                    line(&mut out, &format!("> **Warning:** {}", m(problem)));
                    line(&mut out, "");
                }
                for commit in &repository.commits {
                    line(
                        &mut out,
                        &format!(
                            "- `{}` {}",
                            &commit.id[..7.min(commit.id.len())],
                            m(&commit.summary)
                        ),
                    );
                }
            }
        }
        line(&mut out, "");
        line(&mut out, "## Technical information");
        line(&mut out, "");
        line(
            &mut out,
            "| product | status | version | commit | identity |",
        );
        line(&mut out, "| --- | --- | --- | --- | --- |");
        for row in &self.technical {
            let commits: Vec<&str> = row.commits.iter().map(|c| short(c)).collect();
            let identity = row
                .identity
                .strip_prefix("sha256:")
                .unwrap_or(&row.identity);
            line(
                &mut out,
                &format!(
                    "| {} | {} | {} | {} | `{}` |",
                    m(&row.product),
                    row.status.as_str(),
                    m(&versions(&row.from_version, &row.to_version)),
                    m(&commits.join(", ")),
                    identity.get(..12).unwrap_or(identity)
                ),
            );
        }
        out
    }

    /// A self-contained HTML page of the note.
    pub fn html(&self) -> String {
        let e = escape_html;
        let mut out = String::new();
        out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!(
            "<title>{} {}: release note</title>\n",
            e(&self.distribution),
            e(&self.to)
        ));
        out.push_str("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1a1a1a}code{font-size:.9em}.warning{border-left:4px solid #8a4b00;padding-left:.5rem}.table{overflow-x:auto}table{border-collapse:collapse}th,td{border:1px solid #888;padding:.25rem .5rem;text-align:left}</style>\n");
        out.push_str("</head>\n<body>\n<main>\n");
        out.push_str(&format!(
            "<h1>{} {}</h1>\n",
            e(&self.distribution),
            e(&self.to)
        ));
        out.push_str(&self.html_fragment(2));
        out.push_str("<h2>Technical information</h2>\n<div class=\"table\"><table>\n<thead><tr><th scope=\"col\">product</th><th scope=\"col\">status</th><th scope=\"col\">version</th><th scope=\"col\">commit</th><th scope=\"col\">identity</th></tr></thead>\n<tbody>\n");
        for row in &self.technical {
            let commits: Vec<&str> = row.commits.iter().map(|c| short(c)).collect();
            let identity = row
                .identity
                .strip_prefix("sha256:")
                .unwrap_or(&row.identity);
            out.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
                e(&row.product),
                row.status.as_str(),
                e(&versions(&row.from_version, &row.to_version)),
                e(&commits.join(", ")),
                e(identity.get(..12).unwrap_or(identity))
            ));
        }
        out.push_str("</tbody>\n</table></div>\n</main>\n</body>\n</html>\n");
        out
    }

    /// The note as HTML to place in a page, its headings at `level` (2: `<h2>`).
    pub fn html_fragment(&self, level: u8) -> String {
        let e = escape_html;
        let (h, sub) = (level, level + 1);
        let mut out = format!(
            "<p>Changes since {} (build {} → {}).</p>\n",
            e(&self.from),
            e(&self.from_build_name),
            e(&self.to_build_name)
        );
        // Text people wrote, in Markdown: rendered, raw HTML shown as text.
        if let Some(narrative) = &self.narrative {
            out.push_str(&format!(
                "<div class=\"narrative\">\n{}</div>\n",
                crate::escape::markdown_html(narrative, sub)
            ));
        }
        if let Some(install) = &self.install {
            out.push_str(&format!(
                "<h{h}>Install</h{h}>\n{}",
                crate::escape::markdown_html(install, sub)
            ));
        }
        if !self.records.is_empty() {
            out.push_str(&format!("<h{h}>Validation</h{h}>\n<ul>\n"));
            for record in &self.records {
                out.push_str(&format!("<li>{}</li>\n", e(&record_line(record))));
            }
            out.push_str("</ul>\n");
        }
        out.push_str(&format!("<h{h}>Issues</h{h}>\n"));
        if self.issues.is_empty() {
            out.push_str("<p>No commit names an issue.</p>\n");
        } else {
            out.push_str("<ul>\n");
            for issue in &self.issues {
                out.push_str(&format!("<li><strong>{}</strong><ul>\n", e(&issue.key)));
                for commit in &issue.commits {
                    out.push_str(&format!(
                        "<li>{}: {} (<code>{}</code>)</li>\n",
                        e(&commit.product),
                        e(&commit.summary),
                        e(&commit.id[..7.min(commit.id.len())])
                    ));
                }
                out.push_str("</ul></li>\n");
            }
            out.push_str("</ul>\n");
        }
        out.push_str(&format!("<h{h}>Commits</h{h}>\n"));
        if self.products.is_empty() {
            out.push_str("<p>No product changed.</p>\n");
        }
        for product in &self.products {
            out.push_str(&format!(
                "<h{sub}>{} {}</h{sub}>\n",
                e(&product.name),
                e(&versions(&product.from_version, &product.to_version))
            ));
            match product.status {
                Status::Added => out.push_str("<p>New in this release.</p>\n"),
                Status::Removed => out.push_str("<p>Removed from this release.</p>\n"),
                _ => {}
            }
            for repository in &product.repositories {
                if let Some(problem) = &repository.problem {
                    out.push_str(&format!(
                        "<p class=\"warning\"><strong>Warning:</strong> {}</p>\n",
                        e(problem)
                    ));
                }
                if repository.commits.is_empty() {
                    continue;
                }
                out.push_str("<ul>\n");
                for commit in &repository.commits {
                    out.push_str(&format!(
                        "<li><code>{}</code> {}</li>\n",
                        e(&commit.id[..7.min(commit.id.len())]),
                        e(&commit.summary)
                    ));
                }
                out.push_str("</ul>\n");
            }
        }
        out
    }
}

fn versions(from: &Option<String>, to: &Option<String>) -> String {
    match (from.as_deref(), to.as_deref()) {
        (Some(a), Some(b)) if a == b => a.to_owned(),
        (Some(a), Some(b)) => format!("{a} → {b}"),
        (None, Some(b)) => b.to_owned(),
        (Some(a), None) => a.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

/// The note from `from` to `to` in the manifest repository at `root`: the commits read from
/// `mirrors`, the distribution's issue pattern and install instructions, the narrative of
/// `notes/<distribution>/<release>.md` and the release's records. Also gives how many
/// repositories' commits could not be read (the note says why for each).
pub fn assemble(
    root: &std::path::Path,
    manifests: &crate::manifest::Manifests,
    mirrors: &crate::resolve::Mirrors,
    from: &Lockfile,
    to: &Lockfile,
) -> Result<(Notes, usize), crate::fsutil::IoError> {
    let distribution = manifests
        .distributions
        .iter()
        .map(|d| &d.value)
        .find(|d| d.name.value == to.distribution);
    // `check` has validated the pattern.
    let issues = distribution
        .and_then(|d| d.issues.as_ref())
        .and_then(|p| Regex::new(p).ok());
    let narrative_path = root
        .join("notes")
        .join(&to.distribution)
        .join(format!("{}.md", to.release));
    let narrative = match std::fs::read_to_string(&narrative_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(crate::fsutil::IoError::new(&narrative_path, e)),
    };
    let install = distribution.and_then(|d| d.install.as_ref()).map(|text| {
        crate::naming::fill(text, |key| match key {
            "release" => Some(to.release.clone()),
            "distribution" => Some(to.distribution.clone()),
            "build" => Some(to.build.to_string()),
            "platform" => Some(to.platform.clone()),
            _ => to.variables.get(key).cloned(),
        })
    });
    let (walkable, missing): (Vec<_>, Vec<_>) =
        ranges(from, to).into_iter().partition(Result::is_ok);
    let mut logs = read_logs(mirrors, walkable.into_iter().flatten().collect());
    let unavailable = logs
        .iter()
        .filter(|(_, log)| matches!(log, RangeLog::Unavailable(_)))
        .count();
    // A repository new to a product has no range: the note says so.
    logs.extend(
        missing
            .into_iter()
            .filter_map(Result::err)
            .map(|(range, why)| (range, RangeLog::Unavailable(why))),
    );
    let build = distribution
        .and_then(|d| d.naming.build.as_ref())
        .map(|t| t.value.clone());
    let digest = crate::records::lock_digest(to);
    let records = crate::records::read(root, &to.distribution, &to.release)
        .ok()
        .flatten()
        .map(|r| r.records.into_iter().filter(|r| r.lock == digest).collect())
        .unwrap_or_default();
    let text = Text {
        narrative,
        install,
        build,
        records,
    };
    Ok((notes(from, to, logs, issues.as_ref(), text), unavailable))
}

/// Each range's commits, read from its mirror; the repositories are read in parallel.
fn read_logs(mirrors: &crate::resolve::Mirrors, ranges: Vec<Range>) -> Vec<(Range, RangeLog)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = ranges.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = ranges
            .chunks(chunk)
            .map(|part| {
                let worker = scope.spawn(move || {
                    part.iter()
                        .map(|r| read_log(mirrors, r))
                        .collect::<Vec<_>>()
                });
                (part, worker)
            })
            .collect();
        let mut logs = Vec::with_capacity(ranges.len());
        for (part, worker) in workers {
            let read = worker.join().unwrap_or_else(|_| {
                let failed = || RangeLog::Unavailable("reading the mirror failed".into());
                part.iter().map(|_| failed()).collect()
            });
            logs.extend(part.iter().cloned().zip(read));
        }
        logs
    })
}

fn read_log(mirrors: &crate::resolve::Mirrors, range: &Range) -> RangeLog {
    let path = mirrors.path(&range.url);
    let mirror = match crate::git::mirror::Mirror::open(&path) {
        Ok(mirror) => mirror,
        Err(error) => {
            return RangeLog::Unavailable(format!("no usable mirror of {}: {error}", range.url));
        }
    };
    match mirror.log(&range.from, &range.to, range.path.as_deref()) {
        Ok(log) => RangeLog::Walked {
            commits: log.commits,
            problem: log.problem,
        },
        Err(error) => RangeLog::Unavailable(format!(
            "cannot read {}..{} of {}: {error}; the mirror may be older than the locks (run `distrib fetch`), or the history was rewritten",
            &range.from[..10.min(range.from.len())],
            &range.to[..10.min(range.to.len())],
            range.url
        )),
    }
}

/// Some repositories' commits could not be read: the note says why for each.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the commits of {} could not be read; the note says why", crate::diagnostic::plural(*.0, "repository"))]
#[diagnostic(
    code("notes-commits-unavailable"),
    severity(Warning),
    help("`distrib fetch` updates the mirrors")
)]
pub struct Unavailable(pub usize);

/// What `distrib notes --format json` prints: `distrib-notes/1`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Document {
    /// `distrib-notes/1`.
    pub format: &'static str,
    /// The older release.
    pub before: crate::json::Release,
    /// The newer release, whose note this is.
    pub after: crate::json::Release,
    /// The two builds' names, as the distribution's `naming.build` gives them.
    pub builds: Sides<String>,
    pub narrative: Option<String>,
    pub install: Option<String>,
    /// The newer release's validation records, oldest first.
    pub records: Vec<crate::records::Record>,
    /// Issue keys, sorted, with the commits that name them.
    pub issues: Vec<DocumentIssue>,
    /// Products whose commits changed, added or removed, by name.
    pub products: Vec<DocumentProduct>,
    /// Every product of either lock, by name.
    pub technical: Vec<DocumentRow>,
    /// Repositories whose commits could not be read.
    pub diagnostics: Vec<crate::json::Diagnostic>,
}

/// A value on each side of the comparison.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Sides<T> {
    pub before: T,
    pub after: T,
}

/// A product's version on one side; the side is `null` where the product is not.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Version {
    pub version: Option<String>,
}

/// A repository's commit on one side.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Commit {
    pub commit: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentIssue {
    pub key: String,
    pub commits: Vec<DocumentIssueCommit>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentIssueCommit {
    pub product: String,
    pub commit: String,
    /// The commit's subject line.
    pub summary: String,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentProduct {
    pub product: String,
    pub change: crate::json::Change,
    pub before: Option<Version>,
    pub after: Option<Version>,
    pub repositories: Vec<DocumentRepository>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentRepository {
    pub repository: String,
    pub path: Option<String>,
    pub before: Commit,
    pub after: Commit,
    /// Newest first.
    pub commits: Vec<DocumentCommit>,
    /// Why the commits listed are not simply what came after.
    pub problem: Option<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentCommit {
    pub commit: String,
    /// The commit's subject line.
    pub summary: String,
    pub issues: Vec<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentRow {
    pub product: String,
    pub change: crate::json::Change,
    pub before: Option<Version>,
    pub after: Option<Version>,
    /// Each repository's commit in the newer lock (the older one's for a removed product).
    pub commits: Vec<String>,
    pub identity: String,
}

/// How a product compares, in the words every document uses.
fn change(status: Status) -> crate::json::Change {
    match status {
        Status::Added => crate::json::Change::Added,
        Status::Removed => crate::json::Change::Removed,
        Status::Rebuild => crate::json::Change::Changed,
        Status::Reuse => crate::json::Change::Unchanged,
    }
}

/// The sides a product is on, with its version there.
fn sides(
    status: Status,
    before: &Option<String>,
    after: &Option<String>,
) -> (Option<Version>, Option<Version>) {
    (
        (status != Status::Added).then(|| Version {
            version: before.clone(),
        }),
        (status != Status::Removed).then(|| Version {
            version: after.clone(),
        }),
    )
}

impl Notes {
    /// The JSON document of this note; `before` and `after` are the two releases, and
    /// `unavailable` the repositories whose commits could not be read.
    pub fn document(
        &self,
        before: crate::json::Release,
        after: crate::json::Release,
        unavailable: usize,
    ) -> Document {
        Document {
            format: "distrib-notes/1",
            before,
            after,
            builds: Sides {
                before: self.from_build_name.clone(),
                after: self.to_build_name.clone(),
            },
            narrative: self.narrative.clone(),
            install: self.install.clone(),
            records: self.records.clone(),
            issues: self
                .issues
                .iter()
                .map(|i| DocumentIssue {
                    key: i.key.clone(),
                    commits: i
                        .commits
                        .iter()
                        .map(|c| DocumentIssueCommit {
                            product: c.product.clone(),
                            commit: c.id.clone(),
                            summary: c.summary.clone(),
                        })
                        .collect(),
                })
                .collect(),
            products: self
                .products
                .iter()
                .map(|p| {
                    let (before, after) = sides(p.status, &p.from_version, &p.to_version);
                    DocumentProduct {
                        product: p.name.clone(),
                        change: change(p.status),
                        before,
                        after,
                        repositories: p
                            .repositories
                            .iter()
                            .map(|r| DocumentRepository {
                                repository: r.url.clone(),
                                path: r.path.clone(),
                                before: Commit {
                                    commit: r.from.clone(),
                                },
                                after: Commit {
                                    commit: r.to.clone(),
                                },
                                commits: r
                                    .commits
                                    .iter()
                                    .map(|c| DocumentCommit {
                                        commit: c.id.clone(),
                                        summary: c.summary.clone(),
                                        issues: c.issues.clone(),
                                    })
                                    .collect(),
                                problem: r.problem.clone(),
                            })
                            .collect(),
                    }
                })
                .collect(),
            technical: self
                .technical
                .iter()
                .map(|t| {
                    let (before, after) = sides(t.status, &t.from_version, &t.to_version);
                    DocumentRow {
                        product: t.product.clone(),
                        change: change(t.status),
                        before,
                        after,
                        commits: t.commits.clone(),
                        identity: t.identity.clone(),
                    }
                })
                .collect(),
            diagnostics: if unavailable > 0 {
                crate::diagnostic::operation::warning_entries(&Unavailable(unavailable))
            } else {
                Vec::new()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{lock, spec};

    #[test]
    fn ranges_match_repositories_however_their_url_is_written() {
        let old = lock("w.1", "3.12", &[spec("afw", Some('a'), &[])]);
        let mut new = lock("w.2", "3.12", &[spec("afw", Some('b'), &[])]);
        let afw = &mut new.products[0];
        afw.repositories[0].url = "git@example.org:afw.git".into();
        afw.repositories[0].commit = "d".repeat(40);
        let mut added = afw.repositories[0].clone();
        added.path = Some("python".into());
        afw.repositories.push(added);
        let ranges = ranges(&old, &new);
        assert_eq!(ranges.len(), 2, "{ranges:?}");
        let walked = ranges[0].as_ref().unwrap();
        assert_eq!(
            (walked.from.as_str(), walked.to.as_str()),
            (&*"c".repeat(40), &*"d".repeat(40))
        );
        let (_, why) = ranges[1].as_ref().unwrap_err();
        assert!(why.contains("new repository of afw in w.2"), "{why}");
        // The same commit is no range.
        assert!(super::ranges(&old, &old).is_empty());
    }

    #[test]
    fn keys_are_found_once_in_order() {
        let pattern = Regex::new(r"DM-\d+").unwrap();
        assert_eq!(
            keys(
                &pattern,
                "DM-12: fix\n\nAlso DM-3 and DM-12 again; not DM-x"
            ),
            vec!["DM-12", "DM-3"]
        );
        let digits = Regex::new(r"DM-\d+").unwrap();
        let huge = format!("DM-{}", "1".repeat(1_000));
        assert_eq!(
            keys(&digits, &huge)[0].chars().count(),
            escape::SUBJECT_LIMIT
        );
        let many: String = (0..50_000).map(|i| format!("DM-{i} DM-{i} ")).collect();
        assert_eq!(keys(&digits, &many).len(), 50_000);
    }

    #[test]
    fn markdown_and_html_escape_commit_text() {
        assert_eq!(versions(&Some("1".into()), &Some("2".into())), "1 → 2");
        assert_eq!(versions(&None, &None), "-");
    }
}
