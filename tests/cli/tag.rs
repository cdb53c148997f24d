//! `distrib tag` and `distrib branch` against real origins: `file://` repositories and a
//! smart-HTTP server on 127.0.0.1 with basic authentication and a rejecting hook.

use crate::support::http;

use std::path::{Path, PathBuf};

use crate::support::fixture::{
    Fixture, append, commit_file, fails, ok, product_in, says, write, write_executable,
};
use crate::support::{CommandLine, Run, distrib_with, git};

const WEEKLY: &str = "dist/w.2026.47";
const TAG: &str = "w.2026.47";

/// The commit each repository's tag points at, peeled, or `None` without the tag.
fn tag_commit(repo: &Path, tag: &str) -> Option<String> {
    let output = crate::support::clean(std::process::Command::new("git"))
        .current_dir(repo)
        .args([
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/tags/{tag}^{{commit}}"),
        ])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The commit the weekly's lock records for `product`.
fn locked_commit(f: &Fixture, product: &str) -> String {
    let lock = distrib::lock::parse(&f.lock_text("dist", TAG)).unwrap();
    product_in(&lock, product).repositories[0].commit.clone()
}

const ALL: [&str; 4] = ["app", "base", "other", "utils"];

#[test]
fn a_release_is_tagged_in_every_repository_and_a_rerun_is_in_sync() {
    let f = Fixture::locked();
    let lock = distrib::lock::parse(&f.lock_text("dist", TAG)).unwrap();
    assert_eq!(
        lock.tags.len(),
        4,
        "one tag per repository: {:?}",
        lock.tags
    );
    assert!(lock.tags.iter().all(|t| t.name == TAG));
    assert!(
        lock.tags[0]
            .message
            .starts_with("Version w.2026.47 release from dist w.2026.47 (build b1, lock "),
        "{}",
        lock.tags[0].message
    );

    let run = f.run(&["tag", WEEKLY, "--verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "0 of 4 repositories in sync");

    let run = f.run(&["tag", WEEKLY, "--dry-run"]);
    ok(&run);
    assert_eq!(run.stdout.matches("create ").count(), 4, "{}", run.stdout);
    says(&run, "nothing was written");
    // The plan as JSON: the release object, each repository to create and skipped.
    let run = f.run(&["tag", WEEKLY, "--dry-run", "--format", "json"]);
    ok(&run);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["format"], "distrib-tag/1");
    assert_eq!(plan["mode"], "dry-run");
    assert_eq!(plan["release"]["distribution"], "dist");
    assert_eq!(plan["release"]["release"], TAG);
    assert_eq!(plan["release"]["kind"], "weekly");
    assert_eq!(
        plan["release"]["lock"],
        format!("locks/dist/{TAG}.lock.yaml")
    );
    let first = &plan["repositories"][0];
    assert_eq!(first["ref"], format!("refs/tags/{TAG}"));
    assert_eq!(
        (first["state"].as_str(), first["status"].as_str()),
        (Some("create"), Some("skipped"))
    );
    assert!(
        first["repository"]
            .as_str()
            .unwrap()
            .starts_with("https://example.org/sw/")
    );
    assert_eq!(plan["summary"]["create"], 4);
    assert_eq!(plan["diagnostics"], serde_json::json!([]));
    assert!(ALL.iter().all(|p| tag_commit(&f.repo(p), TAG).is_none()));

    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    says(&run, "4 pushed, 0 already in sync, 0 failed");
    for product in ALL {
        assert_eq!(
            tag_commit(&f.repo(product), TAG),
            Some(locked_commit(&f, product)),
            "{product}"
        );
    }
    let message = git(
        &f.repo("utils"),
        &["tag", "-l", "--format=%(contents)", TAG],
    );
    assert!(
        message.starts_with("Version w.2026.47 release from dist"),
        "{message}"
    );
    assert_eq!(
        git(&f.repo("utils"), &["cat-file", "-t", TAG]),
        "tag",
        "annotated"
    );

    let run = f.run(&["tag", WEEKLY, "--push", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (document["mode"].as_str(), document["push"].as_bool()),
        (Some("write"), Some(true))
    );
    assert_eq!(document["summary"]["up_to_date"], 4, "{document}");
    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    says(&run, "0 pushed, 4 already in sync");
    ok(&f.run(&["tag", WEEKLY, "--verify"]));

    let run = f.run(&["tag", WEEKLY, "--verify", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["repositories"].as_array().unwrap().len(), 4);
    assert!(
        document["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "in-sync")
    );
}

#[test]
fn a_lock_without_tags_reads_and_verifies_as_before() {
    let f = Fixture::locked();
    let mut lock = distrib::lock::parse(&f.lock_text("dist", TAG)).unwrap();
    lock.tags.clear();
    let text = lock.to_text().unwrap();
    assert!(!text.contains("tags:"), "{text}");
    assert_eq!(
        distrib::lock::parse(&text).unwrap().to_text().unwrap(),
        text
    );
}

#[test]
fn tagging_needs_a_lock_and_a_tagged_kind() {
    let f = Fixture::locked();
    fails(&f.run(&["tag", "dist/w.2099.01"]), 1, "no lock of");
    ok(&f.lock("dist", "nightly").date("2026-11-20").offline().run());
    let run = f.run(&["tag", "dist/d.2026.11.20", "--push"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "records no tag: a nightly release makes none");
    says(&run, "naming.tag.nightly");
}

#[test]
fn a_tag_prefix_no_tag_can_start_with_is_refused_by_check() {
    let f = Fixture::new();
    f.fetch();
    // It would fail every lock of the product: `check` says so, and where.
    append(&f.root.join("products/other.yaml"), "tag_prefix: \"v~\"\n");
    let run = f.run(&["check"]);
    fails(
        &run,
        1,
        "`tag_prefix: v~` cannot start a git tag, so no release of `other` can be tagged",
    );
    says(&run, "[products/other.yaml:5:13]");
    let run = f.lock("dist", "weekly").date("2026-11-19").offline().run();
    fails(&run, 1, "fix these problems first");
    assert!(!f.root.join("locks/dist/w.2026.47.lock.yaml").exists());
}

#[test]
fn a_product_tag_prefix_starts_its_tag() {
    let f = Fixture::new();
    append(&f.root.join("products/other.yaml"), "tag_prefix: v\n");
    f.lock_weekly();
    ok(&f.run(&["tag", WEEKLY, "--push"]));
    assert!(tag_commit(&f.repo("other"), "vw.2026.47").is_some());
    assert!(tag_commit(&f.repo("utils"), TAG).is_some());
}

#[test]
fn a_conflicting_tag_stops_everything_unless_forced() {
    let f = Fixture::locked();
    let utils = f.repo("utils");
    commit_file(&utils, "src/LATER", "later", "later");
    git(&utils, &["tag", "-a", "-m", "by hand", TAG]);
    let moved = git(&utils, &["rev-parse", "HEAD"]);
    let run = f.run(&["tag", WEEKLY, "--push"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "`w.2026.47` exists in");
    says(&run, "nothing was written");
    says(&run, "pass --force");
    assert_eq!(tag_commit(&utils, TAG), Some(moved));
    assert!(
        ["app", "base", "other"]
            .iter()
            .all(|p| tag_commit(&f.repo(p), TAG).is_none()),
        "nothing is pushed before every problem is known"
    );

    let run = f.run(&["tag", WEEKLY, "--push", "--force"]);
    ok(&run);
    assert_eq!(tag_commit(&utils, TAG), Some(locked_commit(&f, "utils")));
    ok(&f.run(&["tag", WEEKLY, "--verify"]));
}

#[test]
fn an_annotated_tag_with_another_message_is_reported_not_rewritten() {
    let f = Fixture::locked();
    let app = f.repo("app");
    git(
        &app,
        &[
            "tag",
            "-a",
            "-m",
            "made by hand",
            TAG,
            &locked_commit(&f, "app"),
        ],
    );
    let object = git(&app, &["rev-parse", TAG]);
    f.fetch();
    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    says(
        &run,
        "an annotated tag with another message (`made by hand`)",
    );
    says(&run, "3 pushed, 1 already in sync");
    assert_eq!(git(&app, &["rev-parse", TAG]), object, "left as it is");
}

#[test]
fn a_repository_missing_at_the_origin_stops_the_run() {
    let f = Fixture::locked();
    let other = f.repo("other");
    let moved = other.with_file_name("other-moved");
    std::fs::rename(&other, &moved).unwrap();
    let run = f.run(&["tag", WEEKLY, "--push"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "cannot read `file://");
    says(&run, "nothing was written");
    assert!(tag_commit(&f.repo("utils"), TAG).is_none());
    std::fs::rename(&moved, &other).unwrap();
    ok(&f.run(&["tag", WEEKLY, "--push"]));
}

#[test]
fn two_runs_at_once_tag_once_and_both_succeed() {
    let f = Fixture::locked();
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| f.run(&["tag", WEEKLY, "--push"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        ok(run);
    }
    let pushed: usize = runs
        .iter()
        .map(|r| r.stdout.matches("pushed ").count())
        .sum();
    assert_eq!(pushed, 4, "each repository pushed once: {}", runs[0].stdout);
    ok(&f.run(&["tag", WEEKLY, "--verify"]));
}

/// Bare copies of the fixture's upstreams under `served/sw/`, and `distrib.yaml` pointing
/// `https://example.org/` at the server.
fn serve(f: &Fixture) -> (PathBuf, http::GitServer) {
    let served = f.root.parent().unwrap().join("served");
    for name in ALL {
        std::fs::create_dir_all(served.join("sw")).unwrap();
        git(
            &served.join("sw"),
            &[
                "clone",
                "-q",
                "--bare",
                f.repo(name).to_str().unwrap(),
                name,
            ],
        );
    }
    let server = http::GitServer::start(&served, "robot", "s3cret");
    write(
        &f.root.join("distrib.yaml"),
        &format!(
            "rewrite:\n  \"https://example.org/\": \"{}\"\n",
            server.url("")
        ),
    );
    (served, server)
}

fn helper(dir: &Path) -> PathBuf {
    let helper = dir.join("helper");
    write_executable(
        &helper,
        "#!/bin/sh\ncat > /dev/null\nif [ \"$1\" = get ]; then printf 'username=robot\\npassword=s3cret\\n'; fi\n",
    );
    let config = dir.join("gitconfig");
    write(
        &config,
        &format!("[credential]\n\thelper = {}\n", helper.display()),
    );
    config
}

fn run_with(f: &Fixture, args: &[&str], config: &Path) -> Run {
    let mut all = vec![args[0], "--mirrors", f.mirrors.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    distrib_with(&f.root, &all, &[("GIT_CONFIG_GLOBAL", config.as_os_str())])
}

#[test]
fn over_http_with_a_credential_helper_a_rejecting_hook_then_a_converging_rerun() {
    let f = Fixture::new();
    let (served, server) = serve(&f);
    let config = helper(f.root.parent().unwrap());
    ok(&run_with(&f, &["fetch"], &config));
    let words = ["lock", "dist", "--kind", "weekly"];
    let lock = CommandLine::new(|args| run_with(&f, args, &config), &words);
    ok(&lock.date("2026-11-19").offline().run());
    let hook = served.join("sw/other/hooks/pre-receive");
    write_executable(
        &hook,
        "#!/bin/sh\necho 'tags of other are frozen' >&2\nexit 1\n",
    );

    // No credentials: an error at once, naming the fix, and nothing written.
    let none = f.root.parent().unwrap().join("empty-config");
    write(&none, "");
    let run = run_with(&f, &["tag", WEEKLY, "--push"], &none);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "no git credential helper");
    says(&run, "nothing was written");

    let run = run_with(&f, &["tag", WEEKLY, "--push"], &config);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "3 pushed, 0 already in sync, 1 failed");
    says(&run, "tags of other are frozen");
    says(&run, "run the same command again");
    for name in ["app", "base", "utils"] {
        assert!(
            tag_commit(&served.join("sw").join(name), TAG).is_some(),
            "{name}"
        );
    }
    assert!(tag_commit(&served.join("sw/other"), TAG).is_none());
    assert!(!run.stderr.contains("s3cret"));
    // As JSON: the refused repository failed, with its diagnostic; the others up to date.
    let run = run_with(&f, &["tag", WEEKLY, "--push", "--format", "json"], &config);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status: Vec<(&str, &str)> = document["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ref"] == format!("refs/tags/{TAG}"))
        .map(|r| {
            let url = r["repository"].as_str().unwrap();
            (
                &url[url.rfind('/').unwrap() + 1..],
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(status.contains(&("other", "failed")), "{document}");
    assert_eq!(document["summary"]["failed"], 1, "{document}");
    let failure = &document["diagnostics"][0];
    assert_eq!(failure["code"], "push-failed", "{document}");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("tags of other are frozen")
    );
    assert!(!run.stdout.contains("s3cret"));

    std::fs::remove_file(&hook).unwrap();
    let run = run_with(&f, &["tag", WEEKLY, "--push"], &config);
    ok(&run);
    says(&run, "1 pushed, 3 already in sync, 0 failed");
    ok(&run_with(&f, &["tag", WEEKLY, "--verify"], &config));
    assert!(
        server.requests().iter().any(|r| r.ends_with(" authorized")),
        "{:?}",
        server.requests()
    );
}

/// The fixture with the weekly and its first candidate `17.0.0.rc1`.
fn with_candidate() -> Fixture {
    let f = Fixture::locked();
    ok(&f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .date("2026-11-20")
        .run());
    f
}

fn branch_commit(repo: &Path, branch: &str) -> Option<String> {
    let output = crate::support::clean(std::process::Command::new("git"))
        .current_dir(repo)
        .args([
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn a_candidate_is_tagged_and_a_release_branch_made_for_the_products_to_fix_only() {
    let f = with_candidate();
    let rc1 = distrib::lock::parse(&f.lock_text("dist", "17.0.0.rc1")).unwrap();
    assert!(
        rc1.tags.iter().all(|t| t.name == "17.0.0.rc1"),
        "{:?}",
        rc1.tags
    );
    ok(&f.run(&["tag", "dist/17.0.0.rc1", "--push"]));
    assert!(tag_commit(&f.repo("utils"), "17.0.0.rc1").is_some());

    let run = f.run(&["branch", "dist/17.0.0.rc1", "utils", "--dry-run"]);
    ok(&run);
    assert!(
        run.stdout.starts_with("create      b.17.0.x "),
        "{}",
        run.stdout
    );
    assert!(branch_commit(&f.repo("utils"), "b.17.0.x").is_none());

    let utils_at = product_in(&rc1, "utils").repositories[0].commit.clone();
    let run = f.run(&["branch", "dist/17.0.0.rc1", "utils", "--push"]);
    ok(&run);
    says(&run, "1 pushed");
    assert_eq!(branch_commit(&f.repo("utils"), "b.17.0.x"), Some(utils_at));
    assert!(
        branch_commit(&f.repo("app"), "b.17.0.x").is_none(),
        "only the product named"
    );
    let run = f.run(&["branch", "dist/17.0.0.rc1", "utils", "--push"]);
    ok(&run);
    says(&run, "0 pushed, 1 already in sync");
}

#[test]
fn a_release_branch_is_refused_for_products_of_one_repository_at_two_commits() {
    let f = Fixture::new();
    // `app2` is built from an older tag of `app`'s repository (alidist's lhapdf and lhapdf5),
    // and tagged with its own prefix.
    let app = f.repo("app");
    git(&app, &["tag", "-a", "-m", "old", "0.9.0"]);
    let old = git(&app, &["rev-parse", "HEAD"]);
    commit_file(&app, "src/README", "app 2", "later");
    write(
        &f.root.join("products/app.yaml"),
        "name: app\nrepositories:\n  - url: https://example.org/sw/app\n    ref: main\n    shared_with: [app2]\ndepends: { utils: \"*\" }\n",
    );
    write(
        &f.root.join("products/app2.yaml"),
        "name: app2\ntag: 0.9.0\ntag_prefix: app2-\nrepositories:\n  - url: https://example.org/sw/app\n    shared_with: [app]\n",
    );
    let dist = f.root.join("distributions/dist.yaml");
    let text = std::fs::read_to_string(&dist).unwrap();
    write(
        &dist,
        &text.replace("products: [app, other]", "products: [app, app2, other]"),
    );
    f.lock_weekly();
    ok(&f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .date("2026-11-20")
        .run());
    // One after the other, the second push would move the first one's branch forward.
    for order in [["app2", "app"], ["app", "app2"]] {
        let run = f.run(&[
            "branch",
            "dist/17.0.0.rc1",
            order[0],
            order[1],
            "--push",
            "--jobs",
            "1",
        ]);
        fails(&run, 1, "share `https://example.org/sw/app` at two commits");
        says(&run, "its one branch `b.17.0.x` cannot start at both");
        says(&run, "branch-two-commits");
        assert_eq!(branch_commit(&app, "b.17.0.x"), None);
    }
    // Each alone is branched.
    ok(&f.run(&["branch", "dist/17.0.0.rc1", "app2", "--push"]));
    assert_eq!(branch_commit(&app, "b.17.0.x"), Some(old));
}

#[test]
fn branching_refuses_unknown_products_weeklies_and_a_branch_elsewhere() {
    let f = with_candidate();
    let run = f.run(&["branch", "dist/17.0.0.rc1", "utilz", "--push"]);
    fails(&run, 1, "`utilz` is not a product of `dist/17.0.0.rc1`");
    says(&run, "did you mean `utils`?");
    let run = f.run(&["branch", WEEKLY, "utils"]);
    fails(&run, 1, "a release branch is named after a version");

    let app = f.repo("app");
    commit_file(&app, "src/LATER", "later", "later");
    git(&app, &["branch", "b.17.0.x"]);
    let elsewhere = git(&app, &["rev-parse", "HEAD"]);
    let run = f.run(&["branch", "dist/17.0.0.rc1", "app", "utils", "--push"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "`b.17.0.x` exists in");
    says(&run, "a release branch is never moved");
    assert_eq!(branch_commit(&app, "b.17.0.x"), Some(elsewhere));
    assert!(branch_commit(&f.repo("utils"), "b.17.0.x").is_none());
}

#[test]
fn check_reads_tag_templates() {
    let f = Fixture::new();
    let path = f.root.join("distributions/dist.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    write(
        &path,
        &text.replace(
            "naming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }",
            "naming: { weekly: \"w.%G.%V\", tag: { weekly: \"w.{nope}\" } }",
        ),
    );
    let run = f.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "template-invalid");
    says(&run, "nope");
}

#[test]
fn verify_tells_a_tag_never_pushed_from_a_moved_one() {
    let f = Fixture::locked();
    let run = f.run(&["verify"]);
    ok(&run);
    says(
        &run,
        "the release tag `w.2026.47` was never pushed (`distrib tag dist/w.2026.47 --push`): it is not in `https://example.org/sw/app`, nor in 3 other repositories",
    );
    ok(&f.run(&["tag", WEEKLY, "--push"]));
    f.fetch();
    let run = f.run(&["verify"]);
    ok(&run);
    assert!(!run.stderr.contains("never pushed"), "{}", run.stderr);
    // A release tag names a release, not a product version: the next weekly's versions are
    // what they were.
    ok(&f.lock("dist", "weekly").date("2026-11-26").offline().run());
    let versions = |release: &str| -> Vec<Option<String>> {
        distrib::lock::parse(&f.lock_text("dist", release))
            .unwrap()
            .products
            .into_iter()
            .map(|p| p.version)
            .collect()
    };
    assert_eq!(versions("w.2026.48"), versions(TAG));

    let utils = f.repo("utils");
    commit_file(&utils, "src/LATER", "later", "later");
    git(&utils, &["tag", "-f", "-a", "-m", "moved", TAG]);
    f.fetch();
    let run = f.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(
        &run,
        "the release tag `w.2026.47` of `https://example.org/sw/utils` points to",
    );
}

#[test]
fn the_manifest_repository_is_tagged_and_its_origin_gets_the_tag() {
    let f = Fixture::new();
    let origin = manifests_committed(&f);
    add_origin(&f, &origin);
    git(&f.root, &["push", "-q", "origin", "main"]);
    f.lock_weekly();
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    says(&run, "5 pushed");
    assert_eq!(tag_commit(&origin, TAG), Some(head.clone()));
    assert_eq!(tag_commit(&f.root, TAG), Some(head));
    ok(&f.run(&["tag", WEEKLY, "--verify"]));
}

/// Commits the fixture's manifests in a repository of their own, and gives the path of a new
/// bare repository beside it, to be its origin.
fn manifests_committed(f: &Fixture) -> PathBuf {
    let origin = f.root.parent().unwrap().join("manifests-origin.git");
    git(
        f.root.parent().unwrap(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    origin
}

fn add_origin(f: &Fixture, origin: &Path) {
    git(
        &f.root,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
}

#[test]
fn the_manifest_repository_gets_the_release_s_tag_when_every_product_has_a_prefix() {
    let f = Fixture::new();
    for product in ALL {
        append(
            &f.root.join(format!("products/{product}.yaml")),
            "tag_prefix: v\n",
        );
    }
    let origin = manifests_committed(&f);
    add_origin(&f, &origin);
    git(&f.root, &["push", "-q", "origin", "main"]);
    f.lock_weekly();
    let lock = distrib::lock::parse(&f.lock_text("dist", TAG)).unwrap();
    assert_eq!(lock.tag.as_deref(), Some(TAG));
    let prefixed = format!("v{TAG}");
    assert!(
        lock.tags.iter().all(|t| t.name == prefixed),
        "{:?}",
        lock.tags
    );
    ok(&f.run(&["tag", WEEKLY, "--push"]));
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    assert_eq!(tag_commit(&origin, TAG), Some(head));
    assert_eq!(tag_commit(&origin, &prefixed), None);
    assert!(
        ALL.iter()
            .all(|p| tag_commit(&f.repo(p), &prefixed).is_some())
    );
}

#[test]
fn a_tag_the_manifest_repository_has_on_another_commit_is_a_conflict_not_moved() {
    let f = Fixture::new();
    let origin = manifests_committed(&f);
    // Someone's own tag, made before the release and never pushed.
    git(&f.root, &["tag", "-a", "-m", "by hand", TAG]);
    let theirs = git(&f.root, &["rev-parse", "HEAD"]);
    commit_file(&f.root, "notes/README", "notes", "notes");
    add_origin(&f, &origin);
    git(&f.root, &["push", "-q", "origin", "main"]);
    f.lock_weekly();
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let run = f.run(&["tag", WEEKLY, "--dry-run"]);
    says(&run, "1 conflict, 4 create");
    let run = f.run(&["tag", WEEKLY, "--push"]);
    fails(&run, 1, "`w.2026.47` exists in the manifest repository");
    says(&run, &format!("at `{}`", &theirs[..12]));
    says(&run, "nothing was written");
    assert_eq!(tag_commit(&f.root, TAG), Some(theirs));
    assert_eq!(tag_commit(&origin, TAG), None);
    assert!(ALL.iter().all(|p| tag_commit(&f.repo(p), TAG).is_none()));
    // Moved when asked to.
    ok(&f.run(&["tag", WEEKLY, "--push", "--force"]));
    assert_eq!(tag_commit(&f.root, TAG), Some(head.clone()));
    assert_eq!(tag_commit(&origin, TAG), Some(head));
    ok(&f.run(&["tag", WEEKLY, "--verify"]));

    // On the release's commit, the manifest repository's own tag is pushed as it is.
    let f = Fixture::new();
    let origin = manifests_committed(&f);
    git(&f.root, &["tag", "-a", "-m", "by hand", TAG]);
    add_origin(&f, &origin);
    f.lock_weekly();
    ok(&f.run(&["tag", WEEKLY, "--push"]));
    let message = git(&origin, &["tag", "-l", "--format=%(contents)", TAG]);
    assert_eq!(message, "by hand");
}

#[test]
fn companions_are_recorded_outside_the_content_and_tagged_with_the_rest() {
    let f = Fixture::new();
    let docs = f.upstream.join("example.org/sw/docs");
    std::fs::create_dir_all(&docs).unwrap();
    git(&docs, &["init", "-q", "-b", "main"]);
    let head = commit_file(&docs, "index.rst", "docs", "first");
    write(
        &f.root.join("products/docs.yaml"),
        "name: docs\nrepositories:\n  - url: https://example.org/sw/docs\ntag_prefix: v\n",
    );
    let path = f.root.join("distributions/dist.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    write(&path, &format!("{text}companions: [docs]\n"));
    ok(&f.lock("dist", "weekly").date("2026-11-19").run());
    let lock = distrib::lock::parse(&f.lock_text("dist", TAG)).unwrap();
    assert_eq!(lock.companions.len(), 1, "{:?}", lock.companions);
    assert_eq!(
        (
            lock.companions[0].name.as_str(),
            lock.companions[0].commit.as_str()
        ),
        ("docs", head.as_str())
    );
    assert!(lock.products.iter().all(|p| p.name != "docs"), "not built");
    assert_eq!(
        lock.content,
        distrib::lock::Lockfile::content_digest(
            distrib::identity::Version::CURRENT,
            &lock.products
        )
    );
    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    says(&run, "5 pushed");
    assert_eq!(tag_commit(&docs, "vw.2026.47"), Some(head));

    write(&path, &format!("{text}companions: [nodocs]\n"));
    let run = f.lock("dist", "weekly").date("2026-11-26").offline().run();
    fails(&run, 1, "the companion `nodocs` of `dist` is no product");
}

/// An ssh server on 127.0.0.1 with a host key and a client key the test makes, or `None` (with
/// the reason) when openssh-server is not installed.
struct Sshd {
    child: std::process::Child,
    port: u16,
    key: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sshd(dir: &Path) -> Result<Sshd, String> {
    let binary = Path::new("/usr/sbin/sshd");
    if !binary.exists() {
        return Err("no /usr/sbin/sshd (apt-get install openssh-server)".into());
    }
    // sshd's privilege separation folder; the package's service would create it.
    std::fs::create_dir_all("/run/sshd").map_err(|e| format!("no /run/sshd: {e}"))?;
    std::fs::create_dir_all(dir).unwrap();
    let keygen = |file: &Path| {
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(file)
            .status()
            .map_err(|e| e.to_string())?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| "ssh-keygen failed".to_owned())
    };
    let (host, key) = (dir.join("host_key"), dir.join("client_key"));
    keygen(&host)?;
    keygen(&key)?;
    std::fs::copy(key.with_extension("pub"), dir.join("authorized_keys")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let config = dir.join("sshd_config");
    write(
        &config,
        &format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nAllowUsers {user}\nSetEnv PATH={}\n",
            host.display(),
            dir.join("authorized_keys").display(),
            dir.join("sshd.pid").display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    let child = std::process::Command::new(binary)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let server = Sshd { child, port, key };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err("sshd did not start listening".into())
}

#[test]
fn over_ssh_with_a_key_the_test_made() {
    let f = Fixture::locked();
    let server = match sshd(&f.root.parent().unwrap().join("ssh")) {
        Ok(server) => server,
        Err(why) => {
            crate::support::skipped(&why, None);
            return;
        }
    };
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    write(
        &f.root.join("distrib.yaml"),
        &format!(
            "rewrite:\n  \"https://example.org/\": \"ssh://{user}@127.0.0.1:{}{}/example.org/\"\n",
            server.port,
            f.upstream.display()
        ),
    );
    let ssh = format!(
        "ssh -i {} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
        server.key.display()
    );
    let mut all = vec![
        "tag",
        "--mirrors",
        f.mirrors.to_str().unwrap(),
        WEEKLY,
        "--push",
    ];
    let env = [("GIT_SSH_COMMAND", std::ffi::OsStr::new(&ssh))];
    let run = distrib_with(&f.root, &all, &env);
    ok(&run);
    says(&run, "4 pushed");
    for product in ALL {
        assert_eq!(
            tag_commit(&f.repo(product), TAG),
            Some(locked_commit(&f, product)),
            "{product}"
        );
    }
    all[4] = "--verify";
    ok(&distrib_with(&f.root, &all, &env));
}

/// The fixture's distribution, its tags gated on a passing `build`.
const GATED: &str = "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\" }\ngates: { tag: [build] }\n";

/// DMTN-106 §2.5: a release is tagged once it is proven to work. `gates: { tag: [build] }`
/// refuses to tag a release without a passing `build` record, names what is missing, and lets
/// `--override-gate` go on with the reason recorded; `--verify` writes nothing and needs no gate.
#[test]
fn tagging_waits_for_the_checks_the_tag_gate_names() {
    let f = Fixture::new();
    write(&f.root.join("distributions/dist.yaml"), GATED);
    f.lock_weekly();
    let run = f.run(&["tag", WEEKLY, "--dry-run"]);
    fails(&run, 1, "gate-closed");
    says(&run, "`build`");
    assert!(ALL.iter().all(|p| tag_commit(&f.repo(p), TAG).is_none()));
    let run = f.run(&["tag", WEEKLY, "--verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "0 of 4 repositories in sync");

    // The record as JSON: the release object, the file, the entry with its digests.
    let run = crate::support::distrib(
        &f.root,
        &[
            "record", TAG, "build", "--result", "pass", "--by", "CI", "--format", "json",
        ],
    );
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-record/1");
    assert_eq!(document["release"]["release"], TAG);
    assert_eq!(document["release"]["distribution"], "dist");
    assert_eq!(document["file"], format!("records/dist/{TAG}.yaml"));
    assert_eq!(document["record"]["check"], "build");
    assert_eq!(document["record"]["result"], "pass");
    assert_eq!(document["record"]["by"], "CI");
    assert!(
        document["record"]["lock"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    // A check name the command line got wrong is a usage error.
    let run = crate::support::distrib(&f.root, &["record", TAG, "bu ild", "--result", "pass"]);
    fails(&run, 2, "check-name");
    let run = f.run(&["tag", WEEKLY, "--push"]);
    ok(&run);
    assert!(ALL.iter().all(|p| tag_commit(&f.repo(p), TAG).is_some()));

    // Another release, tagged without its check: the override is recorded.
    let f = Fixture::new();
    write(&f.root.join("distributions/dist.yaml"), GATED);
    f.lock_weekly();
    let run = f.run(&[
        "tag",
        WEEKLY,
        "--push",
        "--override-gate",
        "the build farm is down",
        "--by",
        "rm",
        "--format",
        "json",
    ]);
    ok(&run);
    // The tag document has no place for it: the warning is drawn on stderr.
    says(&run, "gate-overridden");
    says(&run, "recorded as overridden");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-tag/1");
    let records = std::fs::read_to_string(f.root.join("records/dist/w.2026.47.yaml")).unwrap();
    assert!(records.contains("overridden"), "{records}");
    assert!(records.contains("the build farm is down"), "{records}");
}
