//! The files of the manifest repository under hostile conditions: concurrent edits, symbolic
//! links, line endings, a `distrib.yaml` that is not a file, forged locks.

use crate::support::fixture::{Fixture, fails, ok, says, write};
use crate::support::{distrib_wide, git};

/// Eight manual locks of `dist`, one a day.
fn eight_releases(f: &Fixture) -> Vec<String> {
    f.fetch();
    (1..=8)
        .map(|n| {
            let date = format!("2026-12-0{n}T10:00");
            let run = f.lock("dist", "manual").date(&date).offline().json().run();
            ok(&run);
            let made: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            made["release"]["release"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn concurrent_deploy_edits_are_all_kept() {
    let f = Fixture::new();
    let releases = eight_releases(&f);
    let site = f.root.join("deployments/site.yaml");
    for round in 0..2 {
        write(&site, "name: site\ndistribution: dist\ninstalled: []\n");
        let add = |release: &String| {
            let args = ["deploy", "add", "site", release, "--support", "test"];
            crate::support::start(&f.root, &args)
        };
        crate::support::all_succeed(releases.iter().map(add).collect());
        let text = std::fs::read_to_string(&site).unwrap();
        for release in &releases {
            assert!(
                text.contains(&format!("- release: {release}\n")),
                "round {round}: `{release}` lost:\n{text}"
            );
        }
        assert_eq!(text.matches("- release: ").count(), 8, "{text}");
    }
    ok(&f.distrib(&["check"]));
}

#[cfg(unix)]
#[test]
fn deploy_writes_through_links_inside_the_repository_and_refuses_others() {
    let f = Fixture::locked();
    write(
        &f.root.join("sites/site.yaml"),
        "name: site\ndistribution: dist\ninstalled: []\n",
    );
    std::fs::create_dir_all(f.root.join("deployments")).unwrap();
    let link = f.root.join("deployments/site.yaml");
    std::os::unix::fs::symlink("../sites/site.yaml", &link).unwrap();
    ok(&f.distrib(&["deploy", "add", "site", "w.2026.47", "--support", "test"]));
    assert!(link.is_symlink(), "the link was replaced by a file");
    let text = std::fs::read_to_string(f.root.join("sites/site.yaml")).unwrap();
    assert!(text.contains("- release: w.2026.47\n"), "{text}");

    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("far.yaml");
    let original = "name: far\ndistribution: dist\ninstalled: []\n";
    write(&elsewhere, original);
    std::os::unix::fs::symlink(&elsewhere, f.root.join("deployments/far.yaml")).unwrap();
    let run = f.distrib(&["deploy", "add", "far", "w.2026.47", "--support", "test"]);
    fails(&run, 1, "is a symbolic link to");
    says(&run, "outside the manifest repository");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), original);
    let _ = git;
}

#[test]
fn cr_only_and_crlf_files_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A CR-only `distrib.yaml` whose first line is a comment once read as blank, its unknown
    // rule (an error) dropped.
    write(
        &root.join("distrib.yaml"),
        "# repository settings\rrules: { no-such-rule: deny }\r",
    );
    write(
        &root.join("products/a.yaml"),
        "# a product\rname: a\rtype: internal\r",
    );
    write(
        &root.join("products/b.yaml"),
        "# another\r\nname: b\r\ndepends: { a: \"*\" }\r\n",
    );
    let run = distrib_wide(root, &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{document:#}");
    assert_eq!(diagnostics[0]["code"], "rule-unknown");
    assert_eq!(diagnostics[0]["file"], "distrib.yaml");
    assert_eq!(
        diagnostics[0]["line"], 2,
        "the position is the CR-separated line"
    );
    // CRLF: the same.
    write(
        &root.join("distrib.yaml"),
        "# repository settings\r\nrules: { no-such-rule: deny }\r\n",
    );
    let run = distrib_wide(root, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        document["diagnostics"][0]["code"], "rule-unknown",
        "{document:#}"
    );
    assert_eq!(document["diagnostics"][0]["line"], 2);
    write(&root.join("distrib.yaml"), "# settings\r\rrules: {}\r");
    let run = distrib_wide(root, &["check"]);
    ok(&run);
    says(&run, "no problems in 3 files");
}

#[test]
fn a_distrib_yaml_that_is_not_a_file_is_an_error_at_that_path() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    write(&outer.join("distrib.yaml"), "");
    std::fs::create_dir_all(outer.join("inner/distrib.yaml")).unwrap();
    write(
        &outer.join("inner/products/broken.yaml"),
        "name: broken\nbogus: 1\n",
    );
    let run = distrib_wide(&outer.join("inner"), &["check"]);
    fails(&run, 1, "`distrib.yaml` is a folder, not a file");
    says(&run, "file-ignored");
    says(&run, "unknown field `bogus`");
    // Every command that needs valid manifests stops there, not only `check`.
    let run = distrib_wide(&outer.join("inner"), &["fetch"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    says(&run, "`distrib.yaml` is a folder, not a file");

    // The same in a revision: the folder marks the root, and is reported.
    let repo = outer.join("inner");
    write(&repo.join("distrib.yaml/README"), "not settings\n");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "folder"]);
    let run = distrib_wide(&repo.join("products"), &["check", "--rev", "HEAD"]);
    fails(&run, 1, "`distrib.yaml` is a folder, not a file");
    says(&run, "unknown field `bogus`");
}

/// `check` on a work tree and `check --rev` on its commit: the same problems, word for word.
#[cfg(unix)]
#[test]
fn check_rev_reports_exactly_what_the_work_tree_reports_for_links() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let root = repo.join("manifests");
    write(&dir.path().join("outside.yaml"), "name: outside\n");
    write(&root.join("distrib.yaml"), "");
    write(&repo.join("above.yaml"), "name: above\n");
    write(&root.join("shared/chain.yaml"), "name: chain\n");
    write(
        &root.join("shared/envs/ops.yaml"),
        "name: ops\npurpose: operations\n",
    );
    write(&root.join("products/real.yaml"), "name: real\n");
    write(&root.join("products/x.YAML"), "name: x\n");
    let products = root.join("products");
    for (link, target) in [
        ("loop-a.yaml", "loop-b.yaml"),
        ("loop-b.yaml", "./loop-a.yaml"),
        ("self.yaml", "self.yaml"),
        ("dangling.yaml", "nothing/here.yaml"),
        ("through-file.yaml", "real.yaml/x.yaml"),
        ("escape.yaml", "../../../outside.yaml"),
        ("above.yaml", "../../above.yaml"),
        ("chain.yaml", "chain.link"),
        ("chain.link", "../shared/chain.yaml"),
        ("folder", "../shared"),
        ("notes.txt", "../../../outside.yaml"),
        ("broken-notes.txt", "nowhere"),
    ] {
        symlink(target, products.join(link)).unwrap();
    }
    symlink(
        dir.path().join("outside.yaml"),
        products.join("absolute.yaml"),
    )
    .unwrap();
    symlink("shared/envs", root.join("environments")).unwrap();
    symlink("../above", root.join("deployments")).unwrap();
    std::fs::create_dir_all(root.join("distributions")).unwrap();
    symlink("d.yaml", root.join("distributions/d.yaml")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "links"]);

    let tree = distrib_wide(&root, &["check", "--format", "json"]);
    let revision = distrib_wide(&root, &["check", "--rev", "HEAD", "--format", "json"]);
    assert_eq!(tree.code, 1, "{}", tree.stderr);
    assert_eq!(revision.code, tree.code);
    let document: serde_json::Value = serde_json::from_str(&tree.stdout).unwrap();
    let found: Vec<(String, String)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("deployments", "symlink-escape"),
        ("distributions/d.yaml", "symlink-broken"),
        ("products/above.yaml", "symlink-escape"),
        ("products/absolute.yaml", "symlink-escape"),
        ("products/dangling.yaml", "symlink-broken"),
        ("products/escape.yaml", "symlink-escape"),
        ("products/loop-a.yaml", "symlink-broken"),
        ("products/loop-b.yaml", "symlink-broken"),
        ("products/notes.txt", "symlink-escape"),
        ("products/self.yaml", "symlink-broken"),
        ("products/through-file.yaml", "symlink-broken"),
        ("products/x.YAML", "file-ignored"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expected, "{document:#}");
    assert_eq!(revision.stdout, tree.stdout);
    // The links that lead to files were read, as valid manifests: `chain` (through a second
    // link) and `ops` (through a linked kind folder), beside `distrib.yaml`, `real` and the 12
    // reported.
    assert_eq!(document["summary"]["files"], 16, "{document:#}");
}

