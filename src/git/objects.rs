//! The objects of a mirror, read from its packs and loose objects directly.
//!
//! gix's object database (`gix::odb::Store`) is made for repositories that change while they
//! are read: at open and at the first read it lists the pack folder, `stat`s each pack and
//! resolves the real path of the objects folder (a `statx` per component of the path) to
//! follow alternates, and each handle keeps a decompressor of its own. A resolution reads a
//! commit or two from each of a hundred mirrors that nothing changes while it reads (see
//! `mirror::Pool`), so [`Objects`] lists the pack folder once, maps each pack's index and data
//! at open, and decompresses with one decompressor per thread.
//!
//! It answers only what it can answer as git would. A mirror with alternates is left to gix.
//! A pack that cannot be opened, or an object whose delta base is in another pack (which only
//! a multi-pack index allows), is read by gix's database, opened then. So is an object found
//! neither in the packs listed at open nor loose: another process may have packed it since (a
//! `git gc`, a fetch), and gix's database lists the packs again before it says an object is
//! not there, as git does.

use std::cell::{OnceCell, RefCell};
use std::path::{Path, PathBuf};

use gix::objs::Find;
use gix::odb::Header;
use gix::odb::pack::{Bundle, cache::Never};

const HASH: gix::hash::Kind = gix::hash::Kind::Sha1;

thread_local! {
    /// The decompressor of this thread's reads: its window is 32 KiB, worth sharing.
    static INFLATE: RefCell<gix::zlib::Inflate> = RefCell::new(gix::zlib::Inflate::default());
}

/// The object database of one mirror.
pub struct Objects {
    folder: PathBuf,
    /// `None` when gix's database reads every object.
    direct: Option<Direct>,
    /// gix's database, opened when the direct reading cannot answer.
    store: OnceCell<Option<gix::odb::Handle>>,
}

struct Direct {
    packs: Vec<Bundle>,
    loose: gix::odb::loose::Store,
}

impl Objects {
    /// The objects folder `folder` (`<mirror>/objects`); `None` when neither reading finds a
    /// database there.
    pub fn open(folder: &Path) -> Option<Objects> {
        let objects = Objects {
            folder: folder.to_path_buf(),
            direct: Direct::open(folder),
            store: OnceCell::new(),
        };
        if objects.direct.is_none() {
            objects.store().ok()?;
        }
        Some(objects)
    }

    /// gix's database of the folder, opened at the first call.
    fn store(&self) -> Result<&gix::odb::Handle, Error> {
        self.store
            .get_or_init(|| {
                use gix::odb::store::init::{Options, Slots};
                if self.folder.join("info").join("alternates").exists() {
                    return gix::odb::at(&self.folder, HASH).ok();
                }
                // Its table of packs sized from the folder's entries (at least one per pack)
                // with gix's own margin, a tenth more, at least 32, rather than by gix
                // listing the packs again.
                let entries =
                    std::fs::read_dir(self.folder.join("pack")).map_or(0, Iterator::count);
                let slots = u16::try_from((entries + entries / 10).max(32)).ok()?;
                let options = Options {
                    slots: Slots::Given(slots),
                    current_dir: current_dir(),
                    ..Options::default()
                };
                gix::odb::at_opts(&self.folder, HASH, None, options).ok()
            })
            .as_ref()
            .ok_or_else(|| {
                gix::Error::from_error(std::io::Error::other(format!(
                    "the object database `{}` cannot be opened",
                    self.folder.display()
                )))
            })
    }

    /// Whether gix's database was opened: some object could not be read directly.
    #[cfg(test)]
    pub fn opened_store(&self) -> bool {
        self.store.get().is_some()
    }

    /// The kind of the object `id`, if the database has it.
    pub fn kind(&self, id: &gix::hash::oid) -> Result<Option<gix::object::Kind>, Error> {
        if let Some(direct) = &self.direct {
            match direct.packed_kind(id) {
                Packed::Object(kind) => return Ok(Some(kind)),
                Packed::Absent => {
                    if let Some((_, kind)) = direct.loose.try_header(id)? {
                        return Ok(Some(kind));
                    }
                }
                Packed::Undecodable => {}
            }
        }
        Ok(self.store()?.try_header(id)?.map(|header| header.kind()))
    }
}

