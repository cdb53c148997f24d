//! Package identities: a SHA-256 over a canonical, versioned, length-prefixed byte encoding of
//! everything that goes into a build (docs/identity.md is the specification, with test vectors).
//! Nothing here depends on how any language prints a value, so another implementation can
//! reproduce every identity byte for byte.

use sha2::{Digest, Sha256};

use crate::manifest::model::Recipe;
use crate::manifest::span::Untyped;

/// A version of the encoding. A lock records the version its identities were made with, and
/// `verify` recomputes them with that version: an old lock stays verifiable forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// `distrib-identity/1`: no build inputs, paths as written, recipes typed by YAML 1.1.
    V1,
    /// `distrib-identity/2`: build inputs, normalized paths, recipes as written, and the
    /// length-prefixed `content` digest.
    V2,
}

impl Version {
    /// What new locks get.
    pub const CURRENT: Version = Version::V2;

    /// The number a lock records (`identity_version`).
    pub fn number(self) -> u32 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
        }
    }

    pub fn from_number(number: u32) -> Option<Version> {
        match number {
            1 => Some(Version::V1),
            2 => Some(Version::V2),
            _ => None,
        }
    }

    /// The header line of a package's encoding.
    pub fn header(self) -> &'static str {
        match self {
            Version::V1 => "distrib-identity/1",
            Version::V2 => "distrib-identity/2",
        }
    }
}

/// The version tag that starts every environment encoding (the same in both versions).
pub const ENVIRONMENT_VERSION: &str = "distrib-environment/1";

/// A length-prefixed encoding: `key SP length ":" value LF` per field, after a header line.
/// The length prefix makes it injective: no two field lists encode to the same bytes.
struct Encoding(Vec<u8>);

impl Encoding {
    fn new(version: &str) -> Self {
        let mut bytes = Vec::with_capacity(256);
        bytes.extend_from_slice(version.as_bytes());
        bytes.push(b'\n');
        Self(bytes)
    }

    fn field(&mut self, key: &str, value: &str) {
        self.0.extend_from_slice(key.as_bytes());
        self.0.push(b' ');
        self.0.extend_from_slice(value.len().to_string().as_bytes());
        self.0.push(b':');
        self.0.extend_from_slice(value.as_bytes());
        self.0.push(b'\n');
    }

    fn digest(self) -> String {
        digest(&self.0)
    }
}

/// `sha256:` and the lowercase hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    push_hex(&mut text, &Sha256::digest(bytes));
    text
}

/// `bytes` in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 * bytes.len());
    push_hex(&mut text, bytes);
    text
}

fn push_hex(text: &mut String, bytes: &[u8]) {
    for byte in bytes {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
}

/// The source of a package in one repository: the tree it builds from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceTree<'a> {
    /// Normalized URL (`crate::url::normalize`): spellings of one repository agree.
    pub url: &'a str,
    /// The sub-tree, or `""` for the whole repository (normalized by version 2).
    pub path: &'a str,
    /// The git tree id of that sub-tree (not the commit: the same content under another
    /// commit or tag is the same package).
    pub tree: &'a str,
}

/// Everything that goes into one package's identity.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    pub product: &'a str,
    pub platform: &'a str,
    /// The environment's digest ([`environment_digest`]).
    pub environment: &'a str,
    /// Name and value of each build input of the lock (version 2; version 1 has none).
    pub build_inputs: Vec<(&'a str, &'a str)>,
    /// The recipe in canonical form ([`canonical_recipe`]).
    pub recipe: &'a str,
    pub sources: Vec<SourceTree<'a>>,
    /// Name and identity of every direct dependency, run time and build time.
    pub dependencies: Vec<(&'a str, &'a str)>,
}

