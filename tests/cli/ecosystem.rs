//! distrib where its users work: the pre-merge gate of a pull request (`lock --check --base`),
//! on a real manifest repository in git and real mirrors.

#[allow(dead_code)]
use crate::support::http;
use crate::support::tls;

use crate::support::fixture::{Fixture, commit_file, fails, ok, says, write, write_executable};
use crate::support::git;

/// `Fixture::locked()`, with the manifest repository committed in git: `HEAD` is the target
/// branch a pull request is compared with.
fn committed() -> Fixture {
    let f = Fixture::locked();
    git(&f.root, &["init", "-q", "-b", "main"]);
    git(&f.root, &["add", "-A"]);
    git(&f.root, &["commit", "-q", "-m", "manifests"]);
    f
}

fn pre_merge(f: &Fixture) -> crate::support::Run {
    f.lock_check("dist").base("HEAD").run()
}

#[test]
fn an_unrelated_upstream_commit_leaves_the_pre_merge_gate_green() {
    let f = committed();
    // One commit upstream, that the pull request did not make.
    commit_file(&f.repo("utils"), "src/new", "new", "later work");
    // "Is there anything new upstream": yes, and the scheduled job says so.
    let run = f.lock_check("dist").run();
    fails(&run, 1, "`w.2026.47` is stale");
    says(&run, "changed   utils");
    // The pull request changes a description: nothing it did can fail the lock.
    write(
        &f.root.join("products/other.yaml"),
        "name: other\ndescription: now described\nrepositories:\n  - url: https://example.org/sw/other\n    ref: main\n",
    );
    let run = pre_merge(&f);
    ok(&run);
    says(
        &run,
        "`dist` can be locked (4 products), with `w.2026.47`'s commits for every product whose sources did not change since `HEAD`",
    );
    says(&run, "no package would be rebuilt");
    // A recipe change rebuilds the product and its dependents, still on the held commits.
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\n\
         depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O3 } }\n",
    );
    let run = pre_merge(&f);
    ok(&run);
    says(&run, "2 packages would be rebuilt:");
    says(&run, "changed   app");
    says(&run, "changed   utils");
    assert!(!run.stderr.contains("resolved anew"), "{}", run.stderr);
    // The same for a script: what would be rebuilt, against which lock, since which base.
    let run = f.lock_check("dist").base("HEAD").json().run();
    ok(&run);
    let checked: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (
            &checked["status"],
            &checked["base"],
            &checked["release"]["release"]
        ),
        (&"lockable".into(), &"HEAD".into(), &"w.2026.47".into())
    );
    let rebuilt = crate::support::field_of_each(&checked["changes"], "product");
    assert_eq!(rebuilt, ["app", "utils"]);
    assert_eq!(checked["resolved_anew"], serde_json::json!([]));
}

#[test]
fn a_tag_that_does_not_exist_turns_the_pre_merge_gate_red() {
    let f = committed();
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("tag: 1.0.0", "tag: 9.9.9"),
    );
    let run = pre_merge(&f);
    fails(&run, 1, "9.9.9");
    says(&run, "base");
    assert!(!run.stderr.contains("can be locked"), "{}", run.stderr);
}

#[test]
fn a_moved_source_is_resolved_anew() {
    let f = committed();
    let text = std::fs::read_to_string(f.root.join("products/base.yaml")).unwrap();
    commit_file(&f.repo("base"), "src/fix", "fix", "a fix");
    git(&f.repo("base"), &["tag", "-a", "-m", "release", "1.1.0"]);
    write(
        &f.root.join("products/base.yaml"),
        &text.replace("tag: 1.0.0", "tag: 1.1.0"),
    );
    let run = pre_merge(&f);
    ok(&run);
    says(&run, "; resolved anew: base");
    says(&run, "3 packages would be rebuilt:");
    says(&run, "changed   base 1.0.0");
    says(&run, "-> 1.1.0");
}

