//! The README's main-job command, `examples/demo.sh`, on both bundled examples: check, fetch,
//! lock, verify and lock --check, with the examples' repositories created locally; then each
//! example's release cycle: DMTN-106's candidates, final and patch for lsst, O2's nightlies,
//! manual build and deployment for alice.

struct Demo {
    work: tempfile::TempDir,
    stdout: String,
    stderr: String,
}

fn demo(example: &str) -> Demo {
    let work = tempfile::tempdir().unwrap();
    let run = crate::support::demo(example, work.path());
    let stderr = run.stderr;
    assert!(stderr.contains("is up to date"), "{stderr}");
    assert!(stderr.contains("no problems in"), "{stderr}");
    Demo {
        work,
        stdout: run.stdout,
        stderr,
    }
}

fn lock(demo: &Demo, distribution: &str, release: &str) -> distrib::lock::Lockfile {
    let path = demo.work.path().join(format!(
        "manifests/locks/{distribution}/{release}.lock.yaml"
    ));
    distrib::lock::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn lsst_demo() {
    let demo = demo("lsst");
    let out = &demo.stdout;
    assert!(out.contains("release: w.2026.47\n"), "{out}");
    assert!(
        out.contains("- name: eigen\n  version: \"3.4.0\"\n"),
        "{out}"
    );
    assert!(demo.stderr.contains("6 locks verified"), "{}", demo.stderr);
    // Build numbers continue versiondb's (`builds: { first: 8467 }`).
    let weekly = lock(&demo, "lsst_distrib", "w.2026.47");
    assert_eq!(weekly.build, 8467);
    // rc2 takes afw from the release branch (LSST names it `v29.0.x`), the rest from rc1.
    let (rc1, rc2) = (
        lock(&demo, "lsst_distrib", "v29.0.0.rc1"),
        lock(&demo, "lsst_distrib", "v29.0.0.rc2"),
    );
    let repository = |l: &distrib::lock::Lockfile, name: &str| {
        let product = crate::support::fixture::product_in(l, name);
        product.repositories[0].clone()
    };
    assert_eq!(repository(&rc2, "afw").resolved, "refs/heads/v29.0.x");
    assert_ne!(
        repository(&rc2, "afw").commit,
        repository(&rc1, "afw").commit
    );
    assert_eq!(repository(&rc2, "daf_base"), repository(&rc1, "daf_base"));
    // The final is rc2, same build; the patch starts from the final.
    let done = lock(&demo, "lsst_distrib", "29.0.0");
    assert_eq!((done.build, &done.products), (rc2.build, &rc2.products));
    let patch = lock(&demo, "lsst_distrib", "v29.0.1.rc1");
    assert_eq!(patch.from.as_deref(), Some("29.0.0"));
    assert_ne!(patch.content, done.content);
    // Every release is a tag in every repository (externals with their `v`), and only afw,
    // the product fixed between rc1 and rc2, has the release branch.
    let upstream = |repo: &str| demo.work.path().join("upstream").join(repo);
    let tags = crate::support::git(&upstream("github.com/lsst/afw"), &["tag", "--list"]);
    assert_eq!(
        tags.lines().collect::<Vec<_>>(),
        [
            "29.0.0",
            "29.0.1",
            "v29.0.0.rc1",
            "v29.0.0.rc2",
            "v29.0.1.rc1",
            "w.2026.47"
        ]
    );
    let eigen = crate::support::git(
        &upstream("gitlab.com/libeigen/eigen"),
        &["tag", "--list", "v*"],
    );
    assert!(eigen.lines().any(|t| t == "v29.0.0"), "{eigen}");
    assert_eq!(
        repository(&rc1, "afw").commit,
        crate::support::git(
            &upstream("github.com/lsst/afw"),
            &["merge-base", "v29.0.x", "main"]
        )
    );
    let docs = crate::support::git(
        &upstream("github.com/lsst/pipelines_lsst_io"),
        &["tag", "--list"],
    );
    assert!(
        docs.lines().any(|t| t == "29.0.0"),
        "the companion too: {docs}"
    );
    let utils = crate::support::git(&upstream("github.com/lsst/utils"), &["branch", "--list"]);
    assert!(!utils.contains("v29.0.x"), "{utils}");
    // DMTN-106 §2.6: the manifest repository carries the release's tag too.
    let manifests = crate::support::git(&demo.work.path().join("manifests"), &["tag", "--list"]);
    assert!(
        manifests.lines().any(|t| t == "29.0.0"),
        "the manifest repository too: {manifests}"
    );
    // DMTN-106 §4.6: the final waited for the validation campaign.
    assert!(
        demo.stderr
            .contains("final of `v29.0.0.rc2` is gated: `validation`"),
        "{}",
        demo.stderr
    );
    assert!(
        demo.stderr.contains("ok    3 records files"),
        "{}",
        demo.stderr
    );
    for line in [
        "29.0.1       final",
        "v29.0.0.rc1  candidate",
        "from v29.0.0.rc2",
    ] {
        assert!(out.contains(line), "`{line}` in:\n{out}");
    }
}

#[test]
fn alice_demo() {
    let demo = demo("alice");
    let out = &demo.stdout;
    let weekly = "O2PDPSuite-epn-20261119-DDv1.6.5-flp-suite-v0.40.0";
    assert!(out.contains(&format!("release: {weekly}\n")), "{out}");
    // The manifest folder is a git repository: every lock names its commit.
    let thursday = lock(&demo, "O2PDPSuite", weekly);
    assert!(thursday.manifest_commit.is_some(), "{thursday:?}");
    // O2 §7: nightlies carry the date only; the second of a day gets the time. O2 §5, §6:
    // they are built against the FLP suite installed on the FLP farm.
    let (first, second) = (
        lock(&demo, "O2PDPSuite", "20261120"),
        lock(&demo, "O2PDPSuite", "20261120-1400"),
    );
    assert_ne!(first.content, second.content);
    let source = &second.sources["flp_suite"];
    assert_eq!(
        (source.source.as_str(), source.release.as_str()),
        ("@installed:flp", "0.40.0")
    );
    assert_eq!(second.variables["flp_suite"], "0.40.0");
    // Monday's nightly: the newest FLP suite.
    let monday = lock(&demo, "O2PDPSuite", "20261123");
    assert_eq!(monday.variables["flp_suite"], "0.41.0");
    assert_eq!(monday.sources["flp_suite"].source, "@newest:flp-suite");
    // O2 §5: the manual build is based on the weekly, DataDistribution overridden.
    let manual = lock(
        &demo,
        "O2PDPSuite",
        "O2PDPSuite-epn-20261121-DDv1.6.6-flp-suite-v0.40.0-manual",
    );
    assert_eq!(manual.from.as_deref(), Some(weekly));
    assert_eq!(
        manual.overrides.get("DataDistribution").map(String::as_str),
        Some("v1.6.6")
    );
    let commit = |l: &distrib::lock::Lockfile, name: &str| {
        crate::support::fixture::product_in(l, name).repositories[0]
            .commit
            .clone()
    };
    // O2 moved on after the weekly; the manual build did not.
    assert_eq!(commit(&manual, "O2"), commit(&thursday, "O2"));
    assert_ne!(commit(&second, "O2"), commit(&thursday, "O2"));
    // The default is gated on the workout: refused before its record, then set.
    assert!(
        demo.stderr.contains("is gated: `workout`"),
        "{}",
        demo.stderr
    );
    assert!(
        demo.stderr.contains("ok    2 records files"),
        "{}",
        demo.stderr
    );
    // O2 §3, §6, §8: the default moved to the next weekly; a partition runs the manual build;
    // the newest nightly is the alternative.
    let epn =
        std::fs::read_to_string(demo.work.path().join("manifests/deployments/epn.yaml")).unwrap();
    let next = "O2PDPSuite-epn-20261126-DDv1.6.5-flp-suite-v0.40.0";
    assert!(epn.contains(&format!("default: {next}\n")), "{epn}");
    assert!(epn.contains("alternative: \"20261123\"\n"), "{epn}");
    assert!(
        epn.contains(&format!("partitions:\n  physics_1: {}\n", manual.release)),
        "{epn}"
    );
    assert!(epn.contains("# epn: the O2PDPSuite releases"), "{epn}");
    let row = |release: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{release} ")))
            .unwrap_or_else(|| panic!("no `{release}` in:\n{out}"))
    };
    assert!(
        row(next).contains(" weekly ")
            && row(next).ends_with("epn: official (default), fst: pass, workout: pass"),
        "{out}"
    );
    assert!(
        row(weekly).ends_with("epn: official, fst: pass, workout: pass"),
        "{out}"
    );
    assert!(row("20261120-1400").ends_with("epn: internal"), "{out}");
    assert!(row(&manual.release).contains("epn: test"), "{out}");
    // What CI loads into CONSUL.
    assert!(
        out.contains("\"format\": \"distrib-deployment/1\""),
        "{out}"
    );
    assert!(out.contains("\"alternative\": \"20261123\""), "{out}");
}
