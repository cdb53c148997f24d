//! Helpers shared by the integration tests: run the real binary in a clean environment, and
//! build git repositories for real.
#![allow(dead_code)]

pub mod fixture;
pub mod http;
pub mod tls;

use std::path::Path;
use std::process::Command;

/// The outcome of one run, as a snapshot shows it.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn snapshot(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One `distrib` command line, written a flag at a time and run by whoever made it (a
/// fixture, which adds its mirrors): `f.lock("dist", "weekly").offline().run()` runs
/// `distrib lock dist --kind weekly --offline`. The words stay in the order they are given; a
/// clone is the same command line, to be given more words.
#[derive(Clone)]
pub struct CommandLine<'a> {
    runner: Runner<'a>,
    words: Vec<String>,
}

/// What runs a [`CommandLine`]'s words.
type Runner<'a> = std::rc::Rc<dyn Fn(&[&str]) -> Run + 'a>;

impl<'a> CommandLine<'a> {
    /// The command line `words`, to be run by `runner`.
    pub fn new(runner: impl Fn(&[&str]) -> Run + 'a, words: &[&str]) -> Self {
        Self {
            runner: std::rc::Rc::new(runner),
            words: words.iter().map(|w| (*w).to_owned()).collect(),
        }
    }

    /// These words, as they are.
    pub fn args(mut self, words: &[&str]) -> Self {
        self.words.extend(words.iter().map(|w| (*w).to_owned()));
        self
    }

    fn option(self, name: &str, value: &str) -> Self {
        self.args(&[name, value])
    }

    /// `--date DATE`.
    pub fn date(self, date: &str) -> Self {
        self.option("--date", date)
    }

    /// `--from RELEASE`.
    pub fn from(self, release: &str) -> Self {
        self.option("--from", release)
    }

    /// `--set PRODUCT=REF`.
    pub fn set(self, product_ref: &str) -> Self {
        self.option("--set", product_ref)
    }

    /// `--var NAME=VALUE`.
    pub fn var(self, name_value: &str) -> Self {
        self.option("--var", name_value)
    }

    /// `--platform PLATFORM`.
    pub fn platform(self, platform: &str) -> Self {
        self.option("--platform", platform)
    }

    /// `--base REV`.
    pub fn base(self, rev: &str) -> Self {
        self.option("--base", rev)
    }

    /// `--mirrors PATH`, where the words so far put it.
    pub fn mirrors(self, path: &Path) -> Self {
        self.option("--mirrors", path.to_str().unwrap())
    }

    /// `--offline`.
    pub fn offline(self) -> Self {
        self.args(&["--offline"])
    }

    /// `--dry-run`.
    pub fn dry_run(self) -> Self {
        self.args(&["--dry-run"])
    }

    /// `--format json`.
    pub fn json(self) -> Self {
        self.option("--format", "json")
    }

    /// Runs the command line.
    pub fn run(&self) -> Run {
        let words: Vec<&str> = self.words.iter().map(String::as_str).collect();
        (self.runner)(&words)
    }
}

/// The string `field` of each object of a JSON array, in order:
/// `field_of_each(&document["diagnostics"], "code")`.
pub fn field_of_each<'a>(array: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

/// The first object of a JSON array whose `field` is `value`; panics when there is none:
/// `item_where(&diff["products"], "product", "utils")`.
pub fn item_where<'a>(
    array: &'a serde_json::Value,
    field: &str,
    value: &str,
) -> &'a serde_json::Value {
    array
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[field] == value)
        .unwrap()
}

/// The command line `words`, run by [`distrib_wide`] from `dir`.
pub fn command_in<'a>(dir: &'a Path, words: &[&str]) -> CommandLine<'a> {
    CommandLine::new(move |args| distrib_wide(dir, args), words)
}

/// Runs `distrib` with `args` from `dir`, with nothing of the caller's environment.
pub fn distrib(dir: &Path, args: &[&str]) -> Run {
    run(
        clean(Command::new(env!("CARGO_BIN_EXE_distrib"))),
        dir,
        args,
    )
}

