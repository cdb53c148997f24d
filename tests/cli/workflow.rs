//! The release workflow as ALICE and LSST run it: builds from a release (`lock --from`), build
//! names, and LSST's week numbers, on real git repositories.

use crate::support::fixture::{Fixture, append, commit_file, fails, ok, product_in, says, write};
use distrib::lock::{Lockfile, ReleaseKind};

fn lock(f: &Fixture, release: &str) -> Lockfile {
    distrib::lock::parse(&f.lock_text("dist", release)).unwrap()
}

fn commit_of(lock: &Lockfile, product: &str) -> String {
    let product = product_in(lock, product);
    product.repositories[0].commit.clone()
}

#[test]
fn a_manual_build_from_the_weekly_keeps_its_commits_except_the_overrides() {
    let f = Fixture::locked();
    let weekly = lock(&f, "w.2026.47");
    // O2 §5: work goes on after the weekly; the manual build must not see it.
    commit_file(&f.repo("utils"), "src/new", "after", "later work");
    let app = commit_file(&f.repo("app"), "src/new", "after", "later work");
    git_tag(&f, "app", "v1.6.6");
    f.fetch();

    let run = f
        .lock("dist", "manual")
        .from("w.2026.47")
        .set("app=v1.6.6")
        .date("2026-11-20T10:00")
        .offline()
        .run();
    ok(&run);
    says(&run, "from `w.2026.47`");
    let manual = lock(&f, "m.2026.11.20.1000");
    assert_eq!(manual.kind, ReleaseKind::Manual);
    assert_eq!(manual.from.as_deref(), Some("w.2026.47"));
    assert_eq!(commit_of(&manual, "app"), app);
    for product in ["utils", "other", "base"] {
        assert_eq!(commit_of(&manual, product), commit_of(&weekly, product));
    }
    assert_eq!(
        manual.overrides.get("app").map(String::as_str),
        Some("v1.6.6")
    );
    // `verify` accepts a manual build that records where it started.
    ok(&f.run(&["verify"]));

    // Without --from the same command takes every branch at its head.
    let run = f
        .lock("dist", "manual")
        .set("app=v1.6.6")
        .date("2026-11-20T11:00")
        .offline()
        .run();
    ok(&run);
    let head = lock(&f, "m.2026.11.20.1100");
    assert_eq!(head.from, None);
    assert_ne!(commit_of(&head, "utils"), commit_of(&weekly, "utils"));
}

#[test]
fn a_nightly_may_start_from_a_release_too() {
    let f = Fixture::locked();
    let weekly = lock(&f, "w.2026.47");
    commit_file(&f.repo("other"), "src/new", "after", "later work");
    f.fetch();
    let run = f
        .lock("dist", "nightly")
        .from("w.2026.47")
        .date("2026-11-21")
        .offline()
        .run();
    ok(&run);
    // Same commits, so the same content: no rebuild.
    says(&run, "same content as `w.2026.47` (b1), from `w.2026.47`");
    let nightly = lock(&f, "d.2026.11.21");
    assert_eq!(nightly.content, weekly.content);
    assert_eq!(commit_of(&nightly, "other"), commit_of(&weekly, "other"));
}

#[test]
fn from_a_release_of_another_distribution_or_of_none_is_refused() {
    let f = Fixture::locked();
    ok(&f.lock("solo", "weekly").date("2026-11-12").offline().run());
    let run = f.lock("dist", "manual").from("w.2026.46").offline().run();
    fails(&run, 1, "`w.2026.46` is a release of `solo`, not of `dist`");
    says(&run, "release-foreign");
    let run = f.lock("dist", "manual").from("w.2026.48").offline().run();
    fails(&run, 1, "no release `w.2026.48` of `dist`");
    says(&run, "did you mean `w.2026.47`?");
    assert!(
        !f.root
            .join("locks/dist")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().file_name().to_string_lossy().starts_with("m.") })
    );
    // `--from` says what to build; `--check` compares: not both.
    let run = f.lock_check("dist").from("w.2026.47").run();
    assert_eq!(run.code, 2, "{}", run.stderr);
}

