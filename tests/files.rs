//! The files of the manifest repository under hostile conditions: concurrent edits, symbolic
//! links, line endings, a `distrib.yaml` that is not a file, forged locks.

mod support;

use support::fixture::{Fixture, fails, ok, says, write};
use support::{distrib_wide, git};

/// Eight manual locks of `dist`, one a day.
fn eight_releases(f: &Fixture) -> Vec<String> {
    ok(&f.run(&["fetch"]));
    (1..=8)
        .map(|n| {
            let date = format!("2026-12-0{n}T10:00");
            let run = f.run(&[
                "lock",
                "dist",
                "--kind",
                "manual",
                "--date",
                &date,
                "--offline",
                "--format",
                "json",
            ]);
            ok(&run);
            let made: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            made["release"].as_str().unwrap().to_owned()
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
        let children: Vec<_> = releases
            .iter()
            .map(|release| {
                let mut command =
                    support::clean(std::process::Command::new(env!("CARGO_BIN_EXE_distrib")));
                command
                    .current_dir(&f.root)
                    .args(["deploy", "add", "site", release, "--support", "test"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let text = std::fs::read_to_string(&site).unwrap();
        for release in &releases {
            assert!(
                text.contains(&format!("- release: {release}\n")),
                "round {round}: `{release}` lost:\n{text}"
            );
        }
        assert_eq!(text.matches("- release: ").count(), 8, "{text}");
    }
    ok(&distrib_wide(&f.root, &["check"]));
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
    ok(&distrib_wide(
        &f.root,
        &["deploy", "add", "site", "w.2026.47", "--support", "test"],
    ));
    assert!(link.is_symlink(), "the link was replaced by a file");
    let text = std::fs::read_to_string(f.root.join("sites/site.yaml")).unwrap();
    assert!(text.contains("- release: w.2026.47\n"), "{text}");

    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("far.yaml");
    let original = "name: far\ndistribution: dist\ninstalled: []\n";
    write(&elsewhere, original);
    std::os::unix::fs::symlink(&elsewhere, f.root.join("deployments/far.yaml")).unwrap();
    let run = distrib_wide(
        &f.root,
        &["deploy", "add", "far", "w.2026.47", "--support", "test"],
    );
    fails(&run, 1, "is a symbolic link to");
    says(&run, "outside the manifest repository");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), original);
    let _ = git;
}
