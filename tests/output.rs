//! What distrib prints under hostile conditions: write errors on stdout, a closed pipe,
//! control characters and markup in values, credentials in snippets and in the parse cache,
//! and diagnostics on lines too long to draw.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::fixture::{Fixture, commit_file, ok, write};
use support::{Run, clean, git};

/// Runs distrib from `dir` with stdout sent to `stdout`.
fn distrib_into(dir: &Path, args: &[&str], stdout: impl Into<Stdio>) -> Run {
    let output = clean(Command::new(env!("CARGO_BIN_EXE_distrib")))
        .current_dir(dir)
        .args(args)
        .stdout(stdout)
        .output()
        .expect("the distrib binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Every command that prints data, as a locked fixture runs it.
fn printing_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["schema", "product"],
        vec!["man"],
        vec!["--help"],
        vec!["completions", "bash"],
        vec!["check", "--format", "json"],
        vec!["list"],
        vec!["graph", "w.2026.47"],
        vec!["plan", "w.2026.47", "--store", "store"],
        vec!["diff", "w.2026.47", "w.2026.47"],
        vec!["notes", "w.2026.47", "w.2026.47"],
        vec![
            "lock",
            "dist",
            "--kind",
            "weekly",
            "--date",
            "2026-11-19",
            "--offline",
            "--dry-run",
        ],
    ]
}

/// `args` with the fixture's mirrors for the commands that read them.
fn with_mirrors<'a>(f: &'a Fixture, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if ["check", "lock", "notes"].contains(&args[0]) {
        all.splice(1..1, ["--mirrors", f.mirrors.to_str().unwrap()]);
    }
    all
}

#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let Ok(_) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full on this system");
        return;
    };
    let f = Fixture::locked();
    std::fs::create_dir_all(f.root.join("store")).unwrap();
    for args in printing_commands() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let all = with_mirrors(&f, &args);
        let run = distrib_into(&f.root, &all, full);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn a_closed_pipe_on_stdout_stays_quiet() {
    let f = Fixture::locked();
    std::fs::create_dir_all(f.root.join("store")).unwrap();
    for args in printing_commands() {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader is gone before distrib writes anything: every write fails with EPIPE.
        drop(reader);
        let all = with_mirrors(&f, &args);
        let run = distrib_into(&f.root, &all, writer);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}");
    }
}
