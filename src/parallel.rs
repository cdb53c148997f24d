//! Work spread over the machine's cores: a slice mapped in order, in chunks, a thread per chunk.

/// The threads worth starting: one per core, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// `items` mapped by `f`, in their order, by at most [`threads`] threads that each take at least
/// `min_chunk` items, so that a small input stays on the caller's thread. A panic in `f` goes on
/// in the caller.
pub fn map<T: Sync, R: Send>(items: &[T], min_chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads()).max(min_chunk.max(1));
    if items.len() <= chunk {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_of_its_input_whatever_the_chunks() {
        let items: Vec<usize> = (0..1000).collect();
        for min_chunk in [0, 1, 7, 16, 999, 1000, 5000] {
            assert_eq!(
                map(&items, min_chunk, |n| n * 2),
                (0..2000).step_by(2).collect::<Vec<_>>()
            );
        }
        assert!(map(&[] as &[u8], 4, |b| *b).is_empty());
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            map(&items, 1, |n| if *n == 73 { panic!("item 73") } else { *n })
        });
        let payload = caught.expect_err("the panic goes on");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"item 73"));
    }
}
