//! A mirror read for resolution: what locking asks of each mirror (a ref peeled to its commit,
//! the tree of a commit, the default branch, `describe`) answered from the ref files and the
//! object database directly.
//!
//! Opening a repository with gix reads and layers its configuration, discovers its kind and
//! resolves its paths, about a hundred system calls, more than the reads a resolution makes.
//! A mirror is a bare repository distrib fetched itself, so a [`Reader`] opens only its refs
//! and objects. It falls back to the whole repository ([`Mirror`]) wherever what it reads
//! could differ from what git reads: a configuration with `[extensions]` (another object
//! format, another ref storage), an include, `precomposeUnicode` or a format version past 1;
//! a replacement ref (`refs/replace/`, loose or packed), which git applies to every object it
//! reads; a `HEAD` that is no ref. And for the questions only a search of every ref or object
//! answers (closest names, abbreviated ids).

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use gix::objs::Find;
use gix::refs::file::ReferenceExt;

use super::mirror::{Mirror, MirrorError, Tag, branch_named, describe_among};
use super::objects::Objects;
use crate::resolve::refs::{Refs, ResolveError, Unavailable};

/// One mirror, opened for the reads of a resolution.
pub struct Reader {
    path: PathBuf,
    /// `None` when only the whole repository reads the mirror as git does.
    direct: Option<Direct>,
    /// The whole repository, opened when a question needs it.
    whole: OnceCell<Mirror>,
}

struct Direct {
    refs: gix::refs::file::Store,
    objects: Objects,
    packed: Option<gix::refs::packed::Buffer>,
}

const HASH: gix::hash::Kind = gix::hash::Kind::Sha1;

impl Reader {
    pub fn open(path: &Path) -> Result<Reader, Unavailable> {
        if !path.exists() {
            return Err(Unavailable::Missing(path.to_path_buf()));
        }
        let direct = Direct::open(path);
        let reader = Reader {
            path: path.to_path_buf(),
            direct,
            whole: OnceCell::new(),
        };
        if reader.direct.is_none() {
            // What the whole repository says, an error included, is the answer.
            reader.whole()?;
        }
        Ok(reader)
    }

    fn whole(&self) -> Result<&Mirror, Unavailable> {
        if let Some(mirror) = self.whole.get() {
            return Ok(mirror);
        }
        let mirror = Mirror::open(&self.path).map_err(|error| match error {
            MirrorError::Missing(mirror) => Unavailable::Missing(mirror),
            other => Unavailable::Unreadable {
                mirror: self.path.clone(),
                reason: other.to_string(),
            },
        })?;
        Ok(self.whole.get_or_init(|| mirror))
    }

    /// The whole repository, for a question only it answers.
    fn mirror(&self) -> Result<&Mirror, ResolveError> {
        self.whole().map_err(|unavailable| match unavailable {
            Unavailable::Missing(path) => {
                ResolveError::Read(format!("the mirror `{}` is gone", path.display()).into())
            }
            Unavailable::Unreadable { reason, .. } => ResolveError::Read(reason.into()),
        })
    }
}

impl Direct {
    /// The refs and objects of the bare repository at `path`, when reading them directly reads
    /// what git reads; `None` otherwise, or when it is not plainly a bare repository.
    fn open(path: &Path) -> Option<Direct> {
        let bytes = std::fs::read(path.join("config")).ok()?;
        let config = gix::config::File::from_bytes_no_includes(
            &bytes,
            gix::config::file::Metadata::from(gix::config::Source::Local),
            Default::default(),
        )
        .ok()?;
        let has = |name: &str| {
            config
                .sections_by_name(name)
                .is_some_and(|mut sections| sections.next().is_some())
        };
        // An include may say anything: only gix, which follows it, knows.
        let extensions = has("extensions") || has("include") || has("includeIf");
        // Unset or false; a value that is no boolean is left to gix to judge.
        let precomposed = !matches!(
            config.boolean("core.precomposeUnicode"),
            Ok(None | Some(false))
        );
        // Format 0, or 1 without extensions; git refuses any other.
        let format = !matches!(
            config.integer("core.repositoryFormatVersion"),
            Ok(None | Some(0 | 1))
        );
        if extensions || precomposed || format {
            return None;
        }
        // A repository as git recognizes one: a `HEAD` that reads as a ref, `objects` and `refs`.
        let head = std::fs::read(path.join("HEAD")).ok()?;
        let name = gix::refs::FullName::try_from("HEAD").ok()?;
        gix::refs::file::loose::Reference::try_from_path(name, &head, HASH).ok()?;
        if !path.join("objects").is_dir()
            || !path.join("refs").is_dir()
            || path.join("refs").join("replace").exists()
        {
            return None;
        }
        let refs = gix::refs::file::Store::at(path.to_path_buf(), HASH);
        let packed = refs.open_packed_buffer().ok()?;
        let replaced = packed.as_ref().is_some_and(|buffer| {
            buffer
                .iter_prefixed("refs/replace/".into())
                .is_ok_and(|mut refs| refs.next().is_some())
        });
        if replaced {
            return None;
        }
        let objects = Objects::open(&path.join("objects"))?;
        Some(Direct {
            refs,
            objects,
            packed,
        })
    }

