//! `fetch`, `lock`, `lock --check` and `verify` on real git repositories built in temp dirs.

mod support;

use std::path::{Path, PathBuf};

use support::{Run, distrib_wide, git};

/// A manifest repository whose products live in local upstream repositories.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    upstream: PathBuf,
    mirrors: PathBuf,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit_file(repo: &Path, file: &str, text: &str, message: &str) -> String {
    write(&repo.join(file), text);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

impl Fixture {
    /// Products: `base` (pinned to tag 1.0.0), `utils` -> base, `app` -> utils, and `other`
    /// alone; distributions `dist` (app, other) and `solo` (other).
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("manifests");
        let upstream = dir.path().join("upstream");
        let mirrors = dir.path().join("mirrors");
        for name in ["base", "utils", "app", "other"] {
            let repo = upstream.join("example.org/sw").join(name);
            std::fs::create_dir_all(&repo).unwrap();
            git(&repo, &["init", "-q", "-b", "main"]);
            commit_file(&repo, "src/README", name, "first");
        }
        git(
            &upstream.join("example.org/sw/base"),
            &["tag", "-a", "-m", "release", "1.0.0"],
        );
        write(
            &root.join("distrib.yaml"),
            &format!(
                "rewrite:\n  \"https://example.org/\": \"file://{}/example.org/\"\n",
                upstream.display()
            ),
        );
        write(
            &root.join("environments/ops.yaml"),
            "name: ops\npurpose: operations\npackages: { python: \"3.12.7\" }\n",
        );
        let product = |name: &str, extra: &str| {
            write(
                &root.join(format!("products/{name}.yaml")),
                &format!(
                    "name: {name}\nrepositories:\n  - url: https://example.org/sw/{name}\n    ref: main\n{extra}"
                ),
            )
        };
        product("base", "tag: 1.0.0\n");
        product(
            "utils",
            "depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
        );
        product(
            "app",
            "depends: { utils: \"*\", other: { version: \"*\", platforms: [\"osx-*\"] } }\n",
        );
        product("other", "");
        write(
            &root.join("distributions/dist.yaml"),
            "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }\n",
        );
        write(
            &root.join("distributions/solo.yaml"),
            "name: solo\nenvironment: ops\nproducts: [other]\nplatform: linux-x86_64\n",
        );
        Self {
            _dir: dir,
            root,
            upstream,
            mirrors,
        }
    }

    /// A fixture with its mirrors fetched and `dist` locked as the weekly `w.2026.47`.
    fn locked() -> Self {
        let f = Self::new();
        ok(&f.run(&["fetch"]));
        ok(&f.run(&[
            "lock",
            "dist",
            "--kind",
            "weekly",
            "--date",
            "2026-11-19",
            "--offline",
        ]));
        f
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--mirrors", self.mirrors.to_str().unwrap()];
        // `--mirrors` belongs to the subcommand: put it after the subcommand's name.
        let (command, rest) = args.split_first().unwrap();
        all.insert(0, command);
        all.extend_from_slice(rest);
        distrib_wide(&self.root, &all)
    }

    fn repo(&self, name: &str) -> PathBuf {
        self.upstream.join("example.org/sw").join(name)
    }

    fn lock_text(&self, distribution: &str, release: &str) -> String {
        std::fs::read_to_string(
            self.root
                .join(format!("locks/{distribution}/{release}.lock.yaml")),
        )
        .unwrap()
    }

    fn identities(
        &self,
        distribution: &str,
        release: &str,
    ) -> std::collections::BTreeMap<String, String> {
        let lock = distrib::lock::parse(&self.lock_text(distribution, release)).unwrap();
        lock.products
            .into_iter()
            .map(|p| (p.name, p.identity))
            .collect()
    }
}

