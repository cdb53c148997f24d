//! A distribution's variables: each needs a value, since a lock made without `--var` uses the
//! defaults, and a build input's value is part of every identity.

use crate::diagnostic::{Code, Diagnostic};
use crate::manifest::Manifests;
use crate::manifest::model::Variable;

pub(super) fn check(manifests: &Manifests, found: &mut Vec<Diagnostic>) {
    for distribution in &manifests.distributions {
        let file = distribution.file;
        for (name, variable) in distribution.value.variables.iter() {
            if variable.default_value().is_some() {
                continue;
            }
            let what = if variable.is_input() {
                "build input"
            } else {
                "variable"
            };
            let help = match &variable.value {
                Variable::Declared(declared) if declared.input => format!(
                    "add `default:` to `{name}`: a lock made without `--var {name}=...` needs a value to put in every identity"
                ),
                _ => format!(
                    "add `default:` to `{name}`: a lock made without `--var {name}=...` needs a value"
                ),
            };
            found.push(
                Diagnostic::new(
                    Code::VariableDefaultMissing,
                    file,
                    format!("the {what} `{name}` has no default"),
                )
                .with_label(file, variable.span.clone(), "no `default` here")
                .with_help(help),
            );
        }
    }
}
