//! The objects of a mirror, read from its packs and loose objects directly.
//!
//! gix's object database (`gix::odb::Store`) is made for repositories that change while they
//! are read: at open and at the first read it lists the pack folder, `stat`s each pack and
//! resolves the real path of the objects folder (a `statx` per component of the path) to
//! follow alternates, and each handle keeps a decompressor of its own. A resolution reads a
//! commit or two from each of a hundred mirrors that nothing changes while it reads (see
//! `mirror::Pool`), so [`Objects`] lists the pack folder once, opens each pack's index and data
//! at open, and decompresses with one decompressor per thread. A small pack is read whole, a
//! large one mapped ([`SMALL`]).
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
use gix::odb::pack::{MMap, cache::Never, data, index};

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
    packs: Vec<Pack>,
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
                        packs.push(Pack::open(&path)?);
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
    fn locate(&self, id: &gix::hash::oid) -> Option<(&Pack, u32)> {
        self.packs
            .iter()
            .find_map(|pack| Some((pack, pack.lookup(id)?)))
    }

    /// The object `id` decoded into `buffer`, if a pack has it.
    fn packed(&self, id: &gix::hash::oid, buffer: &mut Vec<u8>) -> Packed {
        match self.locate(id) {
            Some((Pack::Read(files), at)) => files.object(at, buffer),
            Some((Pack::Mapped(files), at)) => files.object(at, buffer),
            None => Packed::Absent,
        }
    }

    /// The kind of the object `id`, if a pack has it, read from its header (and its delta
    /// bases' headers) only.
    fn packed_kind(&self, id: &gix::hash::oid) -> Packed {
        match self.locate(id) {
            Some((Pack::Read(files), at)) => files.kind(at),
            Some((Pack::Mapped(files), at)) => files.kind(at),
            None => Packed::Absent,
        }
    }
}

/// The largest pack file read whole rather than mapped. Mapping costs a system call that takes
/// the process's memory lock (which the other threads' mappings and page faults wait for), a
/// page fault at the first read and an unmapping; reading a file of a few KiB costs less. A
/// mirror of a small repository has a pack of a few KiB; a large pack is mapped, and only the
/// pages a read touches are read.
const SMALL: u64 = 64 << 10;

/// A pack and its index, read whole when both are small, else mapped.
enum Pack {
    Read(Files<Vec<u8>>),
    Mapped(Files<MMap>),
}

/// The index and the data of one pack.
struct Files<T> {
    index: index::File<T>,
    data: data::File<T>,
}

impl Pack {
    /// The pack whose index is `path`; `None` when it cannot be opened.
    fn open(path: &Path) -> Option<Pack> {
        let pack = path.with_extension("pack");
        // The data first: the index grows with it, and is not read when the data is large.
        if let Some(data) = read_small(&pack)?
            && let Some(index) = read_small(path)?
        {
            return Some(Pack::Read(Files {
                index: index::File::from_data(index, path.to_path_buf(), HASH).ok()?,
                data: data::File::from_data(data, pack, HASH).ok()?,
            }));
        }
        Some(Pack::Mapped(Files {
            index: index::File::at(path, HASH).ok()?,
            data: data::File::at(&pack, HASH).ok()?,
        }))
    }

    fn lookup(&self, id: &gix::hash::oid) -> Option<u32> {
        match self {
            Pack::Read(files) => files.index.lookup(id),
            Pack::Mapped(files) => files.index.lookup(id),
        }
    }
}

/// The bytes of the file at `path` when it has at most [`SMALL`] of them; `Some(None)` when it
/// is larger, `None` when it cannot be read.
fn read_small(path: &Path) -> Option<Option<Vec<u8>>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    if size > SMALL {
        return Some(None);
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.read_to_end(&mut bytes).ok()?;
    Some(Some(bytes))
}

impl<T: gix::odb::pack::FileData> Files<T> {
    /// The entry at `at` in the index, its delta bases resolved in this pack only (as git does
    /// without a multi-pack index), decoded into `buffer`.
    fn object(&self, at: u32, buffer: &mut Vec<u8>) -> Packed {
        let Ok(entry) = self.data.entry(self.index.pack_offset_at_index(at)) else {
            return Packed::Undecodable;
        };
        let resolve = |base: &gix::hash::oid, _: &mut Vec<u8>| {
            Ok(self
                .base(base)?
                .map(data::decode::entry::ResolvedBase::InPack))
        };
        INFLATE.with_borrow_mut(|inflate| {
            match self
                .data
                .decode_entry(entry, buffer, inflate, &resolve, &mut Never)
            {
                Ok(outcome) => Packed::Object(outcome.kind),
                Err(_) => Packed::Undecodable,
            }
        })
    }

    /// The kind of the entry at `at` in the index, read from its header (and its delta bases'
    /// headers) only.
    fn kind(&self, at: u32) -> Packed {
        let Ok(entry) = self.data.entry(self.index.pack_offset_at_index(at)) else {
            return Packed::Undecodable;
        };
        let resolve = |base: &gix::hash::oid| {
            Ok(self
                .base(base)?
                .map(data::decode::header::ResolvedBase::InPack))
        };
        INFLATE.with_borrow_mut(
            |inflate| match self.data.decode_header(entry, inflate, &resolve) {
                Ok(outcome) => Packed::Object(outcome.kind),
                Err(_) => Packed::Undecodable,
            },
        )
    }

    /// The entry of the delta base `id`, if this pack has it.
    fn base(&self, id: &gix::hash::oid) -> gix::Result<Option<data::Entry>> {
        self.index
            .lookup(id)
            .map(|at| self.data.entry(self.index.pack_offset_at_index(at)))
            .transpose()
    }
}

/// The working folder, read once: gix reads it for every database it opens, only to resolve
/// alternates relative to it.
fn current_dir() -> Option<PathBuf> {
    static CURRENT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CURRENT.get_or_init(|| std::env::current_dir().ok()).clone()
}