/// Asserts that the run's messages say `text`.
fn says(run: &Run, text: &str) {
    assert!(
        run.stderr.contains(text),
        "expected `{text}` in:\n{}",
        run.stderr
    );
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

#[test]
fn fetch_lock_verify_and_check() {
    let f = Fixture::new();
    let run = f.run(&["fetch"]);
    ok(&run);
    says(&run, "fetched 4 repositories");
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
    ]);
    ok(&run);
    says(
        &run,
        "wrote `locks/dist/w.2026.47.lock.yaml`: 4 products, build b1",
    );
    let ignored = std::fs::read_to_string(f.root.join("locks/.gitignore")).unwrap();
    assert!(ignored.lines().any(|l| l == ".distrib-lock"), "{ignored}");
    let text = f.lock_text("dist", "w.2026.47");
    assert!(text.starts_with("# This file is @generated by distrib. Do not edit.\nversion: 1\n"));
    let lock = distrib::lock::parse(&text).unwrap();
    let base = lock.products.iter().find(|p| p.name == "base").unwrap();
    assert_eq!(base.version.as_deref(), Some("1.0.0"));
    assert_eq!(base.repositories[0].resolved, "refs/tags/1.0.0");
    assert_eq!(
        base.repositories[0].tree,
        git(&f.repo("base"), &["rev-parse", "1.0.0^{tree}"])
    );
    let utils = lock.products.iter().find(|p| p.name == "utils").unwrap();
    assert_eq!(
        utils.repositories[0].commit,
        git(&f.repo("utils"), &["rev-parse", "main"])
    );
    assert_eq!(
        utils.recipe,
        r#"{"env":{"CC":"gcc","OPT":"-O2"},"script":"make"}"#
    );

    // The same manifests and mirrors give the same bytes.
    let dry = f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
        "--dry-run",
    ]);
    ok(&dry);
    assert_eq!(dry.stdout, text);
    let again = f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
    ]);
    ok(&again);
    assert!(again.stderr.contains("is up to date"), "{}", again.stderr);

    ok(&f.run(&["verify"]));
    ok(&f.run(&["lock", "dist", "--check", "--offline"]));
    assert_eq!(lock.manifest_commit, None, "not a git repository");

    // In a git repository, the lock names the manifest commit, and says when the work tree
    // differs from it.
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let dry = |args: &[&str]| {
        let run = f.run(
            &[
                &[
                    "lock",
                    "dist",
                    "--kind",
                    "weekly",
                    "--offline",
                    "--dry-run",
                    "--date",
                    "2026-11-26",
                ],
                args,
            ]
            .concat(),
        );
        ok(&run);
        distrib::lock::parse(&run.stdout).unwrap().manifest_commit
    };
    assert_eq!(dry(&[]), Some(head.clone()));
    write(
        &f.root.join("products/other.yaml"),
        "name: other\nrepositories:\n  - url: https://example.org/sw/other\n    ref: main\ndescription: edited\n",
    );
    assert_eq!(dry(&[]), Some(format!("{head}-dirty")));

    // Upstream moves on: the lock is stale once the mirrors know it.
    let new = commit_file(&f.repo("other"), "src/README", "other 2", "DM-2: second");
    let run = f.run(&["lock", "dist", "--check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "`w.2026.47` is stale: 1 of its products would change");
    assert!(
        run.stderr.contains("  changed   other ") && run.stderr.contains(&new[..10]),
        "{}",
        run.stderr
    );
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "nightly",
        "--date",
        "2026-11-20",
        "--offline",
    ]);
    ok(&run);
    says(&run, "build b2");
    let nightly = distrib::lock::parse(&f.lock_text("dist", "d.2026.11.20")).unwrap();
    assert_eq!(
        nightly
            .products
            .iter()
            .find(|p| p.name == "other")
            .unwrap()
            .repositories[0]
            .commit,
        new
    );
}

