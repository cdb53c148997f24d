//! Repository URLs: the normalized form that decides whether two spellings name the same
//! repository (`https://GitHub.com/lsst/afw/`, `git@github.com:lsst/afw.git`), the redacted form
//! that never shows credentials, and the mirror path of a repository. `docs/identity.md`
//! ("Repository URLs") specifies the normalization; the vectors below are the ones it lists.

use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("empty URL")]
    Empty,
    #[error("URL scheme `{0}` is not supported (use https, ssh, git, file or a path)")]
    Scheme(String),
    #[error("URL has no host")]
    NoHost,
    #[error("URL has no repository path")]
    NoPath,
    #[error("URL path has a `{0}` segment, which names another folder than the one written")]
    DotSegment(String),
    #[error("URL has `%` not followed by two hex digits")]
    Percent,
}

/// The key two URLs of one repository share: `host/path` in lower-case host, without scheme,
/// user, password, port, trailing `/` or `.git`, with percent-escapes of unreserved characters
/// decoded; `file://` and local paths keep their path (`file://` + the path).
pub fn normalize(url: &str) -> Result<String, UrlError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(UrlError::Empty);
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        match scheme.as_str() {
            "file" => return local(rest),
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git" => {}
            _ => return Err(UrlError::Scheme(scheme)),
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        return remote(authority, path);
    }
    if is_local(url) {
        return local(url);
    }
    // scp-like syntax: `[user@]host:path`.
    match url.split_once(':') {
        Some((authority, path)) => remote(authority, path),
        None => local(url),
    }
}

fn is_local(url: &str) -> bool {
    url.starts_with('/')
        || url.starts_with("./")
        || url.starts_with("../")
        || url.starts_with('~')
        || {
            // A `:` after the first `/` is part of a path, not scp-like syntax.
            match (url.find(':'), url.find('/')) {
                (Some(colon), Some(slash)) => slash < colon,
                (None, _) => true,
                _ => false,
            }
        }
}

/// The host of an authority (`user:password@host:port`), without user, password or port.
fn host_of(authority: &str) -> &str {
    let host = authority.rsplit('@').next().unwrap_or(authority);
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

fn remote(authority: &str, path: &str) -> Result<String, UrlError> {
    let host = host_of(authority);
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let path = percent_normalized(&clean_path(path))?;
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return Err(UrlError::NoPath);
    }
    if let Some(dots) = path.split('/').find(|s| *s == "." || *s == "..") {
        return Err(UrlError::DotSegment(dots.to_owned()));
    }
    Ok(format!("{}/{path}", host.to_ascii_lowercase()))
}

fn local(path: &str) -> Result<String, UrlError> {
    let path = clean_path(path);
    if path.is_empty() {
        return Err(UrlError::NoPath);
    }
    // A relative path may start by going up (`../repos/afw`); past that, `.` and `..` would
    // let two spellings name one folder, or one spelling name another folder than it says.
    let absolute = path.starts_with('/');
    let mut kept: Vec<&str> = Vec::new();
    let mut leading = !absolute;
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment {
            "." if leading => {}
            ".." if leading => kept.push(segment),
            "." | ".." => return Err(UrlError::DotSegment(segment.to_owned())),
            _ => {
                leading = false;
                kept.push(segment);
            }
        }
    }
    if kept.last().is_none_or(|s| *s == "..") {
        return Err(UrlError::NoPath);
    }
    Ok(format!(
        "file://{}{}",
        if absolute { "/" } else { "" },
        kept.join("/")
    ))
}

fn clean_path(path: &str) -> String {
    let mut path = path.split(['?', '#']).next().unwrap_or_default().to_owned();
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    path.trim_end_matches('/').to_owned()
}

/// RFC 3986 §6.2.2: escapes of unreserved characters decoded (`%7E` is `~`), other escapes
/// with upper-case hex digits (`%2f` is `%2F`).
fn percent_normalized(path: &str) -> Result<String, UrlError> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            let c = path[i..].chars().next().expect("a char boundary");
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).ok_or(UrlError::Percent)?;
        let value = std::str::from_utf8(hex)
            .ok()
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or(UrlError::Percent)?;
        if value.is_ascii_alphanumeric() || b"-._~".contains(&value) {
            out.push(char::from(value));
        } else {
            out.push_str(&format!("%{value:02X}"));
        }
        i += 3;
    }
    Ok(out)
}

/// The URL with any `user:password@` removed, for printing and for lockfiles.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{path}"),
        None => url.to_owned(),
    }
}

