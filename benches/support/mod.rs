//! What the benchmarks share: settings from the environment, wall times and their statistics,
//! and the peak memory and CPU time of a command measured by `/usr/bin/time`.

#![allow(dead_code)] // each benchmark uses a part

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Measures peak resident memory; its `%M` is in KiB.
pub const TIME: &str = "/usr/bin/time";

/// Flushes what the benchmark just wrote to disk (`sync`), so that the kernel's write-back of
/// thousands of new files does not compete with the timed runs.
pub fn settle() {
    let _ = Command::new("sync").status();
}

/// The distrib binary to measure: `DISTRIB_BENCH_BIN`, else the one this build made.
pub fn binary() -> String {
    std::env::var("DISTRIB_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_distrib").to_owned())
}

/// `DISTRIB_BENCH_DIR`: a new folder where the benchmark keeps what it generates (e.g. for
/// `perf record`), instead of a temporary one. Panics when it exists already.
pub fn kept_folder() -> Option<PathBuf> {
    let kept = PathBuf::from(std::env::var_os("DISTRIB_BENCH_DIR")?);
    assert!(
        !kept.exists(),
        "DISTRIB_BENCH_DIR `{}` exists already",
        kept.display()
    );
    Some(kept)
}

/// `distrib lock DISTRIBUTION --kind weekly --date DATE --offline --mirrors MIRRORS` in `root`.
pub fn lock(binary: &str, root: &Path, mirrors: &Path, distribution: &str, date: &str) -> Command {
    let mut command = isolated(Command::new(binary));
    command
        .arg("-C")
        .arg(root)
        .args([
            "lock",
            distribution,
            "--kind",
            "weekly",
            "--date",
            date,
            "--offline",
        ])
        .arg("--mirrors")
        .arg(mirrors);
    command
}

/// A number from the environment variable `name`, or `default`.
pub fn setting(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not `{value}`")),
        Err(_) => default,
    }
}

/// Peak RSS in MiB and CPU seconds (user + system) of `runs` runs of `command`, or `None` when
/// `/usr/bin/time` is missing. The command must succeed.
pub fn memory(command: &Command, runs: usize) -> Option<Vec<(f64, f64)>> {
    if !Path::new(TIME).is_file() {
        return None;
    }
    let report = tempfile::NamedTempFile::new().expect("a temporary file");
    let samples = (0..runs)
        .map(|_| {
            let mut timed = Command::new(TIME);
            timed
                .args(["-f", "%M %U %S", "-o"])
                .arg(report.path())
                .arg(command.get_program())
                .args(command.get_args())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (key, value) in command.get_envs() {
                match value {
                    Some(value) => timed.env(key, value),
                    None => timed.env_remove(key),
                };
            }
            if let Some(dir) = command.get_current_dir() {
                timed.current_dir(dir);
            }
            let status = timed.status().expect("/usr/bin/time runs");
            assert!(
                status.success(),
                "{command:?} failed under {TIME}: {status}"
            );
            let text = std::fs::read_to_string(report.path()).expect("the report of /usr/bin/time");
            let fields: Vec<f64> = text
                .lines()
                .last()
                .unwrap_or_default()
                .split_whitespace()
                .map(|f| {
                    f.parse()
                        .unwrap_or_else(|_| panic!("unexpected /usr/bin/time output `{text}`"))
                })
                .collect();
            assert_eq!(fields.len(), 3, "unexpected /usr/bin/time output `{text}`");
            (fields[0] / 1024.0, fields[1] + fields[2])
        })
        .collect();
    Some(samples)
}

/// Prints the peak and median memory and the median CPU time of `samples`; returns the peak.
pub fn report_memory(mut samples: Vec<(f64, f64)>, runs: usize) -> f64 {
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let peak = samples.iter().map(|s| s.0).fold(0.0, f64::max);
    let mut cpu: Vec<f64> = samples.iter().map(|s| s.1).collect();
    cpu.sort_by(f64::total_cmp);
    println!(
        "peak RSS ({runs} runs under {TIME}): max {peak:.1} MiB, median {:.1} MiB; CPU user+sys median {:.0} ms",
        samples[samples.len() / 2].0,
        cpu[cpu.len() / 2] * 1000.0
    );
    peak
}

/// Neither distrib nor git reads the user's or the system's git configuration.
pub fn isolated(mut command: Command) -> Command {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1");
    command
}

/// Wall time of one run, spawn to exit, output discarded.
pub fn time(mut command: Command) -> Duration {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the command runs");
    let wall = started.elapsed();
    assert!(status.success(), "{command:?} failed: {status}");
    wall
}

pub struct Stats {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub runs: usize,
}

pub fn stats(mut walls: Vec<Duration>) -> Stats {
    walls.sort();
    Stats {
        median: walls[walls.len() / 2],
        min: walls[0],
        max: walls[walls.len() - 1],
        runs: walls.len(),
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "median {:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
            ms(self.median),
            ms(self.min),
            ms(self.max),
            self.runs
        )
    }
}
