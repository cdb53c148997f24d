//! Mirrors of real git repositories built in temp dirs: fetch, update, prune, resolve refs,
//! trees and describe.

use crate::support::git;
use distrib::git::mirror::{self, Mirror, RefKind, ResolveError};
use distrib::resolve::fake;
use distrib::resolve::refs::{self, Refs};

fn upstream() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    git(top, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(top.join("python")).unwrap();
    std::fs::write(top.join("python/afw.py"), "print('afw')\n").unwrap();
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "first"]);
    git(top, &["tag", "27.0.0"]);
    git(top, &["tag", "-a", "-m", "annotated", "v27.0.1"]);
    std::fs::write(top.join("README"), "afw\n").unwrap();
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "second"]);
    git(top, &["branch", "tickets/DM-1"]);
    dir
}

#[test]
fn fetch_resolve_update_and_prune() {
    let up = upstream();
    let mirrors = tempfile::tempdir().unwrap();
    let path = mirrors.path().join("github.com/lsst/afw.git");
    let report = mirror::fetch(up.path().to_str().unwrap(), &path).unwrap();
    assert!(report.created);

    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.default_branch().as_deref(), Some("main"));
    let head = git(up.path(), &["rev-parse", "HEAD"]);
    let first = git(up.path(), &["rev-parse", "HEAD~1"]);
    let main = m.resolve("main").unwrap();
    assert_eq!(
        (main.commit.as_str(), main.kind, main.full_ref.as_str()),
        (head.as_str(), RefKind::Branch, "refs/heads/main")
    );
    let tag = m.resolve("v27.0.1").unwrap();
    assert_eq!(
        (tag.commit.as_str(), tag.kind),
        (first.as_str(), RefKind::Tag),
        "annotated tags are peeled"
    );
    assert_eq!(m.resolve(&first).unwrap().kind, RefKind::Commit);
    assert_eq!(
        m.tree(&head, None).unwrap(),
        git(up.path(), &["rev-parse", "HEAD^{tree}"])
    );
    assert_eq!(
        m.tree(&head, Some("python")).unwrap(),
        git(up.path(), &["rev-parse", "HEAD:python"])
    );
    assert!(matches!(
        m.tree(&head, Some("src")),
        Err(ResolveError::PathMissing { .. })
    ));
    let described = m.describe(&first).unwrap();
    assert!(
        ["27.0.0", "v27.0.1"].contains(&described.as_str()),
        "{described}"
    );
    assert!(
        m.describe(&head)
            .unwrap()
            .ends_with(&format!("-1-g{}", &head[..7]))
    );
    match m.resolve("tickets/DM-2") {
        Err(ResolveError::NotFound { closest, .. }) => assert_eq!(closest[0], "tickets/DM-1"),
        other => panic!("{other:?}"),
    }

    // Upstream moves a tag, deletes another, and a name becomes both a tag and a branch.
    git(up.path(), &["tag", "-f", "27.0.0", "HEAD"]);
    git(up.path(), &["tag", "-d", "v27.0.1"]);
    git(up.path(), &["tag", "main", "HEAD~1"]);
    let report = mirror::fetch(up.path().to_str().unwrap(), &path).unwrap();
    assert!(!report.created);
    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.resolve("27.0.0").unwrap().commit, head);
    assert!(matches!(
        m.resolve("v27.0.1"),
        Err(ResolveError::NotFound { .. })
    ));
    assert!(matches!(
        m.resolve("main"),
        Err(ResolveError::Ambiguous { .. })
    ));
    assert!(m.has_commit(&first));
}