fn git_tag(f: &Fixture, product: &str, tag: &str) {
    crate::support::git(&f.repo(product), &["tag", "-a", "-m", "release", tag]);
}

fn name_builds(f: &Fixture, build: &str) {
    crate::support::fixture::write(
        &f.root.join("distributions/dist.yaml"),
        &format!(
            "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: {{ weekly: \"w.%G.%V\", build: \"{build}\" }}\n"
        ),
    );
}

#[test]
fn builds_are_named_by_naming_build_in_messages_list_notes_and_json() {
    let f = Fixture::locked();
    name_builds(&f, "{version}-b{build}");
    ok(&f.run(&["check"]));
    let run = f
        .release_candidate("dist", "27.0.0")
        .from("w.2026.47")
        .date("2026-11-20")
        .offline()
        .run();
    ok(&run);
    // DMTN-106 §3.3.2: `<M>.<n>.<p>-<bID>`.
    says(&run, "same content as `w.2026.47` (27.0.0-b1)");
    let run = f
        .release_final("dist", "27.0.0")
        .date("2026-11-21")
        .json()
        .run();
    ok(&run);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["format"], "distrib-release/1");
    assert_eq!(summary["build_name"], "27.0.0-b1");
    assert_eq!(summary["release"]["build"], 1);

    let run = f.distrib(&["list", "dist"]);
    ok(&run);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(
        rows[1].starts_with("27.0.0 ") && rows[1].contains(" 27.0.0-b1 "),
        "{}",
        run.stdout
    );
    // A weekly has no version: it keeps `b<ID>`.
    assert!(
        rows.iter()
            .any(|r| r.starts_with("w.2026.47") && r.contains(" b1 ")),
        "{}",
        run.stdout
    );
    let run = f.distrib(&["list", "dist", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names = crate::support::field_of_each(&list["releases"], "build_name");
    assert_eq!(names, ["27.0.0-b1", "27.0.0-b1", "b1"]);

    let run = f.run(&["notes", "w.2026.47", "27.0.0"]);
    ok(&run);
    assert!(
        run.stdout.contains("(build b1 → 27.0.0-b1)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_build_template_with_an_unknown_placeholder_or_without_the_build_is_refused() {
    let f = Fixture::new();
    name_builds(&f, "{version}-b{bild}");
    let run = f.run(&["check"]);
    fails(
        &run,
        1,
        "unknown placeholder `{bild}` in the build name template",
    );
    says(&run, "did you mean `{build}`?");
    name_builds(&f, "b%Y");
    let run = f.run(&["check"]);
    fails(&run, 1, "the build name template has no `{build}`");
    says(
        &run,
        "date code `%Y` in the build name template, which has no date",
    );
    // `{version}` is what DMTN-106 names builds with.
    name_builds(&f, "{version}-b{build}");
    ok(&f.run(&["check"]));
}

/// LSST's weekly of a date, by the lsst example's template.
fn lsst_weekly(date: &str, template: &str) -> String {
    let date = distrib::naming::DateTime::parse(date).unwrap();
    distrib::naming::expand(template, date, |_| None).unwrap()
}

#[test]
fn lsst_weeks_name_the_real_weeklies_of_2019_to_2026_by_their_tag_date() {
    let Some(path) = crate::support::shared("lsst/tag_to_manifest.tsv") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let weeklies: Vec<(&str, &str)> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.get(1) == Some(&"weekly")).then(|| (fields[0], fields[2]))
        })
        .filter(|(_, date)| ("2019".."2027").contains(&&date[..4]))
        .collect();
    assert_eq!(weeklies.len(), 378);
    let named = |template: &str| {
        weeklies
            .iter()
            .filter(|(tag, date)| lsst_weekly(date, template) == *tag)
            .count()
    };
    assert_eq!(named("w.%J.%K"), 375);
    assert_eq!(named("w.%G.%V"), 273);
    // The others were tagged after their week ended: the date names a later week.
    for (tag, date) in &weeklies {
        let by_date = lsst_weekly(date, "w.%J.%K");
        assert!(by_date.as_str() >= *tag, "{tag} tagged {date} is {by_date}");
    }
    // 2021-2022, where ISO weeks and LSST's differ by one all year long.
    let recent: Vec<_> = weeklies
        .iter()
        .filter(|(_, date)| date.starts_with("2021") || date.starts_with("2022"))
        .collect();
    assert_eq!(recent.len(), 103);
    let iso = recent
        .iter()
        .filter(|(tag, date)| lsst_weekly(date, "w.%G.%V") == *tag)
        .count();
    assert_eq!(iso, 1);
}

