//! `distrib check` end to end: every rule on an invalid fixture, with its rendering as a
//! snapshot; the output formats; `--rev`; the examples; LSST's real repository map.

use std::path::Path;

use crate::support::{Run, distrib, git, project, shared};

/// Runs `check` on a fixture of `tests/fixtures/invalid` and compares with its snapshot.
fn invalid(case: &str) -> Run {
    let dir = project().join("tests/fixtures/invalid").join(case);
    let run = distrib(&dir, &["check"]);
    insta::assert_snapshot!(case, run.snapshot());
    run
}

macro_rules! invalid_fixtures {
    ($($name:ident => $case:literal, $code:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let run = run_case($case);
                assert!(run.stderr.contains($code), "{} should report {}", $case, $code);
                assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            }
        )*

        /// Every rule code has a fixture above.
        #[test]
        fn every_code_has_a_fixture() {
            let covered = [$($code),*];
            for code in distrib::diagnostic::Code::RULES {
                assert!(covered.contains(&code.as_str()), "no invalid fixture reports `{code}`");
            }
        }
    };
}

invalid_fixtures! {
    yaml_syntax => "yaml-syntax", "yaml-syntax";
    tab_indentation => "tab-indentation", "yaml-syntax";
    multiple_documents => "multiple-documents", "yaml-syntax";
    unknown_field => "unknown-field", "unknown-field";
    wrong_type => "wrong-type", "invalid-value";
    dependency_form => "dependency-form", "invalid-value";
    recipe_type => "recipe-type", "invalid-value";
    recipe_key_duplicate => "recipe-key-duplicate", "recipe-key-duplicate";
    duplicate_key => "duplicate-key", "duplicate-key";
    file_empty => "file-empty", "file-empty";
    alias_bomb => "alias-bomb", "file-too-large";
    missing_field => "missing-field", "missing-field";
    name_invalid => "name-invalid", "name-invalid";
    name_mismatch => "name-mismatch", "name-mismatch";
    name_duplicate => "name-duplicate", "name-duplicate";
    name_case_conflict => "name-case-conflict", "name-case-conflict";
    alias_conflict => "alias-conflict", "alias-conflict";
    url_invalid => "url-invalid", "url-invalid";
    url_credentials => "url-credentials", "url-credentials";
    repository_shared => "repository-shared", "repository-shared";
    repository_duplicate => "repository-duplicate", "repository-duplicate";
    source_duplicate => "source-duplicate", "source-duplicate";
    path_invalid => "path-invalid", "path-invalid";
    shared_with_half => "shared-with-half", "shared-with-unused";
    dependency_unknown => "dependency-unknown", "dependency-unknown";
    dependency_alias => "dependency-alias", "dependency-alias";
    dependency_cycles => "dependency-cycles", "dependency-cycle";
    platform_closures => "platform-closures", "dependency-cycle";
    platform_invalid => "platform-invalid", "platform-invalid";
    tag_without_repository => "tag-without-repository", "tag-without-repository";
    requirement_invalid => "requirement-invalid", "requirement-invalid";
    requirement_unsatisfied => "requirement-unsatisfied", "requirement-unsatisfied";
    requirement_unsatisfied_override => "requirement-unsatisfied-override", "requirement-unsatisfied";
    product_unknown_former_name => "requirement-unsatisfied-override", "former name of `lib`, not a product";
    third_party_unpinned_override => "requirement-unsatisfied-override", "third-party product `ext` is not pinned in `floating`";
    third_party_unpinned => "third-party-unpinned", "third-party-unpinned";
    build_tool_in_operations => "build-tool-in-operations", "build-tool-in-operations";
    build_tool_in_operations_override => "build-tool-in-operations-override", "build-tool-in-operations";
    product_unknown => "product-unknown", "product-unknown";
    root_excluded => "root-excluded", "root-excluded";
    environment_unknown => "environment-unknown", "environment-unknown";
    distribution_unknown => "distribution-unknown", "distribution-unknown";
    variable_default_missing => "variable-default-missing", "variable-default-missing";
    template_invalid => "template-invalid", "template-invalid";
    template_empty => "template-empty", "template-invalid";
    issues_pattern_invalid => "issues-pattern-invalid", "issues-pattern-invalid";
    deployment_default => "deployment-default", "deployment-default";
    deployment_duplicate => "deployment-duplicate", "deployment-duplicate";
    deployment_selection => "deployment-selection", "deployment-selection";
    deployment_release_unlocked => "deployment-release-unlocked", "deployment-release-unlocked";
    rule_unknown => "rule-unknown", "rule-unknown";
    lock_invalid => "lock-invalid", "lock-invalid";
    lock_misplaced => "lock-misplaced", "lock-misplaced";
    lock_build_duplicate => "lock-build-duplicate", "lock-build-duplicate";
    file_encoding => "generated:file-encoding", "file-encoding";
    file_too_large => "generated:file-too-large", "file-too-large";
    symlink_escape => "generated:symlink-escape", "symlink-escape";
    symlink_broken => "generated:symlink-broken", "symlink-broken";
    file_ignored => "file-ignored", "file-ignored";
}