#[test]
fn empty_missing_and_corrupt_mirrors() {
    let up = tempfile::tempdir().unwrap();
    git(up.path(), &["init", "-q", "-b", "main"]);
    let mirrors = tempfile::tempdir().unwrap();
    let path = mirrors.path().join("empty.git");
    mirror::fetch(up.path().to_str().unwrap(), &path).unwrap();
    assert!(matches!(
        Mirror::open(&path).unwrap().resolve("main"),
        Err(ResolveError::Empty)
    ));

    assert!(matches!(
        Mirror::open(&mirrors.path().join("none.git")),
        Err(mirror::MirrorError::Missing(_))
    ));
    let corrupt = mirrors.path().join("corrupt.git");
    std::fs::create_dir_all(&corrupt).unwrap();
    std::fs::write(corrupt.join("HEAD"), "garbage").unwrap();
    assert!(
        Mirror::open(&corrupt).is_err() || Mirror::open(&corrupt).unwrap().resolve("main").is_err()
    );
    assert!(mirror::fetch("/nonexistent/repository", &mirrors.path().join("x.git")).is_err());
    assert!(
        !mirrors.path().join("x.git").exists(),
        "a failed first fetch leaves no mirror behind"
    );
    assert!(!mirrors.path().join("x.git.new").exists());
}

/// Commits with these committer dates on `main`, oldest first; their ids.
fn dated_commits(repo: &std::path::Path, dates: &[&str]) -> Vec<String> {
    dates
        .iter()
        .enumerate()
        .map(|(i, date)| {
            std::fs::write(repo.join("f"), format!("{i} {date}\n")).unwrap();
            git(repo, &["add", "-A"]);
            let status = crate::support::clean(std::process::Command::new("git"))
                .current_dir(repo)
                .args(["commit", "-q", "-m", &format!("c{i}")])
                .env("GIT_AUTHOR_NAME", "R")
                .env("GIT_AUTHOR_EMAIL", "r@example.org")
                .env("GIT_COMMITTER_NAME", "R")
                .env("GIT_COMMITTER_EMAIL", "r@example.org")
                .env("GIT_AUTHOR_DATE", date)
                .env("GIT_COMMITTER_DATE", date)
                .status()
                .unwrap();
            assert!(status.success());
            git(repo, &["rev-parse", "HEAD"])
        })
        .collect()
}

#[test]
fn reachable_from_branches_and_tags_only() {
    let up = tempfile::tempdir().unwrap();
    git(up.path(), &["init", "-q", "-b", "main"]);
    // The third commit's clock was a week fast: its children look older than it.
    let ids = dated_commits(
        up.path(),
        &[
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00Z",
            "2026-01-10T00:00:00Z",
            "2026-01-03T00:00:00Z",
            "2026-01-04T00:00:00Z",
        ],
    );
    git(up.path(), &["tag", "v1", &ids[1]]);
    git(up.path(), &["checkout", "-q", "-b", "side", &ids[0]]);
    let side = dated_commits(up.path(), &["2026-01-05T00:00:00Z"]);
    let mirrors = tempfile::tempdir().unwrap();
    let path = mirrors.path().join("a.git");
    let url = up.path().to_str().unwrap();
    mirror::fetch(url, &path).unwrap();
    let m = Mirror::open(&path).unwrap();
    for id in ids.iter().chain(&side) {
        assert!(m.reachable(id).unwrap(), "{id}");
    }
    // The side branch is force-pushed away: its commit stays in the mirror, unreachable.
    git(up.path(), &["checkout", "-q", "main"]);
    git(up.path(), &["branch", "-D", "side"]);
    mirror::fetch(url, &path).unwrap();
    let m = Mirror::open(&path).unwrap();
    assert!(m.has_commit(&side[0]));
    assert!(!m.reachable(&side[0]).unwrap());
    assert!(
        m.reachable(&ids[2]).unwrap(),
        "found despite the skewed clock"
    );
    assert!(!m.reachable("not a commit id").unwrap());
}

#[test]
fn a_fetch_counts_the_bytes_of_the_pack_it_receives() {
    let up = upstream();
    // 64 KiB that no compression shrinks, so the pack is at least that large.
    let noise = crate::support::noise(0x2545_F491_4F6C_DD1D, 4096);
    std::fs::write(up.path().join("noise"), &noise).unwrap();
    git(up.path(), &["add", "-A"]);
    git(up.path(), &["commit", "-q", "-m", "noise"]);
    let mirrors = tempfile::tempdir().unwrap();
    let path = mirrors.path().join("example.org/noise.git");
    let all = distrib::git::progress::Received::default();
    let url = up.path().to_str().unwrap();
    let first = mirror::fetch_counting(url, &path, &all).unwrap();
    // Hex digits compress to about half: the pack holds at least 32 KiB, and not much more
    // than the 64 KiB written.
    assert!(
        (32 * 1024..80 * 1024).contains(&first.received),
        "{}",
        first.received
    );
    assert_eq!(all.get(), first.received);
    // Nothing new: no pack, no bytes; the shared count keeps what it had.
    let second = mirror::fetch_counting(url, &path, &all).unwrap();
    assert_eq!(second.received, 0);
    assert_eq!(all.get(), first.received);
}

