//! What distrib prints under hostile conditions: write errors on stdout, a closed pipe,
//! control characters and markup in values, credentials in snippets and in the parse cache,
//! and diagnostics on lines too long to draw.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::fixture::{Fixture, append, commit_file, ok, write};
use crate::support::{Run, clean, distrib, distrib_with, git, project};

/// Runs distrib from `dir` with stdout sent to `stdout`.
fn distrib_into(dir: &Path, args: &[&str], stdout: impl Into<Stdio>) -> Run {
    let output = clean(Command::new(env!("CARGO_BIN_EXE_distrib")))
        .current_dir(dir)
        .args(args)
        .stdout(stdout)
        .output()
        .expect("the distrib binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Every command that prints data, as a locked fixture runs it.
fn printing_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["schema", "product"],
        vec!["man"],
        vec!["--help"],
        vec!["completions", "bash"],
        vec!["check", "--format", "json"],
        vec!["list"],
        vec!["graph", "w.2026.47"],
        vec!["plan", "w.2026.47", "--store", "store"],
        vec!["diff", "w.2026.47", "w.2026.47"],
        vec!["notes", "w.2026.47", "w.2026.47"],
        vec![
            "lock",
            "dist",
            "--kind",
            "weekly",
            "--date",
            "2026-11-19",
            "--offline",
            "--dry-run",
        ],
    ]
}

/// `args` with the fixture's mirrors for the commands that read them.
fn with_mirrors<'a>(f: &'a Fixture, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if ["check", "lock", "notes"].contains(&args[0]) {
        all.splice(1..1, ["--mirrors", f.mirrors.to_str().unwrap()]);
    }
    all
}

