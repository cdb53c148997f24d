//! What `distrib check` says about the lockfiles of a manifest repository: each one intact
//! (the digest, the format version, every identity, the canonical text, its release fields),
//! at the path its content names, consistent with the other locks, and no two with one build
//! number unless they have the same content.

use std::collections::HashMap;

use super::{LockError, Lockfile, parse};
use crate::diagnostic::{Code, Diagnostic, FileId, SourceFile, Sources};

/// Diagnostics for the lockfiles `files` of `sources`.
/// `first_build`: `builds: first` of `distrib.yaml`, where build numbers may jump to.
pub fn audit(sources: &Sources, files: &[FileId], first_build: u64) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut by_build: HashMap<u64, (FileId, Lockfile)> = HashMap::new();
    let mut intact: Vec<(FileId, Lockfile)> = Vec::new();
    for &file in files {
        let source = sources.get(file);
        let lock = match parse(&source.text) {
            Ok(lock) => lock,
            Err(error) => {
                found.push(invalid(file, source, &error));
                continue;
            }
        };
        let expected = format!("locks/{}/{}.lock.yaml", lock.distribution, lock.release);
        if source.path != expected {
            found.push(
                Diagnostic::new(
                    Code::LockMisplaced,
                    file,
                    format!(
                        "this lock of `{}` release `{}` belongs at `{expected}`",
                        lock.distribution, lock.release
                    ),
                )
                .with_label(file, line_span(source, "release: "), "release named here")
                .with_help("move the file back, or write the lock again with `distrib lock`"),
            );
        }
        match by_build.get(&lock.build) {
            Some((other, first)) if first.content != lock.content => found.push(
                Diagnostic::new(
                    Code::LockBuildDuplicate,
                    file,
                    format!("build b{} is both `{}` and `{}`, with other content", lock.build, first.release, lock.release),
                )
                .with_label(file, line_span(source, "build: "), "this build number")
                .with_label(*other, line_span(sources.get(*other), "build: "), "also this lock's")
                .with_help("build numbers come from `distrib lock` (the highest plus one): remove the lock that was copied or made elsewhere, and lock again"),
            ),
            Some(_) => {}
            None => {
                by_build.insert(lock.build, (file, lock.clone()));
            }
        }
        intact.push((file, lock));
    }
    for (file, lock) in &intact {
        for finding in super::against_history(lock, intact.iter().map(|(_, l)| l), first_build) {
            let source = sources.get(*file);
            found.push(
                Diagnostic::new(Code::LockInvalid, *file, finding)
                    .with_label(*file, line_span(source, "build: "), "here")
                    .with_help("a lockfile is written by distrib only: restore it from git (`git checkout -- <file>`), or write it again with `distrib lock`"),
            );
        }
    }
    found
}

fn invalid(file: FileId, source: &SourceFile, error: &LockError) -> Diagnostic {
    let span = match error {
        LockError::Edited { .. } | LockError::NoDigest => last_line(source),
        LockError::Version(_) => line_span(source, "version: "),
        LockError::NotCanonical(_) | LockError::LineEndings => line_span(source, "version: ")
            .or_else(|| Some(0..source.text.find('\n').unwrap_or(source.text.len()))),
        _ => None,
    };
    let help = if *error == LockError::LineEndings {
        "restore it from git (`git checkout -- <file>`) with `*.lock.yaml -text` in `locks/.gitattributes`, which distrib writes, so that git keeps lockfiles byte for byte"
    } else {
        "a lockfile is written by distrib only: restore it from git (`git checkout -- <file>`), or write it again with `distrib lock`"
    };
    Diagnostic::new(Code::LockInvalid, file, error.to_string())
        .with_label(file, span, "here")
        .with_help(help)
}

/// The span of the first line starting with `prefix`.
fn line_span(source: &SourceFile, prefix: &str) -> Option<std::ops::Range<usize>> {
    let text = &source.text;
    let start = if text.starts_with(prefix) {
        0
    } else {
        text.find(&format!("\n{prefix}"))? + 1
    };
    let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    Some(start..end)
}

fn last_line(source: &SourceFile) -> Option<std::ops::Range<usize>> {
    let text = source.text.trim_end_matches('\n');
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    Some(start..text.len())
}