#[test]
fn lsst_weeks_around_new_year() {
    for (date, lsst, iso) in [
        ("2020-12-31", "w.2021.01", "w.2020.53"),
        ("2021-01-03", "w.2021.02", "w.2020.53"),
        ("2027-01-01", "w.2027.01", "w.2026.53"),
    ] {
        assert_eq!(lsst_weekly(date, "w.%J.%K"), lsst, "{date}");
        assert_eq!(lsst_weekly(date, "w.%G.%V"), iso, "{date}");
    }
}

#[test]
fn build_numbers_continue_from_builds_first() {
    // A repository with locks already: b1. Then the collaboration's numbers are adopted.
    let f = Fixture::locked();
    append(&f.root.join("distrib.yaml"), "builds: { first: 8467 }\n");
    commit_file(&f.repo("other"), "src/new", "after", "later work");
    f.fetch();
    for (date, build) in [("2026-11-20", 8467), ("2026-11-21", 8468)] {
        commit_file(&f.repo("other"), "src/new", date, "more work");
        f.fetch();
        let run = f.lock("dist", "nightly").date(date).offline().run();
        ok(&run);
        says(&run, &format!("build b{build}"));
        assert_eq!(
            lock(&f, &format!("d.{}", date.replace('-', "."))).build,
            build
        );
    }
    // The jump to the first number is no sign of a lock made elsewhere.
    ok(&f.run(&["verify", "--offline"]));
    ok(&f.distrib(&["check"]));
}

/// `dist` built against the FLP suite `solo`: the variable `flp_suite` is a build input and in
/// the nightly's name, as in O2.
fn build_against_flp(f: &Fixture) {
    crate::support::fixture::write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nvariables:\n  flp_suite: { default: \"0.40.0\", input: true }\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d-flp{flp_suite}\" }\n",
    );
}

fn flp_deployment(f: &Fixture, default: Option<&str>) {
    crate::support::fixture::write(
        &f.root.join("deployments/flp.yaml"),
        &format!(
            "name: flp\ndistribution: solo\ninstalled:\n  - {{ release: \"0.41.0\", support: official }}\n  - {{ release: \"0.42.0\", support: test }}\n{}",
            default
                .map(|d| format!("default: \"{d}\"\n"))
                .unwrap_or_default()
        ),
    );
}

fn release_solo(f: &Fixture, version: &str, weekly_date: &str, final_date: &str) {
    commit_file(&f.repo("other"), "src/version", version, "next version");
    f.fetch();
    let weekly = f
        .lock("solo", "weekly")
        .date(weekly_date)
        .offline()
        .json()
        .run();
    ok(&weekly);
    let weekly: serde_json::Value = serde_json::from_str(&weekly.stdout).unwrap();
    ok(&f
        .release_candidate("solo", version)
        .from(weekly["release"]["release"].as_str().unwrap())
        .date(weekly_date)
        .offline()
        .run());
    ok(&f.release_final("solo", version).date(final_date).run());
}

