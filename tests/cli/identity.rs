//! Package identities end to end (docs/identity.md): build inputs, recipes and sub-tree paths
//! as a real lock hashes them, version 1 locks verified as version 1, and a second
//! implementation written from the document alone that reproduces a real lock.

use std::process::Command;

use crate::support::fixture::{Fixture, fails, ok, product_in, says, write};
use crate::support::{copy_tree, distrib_wide, git, project};

/// `dist` with a name-only variable `site` and a build input `flp_suite`, named by both.
fn with_inputs(f: &Fixture) {
    write(
        &f.root.join("distributions/dist.yaml"),
        concat!(
            "name: dist\n",
            "environment: ops\n",
            "products: [app, other]\n",
            "platform: linux-x86_64\n",
            "variables:\n",
            "  site: cern\n",
            "  flp_suite: { default: \"0.40.0\", input: true }\n",
            "naming: { manual: \"m-{site}-flp{flp_suite}\" }\n",
        ),
    );
}

fn manual(f: &Fixture, vars: &[&str]) -> crate::support::Run {
    let mut line = f.lock("dist", "manual").date("2026-11-19").offline();
    for var in vars {
        line = line.var(var);
    }
    line.run()
}

#[test]
fn build_inputs_change_identities_and_the_build_number() {
    let f = Fixture::new();
    with_inputs(&f);
    f.fetch();
    let run = manual(&f, &[]);
    ok(&run);
    says(
        &run,
        "wrote `locks/dist/m-cern-flp0.40.0.lock.yaml`: 4 products, build b1",
    );
    let text = f.lock_text("dist", "m-cern-flp0.40.0");
    assert!(text.contains("\nidentity_version: 2\n"), "{text}");
    assert!(text.contains("\ninputs:\n- flp_suite\n"), "{text}");
    let first = f.identities("dist", "m-cern-flp0.40.0");

    // A variable that only names releases: another name, the same packages and build.
    let run = manual(&f, &["site=fnal"]);
    ok(&run);
    says(&run, "same content as `m-cern-flp0.40.0` (b1)");
    assert_eq!(f.identities("dist", "m-fnal-flp0.40.0"), first);

    // A build input: every package is another package, and the lock another build.
    let run = manual(&f, &["flp_suite=0.41.0"]);
    ok(&run);
    says(
        &run,
        "wrote `locks/dist/m-cern-flp0.41.0.lock.yaml`: 4 products, build b2",
    );
    assert!(!run.stderr.contains("same content"), "{}", run.stderr);
    let second = f.identities("dist", "m-cern-flp0.41.0");
    for (name, identity) in &second {
        assert_ne!(first[name], *identity, "{name}");
    }

    // `--check` compares with the newest lock under its own inputs, unless told otherwise.
    let run = f.lock_check("dist").offline().run();
    ok(&run);
    says(&run, "`m-cern-flp0.41.0` is up to date");
    let run = f.lock_check("dist").offline().var("flp_suite=0.40.0").run();
    fails(
        &run,
        1,
        "`m-cern-flp0.41.0` is stale: 4 of its products would change",
    );
    let run = f.run(&["verify", "--offline"]);
    ok(&run);
    says(&run, "3 locks verified");

    // A lock that claims other input values than the ones it was made with is caught.
    let path = f.root.join("locks/dist/m-cern-flp0.41.0.lock.yaml");
    let mut lock = distrib::lock::parse(&f.lock_text("dist", "m-cern-flp0.41.0")).unwrap();
    lock.variables.insert("flp_suite".into(), "0.40.0".into());
    std::fs::write(&path, lock.to_text().unwrap()).unwrap();
    let run = f.run(&["verify", "--offline"]);
    fails(&run, 1, "its recorded inputs give");
}

#[test]
fn an_input_needs_a_default() {
    let f = Fixture::new();
    with_inputs(&f);
    let dist = f.root.join("distributions/dist.yaml");
    let text = std::fs::read_to_string(&dist).unwrap();
    write(&dist, &text.replace("default: \"0.40.0\", ", ""));
    let run = f.run(&["check"]);
    fails(&run, 1, "the build input `flp_suite` has no default");
    says(&run, "variable-default-missing");
    let run = manual(&f, &["flp_suite=0.41.0"]);
    fails(&run, 1, "fix these problems first");
}

