//! An origin's refs read and written with the git binary (gix cannot push): `git ls-remote`,
//! `git tag` in a mirror and `git push --atomic`. Each command runs isolated from the user's
//! and the system's git configuration, as fetches are, but for what the user configured about
//! credentials (`credential.*`, `core.askPass`) and who they are (`user.name`, `user.email`):
//! these are passed on, credentials never over plain http to another machine. Nothing prompts:
//! `GIT_TERMINAL_PROMPT=0`, and ssh in batch mode.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::bstr::ByteSlice;
use thiserror::Error;

use super::local::REMOVED;
use super::mirror::CredentialProblem;
use crate::tag::RemoteRef;

/// Why an origin could not be read or written.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RemoteError {
    #[error("{0}")]
    Credentials(CredentialProblem),
    #[error("{0}")]
    Failed(String),
}

impl RemoteError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            RemoteError::Credentials(CredentialProblem::Cleartext) => "use the server's https URL (a `rewrite:` of distrib.yaml can point the manifest's URL at it)".into(),
            RemoteError::Credentials(CredentialProblem::Rejected) => "update the credentials your git credential helper holds for this server: distrib never prompts".into(),
            RemoteError::Credentials(CredentialProblem::Missing) => "configure a git credential helper for this server (`git config --global credential.helper store`, or your system's keychain helper) or set `GIT_ASKPASS`: distrib never prompts".into(),
            RemoteError::Failed(_) => "check that the repository exists at this URL and accepts pushes from you, then run the same command again: it finishes what is left".into(),
        }
    }
}

/// The git binary, with what the user's configuration says of credentials and identity.
#[derive(Clone, Debug, Default)]
pub struct Git {
    /// `credential.*` and `core.askpass` settings, passed as `-c key=value`.
    credentials: Vec<(String, String)>,
    /// `user.name` and `user.email`.
    identity: Vec<(String, String)>,
}

impl Git {
    /// Reads the user's settings once (system and global configuration, as git reads them).
    pub fn from_user_config() -> Self {
        let output = Command::new("git")
            .args([
                "config",
                "--includes",
                "--get-regexp",
                r"^(credential\..*|core\.askpass|user\.name|user\.email)$",
            ])
            .current_dir(std::env::temp_dir())
            .env_remove("GIT_DIR")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        let mut git = Self::default();
        let Ok(output) = output else { return git };
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let pair = (key.to_owned(), value.to_owned());
            if key.starts_with("user.") {
                git.identity.push(pair);
            } else {
                git.credentials.push(pair);
            }
        }
        git
    }

    /// `git` isolated, in `dir`, with the settings that may reach `url`.
    fn command(&self, dir: Option<&Path>, url: Option<&str>) -> Command {
        let mut command = Command::new("git");
        for name in REMOVED {
            command.env_remove(name);
        }
        command
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env(
                "GIT_CONFIG_GLOBAL",
                if cfg!(windows) { "NUL" } else { "/dev/null" },
            )
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        if std::env::var_os("GIT_SSH_COMMAND").is_none() {
            command.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let cleartext = url
            .and_then(|u| gix::url::parse(u.as_bytes().as_bstr()).ok())
            .is_some_and(|u| super::credentials::cleartext_to_the_network(&u));
        if !cleartext {
            for (key, value) in &self.credentials {
                command.arg("-c").arg(format!("{key}={value}"));
            }
        }
        for (key, value) in &self.identity {
            command.arg("-c").arg(format!("{key}={value}"));
        }
        command
    }

    /// The origin's refs of these full names (`refs/tags/...`), peeled: what `git ls-remote`
    /// says of them. A name the origin lacks is absent from the answer.
    pub fn ls_remote(
        &self,
        url: &str,
        names: &[String],
    ) -> Result<BTreeMap<String, RemoteRef>, RemoteError> {
        // A local origin is read in place, as `git upload-pack` would read it: two processes
        // fewer per repository.
        if let Some(path) = super::local::local_path(url) {
            return read_local(&path, names);
        }
        let mut command = self.command(None, Some(url));
        command.current_dir(std::env::temp_dir());
        command.args(["ls-remote", "--", url]);
        // A pattern matches the peeled line of an annotated tag only when written with `^{}`.
        for name in names {
            command.arg(name).arg(format!("{name}^{{}}"));
        }
        let stdout = run(command, url)?;
        let mut refs: BTreeMap<String, RemoteRef> = BTreeMap::new();
        for line in stdout.lines() {
            let Some((id, name)) = line.split_once('\t') else {
                continue;
            };
            match name.strip_suffix("^{}") {
                Some(base) => refs.entry(base.to_owned()).or_default().peeled = Some(id.to_owned()),
                None => refs.entry(name.to_owned()).or_default().object = id.to_owned(),
            }
        }
        // `^{}` of a name not asked for (`ls-remote` matches on the last components).
        refs.retain(|name, r| !r.object.is_empty() && names.contains(name));
        Ok(refs)
    }

    /// Creates (or replaces) the annotated tag `name` at `commit` in the bare repository
    /// `mirror`, dated `date` (`YYYY-MM-DDTHH:MM`): the same tag gives the same object.
    pub fn tag(
        &self,
        mirror: &Path,
        name: &str,
        commit: &str,
        message: &str,
        date: &str,
    ) -> Result<(), RemoteError> {
        let mut command = self.command(Some(mirror), None);
        command
            .env("GIT_COMMITTER_DATE", format!("{date}:00+0000"))
            .args([
                "tag",
                "--force",
                "--annotate",
                "--no-sign",
                "--cleanup=verbatim",
            ])
            .arg("--message")
            .arg(message)
            .arg("--")
            .arg(name)
            .arg(commit);
        if !self.identity.iter().any(|(k, _)| k == "user.name")
            && std::env::var_os("GIT_COMMITTER_NAME").is_none()
        {
            command.env("GIT_COMMITTER_NAME", "distrib");
        }
        if !self.identity.iter().any(|(k, _)| k == "user.email")
            && std::env::var_os("GIT_COMMITTER_EMAIL").is_none()
        {
            command.env("GIT_COMMITTER_EMAIL", "distrib@localhost");
        }
        run(command, "").map(|_| ())
    }

    /// The message of the tag object `id` in `mirror`, when it has it.
    pub fn message_of(&self, mirror: &Path, id: &str) -> Option<String> {
        let repo = gix::open_opts(mirror, gix::open::Options::isolated()).ok()?;
        let id = gix::ObjectId::from_hex(id.as_bytes()).ok()?;
        let object = repo.try_find_object(id).ok()??;
        let tag = object.try_into_tag().ok()?;
        let message = tag.decode().ok()?.message.to_str_lossy().into_owned();
        Some(message)
    }

    /// The git folder of the repository whose work tree holds `dir`, and the URL of its
    /// `origin` remote when it has one.
    pub fn repository(&self, dir: &Path) -> Option<(std::path::PathBuf, Option<String>)> {
        let mut command = self.command(Some(dir), None);
        command.args(["rev-parse", "--absolute-git-dir"]);
        let git_dir = run(command, "").ok()?.trim().to_owned();
        let mut command = self.command(Some(dir), None);
        command.args(["remote", "get-url", "origin"]);
        let origin = run(command, "").ok().map(|u| u.trim().to_owned());
        Some((git_dir.into(), origin.filter(|u| !u.is_empty())))
    }

    /// Pushes `refspecs` from `mirror` to `url` in one atomic push: all or none.
    pub fn push(&self, mirror: &Path, url: &str, refspecs: &[String]) -> Result<(), RemoteError> {
        let mut command = self.command(Some(mirror), Some(url));
        command
            .args(["push", "--atomic", "--porcelain", "--no-verify", "--", url])
            .args(refspecs);
        run(command, url).map(|_| ())
    }
}

