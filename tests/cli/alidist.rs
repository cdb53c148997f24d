//! `distrib import alidist` on ALICE's real recipes (`../shared/alidist/recipes`): the import,
//! `check`, and a lock of O2PDPSuite over local repositories that give exactly the closure
//! aliBuild computes, with each profile on `slc9_x86-64` and on the architectures whose
//! platform conditions give another one (`tests/data/alidist/closure-*.tsv`, made by
//! `closure.py` beside them); idempotence, changes of a newer checkout, and errors that name
//! file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::support::fixture::{fails, ok, product_in, says, write};
use crate::support::{command_in, copy_tree, distrib_wide, project, shared};

/// One package of aliBuild's closure: name, source, tag, and its run-time and build-time
/// dependencies on the architecture.
struct Expected {
    name: String,
    source: String,
    tag: String,
    depends: BTreeSet<String>,
    build_depends: BTreeSet<String>,
}

/// The profiles O2PDPSuite can be built with (its `valid_defaults`), each with aliBuild's
/// closure in `tests/data/alidist/closure-<profile>-slc9_x86-64.tsv`.
const PROFILES: [&str; 4] = ["ali", "o2", "o2-dataflow", "o2-epn"];

/// The architectures besides `slc9_x86-64` on which aliBuild gives O2PDPSuite with the
/// defaults `o2` another closure, each with the conditions of that closure it answers
/// otherwise, in the order the test imports them; each profile's closure there is in
/// `tests/data/alidist/closure-<profile>-<architecture>.tsv`. `ubuntu2404_x86-64`,
/// `slc8_x86-64` and `slc10_x86-64` answer every one as `slc9_x86-64` does, so their closure is
/// the same (the data's README says how that was checked).
const ARCHITECTURES: [(&str, &str); 4] = [
    (
        "osx_arm64",
        "`(osx.*)` holds (`Xcode`, `osx-system-openssl` come in); `(?!osx)`, `(?!osx.*)`, \
         `(?!osx*)`, `(?!.*osx)`, `(?!osx|slc5)` and `(?!osx|slc9_aarch64)` fail (no \
         `GCC-Toolchain`, `DataDistribution`, `ODC`, `AliGenO2` and its generators); \
         `(?!.*aarch64)` holds, `arm64` is not `aarch64`; `o2-dataflow`'s own override of \
         `Monitoring` requires `GCC-Toolchain:(?!osx)`, and its `disable` entry \
         `curl:(?!osx.*)` disables nothing, as aliBuild reads it",
    ),
    (
        "osx_x86-64",
        "as `osx_arm64`: the closure has no condition that tells the two apart",
    ),
    (
        "slc9_aarch64",
        "`(?!.*aarch64)` fails (no `EPOS4`, `EPOS4HQ`), `(?!osx|slc9_aarch64)` fails (no \
         `DataDistribution`, `ODC`, and `DDS` that only `ODC` needs); `(?!osx)` holds",
    ),
    (
        "slc7_x86-64",
        "`(slc6|slc7)` holds: `autotools` is built for 17 packages, and `termcap` for it",
    ),
];

fn expected_closure(profile: &str, architecture: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(project().join(format!(
        "tests/data/alidist/closure-{profile}-{architecture}.tsv"
    )))
    .unwrap();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let names = |field: &str| {
                field
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect()
            };
            Expected {
                name: fields[0].into(),
                source: fields[1].into(),
                tag: fields[2].into(),
                depends: names(fields[4]),
                build_depends: names(fields[5]),
            }
        })
        .collect()
}

fn import(recipes: &Path, manifests: &Path) -> crate::support::Run {
    std::fs::create_dir_all(manifests).unwrap();
    distrib_wide(
        manifests,
        &[
            "import",
            "alidist",
            recipes.to_str().unwrap(),
            "--defaults",
            "o2",
            "--architecture",
            "slc9_x86-64",
        ],
    )
}