/// Writes the products of the reimplementation test: recipes that YAML 1.1 would type, an
/// alias and a merge key, and a sub-tree written with `./` and a trailing `/`.
fn hostile_recipes(f: &Fixture) {
    write(
        &f.root.join("products/utils.yaml"),
        concat!(
            "name: utils\n",
            "repositories:\n",
            "  - url: https://example.org/sw/utils\n",
            "    ref: main\n",
            "depends: { base: \">=1\" }\n",
            "build:\n",
            "  flags: &flags { debug: yes, lto: on, mask: 0b101, scale: 1e3, none: ~, empty: }\n",
            "  jobs: 4\n",
            "  quoted: \"4\"\n",
            "  octal: 010\n",
            "  tagged: !!int \"5\"\n",
            "  env:\n",
            "    <<: *flags\n",
            "    debug: \"no\"\n",
            "  script: |\n",
            "    ./configure --prefix=\"$PREFIX\"\n",
            "    make -j 4\n",
            "  steps: [configure, 'make', \"install\\tall\"]\n",
            "  unicode: \"é\\u0001\"\n",
            "  ~: tilde\n",
            "  0x10: hex\n",
        ),
    );
    write(
        &f.root.join("products/app.yaml"),
        concat!(
            "name: app\n",
            "repositories:\n",
            "  - url: https://example.org/sw/app/\n",
            "    ref: main\n",
            "    path: ./src/\n",
            "depends: { utils: \"*\", other: { version: \"*\", platforms: [\"osx-*\"] } }\n",
            "build_depends: { base: \"*\" }\n",
            "build: {}\n",
        ),
    );
}

#[test]
fn recipes_and_paths_hash_as_written_and_normalized() {
    let f = Fixture::new();
    hostile_recipes(&f);
    f.fetch();
    ok(&f.lock("dist", "weekly").date("2026-11-19").offline().run());
    let lock = distrib::lock::parse(&f.lock_text("dist", "w.2026.47")).unwrap();
    let utils = product_in(&lock, "utils");
    assert_eq!(
        utils.recipe,
        concat!(
            r#"{"0x10":"hex","env":{"debug":"no","empty":"","lto":"on","mask":"0b101","none":"~","scale":"1e3"},"#,
            r#""flags":{"debug":"yes","empty":"","lto":"on","mask":"0b101","none":"~","scale":"1e3"},"#,
            r#""jobs":"4","octal":"010","quoted":"4","#,
            r#""script":"./configure --prefix=\"$PREFIX\"\nmake -j 4\n","#,
            r#""steps":["configure","make","install\tall"],"tagged":"5","unicode":"é\u0001","~":"tilde"}"#
        )
    );
    let app = product_in(&lock, "app");
    assert_eq!(app.recipe, "{}");
    assert_eq!(app.repositories[0].path.as_deref(), Some("src"));

    // However the sub-tree and the recipe's scalars are spelled, the packages are the same.
    let edit = |file: &str, from: &str, to: &str| {
        let path = f.root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from}");
        write(&path, &text.replace(from, to));
    };
    edit("products/app.yaml", "path: ./src/", "path: src");
    edit("products/utils.yaml", "jobs: 4", "jobs: '4'");
    let run = f.lock_check("dist").offline().run();
    ok(&run);
    says(&run, "is up to date");
    // And any other text is another package.
    edit("products/utils.yaml", "jobs: '4'", "jobs: 04");
    let run = f.lock_check("dist").offline().run();
    fails(&run, 1, "changed   utils");

    // Sub-trees that are not sub-trees are refused before anything is resolved.
    for (path, problem) in [
        ("../utils", "it goes up with `..`"),
        ("/", "it is the repository's root"),
        ("/src", "it is absolute"),
    ] {
        edit("products/app.yaml", "path: src", &format!("path: {path}"));
        let run = f.lock("dist", "nightly").offline().run();
        fails(&run, 1, problem);
        says(&run, "path-invalid");
        edit("products/app.yaml", &format!("path: {path}"), "path: src");
    }
}

#[test]
fn version_1_locks_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &project().join("tests/fixtures/valid/identity-v1"),
        dir.path(),
    );
    let path = dir.path().join("locks/dist/w.2026.47.lock.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nversion: 1\n") && !text.contains("identity_version"));
    // Written by distrib-identity/1: typed recipe, a path with a trailing `/`.
    assert!(text.contains(r#"\"debug\":true"#) && text.contains("path: src/"));
    let run = distrib_wide(dir.path(), &["verify", "--offline"]);
    ok(&run);
    says(&run, "1 lock verified");

    // The same lock claiming version 2 (its last line recomputed, so only the identities can
    // tell): its identities are not version 2 ones.
    let body = text
        .replacen("\nversion: 1\n", "\nversion: 2\nidentity_version: 2\n", 1)
        .lines()
        .filter(|line| !line.starts_with("digest: "))
        .map(|line| format!("{line}\n"))
        .collect::<String>();
    let forged = format!(
        "{body}digest: {}\n",
        distrib::identity::digest(body.as_bytes())
    );
    std::fs::write(&path, forged).unwrap();
    let run = distrib_wide(dir.path(), &["verify", "--offline"]);
    fails(&run, 1, "its recorded inputs give");
}

/// Whether `python3` with PyYAML can run the second implementation; says why not otherwise.
fn python() -> bool {
    let works = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        crate::support::skipped(
            "python3 with PyYAML (`apt-get install python3-yaml`) is needed to run tests/identity_spec.py",
            Some("DISTRIB_REQUIRE_PYTHON"),
        );
    }
    works
}