/// A text (an error message, a transport's report) with the `user:password@` of every URL in it
/// removed: a server's redirect can name credentials that no manifest holds.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || "`'\"<>()[]{},;".contains(c))
            .unwrap_or(after.len());
        let authority = &after[..end];
        out.push_str(
            authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host),
        );
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Whether the URL carries a password (`https://user:secret@host/...`). A bare user
/// (`git@host:path`, `https://ci@host/path`) names an account, not a secret.
pub fn has_password(url: &str) -> bool {
    let Some((_, rest)) = url.trim().split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// The mirror folder of a normalized key under `dir`: one folder per segment of the key
/// (`host/owner/name`, or `file:` then the segments of the absolute path), each
/// percent-encoded (every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`; `.` and `..` as `%2E`,
/// `%2E%2E`; an inner segment ending in `.git` with that dot as `%2E`), the last one with
/// `.git` added. Decoding gives the key back, so two keys never share a mirror, and no
/// mirror is inside another one.
pub fn mirror_path(dir: &Path, key: &str) -> PathBuf {
    let (first, rest) = match key.strip_prefix("file://") {
        Some(path) => ("file:", path),
        None => key.split_once('/').unwrap_or((key, "")),
    };
    let segments: Vec<&str> = std::iter::once(first)
        .chain(rest.split('/').filter(|s| !s.is_empty()))
        .collect();
    let mut path = dir.to_path_buf();
    for (i, segment) in segments.iter().enumerate() {
        let mut encoded = encode_segment(segment);
        if i + 1 == segments.len() {
            encoded.push_str(".git");
        } else if let Some(stem) = encoded.strip_suffix(".git") {
            encoded = format!("{stem}%2Egit");
        }
        path.push(encoded);
    }
    path
}

fn encode_segment(segment: &str) -> String {
    if segment == "." || segment == ".." {
        return "%2E".repeat(segment.len());
    }
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_repository_agree() {
        let key = "github.com/lsst/afw";
        for url in [
            "https://github.com/lsst/afw",
            "https://github.com/lsst/afw.git",
            "https://GitHub.com/lsst/afw/",
            "git@github.com:lsst/afw.git",
            "ssh://git@github.com/lsst/afw",
            "ssh://git@github.com:22/lsst/afw.git",
            "https://user:token@github.com/lsst/afw.git",
            "http://github.com//lsst/afw.git/",
        ] {
            assert_eq!(normalize(url).as_deref(), Ok(key), "{url}");
        }
        assert_ne!(
            normalize("https://github.com/lsst/afw").unwrap(),
            normalize("https://github.com/lsst/Afw").unwrap()
        );
    }

    /// One vector per spelling `check` accepts: the table of `docs/identity.md`.
    #[test]
    fn normalization_vectors() {
        for (url, key) in [
            // scp-like
            ("git@github.com:lsst/afw.git", "github.com/lsst/afw"),
            ("github.com:lsst/afw", "github.com/lsst/afw"),
            // ssh, with and without port
            ("ssh://git@github.com/lsst/afw", "github.com/lsst/afw"),
            (
                "ssh://git@gitlab.cern.ch:7999/alice/O2.git",
                "gitlab.cern.ch/alice/O2",
            ),
            ("git+ssh://git@host/x", "host/x"),
            ("git://host/x", "host/x"),
            // https with user, password and port
            (
                "https://ci@gitlab.cern.ch/alice/O2",
                "gitlab.cern.ch/alice/O2",
            ),
            (
                "https://ci:secret@gitlab.cern.ch/alice/O2",
                "gitlab.cern.ch/alice/O2",
            ),
            (
                "https://gitlab.cern.ch:8443/alice/O2",
                "gitlab.cern.ch/alice/O2",
            ),
            ("HTTPS://GitLab.CERN.ch/alice/O2", "gitlab.cern.ch/alice/O2"),
            // `.git`, trailing `/`, doubled `/`, query and fragment
            ("https://github.com/lsst/afw.git/", "github.com/lsst/afw"),
            (
                "https://github.com/lsst//afw?x=1#top",
                "github.com/lsst/afw",
            ),
            // percent-encoding: unreserved decoded, the rest upper-case
            ("https://host/%7Euser/a%2db", "host/~user/a-b"),
            ("https://host/a%2fb", "host/a%2Fb"),
            ("https://host/a%20b", "host/a%20b"),
            // IPv6 host
            ("https://[::1]:8080/x", "[::1]/x"),
            // file:// and plain paths
            ("file:///srv/git/afw.git", "file:///srv/git/afw"),
            ("file:///srv/git/afw/", "file:///srv/git/afw"),
            ("/srv/git/afw", "file:///srv/git/afw"),
            ("./repos/afw", "file://repos/afw"),
            ("repos/afw", "file://repos/afw"),
            ("../repos/afw", "file://../repos/afw"),
            ("./../repos/afw", "file://../repos/afw"),
            ("repos/a:b", "file://repos/a:b"),
        ] {
            assert_eq!(normalize(url).as_deref(), Ok(key), "{url}");
        }
    }

    #[test]
    fn local_paths() {
        assert_eq!(
            normalize("/srv/git/afw.git").as_deref(),
            Ok("file:///srv/git/afw")
        );
        assert_eq!(
            normalize("file:///srv/git/afw/").as_deref(),
            Ok("file:///srv/git/afw")
        );
        assert_eq!(normalize("./repos/afw").as_deref(), Ok("file://repos/afw"));
        assert_eq!(normalize("repos/a:b").as_deref(), Ok("file://repos/a:b"));
    }

    #[test]
    fn invalid_urls() {
        assert_eq!(normalize("  "), Err(UrlError::Empty));
        assert_eq!(
            normalize("ftp://host/x"),
            Err(UrlError::Scheme("ftp".into()))
        );
        assert_eq!(normalize("https://github.com/"), Err(UrlError::NoPath));
        assert_eq!(normalize("git@:x"), Err(UrlError::NoHost));
        assert_eq!(normalize("https://host/a%2"), Err(UrlError::Percent));
        assert_eq!(normalize("https://host/a%zz"), Err(UrlError::Percent));
        for url in [
            "file:///x/a/..",
            "file:///x/./a",
            "/x/a/../b",
            "repos/../a",
            "https://host/a/..",
            "https://host/a/%2E%2E",
            "git@host:a/./b",
        ] {
            assert!(
                matches!(normalize(url), Err(UrlError::DotSegment(_))),
                "{url}: {:?}",
                normalize(url)
            );
        }
        assert_eq!(normalize(".."), Err(UrlError::NoPath));
    }

    #[test]
    fn mirror_paths_are_injective() {
        let dir = Path::new("/m");
        // Pairs whose mirrors were one folder with the former encoding (`..` as `_`, `.`
        // dropped, `file://` as a `file` host), and pairs a naive encoding would merge.
        let pairs = [
            ("file:///x/a/..", "file:///x/a/_"),
            ("file:///x/a/.", "file:///x/a"),
            ("file:///srv/git/afw", "https://file/srv/git/afw"),
            ("https://host/a%2Fb", "https://host/a/b"),
            ("https://host/a%5Fb", "https://host/a_b"),
            ("https://host/a.git/b", "https://host/a/b"),
            ("https://host/a b", "https://host/a%20b"),
        ];
        for (a, b) in pairs {
            // Keys as `Mirrors::path` makes them: normalized when valid, else as written.
            let key = |u: &str| normalize(u).unwrap_or_else(|_| u.to_owned());
            let (ka, kb) = (key(a), key(b));
            if ka == kb {
                continue; // one repository, spelled twice: one mirror is right
            }
            assert_ne!(mirror_path(dir, &ka), mirror_path(dir, &kb), "{a} / {b}");
        }
        assert_eq!(
            mirror_path(dir, "github.com/lsst/afw"),
            Path::new("/m/github.com/lsst/afw.git")
        );
        assert_eq!(
            mirror_path(dir, "file:///srv/a_b/x y"),
            Path::new("/m/file%3A/srv/a_b/x%20y.git")
        );
        assert_eq!(
            mirror_path(dir, "file:///x/a/.."),
            Path::new("/m/file%3A/x/a/%2E%2E.git")
        );
        assert_eq!(
            mirror_path(dir, "host/a.git/b"),
            Path::new("/m/host/a%2Egit/b.git")
        );
        // No segment can leave the mirrors folder.
        for key in ["../../etc", "host/../../x", "file:///../x"] {
            let path = mirror_path(dir, key);
            assert!(
                path.components()
                    .all(|c| !matches!(c, std::path::Component::ParentDir)),
                "{key}: {}",
                path.display()
            );
        }
    }

    #[test]
    fn redaction_removes_credentials() {
        assert_eq!(
            redact("https://user:token@host/x.git"),
            "https://host/x.git"
        );
        assert_eq!(redact("https://host/x"), "https://host/x");
        assert_eq!(redact("git@github.com:lsst/afw"), "git@github.com:lsst/afw");
        assert_eq!(
            redact_text(
                "redirected to `https://u:p@evil.example/x` from https://a:b@host:8080/y, then http://host/z"
            ),
            "redirected to `https://evil.example/x` from https://host:8080/y, then http://host/z"
        );
    }

    #[test]
    fn passwords_and_bare_users() {
        assert!(has_password("https://ci:secret@host/x"));
        assert!(has_password("ssh://git:pw@host/x"));
        assert!(!has_password("https://ci@host/x"));
        assert!(!has_password("git@host:x"));
        assert!(!has_password("ssh://git@host:22/x"));
        assert!(!has_password("https://host:8443/x"));
        assert!(!has_password("/srv/a:b@c/x"));
    }
}
