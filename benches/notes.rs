//! `cargo bench --bench notes`: wall time of the real `distrib notes` process between two locks
//! of a synthetic distribution (tests/cli/support/synthetic.rs) in which some products gained many
//! commits, against a shell loop of one `git log A..B` per changed repository, in the same run.
//!
//! Settings: `DISTRIB_BENCH_NOTES_PRODUCTS` (1000), `DISTRIB_BENCH_NOTES_CHANGED` (100 products
//! that gain commits), `DISTRIB_BENCH_NOTES_COMMITS` (200 commits each), `DISTRIB_BENCH_RUNS`
//! (11), `DISTRIB_BENCH_SEED` (1), `DISTRIB_BENCH_BIN` (measure another `distrib` binary),
//! `DISTRIB_BENCH_DIR` (write the repositories to this new folder and keep them, e.g. for
//! `perf record`).
//! Without `--bench` (`cargo test --benches`), one run on 20 products, 3 of them with 5 new
//! commits, checks that the note has every commit. docs/benchmarks.md has the results.

mod support;
#[path = "../tests/cli/support/synthetic.rs"]
mod synthetic;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{isolated, setting, stats, time};
use synthetic::MIRRORED_DISTRIBUTION;

/// The target of the issue, at 1,000 products, 100 of them with 200 new commits.
const TARGET_WALL: Duration = Duration::from_secs(1);

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (products, changed, commits, runs) = if benchmarking {
        (
            setting("DISTRIB_BENCH_NOTES_PRODUCTS", 1000),
            setting("DISTRIB_BENCH_NOTES_CHANGED", 100),
            setting("DISTRIB_BENCH_NOTES_COMMITS", 200),
            setting("DISTRIB_BENCH_RUNS", 11),
        )
    } else {
        (20, 3, 5, 1)
    };
    let seed = setting("DISTRIB_BENCH_SEED", 1) as u64;
    let binary = support::binary();
    let temporary = tempfile::tempdir().expect("a temporary folder");
    let top = support::kept_folder().unwrap_or_else(|| temporary.path().to_path_buf());
    let root = top.join("manifests");
    let mirrors = top.join("mirrors");

    let started = Instant::now();
    let repositories = synthetic::write_synthetic_mirrored(&root, &mirrors, products, seed);
    run(lock(&binary, &root, &mirrors, "2026-11-19"));
    // Products that follow `main` move when it does; pinned ones stay at their tag.
    let moving: Vec<PathBuf> = repositories
        .iter()
        .filter(|r| r.reference == "main")
        .take(changed)
        .map(|r| r.mirror.clone())
        .collect();
    assert_eq!(
        moving.len(),
        changed,
        "only {} products follow a branch",
        moving.len()
    );
    for (i, mirror) in moving.iter().enumerate() {
        add_commits(mirror, i, commits);
    }
    run(lock(&binary, &root, &mirrors, "2026-11-26"));
    support::settle();
    println!(
        "{products} products, {changed} of them with {commits} new commits, generated and locked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "distrib notes w.2026.47 w.2026.48 --format markdown (-C <manifests> --mirrors <mirrors>): {runs} runs, seed {seed}"
    );

    // Once untimed: the note must list every new commit, each with its issue key.
    let output = notes(&binary, &root, &mirrors)
        .output()
        .expect("distrib runs");
    let note = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "distrib notes failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = note.lines().filter(|l| l.contains(": change ")).count();
    // Each commit is listed under its product and under its issue.
    assert_eq!(listed, 2 * changed * commits, "{note}");
    println!("the note lists all {} new commits", changed * commits);
    if !benchmarking {
        return;
    }

    let ranges = top.join("ranges.txt");
    let mut list = std::fs::File::create(&ranges).expect("the list of ranges is written");
    for mirror in &moving {
        writeln!(list, "{}", mirror.display()).expect("the list of ranges is written");
    }
    let (mut distrib, mut git) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        distrib.push(time(notes(&binary, &root, &mirrors)));
        git.push(time(git_loop(&ranges, commits)));
    }
    let (distrib, git) = (stats(distrib), stats(git));
    println!("distrib notes:            {distrib}");
    println!("git log loop ({changed} ranges): {git}");
    println!(
        "ratio (git loop / distrib, medians): {:.1}x",
        git.median.as_secs_f64() / distrib.median.as_secs_f64()
    );
    if products == 1000 && changed == 100 && commits == 200 {
        let verdict = if distrib.median < TARGET_WALL {
            "met"
        } else {
            "MISSED"
        };
        println!("target at 1,000 products, 100 x 200 commits: wall < 1 s {verdict}");
    }
}

fn lock(binary: &str, root: &Path, mirrors: &Path, date: &str) -> Command {
    support::lock(binary, root, mirrors, MIRRORED_DISTRIBUTION, date)
}

fn notes(binary: &str, root: &Path, mirrors: &Path) -> Command {
    let mut command = isolated(Command::new(binary));
    command
        .arg("-C")
        .arg(root)
        .args(["notes", "w.2026.47", "w.2026.48", "--mirrors"])
        .arg(mirrors);
    command
}

/// What a script does instead: `git log` of the new commits, one git process per repository.
fn git_loop(list: &Path, commits: usize) -> Command {
    let mut command = isolated(Command::new("bash"));
    command
        .args([
            "-c",
            &format!(
                r#"while read -r dir; do git --git-dir "$dir" log --format='%h %s' main~{commits}..main; done"#
            ),
        ])
        .stdin(std::fs::File::open(list).expect("the list of ranges is readable"));
    command
}

fn run(mut command: Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `commits` new commits on `main` of a bare mirror, each changing one file and naming an
/// issue, written by one `git fast-import`, with fixed identities and dates.
fn add_commits(mirror: &Path, index: usize, commits: usize) {
    const START: u64 = 1_793_800_000;
    let mut stream = String::new();
    for n in 0..commits {
        let message = format!("DM-{}: change {n} of product {index}\n", index * 1000 + n);
        let content = format!("{index} {n}\n");
        stream.push_str("commit refs/heads/main\n");
        stream.push_str(&format!(
            "committer Developer <dev@example.org> {} +0000\n",
            START + n as u64 * 60
        ));
        stream.push_str(&format!("data {}\n{message}", message.len()));
        if n == 0 {
            stream.push_str("from refs/heads/main^0\n");
        }
        stream.push_str(&format!(
            "M 100644 inline src/change.txt\ndata {}\n{content}\n",
            content.len()
        ));
    }
    stream.push_str("done\n");
    synthetic::fast_import(mirror, &stream);
}
