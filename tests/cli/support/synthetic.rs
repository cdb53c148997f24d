//! Synthetic manifest repositories of any size, for benchmarks and scale tests. The output is a
//! pure function of the sizes and the seed (a hand-written PRNG, no crate), and is valid:
//! `distrib check` reports no problems on it. [`write_synthetic_mirrored`] also writes a real bare
//! git mirror for every product, for `distrib lock --offline`.
// Each benchmark uses some of these generators, not all.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// splitmix64: tiny, fast, and good enough to shape a dependency graph.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    Internal,
    ThirdParty,
    BuildTool,
}

struct Spec {
    name: String,
    folder: String,
    kind: Type,
    /// The pinned tag and the version it reads as.
    tag: Option<(String, (u64, u64, u64))>,
}

/// A requirement that the target's pinned version satisfies, or `*` for an unpinned target.
fn requirement(rng: &mut Rng, target: &Spec) -> String {
    let Some((_, (major, minor, patch))) = target.tag else {
        return "*".into();
    };
    match rng.below(5) {
        0 => format!(">={major}"),
        1 => format!("^{major}.{minor}"),
        2 => format!("~{major}.{minor}"),
        3 => format!(">={major}, <{}", major + 1),
        _ => format!("={major}.{minor}.{patch}"),
    }
}

/// `field:` (`depends` or `build_depends`) with a requirement on each of `targets`, nothing when
/// there is none.
fn requirements(text: &mut String, field: &str, targets: &[usize], specs: &[Spec], rng: &mut Rng) {
    if targets.is_empty() {
        return;
    }
    let _ = writeln!(text, "{field}:");
    for &target in targets {
        let _ = writeln!(
            text,
            "  {}: \"{}\"",
            specs[target].name,
            requirement(rng, &specs[target])
        );
    }
}

/// Half of the time, a `build:` recipe with a number of jobs.
fn build(text: &mut String, rng: &mut Rng) {
    if rng.percent(50) {
        let _ = writeln!(
            text,
            "build:\n  script: cmake --build . --target install\n  env:\n    JOBS: \"{}\"",
            1 + rng.below(16)
        );
    }
}

