//! The server side of a fetch from a local path or `file://` URL: `git upload-pack`, run with
//! an environment that keeps the user's and the system's git configuration out
//! (`transfer.hideRefs`, `uploadpack.*`...). The origin repository's own configuration still
//! applies, as it would on any server.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use gix::bstr::ByteSlice;
use gix::protocol::transport::Protocol;
use gix::protocol::transport::client::git::{ConnectMode, blocking_io::Connection};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// What git itself removes before running a command in another repository, so that nothing
/// of the caller's repository leaks into it.
pub(super) const REMOVED: &[&str] = &[
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_SYSTEM",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
];

/// The path a URL names when it is local (a path or `file://`), else `None`.
pub(super) fn local_path(url: &str) -> Option<PathBuf> {
    let parsed = gix::url::parse(url.as_bytes().as_bstr()).ok()?;
    if parsed.scheme != gix::url::Scheme::File {
        return None;
    }
    Some(
        gix::path::from_bstr(parsed.path.as_bstr())
            .ok()?
            .into_owned(),
    )
}

pub(super) type UploadConnection = Connection<ChildStdout, ChildStdin>;

/// A running `git upload-pack`.
pub(super) struct UploadPack {
    connection: UploadConnection,
    finish: Finish,
}

/// What is left of the server once the client has the connection.
pub(super) struct Finish {
    child: Child,
    stderr: JoinHandle<String>,
}

impl UploadPack {
    pub fn spawn(path: &Path) -> std::io::Result<Self> {
        // A path git could read as an option.
        let path = if path.as_os_str().to_string_lossy().starts_with('-') {
            Path::new(".").join(path)
        } else {
            path.to_path_buf()
        };
        let mut command = Command::new("git");
        command
            .arg("upload-pack")
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in REMOVED {
            command.env_remove(name);
        }
        command
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env(
                "GIT_CONFIG_GLOBAL",
                if cfg!(windows) { "NUL" } else { "/dev/null" },
            )
            .env("GIT_PROTOCOL", "version=2");
        let mut child = command.spawn().map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => std::io::Error::new(
                error.kind(),
                "git is not installed: a local path or `file://` URL is served by `git upload-pack`",
            ),
            _ => error,
        })?;
        let stdout = child.stdout.take().expect("piped");
        let stdin = child.stdin.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = (&mut stderr).take(64 * 1024).read_to_string(&mut text);
            // Keep draining so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            text
        });
        let connection = Connection::new(
            stdout,
            stdin,
            Protocol::V2,
            path.to_string_lossy().into_owned(),
            None::<(String, Option<u16>)>,
            ConnectMode::Process,
            false,
        );
        Ok(Self {
            connection,
            finish: Finish { child, stderr },
        })
    }

    pub fn into_parts(self) -> (UploadConnection, Finish) {
        (self.connection, self.finish)
    }
}

impl Finish {
    /// Waits for the server to end (the client has dropped its connection by now) and, when the
    /// fetch failed, adds what the server said: "not a git repository" explains more than
    /// "handshake failed".
    pub fn wait<T>(mut self, result: Result<T, Source>) -> Result<T, Source> {
        let _ = self.child.wait();
        let said = self.stderr.join().unwrap_or_default();
        let said = said.trim();
        match result {
            Ok(value) => Ok(value),
            Err(error) if said.is_empty() => Err(error),
            Err(error) => Err(format!("{error}: git upload-pack said: {said}").into()),
        }
    }
}