/// A minimal valid manifest repository in a temp dir, with one product `afw`.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "distrib.yaml", "");
    write(dir.path(), "products/afw.yaml", "name: afw\n");
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Fixtures that cannot be committed as they are (binary, huge, or a link out of the
/// checkout) are made here; their snapshots are named like the committed ones.
fn generated(case: &str) -> Run {
    let dir = scratch();
    let root = dir.path();
    match case {
        "file-encoding" => std::fs::write(
            root.join("products/afw.yaml"),
            b"name: afw\ndescription: caf\xe9\n",
        )
        .unwrap(),
        "file-too-large" => {
            let mut text = String::from("name: afw\ndescription: >\n");
            while text.len() < 10 * 1024 * 1024 {
                text.push_str(
                    "  Astronomical imaging framework, repeated to make a ten megabyte file.\n",
                );
            }
            write(root, "products/afw.yaml", &text);
        }
        "symlink-escape" => {
            let outside = tempfile::tempdir().unwrap();
            write(outside.path(), "utils.yaml", "name: utils\n");
            std::os::unix::fs::symlink(
                outside.path().join("utils.yaml"),
                root.join("products/utils.yaml"),
            )
            .unwrap();
            let run = distrib(root, &["check"]);
            let stderr = run.stderr.replace(
                &outside.path().canonicalize().unwrap().display().to_string(),
                "[OUTSIDE]",
            );
            return Run { stderr, ..run };
        }
        "symlink-broken" => {
            std::os::unix::fs::symlink("gone.yaml", root.join("products/utils.yaml")).unwrap();
            std::os::unix::fs::symlink("y.yaml", root.join("products/x.yaml")).unwrap();
            std::os::unix::fs::symlink("x.yaml", root.join("products/y.yaml")).unwrap();
        }
        _ => unreachable!("{case}"),
    }
    distrib(root, &["check"])
}

/// `invalid` for the generated cases.
fn run_case(case: &str) -> Run {
    match case.strip_prefix("generated:") {
        Some(name) => {
            let run = generated(name);
            insta::assert_snapshot!(name, run.snapshot());
            run
        }
        None => invalid(case),
    }
}

#[test]
fn generated_cases_are_quick_and_bounded() {
    let started = std::time::Instant::now();
    let run = generated("file-too-large");
    assert_eq!(run.code, 1);
    // Not a benchmark: a guard against reading a 10 MB file into the YAML parser.
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn examples_pass() {
    for example in ["examples/lsst", "examples/alice"] {
        let run = distrib(&project().join(example), &["check"]);
        assert_eq!(run.code, 0, "{example}: {}", run.stderr);
        assert!(run.stderr.starts_with("no problems in "), "{}", run.stderr);
    }
}

#[test]
fn all_problems_of_all_files_in_one_run_sorted_with_a_summary() {
    let dir = scratch();
    write(
        dir.path(),
        "products/afw.yaml",
        "name: afw\ndepends: { utilz: \"*\", base: \">=x\" }\n",
    );
    write(dir.path(), "products/base.yaml", "name: base\nnmae: x\n");
    write(
        dir.path(),
        "products/utils.yaml",
        "name: utils\naliases: [utils_old]\n",
    );
    write(
        dir.path(),
        "products/zeta.yaml",
        "name: zeta\ndepends: { utils_old: \"*\" }\n",
    );
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.snapshot());
}

#[test]
fn json_format_lists_every_diagnostic_with_positions() {
    let dir = project().join("tests/fixtures/invalid/repository-shared");
    let run = distrib(&dir, &["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let first = &document["diagnostics"][0];
    assert_eq!(first["code"], "repository-shared");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "products/afw_ssh.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(3), Some(10))
    );
    assert_eq!(first["labels"][1]["file"], "products/afw.yaml");
    assert_eq!(document["summary"]["errors"], 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn github_format_gives_annotations() {
    let run = distrib(
        project(),
        &[
            "-C",
            "tests/fixtures/invalid/dependency-unknown",
            "check",
            "--format",
            "github",
        ],
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.snapshot());
    assert!(run.stdout.starts_with(
        "::error file=tests/fixtures/invalid/dependency-unknown/products/afw.yaml,line=3,col=3,"
    ));
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = project().join("tests/fixtures/invalid/dependency-alias");
    assert_eq!(distrib(&dir, &["check"]).code, 0);
    assert_eq!(distrib(&dir, &["check", "--deny-warnings"]).code, 1);
}

#[test]
fn rule_levels_and_the_shared_with_exception() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_tree(
        &project().join("tests/fixtures/invalid/repository-shared"),
        dir.path(),
    );
    write(
        dir.path(),
        "distrib.yaml",
        "rules:\n  repository-shared: warn\n",
    );
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 warnings in 2 files"),
        "{}",
        run.stderr
    );
    write(
        dir.path(),
        "distrib.yaml",
        "rules: { repository-shared: allow }\n",
    );
    let run = distrib(dir.path(), &["check"]);
    assert!(run.stderr.starts_with("no problems"), "{}", run.stderr);

    // The exception, declared on both products, as ALICE's Control repository needs it.
    let dir = scratch();
    write(
        dir.path(),
        "products/Control-Core.yaml",
        "name: Control-Core\nrepositories:\n  - url: https://github.com/AliceO2Group/Control\n    shared_with: [Control-OCCPlugin]\n",
    );
    write(
        dir.path(),
        "products/Control-OCCPlugin.yaml",
        "name: Control-OCCPlugin\nrepositories:\n  - url: git@github.com:AliceO2Group/Control.git\n    path: occ\n    shared_with: [Control-Core]\n",
    );
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(distrib(project(), &["check", "--format", "xml"]).code, 2);
    assert_eq!(distrib(project(), &["frobnicate"]).code, 2);
    let nowhere = tempfile::tempdir().unwrap();
    let run = distrib(nowhere.path(), &["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no `distrib.yaml`"), "{}", run.stderr);
    assert_eq!(distrib(project(), &["--help"]).code, 0);
}

#[test]
fn rev_reads_the_commit_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    git(top, &["init", "-q", "-b", "main"]);
    write(top, "manifests/distrib.yaml", "");
    write(top, "manifests/products/afw.yaml", "name: afw\n");
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "valid"]);
    write(
        top,
        "manifests/products/afw.yaml",
        "name: afw\ndepends: { nothing: \"*\" }\n",
    );
    git(top, &["commit", "-q", "-am", "broken"]);
    write(top, "manifests/products/afw.yaml", "name: afw\n");
    let manifests = top.join("manifests");

    assert_eq!(distrib(&manifests, &["check"]).code, 0);
    let run = distrib(&manifests.join("products"), &["check", "--rev", "HEAD"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown product `nothing`"),
        "{}",
        run.stderr
    );
    let run = distrib(&manifests, &["check", "--rev", "HEAD~1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = distrib(&manifests, &["check", "--rev", "no-such-branch"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("revision `no-such-branch` not found"),
        "{}",
        run.stderr
    );

    // A symbolic link committed to the tree is followed inside the root and refused outside.
    std::os::unix::fs::symlink("../../outside.yaml", manifests.join("products/utils.yaml"))
        .unwrap();
    write(top, "outside.yaml", "name: utils\n");
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "link"]);
    let run = distrib(&manifests, &["check", "--rev", "HEAD"]);
    assert!(run.stderr.contains("symlink-escape"), "{}", run.stderr);
}