#[test]
fn identities_follow_content_not_names() {
    let f = Fixture::new();
    ok(&f.run(&["fetch"]));
    let lock = |date: &str| {
        let run = f.run(&["lock", "dist", "--kind", "nightly", "--date", date]);
        ok(&run);
        run
    };
    lock("2026-11-01");
    let first = f.identities("dist", "d.2026.11.01");

    // A new commit with the same tree, then the same tree under a new tag: nothing to rebuild.
    git(
        &f.repo("app"),
        &["commit", "-q", "--allow-empty", "-m", "empty"],
    );
    git(&f.repo("app"), &["tag", "2.0.0"]);
    let run = lock("2026-11-02");
    assert_eq!(f.identities("dist", "d.2026.11.02"), first);
    says(&run, "same content as `d.2026.11.01` (b1)");

    // A change in `utils`: utils and app change, base and other do not.
    commit_file(&f.repo("utils"), "src/README", "utils 2", "change");
    lock("2026-11-03");
    let third = f.identities("dist", "d.2026.11.03");
    for (name, changed) in [
        ("utils", true),
        ("app", true),
        ("base", false),
        ("other", false),
    ] {
        assert_eq!(third[name] != first[name], changed, "{name}");
    }

    // Reordering the keys of a recipe changes nothing.
    let utils = f.root.join("products/utils.yaml");
    let text = std::fs::read_to_string(&utils).unwrap();
    std::fs::write(
        &utils,
        text.replace(
            "build: { script: make, env: { CC: gcc, OPT: -O2 } }",
            "build:\n  env: { OPT: -O2, CC: gcc }\n  script: make\n",
        ),
    )
    .unwrap();
    lock("2026-11-04");
    assert_eq!(f.identities("dist", "d.2026.11.04"), third);

    // Another environment changes every identity.
    write(
        &f.root.join("environments/ops.yaml"),
        "name: ops\npurpose: operations\npackages: { python: \"3.12.8\" }\n",
    );
    lock("2026-11-05");
    let fifth = f.identities("dist", "d.2026.11.05");
    assert!(fifth.iter().all(|(name, id)| third[name] != *id));
}

#[test]
fn bad_refs_mirrors_and_paths() {
    let f = Fixture::new();
    let run = f.run(&["lock", "dist", "--kind", "weekly", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("no mirror of `https://example.org/sw/app`")
            && run.stderr.contains("distrib fetch dist"),
        "{}",
        run.stderr
    );

    ok(&f.run(&["fetch"]));
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--offline",
        "--set",
        "other=mian",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "product `other`, repository `https://example.org/sw/other`: `mian` is neither"
        ),
        "{}",
        run.stderr
    );
    says(&run, "the closest refs are `main`");

    let utils = f.root.join("products/utils.yaml");
    let text = std::fs::read_to_string(&utils).unwrap();
    std::fs::write(
        &utils,
        text.replace("    ref: main\n", "    ref: main\n    path: python\n"),
    )
    .unwrap();
    let run = f.run(&["lock", "dist", "--kind", "weekly", "--offline"]);
    assert_eq!(run.code, 1);
    says(&run, "path `python` is not a folder");
    std::fs::write(&utils, text).unwrap();

    // A name that is both a tag and a branch is refused, naming both.
    git(&f.repo("other"), &["tag", "main"]);
    ok(&f.run(&["fetch"]));
    let run = f.run(&["lock", "dist", "--kind", "weekly", "--offline"]);
    assert_eq!(run.code, 1);
    says(&run, "`main` is both a tag and a branch");
    says(&run, "(`refs/tags/main` and `refs/heads/main`)");
    git(&f.repo("other"), &["tag", "-d", "main"]);

    // An empty repository, and a corrupt mirror.
    let empty = f.upstream.join("example.org/sw/empty");
    std::fs::create_dir_all(&empty).unwrap();
    git(&empty, &["init", "-q", "-b", "main"]);
    write(
        &f.root.join("products/empty.yaml"),
        "name: empty\nrepositories:\n  - url: https://example.org/sw/empty\n",
    );
    write(
        &f.root.join("distributions/solo.yaml"),
        "name: solo\nenvironment: ops\nproducts: [other, empty]\n",
    );
    let run = f.run(&["lock", "solo", "--kind", "weekly"]);
    assert_eq!(run.code, 1);
    says(&run, "the repository has no branch and no tag");
    std::fs::write(f.mirrors.join("example.org/sw/other.git/HEAD"), "garbage").unwrap();
    std::fs::remove_dir_all(f.mirrors.join("example.org/sw/other.git/refs")).unwrap();
    let run = f.run(&["lock", "dist", "--kind", "weekly", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("mirror-corrupt") || run.stderr.contains("cannot be used"),
        "{}",
        run.stderr
    );
}

