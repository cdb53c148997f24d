//! Deployments (O2 §3, §8): the distribution they install exists, each release is listed once
//! and has a lockfile, and the default is installed with official support.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic, closest};
use crate::manifest::Manifests;
use crate::manifest::model::Support;

/// `locks` holds the paths of the lockfiles, `locks/<distribution>/<release>.lock.yaml`.
pub(super) fn check(manifests: &Manifests, locks: &HashSet<&str>, found: &mut Vec<Diagnostic>) {
    let distributions: Vec<&str> = manifests
        .distributions
        .iter()
        .map(|d| d.value.name.as_str())
        .collect();
    for deployment in &manifests.deployments {
        let file = deployment.file;
        let value = &deployment.value;
        if !distributions.contains(&value.distribution.as_str())
            && !manifests.is_unparsed(crate::manifest::Kind::Distribution, &value.distribution)
        {
            found.push(
                Diagnostic::new(
                    Code::DistributionUnknown,
                    file,
                    format!("unknown distribution `{}`", value.distribution),
                )
                .with_label(
                    file,
                    value.distribution.span.clone(),
                    "no distribution has this name",
                )
                .with_help(match closest(&value.distribution, &distributions) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("add `distributions/{}.yaml`", value.distribution),
                }),
            );
        }
        let known = distributions.contains(&value.distribution.as_str());
        let mut installed = HashMap::new();
        for entry in &value.installed {
            let lock = format!("locks/{}/{}.lock.yaml", value.distribution, entry.release);
            if known && !locks.contains(lock.as_str()) {
                found.push(
                    Diagnostic::new(
                        Code::DeploymentUnlocked,
                        file,
                        format!("release `{}` is installed, but `{lock}` does not exist", entry.release),
                    )
                    .with_label(file, entry.release.span.clone(), "no lockfile")
                    .with_help(format!(
                        "only a locked release can be installed: make it with `distrib lock {}` or `distrib release`, or fix the name (`distrib list {}` shows the releases)",
                        value.distribution, value.distribution
                    )),
                );
            }
            if let Some(first) = installed.insert(entry.release.as_str(), entry) {
                found.push(
                    Diagnostic::new(
                        Code::DeploymentDuplicate,
                        file,
                        format!("release `{}` is installed twice", entry.release),
                    )
                    .with_label(file, entry.release.span.clone(), "listed again here")
                    .with_label(file, first.release.span.clone(), "first listed here")
                    .with_help("keep one entry per release"),
                );
                installed.insert(entry.release.as_str(), first);
            }
        }
        let not_installed = |what: String, release: &crate::manifest::span::Node<String>| {
            Diagnostic::new(
                Code::DeploymentSelection,
                file,
                format!("{what} `{release}`, which is not installed"),
            )
            .with_label(file, release.span.clone(), "not in `installed`")
            .with_help(format!(
                "install it first (`distrib deploy add {} {release} --support test`), or name an installed release",
                value.name
            ))
        };
        for (partition, release) in value.partitions.iter() {
            if !installed.contains_key(release.as_str()) {
                found.push(not_installed(
                    format!("partition `{partition}` runs"),
                    release,
                ));
            }
        }
        if let Some(alternative) = &value.alternative {
            if !installed.contains_key(alternative.as_str()) {
                found.push(not_installed("the alternative is".into(), alternative));
            } else if let Some(default) = value
                .default
                .as_ref()
                .filter(|d| d.value == alternative.value)
            {
                found.push(
                    Diagnostic::new(
                        Code::DeploymentSelection,
                        file,
                        format!("the alternative `{alternative}` is the default"),
                    )
                    .with_label(file, alternative.span.clone(), "the alternative")
                    .with_label(file, default.span.clone(), "the default")
                    .with_help("the alternative is offered beside the default: name another installed release, or remove `alternative`"),
                );
            }
        }
        let Some(default) = &value.default else {
            continue;
        };
        match installed.get(default.as_str()) {
            None => found.push(
                Diagnostic::new(Code::DeploymentDefault, file, format!("default release `{default}` is not installed"))
                    .with_label(file, default.span.clone(), "not in `installed`")
                    .with_help(format!("add `{default}` to `installed` with `support: official`, or choose an installed release")),
            ),
            Some(entry) if *entry.support != Support::Official => found.push(
                Diagnostic::new(
                    Code::DeploymentDefault,
                    file,
                    format!("default release `{default}` has {} support, not official", entry.support.as_str()),
                )
                .with_label(file, default.span.clone(), "the default")
                .with_label(file, entry.support.span.clone(), format!("{} support", entry.support.as_str()))
                .with_help("only an officially supported release may be the default: choose another, or make its support `official`"),
            ),
            Some(_) => {}
        }
    }
}