#[test]
fn variables_from_the_installed_and_the_newest_release() {
    let f = Fixture::locked();
    build_against_flp(&f);
    let nightly = |date: &str, source: &str| {
        f.lock("dist", "nightly")
            .date(date)
            .var(&format!("flp_suite={source}"))
            .offline()
            .run()
    };
    // No final of the FLP suite yet.
    let run = nightly("2026-11-17", "@newest:solo");
    fails(&run, 1, "`@newest:solo`: `solo` has no final release");
    says(&run, "variable-source");
    release_solo(&f, "0.41.0", "2026-11-05", "2026-11-06");
    release_solo(&f, "0.42.0", "2026-11-12", "2026-11-13");

    // Tuesday to Sunday: the FLP suite installed on the farm, its default.
    flp_deployment(&f, None);
    let run = nightly("2026-11-17", "@installed:flp");
    fails(
        &run,
        1,
        "`@installed:flp`: the deployment `flp` has no default release",
    );
    says(&run, "distrib deploy set-default flp RELEASE");
    flp_deployment(&f, Some("0.41.0"));
    ok(&f.distrib(&["check"]));
    let run = nightly("2026-11-17", "@installed:flp");
    ok(&run);
    let tuesday = lock(&f, "d.2026.11.17-flp0.41.0");
    assert_eq!(tuesday.variables["flp_suite"], "0.41.0");
    let source = &tuesday.sources["flp_suite"];
    assert_eq!(
        (
            source.source.as_str(),
            source.distribution.as_str(),
            source.release.as_str()
        ),
        ("@installed:flp", "solo", "0.41.0")
    );
    // Monday: the newest final, whatever is installed.
    let run = nightly("2026-11-23", "@newest:solo");
    ok(&run);
    let monday = lock(&f, "d.2026.11.23-flp0.42.0");
    assert_eq!(monday.sources["flp_suite"].release, "0.42.0");
    // Of a kind: the newest weekly's name; a variable of the release instead of its version.
    let run = nightly("2026-11-24", "@newest:solo:weekly");
    ok(&run);
    assert_eq!(
        lock(&f, "d.2026.11.24-flpw.2026.46").variables["flp_suite"],
        "w.2026.46"
    );
    let run = nightly("2026-11-25", "@installed:flp:site");
    fails(&run, 1, "the release `0.41.0` has no variable `site`");
    // Sourced values are build inputs like any other: another FLP suite, another build.
    assert_ne!(tuesday.content, monday.content);
    ok(&f.run(&["verify", "--offline"]));

    for (bad, says_what) in [
        ("@installed:flpp", "did you mean `flp`?"),
        ("@newest:solo:daily", "`daily`, which is no release kind"),
        ("@latest:solo", "is not a variable source"),
        ("@installed:", "is not a variable source"),
    ] {
        let run = nightly("2026-11-26", bad);
        assert_ne!(run.code, 0, "{bad}");
        says(&run, says_what);
    }
    // A lock without sources omits the field: earlier locks keep their bytes.
    assert!(!f.lock_text("dist", "w.2026.47").contains("sources"));
}

fn gate(f: &Fixture, gates: &str) {
    crate::support::fixture::write(
        &f.root.join("distributions/dist.yaml"),
        &format!(
            "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: {{ weekly: \"w.%G.%V\" }}\ngates: {gates}\n"
        ),
    );
}

fn record(f: &Fixture, args: &[&str]) -> crate::support::Run {
    f.distrib(&[&["record"], args].concat())
}