/// The identity of a package: `sha256:<hex>`.
pub fn package_identity(version: Version, inputs: &Inputs) -> String {
    let mut encoding = Encoding::new(version.header());
    encoding.field("product", inputs.product);
    encoding.field("platform", inputs.platform);
    encoding.field("environment", inputs.environment);
    if version >= Version::V2 {
        let mut build_inputs = inputs.build_inputs.clone();
        build_inputs.sort();
        build_inputs.dedup_by(|a, b| a.0 == b.0);
        for (name, value) in build_inputs {
            encoding.field("input", name);
            encoding.field("value", value);
        }
    }
    encoding.field("recipe", inputs.recipe);
    let paths: Vec<String> = match version {
        Version::V1 => Vec::new(),
        Version::V2 => inputs
            .sources
            .iter()
            .map(|s| normalize_path(s.path))
            .collect(),
    };
    let mut sources: Vec<SourceTree> = inputs
        .sources
        .iter()
        .enumerate()
        .map(|(i, source)| SourceTree {
            path: paths.get(i).map_or(source.path, String::as_str),
            ..source.clone()
        })
        .collect();
    sources.sort();
    sources.dedup();
    for source in &sources {
        encoding.field("repository", source.url);
        encoding.field("path", source.path);
        encoding.field("tree", source.tree);
    }
    let mut dependencies = inputs.dependencies.clone();
    dependencies.sort();
    dependencies.dedup();
    for (name, identity) in dependencies {
        encoding.field("dependency", name);
        encoding.field("identity", identity);
    }
    encoding.digest()
}

/// The `content` digest of a lock: what decides that two locks build the same packages. It
/// covers each product's name and identity, sorted by name.
pub fn content_digest<'a>(
    version: Version,
    products: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = products.into_iter().collect();
    pairs.sort();
    match version {
        Version::V1 => {
            let mut bytes = String::from("distrib-content/1\n");
            for (name, identity) in pairs {
                bytes.push_str(name);
                bytes.push(' ');
                bytes.push_str(identity);
                bytes.push('\n');
            }
            digest(bytes.as_bytes())
        }
        Version::V2 => {
            let mut encoding = Encoding::new("distrib-content/2");
            for (name, identity) in pairs {
                encoding.field("product", name);
                encoding.field("identity", identity);
            }
            encoding.digest()
        }
    }
}

/// A sub-tree path as version 2 hashes it: empty and `.` segments removed (`./libs//a/` is
/// `libs/a`). `check` rejects what this cannot make sense of ([`path_problem`]).
pub fn normalize_path(path: &str) -> String {
    path.split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Why a sub-tree path names no sub-tree of a repository, if it does not.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.split('/').any(|segment| segment == "..") {
        Some("it goes up with `..`")
    } else if normalize_path(path).is_empty() {
        Some("it is the repository's root")
    } else if path.starts_with('/') {
        Some("it is absolute")
    } else {
        None
    }
}

/// The digest of an environment: its purpose and its pinned packages, sorted by name. Its name
/// is not an input: two environments with the same content build the same packages.
pub fn environment_digest<'a>(
    purpose: &str,
    packages: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    environment_digest_with_env(purpose, packages, [])
}

/// The digest of an environment with build variables: [`environment_digest`]'s fields, then
/// each variable sorted by name (`variable`, `value`). Without variables it is
/// [`environment_digest`].
pub fn environment_digest_with_env<'a>(
    purpose: &str,
    packages: impl IntoIterator<Item = (&'a str, &'a str)>,
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut encoding = Encoding::new(ENVIRONMENT_VERSION);
    encoding.field("purpose", purpose);
    let mut packages: Vec<(&str, &str)> = packages.into_iter().collect();
    packages.sort();
    for (name, version) in packages {
        encoding.field("package", name);
        encoding.field("version", version);
    }
    let mut env: Vec<(&str, &str)> = env.into_iter().collect();
    env.sort();
    for (name, value) in env {
        encoding.field("variable", name);
        encoding.field("value", value);
    }
    encoding.digest()
}

/// The canonical text of a recipe (version 2): JSON in which every scalar is a string of the
/// text written, object keys are sorted by their UTF-8 bytes, there is no insignificant
/// whitespace, and strings are escaped only where JSON requires it (`"`, `\` and control
/// characters, as `\uXXXX` except `\n`, `\r`, `\t`, `\b`, `\f`). No recipe is the empty
/// string.
pub fn canonical_recipe(recipe: Option<&Recipe>) -> String {
    let mut out = String::new();
    if let Some(recipe) = recipe {
        write_map(&recipe.0, &mut out);
    }
    out
}

