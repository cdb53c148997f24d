//! Package identities: a SHA-256 over a canonical, versioned, length-prefixed byte encoding of
//! everything that goes into a build (docs/identity.md is the specification, with test vectors).
//! Nothing here depends on how any language prints a value, so another implementation can
//! reproduce every identity byte for byte.

use sha2::{Digest, Sha256};

/// The version tag that starts every package encoding. Changing the encoding means a new tag.
pub const IDENTITY_VERSION: &str = "distrib-identity/1";
/// The version tag that starts every environment encoding.
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
    let hash = Sha256::digest(bytes);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in hash {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    text
}

/// The source of a package in one repository: the tree it builds from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceTree<'a> {
    /// Normalized URL (`crate::url::normalize`): spellings of one repository agree.
    pub url: &'a str,
    /// The sub-tree, or `""` for the whole repository.
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
    /// The recipe in canonical form ([`canonical_recipe`]).
    pub recipe: &'a str,
    pub sources: Vec<SourceTree<'a>>,
    /// Name and identity of every direct dependency, run time and build time.
    pub dependencies: Vec<(&'a str, &'a str)>,
}

/// The identity of a package: `sha256:<hex>`.
pub fn package_identity(inputs: &Inputs) -> String {
    let mut encoding = Encoding::new(IDENTITY_VERSION);
    encoding.field("product", inputs.product);
    encoding.field("platform", inputs.platform);
    encoding.field("environment", inputs.environment);
    encoding.field("recipe", inputs.recipe);
    let mut sources = inputs.sources.clone();
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

/// The digest of an environment: its purpose and its pinned packages, sorted by name. Its name
/// is not an input: two environments with the same content build the same packages.
pub fn environment_digest<'a>(
    purpose: &str,
    packages: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut encoding = Encoding::new(ENVIRONMENT_VERSION);
    encoding.field("purpose", purpose);
    let mut packages: Vec<(&str, &str)> = packages.into_iter().collect();
    packages.sort();
    for (name, version) in packages {
        encoding.field("package", name);
        encoding.field("version", version);
    }
    encoding.digest()
}

/// The canonical text of a recipe: JSON with object keys sorted by their UTF-8 bytes, no
/// insignificant whitespace, strings escaped only where JSON requires it (`"`, `\` and control
/// characters, as `\uXXXX` except `\n`, `\r`, `\t`, `\b`, `\f`), integers in decimal. No
/// recipe is the empty string.
pub fn canonical_recipe(recipe: Option<&serde_json::Value>) -> String {
    let mut out = String::new();
    if let Some(value) = recipe {
        write_canonical(value, &mut out);
    }
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of docs/identity.md; each can be checked with `printf ... | sha256sum`.
    #[test]
    fn documented_vectors() {
        assert_eq!(
            environment_digest("operations", [("python", "3.12.7"), ("gcc", "13.2.0")]),
            "sha256:2873334fb7d968a6b3072fb15cc0ed6835aea3c63a3e194680460f7aaf160bc4"
        );
        let leaf = Inputs {
            product: "utils",
            platform: "linux-x86_64",
            environment: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            recipe: "",
            sources: vec![SourceTree {
                url: "github.com/lsst/utils",
                path: "",
                tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            }],
            dependencies: vec![],
        };
        assert_eq!(
            package_identity(&leaf),
            "sha256:27e9940f86ad72b8c53ccef486710f01c9c54884c6501476ab22626cbc63bbe9"
        );
        let recipe = serde_json::json!({ "script": "scons install", "env": { "OPT": "-O2" } });
        let afw = Inputs {
            product: "afw",
            platform: "linux-x86_64",
            environment: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            recipe: &canonical_recipe(Some(&recipe)),
            sources: vec![SourceTree {
                url: "github.com/lsst/afw",
                path: "python",
                tree: "9bedf67800b2923982bdf60c89c57ce6ce2d9a1c",
            }],
            dependencies: vec![(
                "utils",
                "sha256:1111111111111111111111111111111111111111111111111111111111111111",
            )],
        };
        assert_eq!(
            canonical_recipe(Some(&recipe)),
            r#"{"env":{"OPT":"-O2"},"script":"scons install"}"#
        );
        assert_eq!(
            package_identity(&afw),
            "sha256:cb4527a72ecf67bc1302614081f3ed265777a15d04fffc088fdb64b465a1331a"
        );
    }

    #[test]
    fn order_of_inputs_does_not_matter() {
        let a = Inputs {
            product: "p",
            platform: "",
            environment: "e",
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
        assert_eq!(package_identity(&a), package_identity(&b));
    }

    #[test]
    fn every_input_changes_the_identity() {
        let base = Inputs {
            product: "p",
            platform: "linux",
            environment: "e",
            recipe: "r",
            sources: vec![SourceTree {
                url: "u",
                path: "",
                tree: "t",
            }],
            dependencies: vec![("d", "i")],
        };
        let id = package_identity(&base);
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
            assert_ne!(package_identity(&variant), id, "{variant:?}");
        }
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let a = Inputs {
            product: "ab",
            platform: "c",
            environment: "",
            recipe: "",
            sources: vec![],
            dependencies: vec![],
        };
        let b = Inputs {
            product: "a",
            platform: "bc",
            ..a.clone()
        };
        assert_ne!(package_identity(&a), package_identity(&b));
    }

    #[test]
    fn recipe_key_order_does_not_matter() {
        let a: serde_json::Value =
            serde_saphyr::from_str("script: scons install\nenv: { OPT: -O2, CC: gcc }\n").unwrap();
        let b: serde_json::Value =
            serde_saphyr::from_str("env: { CC: gcc, OPT: -O2 }\nscript: scons install\n").unwrap();
        assert_eq!(canonical_recipe(Some(&a)), canonical_recipe(Some(&b)));
        assert_eq!(
            canonical_recipe(Some(&serde_json::json!("a\"b\u{1}"))),
            "\"a\\\"b\\u0001\""
        );
    }
}
