//! Work spread over the machine's cores: items mapped in order, in chunks, a thread per chunk.

/// The threads worth starting: one per core, at most 8.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// The stack of a thread of [`map`]: the 2 MiB a spawned thread gets.
const STACK: usize = 2 << 20;

/// `items` mapped by `f`, in their order, by at most [`threads`] threads that each take at least
/// `min_chunk` items, so that a small input stays on the caller's thread. A panic in `f` goes on
/// in the caller.
pub fn map<T: Sync, R: Send>(items: &[T], min_chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_owned(items.iter().collect(), min_chunk, STACK, f)
}

/// [`map`] of items the threads take ownership of, each thread with a stack of `stack` bytes.
pub fn map_owned<T: Send, R: Send>(
    items: Vec<T>,
    min_chunk: usize,
    stack: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads()).max(min_chunk.max(1));
    if items.len() <= chunk {
        return items.into_iter().map(f).collect();
    }
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut rest = items.into_iter();
    loop {
        let part: Vec<T> = rest.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, move || part.into_iter().map(f).collect::<Vec<_>>())
                    .expect("a worker thread starts")
            })
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
            let doubled: Vec<usize> = (0..2000).step_by(2).collect();
            assert_eq!(map(&items, min_chunk, |n| n * 2), doubled);
            assert_eq!(
                map_owned(items.clone(), min_chunk, STACK, |n| n * 2),
                doubled
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
