//! `diff`, `graph` and `plan` on locks made by `distrib lock` from real git repositories built
//! in temp dirs: what is rebuilt and why, what is reused, the graph's renderings, the plan
//! against a store, and the errors on bad input.

use std::path::PathBuf;

use crate::support::fixture::{fails, ok, product_in, write};
use crate::support::{CommandLine, Run, distrib_wide, git};
use serde_json::Value;

/// A manifest repository whose products live in local upstream repositories: `base` (pinned to
/// tag 1.0.0), `utils` -> base with a recipe and the build tool `cmake`, `app` -> utils, and
/// `other`; distributions `dist` (app, other) and `solo` (other).
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    upstream: PathBuf,
    mirrors: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("manifests");
        let upstream = dir.path().join("upstream");
        let mirrors = dir.path().join("mirrors");
        let f = Self {
            _dir: dir,
            root,
            upstream,
            mirrors,
        };
        for name in ["base", "utils", "app", "other", "cmake"] {
            f.repository(name);
        }
        git(&f.repo("base"), &["tag", "-a", "-m", "release", "1.0.0"]);
        write(
            &f.root.join("distrib.yaml"),
            &format!(
                "rewrite:\n  \"https://example.org/\": \"file://{}/example.org/\"\n",
                f.upstream.display()
            ),
        );
        f.environment("3.12.7");
        f.product("base", "tag: 1.0.0\n");
        f.product(
            "utils",
            "depends: { base: \">=1\" }\nbuild_depends: { cmake: \"*\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
        );
        f.product("app", "depends: { utils: \"*\" }\n");
        f.product("other", "");
        f.product("cmake", "type: build-tool\n");
        f.distribution("dist", "[app, other]");
        f.distribution("solo", "[other]");
        f
    }

    fn repository(&self, name: &str) {
        let repo = self.repo(name);
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        self.commit(name, &format!("{name} 1"));
    }

    fn repo(&self, name: &str) -> PathBuf {
        self.upstream.join("example.org/sw").join(name)
    }

    /// Commits new content in a product's repository.
    fn commit(&self, name: &str, text: &str) {
        let repo = self.repo(name);
        write(&repo.join("src/README"), text);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", text]);
    }

    fn product(&self, name: &str, extra: &str) {
        write(
            &self.root.join(format!("products/{name}.yaml")),
            &format!(
                "name: {name}\nrepositories:\n  - url: https://example.org/sw/{name}\n    ref: main\n{extra}"
            ),
        );
    }

    fn environment(&self, python: &str) {
        write(
            &self.root.join("environments/ops.yaml"),
            &format!("name: ops\npurpose: operations\npackages: {{ python: \"{python}\" }}\n"),
        );
    }

    fn distribution(&self, name: &str, products: &str) {
        write(
            &self.root.join(format!("distributions/{name}.yaml")),
            &format!(
                "name: {name}\nenvironment: ops\nproducts: {products}\nplatform: linux-x86_64\n"
            ),
        );
    }

    /// Locks `distribution` as the nightly of `date` (`d.<date with dots>`), fetching first.
    fn lock(&self, distribution: &str, date: &str) -> String {
        let words = ["lock", distribution, "--kind", "nightly"];
        let lock = CommandLine::new(|args| self.run(args), &words);
        ok(&lock.date(date).mirrors(&self.mirrors).run());
        format!("d.{}", date.replace('-', "."))
    }

    fn run(&self, args: &[&str]) -> Run {
        distrib_wide(&self.root, args)
    }

    /// The document a command prints, checked against its committed schema.
    fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args);
        ok(&run);
        crate::json::valid(&run.stdout)
    }

    fn lock_path(&self, distribution: &str, release: &str) -> PathBuf {
        self.root
            .join(format!("locks/{distribution}/{release}.lock.yaml"))
    }
}

/// `product -> (status, reason kinds)` from a JSON diff; status in the terminal's words.
fn statuses(diff: &Value) -> Vec<(String, String, Vec<String>)> {
    diff["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let reasons = p["reasons"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|r| r["kind"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (
                p["product"].as_str().unwrap().to_owned(),
                status(p).to_owned(),
                reasons,
            )
        })
        .collect()
}