/// What a Rust caller sees of a fetch: the outcome per repository and every progress event.
#[test]
fn the_fetch_operation_reports_progress_and_an_outcome_per_repository() {
    use distrib::progress::{Finished, Progress};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Events(Mutex<Vec<String>>, std::sync::atomic::AtomicU64);
    impl Progress for Events {
        fn begin(&self, what: &str, total: usize) {
            self.0.lock().unwrap().push(format!("begin {what} {total}"));
        }
        fn started(&self, index: usize, name: &str) {
            self.0.lock().unwrap().push(format!("start {index} {name}"));
        }
        fn received(&self, bytes: u64) {
            self.1
                .fetch_max(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        fn finished(&self, index: usize, name: &str, finished: Finished<'_>) {
            let how = match finished {
                Finished::Done(what) => what.to_owned(),
                Finished::Failed => "failed".to_owned(),
            };
            self.0
                .lock()
                .unwrap()
                .push(format!("end {index} {name}: {how}"));
        }
        fn end(&self) {
            self.0.lock().unwrap().push("over".into());
        }
    }

    let up = upstream();
    let mirrors_dir = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let mirrors = distrib::resolve::Mirrors {
        dir: mirrors_dir.path(),
        rewrite: Vec::new(),
        root: root.path(),
    };
    let url = format!("file://{}", up.path().display());
    let request = distrib::fetch::Request {
        repositories: vec![
            distrib::fetch::Repository {
                product: "afw".into(),
                url: url.clone(),
            },
            // Another product of the same repository: fetched once.
            distrib::fetch::Repository {
                product: "afw_python".into(),
                url: url.clone(),
            },
            distrib::fetch::Repository {
                product: "gone".into(),
                url: "file:///nonexistent/repository".into(),
            },
        ],
        jobs: Some(1),
    };
    let events = Events::default();
    let outcome = distrib::fetch::fetch(&mirrors, &request, &events);
    assert_eq!(
        *events.0.lock().unwrap(),
        [
            "begin Fetching 2",
            "start 0 afw",
            "end 0 afw: new mirror",
            "start 1 gone",
            "end 1 gone: failed",
            "over"
        ]
    );
    assert!(events.1.load(std::sync::atomic::Ordering::Relaxed) > 0);
    assert!(!outcome.succeeded());
    assert_eq!(outcome.repositories.len(), 2);
    assert_eq!(outcome.repositories[0].status, distrib::json::Status::Done);
    assert_eq!(
        outcome.summary.received_bytes,
        outcome.repositories[0].received_bytes
    );
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].product, "gone");
    assert!(outcome.failures[0].unreachable());
    assert_eq!(
        outcome.diagnostics[0].code.as_deref(),
        Some("fetch-unreachable")
    );
    // Again: up to date, and said so.
    let again = distrib::fetch::fetch(&mirrors, &request, &distrib::progress::Silent);
    assert_eq!(
        again.repositories[0].status,
        distrib::json::Status::UpToDate
    );
    assert_eq!(again.repositories[0].received_bytes, 0);
}