/// `manifest_commit` of a dry-run weekly lock made in `root`.
fn manifest_commit(f: &Fixture, root: &std::path::Path) -> Option<String> {
    let mirrors = f.mirrors.to_str().unwrap();
    let run = distrib_wide(
        root,
        &[
            "lock",
            "--mirrors",
            mirrors,
            "dist",
            "--kind",
            "weekly",
            "--offline",
            "--dry-run",
            "--date",
            "2026-11-26",
        ],
    );
    ok(&run);
    distrib::lock::parse(&run.stdout).unwrap().manifest_commit
}

#[test]
fn a_crlf_checkout_is_dirty_only_when_git_status_says_so() {
    let f = Fixture::new();
    f.fetch();
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let checkouts = tempfile::tempdir().unwrap();

    // `core.autocrlf=true`: every manifest is CRLF on disk, LF in git, and git status is clean.
    let crlf = checkouts.path().join("crlf");
    let origin = f.root.to_str().unwrap();
    git(
        checkouts.path(),
        &["-c", "core.autocrlf=true", "clone", "-q", origin, "crlf"],
    );
    git(&crlf, &["config", "core.autocrlf", "true"]);
    let text = std::fs::read_to_string(crlf.join("products/utils.yaml")).unwrap();
    assert!(text.contains("\r\n"), "the checkout converts: {text:?}");
    assert_eq!(git(&crlf, &["status", "--porcelain"]), "");
    assert_eq!(manifest_commit(&f, &crlf), Some(head.clone()));
    // A file that distrib does not read changes nothing; an edited manifest does.
    write(&crlf.join("NOTES.md"), "notes\n");
    assert_eq!(manifest_commit(&f, &crlf), Some(head.clone()));
    write(
        &crlf.join("products/other.yaml"),
        "name: other\r\nrepositories:\r\n  - url: https://example.org/sw/other\r\n    ref: main\r\ndescription: edited\r\n",
    );
    assert_eq!(manifest_commit(&f, &crlf), Some(format!("{head}-dirty")));

    // `.gitattributes` decides too: `eol=crlf` checks out CRLF without any setting.
    write(&f.root.join(".gitattributes"), "*.yaml text eol=crlf\n");
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "attributes"]);
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let attributes = checkouts.path().join("attributes");
    git(checkouts.path(), &["clone", "-q", origin, "attributes"]);
    let text = std::fs::read_to_string(attributes.join("distributions/dist.yaml")).unwrap();
    assert!(text.contains("\r\n"), "{text:?}");
    assert_eq!(manifest_commit(&f, &attributes), Some(head.clone()));

    // `-text`: the bytes are kept as they are, so CRLF in the work tree is a change.
    write(&f.root.join(".gitattributes"), "*.yaml -text\n");
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "binary"]);
    let head = git(&f.root, &["rev-parse", "HEAD"]);
    let exact = checkouts.path().join("exact");
    git(
        checkouts.path(),
        &["-c", "core.autocrlf=true", "clone", "-q", origin, "exact"],
    );
    git(&exact, &["config", "core.autocrlf", "true"]);
    assert_eq!(manifest_commit(&f, &exact), Some(head.clone()));
    let path = exact.join("products/base.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains('\r'));
    write(&path, &text.replace('\n', "\r\n"));
    assert_ne!(git(&exact, &["status", "--porcelain"]), "");
    assert_eq!(manifest_commit(&f, &exact), Some(format!("{head}-dirty")));
}