type Error = gix::Error;

impl Find for Objects {
    fn try_find<'a>(
        &self,
        id: &gix::hash::oid,
        buffer: &'a mut Vec<u8>,
    ) -> Result<Option<gix::objs::Data<'a>>, Error> {
        if let Some(direct) = &self.direct {
            match direct.packed(id, buffer) {
                Packed::Object(kind) => return Ok(Some(gix::objs::Data::new(buffer, kind, HASH))),
                Packed::Absent => {
                    // A loose object is read into the whole of `buffer`, as a packed one is.
                    let loose = direct.loose.try_find(id, buffer)?.map(|object| object.kind);
                    if let Some(kind) = loose {
                        return Ok(Some(gix::objs::Data::new(buffer, kind, HASH)));
                    }
                }
                Packed::Undecodable => {}
            }
        }
        self.store()?.try_find(id, buffer)
    }
}

/// What the packs of a [`Direct`] reading say of an object.
enum Packed {
    /// It is in a pack, of this kind.
    Object(gix::object::Kind),
    /// No pack has it.
    Absent,
    /// A pack has it but cannot decode it alone: its delta base is elsewhere, or the pack is
    /// damaged. gix's database says what it is, or why it cannot be read.
    Undecodable,
}

impl Direct {
    /// Each pack of `folder` opened, and its loose objects; `None` when the folder has
    /// alternates (other databases to read too), or a pack cannot be opened.
    fn open(folder: &Path) -> Option<Direct> {
        if folder.join("info").join("alternates").exists() {
            return None;
        }
        let mut packs = Vec::new();
        match std::fs::read_dir(folder.join("pack")) {
            Ok(entries) => {
                for entry in entries {
                    let path = entry.ok()?.path();
                    // git reads a pack through its index: an index alone or a pack alone is
                    // left to gix.
                    if path.extension().is_some_and(|e| e == "idx") {
                        packs.push(Bundle::at(&path, HASH).ok()?);
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return None,
        }
        Some(Direct {
            packs,
            loose: gix::odb::loose::Store::at(folder, HASH),
        })
    }

    /// The first pack that has the object `id`, and its place in the pack's index.
    fn locate(&self, id: &gix::hash::oid) -> Option<(&Bundle, u32)> {
        self.packs
            .iter()
            .find_map(|pack| Some((pack, pack.index.lookup(id)?)))
    }

    /// The object `id` decoded into `buffer`, if a pack has it.
    fn packed(&self, id: &gix::hash::oid, buffer: &mut Vec<u8>) -> Packed {
        let Some((pack, index)) = self.locate(id) else {
            return Packed::Absent;
        };
        INFLATE.with_borrow_mut(|inflate| {
            match pack.get_object_by_index(index, buffer, inflate, &mut Never) {
                Ok((data, _)) => Packed::Object(data.kind),
                Err(_) => Packed::Undecodable,
            }
        })
    }

    /// The kind of the object `id`, if a pack has it, read from its header (and its delta
    /// bases' headers) only.
    fn packed_kind(&self, id: &gix::hash::oid) -> Packed {
        let Some((pack, index)) = self.locate(id) else {
            return Packed::Absent;
        };
        let Ok(entry) = pack.pack.entry(pack.index.pack_offset_at_index(index)) else {
            return Packed::Undecodable;
        };
        let resolve = |base: &gix::hash::oid| {
            pack.index
                .lookup(base)
                .map(|at| {
                    pack.pack
                        .entry(pack.index.pack_offset_at_index(at))
                        .map(gix::odb::pack::data::decode::header::ResolvedBase::InPack)
                })
                .transpose()
        };
        INFLATE.with_borrow_mut(
            |inflate| match pack.pack.decode_header(entry, inflate, &resolve) {
                Ok(outcome) => Packed::Object(outcome.kind),
                Err(_) => Packed::Undecodable,
            },
        )
    }
}

/// The working folder, read once: gix reads it for every database it opens, only to resolve
/// alternates relative to it.
fn current_dir() -> Option<PathBuf> {
    static CURRENT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CURRENT.get_or_init(|| std::env::current_dir().ok()).clone()
}
