//! A manifest repository whose products live in local upstream git repositories, and the
//! assertions the lock and release tests share.

use std::path::{Path, PathBuf};

use super::{CommandLine, Run, distrib_wide, git};

/// A manifest repository whose products live in local upstream repositories.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub upstream: PathBuf,
    pub mirrors: PathBuf,
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Adds `text` at the end of the file at `path` (a field to a manifest).
pub fn append(path: &Path, text: &str) {
    let before = std::fs::read_to_string(path).unwrap();
    write(path, &format!("{before}{text}"));
}

/// Writes `text` to `path` as an executable file (a script, a hook, a credential helper).
pub fn write_executable(path: &Path, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

pub fn commit_file(repo: &Path, file: &str, text: &str, message: &str) -> String {
    write(&repo.join(file), text);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

impl Fixture {
    /// Products: `base` (pinned to tag 1.0.0), `utils` -> base, `app` -> utils, and `other`
    /// alone; distributions `dist` (app, other) and `solo` (other).
    pub fn new() -> Self {
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
        for name in ["base", "utils", "app", "other"] {
            f.new_repo(name, "src/README");
        }
        git(&f.repo("base"), &["tag", "-a", "-m", "release", "1.0.0"]);
        let (root, upstream) = (&f.root, &f.upstream);
        write(
            &root.join("distrib.yaml"),
            &format!(
                "rewrite:\n  \"https://example.org/\": \"file://{}/example.org/\"\n",
                upstream.display()
            ),
        );
        write(
            &root.join("environments/ops.yaml"),
            "name: ops\npurpose: operations\npackages: { python: \"3.12.7\" }\n",
        );
        let product = |name: &str, extra: &str| {
            write(
                &root.join(format!("products/{name}.yaml")),
                &format!(
                    "name: {name}\nrepositories:\n  - url: https://example.org/sw/{name}\n    ref: main\n{extra}"
                ),
            )
        };
        product("base", "tag: 1.0.0\n");
        product(
            "utils",
            "depends: { base: \">=1\" }\nbuild: { script: make, env: { CC: gcc, OPT: -O2 } }\n",
        );
        product(
            "app",
            "depends: { utils: \"*\", other: { version: \"*\", platforms: [\"osx-*\"] } }\n",
        );
        product("other", "");
        write(
            &root.join("distributions/dist.yaml"),
            "name: dist\nenvironment: ops\nproducts: [app, other]\nplatform: linux-x86_64\nnaming: { weekly: \"w.%G.%V\", nightly: \"d.%Y.%m.%d\" }\n",
        );
        write(
            &root.join("distributions/solo.yaml"),
            "name: solo\nenvironment: ops\nproducts: [other]\nplatform: linux-x86_64\n",
        );
        f
    }

    /// A fixture with its mirrors fetched and `dist` locked as the weekly `w.2026.47`.
    pub fn locked() -> Self {
        let f = Self::new();
        f.lock_weekly();
        f
    }

    /// Fetches the mirrors and locks `dist`, as the manifests are now, as the weekly
    /// `w.2026.47` (dated 2026-11-19).
    pub fn lock_weekly(&self) {
        self.fetch();
        ok(&self
            .lock("dist", "weekly")
            .date("2026-11-19")
            .offline()
            .run());
    }

    /// `distrib fetch` into the fixture's mirrors, which must succeed.
    pub fn fetch(&self) {
        ok(&self.run(&["fetch"]));
    }

    /// `distrib lock DISTRIBUTION --kind KIND` with the fixture's mirrors, to be given its other
    /// flags.
    pub fn lock(&self, distribution: &str, kind: &str) -> CommandLine<'_> {
        self.command(&["lock", distribution, "--kind", kind])
    }

    /// `distrib lock DISTRIBUTION --check` with the fixture's mirrors.
    pub fn lock_check(&self, distribution: &str) -> CommandLine<'_> {
        self.command(&["lock", distribution, "--check"])
    }

    /// `distrib release candidate DISTRIBUTION VERSION` with the fixture's mirrors.
    pub fn release_candidate(&self, distribution: &str, version: &str) -> CommandLine<'_> {
        self.command(&["release", "candidate", distribution, version])
    }

    /// `distrib release final DISTRIBUTION VERSION` with the fixture's mirrors.
    pub fn release_final(&self, distribution: &str, version: &str) -> CommandLine<'_> {
        self.command(&["release", "final", distribution, version])
    }

    /// `distrib release patch DISTRIBUTION VERSION` with the fixture's mirrors.
    pub fn release_patch(&self, distribution: &str, version: &str) -> CommandLine<'_> {
        self.command(&["release", "patch", distribution, version])
    }

    /// The command line `words`, run as [`Fixture::run`] runs it.
    pub fn command(&self, words: &[&str]) -> CommandLine<'_> {
        CommandLine::new(|args| self.run(args), words)
    }

    /// Runs `distrib` with `args` as they are (no `--mirrors`) in the manifest repository.
    pub fn distrib(&self, args: &[&str]) -> Run {
        distrib_wide(&self.root, args)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        // `--mirrors` belongs to the subcommand: put it after the subcommand's name (both
        // names for `release candidate|final|patch`).
        let names = if args[0] == "release" { 2 } else { 1 };
        let mut all = args[..names].to_vec();
        all.extend(["--mirrors", self.mirrors.to_str().unwrap()]);
        all.extend_from_slice(&args[names..]);
        distrib_wide(&self.root, &all)
    }

    pub fn repo(&self, name: &str) -> PathBuf {
        self.upstream.join("example.org/sw").join(name)
    }

    /// A new upstream repository at [`Fixture::repo`]`(name)`, on `main`, with one commit: `file`
    /// holding the name.
    pub fn new_repo(&self, name: &str, file: &str) -> PathBuf {
        let repo = self.repo(name);
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        commit_file(&repo, file, name, "first");
        repo
    }

    pub fn lock_text(&self, distribution: &str, release: &str) -> String {
        std::fs::read_to_string(
            self.root
                .join(format!("locks/{distribution}/{release}.lock.yaml")),
        )
        .unwrap()
    }

    pub fn identities(
        &self,
        distribution: &str,
        release: &str,
    ) -> std::collections::BTreeMap<String, String> {
        let lock = distrib::lock::parse(&self.lock_text(distribution, release)).unwrap();
        lock.products
            .into_iter()
            .map(|p| (p.name, p.identity))
            .collect()
    }
}

/// The product `name` of a lockfile; panics when it has none.
pub fn product_in<'a>(
    lock: &'a distrib::lock::Lockfile,
    name: &str,
) -> &'a distrib::lock::LockedProduct {
    lock.products.iter().find(|p| p.name == name).unwrap()
}

/// Asserts that the run's messages say `text`.
pub fn says(run: &Run, text: &str) {
    assert!(
        run.stderr.contains(text),
        "expected `{text}` in:\n{}",
        run.stderr
    );
}

pub fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// Asserts that the run failed with `code`, saying `text`, without a panic.
pub fn fails(run: &Run, code: i32, text: &str) {
    assert_eq!(run.code, code, "stderr:\n{}", run.stderr);
    says(run, text);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