fn product<'a>(diff: &'a Value, name: &str) -> &'a Value {
    crate::support::item_where(&diff["products"], "product", name)
}

/// A product of a JSON diff as the terminal names its case: `rebuild`, `added`, `reuse` or
/// `removed`.
fn status(product: &Value) -> &'static str {
    match (
        product["change"].as_str().unwrap(),
        product["rebuild"] == true,
    ) {
        ("added", _) => "added",
        ("removed", _) => "removed",
        (_, true) => "rebuild",
        _ => "reuse",
    }
}

fn reuse(name: &str) -> (String, String, Vec<String>) {
    (name.to_owned(), "reuse".to_owned(), vec![])
}

#[test]
fn rebuild_and_reuse() {
    let f = Fixture::new();
    let first = f.lock("dist", "2026-11-01");

    // (a) The same trees under new tags: base re-pinned to a tag of the same commit, app at a
    // new (empty) commit with a tag. Nothing to rebuild.
    git(&f.repo("base"), &["tag", "1.0.1"]);
    f.product("base", "tag: 1.0.1\n");
    git(
        &f.repo("app"),
        &["commit", "-q", "--allow-empty", "-m", "empty"],
    );
    git(&f.repo("app"), &["tag", "2.0.0"]);
    let tagged = f.lock("dist", "2026-11-02");
    let diff = f.json(&["diff", &first, &tagged, "--format", "json"]);
    assert_eq!(diff["format"], "distrib-diff/1");
    assert_eq!(diff["before"]["release"], first.as_str());
    assert_eq!(
        diff["after"]["lock"],
        format!("locks/dist/{tagged}.lock.yaml")
    );
    assert_eq!(diff["summary"]["rebuild"], 0, "{diff:#}");
    assert_eq!(diff["summary"]["reuse"], 5);
    assert_eq!(diff["summary"]["changed"], 2);
    assert_eq!(diff["summary"]["unchanged"], 3);
    let base = product(&diff, "base");
    assert_eq!(
        (&base["change"], &base["rebuild"]),
        (&"changed".into(), &false.into())
    );
    assert_eq!(base["before"]["version"], "1.0.0");
    assert_eq!(base["after"]["version"], "1.0.1");
    assert_eq!(
        base["before"]["repositories"][0]["commit"],
        base["after"]["repositories"][0]["commit"]
    );
    let app = product(&diff, "app");
    assert_eq!(
        (&app["change"], &app["rebuild"]),
        (&"changed".into(), &false.into())
    );
    assert_ne!(
        app["before"]["repositories"][0]["commit"],
        app["after"]["repositories"][0]["commit"]
    );
    assert_eq!(
        app["before"]["repositories"][0]["tree"],
        app["after"]["repositories"][0]["tree"]
    );
    assert_eq!(app["before"]["identity"], app["after"]["identity"]);
    let human = f.run(&["diff", &first, &tagged]);
    ok(&human);
    let line = |name: &str| {
        human
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no `{name}` in:\n{}", human.stdout))
            .to_owned()
    };
    assert!(
        line("base").contains(" reuse   1.0.0 -> 1.0.1 "),
        "{}",
        human.stdout
    );
    assert!(line("base").ends_with("new version, same commit"));
    assert!(line("app").ends_with("new commit, same tree"));
    assert!(
        human.stdout.ends_with(
            "\n0 to rebuild, 0 added, 5 reused (2 at a new commit or version), 0 removed\n"
        ),
        "{}",
        human.stdout
    );

    // (b) A change in utils: utils and its dependent app are rebuilt, nobody else.
    f.commit("utils", "utils 2");
    let changed = f.lock("dist", "2026-11-03");
    let diff = f.json(&["diff", &tagged, &changed, "--format", "json"]);
    assert_eq!(
        statuses(&diff),
        [
            ("app".into(), "rebuild".into(), vec!["dependencies".into()]),
            reuse("base"),
            reuse("cmake"),
            reuse("other"),
            ("utils".into(), "rebuild".into(), vec!["source".into()]),
        ]
    );
    assert_eq!(
        product(&diff, "app")["reasons"][0]["changed"],
        serde_json::json!(["utils"])
    );
    assert_eq!(
        product(&diff, "utils")["reasons"][0]["repositories"],
        serde_json::json!(["https://example.org/sw/utils"])
    );
    let human = f.run(&["diff", &tagged, &changed]);
    ok(&human);
    let rows: Vec<&str> = human.stdout.lines().skip(3).take(3).collect();
    assert!(rows[0].starts_with("product  status"), "{}", human.stdout);
    assert!(rows[1].starts_with("app      rebuild") && rows[1].ends_with("dependency utils"));
    assert!(rows[2].starts_with("utils    rebuild") && rows[2].ends_with("own source"));

    // (c) The keys of utils' recipe reordered: the canonical recipe, so every identity, stays.
    let utils = f.root.join("products/utils.yaml");
    let text = std::fs::read_to_string(&utils).unwrap();
    let reordered = text.replace(
        "build: { script: make, env: { CC: gcc, OPT: -O2 } }",
        "build:\n  env: { OPT: -O2, CC: gcc }\n  script: make\n",
    );
    assert_ne!(text, reordered);
    std::fs::write(&utils, reordered).unwrap();
    let recipe = f.lock("dist", "2026-11-04");
    let diff = f.json(&["diff", &changed, &recipe, "--format", "json"]);
    assert_eq!(
        statuses(&diff),
        ["app", "base", "cmake", "other", "utils"].map(reuse)
    );
    let human = f.run(&["diff", &changed, &recipe]);
    ok(&human);
    assert!(
        human.stdout.contains("\nno product changed\n"),
        "{}",
        human.stdout
    );

    // (d) Another environment: every product is rebuilt, for that reason alone.
    f.environment("3.12.8");
    let environment = f.lock("dist", "2026-11-05");
    let diff = f.json(&["diff", &recipe, &environment, "--format", "json"]);
    let rebuild = |name: &str| {
        (
            name.to_owned(),
            "rebuild".to_owned(),
            vec!["environment".to_owned()],
        )
    };
    assert_eq!(
        statuses(&diff),
        ["app", "base", "cmake", "other", "utils"].map(rebuild)
    );
    assert_eq!(diff["environment"]["change"], "changed");
    assert_eq!(
        diff["environment"]["packages"],
        serde_json::json!([{ "package": "python", "change": "changed", "before": "3.12.7", "after": "3.12.8" }])
    );
    let human = f.run(&["diff", &recipe, &environment]);
    ok(&human);
    let environment_line = human.stdout.lines().nth(1).unwrap();
    assert!(
        environment_line.starts_with("environment ops: ")
            && environment_line.ends_with("(python 3.12.7 -> 3.12.8); platform linux-x86_64"),
        "{}",
        human.stdout
    );

    // The same lock on both sides, named three ways.
    let path = f.lock_path("dist", &first);
    let diff = f.json(&[
        "diff",
        &format!("dist/{first}"),
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(diff["summary"]["changed"], 0);
    assert_eq!(diff["summary"]["reuse"], 5);
    assert_eq!(diff["before"]["lock"], diff["after"]["lock"]);
    assert_eq!(
        diff["after"]["lock"],
        format!("locks/dist/{first}.lock.yaml")
    );
}

/// Added, removed, rebuilt and moved products at once, as a Markdown section.
#[test]
fn markdown_diff() {
    let f = Fixture::new();
    let first = f.lock("dist", "2026-11-01");
    f.commit("utils", "utils 2");
    git(&f.repo("base"), &["tag", "1.0.1"]);
    f.product("base", "tag: 1.0.1\n");
    f.repository("extra");
    f.product("extra", "");
    f.distribution("dist", "[app, extra]");
    let second = f.lock("dist", "2026-11-02");
    let run = f.run(&["diff", &first, &second, "--format", "markdown"]);
    ok(&run);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn graph_formats_and_since() {
    let f = Fixture::new();
    let first = f.lock("dist", "2026-11-01");
    f.commit("base", "base 2");
    f.product("base", "");
    let second = f.lock("dist", "2026-11-02");

    // A distribution means its newest lock.
    let dot = f.run(&["graph", "dist"]);
    ok(&dot);
    insta::assert_snapshot!("graph_dot", dot.stdout);
    assert!(
        dot.stdout
            .contains("\"utils\" -> \"cmake\" [style=dashed];\n")
    );
    assert!(dot.stdout.contains("\"app\" -> \"utils\";\n"));
    assert_eq!(f.run(&["graph", &second]).stdout, dot.stdout);

    let mermaid = f.run(&["graph", "dist", "--format", "mermaid"]);
    ok(&mermaid);
    insta::assert_snapshot!("graph_mermaid", mermaid.stdout);
    assert!(mermaid.stdout.contains("  p_utils -.-> p_cmake\n"));

    // base changed since the first lock: base and everything above it are marked.
    let since = f.run(&["graph", "dist", "--since", &first, "--format", "mermaid"]);
    ok(&since);
    assert!(
        since
            .stdout
            .contains("  class p_app,p_base,p_utils rebuild\n"),
        "{}",
        since.stdout
    );
    let since = f.run(&["graph", "dist", "--since", &first]);
    ok(&since);
    for (name, marked) in [
        ("app", true),
        ("base", true),
        ("utils", true),
        ("cmake", false),
        ("other", false),
    ] {
        let line = since
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("  \"{name}\" [label=")))
            .unwrap();
        assert_eq!(line.contains("class=\"rebuild\""), marked, "{line}");
    }

    let graph = f.json(&["graph", &second, "--since", &first, "--format", "json"]);
    assert_eq!(graph["format"], "distrib-graph/1");
    assert_eq!(graph["distribution"], "dist");
    assert_eq!(graph["release"], second.as_str());
    assert_eq!(graph["kind"], "nightly");
    assert_eq!(graph["since"]["release"], first.as_str());
    let nodes: Vec<(&str, bool)> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["product"].as_str().unwrap(),
                n["rebuild"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [
            ("app", true),
            ("base", true),
            ("cmake", false),
            ("other", false),
            ("utils", true)
        ]
    );
    assert_eq!(
        graph["edges"],
        serde_json::json!([
            { "product": "app", "dependency": "utils", "kind": "depends" },
            { "product": "utils", "dependency": "base", "kind": "depends" },
            { "product": "utils", "dependency": "cmake", "kind": "build-depends" },
        ])
    );
    let plain = f.json(&["graph", &second, "--format", "json"]);
    assert!(plain["since"].is_null() && plain["nodes"][0]["rebuild"].is_null());
    assert!(plain["nodes"][0]["change"].is_null());
}

#[test]
fn plan_against_a_store() {
    let f = Fixture::new();
    let release = f.lock("dist", "2026-11-01");
    let store = tempfile::tempdir().unwrap();
    let lock =
        distrib::lock::parse(&std::fs::read_to_string(f.lock_path("dist", &release)).unwrap())
            .unwrap();
    let identity = |name: &str| {
        product_in(&lock, name)
            .identity
            .strip_prefix("sha256:")
            .unwrap()
            .to_owned()
    };
    // base and other are in the store; a file where a folder belongs does not count.
    for name in ["base", "other"] {
        let hex = identity(name);
        std::fs::create_dir_all(store.path().join(&hex[..2]).join(&hex)).unwrap();
    }
    let hex = identity("app");
    write(&store.path().join(&hex[..2]).join(&hex), "not a folder");

    let store_arg = store.path().to_str().unwrap();
    let plan = f.json(&["plan", "dist", "--store", store_arg, "--format", "json"]);
    let steps: Vec<(u64, &str, &str)> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["order"].as_u64().unwrap(),
                s["product"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (1, "base", "present"),
            (2, "cmake", "build"),
            (3, "other", "present"),
            (4, "utils", "build"),
            (5, "app", "build"),
        ]
    );
    assert_eq!(plan["format"], "distrib-plan/1");
    assert_eq!(plan["release"], release.as_str());
    assert_eq!(
        plan["summary"],
        serde_json::json!({ "products": 5, "build": 3, "present": 2 })
    );
    let utils = &plan["steps"][3];
    let hex = identity("utils");
    assert_eq!(utils["path"], format!("{}/{hex}", &hex[..2]));
    assert_eq!(utils["identity"], format!("sha256:{hex}"));
    assert_eq!(utils["depends"], serde_json::json!(["base", "cmake"]));
    assert_eq!(plan["store"], store_arg);

    let human = f.run(&["plan", &release, "--store", store_arg]);
    ok(&human);
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("dist: {release} (b1) against `{store_arg}`: 3 to build, 2 present")
    );
    assert!(
        lines[2].starts_with("order  product  version   status   folder"),
        "{}",
        human.stdout
    );
    assert!(
        lines[3].starts_with("1      base     1.0.0     present  "),
        "{}",
        human.stdout
    );
    assert!(
        lines[7].starts_with("5      app") && lines[7].contains(" build "),
        "{}",
        human.stdout
    );
    assert!(lines[7].ends_with(&format!("{}/{}", &identity("app")[..2], identity("app"))));

    // The store can come from the environment, as in a CI job.
    let run = crate::support::distrib_with(
        &f.root,
        &["plan", "dist", "--format", "json"],
        &[("DISTRIB_STORE", store.path().as_os_str())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = crate::json::valid(&run.stdout);
    assert_eq!(document["summary"]["build"], 3);

    fails(
        &f.run(&["plan", "nope", "--store", store_arg]),
        1,
        "no lock of release or distribution `nope`",
    );
    let edited = f.root.join("edited.lock.yaml");
    let text = std::fs::read_to_string(f.lock_path("dist", &release)).unwrap();
    std::fs::write(&edited, text.replacen("build: 1", "build: 7", 1)).unwrap();
    fails(
        &f.run(&["plan", "edited.lock.yaml", "--store", store_arg]),
        1,
        "the file was edited by hand",
    );
    let missing = store.path().join("nowhere");
    fails(
        &f.run(&["plan", "dist", "--store", missing.to_str().unwrap()]),
        1,
        "is not a folder",
    );
    fails(&f.run(&["plan", "dist"]), 2, "--store");
}

#[test]
fn bad_input() {
    let f = Fixture::new();
    let weekly = f.lock("dist", "2026-11-01");
    f.lock("solo", "2026-11-01");

    // A lock copied under another name is not taken for the release its path names.
    std::fs::copy(
        f.lock_path("dist", &weekly),
        f.lock_path("dist", "d.2026.10.01"),
    )
    .unwrap();
    let run = f.run(&["diff", "dist/d.2026.10.01", &weekly]);
    fails(
        &run,
        1,
        "holds release `d.2026.11.01` of `dist`, not the lock its path names",
    );
    std::fs::remove_file(f.lock_path("dist", "d.2026.10.01")).unwrap();

    // Unknown names, with the closest one suggested.
    let run = f.run(&["diff", "d.2026.11.10", &weekly]);
    fails(&run, 1, "no lock of release `d.2026.11.10` under `locks/`");
    fails(&run, 1, "did you mean `d.2026.11.01`?");
    fails(
        &f.run(&["diff", "dist/w.1", &weekly]),
        1,
        "no lock of release `dist/w.1`",
    );
    fails(
        &f.run(&["graph", "nothing"]),
        1,
        "no lock of release or distribution `nothing`",
    );
    fails(
        &f.run(&["graph", "dist", "--since", "nope"]),
        1,
        "no lock of release `nope`",
    );

    // One name, two distributions: ambiguous alone, resolved by the other side or DIST/RELEASE.
    fails(
        &f.run(&["graph", &weekly]),
        1,
        "`d.2026.11.01` names more than one lock: `dist/d.2026.11.01`, `solo/d.2026.11.01`",
    );
    fails(
        &f.run(&["diff", &weekly, &weekly]),
        1,
        "names more than one lock",
    );
    let diff = f.json(&["diff", &weekly, "solo/d.2026.11.01", "--format", "json"]);
    assert_eq!(diff["before"]["distribution"], "solo");
    assert_eq!(diff["summary"]["reuse"], 1);
    let diff = f.json(&["diff", "dist/d.2026.11.01", &weekly, "--format", "json"]);
    assert_eq!(diff["summary"]["rebuild"], 0);
    assert_eq!(diff["after"]["distribution"], "dist");
    let graph = f.json(&["graph", "solo", "--since", &weekly, "--format", "json"]);
    assert_eq!(graph["since"]["release"], weekly.as_str());

    // A lock edited by hand, by path: refused, naming the file and the fix.
    let path = f.lock_path("dist", &weekly);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = f.root.join("edited.lock.yaml");
    std::fs::write(&edited, text.replacen("build: 1", "build: 7", 1)).unwrap();
    let run = f.run(&["diff", "edited.lock.yaml", "dist/d.2026.11.01"]);
    fails(
        &run,
        1,
        "cannot use `edited.lock.yaml`: the file was edited by hand",
    );
    fails(
        &run,
        1,
        "restore it from git, or write it again with `distrib lock`",
    );
    fails(&run, 1, "lock-invalid");
    std::fs::write(&edited, &text[..text.len() / 2]).unwrap();
    fails(
        &f.run(&["diff", "dist/d.2026.11.01", "edited.lock.yaml"]),
        1,
        "truncated",
    );
    std::fs::write(&edited, "").unwrap();
    fails(
        &f.run(&["graph", "./edited.lock.yaml"]),
        1,
        "cannot use `edited.lock.yaml`",
    );

    // A corrupt lock in the history, found by its release name.
    std::fs::write(&path, text.replacen("build: 1", "build: 7", 1)).unwrap();
    fails(
        &f.run(&["graph", "dist"]),
        1,
        "cannot use `locks/dist/d.2026.11.01.lock.yaml`: the file was edited by hand",
    );
    std::fs::write(&path, &text).unwrap();

    // Paths that lead nowhere, or to a folder.
    fails(
        &f.run(&["diff", "missing.lock.yaml", "dist/d.2026.11.01"]),
        1,
        "cannot read `missing.lock.yaml`",
    );
    fails(&f.run(&["graph", "locks/dist"]), 1, "not a regular file");

    // Outside a manifest repository, paths work and names cannot.
    let outside = tempfile::tempdir().unwrap();
    let run = distrib_wide(outside.path(), &["graph", path.to_str().unwrap()]);
    ok(&run);
    assert!(run.stdout.starts_with("digraph \"dist/d.2026.11.01\""));
    fails(
        &distrib_wide(outside.path(), &["graph", "dist"]),
        1,
        "no-manifest-repository",
    );

    // Usage errors.
    fails(&f.run(&["diff", &weekly]), 2, "B");
    fails(&f.run(&["diff", "a", "b", "--format", "yaml"]), 2, "yaml");
    fails(&f.run(&["graph", "dist", "--format", "svg"]), 2, "svg");
}

#[test]
fn an_unknown_release_is_explained() {
    let f = Fixture::new();
    f.lock("dist", "2026-11-01");
    let run = crate::support::distrib(&f.root, &["diff", "d.2026.11.02", "d.2026.11.01"]);
    insta::assert_snapshot!(run.snapshot());
}

/// The reports are a leaf below the site: the site uses them, never the other way round
/// (escaping and Markdown rendering live in `escape`, which both use).
#[test]
fn report_modules_do_not_depend_on_the_site() {
    let folder = crate::support::project().join("src/report");
    let mut read = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in ["crate::site", "super::super::site", "crate::cli"] {
            assert!(!text.contains(needle), "{} uses `{needle}`", path.display());
        }
        read += 1;
    }
    assert!(read >= 5, "only {read} files read");
}

/// The library never reaches into the command line: every operation can run without it.
#[test]
fn no_library_module_depends_on_the_command_line() {
    let src = crate::support::project().join("src");
    let mut read = 0;
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        let relative = path.strip_prefix(&src).unwrap();
        if relative.starts_with("cli")
            || relative == std::path::Path::new("main.rs")
            || path.extension().is_none_or(|e| e != "rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            !text.contains("crate::cli"),
            "{} uses the command line",
            relative.display()
        );
        read += 1;
    }
    assert!(read >= 50, "only {read} files read");
}