/// LSST's real product → repository map: exactly the three repositories claimed by two
/// products today are reported (and the two names differing only in case), and declaring the
/// former names as aliases fixes them.
#[test]
fn lsst_repos_yaml() {
    let Some(repos) = shared("lsst/repos.yaml") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = distrib(
        dir.path(),
        &["import", "lsst-repos", repos.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(dir.path().join("products"))
            .unwrap()
            .count(),
        386
    );

    let run = distrib(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // `GalSim` and `galsim` are also one file on a case-insensitive file system.
    let (case, shared): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .partition(|d| d["code"] == "name-case-conflict");
    assert_eq!(case.len(), 1, "{case:?}");
    assert!(
        case[0]["message"]
            .as_str()
            .unwrap()
            .contains("`galsim` and `GalSim`")
            || case[0]["message"]
                .as_str()
                .unwrap()
                .contains("`GalSim` and `galsim`"),
        "{case:?}"
    );
    let mut shared: Vec<String> = shared
        .into_iter()
        .map(|d| {
            assert_eq!(d["code"], "repository-shared");
            d["message"].as_str().unwrap().to_owned()
        })
        .collect();
    shared.sort();
    assert_eq!(
        shared,
        [
            "repository `github.com/lsst-dm/legacy-galsim` is claimed by `GalSim` and `galsim`",
            "repository `github.com/lsst/obs_base` is claimed by `daf_butlerUtils` and `obs_base`",
            "repository `github.com/lsst/sdm_schemas` is claimed by `cat` and `sdm_schemas`",
        ]
    );

    for (current, former) in [
        ("GalSim", "galsim"),
        ("obs_base", "daf_butlerUtils"),
        ("sdm_schemas", "cat"),
    ] {
        std::fs::remove_file(dir.path().join(format!("products/{former}.yaml"))).unwrap();
        let path = dir.path().join(format!("products/{current}.yaml"));
        crate::support::fixture::append(&path, &format!("aliases: [{former}]\n"));
    }
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "no problems in 384 files\n");
}

#[test]
fn valid_fixtures_pass() {
    let fixtures = project().join("tests/fixtures/valid");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let dir = entry.unwrap().path();
        let run = distrib(&dir, &["check", "--deny-warnings"]);
        assert_eq!(run.code, 0, "{}: {}", dir.display(), run.stderr);
    }
}

