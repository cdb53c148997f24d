//! distrib where its users work: the pre-merge gate of a pull request (`lock --check --base`),
//! on a real manifest repository in git and real mirrors.

mod support;

use support::fixture::{Fixture, commit_file, fails, ok, says, write};
use support::git;

/// `Fixture::locked()`, with the manifest repository committed in git: `HEAD` is the target
/// branch a pull request is compared with.
fn committed() -> Fixture {
    let f = Fixture::locked();
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    f
}

fn pre_merge(f: &Fixture) -> support::Run {
    f.run(&["lock", "dist", "--check", "--base", "HEAD"])
}

#[test]
fn an_unrelated_upstream_commit_leaves_the_pre_merge_gate_green() {
    let f = committed();
    // One commit upstream, that the pull request did not make.
    commit_file(&f.repo("utils"), "src/new", "new", "later work");
    // "Is there anything new upstream": yes, and the scheduled job says so.
    let run = f.run(&["lock", "dist", "--check"]);
    fails(&run, 1, "`w.2026.47` is stale");
    says(&run, "changed   utils");
    // The pull request changes a description: nothing it did can fail the lock.
    write(
        &f.root.join("products/other.yaml"),
        "name: other\ndescription: now described\nrepositories:\n  - url: https://example.org/sw/other\n    ref: main\n",
    );
    let run = pre_merge(&f);
    ok(&run);
    says(
        &run,
        "`dist` can be locked (4 products), with `w.2026.47`'s commits for every product whose sources did not change since `HEAD`",
    );
    says(&run, "no package would be rebuilt");
    // A recipe change rebuilds the product and its dependents, still on the held commits.
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\n\
         depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O3 } }\n",
    );
    let run = pre_merge(&f);
    ok(&run);
    says(&run, "2 packages would be rebuilt:");
    says(&run, "changed   app");
    says(&run, "changed   utils");
    assert!(!run.stderr.contains("resolved anew"), "{}", run.stderr);
}

#[test]
fn a_tag_that_does_not_exist_turns_the_pre_merge_gate_red() {
    let f = committed();
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("tag: 1.0.0", "tag: 9.9.9"),
    );
    let run = pre_merge(&f);
    fails(&run, 1, "9.9.9");
    says(&run, "base");
    assert!(!run.stderr.contains("can be locked"), "{}", run.stderr);
}

#[test]
fn a_moved_source_is_resolved_anew() {
    let f = committed();
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    commit_file(&f.repo("base"), "src/fix", "fix", "a fix");
    git(&f.repo("base"), &["tag", "-a", "-m", "release", "1.1.0"]);
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("tag: 1.0.0", "tag: 1.1.0"),
    );
    let run = pre_merge(&f);
    ok(&run);
    says(&run, "; resolved anew: base");
    says(&run, "3 packages would be rebuilt:");
    says(&run, "changed   base 1.0.0");
    says(&run, "-> 1.1.0");
}

#[test]
fn a_requirement_the_held_commits_do_not_satisfy_names_the_product() {
    let f = committed();
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\n\
         depends: { base: \">=2\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
    );
    let run = pre_merge(&f);
    fails(&run, 1, "utils");
    says(&run, ">=2");
}

#[test]
fn a_new_product_with_no_reachable_ref_names_the_product() {
    let f = committed();
    let repo = f.repo("extra");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    commit_file(&repo, "src/README", "extra", "first");
    write(
        &f.root.join("products/extra.yaml"),
        "name: extra\nrepositories:\n  - url: https://example.org/sw/extra\n    ref: no-such-branch\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other, extra]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }\n",
    );
    let run = pre_merge(&f);
    fails(&run, 1, "extra");
    says(&run, "no-such-branch");
    // A base that is no revision is an error, not a green gate.
    let run = f.run(&["lock", "dist", "--check", "--base", "no-such-rev"]);
    fails(&run, 1, "no-such-rev");
}
