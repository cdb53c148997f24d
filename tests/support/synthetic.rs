//! Synthetic manifest repositories of any size, for benchmarks and scale tests. The output is a
//! pure function of the sizes and the seed (a hand-written PRNG, no crate), and is valid:
//! `distrib check` reports no problems on it.

use std::fmt::Write as _;
use std::path::Path;

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
        for (field, list) in [("depends", &depends), ("build_depends", &build_depends)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(text, "{field}:");
            for &target in list {
                let _ = writeln!(
                    text,
                    "  {}: \"{}\"",
                    specs[target].name,
                    requirement(&mut rng, &specs[target])
                );
            }
        }
        if rng.percent(50) {
            let _ = writeln!(
                text,
                "build:\n  script: cmake --build . --target install\n  env:\n    JOBS: \"{}\"",
                1 + rng.below(16)
            );
        }
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

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