/// The rows of the README's table that follows `heading`, by their first cell.
fn readme_rows(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}"))..];
    section
        .lines()
        .skip_while(|line| !line.starts_with("| code |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn readme_lists_every_rule_and_every_operation_code_as_the_registry_says() {
    use distrib::diagnostic::{Code, Level};
    let readme = std::fs::read_to_string(project().join("README.md")).unwrap();
    let rules = readme_rows(&readme, "\n## Rules\n");
    let expected: Vec<Vec<String>> = Code::RULES
        .iter()
        .map(|code| {
            let level = match code.default_level() {
                Level::Deny => "deny",
                Level::Warn => "warn",
                Level::Allow => "allow",
            };
            let configurable = if code.configurable() { "yes" } else { "no" };
            [&format!("`{code}`"), level, configurable, code.summary()]
                .map(str::to_owned)
                .to_vec()
        })
        .collect();
    assert_eq!(rules, expected, "the Rules table differs from Code::RULES");
    let operations = readme_rows(&readme, "\n### Operation codes\n");
    let listed: Vec<[String; 2]> = operations
        .iter()
        .map(|row| [row[0].clone(), row[1].clone()])
        .collect();
    let expected: Vec<[String; 2]> = Code::OPERATIONS
        .iter()
        .map(|code| [format!("`{code}`"), code.summary().to_owned()])
        .collect();
    assert_eq!(
        listed, expected,
        "the table of operation codes differs from Code::OPERATIONS"
    );
    for row in &operations {
        assert!(
            row.len() == 3 && !row[2].is_empty(),
            "{row:?} says no command"
        );
    }
}

#[test]
fn links_out_of_the_root_are_refused_for_the_root_file_and_kind_folders() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.yaml", "rules: {}\n");
    write(outside.path(), "products/evil.yaml", "name: evil\n");
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.path().join("distrib.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("products"), dir.path().join("products"))
        .unwrap();
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("symlink-escape").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("rules: {}"),
        "the target is never shown: {}",
        run.stderr
    );
}