fn write_canonical(value: &Untyped, out: &mut String) {
    match value {
        Untyped::Text(text) => write_string(text, out),
        Untyped::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Untyped::Map(entries) => write_map(entries, out),
    }
}

fn write_map(entries: &[(crate::manifest::span::Node<String>, Untyped)], out: &mut String) {
    let mut sorted: Vec<&(crate::manifest::span::Node<String>, Untyped)> = entries.iter().collect();
    // Stable: keys that are equal as text (`1` and `"1"`, which `check` refuses) keep the order
    // written.
    sorted.sort_by(|a, b| a.0.value.as_bytes().cmp(b.0.value.as_bytes()));
    out.push('{');
    for (i, (key, item)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_canonical(item, out);
    }
    out.push('}');
}

fn write_string(text: &str, out: &mut String) {
    out.reserve(text.len() + 2);
    out.push('"');
    // Runs of what needs no escape are copied whole: every byte escaped is ASCII, so never
    // part of a longer character.
    let mut run = 0;
    for (at, byte) in text.bytes().enumerate() {
        if !matches!(byte, b'"' | b'\\' | 0x00..=0x1f) {
            continue;
        }
        out.push_str(&text[run..at]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            control => out.push_str(&format!("\\u{control:04x}")),
        }
        run = at + 1;
    }
    out.push_str(&text[run..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_is_each_character_kept() {
        let mut out = String::new();
        write_string(
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é€😀 end",
            &mut out,
        );
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f} é€😀 end\""
        );
        out.clear();
        write_string("", &mut out);
        assert_eq!(out, "\"\"");
    }

    const ZEROS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    const ONES: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    /// The recipe of a product file's text, read as `check` and `lock` read it.
    fn recipe(yaml: &str) -> Recipe {
        #[derive(serde::Deserialize)]
        struct Product {
            build: Recipe,
        }
        let mut options = serde_saphyr::Options::default();
        options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
        crate::manifest::span::with_source(yaml, || {
            serde_saphyr::from_str_with_options::<Product>(yaml, options)
        })
        .unwrap()
        .build
    }

    fn canonical(yaml: &str) -> String {
        canonical_recipe(Some(&recipe(yaml)))
    }

    fn leaf<'a>() -> Inputs<'a> {
        Inputs {
            product: "utils",
            platform: "linux-x86_64",
            environment: ZEROS,
            build_inputs: vec![],
            recipe: "",
            sources: vec![SourceTree {
                url: "github.com/lsst/utils",
                path: "",
                tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            }],
            dependencies: vec![],
        }
    }

    /// The vectors of docs/identity.md; each can be checked with `printf ... | sha256sum`.
    #[test]
    fn documented_vectors_of_version_2() {
        assert_eq!(
            environment_digest("operations", [("python", "3.12.7"), ("gcc", "13.2.0")]),
            "sha256:2873334fb7d968a6b3072fb15cc0ed6835aea3c63a3e194680460f7aaf160bc4"
        );
        assert_eq!(
            environment_digest_with_env(
                "development",
                [],
                [("CXXSTD", "20"), ("CXXFLAGS", "-fPIC -O2")]
            ),
            "sha256:ed9fc3e74eb3714b04949d18e7372819aabfcbc089a884922428f663bb25f509"
        );
        assert_eq!(
            environment_digest_with_env(
                "operations",
                [("python", "3.12.7"), ("gcc", "13.2.0")],
                []
            ),
            environment_digest("operations", [("python", "3.12.7"), ("gcc", "13.2.0")]),
            "without variables, the digest of before"
        );
        assert_eq!(
            package_identity(Version::V2, &leaf()),
            "sha256:785aeb91414c4147b331282c9ad5ac2aec063f968e11fba8783a84f64f1317de"
        );
        let yaml = "build:\n  script: scons install\n  env: { OPT: -O2, JOBS: 4 }\n";
        let text = canonical(yaml);
        assert_eq!(
            text,
            r#"{"env":{"JOBS":"4","OPT":"-O2"},"script":"scons install"}"#
        );
        let afw = Inputs {
            product: "afw",
            platform: "linux-x86_64",
            environment: ZEROS,
            build_inputs: vec![("flp_suite", "0.40.0")],
            recipe: &text,
            sources: vec![SourceTree {
                url: "github.com/lsst/afw",
                path: "./python/",
                tree: "9bedf67800b2923982bdf60c89c57ce6ce2d9a1c",
            }],
            dependencies: vec![("utils", ONES)],
        };
        assert_eq!(
            package_identity(Version::V2, &afw),
            "sha256:dc072b5f8307b3ead26e3e3510f8cbd638bd4e178c51d9a8422ceaaa4a0baa2d"
        );
        assert_eq!(
            content_digest(Version::V2, [("utils", ONES), ("afw", ZEROS)]),
            "sha256:a17ed5afe23e26307099bed7a1a6dbfe1e364f42f898a9fe127c847691384b14"
        );
    }

    /// Version 1, which old locks record: still computed as it was.
    #[test]
    fn documented_vectors_of_version_1() {
        assert_eq!(
            package_identity(Version::V1, &leaf()),
            "sha256:27e9940f86ad72b8c53ccef486710f01c9c54884c6501476ab22626cbc63bbe9"
        );
        let afw = Inputs {
            product: "afw",
            recipe: r#"{"env":{"OPT":"-O2"},"script":"scons install"}"#,
            sources: vec![SourceTree {
                url: "github.com/lsst/afw",
                path: "python",
                tree: "9bedf67800b2923982bdf60c89c57ce6ce2d9a1c",
            }],
            dependencies: vec![("utils", ONES)],
            ..leaf()
        };
        assert_eq!(
            package_identity(Version::V1, &afw),
            "sha256:cb4527a72ecf67bc1302614081f3ed265777a15d04fffc088fdb64b465a1331a"
        );
        // Version 1 reads paths as written, and has no build inputs.
        let written = Inputs {
            sources: vec![SourceTree {
                path: "python/",
                ..afw.sources[0].clone()
            }],
            ..afw.clone()
        };
        assert_ne!(
            package_identity(Version::V1, &written),
            package_identity(Version::V1, &afw)
        );
        assert_eq!(
            content_digest(Version::V1, [("utils", ONES), ("afw", ZEROS)]),
            digest(format!("distrib-content/1\nafw {ZEROS}\nutils {ONES}\n").as_bytes())
        );
    }

    /// Every scalar is the text written: no YAML 1.1 (or 1.2) typing reaches the identity.
    #[test]
    fn recipe_scalars_are_the_text_written() {
        let text = canonical(concat!(
            "build:\n",
            "  a: yes\n",
            "  b: on\n",
            "  c: 0b101\n",
            "  d: 1e3\n",
            "  e: ~\n",
            "  f:\n",
            "  g: 4\n",
            "  h: \"4\"\n",
            "  i: '04'\n",
            "  j: 0x10\n",
            "  k: True\n",
            "  l: .NaN\n",
            "  m: 1.50\n",
            "  n: [no, 010, -0]\n",
            "  o: \"tab\\tquote\\\" \\u00e9\"\n",
            "  p: |\n    line 1\n    line 2\n",
            "  q: folded\n    plain\n",
        ));
        assert_eq!(
            text,
            concat!(
                r#"{"a":"yes","b":"on","c":"0b101","d":"1e3","e":"~","f":"","g":"4","h":"4","#,
                r#""i":"04","j":"0x10","k":"True","l":".NaN","m":"1.50","n":["no","010","-0"],"#,
                r#""o":"tab\tquote\" é","p":"line 1\nline 2\n","q":"folded plain"}"#
            )
        );
        // Quoting changes nothing; every other edit of the text does.
        assert_eq!(
            canonical("build: { jobs: 4 }"),
            canonical("build: { jobs: \"4\" }")
        );
        assert_ne!(
            canonical("build: { mode: 0x10 }"),
            canonical("build: { mode: 16 }")
        );
        assert_ne!(
            canonical("build: { on: true }"),
            canonical("build: { on: True }")
        );
    }

    /// The recipe vectors of docs/identity.md, row by row.
    #[test]
    fn documented_recipe_vectors() {
        for (yaml, expected) in [
            (
                "build: { a: yes, b: on, c: 0b101, d: 1e3, e: ~, f: }",
                r#"{"a":"yes","b":"on","c":"0b101","d":"1e3","e":"~","f":""}"#,
            ),
            (
                "build: { g: 4, h: \"4\", i: '04', j: 0x10, k: True, l: .NaN, m: 1.50 }",
                r#"{"g":"4","h":"4","i":"04","j":"0x10","k":"True","l":".NaN","m":"1.50"}"#,
            ),
            (
                "build: { n: [no, 010, -0], o: !!int \"5\" }",
                r#"{"n":["no","010","-0"],"o":"5"}"#,
            ),
            (
                "build: { p: \"tab\\tquote\\\" é\" }",
                r#"{"p":"tab\tquote\" é"}"#,
            ),
            (
                "build:\n  p: |\n    line 1\n    line 2\n",
                r#"{"p":"line 1\nline 2\n"}"#,
            ),
            (
                "base: &base { cc: gcc, opt: -O2 }\nbuild: { env: { <<: *base, opt: -O3 } }",
                r#"{"env":{"cc":"gcc","opt":"-O3"}}"#,
            ),
            (
                "build: { script: \"scons install\", env: { OPT: -O2, JOBS: 4 } }",
                r#"{"env":{"JOBS":"4","OPT":"-O2"},"script":"scons install"}"#,
            ),
            (
                "build: { env: { JOBS: \"4\", OPT: -O2 }, script: scons install }",
                r#"{"env":{"JOBS":"4","OPT":"-O2"},"script":"scons install"}"#,
            ),
        ] {
            assert_eq!(canonical(yaml), expected, "{yaml}");
        }
        // In a list of merged mappings, the earlier wins; the mapping's own keys win over both.
        assert_eq!(
            canonical(concat!(
                "a: &a { k: a, x: a }\n",
                "b: &b { k: b, y: b }\n",
                "build: { m: { x: own, <<: [*a, *b] } }\n"
            )),
            r#"{"m":{"k":"a","x":"own","y":"b"}}"#
        );
        // Keys are text too.
        assert_eq!(
            canonical("build: { ~: a, 0x10: b, yes: c, 1.0: d }"),
            r#"{"0x10":"b","1.0":"d","yes":"c","~":"a"}"#
        );
        // Only the plain key `<<` merges: quoted, it is a key like any other.
        assert_eq!(
            canonical("a: &a { k: 1 }\nbuild: { \"<<\": *a, x: y }"),
            r#"{"<<":{"k":"1"},"x":"y"}"#
        );
    }

    #[test]
    fn recipe_tags_are_ignored() {
        assert_eq!(
            canonical(
                "build: { a: !!int 5, b: !!str 5, c: !!bool 'yes', d: !!float \"1\", e: !!null '' }"
            ),
            r#"{"a":"5","b":"5","c":"yes","d":"1","e":""}"#
        );
    }

    #[test]
    fn recipe_aliases_and_merges_are_expanded() {
        let text = canonical(concat!(
            "base: &base { cc: gcc, opt: -O2 }\n",
            "build:\n",
            "  env:\n",
            "    <<: *base\n",
            "    opt: -O3\n",
            "  again: *base\n",
            "  flag: &f yes\n",
            "  same: *f\n",
        ));
        assert_eq!(
            text,
            r#"{"again":{"cc":"gcc","opt":"-O2"},"env":{"cc":"gcc","opt":"-O3"},"flag":"yes","same":"yes"}"#
        );
    }

    #[test]
    fn recipe_key_order_does_not_matter() {
        assert_eq!(
            canonical("build:\n  script: scons install\n  env: { OPT: -O2, CC: gcc }\n"),
            canonical("build:\n  env: { CC: gcc, OPT: -O2 }\n  script: scons install\n")
        );
        let mut out = String::new();
        write_string("a\"b\u{1}\\", &mut out);
        assert_eq!(out, "\"a\\\"b\\u0001\\\\\"");
    }

    #[test]
    fn paths_are_normalized() {
        for (written, normalized) in [
            ("libs/a", "libs/a"),
            ("libs/a/", "libs/a"),
            ("./libs/a", "libs/a"),
            ("libs//a/./", "libs/a"),
            ("", ""),
        ] {
            assert_eq!(normalize_path(written), normalized, "{written}");
        }
        for wrong in ["/", "/libs/a", "../x", "libs/../../x", ".", "./", ""] {
            assert!(path_problem(wrong).is_some(), "{wrong}");
        }
        assert_eq!(path_problem("libs/a/"), None);
        let a = Inputs {
            sources: vec![SourceTree {
                path: "libs/a",
                ..leaf().sources[0].clone()
            }],
            ..leaf()
        };
        let b = Inputs {
            sources: vec![SourceTree {
                path: "./libs/a/",
                ..leaf().sources[0].clone()
            }],
            ..leaf()
        };
        assert_eq!(
            package_identity(Version::V2, &a),
            package_identity(Version::V2, &b)
        );
    }

    #[test]
    fn order_of_inputs_does_not_matter() {
        let a = Inputs {
            product: "p",
            platform: "",
            environment: "e",
            build_inputs: vec![("x", "1"), ("y", "2")],
            recipe: "",
            sources: vec![
                SourceTree {
                    url: "a",
                    path: "",
                    tree: "1",
                },
                SourceTree {
                    url: "b",
                    path: "",
                    tree: "2",
                },
            ],
            dependencies: vec![("x", "1"), ("y", "2")],
        };
        let mut b = a.clone();
        b.sources.reverse();
        b.dependencies.reverse();
        b.build_inputs.reverse();
        for version in [Version::V1, Version::V2] {
            assert_eq!(package_identity(version, &a), package_identity(version, &b));
        }
    }

    #[test]
    fn every_input_changes_the_identity() {
        let base = Inputs {
            product: "p",
            platform: "linux",
            environment: "e",
            build_inputs: vec![("flp_suite", "0.40.0")],
            recipe: "r",
            sources: vec![SourceTree {
                url: "u",
                path: "",
                tree: "t",
            }],
            dependencies: vec![("d", "i")],
        };
        let id = package_identity(Version::V2, &base);
        let variants = [
            Inputs {
                product: "q",
                ..base.clone()
            },
            Inputs {
                platform: "macos",
                ..base.clone()
            },
            Inputs {
                environment: "f",
                ..base.clone()
            },
            Inputs {
                build_inputs: vec![("flp_suite", "0.41.0")],
                ..base.clone()
            },
            Inputs {
                build_inputs: vec![],
                ..base.clone()
            },
            Inputs {
                recipe: "s",
                ..base.clone()
            },
            Inputs {
                sources: vec![SourceTree {
                    url: "u",
                    path: "",
                    tree: "T",
                }],
                ..base.clone()
            },
            Inputs {
                sources: vec![SourceTree {
                    url: "u",
                    path: "sub",
                    tree: "t",
                }],
                ..base.clone()
            },
            Inputs {
                dependencies: vec![("d", "j")],
                ..base.clone()
            },
            Inputs {
                dependencies: vec![],
                ..base.clone()
            },
        ];
        for variant in variants {
            assert_ne!(package_identity(Version::V2, &variant), id, "{variant:?}");
        }
        assert_ne!(
            package_identity(Version::V1, &base),
            id,
            "the version is hashed"
        );
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let a = Inputs {
            product: "ab",
            platform: "c",
            environment: "",
            build_inputs: vec![("x", "yz")],
            recipe: "",
            sources: vec![],
            dependencies: vec![],
        };
        let b = Inputs {
            product: "a",
            platform: "bc",
            ..a.clone()
        };
        let c = Inputs {
            build_inputs: vec![("xy", "z")],
            ..a.clone()
        };
        assert_ne!(
            package_identity(Version::V2, &a),
            package_identity(Version::V2, &b)
        );
        assert_ne!(
            package_identity(Version::V2, &a),
            package_identity(Version::V2, &c)
        );
        assert_ne!(
            content_digest(Version::V2, [("a", "bc")]),
            content_digest(Version::V2, [("ab", "c")])
        );
    }
}