/// `text` with its last line's digest recomputed: what a forger does.
fn redigest(text: &str) -> String {
    let body = &text[..text.rfind("digest: ").unwrap()];
    format!(
        "{body}digest: {}\n",
        distrib::identity::digest(body.as_bytes())
    )
}

/// Writes `forged` over the weekly lock, checks that `verify` (offline unless `online`) and
/// `check` refuse it saying `says_what`, then restores `original`.
fn refused(f: &Fixture, forged: &str, original: &str, online: bool, says_what: &str) {
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    std::fs::write(&path, forged).unwrap();
    let args: &[&str] = if online {
        &["verify"]
    } else {
        &["verify", "--offline"]
    };
    let run = f.run(args);
    fails(&run, 1, says_what);
    if !online {
        fails(&f.distrib(&["check"]), 1, says_what);
    }
    std::fs::write(&path, original).unwrap();
}

#[test]
fn verify_refuses_forged_fields_with_recomputed_digests() {
    let f = Fixture::locked();
    // A second lock, of the same content: build b1 too.
    ok(&f.lock("dist", "nightly").date("2026-11-20").offline().run());
    let gitattributes = std::fs::read_to_string(f.root.join("locks/.gitattributes")).unwrap();
    assert!(
        gitattributes.lines().any(|l| l == "*.lock.yaml -text"),
        "{gitattributes}"
    );
    let text = f.lock_text("dist", "w.2026.47");
    ok(&f.run(&["verify"]));
    let lock = || distrib::lock::parse(&text).unwrap();

    let mut forged = lock();
    forged.build = 7;
    refused(
        &f,
        &forged.to_text().unwrap(),
        &text,
        false,
        "build b7 is above the highest build of the other locks (b1) plus one",
    );

    let mut forged = lock();
    forged.kind = distrib::lock::ReleaseKind::Candidate;
    refused(
        &f,
        &forged.to_text().unwrap(),
        &text,
        false,
        "a candidate release without `release_version`",
    );
    // A weekly made a nightly: its name is the weekly template's (checked by `verify`, which
    // reads the distribution's templates).
    let mut forged = lock();
    forged.kind = distrib::lock::ReleaseKind::Nightly;
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    std::fs::write(&path, forged.to_text().unwrap()).unwrap();
    fails(
        &f.run(&["verify", "--offline"]),
        1,
        "`w.2026.47` records `kind: nightly`, but its name is the one the weekly template of `dist` gives",
    );
    std::fs::write(&path, &text).unwrap();
    let mut forged = lock();
    forged.rc = Some(2);
    refused(
        &f,
        &forged.to_text().unwrap(),
        &text,
        false,
        "a weekly release records `rc`",
    );
    let mut forged = lock();
    forged.kind = distrib::lock::ReleaseKind::Final;
    forged.release_version = Some("30.0.0".into());
    forged.from = Some("w.2026.46".into());
    refused(
        &f,
        &forged.to_text().unwrap(),
        &text,
        false,
        "is not named after its `release_version: 30.0.0`",
    );

    for date in [
        "2026-13-45",
        "2026-11-19T25:00",
        "last thursday",
        "2026-11-19T00:00",
    ] {
        let mut forged = lock();
        forged.date = date.into();
        refused(
            &f,
            &forged.to_text().unwrap(),
            &text,
            false,
            &format!("the date `{date}` is not a date as distrib writes it"),
        );
    }

    // A branch product's version names its commit; a tag's is checked against the mirror.
    let mut forged = lock();
    let utils = forged
        .products
        .iter_mut()
        .find(|p| p.name == "utils")
        .unwrap();
    utils.version = Some("g0000000".into());
    refused(
        &f,
        &forged.to_text().unwrap(),
        &text,
        false,
        "the version of `utils` is `g0000000`, which names no commit it records",
    );
    let mut forged = lock();
    let base = forged
        .products
        .iter_mut()
        .find(|p| p.name == "base")
        .unwrap();
    base.version = Some("2.0.0".into());
    let forged = forged.to_text().unwrap();
    std::fs::write(f.root.join("locks/dist/w.2026.47.lock.yaml"), &forged).unwrap();
    ok(&f.run(&["verify", "--offline"]));
    refused(
        &f,
        &forged,
        &text,
        true,
        "`base`: version `2.0.0` is neither a tag of its commit nor what `git describe` gives for it",
    );

    // Reordered products, and text that is not what distrib writes, each with its digest.
    let first = text.find("\n- name: ").unwrap() + 1;
    let second = first + text[first + 1..].find("\n- name: ").unwrap() + 2;
    // The products end where the release tags (or the digest line) begin.
    let end = ["\ntag: ", "\ntags:\n"]
        .iter()
        .find_map(|after| text.find(after))
        .map_or_else(|| text.rfind("digest: ").unwrap(), |i| i + 1);
    let reordered = format!(
        "{}{}{}{}",
        &text[..first],
        &text[second..end],
        &text[first..second],
        &text[end..]
    );
    refused(
        &f,
        &redigest(&reordered),
        &text,
        false,
        "the file is not in the form distrib writes: line",
    );
    let requoted = text.replacen("date: '2026-11-19'", "date: \"2026-11-19\"", 1);
    let requoted = if requoted == text {
        text.replacen("date: \"2026-11-19\"", "date: '2026-11-19'", 1)
    } else {
        requoted
    };
    assert_ne!(requoted, text);
    refused(
        &f,
        &redigest(&requoted),
        &text,
        false,
        "the file is not in the form distrib writes",
    );
    refused(
        &f,
        &redigest(&text.replacen("\nbuild:", "\n# a comment\nbuild:", 1)),
        &text,
        false,
        "the file is not in the form distrib writes",
    );

    // A CRLF checkout of a lock: said as such, with the fix.
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(&run, 1, "line endings were changed");
    says(&run, "*.lock.yaml -text");
    let run = f.distrib(&["check"]);
    fails(&run, 1, "line endings were changed");
    std::fs::write(&path, &text).unwrap();
    ok(&f.run(&["verify"]));
    ok(&f.distrib(&["check"]));
}