/// `check --format json` with the parse cache in `cache`.
fn cached_check(dir: &Path, cache: &Path) -> Run {
    let cache = [("XDG_CACHE_HOME", cache.as_os_str())];
    crate::support::distrib_with(dir, &["check", "--format", "json"], &cache)
}

#[test]
fn the_parse_cache_changes_no_result() {
    let cache = tempfile::tempdir().unwrap();
    let fixtures = project().join("tests/fixtures");
    let mut cases: Vec<std::path::PathBuf> = ["invalid", "valid"]
        .iter()
        .flat_map(|kind| std::fs::read_dir(fixtures.join(kind)).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    cases.extend(["examples/lsst", "examples/alice"].map(|e| project().join(e)));
    cases.sort();
    for case in &cases {
        let plain = distrib(case, &["check", "--format", "json"]);
        let first = cached_check(case, cache.path());
        let second = cached_check(case, cache.path());
        for run in [&first, &second] {
            assert_eq!(
                (run.code, &run.stdout),
                (plain.code, &plain.stdout),
                "{}",
                case.display()
            );
        }
    }
    let written = std::fs::read_dir(cache.path().join("distrib/parsed"))
        .unwrap()
        .count();
    assert!(written >= cases.len() / 2, "{written} cache files");

    // An edited file is parsed again; a broken cache is ignored and replaced.
    let dir = scratch();
    write(dir.path(), "distrib.yaml", "");
    write(dir.path(), "products/afw.yaml", "name: afw\n");
    assert_eq!(cached_check(dir.path(), cache.path()).code, 0);
    write(
        dir.path(),
        "products/afw.yaml",
        "name: afw\ndepends: { nothing: \"*\" }\n",
    );
    let run = cached_check(dir.path(), cache.path());
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("dependency-unknown"), "{}", run.stdout);
    for file in std::fs::read_dir(cache.path().join("distrib/parsed")).unwrap() {
        std::fs::write(
            file.unwrap().path(),
            "distrib-parse-cache/1 0.1.0\nnot\ta cache\n",
        )
        .unwrap();
    }
    let run = cached_check(dir.path(), cache.path());
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("dependency-unknown"), "{}", run.stdout);
}

#[test]
fn a_clean_check_spares_the_rules_only_to_exactly_the_files_it_read() {
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().as_os_str())];
    let dir = scratch();
    let product = "name: afw\nversion: 1.0.0\n";
    write(dir.path(), "distrib.yaml", "");
    write(dir.path(), "products/afw.yaml", product);
    write(
        dir.path(),
        "environments/e.yaml",
        "name: e\npurpose: development\n",
    );
    write(
        dir.path(),
        "distributions/d.yaml",
        "name: d\nenvironment: e\nproducts: [afw]\n",
    );
    let lock = || {
        let args = ["lock", "d", "--kind", "nightly", "--date", "2026-03-01"];
        crate::support::distrib_with(dir.path(), &[&args[..], &["--offline"]].concat(), &env)
    };
    let checked = || {
        std::fs::read_dir(cache.path().join("distrib/parsed"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("checked".as_ref()))
            .count()
    };
    assert_eq!(cached_check(dir.path(), cache.path()).code, 0);
    assert_eq!(checked(), 1, "the clean check is recorded");
    // An error made after the check: these are not the files it found clean.
    write(
        dir.path(),
        "products/afw.yaml",
        "name: afw\nversion: 1.0.0\ndepends: { nothing: \"*\" }\n",
    );
    let run = lock();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("dependency-unknown"), "{}", run.stderr);
    assert!(!dir.path().join("locks").exists());
    // The files the check found clean again: locked.
    write(dir.path(), "products/afw.yaml", product);
    let run = lock();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("locks/d/d.2026.03.01.lock.yaml").is_file());
}
