//! `cargo bench --bench lock`: wall time and peak memory of the real `distrib lock --offline`
//! process on synthetic manifest repositories whose product repositories are real bare git
//! mirrors (tests/cli/support/synthetic.rs), against a shell loop of one `git rev-parse` per
//! repository, in the same run.
//!
//! Settings: `DISTRIB_BENCH_LOCK_PRODUCTS` (`100,1000`: the sizes, comma-separated),
//! `DISTRIB_BENCH_RUNS` (11), `DISTRIB_BENCH_SEED` (1), `DISTRIB_BENCH_BIN` (measure another
//! `distrib` binary), `DISTRIB_BENCH_DIR` (write the repositories to this new folder, one
//! sub-folder per size, and keep them, e.g. for `perf record`). Without `--bench`
//! (`cargo test --benches`), one run on 5 products only checks that the generated repositories
//! lock, and that distrib and git agree on every commit and tree. docs/benchmarks.md has the
//! results.

mod support;
#[path = "../tests/cli/support/synthetic.rs"]
mod synthetic;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{TIME, isolated, memory, report_memory, setting, stats, time};
use synthetic::{MIRRORED_DISTRIBUTION, MirroredRepository};

/// What a script does instead of distrib: one git process per repository.
const GIT_LOOP: &str = r#"while read -r dir ref; do git --git-dir "$dir" rev-parse "$ref^{commit}" "$ref^{tree}"; done"#;

/// The targets of the issue, at 1,000 products.
const TARGET_WALL: Duration = Duration::from_secs(1);
const TARGET_RATIO: f64 = 5.0;
const TARGET_RSS_MIB: f64 = 200.0;

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (sizes, runs) = if benchmarking {
        (sizes(), setting("DISTRIB_BENCH_RUNS", 11))
    } else {
        (vec![5], 1)
    };
    let seed = setting("DISTRIB_BENCH_SEED", 1) as u64;
    let binary = support::binary();
    let kept = support::kept_folder();
    println!(
        "distrib lock {MIRRORED_DISTRIBUTION} --kind weekly --date 2026-11-19 --offline --dry-run: {runs} runs per size, seed {seed}"
    );
    for products in sizes {
        let temporary = tempfile::tempdir().expect("a temporary folder");
        let top = match &kept {
            Some(kept) => kept.join(format!("n{products}")),
            None => temporary.path().to_path_buf(),
        };
        measure(&binary, &top, products, seed, runs, benchmarking);
    }
}

fn measure(binary: &str, top: &Path, products: usize, seed: u64, runs: usize, benchmarking: bool) {
    let root = top.join("manifests");
    let mirrors = top.join("mirrors");
    let started = Instant::now();
    let repositories = synthetic::write_synthetic_mirrored(&root, &mirrors, products, seed);
    let generated = started.elapsed();
    support::settle();
    let list = top.join("repositories.txt");
    std::fs::write(
        &list,
        repositories
            .iter()
            .map(|r| format!("{} {}\n", r.mirror.display(), r.reference))
            .collect::<String>(),
    )
    .expect("the list of repositories is written");
    println!(
        "\n{products} products, {products} mirrors, generated in {:.1} s ({})",
        generated.as_secs_f64(),
        top.display()
    );

    // Once untimed: the lock must succeed and agree with git on every commit and tree (a
    // failing or different lock measures nothing useful); files are then in the page cache.
    let output = lock(binary, &root, &mirrors)
        .output()
        .expect("distrib runs");
    assert!(
        output.status.success(),
        "distrib lock failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .take(60)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let locked = locked_commits(&String::from_utf8_lossy(&output.stdout));
    let output = git_loop(&list).output().expect("bash runs");
    assert!(
        output.status.success(),
        "the git loop failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    agree(
        &repositories,
        &locked,
        &String::from_utf8_lossy(&output.stdout),
    );
    println!("the lock and the git loop agree on {products} commits and trees");
    if !benchmarking {
        return;
    }

    // Interleaved, so that a change of load on the machine hits all three alike.
    let (mut distrib, mut git, mut check) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        distrib.push(time(lock(binary, &root, &mirrors)));
        git.push(time(git_loop(&list)));
        check.push(time(check_command(binary, &root)));
    }
    let (distrib, git, check) = (stats(distrib), stats(git), stats(check));
    println!("distrib lock --offline: {distrib}");
    println!("git rev-parse loop:     {git}");
    println!("  of which distrib check (load and validate the manifests): {check}");
    let ratio = git.median.as_secs_f64() / distrib.median.as_secs_f64();
    println!("ratio (git loop / distrib, medians): {ratio:.1}x");

    let rss = match memory(&lock(binary, &root, &mirrors), runs) {
        Some(samples) => {
            let peak = report_memory(samples, runs);
            Some(peak)
        }
        None => {
            println!("peak RSS: not measured, {TIME} is missing (apt-get install -y time)");
            None
        }
    };
    if products == 1000 {
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        println!(
            "targets at 1,000 products: wall < 1 s {}, >= 5x the git loop {}, peak RSS < 200 MB {}",
            verdict(distrib.median < TARGET_WALL),
            verdict(ratio >= TARGET_RATIO),
            rss.map_or("not measured", |r| verdict(r < TARGET_RSS_MIB))
        );
    }
}

