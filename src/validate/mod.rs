//! From the parsed model to the list of every rule it breaks. Each submodule owns a family of
//! rules; none reads files or prints: they only add diagnostics to the report.

mod config;
mod dependencies;
mod deployments;
mod distributions;
mod names;
mod recipes;
mod repositories;
mod templates;
mod variables;

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, Report};
use crate::manifest::Manifests;
use crate::manifest::model::{Product, Requirement};

pub use config::rule_levels;
pub use dependencies::{satisfies, version_of_tag};

/// Checks every rule of the manifests and adds what it finds to `report`. `finish` then applies
/// the levels of `distrib.yaml`.
pub fn validate(manifests: &Manifests, report: &mut Report) {
    let products = ProductIndex::new(manifests);
    let platforms = dependencies::Platforms::new(manifests);
    let locks: HashSet<&str> = manifests
        .locks
        .iter()
        .map(|&file| report.sources.get(file).path.as_str())
        .collect();
    // The distributions' rules walk each closure on every platform: the most work, on a core
    // of its own while the others run. The diagnostics keep the order of the rules.
    let (distributions, (before, after)) = crate::parallel::join(
        || {
            let mut found = Vec::new();
            distributions::check(manifests, &products, &platforms, &mut found);
            found
        },
        || {
            let mut before = Vec::new();
            config::check(manifests, &mut before);
            names::check(manifests, &mut before);
            repositories::check(manifests, &products, &mut before);
            dependencies::check(manifests, &products, &platforms, &mut before);
            let mut after = Vec::new();
            deployments::check(manifests, &locks, &mut after);
            recipes::check(manifests, &mut after);
            variables::check(manifests, &mut after);
            (before, after)
        },
    );
    report.diagnostics.extend(before);
    report.diagnostics.extend(distributions);
    report.diagnostics.extend(after);
}

/// Applies the rule levels of `distrib.yaml` to every diagnostic of the report, and sorts.
pub fn finish(manifests: &Manifests, report: &mut Report) {
    let levels = rule_levels(manifests);
    report.finish(|code: Code| {
        if code.configurable() {
            levels.get(&code).copied().unwrap_or(code.default_level())
        } else {
            code.default_level()
        }
    });
}

/// Product names and aliases to the product they designate. The first file (by path) wins a
/// duplicate name; `names` reports the others.
pub(crate) struct ProductIndex<'a> {
    by_name: HashMap<&'a str, usize>,
    by_alias: HashMap<&'a str, usize>,
    products: &'a [crate::manifest::Loaded<Product>],
    manifests: &'a Manifests,
    /// Each product's dependencies that name a known product: (target, needed at run time,
    /// the requirement, which says on which platforms the edge holds).
    edges: Vec<Vec<(usize, bool, &'a Requirement)>>,
}

/// How a dependency name was found.
pub(crate) enum Lookup {
    Name(usize),
    Alias(usize),
    Unknown,
}

impl<'a> ProductIndex<'a> {
    fn new(manifests: &'a Manifests) -> Self {
        let mut by_name = HashMap::with_capacity(manifests.products.len());
        let mut by_alias = HashMap::new();
        for (index, product) in manifests.products.iter().enumerate() {
            by_name.entry(product.value.name.as_str()).or_insert(index);
        }
        for (index, product) in manifests.products.iter().enumerate() {
            for alias in &product.value.aliases {
                if !by_name.contains_key(alias.as_str()) {
                    by_alias.entry(alias.as_str()).or_insert(index);
                }
            }
        }
        let mut index = Self {
            by_name,
            by_alias,
            products: &manifests.products,
            manifests,
            edges: Vec::new(),
        };
        index.edges = manifests
            .products
            .iter()
            .map(|product| {
                let run = product
                    .value
                    .depends
                    .iter()
                    .map(|(name, r)| (name, true, r));
                let build = product
                    .value
                    .build_depends
                    .iter()
                    .map(|(name, r)| (name, false, r));
                run.chain(build)
                    .filter_map(|(name, run_time, requirement)| match index.lookup(name) {
                        Lookup::Name(target) | Lookup::Alias(target) => {
                            Some((target, run_time, &requirement.value))
                        }
                        Lookup::Unknown => None,
                    })
                    .collect()
            })
            .collect();
        index
    }

