//! What both benchmarks need: settings from the environment, and the peak memory and CPU time
//! of a command measured by `/usr/bin/time`.

use std::path::Path;
use std::process::{Command, Stdio};

/// Measures peak resident memory; its `%M` is in KiB.
pub const TIME: &str = "/usr/bin/time";

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