/// A bare repository at `path` with one commit, on branch `master`, and each of `refs`: a
/// branch when alidist names one (`master`), else a tag, abbreviated commit ids included (no
/// commit can be made to start with a given prefix in a test's time, so the pin's name is a
/// tag there).
fn repository(path: &Path, url: &str, refs: &BTreeSet<String>) {
    std::fs::create_dir_all(path).unwrap();
    let git = |args: &[&str], input: Option<&str>| {
        let mut child = crate::support::clean(Command::new("git"))
            .arg("--git-dir")
            .arg(path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = input {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    git(&["init", "--bare", "-q", "--initial-branch=master"], None);
    let content = format!("{url}\n");
    let mut stream = format!(
        "commit refs/heads/master\nmark :1\ncommitter Release Manager <rm@example.org> 1772366400 +0000\ndata 7\nsources\nM 644 inline README\ndata {}\n{content}\n",
        content.len()
    );
    for reference in refs.iter().filter(|r| *r != "master") {
        stream.push_str(&format!("reset refs/tags/{reference}\nfrom :1\n\n"));
    }
    stream.push_str("done\n");
    git(&["fast-import", "--quiet", "--done"], Some(&stream));
}

/// The `rewrite:` of a `distrib.yaml` that sends every URL of every expected closure (each
/// profile on `slc9_x86-64` and on each of [`ARCHITECTURES`]) to a local repository holding
/// every ref a closure pins there. Made once for all tests of this file, into
/// `target/tmp/alidist-upstream`.
fn upstreams() -> &'static str {
    static REWRITE: OnceLock<String> = OnceLock::new();
    REWRITE.get_or_init(|| {
        let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("alidist-upstream");
        let _ = std::fs::remove_dir_all(&folder);
        let architectures = ARCHITECTURES.iter().map(|(a, _)| *a);
        let closures = std::iter::once("slc9_x86-64")
            .chain(architectures)
            .flat_map(|a| PROFILES.iter().map(move |p| expected_closure(p, a)));
        let mut refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for package in closures.flatten().filter(|p| !p.source.is_empty()) {
            refs.entry(package.source).or_default().insert(package.tag);
        }
        let mut rewrite = String::from("rewrite:\n");
        for (i, (url, refs)) in refs.iter().enumerate() {
            let local = folder.join(format!("{i}.git"));
            repository(&local, url, refs);
            rewrite.push_str(&format!("  \"{url}\": \"file://{}\"\n", local.display()));
        }
        rewrite
    })
}

/// Locks `distribution` of the manifest repository `manifests` (imported, `distrib.yaml`
/// written, fetched) as a nightly of 2026-03-01, offline, and reads the lock.
fn lock_nightly(manifests: &Path, distribution: &str) -> distrib::lock::Lockfile {
    let run = command_in(manifests, &["lock", distribution, "--kind", "nightly"])
        .date("2026-03-01")
        .offline()
        .run();
    ok(&run);
    let text = std::fs::read_to_string(
        manifests.join(format!("locks/{distribution}/d.2026.03.01.lock.yaml")),
    )
    .unwrap();
    distrib::lock::parse(&text).unwrap()
}

/// `lock` holds exactly aliBuild's closure, each package from its URL at its ref, with the
/// dependencies aliBuild gives it.
fn assert_closure(lock: &distrib::lock::Lockfile, expected: &[Expected], what: &str) {
    let locked: BTreeSet<&str> = lock.products.iter().map(|p| p.name.as_str()).collect();
    let wanted: BTreeSet<&str> = expected.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        locked.difference(&wanted).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "{what}: locked, not in aliBuild's closure"
    );
    assert_eq!(
        wanted.difference(&locked).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "{what}: in aliBuild's closure, not locked"
    );
    for package in expected {
        let product = product_in(lock, &package.name);
        match product.repositories.as_slice() {
            [] => assert!(
                package.source.is_empty(),
                "{what}: `{}` has a source",
                package.name
            ),
            [repository] => {
                assert_eq!(repository.url, package.source, "{what}: `{}`", package.name);
                assert_eq!(
                    repository.reference, package.tag,
                    "{what}: `{}`",
                    package.name
                );
            }
            more => panic!("{what}: `{}` has {} repositories", package.name, more.len()),
        }
        let names = |list: &[String]| list.iter().cloned().collect::<BTreeSet<String>>();
        assert_eq!(
            names(&product.depends),
            package.depends,
            "{what}: `{}` depends",
            package.name
        );
        assert_eq!(
            names(&product.build_depends),
            package.build_depends,
            "{what}: `{}` build_depends",
            package.name
        );
    }
}

#[test]
fn o2pdpsuite_locks_to_alibuilds_closure() {
    let Some(recipes) = shared("alidist/recipes") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let manifests = work.path().join("manifests");
    let run = import(&recipes, &manifests);
    ok(&run);
    says(&run, "imported 273 recipes");
    says(&run, "4 distributions (ali, o2, o2-dataflow, o2-epn)");
    let run = distrib_wide(&manifests, &["check"]);
    ok(&run);
    says(&run, "no problems in 282 files");

    write(
        &manifests.join("distrib.yaml"),
        &format!("rules: {{}}\nmirrors: mirrors\n{}", upstreams()),
    );
    ok(&distrib_wide(
        &manifests,
        &[&["fetch"], &PROFILES[..]].concat(),
    ));
    for profile in PROFILES {
        let expected = expected_closure(profile, "slc9_x86-64");
        let lock = lock_nightly(&manifests, profile);
        assert_closure(&lock, &expected, profile);
        let environment = &lock.environment;
        assert_eq!(environment.name, profile);
        assert!(
            environment.env.contains_key("CXXFLAGS"),
            "{profile}: the profile's `env` is the environment's"
        );
        if profile != "o2" {
            continue;
        }
        assert_eq!(lock.products.len(), 141);
        // Pins read as aliBuild reads them: an abbreviated commit id, a branch, a version of
        // its own.
        let product = |name: &str| product_in(&lock, name);
        assert_eq!(
            product("O2PDPSuite").version.as_deref(),
            Some("daily-20260301-0000")
        );
        assert!(
            product("O2PDPSuite")
                .depends
                .contains(&"DataDistribution".to_owned()),
            "a condition that holds on `slc9_x86-64`"
        );
        let branch = expected.iter().find(|p| p.tag == "master").unwrap();
        assert_eq!(
            product(&branch.name).repositories[0].resolved,
            "refs/heads/master"
        );
        let abbreviated = expected.iter().find(|p| p.tag == "52d5988").unwrap();
        assert_eq!(
            product(&abbreviated.name).repositories[0].reference,
            "52d5988"
        );
    }
    // One product, built differently by two profiles: two identities.
    let identity = |profile: &str, name: &str| {
        let text = std::fs::read_to_string(
            manifests.join(format!("locks/{profile}/d.2026.03.01.lock.yaml")),
        )
        .unwrap();
        let lock = distrib::lock::parse(&text).unwrap();
        let product = product_in(&lock, name);
        (product.version.clone(), product.identity.clone())
    };
    let (o2, epn) = (identity("o2", "fastjet"), identity("o2-epn", "fastjet"));
    assert_eq!(o2.0.as_deref(), Some("v3.4.1_1.052-alice3"));
    assert_eq!(epn.0.as_deref(), Some("v3.4.0_1.045-alice1"));
    assert_ne!(o2.1, epn.1);
}

/// `import alidist` with each of [`ARCHITECTURES`] as `--architecture`, `check`, and a lock of
/// each profile with each as `--platform` give aliBuild's closure on each: one import, one
/// fetch.
#[test]
fn o2pdpsuite_locks_to_alibuilds_closure_on_each_architecture() {
    let Some(recipes) = shared("alidist/recipes") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let manifests = work.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    let mut args = vec!["import", "alidist", recipes.to_str().unwrap()];
    for (architecture, _) in ARCHITECTURES {
        args.extend(["--architecture", architecture]);
    }
    let run = distrib_wide(&manifests, &args);
    ok(&run);
    says(&run, "4 distributions (ali, o2, o2-dataflow, o2-epn)");
    let o2 = std::fs::read_to_string(manifests.join("distributions/o2.yaml")).unwrap();
    assert!(
        o2.contains("\nplatforms:\n- osx_arm64\n- osx_x86-64\n- slc9_aarch64\n- slc7_x86-64\n"),
        "{o2}"
    );
    write(
        &manifests.join("distrib.yaml"),
        &format!("rules: {{}}\nmirrors: mirrors\n{}", upstreams()),
    );
    let run = distrib_wide(&manifests, &["check"]);
    ok(&run);
    says(&run, "no problems in 282 files");
    // What the closure of each profile on each platform needs, in one run.
    ok(&distrib_wide(
        &manifests,
        &[&["fetch"], &PROFILES[..]].concat(),
    ));
    let mut identities = BTreeMap::new();
    for (architecture, conditions) in ARCHITECTURES {
        for profile in PROFILES {
            let run = command_in(&manifests, &["lock", profile, "--kind", "nightly"])
                .date("2026-03-01")
                .platform(architecture)
                .offline()
                .dry_run()
                .run();
            ok(&run);
            let lock = distrib::lock::parse(&run.stdout).unwrap();
            assert_eq!(lock.platform, architecture);
            let expected = expected_closure(profile, architecture);
            let what = format!("{profile} on {architecture} ({conditions})");
            assert_closure(&lock, &expected, &what);
            if profile == "o2" {
                identities.insert(architecture, product_in(&lock, "O2").identity.clone());
            }
        }
    }
    // The platform is an input of every identity: the same sources, other packages.
    let distinct: BTreeSet<&String> = identities.values().collect();
    assert_eq!(distinct.len(), identities.len(), "{identities:?}");
}

#[test]
fn shared_repositories_and_system_data() {
    let Some(recipes) = shared("alidist/recipes") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    ok(&import(&recipes, work.path()));
    let read = |name: &str| {
        std::fs::read_to_string(work.path().join(format!("products/{name}.yaml"))).unwrap()
    };
    let core = read("Control-Core");
    assert!(
        core.contains("  shared_with:\n  - Control-OCCPlugin\n"),
        "{core}"
    );
    assert!(read("Control-OCCPlugin").contains("  - Control-Core\n"));
    let lhapdf = read("lhapdf");
    assert!(lhapdf.contains("  shared_with:\n  - lhapdf5\n"), "{lhapdf}");
    assert!(read("lhapdf5").contains("  shared_with:\n  - lhapdf\n"));
    let openssl = read("OpenSSL");
    assert!(openssl.contains("\n  prefer_system: "), "{openssl}");
    assert!(openssl.contains("\n  prefer_system_check: "), "{openssl}");
    let o2 = read("O2PDPSuite");
    assert!(
        !o2.contains("\nrepositories:") && !o2.contains("\ntag:"),
        "{o2}"
    );
    assert!(o2.contains("\nversion: daily-20260301-0000\n"), "{o2}");
}

#[test]
fn import_again_changes_only_what_changed() {
    let Some(recipes) = shared("alidist/recipes") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let manifests = work.path().join("manifests");
    ok(&import(&recipes, &manifests));
    let before: BTreeMap<String, String> = walkdir::WalkDir::new(&manifests)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            (e.path().display().to_string(), text)
        })
        .collect();
    let run = import(&recipes, &manifests);
    ok(&run);
    says(&run, "0 added, 0 changed, 0 removed");
    let run = distrib_wide(
        &manifests,
        &[
            "import",
            "alidist",
            recipes.to_str().unwrap(),
            "--dry-run",
            "--format",
            "json",
        ],
    );
    ok(&run);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format"], "distrib-import/1");
    assert_eq!(document["dry_run"], true);
    assert_eq!(
        document["distributions"],
        serde_json::json!(["ali", "o2", "o2-dataflow", "o2-epn"])
    );
    assert_eq!(
        document["summary"]["unchanged"],
        before.len() - 1,
        "all but distrib.yaml"
    );
    assert_eq!(document["summary"]["added"], 0);
    assert!(
        document["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "unchanged"),
        "{}",
        run.stdout
    );
    crate::json::valid(&run.stdout);

    // A newer checkout: one tag moves, one recipe goes, one arrives, a profile changes its
    // `env` and overrides one more package, and one profile is gone.
    let newer = work.path().join("newer");
    copy_tree(&recipes, &newer);
    let fmt = std::fs::read_to_string(newer.join("fmt.sh")).unwrap();
    let retagged = fmt.replacen("tag: ", "tag: 99.0.0-", 1);
    assert_ne!(fmt, retagged);
    write(&newer.join("fmt.sh"), &retagged);
    std::fs::remove_file(newer.join("geant-vmc-test.sh")).unwrap();
    let epn = std::fs::read_to_string(newer.join("defaults-o2-epn.sh")).unwrap();
    let epn = epn
        .replacen("-march=znver2 -std", "-march=znver3 -std", 1)
        .replacen("overrides:\n", "overrides:\n  fmt:\n    tag: 10.0.0\n", 1);
    write(&newer.join("defaults-o2-epn.sh"), &epn);
    std::fs::remove_file(newer.join("defaults-ali.sh")).unwrap();
    write(
        &newer.join("newtool.sh"),
        "package: newtool\nversion: v1\nsource: https://github.com/alisw/newtool\nrequires:\n  - fmt\n---\nmake install\n",
    );
    let run = distrib_wide(
        &manifests,
        &["import", "alidist", newer.to_str().unwrap(), "--dry-run"],
    );
    ok(&run);
    assert_eq!(
        run.stdout,
        "change products/fmt.yaml\nadd products/newtool.yaml\nchange environments/o2-epn.yaml\nchange distributions/o2-epn.yaml\nremove products/GEANT-VMC-test.yaml\nremove environments/ali.yaml\nremove distributions/ali.yaml\n"
    );
    let after_dry: usize = walkdir::WalkDir::new(&manifests).into_iter().count();
    assert_eq!(
        after_dry,
        before.len() + 4,
        "nothing written (files and 4 folders)"
    );
    let run = distrib_wide(&manifests, &["import", "alidist", newer.to_str().unwrap()]);
    ok(&run);
    says(
        &run,
        "3 distributions (o2, o2-dataflow, o2-epn): 1 added, 3 changed, 3 removed",
    );
    let changed = ["fmt.yaml", "GEANT-VMC-test.yaml", "o2-epn.yaml", "ali.yaml"];
    for (path, text) in &before {
        let now = std::fs::read_to_string(path).ok();
        if changed.iter().any(|c| path.ends_with(c)) {
            assert_ne!(now.as_ref(), Some(text), "`{path}`");
        } else {
            assert_eq!(now.as_ref(), Some(text), "`{path}` unchanged");
        }
    }
    ok(&distrib_wide(&manifests, &["check"]));
    let epn = std::fs::read_to_string(manifests.join("distributions/o2-epn.yaml")).unwrap();
    assert!(epn.contains("\n  fmt:\n    tag: \"10.0.0\"\n"), "{epn}");
    let environment = std::fs::read_to_string(manifests.join("environments/o2-epn.yaml")).unwrap();
    assert!(
        environment.contains("-march=znver3 -std=c++20"),
        "{environment}"
    );
    let run = distrib_wide(&manifests, &["import", "alidist", newer.to_str().unwrap()]);
    says(&run, "0 added, 0 changed, 0 removed");
}