#[test]
fn records_are_appended_and_verify_checks_them() {
    let f = Fixture::locked();
    // A record judges a locked release.
    let run = record(&f, &["w.2026.99", "build", "--result", "pass"]);
    fails(&run, 1, "no lock of a release `w.2026.99`");
    let run = record(&f, &["w.2026.47", "b/uild", "--result", "pass"]);
    fails(&run, 2, "`b/uild` is not a check name");

    for (result, date) in [("fail", "2026-11-19T20:00"), ("pass", "2026-11-19T22:00")] {
        let run = record(
            &f,
            &[
                "w.2026.47",
                "build",
                "--result",
                result,
                "--by",
                "Jenkins",
                "--url",
                "https://ci.example.org/b/1",
                "--date",
                date,
            ],
        );
        ok(&run);
        says(
            &run,
            &format!("recorded `build` {result} for `w.2026.47` in `records/dist/w.2026.47.yaml`"),
        );
    }
    let path = f.root.join("records/dist/w.2026.47.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let records = distrib::records::parse(&text).unwrap();
    assert_eq!(records.records.len(), 2);
    let weekly = lock(&f, "w.2026.47");
    let digest = distrib::records::lock_digest(&weekly);
    assert!(
        f.lock_text("dist", "w.2026.47")
            .ends_with(&format!("digest: {digest}\n"))
    );
    assert!(records.records.iter().all(|r| r.lock == digest));
    // Appending keeps every earlier byte: the file grows at its end only. The release is
    // named as `tag` names it.
    ok(&record(
        &f,
        &[
            "dist/w.2026.47",
            "fst",
            "--result",
            "pass",
            "--date",
            "2026-11-20",
        ],
    ));
    let appended = std::fs::read_to_string(&path).unwrap();
    assert!(
        appended.starts_with(&text) && appended.len() > text.len(),
        "{appended}"
    );
    let run = f.run(&["verify", "--offline"]);
    ok(&run);
    says(&run, "ok    1 records file");
    ok(&f.distrib(&["check"]));

    // An edited record.
    let now = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, now.replacen("result: fail", "result: pass", 1)).unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(&run, 1, "entry 1 (`build`) does not match its digest");
    // Verifying that one lock verifies its records too.
    let run = f.run(&["verify", "locks/dist/w.2026.47.lock.yaml", "--offline"]);
    fails(&run, 1, "entry 1 (`build`) does not match its digest");
    // Nothing is appended to an edited file.
    let run = record(&f, &["w.2026.47", "fst", "--result", "pass"]);
    fails(&run, 1, "cannot append to");
    std::fs::write(&path, &now).unwrap();

    // A record whose digest is not the lock's: the records of another lock, copied.
    commit_file(&f.repo("other"), "src/new", "after", "later work");
    f.fetch();
    ok(&f.lock("dist", "weekly").date("2026-11-26").offline().run());
    let copy = f.root.join("records/dist/w.2026.48.yaml");
    std::fs::write(
        &copy,
        now.replace("release: w.2026.47", "release: w.2026.48"),
    )
    .unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(
        &run,
        1,
        "the `build` record of 2026-11-19T20:00 judged a lock of digest",
    );
    says(&run, "records/dist/w.2026.48.yaml");
    std::fs::remove_file(&copy).unwrap();
    // A record of a release with no lock.
    std::fs::write(
        f.root.join("records/dist/w.2026.40.yaml"),
        now.replace("release: w.2026.47", "release: w.2026.40"),
    )
    .unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(
        &run,
        1,
        "records of `w.2026.40`, which has no lock in `locks/dist/`",
    );
}

#[test]
fn a_record_is_written_under_records_whatever_the_names_given_or_locked() {
    let f = Fixture::locked();
    // Names like paths name no lock.
    for (release, says_what) in [
        ("../x", "no lock of a release `x` of `..`"),
        ("a/b/c", "no lock of a release `b/c` of `a`"),
        (
            "dist/../w.2026.47",
            "no lock of a release `../w.2026.47` of `dist`",
        ),
    ] {
        let run = record(&f, &[release, "build", "--result", "pass"]);
        fails(&run, 1, says_what);
    }
    // A lock whose release is a path, its digest recomputed, in a file of another name.
    let mut forged = lock(&f, "w.2026.47");
    forged.release = "../../../escape".into();
    write(
        &f.root.join("locks/dist/escape.lock.yaml"),
        &forged.to_text().unwrap(),
    );
    let args = [
        "../../../escape",
        "build",
        "--result",
        "pass",
        "--distribution",
        "dist",
    ];
    let run = record(&f, &args);
    fails(
        &run,
        1,
        "the lock of `../../../escape` of `dist` is misplaced: `../../../escape` is not a valid release name",
    );
    says(&run, "lock-misplaced");
    let outside = f.root.parent().unwrap().join("escape.yaml");
    assert!(!outside.exists(), "written out of the manifest repository");
    assert!(!f.root.join("records").exists());
}

