//! Credentials for fetching over http(s): from git's credential helpers (the user's
//! `credential.helper`, spoken to with the `git credential` protocol) and `GIT_ASKPASS` /
//! `core.askPass`, found the way git finds them. Only these come from the user's git
//! configuration: the fetch itself stays isolated. Nothing ever prompts on a terminal.

use std::cell::Cell;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::bstr::ByteSlice;
use gix::credentials::helper::{Action, Cascade};
use gix::credentials::protocol::Outcome;

/// Whether the server asked for credentials, and how that went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Asked {
    No,
    Found,
    /// No helper and no askpass program gave any.
    Missing,
    /// The server refused the ones given.
    Rejected,
    /// Asked over plain http, to another machine: none were sent.
    Cleartext,
}

/// The function gix calls when a server wants credentials (and afterwards, to store or erase
/// them), recording in `state` what happened so the error can say it.
pub(super) fn helpers<'a>(
    git_dir: &Path,
    state: &'a Cell<Asked>,
) -> impl FnMut(Action) -> gix::Result<Option<Outcome>> + 'a {
    let git_dir = git_dir.to_path_buf();
    // The user's configuration as git reads it (system, global, environment), for its
    // `credential` sections and `core.askPass` only; read when a server first asks.
    let mut user: Option<Option<gix::Repository>> = None;
    let mut previous: Option<Cascade> = None;
    move |action| {
        // The cascade's own prompting (a terminal, or askpass before a terminal) is never used.
        let never = gix::prompt::Options {
            mode: gix::prompt::Mode::Disable,
            askpass: None,
        };
        match &action {
            Action::Get(context) => {
                let url = context
                    .url
                    .clone()
                    .or_else(|| context.to_url())
                    .and_then(|u| gix::url::parse(u.as_bstr()).ok());
                // Plain http to another machine would show the password to the network.
                if url.as_ref().is_some_and(cleartext_to_the_network) {
                    state.set(Asked::Cleartext);
                    return Ok(None);
                }
                let user = user.get_or_insert_with(|| {
                    gix::open_opts(&git_dir, gix::open::Options::default()).ok()
                });
                let configured = user
                    .as_ref()
                    .zip(url)
                    .and_then(|(repo, url)| repo.config_snapshot().credential_helpers(url).ok());
                let (mut cascade, askpass) = match configured {
                    Some((cascade, _, prompt)) => (cascade, prompt.askpass),
                    None => (
                        Cascade::default(),
                        std::env::var_os("GIT_ASKPASS").map(Into::into),
                    ),
                };
                let outcome = match cascade.invoke(action.clone(), never) {
                    Ok(Some(outcome)) => Ok(Some(outcome)),
                    failed => match askpass.and_then(|program| ask(&program, &action)) {
                        Some(outcome) => Ok(Some(outcome)),
                        None => failed,
                    },
                };
                state.set(if matches!(outcome, Ok(Some(_))) {
                    Asked::Found
                } else {
                    Asked::Missing
                });
                previous = Some(cascade);
                outcome
            }
            Action::Store(_) | Action::Erase(_) => {
                if matches!(action, Action::Erase(_)) {
                    state.set(Asked::Rejected);
                }
                match previous.as_mut() {
                    Some(cascade) => cascade.invoke(action, never),
                    None => Ok(None),
                }
            }
        }
    }
}

/// Whether sending a password to `url` would show it to the network: plain http to another
/// machine.
pub(super) fn cleartext_to_the_network(url: &gix::Url) -> bool {
    url.scheme == gix::url::Scheme::Http
        && !matches!(
            url.host(),
            Some("127.0.0.1" | "localhost" | "::1" | "[::1]")
        )
}

/// Asks an askpass program for the user (unless the URL names one) and the password, as git
/// does: the prompt is its argument, the answer its first line of output.
fn ask(program: &Path, action: &Action) -> Option<Outcome> {
    let mut context = action.context()?.clone();
    context.destructure_url_in_place(false).ok()?;
    let run = |prompt: String| -> Option<String> {
        let output = Command::new(program)
            .arg(prompt)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8(output.stdout).ok()?;
        Some(text.lines().next().unwrap_or_default().to_owned())
    };
    let username = match context.username.clone() {
        Some(user) => user,
        None => run(context.to_prompt("Username"))?,
    };
    let password = run(context.to_prompt("Password"))?;
    context.username = Some(username.clone());
    context.password = Some(password.clone());
    Some(Outcome {
        identity: gix::sec::identity::Account {
            username,
            password,
            oauth_refresh_token: None,
        },
        next: context.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_go_over_http_only_to_this_machine() {
        let refused = |url: &str| {
            cleartext_to_the_network(&gix::url::parse(url.as_bytes().as_bstr()).unwrap())
        };
        assert!(refused("http://git.example.org/a.git"));
        assert!(refused("http://10.0.0.1:8080/a.git"));
        assert!(!refused("https://git.example.org/a.git"));
        assert!(!refused("http://127.0.0.1:8080/a.git"));
        assert!(!refused("http://localhost/a.git"));
        assert!(!refused("http://[::1]:8080/a.git"));
    }
}