#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let Ok(_) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        crate::support::skipped("no /dev/full on this system", None);
        return;
    };
    let f = Fixture::locked();
    std::fs::create_dir_all(f.root.join("store")).unwrap();
    for args in printing_commands() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let all = with_mirrors(&f, &args);
        let run = distrib_into(&f.root, &all, full);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("cannot write to standard output: No space left on device"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn a_closed_pipe_on_stdout_stays_quiet() {
    let f = Fixture::locked();
    std::fs::create_dir_all(f.root.join("store")).unwrap();
    for args in printing_commands() {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader is gone before distrib writes anything: every write fails with EPIPE.
        drop(reader);
        let all = with_mirrors(&f, &args);
        let run = distrib_into(&f.root, &all, writer);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

/// A one-product manifest repository, with no repository of its own to fetch.
fn manifests(product: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("distrib.yaml"), "rules: {}\n");
    write(
        &dir.path().join("environments/ops.yaml"),
        "name: ops\npurpose: operations\npackages: {}\n",
    );
    write(
        &dir.path().join("distributions/d.yaml"),
        "name: d\nenvironment: ops\nproducts: [a]\n",
    );
    write(&dir.path().join("products/a.yaml"), product);
    dir
}

/// No byte of `text` is a control character a terminal acts on (but line feeds).
fn harmless(text: &str) -> bool {
    !text.chars().any(distrib::escape::is_unsafe)
}

#[test]
fn a_diagnostic_past_column_65535_is_drawn_cut_not_a_panic() {
    let long = format!(
        "name: a\ntype: internal\ndescription: {}: oops\n",
        "x".repeat(66_000)
    );
    let deep = format!(
        "name: a\ntype: internal\ndepends: {{{}nope: \"*\"}}\n",
        " ".repeat(66_000)
    );
    for (product, code, position) in [
        (&long, "yaml-syntax", "products/a.yaml:3:"),
        (&deep, "dependency-unknown", "products/a.yaml:3:66011"),
    ] {
        let dir = manifests(product);
        for args in [
            &["check"][..],
            &["lock", "d", "--kind", "weekly", "--date", "2026-12-03"],
        ] {
            let run = distrib(dir.path(), args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            assert!(run.stderr.contains(code), "{}", run.stderr);
            assert!(run.stderr.contains(position), "{}", run.stderr);
            assert!(run.stderr.contains('…'), "{}", run.stderr);
            assert!(
                run.stderr.lines().all(|line| line.chars().count() < 400),
                "the snippet is cut: {} bytes",
                run.stderr.len()
            );
        }
        let json = distrib(dir.path(), &["check", "--format", "json"]);
        let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(document["diagnostics"][0]["line"], 3);
    }
}

#[test]
fn control_characters_in_names_are_shown_escaped() {
    let dir = manifests("name: \"\\e]0;pwned\\a\\e[31mRED\\u202Eevil\"\ntype: internal\n");
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(harmless(&run.stderr), "{:?}", run.stderr);
    assert!(
        run.stderr
            .contains("invalid product name `\\u{1b}]0;pwned\\u{7}\\u{1b}[31mRED\\u{202e}evil`"),
        "{}",
        run.stderr
    );
    // The snippet too, and the GitHub annotations.
    assert!(run.stderr.contains("name: \"\\e]0;pwned"), "{}", run.stderr);
    let github = distrib(dir.path(), &["check", "--format", "github"]);
    assert!(harmless(&github.stdout), "{:?}", github.stdout);
    // JSON escapes them inside its strings: the same document, harmless when printed.
    let json = distrib(dir.path(), &["check", "--format", "json"]);
    assert!(harmless(&json.stdout), "{:?}", json.stdout);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let message = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "name-invalid")
        .and_then(|d| d["message"].as_str())
        .unwrap();
    assert!(
        message.contains("\u{1b}]0;pwned\u{7}\u{1b}[31mRED\u{202e}evil"),
        "{message}"
    );
    // A coloured run keeps its own colours and nothing else.
    let coloured = distrib(dir.path(), &["--color", "always", "check"]);
    assert!(coloured.stderr.contains("\u{1b}["), "coloured");
    assert!(
        !coloured.stderr.contains("\u{1b}]"),
        "{:?}",
        coloured.stderr
    );
    assert!(
        !coloured.stderr.contains('\u{202e}'),
        "{:?}",
        coloured.stderr
    );
    // A value on the command line.
    let dir = manifests("name: a\ntype: internal\n");
    let run = distrib(
        dir.path(),
        &[
            "lock",
            "d",
            "--kind",
            "weekly",
            "--platform",
            "\u{1b}]0;x\u{7}",
            "--offline",
        ],
    );
    assert!(harmless(&run.stderr), "{:?}", run.stderr);
}

#[test]
fn binary_bytes_of_a_lockfile_are_not_drawn_raw() {
    let dir = manifests("name: a\ntype: internal\n");
    write(
        &dir.path().join("locks/d/w.1.lock.yaml"),
        "# This file is @generated by distrib. Do not edit.\nversion: 1\n\u{1b}]52;c;ZXZpbA==\u{7}: x\n",
    );
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(harmless(&run.stderr), "{:?}", run.stderr);
}

#[test]
fn credentials_in_urls_are_hidden_in_snippets() {
    let product = "name: a\ntype: internal\nrepositories:\n  - url: https://ci:SECRETTOKEN@example.org/a\n    ref: main\n";
    let dir = manifests(product);
    write(
        &dir.path().join("products/b.yaml"),
        &product.replace("name: a", "name: b"),
    );
    let run = distrib(dir.path(), &["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("repository-shared"), "{}", run.stderr);
    assert!(!run.stderr.contains("SECRETTOKEN"), "{}", run.stderr);
    assert!(
        run.stderr.contains("https://***@example.org/a"),
        "{}",
        run.stderr
    );
    // The label still underlines the whole URL as shown.
    let url_line = run.stderr.lines().position(|l| l.contains("***@")).unwrap();
    let underline = run.stderr.lines().nth(url_line + 1).unwrap();
    assert_eq!(
        underline.matches(['─', '┬']).count(),
        "https://***@example.org/a".len(),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn the_parse_cache_is_private_and_keeps_no_credential() {
    use std::os::unix::fs::PermissionsExt;
    let dir = manifests(
        "name: a\ntype: internal\nrepositories:\n  - url: https://ci:SECRETTOKEN@example.org/a\n    ref: main\n",
    );
    write(
        &dir.path().join("products/b.yaml"),
        "name: b\ntype: internal\nrepositories:\n  - url: https://example.org/b\n",
    );
    let cache = tempfile::tempdir().unwrap();
    // A permissive umask: the cache must not follow it.
    let run = clean(Command::new("sh"))
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path())
        .args([
            "-c",
            "umask 000 && exec \"$0\" check",
            env!("CARGO_BIN_EXE_distrib"),
        ])
        .output()
        .unwrap();
    // The password is refused (`url-credentials`), but the files still parsed: the cache is
    // written, and must not hold it.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("url-credentials"), "{stderr}");
    assert!(!stderr.contains("SECRETTOKEN"), "{stderr}");
    let folder = cache.path().join("distrib/parsed");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!text.contains("SECRETTOKEN"), "{text}");
    assert!(
        text.contains("example.org/b"),
        "the other files are kept: {text}"
    );
    // The product with a credential is parsed again, and still checked the same.
    let again = distrib_with(
        dir.path(),
        &["check", "--format", "json"],
        &[("XDG_CACHE_HOME", cache.path().as_os_str())],
    );
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stdout.contains("url-credentials"), "{}", again.stdout);
}

/// A fixture locked as `w.2026.47`, then `app` tagged `tag` one commit later and locked as
/// `w.2026.48`, with `subject` as a commit's message.
fn tagged(tag: &str, subject: &str) -> Fixture {
    let f = Fixture::locked();
    let app = f.repo("app");
    commit_file(&app, "src/x", "x", "two");
    git(&app, &["tag", tag]);
    let message = f.root.join("../message");
    std::fs::write(&message, subject).unwrap();
    write(&app.join("src/y"), "y");
    git(&app, &["add", "-A"]);
    git(&app, &["commit", "-q", "-F", message.to_str().unwrap()]);
    f.fetch();
    ok(&f.lock("dist", "weekly").date("2026-11-26").offline().run());
    f
}

/// The cells of a Markdown table row, split at pipes that are not escaped.
fn cells(row: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

#[test]
fn tag_names_and_commit_subjects_cannot_inject_markup() {
    let f = tagged(
        "x|<svg/onload=alert(1)>|y",
        "\u{1b}]0;pwned\u{7}<img src=x onerror=alert(1)> | DM-1 [x](javascript:alert(1))",
    );
    write(
        &f.root.join("notes/dist/w.2026.48.md"),
        "A *narrative* \u{1b}]52;c;eA==\u{7}in Markdown.\n",
    );
    let markdown = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    ok(&markdown);
    let note = &markdown.stdout;
    assert!(
        note.contains("A *narrative* \\u{1b}]52;c;eA==\\u{7}in Markdown."),
        "{note}"
    );
    assert!(
        note.match_indices('<')
            .all(|(at, _)| note[..at].ends_with('\\')),
        "{note}"
    );
    assert!(harmless(note), "{note:?}");
    assert!(note.contains("x\\|\\<svg/onload=alert(1)\\>\\|y"), "{note}");
    for row in note.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(cells(row), 6, "{row}");
    }
    let html = f.run(&["notes", "w.2026.47", "w.2026.48", "--format", "html"]);
    ok(&html);
    assert!(!html.stdout.contains("<svg") && !html.stdout.contains("<img"));
    assert!(html.stdout.contains("x|&lt;svg/onload=alert(1)&gt;|y"));
    assert!(harmless(&html.stdout), "{:?}", html.stdout);
    let diff = f.distrib(&["diff", "w.2026.47", "w.2026.48", "--format", "markdown"]);
    ok(&diff);
    for row in diff.stdout.lines().filter(|l| l.starts_with('|')) {
        let columns = diff
            .stdout
            .lines()
            .find(|l| l.starts_with("| product"))
            .map_or(0, cells);
        assert_eq!(cells(row), columns, "{row}");
    }
    let human = f.distrib(&["diff", "w.2026.47", "w.2026.48"]);
    assert!(harmless(&human.stdout), "{:?}", human.stdout);
}

#[test]
fn a_huge_commit_subject_is_cut() {
    let f = tagged("2.0.0", &format!("{}\n\nbody", "s".repeat(20_000_000)));
    let run = f.run(&["notes", "w.2026.47", "w.2026.48", "--format", "json"]);
    ok(&run);
    assert!(run.stdout.len() < 100_000, "{} bytes", run.stdout.len());
    let note: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let subjects: Vec<&str> = note["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["repositories"].as_array().unwrap())
        .flat_map(|r| r["commits"].as_array().unwrap())
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    let long = subjects.iter().find(|s| s.starts_with("sss")).unwrap();
    assert_eq!(long.chars().count(), 200);
    assert!(long.ends_with('…'));
    let markdown = f.run(&["notes", "w.2026.47", "w.2026.48"]);
    assert!(markdown.stdout.len() < 100_000);
}

/// The one document a failed command prints with `--format json`.
fn error_document(run: &Run) -> serde_json::Value {
    let document: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: not one JSON document: {}", run.stdout));
    assert_eq!(document["format"], "distrib-error/1", "{document}");
    // The committed schema, which `committed_document_schemas_are_current` holds to the type.
    let schema = project().join("schema/output/distrib-error-1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}: {document}");
    let diagnostics = document["diagnostics"].as_array().expect("an array");
    assert!(!diagnostics.is_empty(), "{document}");
    for diagnostic in diagnostics {
        let keys: Vec<&str> = diagnostic
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "code", "severity", "message", "help", "file", "line", "column",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected, "{diagnostic}");
        assert!(
            ["error", "warning", "note"].contains(&diagnostic["severity"].as_str().unwrap()),
            "{diagnostic}"
        );
    }
    document
}

#[test]
fn a_fatal_error_is_written_in_the_format_the_command_was_asked_for() {
    let empty = tempfile::tempdir().unwrap();
    for command in [
        &["check"][..],
        &["list"],
        &["lock", "dist", "--kind", "weekly"],
        &["graph", "w.2026.47"],
    ] {
        // People's format: drawn on stderr, nothing on stdout.
        let run = distrib(empty.path(), command);
        assert_eq!(run.code, 1, "{command:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{command:?}");
        assert!(
            run.stderr.starts_with("no-manifest-repository\n\n  × "),
            "{command:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.matches("× ").count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("\n  help: "), "{}", run.stderr);

        // JSON: one document on stdout, nothing on stderr.
        let run = distrib(empty.path(), &[command, &["--format", "json"]].concat());
        assert_eq!(run.code, 1, "{command:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{command:?}");
        let document = error_document(&run);
        let [diagnostic] = document["diagnostics"].as_array().unwrap().as_slice() else {
            panic!("{document}")
        };
        assert_eq!(diagnostic["code"], "no-manifest-repository");
        assert_eq!(diagnostic["severity"], "error");
        assert!(
            diagnostic["message"]
                .as_str()
                .unwrap()
                .contains("no `distrib.yaml` is in `")
                || diagnostic["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("no `distrib.yaml` in `"),
            "{diagnostic}"
        );
        assert!(diagnostic["help"].as_str().unwrap().contains("-C <DIR>"));
        assert!(diagnostic["file"].is_null() && diagnostic["line"].is_null());
    }

    // GitHub: an annotation titled with the code, the help in its message.
    let run = distrib(empty.path(), &["check", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let [line] = lines.as_slice() else {
        panic!("{}", run.stdout)
    };
    assert!(
        line.starts_with("::error title=no-manifest-repository::no `distrib.yaml` in `"),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: run distrib inside"), "{line}");
}

#[test]
fn manifests_a_command_refuses_are_reported_in_its_format() {
    let f = Fixture::locked();
    let app = f.root.join("products/app.yaml");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("name: app", "name: app\nflavour: sour")).unwrap();
    for command in [
        &["lock", "dist", "--kind", "weekly", "--offline"][..],
        &["fetch"],
        &["verify", "w.2026.47"],
    ] {
        // People's format: the problems as `check` draws them, then what to do.
        let run = distrib(&f.root, command);
        assert_eq!(run.code, 1, "{command:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{command:?}");
        assert!(run.stderr.contains("unknown-field"), "{}", run.stderr);
        assert!(
            run.stderr.contains("fix these problems first"),
            "{}",
            run.stderr
        );

        // JSON: one error document, the refusal first, then every problem where it is.
        let run = distrib(&f.root, &[command, &["--format", "json"]].concat());
        assert_eq!(run.code, 1, "{command:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{command:?}");
        let document = error_document(&run);
        let diagnostics = document["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics[0]["code"], "manifests-invalid", "{document}");
        assert!(
            diagnostics[0]["help"]
                .as_str()
                .unwrap()
                .contains("distrib check")
        );
        let problem = &diagnostics[1];
        assert_eq!(problem["code"], "unknown-field", "{document}");
        assert_eq!(problem["file"], "products/app.yaml");
        assert_eq!(problem["line"], 2);
    }
}

#[test]
fn the_kind_of_an_error_decides_the_exit_code_in_every_format() {
    let f = Fixture::locked();
    std::fs::create_dir_all(f.root.join("store")).unwrap();
    let missing = f.root.join("no-such-folder");
    let missing = missing.to_str().unwrap();
    // (arguments, exit code, code): the input is wrong (1), the command line is wrong (2).
    let deploy = ["deploy", "add", "nowhere", "w.2026.47", "--support", "test"];
    let run = distrib(&f.root, &deploy);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("deployment-unknown\n\n  × unknown deployment `nowhere`"),
        "{}",
        run.stderr
    );
    let cases: [(&[&str], i32, &str); 4] = [
        (&["diff", "w.2000.01", "w.2026.47"], 1, "release-unknown"),
        (
            &["plan", "w.2026.47", "--store", "absent"],
            1,
            "store-missing",
        ),
        (&["-C", missing, "list"], 2, "directory-invalid"),
        (&["-C", missing, "check"], 2, "directory-invalid"),
    ];
    for (args, exit, code) in cases {
        let run = distrib(&f.root, args);
        assert_eq!(run.code, exit, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("{code}\n\n  × ")),
            "{args:?}: {}",
            run.stderr
        );
        let run = distrib(&f.root, &[args, &["--format", "json"]].concat());
        assert_eq!(run.code, exit, "{args:?}: {}", run.stderr);
        assert_eq!(error_document(&run)["diagnostics"][0]["code"], code);
    }
    // Data the command printed is not mixed with an error document: a valid run prints its
    // own document only.
    let run = distrib(&f.root, &["list", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("distrib-error/1"), "{}", run.stdout);
}

#[test]
fn a_refused_deployment_edit_says_its_reason_once() {
    let f = Fixture::locked();
    write(
        &f.root.join("deployments/site.yaml"),
        "name: site\ndistribution: dist\ninstalled:\n  - { release: w.2026.47, support: official }\ndefault: w.2026.47\n",
    );
    let run = f.distrib(&["deploy", "remove", "site", "w.2026.47"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let reason = "`w.2026.47` is the default: choose another default before removing it";
    assert_eq!(run.stderr.matches(reason).count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("deploy-refused\n\n  × cannot change `deployments/site.yaml`: "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_warning_is_drawn_like_an_error_with_its_code() {
    let f = Fixture::new();
    git(&f.repo("utils"), &["tag", "1.5.0"]);
    f.fetch();
    let app = f.root.join("products/app.yaml");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("utils: \"*\"", "utils: \">=2\"")).unwrap();
    let lock = f.lock("dist", "manual").offline().dry_run();
    let denied = lock.run();
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    let config = f.root.join("distrib.yaml");
    append(&config, "rules:\n  requirement-unsatisfied: warn\n");
    let warned = lock.run();
    assert_eq!(warned.code, 0, "{}", warned.stderr);
    let message = "`app` requires `utils` `>=2`, and `utils` resolved to `1.5.0`";
    for (run, mark) in [(&denied, "×"), (&warned, "⚠")] {
        assert!(
            run.stderr
                .contains(&format!("requirement-unsatisfied\n\n  {mark} {message}")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("  help: tag a release of `utils`"),
            "{}",
            run.stderr
        );
    }
    assert!(!warned.stderr.contains("warning: "), "{}", warned.stderr);
}

#[test]
fn a_command_line_that_cannot_be_parsed_is_a_usage_error_in_the_format_asked_for() {
    let empty = tempfile::tempdir().unwrap();
    let run = distrib(empty.path(), &["list", "--format", "json", "--bogus"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let document = error_document(&run);
    assert_eq!(document["diagnostics"][0]["code"], "argument-invalid");
    assert_eq!(
        document["diagnostics"][0]["message"],
        "unexpected argument `--bogus` found"
    );
    let run = distrib(empty.path(), &["diff", "--format=json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let document = error_document(&run);
    let message = document["diagnostics"][0]["message"].as_str().unwrap();
    // The missing arguments are named in the message, not on lines of their own.
    assert!(
        message.starts_with("the following required arguments were not provided: <"),
        "{message}"
    );
    let run = distrib(
        empty.path(),
        &["check", "--format", "github", "--formt", "x"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "::error title=argument-invalid::unexpected argument `--formt` found%0Ahelp: a similar argument exists: `--format`\n"
    );
    // People get clap's message, with its usage line.
    let run = distrib(empty.path(), &["check", "--formt", "x"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("Usage: distrib check"),
        "{}",
        run.stderr
    );
}

/// Errors that used to borrow a rule's code now have their own, and the rule codes keep their
/// meaning.
#[test]
fn an_operation_error_does_not_borrow_a_rule_code() {
    let f = Fixture::locked();
    let lock = f.lock("dist", "manual").offline().dry_run();
    for (extra, code, rule) in [
        (
            &["--set", "nothing=main"][..],
            "set-product-invalid",
            "product-unknown",
        ),
        (
            &["--platform", "a b"],
            "platform-unsupported",
            "platform-invalid",
        ),
    ] {
        let run = lock.clone().args(extra).run();
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("{code}\n")),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains(rule), "{}", run.stderr);
    }
    let run = f.lock("nowhere", "manual").offline().run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("distribution-not-found\n\n  × unknown distribution `nowhere`"),
        "{}",
        run.stderr
    );
}
