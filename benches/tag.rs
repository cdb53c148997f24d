//! `cargo bench --bench tag`: `distrib tag` of one release over N `file://` origins (the
//! pre-flight alone with `--dry-run`, then the tags created and pushed with `--push`), against
//! a shell loop of one `git ls-remote` per repository and one of `git tag` + `git push --atomic`
//! per repository run with the same parallelism (`xargs -P`), in the same run.
//!
//! Settings: `DISTRIB_BENCH_TAG_PRODUCTS` (`1000`), `DISTRIB_BENCH_RUNS` (5),
//! `DISTRIB_BENCH_JOBS` (the number of CPUs), `DISTRIB_BENCH_SEED` (1), `DISTRIB_BENCH_BIN`,
//! `DISTRIB_BENCH_DIR`. Without `--bench` (`cargo test --benches`), one run over 5 repositories
//! only checks that every origin gets its tag. docs/benchmarks.md has the results.

mod support;
#[path = "../tests/cli/support/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{isolated, setting, stats, time};
use synthetic::MIRRORED_DISTRIBUTION;

const TAG: &str = "w.2026.47";
const RELEASE: &str = "bench/w.2026.47";

/// What a script does instead of `distrib tag --dry-run`: one `git ls-remote` per origin.
const LS_REMOTE_LOOP: &str = r#"while read -r mirror origin; do git ls-remote "$origin" "refs/tags/$TAG" "refs/tags/$TAG^{}"; done"#;

/// What a script does instead of `distrib tag --push`, `$JOBS` repositories at a time.
const PUSH_LOOP: &str = r#"xargs -P "$JOBS" -L 1 sh -c 'git --git-dir "$0" tag -a -m "Version $TAG" "$TAG" HEAD && git --git-dir "$0" push -q --atomic "$1" "refs/tags/$TAG"'"#;