#[test]
fn a_distribution_named_like_a_release_is_told_apart_from_it() {
    let f = Fixture::locked();
    write(
        &f.root.join("distributions/w.2026.47.yaml"),
        "name: w.2026.47\nenvironment: ops\nproducts: [other]\n",
    );
    ok(&f
        .lock("w.2026.47", "weekly")
        .date("2026-11-19")
        .offline()
        .run());
    // A bare name is either release, or the distribution's newest lock.
    let run = f.distrib(&["graph", "w.2026.47"]);
    fails(
        &run,
        1,
        "`w.2026.47` names more than one lock: `dist/w.2026.47`, `w.2026.47/w.2026.47`, the newest lock of `w.2026.47`",
    );
    // An ambiguous name is the same failure whichever command is given it.
    let run = record(&f, &["w.2026.47", "build", "--result", "pass"]);
    fails(
        &run,
        1,
        "`w.2026.47` is a release of `dist` and `w.2026.47`",
    );
    says(&run, "name one as `DIST/RELEASE`");
    // Named in full, each is itself.
    ok(&record(
        &f,
        &["w.2026.47/w.2026.47", "build", "--result", "pass"],
    ));
    assert!(f.root.join("records/w.2026.47/w.2026.47.yaml").exists());
    assert!(!f.root.join("records/dist").exists());
    // Its distribution named twice must be named alike.
    fails(
        &record(
            &f,
            &[
                "dist/w.2026.47",
                "build",
                "--result",
                "pass",
                "--distribution",
                "w.2026.47",
            ],
        ),
        2,
        "`dist/w.2026.47` names its distribution, and --distribution names `w.2026.47`",
    );
    assert!(!f.root.join("records/dist").exists());
    ok(&record(
        &f,
        &[
            "dist/w.2026.47",
            "build",
            "--result",
            "pass",
            "--distribution",
            "dist",
        ],
    ));
    assert!(f.root.join("records/dist/w.2026.47.yaml").exists());
    ok(&f.distrib(&["graph", "dist/w.2026.47", "--format", "json"]));
}

#[test]
fn gated_steps_need_their_passing_checks_or_an_override_that_is_recorded() {
    let f = Fixture::locked();
    gate(
        &f,
        "{ candidate: [build], final: [validation], default: [workout] }",
    );
    ok(&f.distrib(&["check"]));
    let candidate = [
        "release",
        "candidate",
        "dist",
        "27.0.0",
        "--from",
        "w.2026.47",
        "--offline",
    ];
    let run = f.run(&candidate);
    fails(
        &run,
        1,
        "candidate of `w.2026.47` is gated: `build` has no record",
    );
    says(&run, "gate-closed");
    assert!(!f.root.join("locks/dist/27.0.0.rc1.lock.yaml").exists());
    ok(&record(&f, &["w.2026.47", "build", "--result", "fail"]));
    fails(&f.run(&candidate), 1, "`build` failed");
    ok(&record(&f, &["w.2026.47", "build", "--result", "pass"]));
    ok(&f.run(&candidate));

    // The final needs the candidate's validation: overridden, with the reason and who.
    let run = f.release_final("dist", "27.0.0").run();
    fails(
        &run,
        1,
        "final of `27.0.0.rc1` is gated: `validation` has no record",
    );
    // A dry run is gated too, and an override in a dry run records nothing.
    let run = f.release_final("dist", "27.0.0").dry_run().run();
    fails(&run, 1, "is gated");
    ok(&f
        .release_final("dist", "27.0.0")
        .dry_run()
        .args(&["--override-gate", "try"])
        .run());
    let before = distrib::records::read(&f.root, "dist", "27.0.0.rc1").unwrap();
    assert_eq!(before, None);
    let run = f
        .release_final("dist", "27.0.0")
        .args(&[
            "--override-gate",
            "campaign waived by the DM-CCB",
            "--by",
            "release manager",
        ])
        .run();
    ok(&run);
    says(
        &run,
        "gate-overridden\n\n  ⚠ final of `27.0.0.rc1` goes on without `validation` has no record: recorded as overridden by `release manager`",
    );
    let records = distrib::records::read(&f.root, "dist", "27.0.0.rc1")
        .unwrap()
        .unwrap();
    let entry = records.records.last().unwrap();
    assert_eq!(entry.result, distrib::records::Outcome::Overridden);
    assert_eq!(entry.by.as_deref(), Some("release manager"));
    assert_eq!(
        entry.note.as_deref(),
        Some("final: campaign waived by the DM-CCB")
    );
    // An override is no pass: the gate stays closed for the next step that needs it.
    assert_eq!(
        distrib::records::gate(&f.root, &lock(&f, "27.0.0.rc1"), &["validation".into()]),
        ["`validation` has no record"]
    );

    // The default needs the workout (O2 §9).
    crate::support::fixture::write(
        &f.root.join("deployments/farm.yaml"),
        "name: farm\ndistribution: dist\ninstalled:\n  - { release: \"27.0.0\", support: official }\n",
    );
    let run = f.distrib(&["deploy", "set-default", "farm", "27.0.0"]);
    fails(
        &run,
        1,
        "set-default of `27.0.0` is gated: `workout` has no record",
    );
    assert!(
        !std::fs::read_to_string(f.root.join("deployments/farm.yaml"))
            .unwrap()
            .contains("default:")
    );
    ok(&record(
        &f,
        &["27.0.0", "workout", "--result", "pass", "--by", "EPN"],
    ));
    ok(&f.distrib(&["deploy", "set-default", "farm", "27.0.0"]));
    ok(&f.run(&["verify", "--offline"]));
}