#[test]
fn a_requirement_the_held_commits_do_not_satisfy_names_the_product() {
    let f = committed();
    write(
        &f.root.join("products/utils.yaml"),
        "name: utils\nrepositories:\n  - url: https://example.org/sw/utils\n    ref: main\n\
         depends: { base: \">=2\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
    );
    let run = pre_merge(&f);
    fails(&run, 1, "utils");
    says(&run, ">=2");
}

#[test]
fn a_new_product_with_no_reachable_ref_names_the_product() {
    let f = committed();
    f.new_repo("extra", "src/README");
    write(
        &f.root.join("products/extra.yaml"),
        "name: extra\nrepositories:\n  - url: https://example.org/sw/extra\n    ref: no-such-branch\n",
    );
    write(
        &f.root.join("distributions/dist.yaml"),
        "name: dist\nenvironment: ops\nproducts: [app, other, extra]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }\n",
    );
    let run = pre_merge(&f);
    fails(&run, 1, "extra");
    says(&run, "no-such-branch");
    // A base that is no revision is an error, not a green gate.
    let run = f.lock_check("dist").base("no-such-rev").run();
    fails(&run, 1, "no-such-rev");
}

#[test]
fn fetch_says_errors_first_and_the_summary_last() {
    let f = Fixture::new();
    std::fs::remove_dir_all(f.repo("other")).unwrap();
    let run = f.run(&["fetch", "--jobs", "2"]);
    // Each failure is a diagnostic with its code and help, as every command draws them.
    fails(&run, 1, "fetch-unreachable");
    says(&run, "× cannot fetch `https://example.org/sw/other`");
    let at = |text: &str| {
        run.stderr
            .find(text)
            .unwrap_or_else(|| panic!("{text}: {}", run.stderr))
    };
    assert!(at("× cannot fetch") < at("fetched 3 repositories"));
    assert!(at("fetched 3 repositories") < at("× 1 of 4 repositories failed"));
    let last = run.stderr.trim_end().lines().last().unwrap();
    assert!(
        last.contains("help: fix what the errors above say"),
        "{}",
        run.stderr
    );
    // A lock that cannot fetch says so last, after the errors and the summary.
    let run = f.lock("dist", "weekly").run();
    fails(&run, 1, "nothing was locked");
    assert!(at("× cannot fetch") < run.stderr.find("nothing was locked").unwrap());
}

