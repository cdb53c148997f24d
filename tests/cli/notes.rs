//! `distrib notes A B`: the release note between two locks, with commits read from real
//! mirrors of real repositories.

use crate::support::fixture::{Fixture, commit_file, ok, product_in, write};
use crate::support::git;

/// `dist` with an issue pattern and install instructions, locked as `w.2026.47`; then work on
/// utils and app, locked as `w.2026.48`.
fn two_weeklies() -> Fixture {
    let f = Fixture::new();
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\n\
         naming: { weekly: \"w.%G.%V\" }\nissues: \"DM-\\\\d+\"\n\
         install: \"eups distrib install -t {release} {distribution} # b{build}\"\n",
    );
    f.lock_weekly();
    commit_file(&f.repo("utils"), "src/a", "a", "DM-10: faster parsing");
    commit_file(
        &f.repo("utils"),
        "src/b",
        "b",
        "DM-11: fix the DM-10 regression\n\nReported in DM-10 and DM-11.",
    );
    commit_file(
        &f.repo("app"),
        "src/c",
        "c",
        "Handle <script> in names | safely",
    );
    ok(&f.lock("dist", "weekly").date("2026-11-26").run());
    f
}

#[test]
fn markdown_note_with_issues_narrative_install_and_technical_table() {
    let f = two_weeklies();
    write(
        &f.root.join("notes/dist/w.2026.48.md"),
        "This weekly makes parsing faster.\n",
    );
    let run = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    ok(&run);
    insta::assert_snapshot!("notes_markdown", run.stdout);
}

#[test]
fn json_and_html_notes() {
    let f = two_weeklies();
    let run = f.run(&["notes", "w.2026.47", "w.2026.48", "--format", "json"]);
    ok(&run);
    let note: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let keys = crate::support::field_of_each(&note["issues"], "key");
    assert_eq!(keys, ["DM-10", "DM-11"]);
    // DM-10 is named by both commits of utils, the second one once although twice in it.
    assert_eq!(note["issues"][0]["commits"].as_array().unwrap().len(), 2);
    let products = crate::support::field_of_each(&note["products"], "product");
    assert_eq!(products, ["app", "utils"]);
    // The vocabulary of every document: its format, the two releases as release objects,
    // `before` and `after` for each side, a change word.
    assert_eq!(note["format"], "distrib-notes/1");
    assert_eq!(note["before"]["release"], "w.2026.47");
    assert_eq!(note["after"]["release"], "w.2026.48");
    assert_eq!(note["after"]["kind"], "weekly");
    assert_eq!(note["after"]["lock"], "locks/dist/w.2026.48.lock.yaml");
    assert_eq!(note["builds"]["after"], "b2");
    let utils = &note["products"][1];
    assert_eq!(utils["change"], "changed");
    let repository = &utils["repositories"][0];
    assert!(
        repository["repository"]
            .as_str()
            .unwrap()
            .ends_with("/utils")
    );
    assert_eq!(repository["before"]["commit"].as_str().unwrap().len(), 40);
    assert_eq!(repository["after"]["commit"].as_str().unwrap().len(), 40);
    assert!(repository["commits"][0]["commit"].is_string());
    assert_eq!(note["diagnostics"], serde_json::json!([]));
    assert_eq!(
        note["install"],
        "eups distrib install -t w.2026.48 dist # b2"
    );
    let run = f.run(&["notes", "w.2026.47", "w.2026.48", "--format", "html"]);
    ok(&run);
    let page = &run.stdout;
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(
        page.contains("Handle &lt;script&gt; in names | safely"),
        "{page}"
    );
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("<th scope=\"row\">utils</th>"), "{page}");
}

#[test]
fn ranges_that_cannot_be_walked_are_reported() {
    let f = two_weeklies();
    let lock = |release: &str| distrib::lock::parse(&f.lock_text("dist", release)).unwrap();
    let utils = |release: &str| {
        let lock = lock(release);
        let product = product_in(&lock, "utils");
        product.repositories[0].commit.clone()
    };
    // Backwards: a newer release that builds an older commit.
    let old = utils("w.2026.47");
    ok(&f
        .lock("dist", "weekly")
        .date("2026-12-03")
        .offline()
        .set(&format!("utils={old}"))
        .run());
    let run = f.run(&["notes", "w.2026.48", "w.2026.49"]);
    ok(&run);
    assert!(
        run.stdout.contains("is older than") && run.stdout.contains("went back in history"),
        "{}",
        run.stdout
    );
    // Rewritten: the last commit of utils is amended upstream and fetched.
    git(
        &f.repo("utils"),
        &["commit", "-q", "--amend", "-m", "DM-12: reworded"],
    );
    ok(&f.lock("dist", "weekly").date("2026-12-10").run());
    let run = f.run(&["notes", "w.2026.48", "w.2026.50"]);
    ok(&run);
    assert!(
        run.stdout.contains("history was rewritten"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("DM-12: reworded"), "{}", run.stdout);
    // No mirror: the note says so, and a warning on stderr.
    std::fs::remove_dir_all(f.mirrors.join("example.org/sw/utils.git")).unwrap();
    let run = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    ok(&run);
    assert!(run.stdout.contains("no usable mirror"), "{}", run.stdout);
    assert!(run.stderr.contains("could not be read"), "{}", run.stderr);
    // Unknown releases are errors.
    let run = f.run(&["notes", "w.2026.47", "w.2026.99"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn unknown_install_placeholders_are_reported_by_check() {
    let f = Fixture::new();
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app]\ninstall: |\n  install {relase} with 100% {{care}}\n",
    );
    let run = f.distrib(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("unknown placeholder `{relase}` in the install instructions"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("placeholder `{care}`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_product_built_from_a_sub_tree_lists_only_the_commits_that_change_it() {
    let f = Fixture::new();
    write(
        &f.root.join("products/app.yaml"),
        "name: app\nrepositories:\n  - url: https://example.org/sw/app\n    ref: main\n    path: src\n\
         depends: { utils: \"*\" }\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app]\nplatform: linux-x86_64\nissues: \"DM-\\\\d+\"\n",
    );
    f.lock_weekly();
    commit_file(
        &f.repo("app"),
        "src/code",
        "code",
        "DM-31: a change of the code",
    );
    commit_file(
        &f.repo("app"),
        "doc/notes",
        "notes",
        "DM-30: documentation only",
    );
    ok(&f.lock("dist", "weekly").date("2026-11-26").run());
    let run = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    ok(&run);
    assert!(
        run.stdout.contains("DM-31: a change of the code"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DM-30"), "{}", run.stdout);
}
