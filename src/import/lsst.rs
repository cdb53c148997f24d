//! LSST's `repos.yaml` (the product → git repository map of `lsst/repos`): each entry becomes
//! one product file. Values are either a URL or a mapping with `url`, `ref` and `lfs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read the LSST repository map: {0}")]
    Parse(String),
    #[error("`{name}` has neither a URL nor a `url` field")]
    NoUrl { name: String },
    #[error("`{name}` is not a product name: use letters, digits and `._+-`, without `/` or `..`")]
    Name { name: String },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Url(String),
    Detailed {
        url: Option<String>,
        #[serde(rename = "ref")]
        reference: Option<String>,
        #[allow(dead_code)]
        lfs: Option<bool>,
    },
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
    let entries: BTreeMap<String, Entry> =
        serde_saphyr::from_str(text).map_err(|e| ImportError::Parse(e.to_string()))?;
    entries
        .into_iter()
        .map(|(name, entry)| {
            // The name becomes a file name: it must not lead out of `products/`.
            if !crate::validate::is_valid_name(&name) {
                return Err(ImportError::Name { name });
            }
            let (url, reference) = match entry {
                Entry::Url(url) => (url, None),
                Entry::Detailed {
                    url: Some(url),
                    reference,
                    ..
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
            products[1].repositories[0].reference.as_deref(),
            Some("affinity-flex-hash")
        );
        assert_eq!(
            products[1].to_yaml(),
            "# Imported from LSST's repos.yaml.\nname: xrootd\nrepositories:\n- url: https://github.com/lsst/xrootd.git\n  ref: affinity-flex-hash\n"
        );
    }
}