#[test]
fn overrides_aliases_requirements_and_unchanged_releases() {
    let f = Fixture::locked();
    let before = f.lock_text("dist", "w.2026.47");
    // Another day of the same week, the same content: the release exists, nothing is rewritten.
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--date",
        "2026-11-20",
        "--offline",
    ]);
    ok(&run);
    says(&run, "is up to date");
    assert_eq!(f.lock_text("dist", "w.2026.47"), before);

    // --set accepts a former name and records the current one; the tag is then not the version.
    commit_file(&f.repo("base"), "src/README", "base 2", "after the release");
    ok(&f.run(&["fetch"]));
    let other = f.root.join("products/other.yaml");
    let text = std::fs::read_to_string(&other).unwrap();
    std::fs::write(&other, format!("{text}aliases: [other_old]\n")).unwrap();
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "manual",
        "--offline",
        "--dry-run",
        "--set",
        "other_old=main",
        "--set",
        "base=main",
    ]);
    ok(&run);
    let lock = distrib::lock::parse(&run.stdout).unwrap();
    assert_eq!(lock.overrides.keys().collect::<Vec<_>>(), ["base", "other"]);
    let base = lock.products.iter().find(|p| p.name == "base").unwrap();
    assert_eq!(base.repositories[0].reference, "main");
    assert!(
        base.version.as_deref().unwrap().starts_with("1.0.0-1-g"),
        "{:?}",
        base.version
    );
    let run = f.run(&[
        "lock",
        "dist",
        "--kind",
        "manual",
        "--offline",
        "--set",
        "nothing=main",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);

    // A branch-tracking product is checked against its nearest tag once locked.
    git(&f.repo("utils"), &["tag", "1.5.0"]);
    commit_file(&f.repo("utils"), "src/README", "utils 2", "after the tag");
    ok(&f.run(&["fetch"]));
    let app = f.root.join("products/app.yaml");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("utils: \"*\"", "utils: \">=2\"")).unwrap();
    let run = f.run(&["lock", "dist", "--kind", "manual", "--offline", "--dry-run"]);
    assert_eq!(run.code, 1);
    says(
        &run,
        "`app` requires `utils` `>=2`, and `utils` resolved to `1.5.0-1-g",
    );
}

