//! `distrib release candidate|final|patch`: DMTN-106's cycle on real git repositories.

use crate::support::fixture::{Fixture, commit_file, fails, ok, product_in, says, write};
use crate::support::git;
use distrib::lock::{Lockfile, ReleaseKind};

fn lock(f: &Fixture, release: &str) -> Lockfile {
    distrib::lock::parse(&f.lock_text("dist", release)).unwrap()
}

fn commit_of(lock: &Lockfile, product: &str) -> String {
    let product = product_in(lock, product);
    product.repositories[0].commit.clone()
}

fn resolved_of(lock: &Lockfile, product: &str) -> String {
    let product = product_in(lock, product);
    product.repositories[0].resolved.clone()
}

#[test]
fn lsst_cycle_weekly_candidates_final_and_patch() {
    let f = Fixture::locked();
    let weekly = lock(&f, "w.2026.47");
    // Work goes on on main after the weekly: rc1 must not see it.
    commit_file(
        &f.repo("utils"),
        "src/new",
        "after the weekly",
        "later work",
    );
    commit_file(&f.repo("app"), "src/new", "after the weekly", "later work");

    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .date("2026-11-20")
        .run();
    ok(&run);
    says(&run, "wrote `locks/dist/17.0.0.rc1.lock.yaml`");
    says(&run, "same content as `w.2026.47` (b1), from `w.2026.47`");
    let rc1 = lock(&f, "17.0.0.rc1");
    assert_eq!(rc1.kind, ReleaseKind::Candidate);
    assert_eq!(
        (rc1.release_version.as_deref(), rc1.rc, rc1.from.as_deref()),
        (Some("17.0.0"), Some(1), Some("w.2026.47"))
    );
    assert_eq!(rc1.content, weekly.content);
    assert_eq!(rc1.build, weekly.build);
    for product in ["utils", "app", "other", "base"] {
        assert_eq!(commit_of(&rc1, product), commit_of(&weekly, product));
    }
    // Pinned commits are immutable references; the tag keeps its version.
    assert_eq!(resolved_of(&rc1, "utils"), commit_of(&weekly, "utils"));
    let base = product_in(&rc1, "base");
    assert_eq!(base.version.as_deref(), Some("1.0.0"));

    // Nothing on a release branch yet: rc2 would be rc1 again, and says so.
    let run = f
        .release_candidate("dist", "17.0.0")
        .date("2026-11-21")
        .run();
    ok(&run);
    says(&run, "`locks/dist/17.0.0.rc1.lock.yaml` is up to date");
    assert!(!f.root.join("locks/dist/17.0.0.rc2.lock.yaml").exists());

    // DMTN-106 §4.7: a fix is backported to the release branch of the one product it concerns.
    let utils = f.repo("utils");
    git(
        &utils,
        &[
            "checkout",
            "-q",
            "-b",
            "b.17.0.x",
            &commit_of(&rc1, "utils"),
        ],
    );
    let fix = commit_file(&utils, "src/fix", "DM-4242", "DM-4242: fix on the branch");
    git(&utils, &["checkout", "-q", "main"]);
    let run = f
        .release_candidate("dist", "17.0.0")
        .date("2026-11-22")
        .run();
    ok(&run);
    says(&run, "wrote `locks/dist/17.0.0.rc2.lock.yaml`");
    says(&run, "build b2, from `17.0.0.rc1`");
    let rc2 = lock(&f, "17.0.0.rc2");
    assert_eq!((rc2.rc, rc2.from.as_deref()), (Some(2), Some("17.0.0.rc1")));
    assert_eq!(commit_of(&rc2, "utils"), fix);
    assert_eq!(resolved_of(&rc2, "utils"), "refs/heads/b.17.0.x");
    // Repositories without the branch stay at rc1's commits, not at main.
    assert_eq!(commit_of(&rc2, "app"), commit_of(&rc1, "app"));
    let identity = |l: &Lockfile, name: &str| product_in(l, name).identity.clone();
    assert_ne!(identity(&rc2, "utils"), identity(&rc1, "utils"));
    assert_ne!(identity(&rc2, "app"), identity(&rc1, "app"));
    assert_eq!(identity(&rc2, "other"), identity(&rc1, "other"));

    // DMTN-106 §4.9: the final is the last candidate, unchanged, and no rebuild.
    let run = f.release_final("dist", "17.0.0").date("2026-11-23").run();
    ok(&run);
    says(&run, "wrote `locks/dist/17.0.0.lock.yaml`");
    let done = lock(&f, "17.0.0");
    assert_eq!(done.kind, ReleaseKind::Final);
    assert_eq!(done.from.as_deref(), Some("17.0.0.rc2"));
    assert_eq!(done.products, rc2.products);
    assert_eq!((done.build, &done.content), (rc2.build, &rc2.content));
    assert_eq!(done.same_content_as.as_deref(), Some("17.0.0.rc2"));
    // Repeating it is a no-op that says so.
    let run = f.release_final("dist", "17.0.0").date("2026-11-24").run();
    ok(&run);
    says(&run, "`locks/dist/17.0.0.lock.yaml` is up to date");
    // A released version takes no more candidates.
    let run = f.release_candidate("dist", "17.0.0").run();
    fails(&run, 1, "17.0.0 is final already");
    says(&run, "distrib release patch dist 17.0.1");

    // DMTN-106 §5: a patch from the release branch, over the final's commits elsewhere.
    git(&utils, &["checkout", "-q", "b.17.0.x"]);
    let second = commit_file(&utils, "src/fix2", "DM-4300", "DM-4300: second fix");
    git(&utils, &["checkout", "-q", "main"]);
    let run = f.release_patch("dist", "17.0.1").date("2026-12-01").run();
    ok(&run);
    says(&run, "wrote `locks/dist/17.0.1.rc1.lock.yaml`");
    let patch = lock(&f, "17.0.1.rc1");
    assert_eq!(patch.kind, ReleaseKind::Patch);
    assert_eq!((patch.rc, patch.from.as_deref()), (Some(1), Some("17.0.0")));
    assert_eq!(commit_of(&patch, "utils"), second);
    assert_eq!(commit_of(&patch, "app"), commit_of(&done, "app"));
    let run = f.release_final("dist", "17.0.1").date("2026-12-02").run();
    ok(&run);
    let patched = lock(&f, "17.0.1");
    assert_eq!(patched.products, patch.products);
    assert_eq!(patched.build, patch.build);
    // The next patch after 17.0.0 and 17.0.1 is 17.0.2.
    let run = f.release_candidate("dist", "17.0.0").run();
    fails(&run, 1, "distrib release patch dist 17.0.2");

    // `lock --check` compares the manifests with the newest lock made from them, the weekly.
    let run = f.lock_check("dist").offline().run();
    fails(&run, 1, "`w.2026.47` is stale");

    // Every lock of the cycle verifies against the mirrors, and `list` shows the lineage.
    ok(&f.run(&["verify"]));
    let run = f.distrib(&["list", "dist"]);
    ok(&run);
    let listed = f.distrib(&["list", "dist", "--format", "json"]);
    ok(&listed);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let rc2 = crate::support::item_where(&listed["releases"], "release", "17.0.0.rc2");
    assert_eq!(
        (&rc2["release_version"], &rc2["rc"], &rc2["parent"]),
        (&"17.0.0".into(), &2.into(), &"17.0.0.rc1".into())
    );
    for line in [
        "17.0.1      final",
        "from 17.0.1.rc1",
        "17.0.1.rc1  patch",
        "from 17.0.0",
        "17.0.0.rc2  candidate",
        "17.0.0.rc1  candidate",
        "same content as w.2026.47, from w.2026.47",
    ] {
        assert!(run.stdout.contains(line), "`{line}` in:\n{}", run.stdout);
    }
}