    /// The ref of exactly this full name, loose or packed.
    fn find(&self, full_name: &str) -> Result<Option<gix::refs::Reference>, ResolveError> {
        let name = gix::refs::FullName::try_from(full_name).map_err(read_error)?;
        match std::fs::read(self.refs.git_dir().join(full_name)) {
            Ok(bytes) => {
                let loose = gix::refs::file::loose::Reference::try_from_path(name, &bytes, HASH)
                    .map_err(read_error)?;
                return Ok(Some(loose.into()));
            }
            // A folder of refs (`refs/heads/topic/`), or no such file: perhaps packed.
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::IsADirectory
                        | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(error) => return Err(read_error(error)),
        }
        Ok(self
            .packed()
            .and_then(|buffer| buffer.try_find(name.as_ref()).ok().flatten())
            .map(Into::into))
    }

    /// `git describe --tags` of `commit`, as [`Mirror::describe`] says it.
    fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        let id = gix::ObjectId::from_hex(commit.as_bytes()).map_err(read_error)?;
        if self.kind(&id)? != Some(gix::object::Kind::Commit) {
            return Err(ResolveError::Read(
                format!("the mirror has no commit `{commit}`").into(),
            ));
        }
        let packed = self.packed();
        let prefix: &gix::path::RelativePath = "refs/tags/".try_into().map_err(read_error)?;
        let mut tags = Vec::new();
        for reference in self
            .refs
            .iter_prefixed_packed(prefix, packed)
            .map_err(read_error)?
            .flatten()
        {
            let mut reference = reference;
            let target = reference.target.try_id().map(ToOwned::to_owned);
            let Ok(peeled) = reference.peel_to_id_packed(&self.refs, &self.objects, packed) else {
                continue;
            };
            tags.push(Tag {
                name: reference.name.shorten().to_owned(),
                target,
                peeled,
            });
        }
        describe_among(id, commit, tags, &self.objects)
    }

    /// The `packed-refs` of the mirror, as read when it was opened.
    fn packed(&self) -> Option<&gix::refs::packed::Buffer> {
        self.packed.as_ref()
    }

    /// The branch `HEAD` names, if it names one.
    fn default_branch(&self) -> Option<String> {
        match self.find("HEAD").ok()??.target {
            gix::refs::Target::Symbolic(name) => branch_named(name.as_ref()),
            gix::refs::Target::Object(_) => None,
        }
    }

    /// The object `id`, if the mirror has it and it is a `kind`.
    fn object<'b>(
        &self,
        id: &gix::ObjectId,
        kind: gix::object::Kind,
        buffer: &'b mut Vec<u8>,
    ) -> Result<Option<gix::objs::Data<'b>>, ResolveError> {
        Ok(self
            .objects
            .try_find(id, buffer)
            .map_err(read_error)?
            .filter(|object| object.kind == kind))
    }

    fn kind(&self, id: &gix::ObjectId) -> Result<Option<gix::object::Kind>, ResolveError> {
        self.objects.kind(id).map_err(read_error)
    }

    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        let Some(mut reference) = self.find(full_name)? else {
            return Ok(None);
        };
        let packed = self.packed();
        let id = reference
            .peel_to_id_packed(&self.refs, &self.objects, packed)
            .map_err(read_error)?;
        match self.kind(&id)? {
            Some(gix::object::Kind::Commit) => Ok(Some(id.to_string())),
            Some(kind) => Err(ResolveError::NotACommit {
                reference: full_name.to_owned(),
                kind: kind.to_string(),
                id: id.to_string(),
            }),
            None => Err(ResolveError::Read(
                format!("`{full_name}` points to `{id}`, which the mirror does not have").into(),
            )),
        }
    }

    /// The commit `id` names, its tags peeled.
    fn commit_of(&self, id: &str) -> Option<String> {
        let mut id = gix::ObjectId::from_hex(id.as_bytes()).ok()?;
        let mut buffer = Vec::new();
        loop {
            let object = self.objects.try_find(&id, &mut buffer).ok()??;
            match object.kind {
                gix::object::Kind::Commit => return Some(id.to_string()),
                gix::object::Kind::Tag => {
                    id = gix::objs::TagRefIter::from_bytes(object.data, HASH)
                        .target_id()
                        .ok()?;
                }
                _ => return None,
            }
        }
    }

    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        let id = gix::ObjectId::from_hex(commit.as_bytes()).map_err(read_error)?;
        let mut buffer = Vec::new();
        let object = self
            .object(&id, gix::object::Kind::Commit, &mut buffer)?
            .ok_or_else(|| {
                ResolveError::Read(format!("the mirror has no commit `{commit}`").into())
            })?;
        let tree = gix::objs::CommitRefIter::from_bytes(object.data, HASH)
            .tree_id()
            .map_err(read_error)?;
        let Some(path) = path.map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()) else {
            return Ok(tree.to_string());
        };
        let mut tree_buffer = Vec::new();
        let data = self
            .object(&tree, gix::object::Kind::Tree, &mut tree_buffer)?
            .ok_or_else(|| {
                ResolveError::Read(
                    format!("the mirror has no tree `{tree}` of commit `{commit}`").into(),
                )
            })?;
        let mut lookup = Vec::new();
        match gix::objs::TreeRefIter::from_bytes(data.data, HASH)
            .lookup_entry_by_path(&self.objects, &mut lookup, path)
            .map_err(read_error)?
        {
            Some(entry) if entry.mode.is_tree() => Ok(entry.oid.to_string()),
            _ => Err(ResolveError::PathMissing {
                path: path.to_owned(),
                commit: commit.to_owned(),
            }),
        }
    }
}