const TARGET_PREFLIGHT: Duration = Duration::from_secs(2);
const TARGET_PUSH_RATIO: f64 = 1.5;

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (products, runs) = if benchmarking {
        (
            setting("DISTRIB_BENCH_TAG_PRODUCTS", 1000),
            setting("DISTRIB_BENCH_RUNS", 5),
        )
    } else {
        (5, 1)
    };
    let jobs = setting(
        "DISTRIB_BENCH_JOBS",
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    );
    let seed = setting("DISTRIB_BENCH_SEED", 1) as u64;
    let binary = support::binary();
    let temporary = tempfile::tempdir().expect("a temporary folder");
    let top = support::kept_folder().unwrap_or_else(|| temporary.path().to_path_buf());
    let root = top.join("manifests");
    let mirrors = top.join("mirrors");
    let origins = top.join("origins");

    let started = Instant::now();
    let repositories = synthetic::write_synthetic_mirrored(&root, &mirrors, products, seed);
    // Each mirror, copied, is its product's origin; `rewrite:` points the manifest URLs there.
    std::fs::create_dir_all(&origins).expect("the origins folder");
    let mut list = String::new();
    for repository in &repositories {
        let name = repository.mirror.file_name().unwrap().to_string_lossy();
        let origin = origins.join(name.trim_end_matches(".git"));
        copy(&repository.mirror, &origin);
        let alias = origins.join(&*name);
        if alias != origin {
            std::os::unix::fs::symlink(&origin, &alias).expect("an alias for the ssh form");
        }
        list.push_str(&format!(
            "{} file://{}\n",
            repository.mirror.display(),
            origin.display()
        ));
    }
    let config = root.join("distrib.yaml");
    let mut text = std::fs::read_to_string(&config).expect("distrib.yaml");
    text.push_str(&format!(
        "rewrite:\n  \"https://github.com/bench/\": \"file://{0}/\"\n  \"git@github.com:bench/\": \"file://{0}/\"\n",
        origins.display()
    ));
    std::fs::write(&config, text).expect("distrib.yaml is written");
    let list_path = top.join("repositories.txt");
    std::fs::write(&list_path, &list).expect("the list is written");
    let lock = support::lock(
        &binary,
        &root,
        &mirrors,
        MIRRORED_DISTRIBUTION,
        "2026-11-19",
    )
    .output()
    .expect("distrib runs");
    assert!(
        lock.status.success(),
        "distrib lock failed:\n{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    support::settle();
    println!(
        "distrib tag {RELEASE} over {products} file:// origins, {jobs} jobs, {runs} runs; generated in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        top.display()
    );

    // Once untimed: everything to create, then pushed everywhere, then in sync.
    let plan = tag(&binary, &root, &mirrors, jobs, "--dry-run")
        .output()
        .unwrap();
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&plan.stdout)
            .matches("create ")
            .count(),
        products
    );
    let mut push = tag(&binary, &root, &mirrors, jobs, "--push");
    assert!(push.status().unwrap().success());
    let mut verify = tag(&binary, &root, &mirrors, jobs, "--verify");
    assert!(
        verify.status().unwrap().success(),
        "every origin has its tag"
    );
    reset(&repositories, &origins);
    println!("every origin got its tag, and --verify agrees");
    if !benchmarking {
        return;
    }

    let (mut preflight, mut ls_remote, mut pushed, mut loop_pushed) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        preflight.push(time(tag(&binary, &root, &mirrors, jobs, "--dry-run")));
        ls_remote.push(time(shell(LS_REMOTE_LOOP, &list_path, jobs)));
        pushed.push(time(tag(&binary, &root, &mirrors, jobs, "--push")));
        reset(&repositories, &origins);
        loop_pushed.push(time(shell(PUSH_LOOP, &list_path, jobs)));
        reset(&repositories, &origins);
    }
    let (preflight, ls_remote, pushed, loop_pushed) = (
        stats(preflight),
        stats(ls_remote),
        stats(pushed),
        stats(loop_pushed),
    );
    println!("distrib tag --dry-run (pre-flight): {preflight}");
    println!("git ls-remote loop (sequential):    {ls_remote}");
    println!("distrib tag --push:                 {pushed}");
    println!("git tag + push loop (xargs -P {jobs}):  {loop_pushed}");
    let ratio = pushed.median.as_secs_f64() / loop_pushed.median.as_secs_f64();
    println!("push ratio (distrib / git loop, medians): {ratio:.2}x");
    if products == 1000 {
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        println!(
            "targets at 1,000 repositories: pre-flight < 2 s {}, push within 1.5x of the git loop {}",
            verdict(preflight.median < TARGET_PREFLIGHT),
            verdict(ratio <= TARGET_PUSH_RATIO)
        );
    }
}

fn tag(binary: &str, root: &Path, mirrors: &Path, jobs: usize, flag: &str) -> Command {
    let mut command = isolated(Command::new(binary));
    command
        .arg("-C")
        .arg(root)
        .args([
            "tag",
            RELEASE,
            flag,
            "--jobs",
            &jobs.to_string(),
            "--mirrors",
        ])
        .arg(mirrors);
    command
}

fn shell(script: &str, list: &Path, jobs: usize) -> Command {
    let mut command = isolated(Command::new("bash"));
    command
        .args(["-c", script])
        .env("TAG", TAG)
        .env("JOBS", jobs.to_string())
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@localhost")
        .stdin(std::fs::File::open(list).expect("the list is readable"));
    command
}

/// Deletes the tag from every mirror and origin (a loose ref file: just written), so the next
/// run has everything to create again.
fn reset(repositories: &[synthetic::MirroredRepository], origins: &Path) {
    for repository in repositories {
        let name = repository.mirror.file_name().unwrap().to_string_lossy();
        let origin = origins.join(name.trim_end_matches(".git"));
        for repo in [repository.mirror.clone(), origin] {
            let file: PathBuf = repo.join("refs/tags").join(TAG);
            let _ = std::fs::remove_file(file);
        }
    }
}

fn copy(from: &Path, to: &Path) {
    for entry in walk(from) {
        let target = to.join(entry.strip_prefix(from).unwrap());
        if entry.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < all.len() {
        if all[i].is_dir() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(&all[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            children.sort();
            all.extend(children);
        }
        i += 1;
    }
    all
}
