//! Names: their syntax, their match with the file stem, and their uniqueness across files
//! (product names and aliases share one namespace), also when case is ignored.

use std::collections::HashMap;

use super::is_valid_name;
use crate::diagnostic::{Code, Diagnostic, FileId};
use crate::manifest::span::Node;
use crate::manifest::{Kind, Loaded, Manifests};

pub(super) fn check(manifests: &Manifests, found: &mut Vec<Diagnostic>) {
    let named = |kind: Kind, file: FileId, stem: &str, name: &Node<String>| {
        (kind, file, stem.to_owned(), name.clone())
    };
    let mut all: Vec<(Kind, FileId, String, Node<String>)> = Vec::new();
    all.extend(
        manifests
            .products
            .iter()
            .map(|l| named(Kind::Product, l.file, &l.stem, &l.value.name)),
    );
    all.extend(
        manifests
            .distributions
            .iter()
            .map(|l| named(Kind::Distribution, l.file, &l.stem, &l.value.name)),
    );
    all.extend(
        manifests
            .environments
            .iter()
            .map(|l| named(Kind::Environment, l.file, &l.stem, &l.value.name)),
    );
    all.extend(
        manifests
            .deployments
            .iter()
            .map(|l| named(Kind::Deployment, l.file, &l.stem, &l.value.name)),
    );

    let mut first: HashMap<(Kind, &str), (FileId, &Node<String>)> = HashMap::new();
    let mut first_folded: HashMap<(Kind, String), (FileId, &Node<String>)> = HashMap::new();
    for (kind, file, stem, name) in &all {
        if !is_valid_name(name) {
            found.push(invalid_name(*file, name, kind.as_str()));
            continue;
        }
        if name.value != *stem {
            found.push(
                Diagnostic::new(
                    Code::NameMismatch,
                    *file,
                    format!("{} `{name}` is in a file named `{stem}`", kind.as_str()),
                )
                .with_label(*file, name.span.clone(), "differs from the file name")
                .with_help(format!(
                    "rename the file to `{name}.yaml`, or write `name: {stem}`"
                )),
            );
        }
        let folded = name.to_lowercase();
        match first_folded.get(&(*kind, folded.clone())) {
            Some((other_file, other)) if other.value != name.value => found.push(
                Diagnostic::new(
                    Code::NameCaseConflict,
                    *file,
                    format!(
                        "{} `{name}` and `{other}` differ only in case",
                        kind.as_str()
                    ),
                )
                .with_label(*file, name.span.clone(), "this name")
                .with_label(*other_file, other.span.clone(), "and this one")
                .with_help(format!(
                    "rename one of them: a case-insensitive file system (macOS, Windows) takes `{name}` and `{other}` for one name, and their files for one file"
                )),
            ),
            Some(_) => {}
            None => {
                first_folded.insert((*kind, folded), (*file, name));
            }
        }
        match first.get(&(*kind, name.as_str())) {
            Some((other_file, other)) => found.push(
                Diagnostic::new(
                    Code::NameDuplicate,
                    *file,
                    format!("{} `{name}` is defined twice", kind.as_str()),
                )
                .with_label(*file, name.span.clone(), "defined again here")
                .with_label(*other_file, other.span.clone(), "first defined here")
                .with_help("keep one definition and delete the other file"),
            ),
            None => {
                first.insert((*kind, name.as_str()), (*file, name));
            }
        }
    }
    check_aliases(&manifests.products, found);
    check_tag_prefixes(&manifests.products, found);
}

/// A `tag_prefix` starts every release tag of the product: one that no git tag can start with
/// (a space, `~`, `..`) would make every lock of it fail.
fn check_tag_prefixes(
    products: &[Loaded<crate::manifest::model::Product>],
    found: &mut Vec<Diagnostic>,
) {
    for product in products {
        let Some(prefix) = &product.value.tag_prefix else {
            continue;
        };
        // What follows the prefix is a release's tag, which is a valid name of its own.
        if crate::git::valid_tag_name(&format!("{}0", prefix.value)) {
            continue;
        }
        found.push(
            Diagnostic::new(
                Code::InvalidValue,
                product.file,
                format!(
                    "`tag_prefix: {}` cannot start a git tag, so no release of `{}` can be tagged",
                    prefix.value.escape_debug(),
                    product.value.name
                ),
            )
            .with_label(product.file, prefix.span.clone(), "not the start of a tag")
            .with_help("write a prefix of letters, digits and `._-/`, such as `v`"),
        );
    }
}

fn invalid_name(file: FileId, name: &Node<String>, what: &str) -> Diagnostic {
    let help = if name.contains('/') || name.contains('\\') {
        "a name is one path component: remove the `/`, and use sub-folders to group files instead"
    } else {
        "use letters, digits and `._+-`, starting with a letter or digit, without `..`"
    };
    Diagnostic::new(
        Code::NameInvalid,
        file,
        format!("invalid {what} name `{name}`"),
    )
    .with_label(file, name.span.clone(), "invalid name")
    .with_help(help)
}

/// An alias may equal no product name and no other alias: it must designate one product.
fn check_aliases(
    products: &[Loaded<crate::manifest::model::Product>],
    found: &mut Vec<Diagnostic>,
) {
    let names: HashMap<&str, &Loaded<_>> = products
        .iter()
        .rev()
        .map(|p| (p.value.name.as_str(), p))
        .collect();
    let mut aliases: HashMap<&str, (FileId, &Node<String>)> = HashMap::new();
    for product in products {
        for alias in &product.value.aliases {
            if !is_valid_name(alias) {
                found.push(invalid_name(product.file, alias, "alias"));
                continue;
            }
            if let Some(owner) = names.get(alias.as_str()) {
                let message = if owner.file == product.file {
                    format!("`{alias}` is both the name and an alias of this product")
                } else {
                    format!(
                        "alias `{alias}` of `{}` is the name of another product",
                        product.value.name
                    )
                };
                found.push(
                    Diagnostic::new(Code::AliasConflict, product.file, message)
                        .with_label(product.file, alias.span.clone(), "alias")
                        .with_label(owner.file, owner.value.name.span.clone(), "product with this name")
                        .with_help("a former name must not name a current product: remove the alias, or merge the two products"),
                );
            } else if let Some((other_file, other)) = aliases.get(alias.as_str()) {
                found.push(
                    Diagnostic::new(
                        Code::AliasConflict,
                        product.file,
                        format!("alias `{alias}` is claimed by two products"),
                    )
                    .with_label(product.file, alias.span.clone(), "claimed here")
                    .with_label(*other_file, other.span.clone(), "and here")
                    .with_help(
                        "a former name designates one product: remove one of the two aliases",
                    ),
                );
            } else {
                aliases.insert(alias.as_str(), (product.file, alias));
            }
        }
    }
}