/// Writes a valid manifest repository under `root`: `distrib.yaml`, two environments
/// (`ops`, for operations, and `dev`), `products` product files in team sub-folders, and
/// `distributions` distribution files. Products depend only on products of lower index, so the
/// graph is acyclic; third-party products are pinned; build tools appear only in
/// `build_depends`. Panics on I/O errors.
pub fn write_synthetic(root: &Path, products: usize, distributions: usize, seed: u64) {
    assert!(products > 0, "a distribution needs at least one product");
    let mut rng = Rng(seed);
    let width = 5.max(products.saturating_sub(1).to_string().len());

    let mut specs: Vec<Spec> = Vec::with_capacity(products);
    for i in 0..products {
        // Product 0 is internal so that every distribution has a root to choose.
        let roll = rng.below(100);
        let kind = match roll {
            _ if i == 0 => Type::Internal,
            0..=3 => Type::ThirdParty,
            4..=5 => Type::BuildTool,
            _ => Type::Internal,
        };
        let (name, folder) = match kind {
            Type::Internal => {
                let team = format!("team{:02}", i / 100);
                (format!("p{i:0width$}"), team)
            }
            Type::ThirdParty => (format!("ext{i:0width$}"), "third-party".to_owned()),
            Type::BuildTool => (format!("tool{i:0width$}"), "tools".to_owned()),
        };
        let tag = match kind {
            Type::Internal | Type::BuildTool if rng.percent(30) => {
                let minor = rng.below(40) as u64;
                Some((format!("1.{minor}.0"), (1, minor, 0)))
            }
            Type::ThirdParty => {
                let (major, minor, patch) = (
                    1 + rng.below(9) as u64,
                    rng.below(30) as u64,
                    rng.below(10) as u64,
                );
                // Upstream tags come in several spellings; each reads as a semver version.
                let tag = match rng.below(3) {
                    0 => format!("v{major}.{minor}.{patch}"),
                    1 => format!("{major}.{minor}"),
                    _ => format!("{major}.{minor}.{patch}"),
                };
                let patch = if tag.matches('.').count() == 1 {
                    0
                } else {
                    patch
                };
                Some((tag, (major, minor, patch)))
            }
            _ => None,
        };
        specs.push(Spec {
            name,
            folder,
            kind,
            tag,
        });
    }

    write(
        root,
        "distrib.yaml",
        "# A synthetic manifest repository, written by tests/support/synthetic.rs.\nrules:\n  shared-with-unused: deny\n  dependency-alias: deny\n",
    );
    write(
        root,
        "environments/ops.yaml",
        "name: ops\ndescription: Production farm\npurpose: operations\npackages:\n  gcc: \"13.2.0\"\n  python: \"3.11.9\"\n  boost: \"1.83.0\"\n",
    );
    write(
        root,
        "environments/dev.yaml",
        "name: dev\ndescription: Developers' machines\npurpose: development\npackages:\n  gcc: \"14.1.0\"\n  python: \"3.12.4\"\n",
    );

    let mut third_party: Vec<usize> = Vec::new();
    let mut tools: Vec<usize> = Vec::new();
    let mut internal: Vec<usize> = Vec::new();
    let mut text = String::new();
    for (i, spec) in specs.iter().enumerate() {
        text.clear();
        let kind = match spec.kind {
            Type::Internal => "internal",
            Type::ThirdParty => "third-party",
            Type::BuildTool => "build-tool",
        };
        let _ = writeln!(
            text,
            "name: {}\ndescription: Synthetic product number {i}\ntype: {kind}",
            spec.name
        );
        if spec.kind == Type::Internal {
            let _ = writeln!(text, "team: {}", spec.folder);
        }
        text.push_str("repositories:\n");
        match spec.kind {
            Type::Internal if rng.percent(20) => {
                let _ = writeln!(
                    text,
                    "  - url: git@github.com:synth-{}/{}.git\n    ref: main",
                    spec.folder, spec.name
                );
            }
            Type::Internal | Type::BuildTool => {
                let _ = writeln!(
                    text,
                    "  - url: https://github.com/synth-{}/{}\n    ref: main",
                    spec.folder, spec.name
                );
            }
            Type::ThirdParty => {
                let _ = writeln!(
                    text,
                    "  - url: https://github.com/upstream-{i}/{}.git",
                    spec.name
                );
            }
        }
        if let Some((tag, _)) = &spec.tag {
            // Unquoted, as people write it: `1.2` and `1.2.0` must both read as strings.
            let _ = writeln!(text, "tag: {tag}");
        }

        let mut depends: Vec<usize> = Vec::new();
        let mut build_depends: Vec<usize> = Vec::new();
        match spec.kind {
            Type::Internal => {
                let wanted = rng.below(7);
                // Mostly neighbours (the same team's libraries), sometimes anything older.
                for _ in 0..wanted * 4 {
                    if depends.len() == wanted || i == 0 {
                        break;
                    }
                    let target = if rng.percent(60) {
                        i - 1 - rng.below(i.min(150))
                    } else {
                        rng.below(i)
                    };
                    if specs[target].kind != Type::BuildTool && !depends.contains(&target) {
                        depends.push(target);
                    }
                }
                if !tools.is_empty() {
                    for _ in 0..rng.below(3) {
                        let tool = tools[rng.below(tools.len())];
                        if !build_depends.contains(&tool) {
                            build_depends.push(tool);
                        }
                    }
                }
            }
            Type::ThirdParty if !third_party.is_empty() => {
                for _ in 0..rng.below(3) {
                    let target = third_party[rng.below(third_party.len())];
                    if !depends.contains(&target) {
                        depends.push(target);
                    }
                }
            }
            Type::BuildTool if !tools.is_empty() && rng.percent(20) => {
                build_depends.push(tools[rng.below(tools.len())]);
            }
            _ => {}
        }
        requirements(&mut text, "depends", &depends, &specs, &mut rng);
        requirements(&mut text, "build_depends", &build_depends, &specs, &mut rng);
        build(&mut text, &mut rng);
        write(
            root,
            &format!("products/{}/{}.yaml", spec.folder, spec.name),
            &text,
        );

        match spec.kind {
            Type::Internal => internal.push(i),
            Type::ThirdParty => third_party.push(i),
            Type::BuildTool => tools.push(i),
        }
    }

    let width = 3.max(distributions.saturating_sub(1).to_string().len());
    for d in 0..distributions {
        let name = format!("dist{d:0width$}");
        let environment = if d % 3 == 0 { "dev" } else { "ops" };
        let mut roots: Vec<usize> = Vec::new();
        let wanted = 1 + rng.below(20);
        for _ in 0..wanted * 4 {
            if roots.len() == wanted.min(internal.len()) {
                break;
            }
            let root = internal[rng.below(internal.len())];
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        text.clear();
        let _ = writeln!(
            text,
            "name: {name}\ndescription: Synthetic distribution number {d}\nenvironment: {environment}\nproducts:"
        );
        for &root in &roots {
            let _ = writeln!(text, "  - {}", specs[root].name);
        }
        let _ = writeln!(
            text,
            "variables:\n  site: epn\n  flavour: el9\nnaming:\n  nightly: \"d.%Y.%m.%d\"\n  weekly: \"w.%G.%V\"\n  manual: \"{{site}}-%Y%m%d-{{{}}}-{{flavour}}\"\n  candidate: \"{{version}}.rc{{rc}}\"\n  final: \"{{version}}\"\n  branch: \"b.{{major}}.{{minor}}.x\"\n  build: \"b{{build}}\"\nissues: 'DM-\\d+'",
            specs[roots[0]].name
        );
        write(root, &format!("distributions/{name}.yaml"), &text);
    }
}

/// The distribution that [`write_synthetic_mirrored`] writes: its closure is every product.
pub const MIRRORED_DISTRIBUTION: &str = "bench";

/// One product repository written by [`write_synthetic_mirrored`].
pub struct MirroredRepository {
    pub product: String,
    /// The bare mirror, `<mirrors>/github.com/bench/<product>.git`: where distrib looks for it.
    pub mirror: PathBuf,
    /// What `distrib lock` resolves in it: the product's `tag`, else its `ref` (`main`).
    pub reference: String,
}

/// Writes a valid manifest repository of `products` products under `root`, and under `mirrors`
/// the bare mirror of each product's repository, as `distrib fetch` would leave it, so that
/// `distrib lock bench --offline --mirrors <mirrors>` resolves every product without a network.
///
/// - `distrib.yaml`, one environment `dev` (development) and one distribution `bench` whose
///   roots are the products no other product depends on, so its closure is every product.
/// - Product `pNNNNN` (internal, in `products/teamNN/`, 100 per folder) has one repository,
///   `https://github.com/bench/pNNNNN` (one in ten written `git@github.com:bench/pNNNNN.git`)
///   with `ref: main`. 40% pin `tag: 1.<m>.0` (an annotated tag), 15% `tag: 0.<m>.0` (a
///   lightweight tag), the others track `main`. Dependencies form a DAG as in
///   [`write_synthetic`]: 0 to 4 products of lower index (60% among the 50 before), with
///   requirements that the target's pin satisfies, or `*`. Half have a `build` recipe.
/// - Mirror `<mirrors>/github.com/bench/pNNNNN.git`: 3 commits on `main` (HEAD), the first
///   tagged `0.<m>.0` (lightweight), the second `1.<m>.0` (annotated), written by one
///   `git fast-import` per repository into one pack, with fixed identities and dates and no user
///   or system git configuration, so every id is the same on every machine.
///
/// Returns the repositories in product order. Panics on I/O errors and when git fails.
pub fn write_synthetic_mirrored(
    root: &Path,
    mirrors: &Path,
    products: usize,
    seed: u64,
) -> Vec<MirroredRepository> {
    assert!(products > 0, "a distribution needs at least one product");
    let mut rng = Rng(seed);
    let width = 5.max(products.saturating_sub(1).to_string().len());

    write(
        root,
        "distrib.yaml",
        "# A synthetic manifest repository with mirrors, written by tests/support/synthetic.rs.\nrules:\n  dependency-alias: deny\n",
    );
    write(
        root,
        "environments/dev.yaml",
        "name: dev\ndescription: Developers' machines\npurpose: development\npackages:\n  gcc: \"14.1.0\"\n  python: \"3.12.4\"\n",
    );

    let mut specs: Vec<Spec> = Vec::with_capacity(products);
    let mut minors: Vec<u64> = Vec::with_capacity(products);
    let mut depended = vec![false; products];
    let mut repositories = Vec::with_capacity(products);
    let mut text = String::new();
    for i in 0..products {
        let name = format!("p{i:0width$}");
        let folder = format!("team{:02}", i / 100);
        let minor = rng.below(40) as u64;
        let tag = match rng.below(100) {
            0..=39 => Some((format!("1.{minor}.0"), (1, minor, 0))),
            40..=54 => Some((format!("0.{minor}.0"), (0, minor, 0))),
            _ => None,
        };
        text.clear();
        let _ = writeln!(
            text,
            "name: {name}\ndescription: Synthetic product number {i}\ntype: internal\nteam: {folder}\nrepositories:"
        );
        if rng.percent(10) {
            let _ = writeln!(
                text,
                "  - url: git@github.com:bench/{name}.git\n    ref: main"
            );
        } else {
            let _ = writeln!(
                text,
                "  - url: https://github.com/bench/{name}\n    ref: main"
            );
        }
        if let Some((tag, _)) = &tag {
            let _ = writeln!(text, "tag: {tag}");
        }
        let mut depends: Vec<usize> = Vec::new();
        let wanted = rng.below(5);
        for _ in 0..wanted * 4 {
            if depends.len() == wanted || i == 0 {
                break;
            }
            let target = if rng.percent(60) {
                i - 1 - rng.below(i.min(50))
            } else {
                rng.below(i)
            };
            if !depends.contains(&target) {
                depends.push(target);
            }
        }
        for &target in &depends {
            depended[target] = true;
        }
        requirements(&mut text, "depends", &depends, &specs, &mut rng);
        build(&mut text, &mut rng);
        write(root, &format!("products/{folder}/{name}.yaml"), &text);
        repositories.push(MirroredRepository {
            product: name.clone(),
            mirror: mirrors.join("github.com/bench").join(format!("{name}.git")),
            reference: tag
                .as_ref()
                .map_or_else(|| "main".to_owned(), |(t, _)| t.clone()),
        });
        specs.push(Spec {
            name,
            folder,
            kind: Type::Internal,
            tag,
        });
        minors.push(minor);
    }

    text.clear();
    let _ = writeln!(
        text,
        "name: {MIRRORED_DISTRIBUTION}\ndescription: Every synthetic product\nenvironment: dev\nproducts:"
    );
    for (spec, _) in specs.iter().zip(&depended).filter(|(_, d)| !**d) {
        let _ = writeln!(text, "  - {}", spec.name);
    }
    text.push_str("naming:\n  nightly: \"d.%Y.%m.%d\"\n  weekly: \"w.%G.%V\"\nissues: 'DM-\\d+'\n");
    write(
        root,
        &format!("distributions/{MIRRORED_DISTRIBUTION}.yaml"),
        &text,
    );

    // One git process per repository, a few at once: git waits on the disk as much as on a core.
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(repository) = repositories.get(i) else {
                        break;
                    };
                    write_mirror(&repository.mirror, &repository.product, i, minors[i]);
                }
            });
        }
    });
    repositories
}

