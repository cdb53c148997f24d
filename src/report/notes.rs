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