/// The refs `names` of the local repository at `path`, peeled.
fn read_local(path: &Path, names: &[String]) -> Result<BTreeMap<String, RemoteRef>, RemoteError> {
    let failed = |e: &dyn std::fmt::Display| {
        RemoteError::Failed(format!(
            "`{}` does not appear to be a git repository: {e}",
            path.display()
        ))
    };
    let repo = gix::open_opts(path, gix::open::Options::isolated()).map_err(|e| failed(&e))?;
    let mut refs = BTreeMap::new();
    for name in names {
        let Some(mut reference) = repo
            .try_find_reference(name.as_str())
            .map_err(|e| failed(&e))?
        else {
            continue;
        };
        let Some(object) = reference
            .target()
            .try_id()
            .map(|id| id.to_hex().to_string())
        else {
            continue;
        };
        let peeled = reference
            .peel_to_id()
            .map_err(|e| failed(&e))?
            .to_hex()
            .to_string();
        refs.insert(
            name.clone(),
            RemoteRef {
                peeled: (peeled != object).then_some(peeled),
                object,
            },
        );
    }
    Ok(refs)
}

/// Runs `command`; its stdout, or why it failed, in its own words (without `url`'s
/// credentials).
fn run(mut command: Command, url: &str) -> Result<String, RemoteError> {
    let output = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RemoteError::Failed(
                "git is not installed: distrib reads and writes origins with it".into(),
            ),
            _ => RemoteError::Failed(e.to_string()),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return Ok(stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("terminal prompts disabled") || stderr.contains("could not read Username") {
        let cleartext = gix::url::parse(url.as_bytes().as_bstr())
            .is_ok_and(|u| super::credentials::cleartext_to_the_network(&u));
        return Err(RemoteError::Credentials(if cleartext {
            CredentialProblem::Cleartext
        } else {
            CredentialProblem::Missing
        }));
    }
    if stderr.contains("Authentication failed") {
        return Err(RemoteError::Credentials(CredentialProblem::Rejected));
    }
    // What the remote said (`! [remote rejected] ... (pre-receive hook declined)`), else git's
    // last words.
    let rejected: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('!'))
        .map(|l| l.trim_start_matches('!').trim())
        .collect();
    let mut lines: Vec<String> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("To ") && !l.starts_with("hint:"))
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l).to_owned())
        .collect();
    if !rejected.is_empty() {
        lines.retain(|l| l.starts_with("remote:"));
        lines.extend(rejected.iter().map(|l| l.to_string()));
    }
    let reason = if lines.is_empty() {
        format!("git exited with {}", output.status)
    } else {
        lines.join("; ")
    };
    Err(RemoteError::Failed(crate::url::redact_text(&reason)))
}
