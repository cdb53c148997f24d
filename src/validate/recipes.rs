//! Build recipes are free-form, but hashed into identities with every scalar as the text
//! written (docs/identity.md): two keys of one mapping that are the same text (`1` and `"1"`)
//! would make one of them vanish from the canonical form, so they are refused.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, FileId};
use crate::manifest::Manifests;
use crate::manifest::span::{Node, Untyped};

pub(super) fn check(manifests: &Manifests, found: &mut Vec<Diagnostic>) {
    for product in &manifests.products {
        let Some(build) = &product.value.build else {
            continue;
        };
        let name = product.value.name.as_str();
        same_keys(&build.value.0, name, product.file, found);
    }
    // What an override's `build` writes is merged key by key into the recipe: the same.
    for distribution in &manifests.distributions {
        for (name, o) in distribution.value.overrides.iter() {
            if let Some(build) = &o.value.build {
                same_keys(&build.value.0, name, distribution.file, found);
            }
        }
    }
}

/// Reports every key equal to an earlier key of its mapping, in this mapping and below.
fn same_keys(
    entries: &[(Node<String>, Untyped)],
    product: &str,
    file: FileId,
    found: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, &Node<String>> = HashMap::with_capacity(entries.len());
    for (key, value) in entries {
        if let Some(first) = seen.get(key.as_str()) {
            found.push(
                Diagnostic::new(
                    Code::RecipeKeyDuplicate,
                    file,
                    format!(
                        "the recipe of `{product}` has the key `{key}` twice: as text, which is how recipes are hashed, the two keys are one"
                    ),
                )
                .with_label(file, key.span.clone(), "written again here")
                .with_label(file, first.span.clone(), "first written here")
                .with_help("keep one of the two entries, or rename one: quoting a key does not make it another key"),
            );
        } else {
            seen.insert(key.as_str(), key);
        }
        nested(value, product, file, found);
    }
}

fn nested(value: &Untyped, product: &str, file: FileId, found: &mut Vec<Diagnostic>) {
    match value {
        Untyped::Text(_) => {}
        Untyped::List(items) => {
            for item in items {
                nested(item, product, file, found);
            }
        }
        Untyped::Map(entries) => same_keys(entries, product, file, found),
    }
}