impl Refs for Reader {
    fn default_branch(&self) -> Option<String> {
        match &self.direct {
            Some(direct) => direct.default_branch(),
            None => self.mirror().ok()?.default_branch(),
        }
    }
    fn peel(&self, full_name: &str) -> Result<Option<String>, ResolveError> {
        // A name git cannot hold is simply not there (rather than a failure to read).
        if gix::validate::reference::name(full_name.into()).is_err() {
            return Ok(None);
        }
        match &self.direct {
            Some(direct) => direct.peel(full_name),
            None => self.mirror()?.peel(full_name),
        }
    }
    fn commit_of(&self, id: &str) -> Option<String> {
        match &self.direct {
            Some(direct) => direct.commit_of(id),
            None => self.mirror().ok()?.commit_of(id),
        }
    }
    fn ref_names(&self) -> Result<Vec<String>, ResolveError> {
        self.mirror()?.ref_names()
    }
    fn commits_with_prefix(&self, prefix: &str) -> Result<Vec<String>, ResolveError> {
        self.mirror()?.commits_with_prefix(prefix)
    }
    fn tree(&self, commit: &str, path: Option<&str>) -> Result<String, ResolveError> {
        match &self.direct {
            Some(direct) => direct.tree(commit, path),
            None => self.mirror()?.tree(commit, path),
        }
    }
    fn describe(&self, commit: &str) -> Result<String, ResolveError> {
        match &self.direct {
            Some(direct) => direct.describe(commit),
            None => self.mirror()?.describe(commit),
        }
    }
}