/// The in-memory fake that resolution's unit tests use answers as a real mirror does: one
/// history, built with git and described to the fake, asked the same questions.
#[test]
fn the_fake_answers_as_a_mirror() {
    let up = tempfile::tempdir().unwrap();
    let top = up.path();
    let commit = |file: &str, message: &str| {
        std::fs::create_dir_all(top.join(file).parent().unwrap()).unwrap();
        std::fs::write(top.join(file), format!("{message}\n")).unwrap();
        git(top, &["add", "-A"]);
        git(top, &["commit", "-q", "-m", message]);
        git(top, &["rev-parse", "HEAD"])
    };
    git(top, &["init", "-q", "-b", "main"]);
    let first = commit("libs/a/a.txt", "first");
    git(top, &["tag", "1.0.0"]);
    git(top, &["tag", "-a", "-m", "annotated", "v1.0.1"]);
    let second = commit("libs/b/b.txt", "second");
    git(top, &["checkout", "-q", "-b", "side", &first]);
    let side = commit("side.txt", "side");
    git(top, &["checkout", "-q", "main"]);
    git(top, &["merge", "-q", "--no-ff", "-m", "merge", "side"]);
    let merge = git(top, &["rev-parse", "HEAD"]);
    git(top, &["branch", "-D", "side"]);
    git(top, &["branch", "develop", &second]);
    git(top, &["tag", "docs", "HEAD^{tree}"]);
    let message = "Version 2026.47 release from distrib";
    git(top, &["tag", "-a", "-m", message, "w.2026.47", &merge]);

    let mirrors = tempfile::tempdir().unwrap();
    let path = mirrors.path().join("a.git");
    mirror::fetch(top.to_str().unwrap(), &path).unwrap();
    let real = Mirror::open(&path).unwrap();

    let tree = |spec: &str| git(top, &["rev-parse", spec]);
    let mut described = fake::Repository::new()
        .commit(&first, &[], &tree(&format!("{first}^{{tree}}")))
        .commit(&second, &[&first], &tree(&format!("{second}^{{tree}}")))
        .commit(&side, &[&first], &tree(&format!("{side}^{{tree}}")))
        .commit(
            &merge,
            &[&second, &side],
            &tree(&format!("{merge}^{{tree}}")),
        )
        .branch("main", &merge)
        .branch("develop", &second)
        .head("main")
        .tag("1.0.0", &first)
        .annotated("v1.0.1", &first, "annotated", 1)
        .annotated("w.2026.47", &merge, message, 2)
        .tag_of("docs", "tree", &tree("HEAD^{tree}"));
    let commits = [&first, &second, &side, &merge];
    for commit in commits {
        for folder in ["libs", "libs/a", "libs/b"] {
            // `040000 tree <id>\t<folder>`, or nothing where the commit has no such folder.
            let listed = git(top, &["ls-tree", "-d", commit, folder]);
            if let Some(id) = listed.split_whitespace().nth(2) {
                described = described.folder(commit, folder, id);
            }
        }
    }

    assert_eq!(Refs::default_branch(&real), described.default_branch());
    assert_eq!(
        Refs::ref_names(&real).unwrap(),
        described.ref_names().unwrap()
    );
    let mut names: Vec<String> = [
        "main",
        "develop",
        "1.0.0",
        "v1.0.1",
        "w.2026.47",
        "docs",
        "refs/heads/main",
        "refs/tags/v1.0.1",
        "refs/heads/missing",
        "tickets/DM-1",
        "a..b",
        "0000000",
    ]
    .map(str::to_owned)
    .into();
    names.extend(
        commits
            .iter()
            .flat_map(|c| [c.to_string(), c[..7].to_owned()]),
    );
    for name in &names {
        assert_eq!(
            format!("{:?}", refs::resolve_ref(&real, name)),
            format!("{:?}", refs::resolve_ref(&described, name)),
            "resolving `{name}`"
        );
    }
    for commit in commits {
        assert_eq!(
            Refs::describe(&real, commit).unwrap(),
            described.describe(commit).unwrap(),
            "describing `{commit}`"
        );
        for folder in [
            None,
            Some("libs"),
            Some("/libs/a/"),
            Some("libs/b"),
            Some("side.txt"),
        ] {
            assert_eq!(
                format!("{:?}", Refs::tree(&real, commit, folder)),
                format!("{:?}", described.tree(commit, folder)),
                "the tree of `{folder:?}` in `{commit}`"
            );
        }
    }
    assert_eq!(
        described.describe(&merge).unwrap(),
        format!("v1.0.1-3-g{}", &merge[..7]),
        "a merge counts the commits of both sides, and a release tag names no version"
    );
}