/// Creates the bare repository `path` (HEAD on `main`) and imports the history that
/// [`write_synthetic_mirrored`] describes.
fn write_mirror(path: &Path, name: &str, index: usize, minor: u64) {
    for folder in ["objects/info", "objects/pack", "refs/heads", "refs/tags"] {
        let folder = path.join(folder);
        std::fs::create_dir_all(&folder)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", folder.display()));
    }
    for (file, text) in [
        ("HEAD", "ref: refs/heads/main\n"),
        (
            "config",
            "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n",
        ),
    ] {
        std::fs::write(path.join(file), text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.join(file).display()));
    }
    fast_import(path, &history(name, index, minor));
}

/// Runs `git fast-import` on the bare repository `git_dir` with `stream`, with no user or system
/// configuration, keeping the objects in a pack as a fetch does, however few they are. Panics
/// when git fails.
pub fn fast_import(git_dir: &Path, stream: &str) {
    let mut child = Command::new("git")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("--git-dir")
        .arg(git_dir)
        .args([
            "-c",
            "fastimport.unpackLimit=0",
            "fast-import",
            "--quiet",
            "--done",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git runs");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(stream.as_bytes())
        .expect("git fast-import reads its stream");
    let output = child.wait_with_output().expect("git fast-import ends");
    assert!(
        output.status.success(),
        "git fast-import into {}: {}",
        git_dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The `git fast-import` stream of one mirror: 3 commits on `main`, one hour apart from
/// 2026-11-02T12:00:00Z, a lightweight tag `0.<minor>.0` on the first and an annotated tag
/// `1.<minor>.0` on the second.
fn history(name: &str, index: usize, minor: u64) -> String {
    const WHO: &str = "Release Manager <rm@example.org>";
    const START: u64 = 1_793_620_800;
    fn data(stream: &mut String, text: &str) {
        let _ = writeln!(stream, "data {}", text.len());
        stream.push_str(text);
    }
    fn commit(stream: &mut String, mark: u64, message: &str, files: &[(String, String)]) {
        let when = START + 3600 * (mark - 1);
        let _ = writeln!(
            stream,
            "commit refs/heads/main\nmark :{mark}\nauthor {WHO} {when} +0000\ncommitter {WHO} {when} +0000"
        );
        data(stream, message);
        for (file, text) in files {
            let _ = writeln!(stream, "M 100644 inline {file}");
            data(stream, text);
        }
        stream.push('\n');
    }
    let source = format!("src/{name}.c");
    let level = |n: u32| format!("int {name}_level = {n};\n");
    let mut stream = String::with_capacity(1024);
    commit(
        &mut stream,
        1,
        &format!("Import {name}\n"),
        &[
            (
                "README.md".to_owned(),
                format!("# {name}\n\nSynthetic product number {index}.\n"),
            ),
            (source.clone(), level(1)),
        ],
    );
    let _ = writeln!(stream, "reset refs/tags/0.{minor}.0\nfrom :1\n");
    commit(
        &mut stream,
        2,
        &format!("Release 1.{minor}.0 (DM-{index})\n"),
        &[
            (source.clone(), level(2)),
            (
                "CHANGELOG.md".to_owned(),
                format!("1.{minor}.0: DM-{index}\n"),
            ),
        ],
    );
    let _ = writeln!(
        stream,
        "tag 1.{minor}.0\nfrom :2\ntagger {WHO} {} +0000",
        START + 3600
    );
    data(&mut stream, &format!("Release 1.{minor}.0\n"));
    stream.push('\n');
    commit(
        &mut stream,
        3,
        &format!("Continue after 1.{minor}.0 (DM-{})\n", index + 1),
        &[(source, level(3))],
    );
    stream.push_str("done\n");
    stream
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