#[test]
fn quiet_and_verbose_fetch() {
    let f = Fixture::new();
    // `-v`: a line per repository, in the closure's order (dependencies first, then the
    // distribution's products as listed), not the reverse.
    let run = f.distrib(&[
        "-v",
        "fetch",
        "dist",
        "--jobs",
        "1",
        "--mirrors",
        f.mirrors.to_str().unwrap(),
    ]);
    ok(&run);
    let fetched: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Fetched "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(fetched, ["base", "utils", "app", "other"], "{}", run.stderr);
    says(
        &run,
        "Fetched base `https://example.org/sw/base`: new mirror",
    );
    says(&run, "fetched 4 repositories");
    // `-q`: nothing but errors.
    let run = f.run(&["fetch", "-q"]);
    ok(&run);
    assert_eq!(run.stderr, "");
    commit_file(&f.repo("utils"), "src/new", "new", "later work");
    let run = f.distrib(&[
        "fetch",
        "--verbose",
        "--mirrors",
        f.mirrors.to_str().unwrap(),
    ]);
    ok(&run);
    says(
        &run,
        "Fetched utils `https://example.org/sw/utils`: 1 ref changed",
    );
    says(
        &run,
        "Fetched base `https://example.org/sw/base`: up to date",
    );
    // `-q` and `-v` together are a usage error.
    let run = f.run(&["fetch", "-q", "-v"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn on_a_terminal_fetch_draws_cargo_s_progress_line() {
    // A real terminal, from util-linux's `script`.
    let available = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        crate::support::skipped(
            "`script` (util-linux) is not installed, so no terminal can be made",
            None,
        );
        return;
    }
    let f = Fixture::new();
    // Enough data that the line is drawn while it arrives: 4 MiB that no compression
    // shrinks much.
    let noise = crate::support::noise(0x9E37_79B9_7F4A_7C15, 1 << 18);
    commit_file(&f.repo("base"), "noise", &noise, "noise");
    let line = format!(
        "'{}' fetch --jobs 2 --mirrors '{}'",
        env!("CARGO_BIN_EXE_distrib"),
        f.mirrors.display()
    );
    let output = crate::support::clean(std::process::Command::new("script"))
        .current_dir(&f.root)
        .env_remove("NO_COLOR")
        .env("FORCE_COLOR", "1")
        .env("TERM", "xterm")
        .args(["-qec", &line, "/dev/null"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let screen = String::from_utf8_lossy(&output.stdout);
    // The prefix, coloured as FORCE_COLOR asks; the count, the time elapsed, and the names of
    // the repositories in flight, then the line cleared for the summary.
    assert!(
        screen.contains("\u{1b}[36m\u{1b}[1m    Fetching\u{1b}[0m ["),
        "{screen:?}"
    );
    assert!(screen.contains("0/4  0s"), "{screen:?}");
    assert!(
        screen.contains(": base, utils") || screen.contains(": base "),
        "{screen:?}"
    );
    // The bytes received so far, as cargo counts them, on the line while they arrive.
    assert!(
        screen
            .split('\r')
            .any(|line| line.contains("Fetching") && line.contains(" MiB ")),
        "{screen:?}"
    );
    assert!(
        screen.contains("\u{1b}[2Kfetched 4 repositories"),
        "{screen:?}"
    );
    assert!(screen.contains(" MiB received)"), "{screen:?}");
    // `-q` draws nothing, even on a terminal.
    let line = line.replace(" fetch ", " -q fetch ");
    let output = crate::support::clean(std::process::Command::new("script"))
        .current_dir(&f.root)
        .args(["-qec", &line, "/dev/null"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}

#[test]
fn annotations_name_files_from_the_checkout_s_top_in_every_mode() {
    // A checkout whose manifests live in `manifests/`, checked from inside it, as a job with
    // `working-directory: manifests` does, and from deeper still.
    let checkout = tempfile::tempdir().unwrap();
    let root = checkout.path().join("manifests");
    crate::support::copy_tree(
        &crate::support::project().join("tests/fixtures/invalid/dependency-unknown"),
        &root,
    );
    git(checkout.path(), &["init", "-q", "-b", "main"]);
    git(checkout.path(), &["add", "-A"]);
    git(checkout.path(), &["commit", "-q", "-m", "manifests"]);
    let expected = "::error file=manifests/products/afw.yaml,line=3,col=3,";
    for folder in [
        checkout.path().to_path_buf(),
        root.clone(),
        root.join("products"),
    ] {
        for rev in [None, Some("HEAD")] {
            let mut args = vec!["check", "--format", "github"];
            args.extend(rev.map(|r| ["--rev", r]).into_iter().flatten());
            let run = if folder == checkout.path() {
                let mut all = vec!["-C", "manifests"];
                all.extend(&args);
                crate::support::distrib(&folder, &all)
            } else {
                crate::support::distrib(&folder, &args)
            };
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(
                run.stdout.starts_with(expected),
                "from {} with {rev:?}:\n{}",
                folder.display(),
                run.stdout
            );
        }
    }
    // Outside git, from the current folder.
    let plain = tempfile::tempdir().unwrap();
    crate::support::copy_tree(
        &crate::support::project().join("tests/fixtures/invalid/dependency-unknown"),
        &plain.path().join("manifests"),
    );
    let run = crate::support::distrib(
        plain.path(),
        &["-C", "manifests", "check", "--format", "github"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.starts_with(expected), "{}", run.stdout);
}

/// A manifest repository whose one product is served over https by a server whose
/// certificate a CA made for the test signed, behind basic authentication; a credential
/// helper that knows the password; and the folder of it all.
struct Private {
    dir: tempfile::TempDir,
    root: std::path::PathBuf,
    ca: std::path::PathBuf,
    helper: std::path::PathBuf,
    _servers: (http::GitServer, tls::TlsFront),
}

impl Private {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let upstream = dir.path().join("upstream/a");
        std::fs::create_dir_all(&upstream).unwrap();
        git(&upstream, &["init", "-q", "-b", "main"]);
        commit_file(&upstream, "README", "a", "first");
        let served = dir.path().join("served");
        std::fs::create_dir_all(&served).unwrap();
        git(
            &served,
            &["clone", "-q", "--bare", upstream.to_str().unwrap(), "a.git"],
        );
        let server = http::GitServer::start(&served, "robot", "s3cret");
        let front = tls::TlsFront::start(server.port);
        let ca = dir.path().join("ca.pem");
        write(&ca, &front.ca_pem);
        let helper = dir.path().join("helper");
        write_executable(
            &helper,
            "#!/bin/sh\ncat > /dev/null\nif [ \"$1\" = get ]; then printf 'username=robot\\npassword=s3cret\\n'; fi\n",
        );
        let root = dir.path().join("manifests");
        write(&root.join("distrib.yaml"), "mirrors: ../mirrors\n");
        write(
            &root.join("environments/ops.yaml"),
            "name: ops\npurpose: operations\npackages: { python: \"3.12.7\" }\n",
        );
        write(
            &root.join("products/a.yaml"),
            &format!(
                "name: a\nrepositories:\n  - url: {}\n    ref: main\n",
                front.url("a.git")
            ),
        );
        write(
            &root.join("distributions/dist.yaml"),
            "name: dist\nenvironment: ops\nproducts: [a]\nplatform: linux-x86_64\n",
        );
        Self {
            root,
            ca,
            helper,
            dir,
            _servers: (server, front),
        }
    }

    /// A git configuration file with the credential helper and `extra`.
    fn config(&self, extra: &str) -> std::path::PathBuf {
        let file = self.dir.path().join("gitconfig");
        write(
            &file,
            &format!(
                "[credential]\n\thelper = {}\n{extra}",
                self.helper.display()
            ),
        );
        file
    }

    fn fetch(&self, env: &[(&str, &std::ffi::OsStr)]) -> crate::support::Run {
        crate::support::distrib_with(&self.root, &["fetch"], env)
    }
}

#[test]
fn https_behind_a_private_ca_trusts_git_s_ssl_ca_info() {
    let site = Private::new();
    // Without the CA, the server's certificate is refused, and a git setting that distrib does
    // not read (`http.sslVerify`) changes nothing.
    let config = site.config("[http]\n\tsslVerify = false\n");
    let run = site.fetch(&[("GIT_CONFIG_GLOBAL", config.as_os_str())]);
    fails(&run, 1, "cannot fetch `https://127.0.0.1:");
    says(&run, "certificate");
    says(&run, "fetched 0 repositories");
    // `http.sslCAInfo` of the user's git configuration.
    let config = site.config(&format!("[http]\n\tsslCAInfo = {}\n", site.ca.display()));
    let run = site.fetch(&[("GIT_CONFIG_GLOBAL", config.as_os_str())]);
    ok(&run);
    says(&run, "fetched 1 repository");
    let lock = crate::support::distrib_with(
        &site.root,
        &["lock", "dist", "--kind", "manual", "--dry-run", "--offline"],
        &[],
    );
    ok(&lock);
    assert!(lock.stdout.contains("/a.git"), "{}", lock.stdout);
}

#[test]
fn https_behind_a_private_ca_trusts_git_ssl_cainfo() {
    let site = Private::new();
    let config = site.config("");
    let run = site.fetch(&[
        ("GIT_CONFIG_GLOBAL", config.as_os_str()),
        ("GIT_SSL_CAINFO", site.ca.as_os_str()),
    ]);
    ok(&run);
    says(&run, "fetched 1 repository");
    // The variable wins over the configuration, as in git: a file that is not there is an
    // error that names where it was said.
    let config = site.config(&format!("[http]\n\tsslCAInfo = {}\n", site.ca.display()));
    let missing = site.dir.path().join("no-such-ca.pem");
    let run = site.fetch(&[
        ("GIT_CONFIG_GLOBAL", config.as_os_str()),
        ("GIT_SSL_CAINFO", missing.as_os_str()),
    ]);
    fails(&run, 1, "the CA certificates of GIT_SSL_CAINFO");
    says(&run, "no-such-ca.pem");
    let config = site.config(&format!("[http]\n\tsslCAInfo = {}\n", missing.display()));
    let run = site.fetch(&[("GIT_CONFIG_GLOBAL", config.as_os_str())]);
    fails(&run, 1, "the CA certificates of http.sslCAInfo");
}

/// What bash completes for `words`, with distrib's dynamic completion script loaded, in `dir`:
/// the values, not the flags also offered.
fn bash_completes(dir: &std::path::Path, words: &[&str]) -> Vec<String> {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_distrib"));
    let registration = crate::support::distrib(dir, &["completions", "bash", "--dynamic"]);
    ok(&registration);
    let script = dir.join("../complete.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    write(
        &script,
        &format!(
            "{}\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_TYPE=9\n_clap_complete_distrib distrib {} {}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            registration.stdout,
            quoted.join(" "),
            words.len() - 1,
            quoted.last().unwrap(),
            quoted[quoted.len().saturating_sub(2)],
        ),
    );
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = crate::support::clean(std::process::Command::new("bash"))
        .current_dir(dir)
        .env("PATH", path)
        .arg(&script)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_the_names_of_the_manifest_repository() {
    let f = Fixture::locked();
    assert_eq!(
        bash_completes(&f.root, &["distrib", "lock", ""]),
        ["dist", "solo"]
    );
    assert_eq!(bash_completes(&f.root, &["distrib", "lock", "s"]), ["solo"]);
    assert_eq!(
        bash_completes(&f.root, &["distrib", "lock", "dist", "--set", "u"]),
        ["utils="]
    );
    assert_eq!(
        bash_completes(&f.root, &["distrib", "diff", "w."]),
        ["w.2026.47"]
    );
    assert_eq!(
        bash_completes(&f.root, &["distrib", "graph", ""]),
        ["dist", "solo", "w.2026.47"]
    );
    // Commands and flags still complete; outside a manifest repository, no name.
    assert!(bash_completes(&f.root, &["distrib", "lo"]).contains(&"lock".to_owned()));
    let elsewhere = tempfile::tempdir().unwrap();
    let empty = elsewhere.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(
        bash_completes(&empty, &["distrib", "lock", ""]),
        Vec::<String>::new()
    );
}

/// Each manifest file under `root` with its kind, its document (`None` when it is no YAML a
/// schema could be given) and its path from `root`.
fn documents(
    root: &std::path::Path,
) -> Vec<(distrib::manifest::Kind, Option<serde_json::Value>, String)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|entry| {
            let relative = entry
                .path()
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let kind = distrib::manifest::Kind::of_path(&relative)?;
            let text = std::fs::read_to_string(entry.path()).ok();
            // A document of comments only is YAML's null, as an editor reads it.
            let document = text.and_then(|t| {
                if t.lines()
                    .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
                {
                    Some(serde_json::Value::Null)
                } else {
                    serde_saphyr::from_str::<serde_json::Value>(&t).ok()
                }
            });
            Some((kind, document, relative))
        })
        .collect()
}

#[test]
fn each_schema_accepts_exactly_what_check_accepts_on_every_fixture() {
    // The codes of a file's shape: what a schema can see.
    let shape = ["unknown-field", "missing-field", "invalid-value"];
    let mut roots: Vec<std::path::PathBuf> = ["examples/lsst", "examples/alice"]
        .iter()
        .map(|r| crate::support::project().join(r))
        .collect();
    for group in ["valid", "invalid"] {
        let folder = crate::support::project().join("tests/fixtures").join(group);
        let mut found: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("distrib.yaml").exists())
            .collect();
        found.sort();
        roots.extend(found);
    }
    let mut compared = 0;
    for root in &roots {
        let run = crate::support::distrib(root, &["check", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", root.display(), run.stderr));
        let diagnostics = report["diagnostics"].as_array().unwrap();
        for (kind, document, file) in documents(root) {
            if kind == distrib::manifest::Kind::Lock {
                continue;
            }
            let Some(document) = document else { continue };
            let codes: Vec<&str> = diagnostics
                .iter()
                .filter(|d| d["file"] == file.as_str() && d["severity"] == "error")
                .filter_map(|d| d["code"].as_str())
                .collect();
            let validator = jsonschema::validator_for(&distrib::schema::of(kind)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| e.to_string())
                .collect();
            let at = format!("{}/{file}", root.display());
            if !errors.is_empty() {
                assert!(
                    !codes.is_empty(),
                    "the schema refuses {at}, which check accepts: {errors:?}"
                );
            }
            if codes.iter().any(|c| shape.contains(c)) {
                assert!(
                    !errors.is_empty(),
                    "check refuses the shape of {at} ({codes:?}), which the schema accepts"
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 60, "only {compared} files compared");
}

#[test]
fn the_schemas_take_plain_scalars_as_text_and_an_empty_config() {
    let product = distrib::schema::of(distrib::manifest::Kind::Product);
    let validator = jsonschema::validator_for(&product).unwrap();
    let document =
        serde_json::json!({ "name": "a", "tag": 28.10, "team": 42, "description": true });
    assert!(validator.is_valid(&document));
    assert!(!validator.is_valid(&serde_json::json!({ "name": "a", "type": 3 })));
    // A recipe is a mapping, free-form below it: every scalar is hashed as the text written.
    assert!(validator.is_valid(
        &serde_json::json!({ "name": "a", "build": { "jobs": 4, "steps": [{ "ratio": 1.5 }] } })
    ));
    assert!(!validator.is_valid(&serde_json::json!({ "name": "a", "build": "make install" })));
    let config = distrib::schema::of(distrib::manifest::Kind::Config);
    assert!(
        jsonschema::validator_for(&config)
            .unwrap()
            .is_valid(&serde_json::Value::Null)
    );
    // And check agrees.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("distrib.yaml"), "# nothing yet\n");
    write(
        &dir.path().join("products/a.yaml"),
        "name: a\ntag: 28.10\nteam: 42\ndescription: true\nrepositories:\n  - url: https://example.org/a\n    ref: 1.0\n",
    );
    let run = crate::support::distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_examples_modelines_resolve_inside_each_example_to_current_schemas() {
    let mut resolved = 0;
    for example in ["examples/lsst", "examples/alice"] {
        let root = crate::support::project().join(example);
        for (kind, _, file) in documents(&root) {
            let text = std::fs::read_to_string(root.join(&file)).unwrap();
            let line = text.lines().next().unwrap_or_default();
            let target = line
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{example}/{file} has no modeline: {line}"));
            let path = root.join(&file).parent().unwrap().join(target);
            let path = path
                .canonicalize()
                .unwrap_or_else(|e| panic!("{example}/{file}: {e}"));
            assert!(
                path.starts_with(root.canonicalize().unwrap()),
                "{example}/{file} points outside the example: {target}"
            );
            assert_eq!(
                path.file_name().unwrap().to_string_lossy(),
                distrib::schema::file_name(kind)
            );
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                distrib::schema::to_text(kind),
                "{} is stale: run `distrib schema --out {example}/schema`",
                path.display()
            );
            resolved += 1;
        }
    }
    assert!(resolved > 30, "only {resolved} modelines");
}

#[test]
fn the_files_init_writes_validate_against_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new");
    ok(&crate::support::distrib(dir.path(), &["init", "new"]));
    let files = documents(&root);
    assert!(files.len() >= 4, "{files:?}");
    for (kind, document, file) in files {
        let document = document.unwrap_or_else(|| panic!("{file} is no YAML"));
        // Through the schema the file's own modeline names, as the editor finds it.
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        let target = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
            .unwrap_or_else(|| panic!("{file} has no modeline"));
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(&file).parent().unwrap().join(target)).unwrap(),
        )
        .unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{file} ({kind:?}): {errors:?}");
    }
}

/// The first `sh` block after the README heading that starts with `heading`.
fn readme_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(crate::support::project().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n## {heading}"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section `{heading}` in README.md"));
    section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap()
        .to_owned()
}

#[test]
fn the_readme_walkthrough_from_init_to_a_first_lock_works_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let script = dir.path().join("walkthrough.sh");
    write(
        &script,
        &format!(
            "set -euo pipefail\n{}",
            readme_block("Your own manifest repository")
        ),
    );
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_distrib"));
    let output = crate::support::clean(std::process::Command::new("bash"))
        .current_dir(dir.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", &home)
        .env("GIT_AUTHOR_NAME", "Release Manager")
        .env("GIT_AUTHOR_EMAIL", "rm@example.org")
        .env("GIT_COMMITTER_NAME", "Release Manager")
        .env("GIT_COMMITTER_EMAIL", "rm@example.org")
        .arg(&script)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("next: set `url:` in products/hello.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("fetched 1 repository"), "{stderr}");
    assert!(stderr.contains("1 lock verified"), "{stderr}");
    let locks: Vec<_> = std::fs::read_dir(dir.path().join("manifests/locks/hello_distrib"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(locks.len(), 1);
    // Without the edit, the example says what to change.
    let again = dir.path().join("untouched");
    ok(&crate::support::distrib(dir.path(), &["init", "untouched"]));
    let run = crate::support::distrib_with(&again, &["fetch"], &[("HOME", home.as_os_str())]);
    fails(&run, 1, "cannot fetch `https://github.com/example/hello`");
}

#[test]
fn the_demo_says_what_it_does_ends_with_next_steps_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let output = crate::support::clean(std::process::Command::new("bash"))
        .arg(crate::support::project().join("examples/demo.sh"))
        .arg("lsst")
        .env("DISTRIB_BIN", env!("CARGO_BIN_EXE_distrib"))
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("== the lsst demo, working in "),
        "{stderr}"
    );
    let last: Vec<&str> = stderr.lines().rev().take(6).collect();
    assert!(stderr.contains("== done: what to try next\n"), "{stderr}");
    assert!(
        last.iter().any(|l| l.contains("distrib init DIR")),
        "{last:?}"
    );
    // Its temporary folder is gone.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn denied_warnings_say_why_the_run_failed_and_init_is_named_where_no_repository_is() {
    let dir = crate::support::project().join("tests/fixtures/invalid/dependency-alias");
    let run = crate::support::distrib_wide(&dir, &["check", "--deny-warnings"]);
    // Last, drawn as every error is.
    fails(
        &run,
        1,
        "1 warning in 1 file\nwarnings-denied\n\n  × 1 warning denied by --deny-warnings",
    );
    assert!(
        run.stderr.trim_end().ends_with(
            "help: fix them, or set their rules to `allow` under `rules:` in distrib.yaml"
        ),
        "{}",
        run.stderr
    );
    let run = crate::support::distrib_wide(&dir, &["check", "--deny-warnings", "--format", "json"]);
    assert_eq!(run.code, 1);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["summary"]["denied"], true, "{document}");
    assert_eq!(document["summary"]["errors"], 0);
    let run =
        crate::support::distrib_wide(&dir, &["check", "--deny-warnings", "--format", "github"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("::error title=warnings-denied::1 warning denied"),
        "{}",
        run.stdout
    );
    let run = crate::support::distrib_wide(&dir, &["check"]);
    ok(&run);
    assert!(!run.stderr.contains("denied"), "{}", run.stderr);
    let empty = tempfile::tempdir().unwrap();
    let run = crate::support::distrib_wide(empty.path(), &["check"]);
    fails(&run, 1, "`distrib init` starts a new one");
}