fn read_error(error: impl std::error::Error + Send + Sync + 'static) -> ResolveError {
    ResolveError::Read(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::Reader;
    use crate::git::mirror::Mirror;
    use crate::resolve::refs::Refs;
    use std::path::Path;

    /// Runs git in the repository at `dir`, as a user with no configuration; its output.
    fn git(dir: &Path, args: &[&str]) -> String {
        let output = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.org")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.org")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// `stream` imported into the bare repository at `path` by `git fast-import`.
    fn fast_import(path: &Path, stream: &str) {
        let mut import = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(path)
            .args(["fast-import", "--quiet"])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        import
            .stdin
            .take()
            .unwrap()
            .write_all(stream.as_bytes())
            .unwrap();
        assert!(import.wait().unwrap().success());
    }

    /// A bare repository with a folder `libs/a` in its one commit, branches and tags loose and
    /// packed, an annotated tag, a tag of a tree, a symbolic branch and a branch folder.
    fn repository(path: &Path) -> String {
        std::fs::create_dir_all(path).unwrap();
        git(path, &["init", "--bare", "-q", "--initial-branch=main"]);
        let stream = "commit refs/heads/main\ncommitter A <a@example.org> 1772366400 +0000\ndata 2\nc\nM 644 inline libs/a/file\ndata 2\na\nM 644 inline README\ndata 2\nr\n\n";
        fast_import(path, stream);
        let commit = git(path, &["rev-parse", "main"]);
        git(path, &["tag", "packed-light", &commit]);
        git(
            path,
            &["tag", "-a", "-m", "annotated", "packed-annotated", &commit],
        );
        git(path, &["branch", "topic/packed", &commit]);
        git(path, &["pack-refs", "--all"]);
        git(path, &["tag", "loose-light", &commit]);
        git(
            path,
            &["tag", "-a", "-m", "annotated", "loose-annotated", &commit],
        );
        git(path, &["tag", "tree", &format!("{commit}^{{tree}}")]);
        git(path, &["branch", "topic/loose", &commit]);
        git(
            path,
            &["symbolic-ref", "refs/heads/alias", "refs/heads/main"],
        );
        // A commit past the tags, and a release tag distrib made, which describe leaves out.
        let tree = git(path, &["rev-parse", "main^{tree}"]);
        let ahead = git(path, &["commit-tree", &tree, "-p", &commit, "-m", "next"]);
        git(path, &["update-ref", "refs/heads/ahead", &ahead]);
        let release = "Version w.2026.47 release from dist w.2026.47 (build b1, lock 0123456789ab)";
        git(path, &["tag", "-a", "-m", release, "w.2026.47", &ahead]);
        commit
    }

    /// What a mirror answers to the questions of a resolution, as text to compare.
    fn answers(refs: &dyn Refs, commit: &str, names: &[&str], ids: &[String]) -> Vec<String> {
        let mut out = vec![format!("HEAD: {:?}", refs.default_branch())];
        for name in names {
            out.push(format!(
                "{name}: {:?}",
                refs.peel(name).map_err(|e| e.to_string())
            ));
        }
        for id in ids {
            out.push(format!("{id}: {:?}", refs.commit_of(id)));
        }
        let ahead = refs.peel("refs/heads/ahead").unwrap().unwrap();
        for commit in [commit, &ahead] {
            let described = refs.describe(commit).map_err(|e| e.to_string());
            out.push(format!("describe {commit}: {described:?}"));
        }
        for path in [
            None,
            Some("libs/a"),
            Some("libs/"),
            Some("README"),
            Some("gone"),
        ] {
            let tree = refs.tree(commit, path).map_err(|e| e.to_string());
            out.push(format!("{path:?}: {tree:?}"));
        }
        out
    }

    const NAMES: &[&str] = &[
        "refs/heads/main",
        "refs/heads/alias",
        "refs/heads/topic/packed",
        "refs/heads/topic/loose",
        "refs/heads/topic",
        "refs/tags/packed-light",
        "refs/tags/packed-annotated",
        "refs/tags/loose-light",
        "refs/tags/loose-annotated",
        "refs/tags/tree",
        "refs/tags/gone",
        "refs/heads/packed-light",
        "refs/tags/bad..name",
    ];

    #[test]
    fn a_mirror_read_directly_answers_as_the_whole_repository_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        let commit = repository(&path);
        let ids = vec![
            commit.clone(),
            git(&path, &["rev-parse", "refs/tags/loose-annotated"]),
            git(&path, &["rev-parse", "refs/tags/packed-annotated"]),
            git(&path, &["rev-parse", "main^{tree}"]),
        ];
        let reader = Reader::open(&path).unwrap();
        assert!(reader.direct.is_some(), "read directly");
        let whole = Mirror::open(&path).unwrap();
        let direct = answers(&reader, &commit, NAMES, &ids);
        assert_eq!(direct, answers(&whole, &commit, NAMES, &ids));
        // The answers are the repository's, not two equal mistakes.
        assert!(direct.contains(&format!("refs/heads/alias: Ok(Some({commit:?}))")));
        assert!(direct.contains(&format!("refs/tags/packed-annotated: Ok(Some({commit:?}))")));
        assert!(direct.contains(&"refs/tags/gone: Ok(None)".to_owned()));
        assert!(direct.contains(&"HEAD: Some(\"main\")".to_owned()));
        let ahead = git(&path, &["rev-parse", "ahead"]);
        assert!(direct.contains(&format!("describe {commit}: Ok(\"loose-annotated\")")));
        assert!(direct.contains(&format!(
            "describe {ahead}: Ok(\"loose-annotated-1-g{}\")",
            &ahead[..7]
        )));
        assert!(
            direct
                .iter()
                .any(|a| a.starts_with("refs/tags/tree: Err(") && a.contains("tree"))
        );
        assert!(
            reader.whole.get().is_none(),
            "nothing needed the whole repository"
        );
        let objects = &reader.direct.as_ref().unwrap().objects;
        assert!(!objects.opened_store(), "every object was read directly");
    }

    #[test]
    fn objects_packed_after_open_are_found_and_an_absent_one_is_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        let first = repository(&path);
        let reader = Reader::open(&path).unwrap();
        assert!(reader.direct.is_some(), "read directly");
        assert!(reader.tree(&first, None).is_ok());
        // Another process commits and packs everything, removing the packs and loose objects
        // the reader listed: as a fetch followed by `git gc` would.
        let tree = git(&path, &["rev-parse", "main^{tree}"]);
        let second = git(&path, &["commit-tree", &tree, "-p", &first, "-m", "later"]);
        git(&path, &["update-ref", "refs/heads/later", &second]);
        git(&path, &["repack", "-a", "-d", "-q"]);
        let whole = Mirror::open(&path).unwrap();
        for id in [&first, &second] {
            assert_eq!(
                format!("{:?}", reader.tree(id, None)),
                format!("{:?}", whole.tree(id, None)),
                "{id}"
            );
        }
        assert_eq!(
            reader.peel("refs/heads/later").unwrap(),
            Some(second.clone())
        );
        let absent = "0".repeat(40);
        let objects = &reader.direct.as_ref().unwrap().objects;
        let id = gix::ObjectId::from_hex(absent.as_bytes()).unwrap();
        assert_eq!(objects.kind(&id).unwrap(), None);
        assert!(reader.tree(&absent, None).is_err());
        assert!(whole.tree(&absent, None).is_err());
    }

    #[test]
    fn a_large_pack_is_read_mapped_as_a_small_one_is_read_whole() {
        use gix::objs::Find;
        // A file of 400 KB that compresses badly, then the same with one line changed: its pack
        // is larger than what is read whole, and the second version a delta of the first.
        let mut state = 1u64;
        let mut lines: Vec<String> = (0..20_000)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                format!("{state:016x}{:03}", state >> 54)
            })
            .collect();
        let first = lines.join("\n");
        lines[10_000] = "changed".into();
        let second = lines.join("\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        std::fs::create_dir_all(&path).unwrap();
        git(&path, &["init", "--bare", "-q", "--initial-branch=main"]);
        let mut stream = String::new();
        for (n, text) in [&first, &second].into_iter().enumerate() {
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter A <a@example.org> {} +0000\ndata 2\nc\nM 644 inline large\ndata {}\n{text}\n\n",
                1772366400 + n,
                text.len()
            ));
        }
        fast_import(&path, &stream);
        git(&path, &["repack", "-a", "-d", "-f", "-q"]);
        let pack = std::fs::read_dir(path.join("objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension() == Some("pack".as_ref()))
            .unwrap();
        assert!(std::fs::metadata(&pack).unwrap().len() > 64 << 10);
        let listing = git(
            &path,
            &[
                "verify-pack",
                "-v",
                pack.with_extension("idx").to_str().unwrap(),
            ],
        );
        assert!(listing.contains("chain length = 1"), "a delta: {listing}");
        let reader = Reader::open(&path).unwrap();
        let whole = Mirror::open(&path).unwrap();
        let objects = &reader.direct.as_ref().unwrap().objects;
        for (revision, text) in [("main~1:large", &first), ("main:large", &second)] {
            let id =
                gix::ObjectId::from_hex(git(&path, &["rev-parse", revision]).as_bytes()).unwrap();
            let mut buffer = Vec::new();
            let blob = objects.try_find(&id, &mut buffer).unwrap().unwrap();
            assert_eq!(blob.kind, gix::object::Kind::Blob);
            assert_eq!(blob.data, text.as_bytes(), "{revision}");
            assert_eq!(objects.kind(&id).unwrap(), Some(gix::object::Kind::Blob));
        }
        let commit = git(&path, &["rev-parse", "main"]);
        assert_eq!(
            format!("{:?}", reader.tree(&commit, None)),
            format!("{:?}", whole.tree(&commit, None))
        );
        assert!(!objects.opened_store(), "every object was read directly");
    }

    #[test]
    fn a_damaged_pack_is_an_error_as_in_the_whole_repository() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        let commit = repository(&path);
        git(&path, &["repack", "-a", "-d", "-q"]);
        let pack = std::fs::read_dir(path.join("objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension() == Some("pack".as_ref()))
            .unwrap();
        // Every object's data overwritten, the pack's header and index left as they were.
        let mut bytes = std::fs::read(&pack).unwrap();
        let end = bytes.len() - 20;
        bytes[12..end].fill(0xff);
        // git writes packs read-only: replaced, not written over.
        std::fs::remove_file(&pack).unwrap();
        std::fs::write(&pack, bytes).unwrap();
        let reader = Reader::open(&path).unwrap();
        assert!(reader.direct.is_some(), "read directly");
        let whole = Mirror::open(&path).unwrap();
        for refs in [&reader as &dyn Refs, &whole] {
            let peeled = refs.peel("refs/heads/main");
            assert!(peeled.is_err(), "{peeled:?}");
            let tree = refs.tree(&commit, None);
            assert!(tree.is_err(), "{tree:?}");
        }
        let objects = &reader.direct.as_ref().unwrap().objects;
        assert!(objects.opened_store(), "gix's database was asked too");
    }

    #[test]
    fn objects_in_many_packs_and_in_an_alternate_are_read_directly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        let first = repository(&path);
        // More packs than the 32 the table of indices holds at least: one per commit.
        let tree = git(&path, &["rev-parse", "main^{tree}"]);
        let mut commits = vec![first.clone()];
        for n in 0..40 {
            let parent = commits.last().unwrap().clone();
            let message = format!("commit {n}");
            let commit = git(
                &path,
                &["commit-tree", &tree, "-p", &parent, "-m", &message],
            );
            git(&path, &["update-ref", &format!("refs/heads/b{n}"), &commit]);
            git(&path, &["repack", "-q"]);
            commits.push(commit);
        }
        let packs = std::fs::read_dir(path.join("objects/pack"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("idx".as_ref()))
            .count();
        assert!(packs > 32, "{packs} packs");
        let names: Vec<String> = (0..40).map(|n| format!("refs/heads/b{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let reader = Reader::open(&path).unwrap();
        assert!(reader.direct.is_some(), "read directly");
        let whole = Mirror::open(&path).unwrap();
        let direct = answers(&reader, &first, &names, &commits);
        assert_eq!(direct, answers(&whole, &first, &names, &commits));
        let last = commits.last().unwrap();
        assert!(direct.contains(&format!("refs/heads/b39: Ok(Some({last:?}))")));
        // A mirror whose objects are another's, through `objects/info/alternates`.
        let borrower = dir.path().join("borrower.git");
        std::fs::create_dir_all(&borrower).unwrap();
        git(
            &borrower,
            &["init", "--bare", "-q", "--initial-branch=main"],
        );
        let objects = path.join("objects").canonicalize().unwrap();
        std::fs::write(
            borrower.join("objects/info/alternates"),
            format!("{}\n", objects.display()),
        )
        .unwrap();
        git(&borrower, &["update-ref", "refs/heads/main", last]);
        git(&borrower, &["update-ref", "refs/heads/ahead", last]);
        let reader = Reader::open(&borrower).unwrap();
        assert!(reader.direct.is_some(), "read directly");
        let expected = answers(&Mirror::open(&borrower).unwrap(), last, &names, &commits);
        let direct = answers(&reader, last, &names, &commits);
        assert_eq!(direct, expected);
        assert!(
            direct.contains(&format!("{first}: Some({first:?})")),
            "{direct:#?}"
        );
    }

    #[test]
    fn a_mirror_that_git_would_read_otherwise_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirror.git");
        let commit = repository(&path);
        let ids = vec![commit.clone()];
        let expected = answers(&Mirror::open(&path).unwrap(), &commit, NAMES, &ids);
        let whole = |path: &Path| {
            let reader = Reader::open(path).unwrap();
            assert!(reader.direct.is_none(), "read whole");
            assert_eq!(answers(&reader, &commit, NAMES, &ids), expected);
        };
        // An extension of the repository's format.
        git(&path, &["config", "core.repositoryFormatVersion", "1"]);
        git(&path, &["config", "extensions.noop", "true"]);
        whole(&path);
        git(&path, &["config", "--remove-section", "extensions"]);
        git(&path, &["config", "core.repositoryFormatVersion", "0"]);
        assert!(Reader::open(&path).unwrap().direct.is_some());
        // A format git does not know, which gix refuses too.
        let config = std::fs::read(path.join("config")).unwrap();
        git(&path, &["config", "core.repositoryFormatVersion", "2"]);
        assert!(matches!(
            Reader::open(&path),
            Err(crate::resolve::refs::Unavailable::Unreadable { .. })
        ));
        std::fs::write(path.join("config"), config).unwrap();
        // An included file, which may hold what the mirror's own does not.
        git(&path, &["config", "include.path", "elsewhere"]);
        whole(&path);
        git(&path, &["config", "--remove-section", "include"]);
        // Names stored decomposed, read precomposed.
        git(&path, &["config", "core.precomposeUnicode", "true"]);
        whole(&path);
        git(&path, &["config", "core.precomposeUnicode", "false"]);
        // A replacement ref, which git applies to every object it reads, loose or packed.
        git(
            &path,
            &[
                "update-ref",
                &format!("refs/replace/{}", "1".repeat(40)),
                &commit,
            ],
        );
        whole(&path);
        git(&path, &["pack-refs", "--all"]);
        let _ = std::fs::remove_dir(path.join("refs/replace"));
        assert!(!path.join("refs/replace").exists());
        whole(&path);
    }

    #[test]
    fn a_folder_that_is_no_repository_is_unreadable_and_none_is_missing() {
        use crate::resolve::refs::Unavailable;
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Reader::open(&dir.path().join("gone.git")),
            Err(Unavailable::Missing(_))
        ));
        let folder = dir.path().join("folder.git");
        std::fs::create_dir_all(folder.join("objects")).unwrap();
        std::fs::write(folder.join("config"), "[core]\n\tbare = true\n").unwrap();
        assert!(matches!(
            Reader::open(&folder),
            Err(Unavailable::Unreadable { .. })
        ));
        // Everything there, but a `HEAD` that is no ref: what gix makes of it is the answer.
        let path = dir.path().join("mirror.git");
        repository(&path);
        std::fs::write(path.join("HEAD"), "garbage").unwrap();
        assert!(Reader::open(&path).is_ok_and(|reader| reader.direct.is_none()));
        std::fs::remove_dir_all(path.join("refs")).unwrap();
        assert!(matches!(
            Reader::open(&path),
            Err(Unavailable::Unreadable { .. })
        ));
    }
}