#[test]
fn the_identity_document_alone_reproduces_a_real_lock() {
    if !python() {
        return;
    }
    let f = Fixture::new();
    with_inputs(&f);
    hostile_recipes(&f);
    f.fetch();
    ok(&manual(&f, &["flp_suite=0.41.0"]));
    let release = "m-cern-flp0.41.0";
    let lock = distrib::lock::parse(&f.lock_text("dist", release)).unwrap();
    assert_eq!(lock.inputs, ["flp_suite"]);

    let output = Command::new("python3")
        .arg(project().join("tests/identity_spec.py"))
        .arg(&f.root)
        .arg(f.root.join(format!("locks/dist/{release}.lock.yaml")))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let computed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(computed["environment"], lock.environment.digest.as_str());
    for product in &lock.products {
        assert_eq!(
            computed["recipes"][&product.name],
            product.recipe.as_str(),
            "recipe of {}",
            product.name
        );
        assert_eq!(
            computed["identities"][&product.name],
            product.identity.as_str(),
            "identity of {}",
            product.name
        );
    }
    assert_eq!(computed["content"], lock.content.as_str());
}

#[test]
fn build_must_be_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("distrib.yaml"), "");
    for (name, build, found) in [
        ("a", "5", "a single value"),
        ("b", "[a, b]", "a list"),
        ("c", "hello", "a single value"),
        ("d", "yes", "a single value"),
    ] {
        write(
            &dir.path().join(format!("products/{name}.yaml")),
            &format!("name: {name}\nbuild: {build}\n"),
        );
        let run = distrib_wide(dir.path(), &["check"]);
        fails(
            &run,
            1,
            &format!("`build` is {found}: a recipe is a mapping"),
        );
        says(&run, "products/");
        says(&run, "write the recipe as a mapping of its fields");
        std::fs::remove_file(dir.path().join(format!("products/{name}.yaml"))).unwrap();
    }
    write(&dir.path().join("products/e.yaml"), "name: e\nbuild:\n");
    ok(&distrib_wide(dir.path(), &["check"]));
}

#[test]
fn a_version_1_lock_is_stale_for_its_identities_alone() {
    let f = Fixture::locked();
    // The weekly as distrib-identity/1 wrote it: format 1, version 1 identities and content.
    let path = f.root.join("locks/dist/w.2026.47.lock.yaml");
    let mut lock = distrib::lock::parse(&f.lock_text("dist", "w.2026.47")).unwrap();
    lock.version = 1;
    lock.identity_version = None;
    let identities = lock.recompute_identities().unwrap();
    for product in &mut lock.products {
        product.identity = identities[&product.name].clone();
    }
    lock.content =
        distrib::lock::Lockfile::content_digest(distrib::identity::Version::V1, &lock.products);
    std::fs::write(&path, lock.to_text().unwrap()).unwrap();
    let text = f.lock_text("dist", "w.2026.47");
    assert!(text.contains("\nversion: 1\n") && !text.contains("identity_version"));
    ok(&f.run(&["verify", "--offline"]));

    // Nothing changed but the encoding: said once, not once per product.
    let run = f.lock_check("dist").offline().run();
    fails(
        &run,
        1,
        "`w.2026.47` is stale: its identities are `distrib-identity/1`, a lock made now has `distrib-identity/2` identities",
    );
    assert!(!run.stderr.contains("changed"), "{}", run.stderr);
    // `check --base` does not compare identities of two versions either.
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    let utils = f.root.join("products/utils.yaml");
    let text = std::fs::read_to_string(&utils).unwrap();
    write(&utils, &text.replace("OPT: -O2", "OPT: -O3"));
    let run = f.run(&["check", "--base", "HEAD"]);
    ok(&run);
    says(
        &run,
        "identities not computed: `w.2026.47` has `distrib-identity/1` identities: every identity of a new lock (`distrib-identity/2`) differs",
    );
    // A new lock is other content: a new build, not "same content as".
    let run = f.lock("dist", "nightly").date("2026-11-20").offline().run();
    ok(&run);
    says(&run, "build b2");
}