    /// The product `name` names, by its name or a former one.
    fn index_of(&self, name: &str) -> Option<usize> {
        match self.lookup(name) {
            Lookup::Name(index) | Lookup::Alias(index) => Some(index),
            Lookup::Unknown => None,
        }
    }

    /// The product a distribution's `exclude` or `overrides` names: by its name only, as the
    /// distribution is built (a former name there is an error of its own).
    fn named(&self, name: &str) -> Option<usize> {
        match self.lookup(name) {
            Lookup::Name(index) => Some(index),
            Lookup::Alias(_) | Lookup::Unknown => None,
        }
    }

    /// Reports what a distribution's `exclude` or `overrides` (`what`) names, when that is no
    /// product's name: a former name is an error there, since the distribution would build
    /// the product as its file writes it.
    fn resolve_exact(
        &self,
        file: crate::diagnostic::FileId,
        name: &crate::manifest::span::Node<String>,
        what: &str,
        found: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let Lookup::Alias(index) = self.lookup(name) else {
            return self.resolve(file, name, Code::ProductUnknown, what, found);
        };
        let current = &self.get(index).value.name;
        found.push(
            self.former_name(
                Code::ProductUnknown,
                file,
                name,
                index,
                format!("`{name}` in {what} is a former name of `{current}`, not a product's name"),
            )
            .with_help(format!(
                "write `{current}`: {what} name a product by its name, and a former name leaves it as its file writes it"
            )),
        );
        None
    }

    fn lookup(&self, name: &str) -> Lookup {
        if let Some(&index) = self.by_name.get(name) {
            Lookup::Name(index)
        } else if let Some(&index) = self.by_alias.get(name) {
            Lookup::Alias(index)
        } else {
            Lookup::Unknown
        }
    }

    fn get(&self, index: usize) -> &'a crate::manifest::Loaded<Product> {
        &self.products[index]
    }

    /// The known name closest to `name`, for "did you mean".
    fn closest(&self, name: &str) -> Option<&'a str> {
        let names: Vec<&str> = self.by_name.keys().copied().collect();
        crate::diagnostic::closest(name, &names)
    }

    /// A name written where the product `index` has another name now: labelled there, and
    /// where the product is named now.
    fn former_name(
        &self,
        code: Code,
        file: crate::diagnostic::FileId,
        name: &crate::manifest::span::Node<String>,
        index: usize,
        message: String,
    ) -> Diagnostic {
        let product = self.get(index);
        Diagnostic::new(code, file, message)
            .with_label(file, name.span.clone(), "former name")
            .with_label(
                product.file,
                product.value.name.span.clone(),
                "the product is now named here",
            )
    }

    /// Resolves a dependency or root name, reporting unknown names and former names.
    fn resolve(
        &self,
        file: crate::diagnostic::FileId,
        name: &crate::manifest::span::Node<String>,
        code_unknown: Code,
        what: &str,
        found: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        match self.lookup(name) {
            Lookup::Name(index) => Some(index),
            Lookup::Alias(index) => {
                let current = &self.get(index).value.name;
                found.push(
                    self.former_name(
                        Code::DependencyAlias,
                        file,
                        name,
                        index,
                        format!("`{name}` is a former name of `{current}`"),
                    )
                    .with_help(format!("write `{current}`")),
                );
                Some(index)
            }
            Lookup::Unknown
                if self
                    .manifests
                    .is_unparsed(crate::manifest::Kind::Product, name) =>
            {
                None
            }
            Lookup::Unknown => {
                let help = match self.closest(name) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("add `products/{name}.yaml`, or remove this {what}"),
                };
                found.push(
                    Diagnostic::new(
                        code_unknown,
                        file,
                        format!("unknown product `{name}` in {what}"),
                    )
                    .with_label(file, name.span.clone(), "no product has this name")
                    .with_help(help),
                );
                None
            }
        }
    }
}

/// Whether a name is acceptable for a product, alias, distribution, environment or deployment:
/// usable as a file name and in a git ref on every platform.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'))
        && !name.contains("..")
}
