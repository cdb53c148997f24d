//! Computes `DISTRIB_BUILD_ID`, a digest of everything this build is compiled from: `src/`,
//! `build.rs`, `Cargo.toml` and `Cargo.lock` (the dependencies' versions change how manifests
//! parse as surely as our own code does). The parse cache is keyed by it, so two builds that
//! share a version number never read each other's entries, while rebuilding the same sources
//! (another folder, another machine, another mtime) keeps the cache.
//!
//! Also sets `DISTRIB_VERSION`, what `--version` prints: the package version, and, when the
//! sources are a git checkout and git is installed, the commit and its date
//! (`0.1.0 (21f78f5a0c1e 2026-11-30)`), as cargo and rustc show theirs.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files);
    for name in ["build.rs", "Cargo.toml", "Cargo.lock"] {
        if root.join(name).is_file() {
            files.push(root.join(name));
        }
    }
    let mut named: Vec<(String, &Path)> = files
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap_or(path);
            (
                relative.to_string_lossy().replace('\\', "/"),
                path.as_path(),
            )
        })
        .collect();
    named.sort();
    let mut hash = Fnv128::default();
    for (name, path) in &named {
        let bytes = std::fs::read(path).unwrap_or_default();
        hash.write(name.as_bytes());
        hash.write(&[0]);
        hash.write(&(bytes.len() as u64).to_le_bytes());
        hash.write(&bytes);
    }
    println!("cargo:rustc-env=DISTRIB_BUILD_ID={:032x}", hash.0);
    for name in ["src", "build.rs", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={name}");
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    match commit(&root) {
        Some((commit, date)) => {
            println!("cargo:rustc-env=DISTRIB_VERSION={version} ({commit} {date})")
        }
        None => println!("cargo:rustc-env=DISTRIB_VERSION={version}"),
    }
}

/// The commit checked out at `root` (12 hex digits) and its date, from git; `None` outside a
/// checkout or without git. Rebuilt when HEAD moves.
fn commit(root: &Path) -> Option<(String, String)> {
    let git = |args: &[&str]| -> Option<String> {
        let output = std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
    };
    // Only this package's own repository: not one the sources happen to sit inside.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    // Only files that exist: cargo would rerun this script on every build for a missing one.
    let watch = |file: String| {
        let path = root.join(file);
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    };
    for path in ["HEAD", "packed-refs"] {
        if let Some(file) = git(&["rev-parse", "--git-path", path]) {
            watch(file);
        }
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(file) = git(&["rev-parse", "--git-path", &reference])
    {
        watch(file);
    }
    let line = git(&["log", "-1", "--format=%H %cs", "HEAD"])?;
    let (commit, date) = line.split_once(' ')?;
    Some((commit.get(..12)?.to_owned(), date.to_owned()))
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// FNV-1a, 128 bits: no dependency, and collisions between builds need no defence.
struct Fnv128(u128);

impl Default for Fnv128 {
    fn default() -> Self {
        Self(0x6c62272e07bb014262b821756295c58d)
    }
}

impl Fnv128 {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(0x0000000001000000000000000000013b);
        }
    }
}