#[test]
fn candidates_are_built_from_immutable_references_only() {
    let f = Fixture::locked();
    // `--set` to a moving branch head is refused, naming the product.
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .set("utils=main")
        .run();
    fails(
        &run,
        1,
        "`17.0.0.rc1` must be built from immutable references only",
    );
    says(&run, "utils: follows `refs/heads/main`");
    assert!(!f.root.join("locks/dist/17.0.0.rc1.lock.yaml").exists());
    // To a tag it is fine, and the lock records the override.
    git(&f.repo("utils"), &["tag", "2.0.0"]);
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .set("utils=2.0.0")
        .run();
    ok(&run);
    let rc1 = lock(&f, "17.0.0.rc1");
    assert_eq!(
        rc1.overrides.get("utils").map(String::as_str),
        Some("2.0.0")
    );
    assert_eq!(resolved_of(&rc1, "utils"), "refs/tags/2.0.0");
    let utils = product_in(&rc1, "utils");
    assert_eq!(utils.version.as_deref(), Some("2.0.0"));

    // A product added to the distribution since the weekly tracks a branch: refused by name.
    f.new_repo("extra", "README");
    write(
        &f.root.join("products/extra.yaml"),
        "name: extra\nrepositories:\n  - url: https://example.org/sw/extra\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other, extra]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }\n",
    );
    let run = f
        .release_candidate("dist", "18.0.0")
        .from("w.2026.47")
        .run();
    fails(
        &run,
        1,
        "`18.0.0.rc1` must be built from immutable references only",
    );
    says(&run, "extra: follows `refs/heads/main`");
    assert!(!run.stderr.contains("utils:"), "{}", run.stderr);
}

