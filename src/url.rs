//! Repository URLs: the normalized form that decides whether two spellings name the same
//! repository (`https://GitHub.com/lsst/afw/`, `git@github.com:lsst/afw.git`), and the
//! redacted form that never shows credentials.

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
}

/// The key two URLs of one repository share: `host/path` in lower-case host, without scheme,
/// user, password, port, trailing `/` or `.git`; `file://` and local paths keep their path.
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

fn remote(authority: &str, path: &str) -> Result<String, UrlError> {
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let path = clean_path(path);
    if path.is_empty() {
        return Err(UrlError::NoPath);
    }
    Ok(format!(
        "{}/{}",
        host.to_ascii_lowercase(),
        path.trim_start_matches('/')
    ))
}

fn local(path: &str) -> Result<String, UrlError> {
    let path = clean_path(path);
    if path.is_empty() {
        return Err(UrlError::NoPath);
    }
    Ok(format!("file://{path}"))
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
        assert_eq!(
            normalize("./repos/afw").as_deref(),
            Ok("file://./repos/afw")
        );
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
    }

    #[test]
    fn redaction_removes_credentials() {
        assert_eq!(
            redact("https://user:token@host/x.git"),
            "https://host/x.git"
        );
        assert_eq!(redact("https://host/x"), "https://host/x");
        assert_eq!(redact("git@github.com:lsst/afw"), "git@github.com:lsst/afw");
    }
}
