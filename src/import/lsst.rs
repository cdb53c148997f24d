//! LSST's `repos.yaml` (the product → git repository map of `lsst/repos`): each entry becomes
//! one product file. Values are either a URL or a mapping with `url`, `ref` and `lfs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read the LSST repository map: {0}")]
    Parse(String),
    #[error(
        "the file is larger than a repository map can be: more than a million YAML values, or nested deeper than 64"
    )]
    TooLarge,
    #[error("the file is not a mapping of product names: it is {0}")]
    NotAMap(&'static str),
    #[error("`{name}` has neither a URL nor a `url` field")]
    NoUrl { name: String },
    #[error(
        "`{name}` is {found}, where a URL or a mapping with `url` (and `ref`, `lfs`) is expected"
    )]
    Entry { name: String, found: String },
    #[error("`{name}` is not a product name: use letters, digits and `._+-`, without `/` or `..`")]
    Name { name: String },
}

/// One entry of the map: a URL, or `{ url, ref, lfs }`.
enum Entry {
    Url(String),
    Detailed {
        url: Option<String>,
        reference: Option<String>,
    },
}

/// What a YAML value is, in words.
fn what(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "empty",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

impl Entry {
    fn of(name: &str, value: serde_json::Value) -> Result<Entry, ImportError> {
        let wrong = |found: String| ImportError::Entry {
            name: name.to_owned(),
            found,
        };
        let text = |key: &str, value: &serde_json::Value| match value {
            serde_json::Value::String(text) => Ok(Some(text.clone())),
            serde_json::Value::Null => Ok(None),
            other => Err(wrong(format!("a mapping whose `{key}` is {}", what(other)))),
        };
        match value {
            serde_json::Value::String(url) => Ok(Entry::Url(url)),
            serde_json::Value::Object(fields) => {
                let mut url = None;
                let mut reference = None;
                for (key, value) in &fields {
                    match key.as_str() {
                        "url" => url = text(key, value)?,
                        "ref" => reference = text(key, value)?,
                        "lfs" => {}
                        other => {
                            return Err(wrong(format!(
                                "a mapping with an unknown field `{other}`"
                            )));
                        }
                    }
                }
                Ok(Entry::Detailed { url, reference })
            }
            other => Err(wrong(what(&other).to_owned())),
        }
    }
}

/// A product file as the import writes it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ImportedProduct {
    pub name: String,
    pub repositories: Vec<ImportedRepository>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ImportedRepository {
    pub url: String,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl ImportedProduct {
    /// The file text, starting with a comment that says where it came from.
    pub fn to_yaml(&self) -> String {
        let body = serde_saphyr::to_string(self).unwrap_or_default();
        format!("# Imported from LSST's repos.yaml.\n{body}")
    }
}

/// Every product of a `repos.yaml` text, sorted by name.
pub fn parse(text: &str) -> Result<Vec<ImportedProduct>, ImportError> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 64;
    budget.max_nodes = 1_000_000;
    options.budget = Some(budget);
    let document: serde_json::Value =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let message = e.to_string();
            if message.contains("budget") {
                ImportError::TooLarge
            } else {
                ImportError::Parse(message)
            }
        })?;
    let entries: BTreeMap<String, serde_json::Value> = match document {
        serde_json::Value::Object(map) => map.into_iter().collect(),
        other => return Err(ImportError::NotAMap(what(&other))),
    };
    entries
        .into_iter()
        .map(|(name, value)| {
            // The name becomes a file name: it must not lead out of `products/`.
            if !crate::validate::is_valid_name(&name) {
                return Err(ImportError::Name { name });
            }
            let (url, reference) = match Entry::of(&name, value)? {
                Entry::Url(url) => (url, None),
                Entry::Detailed {
                    url: Some(url),
                    reference,
                } => (url, reference),
                Entry::Detailed { url: None, .. } => return Err(ImportError::NoUrl { name }),
            };
            Ok(ImportedProduct {
                name,
                repositories: vec![ImportedRepository { url, reference }],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_entry_forms() {
        let text = "afw: https://github.com/lsst/afw.git\nxrootd:\n  url: https://github.com/lsst/xrootd.git\n  ref: affinity-flex-hash\n";
        let products = parse(text).unwrap();
        assert_eq!(products.len(), 2);
        assert!(matches!(
            parse("../../escaped: https://x/y\n"),
            Err(ImportError::Name { .. })
        ));
        assert!(matches!(
            parse("/tmp/abs: https://x/y\n"),
            Err(ImportError::Name { .. })
        ));
        assert_eq!(
            parse("afw: [a, b]\n").unwrap_err().to_string(),
            "`afw` is a list, where a URL or a mapping with `url` (and `ref`, `lfs`) is expected"
        );
        assert_eq!(
            parse("afw: { url: x, branch: main }\n")
                .unwrap_err()
                .to_string(),
            "`afw` is a mapping with an unknown field `branch`, where a URL or a mapping with `url` (and `ref`, `lfs`) is expected"
        );
        assert_eq!(
            parse("- a\n").unwrap_err().to_string(),
            "the file is not a mapping of product names: it is a list"
        );
        let mut huge = String::new();
        for i in 0..130_000 {
            huge.push_str(&format!("p{i}: u\n"));
        }
        // More values than the YAML reader allows by default (250,000): still a map.
        assert!(parse(&huge).is_ok());
        let deep = format!("a: {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(matches!(parse(&deep), Err(ImportError::TooLarge)));
        assert_eq!(
            products[1].repositories[0].reference.as_deref(),
            Some("affinity-flex-hash")
        );
        assert_eq!(
            products[1].to_yaml(),
            "# Imported from LSST's repos.yaml.\nname: xrootd\nrepositories:\n- url: https://github.com/lsst/xrootd.git\n  ref: affinity-flex-hash\n"
        );
    }
}

/// Why `repos.yaml` could not be imported.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum WriteError {
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code("io"))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot import `{}`: {source}", path.display())]
    #[diagnostic(
        code("import"),
        help(
            "the file must be LSST's repos.yaml: a mapping of product name to URL or to `{{url, ref, lfs}}`"
        )
    )]
    Parse { path: PathBuf, source: ImportError },
    #[error("{} already {}: `{}`{}", crate::diagnostic::plural(*count, "product file"), if *count == 1 { "exists" } else { "exist" }, first.display(), if *count > 1 { " and others" } else { "" })]
    #[diagnostic(
        code("import-exists"),
        help(
            "pass `--force` to overwrite them with the imported products, or import into another folder with `--into`"
        )
    )]
    Exists { count: usize, first: PathBuf },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Io(#[from] crate::fsutil::IoError),
}

