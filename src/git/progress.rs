//! The progress gix reports while it fetches, reduced to what distrib shows: the bytes of the
//! pack received. gix hands its progress to the pack reader as a child with a known id, which
//! counts every byte it reads; every other child (negotiation, indexing, the server's own
//! messages) is counted nowhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use gix::progress::{Count, Id, MessageLevel, NestedProgress, Progress, Step, StepShared, Unit};

/// The id of the pack reader's progress in gix (`gix_pack::bundle::write::ProgressId::ReadPackBytes`).
const READ_PACK_BYTES: Id = *b"BWRB";

/// A count of received bytes that fetches add to, shared by the threads of one operation.
#[derive(Clone, Debug, Default)]
pub struct Received(Arc<AtomicU64>);

impl Received {
    /// The bytes counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// One node of gix's progress tree: counts into `into` only when it is the pack reader, and
/// into `own` (the bytes of this one fetch) as well.
pub(super) struct Counter {
    id: Id,
    step: StepShared,
    counts: bool,
    own: Received,
    into: Received,
}

impl Counter {
    /// The root for one fetch: `own` gets this fetch's bytes, `into` everyone's.
    pub(super) fn root(own: Received, into: Received) -> Self {
        Counter {
            id: gix::progress::UNKNOWN,
            step: Arc::new(AtomicUsize::new(0)),
            counts: false,
            own,
            into,
        }
    }

    fn child(&self, id: Id) -> Self {
        Counter {
            id,
            step: Arc::new(AtomicUsize::new(0)),
            counts: id == READ_PACK_BYTES,
            own: self.own.clone(),
            into: self.into.clone(),
        }
    }
}

impl Count for Counter {
    fn set(&self, step: Step) {
        let before = self.step.swap(step, Ordering::Relaxed);
        if self.counts && step > before {
            let grown = (step - before) as u64;
            self.own.add(grown);
            self.into.add(grown);
        }
    }

    fn step(&self) -> Step {
        self.step.load(Ordering::Relaxed)
    }

    fn inc_by(&self, step: Step) {
        self.step.fetch_add(step, Ordering::Relaxed);
        if self.counts {
            self.own.add(step as u64);
            self.into.add(step as u64);
        }
    }

    fn counter(&self) -> StepShared {
        // Whoever increments the shared counter directly bypasses the byte count; gix's pack
        // reader calls `inc_by`, which is what counts.
        self.step.clone()
    }
}

impl Progress for Counter {
    fn init(&mut self, _max: Option<Step>, _unit: Option<Unit>) {}

    fn set_name(&mut self, _name: String) {}

    fn name(&self) -> Option<String> {
        None
    }

    fn id(&self) -> Id {
        self.id
    }

    fn message(&self, _level: MessageLevel, _message: String) {}
}

impl NestedProgress for Counter {
    type SubProgress = Counter;

    fn add_child(&mut self, _name: impl Into<String>) -> Self::SubProgress {
        self.child(gix::progress::UNKNOWN)
    }

    fn add_child_with_id(&mut self, _name: impl Into<String>, id: Id) -> Self::SubProgress {
        self.child(id)
    }
}

#[cfg(test)]
mod tests {
    use super::{Counter, READ_PACK_BYTES, Received};
    use gix::progress::{Count, NestedProgress};

    #[test]
    fn only_the_pack_reader_counts_bytes() {
        let (own, all) = (Received::default(), Received::default());
        let mut root = Counter::root(own.clone(), all.clone());
        root.inc_by(5);
        let objects = root.add_child("indexing");
        objects.inc_by(100);
        let mut pack = root.add_child_with_id("read pack", READ_PACK_BYTES);
        pack.inc_by(700);
        pack.set(1000);
        let deeper = pack.add_child("x");
        deeper.inc_by(9);
        assert_eq!(own.get(), 1000);
        assert_eq!(all.get(), 1000);
    }
}
