//! `cargo bench --bench check`: wall time and peak memory of the real `distrib check` process on
//! a synthetic manifest repository (tests/cli/support/synthetic.rs). Sizes come from
//! `DISTRIB_BENCH_PRODUCTS` (5000), `DISTRIB_BENCH_DISTRIBUTIONS` (100), `DISTRIB_BENCH_RUNS` (11)
//! and `DISTRIB_BENCH_SEED` (1). `DISTRIB_BENCH_BIN` measures another `distrib` binary (to compare
//! two builds), `DISTRIB_BENCH_DIR` keeps the generated repository in that (new) folder for
//! profiling. Without `--bench` (`cargo test --benches`), one small run only checks that the
//! generated repository is valid. docs/benchmarks.md has the results.

mod support;
#[path = "../tests/cli/support/synthetic.rs"]
mod synthetic;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{TIME, memory, report_memory, setting, stats, time};

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (products, distributions, runs) = if benchmarking {
        (
            setting("DISTRIB_BENCH_PRODUCTS", 5000),
            setting("DISTRIB_BENCH_DISTRIBUTIONS", 100),
            setting("DISTRIB_BENCH_RUNS", 11),
        )
    } else {
        (200, 5, 1)
    };
    let seed = setting("DISTRIB_BENCH_SEED", 1) as u64;
    let binary = support::binary();
    let binary = binary.as_str();

    let temporary = tempfile::tempdir().expect("a temporary folder");
    let root = support::kept_folder().unwrap_or_else(|| temporary.path().to_path_buf());
    let started = Instant::now();
    synthetic::write_synthetic(&root, products, distributions, seed);
    let generated = started.elapsed();
    let (files, bytes) = size_of(&root);
    println!(
        "distrib check on {products} products, {distributions} distributions (seed {seed}): {files} files, {:.1} MiB, generated in {:.2} s",
        bytes as f64 / MIB,
        generated.as_secs_f64()
    );

    // The kernel writes the new files back to disk soon after: not during the timed runs.
    support::settle();
    // Once untimed: the repository must be valid (a failing check measures nothing useful),
    // and the files are then in the page cache for every timed run.
    let cache = tempfile::tempdir().expect("a temporary folder");
    let output = check(binary, &root, Cache::In(cache.path()))
        .output()
        .expect("distrib runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.contains("no problems"),
        "the synthetic repository is not valid ({}):\n{}",
        output.status,
        stderr.lines().take(60).collect::<Vec<_>>().join("\n")
    );
    println!("{}", stderr.trim());
    if !benchmarking {
        return;
    }

    // Interleaved, so that a change of load on the machine hits both alike: without the parse
    // cache (every file parsed) and with it (every file taken from the cache the untimed run
    // above wrote).
    let (mut parsed, mut cached) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        parsed.push(time(check(binary, &root, Cache::Off)));
        cached.push(time(check(binary, &root, Cache::In(cache.path()))));
    }
    let (parsed, cached) = (stats(parsed), stats(cached));
    println!("wall, every file parsed (DISTRIB_NO_CACHE=1): {parsed}");
    println!("wall, every file from the parse cache:        {cached}");
    let verdict = |d: Duration| if d < TARGET { "met" } else { "MISSED" };
    if products == 5000 && distributions == 100 {
        println!(
            "target < 150 ms: {} parsed, {} from the cache",
            verdict(parsed.median),
            verdict(cached.median)
        );
    }

    match memory(&check(binary, &root, Cache::Off), runs) {
        Some(samples) => {
            report_memory(samples, runs);
        }
        None => println!("peak RSS: not measured, {TIME} is missing (apt-get install -y time)"),
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// The target of the issue, at 5,000 products and 100 distributions.
const TARGET: Duration = Duration::from_millis(150);

/// Where `check` keeps its parse cache.
enum Cache<'a> {
    Off,
    In(&'a Path),
}

fn check(binary: &str, root: &Path, cache: Cache) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("-C")
        .arg(root)
        .arg("check")
        .env("NO_COLOR", "1");
    match cache {
        Cache::Off => command.env("DISTRIB_NO_CACHE", "1"),
        Cache::In(folder) => command.env("XDG_CACHE_HOME", folder),
    };
    command
}

/// Number of files and their total size under `root`.
fn size_of(root: &Path) -> (usize, u64) {
    let mut pending = vec![root.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("a readable folder")
            .flatten()
        {
            let metadata = entry.metadata().expect("metadata");
            if metadata.is_dir() {
                pending.push(entry.path());
            } else {
                files += 1;
                bytes += metadata.len();
            }
        }
    }
    (files, bytes)
}