/// Like [`distrib`], on a terminal so wide that no message wraps: for tests that look for a
/// sentence rather than compare a snapshot.
pub fn distrib_wide(dir: &Path, args: &[&str]) -> Run {
    let mut command = clean(Command::new(env!("CARGO_BIN_EXE_distrib")));
    command.env("COLUMNS", "1000");
    run(command, dir, args)
}

/// Like [`distrib_wide`], with these environment variables set.
pub fn distrib_with(dir: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let mut command = clean(Command::new(env!("CARGO_BIN_EXE_distrib")));
    command.env("COLUMNS", "1000").envs(env.iter().copied());
    run(command, dir, args)
}

/// Starts `distrib` with `args` from `dir` as [`distrib`] runs it, without waiting for it: for
/// runs at the same time, waited for by [`all_succeed`].
pub fn start(dir: &Path, args: &[&str]) -> std::process::Child {
    clean(Command::new(env!("CARGO_BIN_EXE_distrib")))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the distrib binary starts")
}

/// Waits for every run [`start`] started, and asserts that each succeeded.
pub fn all_succeed(children: Vec<std::process::Child>) {
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn run(mut command: Command, dir: &Path, args: &[&str]) -> Run {
    let output = command
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the distrib binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A command with a clean, fixed environment: no user configuration can change a result.
pub fn clean(mut command: Command) -> Command {
    command
        .env_clear()
        .env("HOME", "/nonexistent")
        // The parse cache (and any default mirrors) under the build's own folder: never in a
        // home folder, and `/nonexistent` is not created by a run as root.
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/cache"),
        )
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    command
}

/// Runs git in `dir` with fixed identities and dates, panicking on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = clean(Command::new("git"))
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Release Manager")
        .env("GIT_AUTHOR_EMAIL", "rm@example.org")
        .env("GIT_COMMITTER_NAME", "Release Manager")
        .env("GIT_COMMITTER_EMAIL", "rm@example.org")
        .env("GIT_AUTHOR_DATE", "2026-11-02T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-02T12:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Runs `examples/demo.sh EXAMPLE` with this build of distrib, its work in `work`; panics when
/// it fails. Its stdout and stderr.
pub fn demo(example: &str, work: &Path) -> Run {
    let output = clean(Command::new("bash"))
        .arg(project().join("examples/demo.sh"))
        .arg(example)
        .env("DISTRIB_BIN", env!("CARGO_BIN_EXE_distrib"))
        .env("DISTRIB_DEMO_DIR", work)
        .output()
        .expect("bash runs");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// `count` numbers of 16 hex digits from the xorshift sequence that starts at `seed`: text
/// that no compression shrinks much, 16 bytes a number.
pub fn noise(seed: u64, count: usize) -> String {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            format!("{state:016x}")
        })
        .collect()
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The repository's own folder.
pub fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder of the real data kept beside the project in `../shared` (LSST's
/// `repos.yaml`, ALICE's recipes), or `None` when that folder is absent: the test that asked
/// then says it is skipped. With `DISTRIB_REQUIRE_SHARED=1` (CI sets it) an absent folder is a
/// failure instead, so a green run proves the real data was read.
pub fn shared(relative: &str) -> Option<std::path::PathBuf> {
    let path = project().join("../shared").join(relative);
    if path.exists() {
        return Some(path);
    }
    skipped(
        &format!(
            "`{}` is absent (the real data beside the project; see README, Tests)",
            path.display()
        ),
        Some("DISTRIB_REQUIRE_SHARED"),
    );
    None
}

/// Says on the terminal that the calling test is skipped, and why: `skipped: <why>`. Written to
/// the process's stderr itself, which the test harness does not capture (`eprintln!` would only
/// be shown for a failing test), so `cargo test` shows every skipped test among the `ok`s.
/// When the variable `require` is `1` (`.ci/run` sets every `DISTRIB_REQUIRE_...`, having
/// installed what they stand for) the test fails instead, so a green run in CI skipped nothing;
/// `None` for a skip that no variable turns into a failure.
pub fn skipped(why: &str, require: Option<&str>) {
    use std::io::Write;
    if let Some(require) = require {
        assert!(
            std::env::var_os(require).is_none_or(|v| v != "1"),
            "{why}, and {require}=1 requires it"
        );
    }
    let line = format!("skipped: {why}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
