//! `distrib check --base REV`: what a manifest change does, on a real manifest repository in
//! git and real mirrors.

use crate::support::fixture::{Fixture, commit_file, ok, says, write};
use crate::support::git;

/// `Fixture::locked()`, with the manifest repository committed in git.
fn committed() -> Fixture {
    let f = Fixture::locked();
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    f
}

/// The `distrib-check/1` document of `check --base HEAD`, checked against its schema.
fn json(f: &Fixture) -> serde_json::Value {
    let run = f.run(&["check", "--base", "HEAD", "--format", "json"]);
    ok(&run);
    crate::json::valid(&run.stdout)
}

fn distribution<'a>(impact: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    crate::support::item_where(&impact["distributions"], "distribution", name)
}

#[test]
fn a_recipe_change_rebuilds_the_product_and_its_dependents_only() {
    let f = committed();
    // Upstream work since the lock is not the change under review.
    commit_file(&f.repo("other"), "src/new", "new", "later work");
    f.fetch();
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\n\
         depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O3 } }\n",
    );
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(&run, "compared with `HEAD`:");
    says(&run, "products changed: utils");
    says(&run, "  dist: changed: utils");
    says(
        &run,
        "against `w.2026.47`: 2 package identities would change (app, utils), 2 reused",
    );
    says(&run, "  solo: not affected");
    let document = json(&f);
    assert_eq!(document["summary"]["errors"], 0);
    let dist = distribution(&document["impact"], "dist");
    assert_eq!(dist["identities"]["status"], "computed");
    assert_eq!(
        dist["identities"]["changed"],
        serde_json::json!(["app", "utils"])
    );
    assert_eq!(dist["identities"]["unchanged"], 2);
}

#[test]
fn a_new_tag_on_the_same_tree_changes_no_identity() {
    let f = committed();
    git(&f.repo("base"), &["tag", "1.0.1"]);
    f.fetch();
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("tag: 1.0.0", "tag: 1.0.1"),
    );
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(&run, "products changed: base");
    says(
        &run,
        "against `w.2026.47`: no package identity would change, 4 reused",
    );
}

#[test]
fn closures_environments_and_missing_mirrors() {
    let f = committed();
    // `other` leaves `dist`'s closure; the environment changes for everyone.
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\" }\n",
    );
    write(
        &f.root.join("products/app.yaml"),
        "name: app\nrepositories:\n  - url: https://example.org/sw/app\n    ref: main\ndepends: { utils: \"*\" }\n",
    );
    write(
        &f.root.join("environments/ops.yaml"),
        "name: ops\npurpose: operations\npackages: { python: \"3.12.8\" }\n",
    );
    let document = json(&f);
    let impact = &document["impact"];
    assert_eq!(
        impact["environments"]["changed"],
        serde_json::json!(["ops"])
    );
    let dist = distribution(impact, "dist");
    assert_eq!(dist["file"], "changed");
    assert_eq!(dist["closure"]["removed"], serde_json::json!(["other"]));
    assert_eq!(dist["environment_changed"], true);
    assert_eq!(
        dist["identities"]["changed"],
        serde_json::json!(["app", "base", "utils"])
    );
    assert_eq!(dist["identities"]["removed"], serde_json::json!(["other"]));
    // `solo` has no lock: nothing to compare with, and it says so.
    assert_eq!(
        distribution(impact, "solo")["identities"]["status"],
        "no_lock"
    );
    // Without mirrors the identities cannot be computed: said, not hidden.
    std::fs::remove_dir_all(&f.mirrors).unwrap();
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(&run, "identities not computed: no mirror of");
    says(&run, "`distrib fetch` brings the mirrors up to date");
}

#[test]
fn github_format_writes_the_job_summary() {
    let f = committed();
    // `other` moved upstream since the lock; its description changes, not its sources.
    commit_file(&f.repo("other"), "src/new", "new", "later work");
    f.fetch();
    write(
        &f.root.join("products/other.yaml"),
        "name: other\ndescription: now described\nrepositories:\n  - url: https://example.org/sw/other\n    ref: main\n",
    );
    let summary = f.root.join("summary.md");
    std::fs::write(&summary, "# Earlier step\n").unwrap();
    let mirrors = f.mirrors.to_str().unwrap();
    let run = crate::support::distrib_with(
        &f.root,
        &[
            "check",
            "--mirrors",
            mirrors,
            "--base",
            "HEAD",
            "--format",
            "github",
        ],
        &[("GITHUB_STEP_SUMMARY", summary.as_os_str())],
    );
    ok(&run);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# Earlier step\n## Impact of the manifest change"),
        "{text}"
    );
    assert!(text.contains("- Products changed: `other`"), "{text}");
    assert!(
        text.contains("| dist | same | other | against `w.2026.47`: no package identity would change, 4 reused |"),
        "{text}"
    );
    assert!(
        text.contains("| solo | same | other | no lock to compare with |"),
        "{text}"
    );
    // A base that is no revision is an error.
    let run = f.run(&["check", "--base", "no-such-rev"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "no-such-rev");
}

#[test]
fn a_new_platform_changes_every_identity() {
    let f = committed();
    let text = std::fs::read_to_string(f.root.join("distributions/dist.yaml")).unwrap();
    write(
        &f.root.join("distributions/dist.yaml"),
        &text.replace("linux-x86_64", "osx-arm64"),
    );
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(&run, "dist: its file changed");
    says(
        &run,
        "against `w.2026.47`: 4 package identities would change (app, base, other, utils), 0 reused",
    );
}
