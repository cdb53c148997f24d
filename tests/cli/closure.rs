//! One closure per platform (fetch, lock, check), abbreviated commit ids, a product's own
//! version, and releases ordered by lineage: on real git repositories built in temp dirs.

use crate::support::fixture::{Fixture, commit_file, fails, ok, product_in, says, write};
use crate::support::{CommandLine, command_in, distrib_wide, git};
use distrib::lock::Lockfile;

fn lock(f: &Fixture, release: &str) -> Lockfile {
    distrib::lock::parse(&f.lock_text("dist", release)).unwrap()
}

fn names(lock: &Lockfile) -> Vec<&str> {
    lock.products.iter().map(|p| p.name.as_str()).collect()
}

/// `app` needs `Xcode` to build on osx only: a product that exists only for osx, whose repository
/// is not even there yet.
fn with_xcode(f: &Fixture) {
    write(
        &f.root.join("products/app.yaml"),
        "name: app\nrepositories:\n  - url: https://example.org/sw/app\n    ref: main\ndepends: { utils: \"*\" }\nbuild_depends:\n  Xcode: { version: \"*\", platforms: [\"osx*\"] }\n",
    );
    write(
        &f.root.join("products/Xcode.yaml"),
        "name: Xcode\ntype: build-tool\nrepositories:\n  - url: https://example.org/sw/xcode\n    ref: main\n",
    );
}

#[test]
fn an_osx_only_edge_is_not_walked_on_linux() {
    let f = Fixture::new();
    with_xcode(&f);
    ok(&f.run(&["check"]));
    // The distribution is built for linux: its closure there has no Xcode, so nothing tries
    // to fetch its (missing) repository.
    let run = f.run(&["fetch"]);
    ok(&run);
    says(&run, "fetched 4 repositories");
    assert!(!f.mirrors.join("example.org/sw/xcode.git").exists());
    ok(&f.lock("dist", "weekly").date("2026-11-19").offline().run());
    let weekly = lock(&f, "w.2026.47");
    assert_eq!(names(&weekly), ["app", "base", "other", "utils"]);
    assert_eq!(product_in(&weekly, "app").depends, ["utils"]);
    assert!(product_in(&weekly, "app").build_depends.is_empty());
    // On osx, the closure has it: the lock wants its mirror.
    let on_osx = f
        .lock("dist", "weekly")
        .platform("osx-arm64")
        .offline()
        .dry_run();
    let run = on_osx.run();
    fails(
        &run,
        1,
        "no mirror of `https://example.org/sw/xcode` (product `Xcode`)",
    );

    // Declared for both platforms, the distribution fetches what each one needs.
    f.new_repo("xcode", "README");
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatforms: [linux-x86_64, osx-arm64]\n",
    );
    ok(&f.run(&["fetch", "dist"]));
    assert!(f.mirrors.join("example.org/sw/xcode.git").exists());
    let run = on_osx.run();
    ok(&run);
    let mac = distrib::lock::parse(&run.stdout).unwrap();
    assert_eq!(mac.platform, "osx-arm64");
    assert_eq!(names(&mac), ["Xcode", "app", "base", "other", "utils"]);
    // Without --platform, the first platform listed.
    let run = f.lock("dist", "weekly").offline().dry_run().run();
    ok(&run);
    assert_eq!(
        distrib::lock::parse(&run.stdout).unwrap().platform,
        "linux-x86_64"
    );
    // A platform the distribution is not built for, and names that are no platform, are usage
    // errors, found before anything is fetched.
    for (platform, says_what) in [
        (
            "windows-x86_64",
            "`dist` is built for `linux-x86_64`, `osx-arm64` only",
        ),
        ("a b", "` ` cannot be in a platform name"),
        ("linux\u{1b}[31m", "cannot be in a platform name"),
        ("", "a platform name cannot be empty"),
    ] {
        let run = f.lock("dist", "weekly").platform(platform).run();
        fails(&run, 2, says_what);
        says(&run, "platform-unsupported");
        assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
        let run = f
            .release_candidate("dist", "1.0.0")
            .from("w.2026.47")
            .platform(platform)
            .run();
        fails(&run, 2, says_what);
    }
}