#[test]
fn verify_finds_edits_truncation_versions_and_moved_tags() {
    let f = Fixture::new();
    ok(&f.run(&["lock", "dist", "--kind", "weekly", "--date", "2026-11-19"]));
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    let text = std::fs::read_to_string(&path).unwrap();

    std::fs::write(&path, text.replacen("build: 1", "build: 7", 1)).unwrap();
    let run = f.run(&["verify", "--offline"]);
    assert_eq!(run.code, 1);
    says(&run, "edited by hand");
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    assert!(f.run(&["verify", "--offline"]).stderr.contains("truncated"));
    std::fs::write(&path, text.replacen("version: 1\n", "version: 9\n", 1)).unwrap();
    assert!(
        f.run(&["verify", "--offline"])
            .stderr
            .contains("format version 9 is not supported")
    );
    // A damaged lock stops the next `lock`: its build number could be lost.
    let run = f.run(&["lock", "dist", "--kind", "nightly", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("lock-invalid") && run.stderr.contains("fix these problems first"),
        "{}",
        run.stderr
    );
    std::fs::write(&path, &text).unwrap();
    ok(&f.run(&["verify"]));

    // A lock rewritten with another commit of the same tag's product, its digest recomputed:
    // nothing offline can tell, the mirror can.
    let mut forged = distrib::lock::parse(&text).unwrap();
    let utils = forged
        .products
        .iter_mut()
        .find(|p| p.name == "utils")
        .unwrap();
    commit_file(&f.repo("utils"), "src/OTHER", "x", "another tree");
    ok(&f.run(&["fetch"]));
    utils.repositories[0].commit = git(&f.repo("utils"), &["rev-parse", "HEAD"]);
    std::fs::write(&path, forged.to_text().unwrap()).unwrap();
    ok(&f.run(&["verify", "--offline"]));
    let run = f.run(&["verify"]);
    assert_eq!(run.code, 1);
    says(&run, "has tree");
    let elsewhere = tempfile::tempdir().unwrap();
    let run = distrib_wide(
        &f.root,
        &["verify", "--mirrors", elsewhere.path().to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    says(
        &run,
        "no mirror of `https://example.org/sw/base` to check against",
    );
    std::fs::write(&path, &text).unwrap();

    // Someone moves the release tag, then deletes it.
    let base = f.repo("base");
    commit_file(&base, "src/README", "base 2", "second");
    git(&base, &["tag", "-f", "-a", "-m", "moved", "1.0.0"]);
    ok(&f.run(&["fetch"]));
    let run = f.run(&["verify"]);
    assert_eq!(run.code, 1);
    says(
        &run,
        "tag `1.0.0` of `https://example.org/sw/base` now points to",
    );
    git(&base, &["tag", "-d", "1.0.0"]);
    ok(&f.run(&["fetch"]));
    let run = f.run(&["verify"]);
    says(&run, "tag `1.0.0` was deleted");

    // History rewritten upstream, and the mirror made anew: the locked commit is gone.
    let other = f.repo("other");
    git(&other, &["checkout", "-q", "--orphan", "rewritten"]);
    git(&other, &["commit", "-q", "-m", "rewritten"]);
    git(&other, &["branch", "-D", "main"]);
    git(&other, &["branch", "-m", "main"]);
    std::fs::remove_dir_all(f.mirrors.join("example.org/sw/other.git")).unwrap();
    ok(&f.run(&["fetch"]));
    let run = f.run(&["verify"]);
    assert_eq!(run.code, 1);
    says(&run, "no longer exists in `https://example.org/sw/other`");
}

#[test]
fn credentials_are_never_printed_or_written() {
    let f = Fixture::new();
    let secret = "hunter2";
    write(
        &f.root.join("distrib.yaml"),
        &format!(
            "rewrite:\n  \"https://example.org/\": \"file://{}/example.org/\"\n  \"https://robot:{secret}@example.org/\": \"file://{}/example.org/\"\n",
            f.upstream.display(),
            f.upstream.display()
        ),
    );
    let product = f.root.join("products/other.yaml");
    std::fs::write(
        &product,
        format!(
            "name: other\nrepositories:\n  - url: https://robot:{secret}@example.org/sw/other\n"
        ),
    )
    .unwrap();
    let run = f.run(&["lock", "solo", "--kind", "weekly", "--date", "2026-11-19"]);
    ok(&run);
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    let text = f.lock_text("solo", "w.2026.47");
    assert!(!text.contains(secret));
    assert!(
        text.contains("url: https://example.org/sw/other\n"),
        "{text}"
    );

    // A failing fetch does not show it either.
    std::fs::write(
        &product,
        format!(
            "name: other\nrepositories:\n  - url: https://robot:{secret}@example.org/sw/missing\n"
        ),
    )
    .unwrap();
    let run = f.run(&["fetch", "solo"]);
    assert_eq!(run.code, 1);
    says(
        &run,
        "cannot fetch `https://example.org/sw/missing` (product `other`)",
    );
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
}

#[test]
fn release_names_stay_in_the_locks_folder() {
    let f = Fixture::new();
    write(
        &f.root.join("distributions/solo.yaml"),
        "name: solo\nenvironment: ops\nproducts: [other]\nvariables: { suite: \"1\" }\nnaming: { manual: \"m-{suite}\" }\n",
    );
    ok(&f.run(&["fetch", "solo"]));
    let run = f.run(&[
        "lock",
        "solo",
        "--kind",
        "manual",
        "--offline",
        "--var",
        "suite=../../etc",
    ]);
    assert_eq!(run.code, 2, "a usage error, found before fetching");
    says(&run, "is not a valid release name");
    assert!(!f.root.join("etc").exists() && !f.root.join("locks/etc").exists());
    let run = f.run(&[
        "lock",
        "solo",
        "--kind",
        "manual",
        "--offline",
        "--var",
        "nope=1",
    ]);
    assert_eq!(run.code, 2, "a usage error");
    says(&run, "unknown variable `nope`");
}

#[test]
fn concurrent_locks_get_distinct_build_numbers() {
    let f = Fixture::new();
    ok(&f.run(&["fetch"]));
    let spawn = |distribution: &str| {
        support::clean(std::process::Command::new(env!("CARGO_BIN_EXE_distrib")))
            .current_dir(&f.root)
            .args([
                "lock",
                distribution,
                "--kind",
                "weekly",
                "--date",
                "2026-11-19",
                "--offline",
                "--mirrors",
            ])
            .arg(&f.mirrors)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = ["dist", "solo", "dist", "solo"]
        .iter()
        .map(|d| spawn(d))
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut builds = vec![
        distrib::lock::parse(&f.lock_text("dist", "w.2026.47"))
            .unwrap()
            .build,
        distrib::lock::parse(&f.lock_text("solo", "w.2026.47"))
            .unwrap()
            .build,
    ];
    builds.sort();
    assert_eq!(builds, [1, 2]);
}

#[test]
fn unwritable_locks_folder_is_a_clear_error() {
    let f = Fixture::new();
    ok(&f.run(&["fetch", "solo"]));
    write(&f.root.join("locks"), "not a folder");
    let run = f.run(&["lock", "solo", "--kind", "weekly", "--offline"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot use") && run.stderr.contains("locks"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(f.root.join("locks")).unwrap(),
        "not a folder"
    );
}

#[test]
fn second_builds_of_a_day_hidden_locks_and_linked_lock_folders() {
    let f = Fixture::new();
    ok(&f.run(&["fetch"]));
    ok(&f.run(&[
        "lock",
        "dist",
        "--kind",
        "nightly",
        "--date",
        "2026-11-19T10:30",
        "--offline",
    ]));
    commit_file(&f.repo("other"), "src/README", "other 2", "change");
    ok(&f.run(&["fetch"]));
    let second = [
        "lock",
        "dist",
        "--kind",
        "nightly",
        "--date",
        "2026-11-19T10:31",
        "--offline",
    ];
    let run = f.run(&second);
    ok(&run);
    says(&run, "wrote `locks/dist/d.2026.11.19-1031.lock.yaml`");
    // The same second build again is that build: nothing to write.
    let run = f.run(&second);
    ok(&run);
    says(
        &run,
        "`locks/dist/d.2026.11.19-1031.lock.yaml` is up to date",
    );

    // Hidden lockfiles are neither audited nor counted.
    write(&f.root.join("locks/.trash/old.lock.yaml"), "junk");
    ok(&distrib_wide(&f.root, &["check"]));
    ok(&f.run(&["lock", "dist", "--check", "--offline"]));

    // A distribution's lock folder linked out of the repository is never written through.
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), f.root.join("locks/solo")).unwrap();
    let run = f.run(&[
        "lock",
        "solo",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
    ]);
    assert_eq!(run.code, 1);
    says(&run, "symlink-escape");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn check_compares_with_the_lock_it_names_on_its_platform() {
    let f = Fixture::new();
    ok(&f.run(&["fetch"]));
    // A lock made for macOS with an override is up to date when compared as it was made.
    write(
        &f.root.join("distributions/solo.yaml"),
        "name: solo\nenvironment: ops\nproducts: [other]\n",
    );
    let main = git(&f.repo("other"), &["rev-parse", "main"]);
    let made = [
        "lock",
        "solo",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
        "--platform",
        "osx-arm64",
    ];
    ok(&f.run(&[&made[..], &["--set", &format!("other={main}")]].concat()));
    let run = f.run(&["lock", "solo", "--check", "--offline"]);
    ok(&run);
    says(&run, "`w.2026.47` is up to date");
    // The newest lock is the latest by date, even when an older build number is reused.
    ok(&f.run(&[
        "lock",
        "solo",
        "--kind",
        "weekly",
        "--date",
        "2026-11-26",
        "--offline",
        "--platform",
        "osx-arm64",
        "--set",
        &format!("other={main}"),
    ]));
    let run = f.run(&["lock", "solo", "--check", "--offline"]);
    ok(&run);
    says(&run, "`w.2026.48` is up to date");
}

#[test]
fn mirrors_of_relative_local_repositories_do_not_depend_on_how_the_root_was_named() {
    let f = Fixture::new();
    let local = f.root.join("../upstream/example.org/sw/other");
    assert!(local.exists());
    write(
        &f.root.join("products/other.yaml"),
        "name: other\nrepositories:\n  - url: ../upstream/example.org/sw/other\n",
    );
    let parent = f.root.parent().unwrap();
    let mirrors = f.mirrors.to_str().unwrap();
    ok(&distrib_wide(
        parent,
        &["-C", "manifests", "fetch", "solo", "--mirrors", mirrors],
    ));
    let run = distrib_wide(
        &f.root,
        &[
            "lock",
            "solo",
            "--kind",
            "weekly",
            "--offline",
            "--dry-run",
            "--mirrors",
            mirrors,
        ],
    );
    ok(&run);
}

#[test]
fn list_shows_releases_and_where_they_are_installed() {
    let f = Fixture::new();
    let run = distrib_wide(&f.root, &["list"]);
    ok(&run);
    says(&run, "no release is locked yet");
    ok(&f.run(&["fetch"]));
    ok(&f.run(&[
        "lock",
        "dist",
        "--kind",
        "weekly",
        "--date",
        "2026-11-19",
        "--offline",
    ]));
    ok(&f.run(&[
        "lock",
        "dist",
        "--kind",
        "nightly",
        "--date",
        "2026-11-20",
        "--offline",
    ]));
    write(
        &f.root.join("deployments/site.yaml"),
        "name: site\ndistribution: dist\ndefault: w.2026.47\ninstalled:\n  - release: w.2026.47\n    support: official\n  - release: d.2026.11.20\n    support: test\n",
    );
    let run = distrib_wide(&f.root, &["list", "dist"]);
    ok(&run);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("release"), "{}", run.stdout);
    assert!(
        lines[1].starts_with("d.2026.11.20")
            && lines[1].contains("site: test, same content as w.2026.47"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("w.2026.47") && lines[2].contains("site: official (default)"),
        "{}",
        run.stdout
    );

    let run = distrib_wide(&f.root, &["list", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let newest = &document["releases"][0];
    assert_eq!(newest["release"], "d.2026.11.20");
    assert_eq!(newest["build"], 1);
    assert_eq!(newest["same_content_as"], "w.2026.47");
    assert_eq!(newest["installed"][0]["support"], "test");
}

#[test]
fn deploy_edits_the_deployment_file_in_place() {
    let f = Fixture::locked();
    let site = f.root.join("deployments/site.yaml");
    write(
        &site,
        "# The site.\nname: site\ndistribution: dist\ninstalled: []  # nothing yet\n",
    );
    let deploy = |args: &[&str]| distrib_wide(&f.root, &[&["deploy"], args].concat());

    let run = deploy(&["add", "site", "w.2026.50", "--support", "official"]);
    assert_eq!(run.code, 1);
    says(&run, "`w.2026.50` has no lock in `locks/dist/`");
    ok(&deploy(&[
        "add",
        "site",
        "w.2026.47",
        "--support",
        "test",
        "--requested-by",
        "TPC",
    ]));
    let run = deploy(&["set-default", "site", "w.2026.47"]);
    assert_eq!(run.code, 1);
    says(
        &run,
        "only an officially supported release may be the default",
    );
    ok(&deploy(&["remove", "site", "w.2026.47"]));
    ok(&deploy(&[
        "add",
        "site",
        "w.2026.47",
        "--support",
        "official",
    ]));
    ok(&deploy(&["set-default", "site", "w.2026.47"]));
    let run = deploy(&["remove", "site", "w.2026.47"]);
    assert_eq!(run.code, 1);
    says(&run, "is the default");
    assert_eq!(
        deploy(&["add", "nowhere", "w.2026.47", "--support", "official"]).code,
        2
    );

    let text = std::fs::read_to_string(&site).unwrap();
    assert_eq!(
        text,
        "# The site.\nname: site\ndistribution: dist\ndefault: w.2026.47\ninstalled:\n  - release: w.2026.47\n    support: official\n"
    );
    ok(&distrib_wide(&f.root, &["check"]));
}
