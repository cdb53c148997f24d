//! A smart-HTTP git server for tests: `git http-backend` (the CGI program of the git package)
//! behind a small HTTP/1.1 server on 127.0.0.1 that requires basic authentication. One thread
//! per connection, one request per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// A running server; it stops accepting when dropped.
pub struct GitServer {
    pub port: u16,
    /// One line per request: `<method> <path> <authorized|refused|anonymous>`.
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl GitServer {
    /// Serves the repositories under `root` (as `http://127.0.0.1:<port>/<path below root>`) to
    /// whoever sends `user`:`password`; everyone else gets 401.
    pub fn start(root: &Path, user: &str, password: &str) -> Self {
        Self::serving(root, user, password, None)
    }

    /// Answers every request with a redirect to `location`.
    pub fn redirecting(location: &str) -> Self {
        Self::serving(Path::new("/nonexistent"), "", "", Some(location.to_owned()))
    }

    fn serving(root: &Path, user: &str, password: &str, redirect: Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let expected = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (root, accepted_log, stopping) = (root.to_path_buf(), log.clone(), stop.clone());
        let redirect = Arc::new(redirect);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (root, expected, log) = (root.clone(), expected.clone(), accepted_log.clone());
                let redirect = redirect.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &root, &expected, &log, redirect.as_deref());
                });
            }
        });
        Self { port, log, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    stream: TcpStream,
    root: &Path,
    expected: &str,
    log: &Mutex<Vec<String>>,
    redirect: Option<&str>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let body = match header("content-length") {
        Some(length) => {
            let mut body = vec![0; length.parse().unwrap_or(0)];
            reader.read_exact(&mut body)?;
            body
        }
        None if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) => {
            chunked(&mut reader)?
        }
        None => Vec::new(),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut stream = stream;
    if let Some(location) = redirect {
        log.lock()
            .unwrap()
            .push(format!("{method} {path} redirected"));
        return stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
    }
    let authorization = header("authorization");
    let verdict = match &authorization {
        Some(given) if given == expected => "authorized",
        Some(_) => "refused",
        None => "anonymous",
    };
    log.lock()
        .unwrap()
        .push(format!("{method} {path} {verdict}"));
    if verdict != "authorized" {
        return stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let backend = PathBuf::from(
        String::from_utf8(Command::new("git").arg("--exec-path").output()?.stdout)
            .unwrap_or_default()
            .trim(),
    )
    .join("git-http-backend");
    let mut child = Command::new(backend)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "HTTP_CONTENT_ENCODING",
            header("content-encoding").unwrap_or_default(),
        )
        .env("GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .env("REMOTE_USER", "tester")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let output = child.wait_with_output()?;
    let _ = writer.join();
    let cgi = output.stdout;
    let split = find(&cgi, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(&cgi, b"\n\n").map(|i| (i, 2)))
        .unwrap_or((cgi.len(), 0));
    let (head, content) = (&cgi[..split.0], &cgi[split.0 + split.1..]);
    let mut status = "200 OK".to_owned();
    let mut response = Vec::new();
    for line in String::from_utf8_lossy(head).lines() {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_owned()
            }
            Some(_) => response.extend_from_slice(format!("{line}\r\n").as_bytes()),
            None => {}
        }
    }
    let mut message = format!("HTTP/1.1 {status}\r\n").into_bytes();
    message.extend_from_slice(&response);
    message.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            content.len()
        )
        .as_bytes(),
    );
    message.extend_from_slice(content);
    stream.write_all(&message)
}

fn chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_of_credentials() {
    assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"a"), "YQ==");
}