#[test]
fn errors_name_the_recipe_and_line() {
    let work = tempfile::tempdir().unwrap();
    let recipes = work.path().join("alidist");
    let manifests = work.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    write(
        &recipes.join("defaults-o2.sh"),
        "package: defaults-o2\nversion: v1\n---\n",
    );
    write(
        &recipes.join("O2PDPSuite.sh".to_lowercase()),
        "package: O2PDPSuite\nversion: v1\nrequires:\n  - zlib\n  - \"ZLib:(?!osx)\"\n---\n",
    );
    write(
        &recipes.join("zlib.sh"),
        "package: zlib\nversion: v1\n---\n",
    );
    let args = ["import", "alidist", recipes.to_str().unwrap()];
    let run = distrib_wide(&manifests, &args);
    fails(
        &run,
        1,
        "`ZLib` in `requires` of `o2pdpsuite.sh` names no recipe",
    );
    says(&run, "[o2pdpsuite.sh:5:6]");
    says(&run, "did you mean `zlib`?");
    assert!(!manifests.join("products").exists(), "nothing written");

    write(
        &recipes.join("o2pdpsuite.sh"),
        "package: O2PDPSuite\nversion: v1\nrequires:\n  - \"zlib:[a-z]+\"\n---\n",
    );
    let run = distrib_wide(&manifests, &args);
    fails(
        &run,
        1,
        "the platform condition `[a-z]+` has no exact equivalent",
    );
    says(&run, "[o2pdpsuite.sh:4:");

    write(
        &recipes.join("o2pdpsuite.sh"),
        "package: O2PDPSuite\nversion: [v1\n---\n",
    );
    let run = distrib_wide(&manifests, &args);
    fails(&run, 1, "the header of `o2pdpsuite.sh` is not YAML");
    says(&run, "[o2pdpsuite.sh:");

    write(
        &recipes.join("o2pdpsuite.sh"),
        "package: O2PDPSuite\nversion: v1\n---\n",
    );
    write(&manifests.join("products/zlib.yaml"), "name: zlib\n");
    let run = distrib_wide(&manifests, &args);
    fails(
        &run,
        1,
        "1 file the import would write exists and was not written by an import of alidist: `products/zlib.yaml`",
    );
    assert_eq!(
        std::fs::read_to_string(manifests.join("products/zlib.yaml")).unwrap(),
        "name: zlib\n",
        "kept"
    );
    std::fs::remove_file(manifests.join("products/zlib.yaml")).unwrap();
    ok(&distrib_wide(&manifests, &args));

    write(&recipes.join("zzz.sh"), "package: zlib\nversion: v2\n---\n");
    let run = distrib_wide(&manifests, &args);
    fails(
        &run,
        1,
        "`zlib.sh` and `zzz.sh` both declare the package `zlib`",
    );
    says(&run, "[zzz.sh:1:1]");
    std::fs::remove_file(recipes.join("zzz.sh")).unwrap();

    // Defaults of one architecture, which aliBuild 1.17.48 does not read as written.
    write(
        &recipes.join("defaults-osx_arm64.sh"),
        "package: defaults-osx_arm64\nversion: v1\ndisable: [zlib]\n---\n",
    );
    let on_osx = [&args[..], &["--architecture", "osx_arm64"]].concat();
    let run = distrib_wide(&manifests, &on_osx);
    fails(
        &run,
        1,
        "`defaults-osx_arm64.sh` holds defaults for the architecture `osx_arm64`, which have no distrib equivalent",
    );
    says(&run, "[defaults-osx_arm64.sh:1:1]");
    says(
        &run,
        "move its `env`, `disable` and `overrides` into `defaults-o2.sh`",
    );
    ok(&distrib_wide(&manifests, &args));
}

