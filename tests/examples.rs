//! The README's main-job command, `examples/demo.sh`, on both bundled examples: check, fetch,
//! lock, verify and lock --check, with the examples' repositories created locally.

mod support;

use support::{clean, project};

fn demo(example: &str) -> String {
    let work = tempfile::tempdir().unwrap();
    let output = clean(std::process::Command::new("bash"))
        .arg(project().join("examples/demo.sh"))
        .arg(example)
        .env("DISTRIB_BIN", env!("CARGO_BIN_EXE_distrib"))
        .env("DISTRIB_DEMO_DIR", work.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("1 lock verified"), "{stderr}");
    assert!(stderr.contains("is up to date"), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn lsst_demo() {
    let lock = demo("lsst");
    assert!(lock.contains("release: w.2026.47\n"), "{lock}");
    assert!(
        lock.contains("- name: eigen\n  version: \"3.4.0\"\n"),
        "{lock}"
    );
}

#[test]
fn alice_demo() {
    let lock = demo("alice");
    assert!(
        lock.contains("release: O2PDPSuite-epn-20261119-DDv1.6.5-flp-suite-v0.40.0\n"),
        "{lock}"
    );
}