#[test]
fn check_base_compares_the_closures_of_the_declared_platforms() {
    let f = Fixture::locked();
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    // An osx-only dependency changes nothing on linux, the platform `dist` is built for.
    with_xcode(&f);
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(&run, "products added: Xcode");
    assert!(!run.stderr.contains("enters the closure"), "{}", run.stderr);
}

/// A manifest repository without git repositories, for `check` alone.
fn manifests(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("distrib.yaml"), "");
    write(
        &dir.path().join("environments/ops.yaml"),
        "name: ops\npurpose: operations\n",
    );
    for (path, text) in files {
        write(&dir.path().join(path), text);
    }
    dir
}

#[test]
fn without_declared_platforms_a_cycle_is_one_that_some_platform_has() {
    let dir = manifests(&[
        // On osx only.
        (
            "products/a.yaml",
            "name: a\ndepends: { b: { version: \"*\", platforms: [\"osx*\"] } }\n",
        ),
        ("products/b.yaml", "name: b\ndepends: { a: \"*\" }\n"),
        // On no platform: osx and not osx.
        (
            "products/c.yaml",
            "name: c\ndepends: { d: { version: \"*\", platforms: [\"osx*\"] } }\n",
        ),
        (
            "products/d.yaml",
            "name: d\ndepends: { c: { version: \"*\", platforms: [\"!osx*\"] } }\n",
        ),
        // On platforms both `linux*` and `*arm64`.
        (
            "products/e.yaml",
            "name: e\ndepends: { f: { version: \"*\", platforms: [\"linux*\"] } }\n",
        ),
        (
            "products/f.yaml",
            "name: f\ndepends: { e: { version: \"*\", platforms: [\"*arm64\"] } }\n",
        ),
        (
            "distributions/any.yaml",
            "name: any\nenvironment: ops\nproducts: [a, c, e]\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cycles: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "dependency-cycle")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert!(
        cycles.iter().any(
            |m| m.starts_with("dependency cycle on platforms such as `osx")
                && m.ends_with(": a → b → a")
        ),
        "{cycles:?}"
    );
    assert!(
        cycles.iter().any(|m| m.ends_with(": e → f → e")),
        "{cycles:?}"
    );
    // With the platforms declared, only theirs count: linux on x86 has no cycle at all.
    write(
        &dir.path().join("distributions/any.yaml"),
        "name: any\nenvironment: ops\nproducts: [a, c, e]\nplatforms: [linux-x86_64]\n",
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    write(
        &dir.path().join("distributions/any.yaml"),
        "name: any\nenvironment: ops\nproducts: [a, c, e]\nplatforms: [linux-x86_64, osx_arm64]\n",
    );
    let run = distrib_wide(dir.path(), &["check"]);
    fails(&run, 1, "dependency cycle on `osx_arm64`: a → b → a");
    assert!(!run.stderr.contains("e → f"), "{}", run.stderr);
}

#[test]
fn requirements_on_edges_of_no_platform_are_not_checked() {
    let dir = manifests(&[
        (
            "products/app.yaml",
            "name: app\ndepends: { lib: { version: \">=2\", platforms: [\"osx*\"] } }\n",
        ),
        (
            "products/lib.yaml",
            "name: lib\nrepositories: [{ url: \"https://example.org/lib\" }]\ntag: 1.0.0\n",
        ),
        (
            "distributions/linux.yaml",
            "name: linux\nenvironment: ops\nproducts: [app]\nplatforms: [linux-x86_64]\n",
        ),
    ]);
    ok(&distrib_wide(dir.path(), &["check"]));
    write(
        &dir.path().join("distributions/mac.yaml"),
        "name: mac\nenvironment: ops\nproducts: [app]\nplatforms: [osx_arm64]\n",
    );
    fails(
        &distrib_wide(dir.path(), &["check"]),
        1,
        "`lib` is pinned to `1.0.0` (version 1.0.0), which does not satisfy `>=2`",
    );
}

/// A lock of `dist` made from manifests with no repository: offline, nothing to fetch.
fn dry_lock_of(dir: &std::path::Path) -> CommandLine<'_> {
    command_in(dir, &["lock", "dist", "--kind", "weekly"])
        .date("2026-11-19")
        .offline()
        .dry_run()
}

/// [`dry_lock_of`] for `platform`, run.
fn dry_lock(dir: &std::path::Path, platform: &str) -> crate::support::Run {
    dry_lock_of(dir).platform(platform).run()
}

#[test]
fn check_finds_the_cycles_an_override_closes_as_lock_does() {
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\nversion: 1.0.0\ndepends: { b: \"*\" }\n",
        ),
        ("products/b.yaml", "name: b\nversion: 1.0.0\n"),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  b: { depends: { a: \"*\" } }\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "dependency cycle: a → b → a in `dist`, as its `overrides` build it",
    );
    // Labelled where each edge is written: the override in the distribution, `a`'s own file.
    says(&run, "[distributions/dist.yaml:5:19]");
    says(&run, "`b` depends on `a`");
    says(&run, "[products/a.yaml:3:12]");
    fails(&dry_lock(dir.path(), "linux-x86_64"), 1, "a → b → a");

    // Closed on osx only: found there, and a lock for linux has none.
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a]\nplatforms: [linux-x86_64, osx-arm64]\noverrides:\n  b: { depends: { a: { version: \"*\", platforms: [\"osx*\"] } } }\n",
    );
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "dependency cycle on `osx-arm64`: a → b → a in `dist`, as its `overrides` build it",
    );
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a]\nplatforms: [linux-x86_64]\noverrides:\n  b: { depends: { a: { version: \"*\", platforms: [\"osx*\"] } } }\n",
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    ok(&dry_lock(dir.path(), "linux-x86_64"));

    // A cycle of the product files is reported once, by the rule on the files.
    write(
        &dir.path().join("products/b.yaml"),
        "name: b\nversion: 1.0.0\ndepends: { a: \"*\" }\n",
    );
    let run = distrib_wide(dir.path(), &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cycles: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "dependency-cycle")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(cycles, ["dependency cycle: a → b → a"]);
}

#[test]
fn the_platform_conditions_of_an_override_tell_platforms_apart() {
    // `dist` declares no platform: `check` holds for every platform a lock may be made for.
    let dir = manifests(&[
        ("products/a.yaml", "name: a\nversion: 1.0.0\n"),
        (
            "products/tool.yaml",
            "name: tool\ntype: build-tool\nversion: 1.0.0\n",
        ),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  a: { depends: { tool: { version: \"*\", platforms: [\"osx*\"] } } }\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "build tool `tool` is in the run-time closure of `dist` on platforms such as `osx`",
    );
    // Labelled at the override that needs it at run time.
    says(&run, " 5 │   a: { depends: { tool:");
    says(&run, "needed at run time here");
    // As built for osx, without the rule: the build tool at run time.
    write(
        &dir.path().join("environments/ops.yaml"),
        "name: ops\npurpose: development\n",
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    let run = dry_lock(dir.path(), "osx-arm64");
    ok(&run);
    let lock = distrib::lock::parse(&run.stdout).unwrap();
    assert_eq!(names(&lock), ["a", "tool"]);
}

#[test]
fn the_platform_patterns_of_an_override_are_checked_as_a_product_file_s() {
    let dir = manifests(&[
        ("products/a.yaml", "name: a\nversion: 1.0.0\n"),
        ("products/b.yaml", "name: b\nversion: 1.0.0\n"),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  a: { depends: { b: { version: \"*\", platforms: [] } } }\n",
        ),
    ]);
    // A lock took the dependency on every platform.
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "invalid platform pattern for `b`: `platforms: []` holds on no platform",
    );
    says(&run, "[distributions/dist.yaml:5:22]");
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  a: { build_depends: { b: { version: \"*\", platforms: [\"a b\"] } } }\n",
    );
    fails(
        &distrib_wide(dir.path(), &["check"]),
        1,
        "invalid platform pattern for `b`: `a b`",
    );
}

#[test]
fn a_name_template_names_the_products_every_lock_holds() {
    let dist = |extra: &str| {
        format!(
            "name: dist\nenvironment: ops\nproducts: [a]\nnaming: {{ weekly: \"w-{{c}}-%G.%V\" }}\n{extra}"
        )
    };
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\nversion: 1.0.0\ndepends: { c: \"*\" }\n",
        ),
        ("products/b.yaml", "name: b\nversion: 2.0.0\n"),
        ("products/c.yaml", "name: c\nversion: 3.0.0\n"),
        ("distributions/dist.yaml", &dist("")),
    ]);
    ok(&distrib_wide(dir.path(), &["check"]));
    let named = |dir: &std::path::Path, platform: &str| {
        let run = dry_lock(dir, platform);
        ok(&run);
        distrib::lock::parse(&run.stdout).unwrap().release
    };
    assert_eq!(named(dir.path(), "linux-x86_64"), "w-3.0.0-2026.47");
    // Excluded, `c` has no version to give: `lock` could not name the release.
    write(
        &dir.path().join("distributions/dist.yaml"),
        &dist("exclude: [c]\n"),
    );
    let message = "placeholder `{c}` in the weekly name template names a product that not every lock of `dist` holds";
    fails(&distrib_wide(dir.path(), &["check"]), 1, message);
    // Reached through an override only, it has one.
    write(
        &dir.path().join("products/a.yaml"),
        "name: a\nversion: 1.0.0\ndepends: { b: \"*\" }\n",
    );
    write(
        &dir.path().join("distributions/dist.yaml"),
        &dist("overrides:\n  a: { depends: { c: \"*\" } }\n"),
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    assert_eq!(named(dir.path(), "linux-x86_64"), "w-3.0.0-2026.47");
    // Needed on osx only, it is in no lock for linux.
    write(
        &dir.path().join("distributions/dist.yaml"),
        &dist(
            "platforms: [linux-x86_64, osx-arm64]\noverrides:\n  a: { depends: { c: { version: \"*\", platforms: [\"osx*\"] } } }\n",
        ),
    );
    fails(&distrib_wide(dir.path(), &["check"]), 1, message);
    write(
        &dir.path().join("distributions/dist.yaml"),
        &dist(
            "platforms: [osx-arm64]\noverrides:\n  a: { depends: { c: { version: \"*\", platforms: [\"osx*\"] } } }\n",
        ),
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    assert_eq!(named(dir.path(), "osx-arm64"), "w-3.0.0-2026.47");
}

#[test]
fn a_name_written_in_another_case_is_suggested_however_short() {
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\nversion: 1.0.0\ndepends: { b: \"*\" }\n",
        ),
        ("products/b.yaml", "name: b\nversion: 1.0.0\n"),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a]\nexclude: [B]\noverrides:\n  A: { version: 2.0.0 }\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check"]);
    fails(&run, 1, "unknown product `B` in `exclude`");
    says(&run, "did you mean `b`?");
    says(&run, "did you mean `a`?");
    assert!(
        !run.stderr.contains("add `products/B.yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_repositories_an_override_writes_are_held_to_the_repository_rules() {
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\nrepositories: [{ url: \"https://example.org/sw/a\", ref: main }]\n",
        ),
        (
            "products/b.yaml",
            "name: b\nrepositories: [{ url: \"https://example.org/sw/b\", ref: main }]\n",
        ),
        ("products/c.yaml", "name: c\nversion: 1.0.0\n"),
        // `a` is not even built: a password written is committed all the same.
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [c]\noverrides:\n  a: { repositories: [{ url: \"https://ci:s3cret@example.org/sw/a/x/..\" }] }\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "the URL `https://example.org/sw/a/x/..` holds a password",
    );
    says(&run, "url-invalid");
    says(&run, "[distributions/dist.yaml:5:30]");
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    // Built from `a`'s repository, `b` shares it in this distribution: its tags would need
    // one commit for two products.
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a, b]\noverrides:\n  b: { repositories: [{ url: \"https://example.org/sw/a.git/\", ref: v1 }] }\n",
    );
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "repository `example.org/sw/a` is claimed by `a` and `b` in `dist`, as its `overrides` build it",
    );
    says(&run, "[distributions/dist.yaml:5:30]");
    says(&run, "also claimed by `a`");
    says(
        &run,
        "add `shared_with: [a]` to this repository of `b` and `shared_with: [b]` to that of `a`",
    );
    // Not in the closure, `a` shares nothing with it.
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [b]\noverrides:\n  b: { repositories: [{ url: \"https://example.org/sw/a\" }] }\n",
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    // Declared on both sides, the exception holds.
    write(
        &dir.path().join("products/a.yaml"),
        "name: a\nrepositories: [{ url: \"https://example.org/sw/a\", ref: main, shared_with: [b] }]\n",
    );
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a, b]\noverrides:\n  b: { repositories: [{ url: \"https://example.org/sw/a\", shared_with: [a] }] }\n",
    );
    let run = distrib_wide(dir.path(), &["check"]);
    ok(&run);
    assert!(!run.stderr.contains("repository-shared"), "{}", run.stderr);
}

#[test]
fn an_override_s_tag_and_recipe_are_held_to_a_product_file_s_rules() {
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\nversion: 1.0.0\nbuild: { script: make }\n",
        ),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  a: { tag: v2.0.0 }\n",
        ),
    ]);
    // The lock kept the version `1.0.0`: a tag names a commit, and `a` has no repository.
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "`a` has `tag: v2.0.0` but no repository, so no commit can be tagged `v2.0.0` in `dist`, as its `overrides` build it",
    );
    says(&run, "[distributions/dist.yaml:5:13]");
    says(&run, "write `version: v2.0.0` in the override instead");
    // Merged key by key, `1` and `\"1\"` were one key, the last one's value.
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a]\noverrides:\n  a: { build: { 1: x, \"1\": y } }\n",
    );
    let run = distrib_wide(dir.path(), &["check"]);
    fails(&run, 1, "the recipe of `a` has the key `1` twice");
    says(&run, "[distributions/dist.yaml:5:23]");
}

#[test]
fn a_root_the_distribution_excludes_is_an_error_not_a_smaller_lock() {
    let dir = manifests(&[
        (
            "products/a.yaml",
            "name: a\naliases: [a_old]\nversion: 1.0.0\ndepends: { c: \"*\" }\n",
        ),
        ("products/c.yaml", "name: c\nversion: 1.0.0\n"),
        (
            "distributions/dist.yaml",
            "name: dist\nenvironment: ops\nproducts: [a_old]\nexclude: [a]\n",
        ),
    ]);
    let run = distrib_wide(dir.path(), &["check"]);
    fails(
        &run,
        1,
        "`a_old` is a root of `dist` and is excluded from it, so `dist` would not build it",
    );
    says(&run, "root-excluded");
    fails(&dry_lock(dir.path(), "linux-x86_64"), 1, "root-excluded");
    // Excluding a dependency is what `exclude` is for.
    write(
        &dir.path().join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [a]\nexclude: [c]\n",
    );
    ok(&distrib_wide(dir.path(), &["check"]));
    let run = dry_lock(dir.path(), "linux-x86_64");
    ok(&run);
    assert_eq!(names(&distrib::lock::parse(&run.stdout).unwrap()), ["a"]);
    // `--set` of an excluded product says so, under a former name too.
    write(
        &dir.path().join("products/c.yaml"),
        "name: c
aliases: [c_old]
version: 1.0.0
",
    );
    for (set, said) in [
        (
            "c=main",
            "`c` is excluded from `dist`, so --set cannot give it a ref",
        ),
        ("c_old=main", "`c_old` (now `c`) is excluded from `dist`"),
        ("d=main", "unknown product `d` in --set"),
    ] {
        let run = dry_lock_of(dir.path()).set(set).run();
        fails(&run, 2, said);
    }
}

/// Two root commits whose ids share their first eight digits (`989e0f68`), made with the
/// fixed identity and date of the tests' git.
fn ambiguous_commits(repo: &std::path::Path) -> (String, String) {
    git(repo, &["hash-object", "-w", "-t", "tree", "/dev/null"]);
    let empty = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let a = git(repo, &["commit-tree", empty, "-m", "commit 29403"]);
    let b = git(repo, &["commit-tree", empty, "-m", "commit 44478"]);
    assert_eq!((&a[..8], &b[..8]), ("989e0f68", "989e0f68"), "{a} {b}");
    git(repo, &["branch", "one", &a]);
    git(repo, &["branch", "two", &b]);
    (a, b)
}

#[test]
fn abbreviated_commit_ids_resolve_unless_ambiguous_and_a_ref_wins() {
    let f = Fixture::new();
    let other = f.repo("other");
    let (a, b) = ambiguous_commits(&other);
    let main = git(&other, &["rev-parse", "main"]);
    // A third-party product pinned by an abbreviated id passes `check`.
    let short = &main[..7];
    write(
        &f.root.join("products/other.yaml"),
        &format!(
            "name: other\ntype: third-party\nrepositories:\n  - url: https://example.org/sw/other\n    ref: {short}\n"
        ),
    );
    ok(&f.run(&["check"]));
    f.fetch();
    let dry = |extra: &[&str]| {
        f.lock("dist", "weekly")
            .offline()
            .dry_run()
            .args(extra)
            .run()
    };
    // Unique: the lock records the pin as written and the full commit.
    let run = dry(&[]);
    ok(&run);
    let locked = distrib::lock::parse(&run.stdout).unwrap();
    let repository = &product_in(&locked, "other").repositories[0];
    assert_eq!(
        (repository.reference.as_str(), repository.resolved.as_str()),
        (short, main.as_str())
    );
    assert_eq!(repository.commit, main);
    // The same through --set.
    let run = dry(&["--set", &format!("other={}", &a[..10])]);
    ok(&run);
    let locked = distrib::lock::parse(&run.stdout).unwrap();
    assert_eq!(product_in(&locked, "other").repositories[0].commit, a);
    assert_eq!(locked.overrides["other"], a[..10]);
    // Ambiguous: an error that lists the candidates.
    let run = dry(&["--set", "other=989e0f6"]);
    fails(&run, 1, "`989e0f6` is the beginning of 2 commits");
    says(&run, &format!("`{a}`"));
    says(&run, &format!("`{b}`"));
    says(&run, "write more digits of the commit id");
    // Nine digits tell them apart.
    let run = dry(&["--set", &format!("other={}", &b[..9])]);
    ok(&run);
    assert_eq!(
        product_in(&distrib::lock::parse(&run.stdout).unwrap(), "other").repositories[0].commit,
        b
    );
    // A tag of that name wins, as in git; so does an all-digit one.
    git(&other, &["tag", "989e0f6", &main]);
    git(&other, &["tag", "8498081", &b]);
    f.fetch();
    for (name, commit) in [("989e0f6", &main), ("8498081", &b)] {
        let run = dry(&["--set", &format!("other={name}")]);
        ok(&run);
        let locked = distrib::lock::parse(&run.stdout).unwrap();
        let repository = &product_in(&locked, "other").repositories[0];
        assert_eq!(repository.resolved, format!("refs/tags/{name}"));
        assert_eq!(&repository.commit, commit);
    }
}

#[test]
fn a_products_own_version_is_what_requirements_names_and_the_lock_use() {
    let f = Fixture::new();
    let base = f.repo("base");
    git(&base, &["tag", "Base_2_1_0"]);
    // The tag does not say the version: `version` does.
    write(
        &f.root.join("products/base.yaml"),
        "name: base\nrepositories:\n  - url: https://example.org/sw/base\n    ref: main\ntag: Base_2_1_0\nversion: v2.1.0\n",
    );
    // A meta-package without a repository, at its daily version.
    write(
        &f.root.join("products/suite.yaml"),
        "name: suite\nversion: daily-20260301-0000\ndepends: { app: \"*\" }\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [suite, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.{suite}.{base}\" }\n",
    );
    ok(&f.run(&["check"]));
    f.fetch();
    let run = f.lock("dist", "weekly").date("2026-11-19").offline().run();
    ok(&run);
    says(&run, "locks/dist/w.daily-20260301-0000.v2.1.0.lock.yaml");
    let locked = lock(&f, "w.daily-20260301-0000.v2.1.0");
    assert_eq!(
        product_in(&locked, "base").version.as_deref(),
        Some("v2.1.0")
    );
    assert_eq!(
        product_in(&locked, "base").repositories[0].resolved,
        "refs/tags/Base_2_1_0"
    );
    assert_eq!(
        product_in(&locked, "suite").version.as_deref(),
        Some("daily-20260301-0000")
    );
    // `verify` asks the mirror only of versions that come from git names: `v2.1.0` is no tag
    // of base, and is what its manifest writes.
    ok(&f.run(&["verify"]));
    // Requirements read the version, not the tag.
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\ndepends: { base: \">=3\" }\n",
    );
    let run = f.run(&["check"]);
    fails(
        &run,
        1,
        "`base` is at version `v2.1.0` (version 2.1.0), which does not satisfy `>=3`",
    );
    // A `tag` on the meta-package is an error that points at `version`.
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\ndepends: { base: \">=2\" }\n",
    );
    write(
        &f.root.join("products/suite.yaml"),
        "name: suite\ntag: daily-20260301-0000\ndepends: { app: \"*\" }\n",
    );
    let run = f.run(&["check"]);
    fails(&run, 1, "tag-without-repository");
    says(&run, "write `version: daily-20260301-0000` instead");
}

/// `release` with a fixed date, one minute for the whole cycle.
fn release(f: &Fixture, args: &[&str]) {
    let args = [&["release"], args, &["--date", "2026-11-20T10:00"]].concat();
    ok(&f.run(&args));
}

#[test]
fn releases_of_one_minute_are_ordered_by_lineage() {
    let f = Fixture::locked();
    release(&f, &["candidate", "dist", "1.0.0", "--from", "w.2026.47"]);
    // A fix on the release branch makes rc2.
    let utils = f.repo("utils");
    git(&utils, &["checkout", "-q", "-b", "b.1.0.x"]);
    commit_file(&utils, "src/fix", "fix", "a fix");
    git(&utils, &["checkout", "-q", "main"]);
    release(&f, &["candidate", "dist", "1.0.0"]);
    release(&f, &["final", "dist", "1.0.0"]);
    git(&utils, &["checkout", "-q", "b.1.0.x"]);
    commit_file(&utils, "src/fix2", "fix 2", "another fix");
    git(&utils, &["checkout", "-q", "main"]);
    release(&f, &["patch", "dist", "1.0.1"]);
    git(&utils, &["checkout", "-q", "b.1.0.x"]);
    commit_file(&utils, "src/fix3", "fix 3", "a third fix");
    git(&utils, &["checkout", "-q", "main"]);
    release(&f, &["candidate", "dist", "1.0.1"]);
    release(&f, &["final", "dist", "1.0.1"]);
    // Same minute, and each final with its candidate's build: only lineage tells them apart.
    assert_eq!(lock(&f, "1.0.1").date, lock(&f, "1.0.1.rc2").date);
    assert_eq!(lock(&f, "1.0.1").build, lock(&f, "1.0.1.rc2").build);

    let run = f.distrib(&["list", "dist", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let listed = crate::support::field_of_each(&document["releases"], "release");
    assert_eq!(
        listed,
        [
            "1.0.1",
            "1.0.1.rc2",
            "1.0.1.rc1",
            "1.0.0",
            "1.0.0.rc2",
            "1.0.0.rc1",
            "w.2026.47"
        ]
    );
    // `graph` and `plan` on the distribution take its newest lock: the final.
    let run = f.distrib(&["graph", "dist", "--format", "json"]);
    ok(&run);
    let graph: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(graph["release"], "1.0.1", "{}", run.stdout);
    let store = f.root.join("store");
    std::fs::create_dir_all(&store).unwrap();
    let run = f.distrib(&[
        "plan",
        "dist",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "json",
    ]);
    ok(&run);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["release"], "1.0.1", "{}", run.stdout);
}

#[test]
fn a_lock_whose_date_is_no_date_is_refused() {
    let f = Fixture::locked();
    let text = f.lock_text("dist", "w.2026.47");
    let mut lock = distrib::lock::parse(&text).unwrap();
    lock.date = "19/11/2026".into();
    write(
        &f.root.join("locks/dist/w.2026.47.lock.yaml"),
        &lock.to_text().unwrap(),
    );
    let run = f.run(&["verify", "--offline"]);
    fails(
        &run,
        1,
        "the date `19/11/2026` is not a date as distrib writes it",
    );
}