#[test]
fn clear_messages_for_careless_input() {
    let f = Fixture::locked();
    let weekly = f.lock_text("dist", "w.2026.47");

    // `mirrors: ""` would put the mirrors inside the manifest repository.
    let config = std::fs::read_to_string(f.root.join("distrib.yaml")).unwrap();
    write(
        &f.root.join("distrib.yaml"),
        &format!("{config}mirrors: \"\"\n"),
    );
    let run = f.distrib(&["check"]);
    fails(
        &run,
        1,
        "`mirrors` is empty: the bare mirrors would be made inside the manifest repository",
    );
    write(&f.root.join("distrib.yaml"), &config);

    // `--set a=` is a usage error; a variable's value that cannot be in a name says which.
    let lock = |extra: &[&str]| {
        f.lock("dist", "manual")
            .offline()
            .dry_run()
            .args(extra)
            .run()
    };
    fails(&lock(&["--set", "utils="]), 2, "`utils=` names no ref");
    let dist = std::fs::read_to_string(f.root.join("distributions/dist.yaml")).unwrap();
    write(
        &f.root.join("distributions/dist.yaml"),
        &format!("{dist}variables: {{ v: \"1\" }}\n"),
    );
    let run = lock(&["--var", "v=~"]);
    fails(
        &run,
        2,
        "`--var v=~` is refused: it contains a space or one of `~^:?*[`",
    );
    says(&run, "whether or not a template uses it today");
    write(&f.root.join("distributions/dist.yaml"), &dist);

    // A product listed twice is said to be, not called a cycle.
    let mut twice = distrib::lock::parse(&weekly).unwrap();
    twice.products.push(twice.products[0].clone());
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    std::fs::write(&path, twice.to_text().unwrap()).unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(&run, 1, "is listed twice in `products`");
    assert!(!run.stderr.contains("cycle"), "{}", run.stderr);

    // A binary lock: every reader says it is no text, none blames permissions.
    std::fs::write(&path, b"\x00\xff\xfe binary").unwrap();
    for args in [
        &["graph", "w.2026.47"][..],
        &["diff", "w.2026.47", "w.2026.47"],
        &["plan", "--store", "store", "w.2026.47"],
        &["list"],
        &["verify", "--offline"],
    ] {
        let run = f.distrib(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        // Commands that check the manifests first report it as `check` does.
        assert!(
            run.stderr
                .contains("the file is not text (invalid UTF-8 at byte 1)")
                || run
                    .stderr
                    .contains("file is not UTF-8: invalid byte at line 1"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("restore it from git") || run.stderr.contains("distrib verify"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("permission"),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::write(&path, &weekly).unwrap();

    // A lock under another release's path: `list` says so.
    let mut moved = distrib::lock::parse(&weekly).unwrap();
    moved.release = "w.2026.48".into();
    std::fs::write(
        f.root.join("locks/dist/w.2026.49.lock.yaml"),
        moved.to_text().unwrap(),
    )
    .unwrap();
    let run = f.distrib(&["list"]);
    ok(&run);
    says(
        &run,
        "⚠ `locks/dist/w.2026.49.lock.yaml` holds release `w.2026.48` of `dist`, not the lock its path names",
    );
    std::fs::remove_file(f.root.join("locks/dist/w.2026.49.lock.yaml")).unwrap();

    // `site --out LINK`: written through a link to a folder; a link to nothing says so.
    let elsewhere = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(elsewhere.path(), f.root.join("public")).unwrap();
        let run = f.run(&["site", "--out", "public"]);
        ok(&run);
        assert!(elsewhere.path().join("index.html").is_file());
        assert!(f.root.join("public").is_symlink());
        std::os::unix::fs::symlink("nowhere", f.root.join("dangling")).unwrap();
        let run = f.run(&["site", "--out", "dangling"]);
        fails(
            &run,
            1,
            "it is a symbolic link to `nowhere`, which does not exist",
        );
    }

    // `import`: what is wrong with the entry, and one existing file is one.
    let map = f.root.join("repos.yaml");
    write(&map, "afw: [a, b]\n");
    let run = f.distrib(&["import", "lsst-repos", "repos.yaml"]);
    fails(
        &run,
        1,
        "`afw` is a list, where a URL or a mapping with `url`",
    );
    assert!(!run.stderr.contains("untagged"), "{}", run.stderr);
    write(
        &map,
        "utils: https://example.org/sw/utils\nnew: https://example.org/sw/new\n",
    );
    let run = f.distrib(&["import", "lsst-repos", "repos.yaml"]);
    fails(&run, 1, "1 product file already exists: `");
    says(&run, "utils.yaml`");
}