#[test]
fn bad_release_requests() {
    let f = Fixture::locked();
    let run = f.release_candidate("dist", "17.0.0").run();
    fails(
        &run,
        2,
        "the first candidate of 17.0.0 needs a release to start from",
    );
    says(&run, "pass --from");
    for bad in ["v17.0.0", "17.0", "17.0.0-rc1"] {
        let run = f.release_candidate("dist", bad).from("w.2026.47").run();
        fails(&run, 2, &format!("`{bad}` is not a release version"));
    }
    let run = f.release_final("dist", "seventeen").run();
    fails(&run, 2, "`seventeen` is not a release version");
    let run = f.release_final("dist", "17.0.0").run();
    fails(&run, 1, "17.0.0 has no candidate to make the final from");
    let run = f.release_patch("dist", "17.0.1").run();
    fails(
        &run,
        1,
        "the patch 17.0.1 starts from the final 17.0.0, which does not exist",
    );
    let run = f.release_patch("dist", "17.1.0").run();
    fails(&run, 2, "17.1.0 is not a patch release");
    let run = f
        .release_candidate("dist", "17.0.1")
        .from("w.2026.47")
        .run();
    fails(&run, 2, "17.0.1 is a patch release");
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.48")
        .run();
    fails(&run, 1, "no release `w.2026.48` of `dist`");
    says(&run, "did you mean `w.2026.47`?");

    // A release of another distribution.
    ok(&f.lock("solo", "nightly").date("2026-11-18").offline().run());
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("d.2026.11.18")
        .run();
    fails(
        &run,
        1,
        "`d.2026.11.18` is a release of `solo`, not of `dist`",
    );

    // A candidate does not start from a candidate; once started, --from is refused.
    ok(&f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .offline()
        .run());
    let run = f
        .release_candidate("dist", "18.0.0")
        .from("17.0.0.rc1")
        .run();
    fails(&run, 1, "`17.0.0.rc1` is a candidate release");
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .run();
    fails(&run, 2, "17.0.0 already has candidates");

    // A branch template that gives an invalid ref.
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", branch: \"b.{major}.{minor}.x.lock\" }\n",
    );
    let run = f.release_candidate("dist", "17.0.0").offline().run();
    fails(
        &run,
        1,
        "the release branch of 17.0.0 would be `b.17.0.x.lock`",
    );

    // A candidate template without `{rc}` would give two candidates one name: `check` says so.
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", candidate: \"{version}.rc1\" }\n",
    );
    let run = f.release_candidate("dist", "17.0.0").offline().run();
    fails(&run, 1, "the candidate name template has no `{rc}`");

    // Immutability: a lock already named like the next candidate, with other content, is
    // neither replaced nor renamed with the time.
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"17.0.0.rc2\" }\n",
    );
    commit_file(&f.repo("other"), "src/new", "new", "new work");
    ok(&f.lock("dist", "nightly").date("2026-11-20").run());
    let utils = f.repo("utils");
    git(&utils, &["checkout", "-q", "-b", "b.17.0.x"]);
    commit_file(&utils, "src/fix", "fix", "fix");
    let before = f.lock_text("dist", "17.0.0.rc2");
    let run = f.release_candidate("dist", "17.0.0").run();
    fails(&run, 1, "`17.0.0.rc2` exists with other content");
    assert_eq!(f.lock_text("dist", "17.0.0.rc2"), before);
    assert!(!f.root.join("locks/dist").read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("17.0.0.rc2-")
    }));
}