#[test]
fn list_notes_and_site_show_the_records() {
    let f = Fixture::locked();
    commit_file(&f.repo("other"), "src/new", "after", "later work");
    f.fetch();
    ok(&f.lock("dist", "weekly").date("2026-11-26").offline().run());
    ok(&record(
        &f,
        &[
            "w.2026.48",
            "build",
            "--result",
            "pass",
            "--date",
            "2026-11-26T08:00",
        ],
    ));
    ok(&record(
        &f,
        &[
            "w.2026.48",
            "fst",
            "--result",
            "fail",
            "--by",
            "FST",
            "--url",
            "https://ci.example.org/fst/7",
            "--note",
            "TPC timeouts",
            "--date",
            "2026-11-26T12:00",
        ],
    ));
    let run = f.distrib(&["list", "dist"]);
    ok(&run);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("w.2026.48"))
        .unwrap();
    assert!(row.ends_with("build: pass, fst: fail"), "{row}");
    let json = f.distrib(&["list", "dist", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list["releases"][0]["records"][1]["note"], "TPC timeouts");
    assert_eq!(list["releases"][1]["records"], serde_json::json!([]));

    let run = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    ok(&run);
    assert!(run.stdout.contains("## Validation\n\n- build: pass (2026-11-26T08:00)\n- fst: fail (2026-11-26T12:00, by FST, https://ci.example.org/fst/7): TPC timeouts\n"), "{}", run.stdout);

    let out = f.root.parent().unwrap().join("public");
    ok(&f.run(&["site", "--out", out.to_str().unwrap()]));
    let page = std::fs::read_to_string(out.join("dist/w.2026.48.html")).unwrap();
    assert!(
        page.contains(
            "fst: fail (2026-11-26T12:00, by FST, https://ci.example.org/fst/7): TPC timeouts"
        ),
        "{page}"
    );
}

fn deploy(f: &Fixture, args: &[&str]) -> crate::support::Run {
    f.distrib(&[&["deploy"], args].concat())
}

