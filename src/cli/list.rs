//! `distrib list`: the releases locked so far, newest first, with where each is installed.

use super::CommandResult;
use super::{Context, Exit, boxed, err, out_json, out_text};
use crate::json::{Diagnostic, Release};
use crate::lock::history::History;
use crate::manifest::{self, Origin};
use crate::report::list::{FORMAT, Installed, List, Listed, ListedRecord, ListedSummary};
use clap::ValueEnum;

/// List the locked releases: kind, build, date, lineage, content, support per deployment
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  distrib list\n  distrib list O2PDPSuite --format json")]
pub struct Args {
    /// Only the releases of this distribution
    distribution: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A table on stdout
    Human,
    /// One JSON document on stdout
    Json,
}

pub fn run(context: &Context, args: Args) -> CommandResult {
    let opened = manifest::open(&context.start, None).map_err(boxed)?;
    let Origin::WorkTree(root) = &opened.origin else {
        return Ok(Exit::Failure);
    };
    let history = History::read(root).map_err(boxed)?;
    // A lock under another lock's path is not the release its path names: say so, whatever
    // the format (its release name may even point out of `locks/`).
    let mut diagnostics = Vec::new();
    for (path, lock) in &history.locks {
        let expected = crate::lock::path(root, &lock.distribution, &lock.release);
        if *path != expected {
            let shown = crate::json::relative(root, path);
            let misplaced = Misplaced {
                path: shown.clone(),
                distribution: lock.distribution.clone(),
                release: lock.release.clone(),
            };
            context.warn(&misplaced);
            diagnostics.extend(
                crate::diagnostic::operation::warning_entries(&misplaced)
                    .into_iter()
                    .map(|entry| Diagnostic {
                        file: Some(shown.clone()),
                        ..entry
                    }),
            );
        }
    }
    // A lock's file, known from the history without reading it again: only a lock at the path
    // its names give is the history's lock of that release.
    let in_place = |lock: &crate::lock::Lockfile| -> Option<String> {
        let expected = crate::lock::path(root, &lock.distribution, &lock.release);
        history
            .locks
            .iter()
            .any(|(path, held)| *path == expected && held == lock)
            .then(|| crate::json::relative(root, &expected))
    };
    // Newest first, by lineage: a final above its candidates, a patch above its base.
    let mut locks = crate::lock::history::lineage_order(history.all().filter(|lock| {
        args.distribution
            .as_ref()
            .is_none_or(|d| *d == lock.distribution)
    }));
    locks.reverse();
    // Where each release is installed, with which support, and whether it is the default.
    let installed = |distribution: &str,
                     release: &str|
     -> Vec<(String, crate::manifest::model::Support, bool)> {
        opened
            .manifests
            .deployments
            .iter()
            .map(|d| &d.value)
            .filter(|d| d.distribution.value == distribution)
            .flat_map(|d| {
                d.installed
                    .iter()
                    .filter(|i| i.release.value == release)
                    .map(|i| {
                        let default = d.default.as_ref().is_some_and(|r| r.value == release);
                        (d.name.value.clone(), i.support.value, default)
                    })
            })
            .collect()
    };
    // Each release's validation records, newest result per check (`distrib record`).
    let records_of = |lock: &crate::lock::Lockfile| -> Vec<crate::records::Record> {
        match crate::records::read(root, &lock.distribution, &lock.release) {
            Ok(Some(records)) => records.records,
            _ => Vec::new(),
        }
    };
    match args.format {
        Format::Json => {
            let releases = locks
                .iter()
                .map(|lock| Listed {
                    release: Release {
                        lock: in_place(lock),
                        ..Release::of(lock, None)
                    },
                    release_version: lock.release_version.clone(),
                    rc: lock.rc,
                    build_name: crate::naming::build_of(&opened.manifests, lock),
                    parent: lock.from.clone(),
                    same_content_as: lock.same_content_as.clone(),
                    content: lock.content.clone(),
                    summary: ListedSummary {
                        products: lock.products.len(),
                    },
                    installed: installed(&lock.distribution, &lock.release)
                        .into_iter()
                        .map(|(deployment, support, default)| Installed {
                            deployment,
                            support,
                            default,
                        })
                        .collect(),
                    records: records_of(lock)
                        .into_iter()
                        .map(|r| ListedRecord {
                            check: r.check,
                            result: r.result,
                            date: r.date,
                            by: r.by,
                            url: r.url,
                            note: r.note,
                            lock_digest: r.lock,
                        })
                        .collect(),
                })
                .collect();
            out_json(&crate::json::to_text(&List {
                format: FORMAT,
                releases,
                diagnostics,
            }));
        }
        Format::Human => {
            if locks.is_empty() {
                err("no release is locked yet: `distrib lock DIST --kind ...` makes one\n");
                return Ok(Exit::Success);
            }
            let mut rows = vec![
                ["release", "kind", "build", "date", "content", "installed"]
                    .map(String::from)
                    .to_vec(),
            ];
            for lock in &locks {
                let mut notes: Vec<String> = installed(&lock.distribution, &lock.release)
                    .into_iter()
                    .map(|(deployment, support, default)| {
                        format!(
                            "{deployment}: {}{}",
                            support.as_str(),
                            if default { " (default)" } else { "" }
                        )
                    })
                    .collect();
                if let Some(other) = &lock.same_content_as {
                    notes.push(format!("same content as {other}"));
                }
                if let Some(from) = &lock.from {
                    notes.push(format!("from {from}"));
                }
                notes.extend(summary(
                    &records_of(lock),
                    &crate::records::lock_digest(lock),
                ));
                let name = if args.distribution.is_some() {
                    lock.release.clone()
                } else {
                    format!("{}/{}", lock.distribution, lock.release)
                };
                let content = lock
                    .content
                    .strip_prefix("sha256:")
                    .unwrap_or(&lock.content);
                rows.push(vec![
                    name,
                    lock.kind.as_str().to_owned(),
                    crate::naming::build_of(&opened.manifests, lock),
                    lock.date.clone(),
                    content.get(..12).unwrap_or(content).to_owned(),
                    notes.join(", "),
                ]);
            }
            out_text(&table(&rows));
        }
    }
    Ok(Exit::Success)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{path}` holds release `{release}` of `{distribution}`, not the lock its path names")]
#[diagnostic(
    code("lock-misplaced"),
    help("move it to `locks/{distribution}/{release}.lock.yaml`, or restore the file from git")
)]
struct Misplaced {
    path: String,
    distribution: String,
    release: String,
}

/// `fst: pass`: the newest result of each check of this lock, in the order checks were first
/// recorded; an override says so.
fn summary(records: &[crate::records::Record], digest: &str) -> Vec<String> {
    let mut checks: Vec<&str> = Vec::new();
    for record in records.iter().filter(|r| r.lock == digest) {
        if !checks.contains(&record.check.as_str()) {
            checks.push(&record.check);
        }
    }
    checks
        .into_iter()
        .filter_map(|check| {
            let newest = records
                .iter()
                .rev()
                .find(|r| r.check == check && r.lock == digest)?;
            Some(format!("{check}: {}", newest.result.as_str()))
        })
        .collect()
}

/// Left-aligned columns, two spaces apart, without trailing spaces.
pub(super) fn table(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned()],
            vec!["ccc".to_owned(), String::new()],
        ];
        assert_eq!(super::table(&rows), "a    bb\nccc\n");
    }
}