#[test]
fn overrides_and_excludes_name_products() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path();
    write(&root.join("distrib.yaml"), "rules: {}\n");
    write(
        &root.join("environments/dev.yaml"),
        "name: dev\npurpose: development\nenv: { CXXSTD: \"20\" }\n",
    );
    write(
        &root.join("products/a.yaml"),
        "name: a\ndepends: { b: \"*\" }\n",
    );
    write(&root.join("products/b.yaml"), "name: b\n");
    write(
        &root.join("distributions/d.yaml"),
        "name: d\nenvironment: dev\nproducts: [a]\nexclude: [bb]\noverrides:\n  aa: { tag: v1 }\n  a: { depends: { c: \"*\" } }\n",
    );
    let run = distrib_wide(root, &["check"]);
    fails(&run, 1, "unknown product `bb` in `exclude`");
    says(&run, "unknown product `aa` in `overrides`");
    says(&run, "unknown product `c` in `depends` of an override");
    says(&run, "[distributions/d.yaml:4:11]");
    write(
        &root.join("distributions/d.yaml"),
        "name: d\nenvironment: dev\nproducts: [a]\nexclude: [b]\noverrides:\n  a: { build: { flags: \"-O3\" } }\n",
    );
    let run = distrib_wide(root, &["check"]);
    ok(&run);
}