#[test]
fn inheritance_across_url_spellings_renames_and_new_pins() {
    let f = Fixture::locked();
    let weekly = lock(&f, "w.2026.47");
    commit_file(&f.repo("utils"), "src/later", "later", "later work");
    commit_file(&f.repo("other"), "src/later", "later", "later work");
    // utils is now written with `.git`, and `other` was renamed `renamed` (alias `other`).
    write(
        &f.root.join("distrib.yaml"),
        &format!(
            "rewrite:\n  \"https://example.org/sw/utils.git\": \"file://{up}/example.org/sw/utils\"\n  \"https://example.org/\": \"file://{up}/example.org/\"\n",
            up = f.upstream.display()
        ),
    );
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils.git\n    ref: main\n\
         depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
    );
    std::fs::remove_file(f.root.join("products/other.yaml")).unwrap();
    write(
        &f.root.join("products/renamed.yaml"),
        "name: renamed\naliases: [other]\nrepositories:\n  - url: https://example.org/sw/other\n    ref: main\n",
    );
    write(
        &f.root.join("products/app.yaml"),
        "name: app\nrepositories:\n  - url: https://example.org/sw/app\n    ref: main\n\
         depends: { utils: \"*\", renamed: { version: \"*\", platforms: [\"osx-*\"] } }\n",
    );
    let dist = "name: dist\nenvironment: ops\nproducts: [app, renamed]\nplatform: linux-x86_64\n";
    write(&f.root.join("distributions/dist.yaml"), dist);
    write(
        &f.root.join("distributions/solo.yaml"),
        "name: solo\nenvironment: ops\nproducts: [renamed]\nplatform: linux-x86_64\n",
    );
    let run = f
        .release_candidate("dist", "17.0.0")
        .from("w.2026.47")
        .run();
    ok(&run);
    let rc1 = lock(&f, "17.0.0.rc1");
    assert_eq!(commit_of(&rc1, "utils"), commit_of(&weekly, "utils"));
    assert_eq!(commit_of(&rc1, "renamed"), commit_of(&weekly, "other"));

    // A `tag:` pin changed after rc1 is built in rc2, not rc1's commit.
    commit_file(&f.repo("base"), "src/fix", "fix", "fix");
    git(&f.repo("base"), &["tag", "-a", "-m", "release", "1.0.1"]);
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("1.0.0", "1.0.1"),
    );
    ok(&f.release_candidate("dist", "17.0.0").run());
    let rc2 = lock(&f, "17.0.0.rc2");
    assert_eq!(resolved_of(&rc2, "base"), "refs/tags/1.0.1");
    let base = product_in(&rc2, "base");
    assert_eq!(base.version.as_deref(), Some("1.0.1"));

    // A new third-party product taken from the release branch is no tag, whatever its `tag:`
    // says: its version is where the branch is, and the candidate is refused.
    let zlib = f.new_repo("zlib", "README");
    git(&zlib, &["tag", "v1.3.1"]);
    git(&zlib, &["checkout", "-q", "-b", "b.17.0.x"]);
    commit_file(&zlib, "fix", "fix", "local fix");
    write(
        &f.root.join("products/zlib.yaml"),
        "name: zlib\ntype: third-party\nrepositories:\n  - url: https://example.org/sw/zlib\ntag: v1.3.1\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        &dist.replace("[app, renamed]", "[app, renamed, zlib]"),
    );
    let run = f.release_candidate("dist", "17.0.0").run();
    fails(&run, 1, "must be built from immutable references only");
    says(&run, "zlib: a third-party product at `v1.3.1-1-g");
}