#[test]
fn deployments_as_alice_runs_them_partitions_alternative_support_promotion_export() {
    let f = Fixture::locked();
    for (kind, date) in [
        ("manual", "2026-11-20T10:00"),
        ("nightly", "2026-11-21"),
        ("nightly", "2026-11-22"),
    ] {
        commit_file(&f.repo("other"), "src/new", date, "more work");
        f.fetch();
        ok(&f.lock("dist", kind).date(date).offline().run());
    }
    let manual = "m.2026.11.20.1000";
    crate::support::fixture::write(
        &f.root.join("deployments/farm.yaml"),
        "# The farm.\nname: farm\ndistribution: dist\ninstalled: []\n",
    );
    ok(&deploy(
        &f,
        &["add", "farm", "w.2026.47", "--support", "official"],
    ));
    ok(&deploy(&f, &["set-default", "farm", "w.2026.47"]));
    ok(&deploy(
        &f,
        &[
            "add",
            "farm",
            manual,
            "--support",
            "test",
            "--requested-by",
            "TPC",
            "--note",
            "DD v1.6.6",
        ],
    ));
    // A partition may run a test release; not one that is not installed.
    let run = deploy(&f, &["set-partition", "farm", "physics_1", "d.2026.11.21"]);
    fails(
        &run,
        1,
        "`d.2026.11.21` is not installed in this deployment",
    );
    let run = deploy(&f, &["set-partition", "farm", "physics_1", manual]);
    ok(&run);
    says(
        &run,
        &format!("partition `physics_1` of `farm` runs `{manual}`"),
    );
    ok(&deploy(&f, &["set-partition", "farm", "tpc_test", manual]));
    ok(&deploy(
        &f,
        &["set-partition", "farm", "tpc_test", "w.2026.47"],
    ));
    ok(&deploy(&f, &["unset-partition", "farm", "tpc_test"]));
    // The newest nightly, as alternative; the default cannot be one.
    let run = deploy(
        &f,
        &[
            "add",
            "farm",
            "--newest",
            "nightly",
            "--support",
            "internal",
        ],
    );
    ok(&run);
    says(&run, "`farm` installs `d.2026.11.22` with internal support");
    let run = deploy(&f, &["set-alternative", "farm", "w.2026.47"]);
    fails(
        &run,
        1,
        "`w.2026.47` is the default: it is the alternative to nothing",
    );
    ok(&deploy(&f, &["set-alternative", "farm", "d.2026.11.22"]));
    let run = deploy(&f, &["remove", "farm", "d.2026.11.22"]);
    fails(&run, 1, "`d.2026.11.22` is the alternative");
    // Support changes keep the entry; the default stays official; only a test release is
    // promoted.
    let run = deploy(&f, &["set-support", "farm", "w.2026.47", "test"]);
    fails(
        &run,
        1,
        "`w.2026.47` is the default: it keeps official support",
    );
    let run = deploy(&f, &["set-default", "farm", "d.2026.11.22", "--promote"]);
    fails(
        &run,
        1,
        "`d.2026.11.22` has internal support: only a test release is promoted",
    );
    let run = deploy(&f, &["set-default", "farm", manual, "--promote"]);
    ok(&run);
    says(&run, "promotes");
    let text = std::fs::read_to_string(f.root.join("deployments/farm.yaml")).unwrap();
    assert!(text.starts_with("# The farm.\nname: farm\ndistribution: dist\ndefault: m.2026.11.20.1000\nalternative: d.2026.11.22\npartitions:\n  physics_1: m.2026.11.20.1000\n"), "{text}");
    assert!(text.contains("  - release: m.2026.11.20.1000\n    support: official\n    requested_by: TPC\n    note: DD v1.6.6\n"), "{text}");
    ok(&deploy(&f, &["set-support", "farm", "w.2026.47", "test"]));
    ok(&f.distrib(&["check"]));

    let run = deploy(&f, &["export", "farm", "--format", "json"]);
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-deployment/1");
    assert_eq!(document["default"], manual);
    assert_eq!(document["alternative"], "d.2026.11.22");
    assert_eq!(document["partitions"]["physics_1"], manual);
    assert_eq!(document["releases"][0]["support"], "test");
    assert_eq!(document["releases"][1]["requested_by"], "TPC");
    assert_eq!(document["releases"][2]["kind"], "nightly");
    // The document is what its committed schema says.
    let schema = distrib::schema::output("distrib-deployment/1")
        .unwrap()
        .schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{}", run.stdout);

    // The site shows both.
    let out = f.root.parent().unwrap().join("public");
    ok(&f.run(&["site", "--out", out.to_str().unwrap()]));
    let page = std::fs::read_to_string(out.join("deployments/farm.html")).unwrap();
    assert!(
        page.contains("physics_1") && page.contains("Alternative"),
        "{page}"
    );
}

/// A check that `gates:` names must be one `distrib record` takes, or the gate never opens.
#[test]
fn gate_check_names_are_what_record_takes() {
    let f = Fixture::new();
    crate::support::fixture::write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\ngates: { final: [validation, \"full system test\"], tag: [\"\"] }\n",
    );
    let run = f.run(&["check"]);
    fails(
        &run,
        1,
        "`full system test` in the `final` gate is not a check name",
    );
    says(
        &run,
        "`` in the `tag` gate is not a check name: it is empty",
    );
    assert!(!run.stderr.contains("`validation` in"), "{}", run.stderr);
}