/// What an import of `repos.yaml` wrote.
#[derive(Debug)]
pub struct Written {
    pub products: usize,
    /// The `products/` folder written into.
    pub folder: PathBuf,
}

/// Imports the repository map `file` into the manifest repository at `root`: a product file
/// per entry, and `distrib.yaml` when there is none. Existing product files are refused unless
/// `force`, before anything is written.
pub fn write(file: &Path, root: &Path, force: bool) -> Result<Written, WriteError> {
    use crate::fsutil::{IoError, write_atomic};
    let text = std::fs::read_to_string(file).map_err(|source| WriteError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let products = parse(&text).map_err(|source| WriteError::Parse {
        path: file.to_path_buf(),
        source,
    })?;
    let folder = root.join("products");
    let targets: Vec<PathBuf> = products
        .iter()
        .map(|p| folder.join(format!("{}.yaml", p.name)))
        .collect();
    let existing: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
    if let (false, Some(first)) = (force, existing.first()) {
        return Err(WriteError::Exists {
            count: existing.len(),
            first: (*first).clone(),
        });
    }
    std::fs::create_dir_all(&folder).map_err(|e| IoError::new(&folder, e))?;
    super::config_if_missing(root)?;
    for (product, target) in products.iter().zip(&targets) {
        write_atomic(target, product.to_yaml().as_bytes()).map_err(|e| IoError::new(target, e))?;
    }
    Ok(Written {
        products: products.len(),
        folder,
    })
}
