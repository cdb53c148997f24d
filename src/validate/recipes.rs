//! Build recipes are free-form, but hashed into identities: every value must have one
//! canonical text. Integers do; other numbers depend on how a language prints them.

use crate::diagnostic::{Code, Diagnostic};
use crate::manifest::Manifests;

pub(super) fn check(manifests: &Manifests, found: &mut Vec<Diagnostic>) {
    for product in &manifests.products {
        let Some(build) = &product.value.build else {
            continue;
        };
        if let Some(number) = first_inexact(&build.value) {
            found.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    product.file,
                    format!("the recipe of `{}` holds the number `{number}`, which has no canonical form", product.value.name),
                )
                .with_label(product.file, build.span.clone(), "in this recipe")
                .with_help(format!("quote it (`\"{number}\"`): only integers are hashed as numbers")),
            );
        }
    }
}

/// The first number that is not an integer, in document order.
fn first_inexact(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) if !(n.is_i64() || n.is_u64()) => Some(n.to_string()),
        serde_json::Value::Array(items) => items.iter().find_map(first_inexact),
        serde_json::Value::Object(map) => map.values().find_map(first_inexact),
        _ => None,
    }
}