fn sizes() -> Vec<usize> {
    let text =
        std::env::var("DISTRIB_BENCH_LOCK_PRODUCTS").unwrap_or_else(|_| "100,1000".to_owned());
    text.split(',')
        .map(|size| {
            size.trim().parse().unwrap_or_else(|_| {
                panic!("DISTRIB_BENCH_LOCK_PRODUCTS must be numbers, not `{text}`")
            })
        })
        .collect()
}

fn lock(binary: &str, root: &Path, mirrors: &Path) -> Command {
    let mut command = support::lock(binary, root, mirrors, MIRRORED_DISTRIBUTION, "2026-11-19");
    command.arg("--dry-run");
    command
}

fn check_command(binary: &str, root: &Path) -> Command {
    let mut command = isolated(Command::new(binary));
    command.arg("-C").arg(root).arg("check");
    command
}

/// `bash -c` running the loop over `list` (one `<mirror> <ref>` per line) on its stdin.
fn git_loop(list: &Path) -> Command {
    let mut command = isolated(Command::new("bash"));
    command
        .args(["-c", GIT_LOOP])
        .stdin(std::fs::File::open(list).expect("the list of repositories is readable"));
    command
}

/// Each product's commit and tree, read from the lockfile's text.
fn locked_commits(text: &str) -> BTreeMap<String, (String, String)> {
    let mut locked = BTreeMap::new();
    let mut product: Option<String> = None;
    let mut commit: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("- name: ") {
            product = Some(name.trim().to_owned());
        } else if let Some(value) = line.trim_start().strip_prefix("commit: ") {
            commit = Some(value.trim().to_owned());
        } else if let Some(tree) = line.trim_start().strip_prefix("tree: ")
            && let (Some(product), Some(commit)) = (&product, commit.take())
        {
            locked.insert(product.clone(), (commit, tree.trim().to_owned()));
        }
    }
    locked
}

/// Panics unless the lock holds, for every product, the commit and tree that git printed.
fn agree(
    repositories: &[MirroredRepository],
    locked: &BTreeMap<String, (String, String)>,
    git: &str,
) {
    let lines: Vec<&str> = git.lines().collect();
    assert_eq!(
        lines.len(),
        2 * repositories.len(),
        "the git loop printed {} lines for {} repositories",
        lines.len(),
        repositories.len()
    );
    assert_eq!(
        locked.len(),
        repositories.len(),
        "the lock has {} products with a repository, the generator wrote {}",
        locked.len(),
        repositories.len()
    );
    for (repository, pair) in repositories.iter().zip(lines.chunks(2)) {
        let expected = (pair[0].to_owned(), pair[1].to_owned());
        assert_eq!(
            locked.get(&repository.product),
            Some(&expected),
            "product `{}` at `{}`: the lock and git disagree",
            repository.product,
            repository.reference
        );
    }
}
