//! Work spread over the machine's cores: items mapped in order by one pool of threads,
//! started at the first use and kept for the process, each taking the next piece of work when
//! it runs out (rayon's work stealing), so that no core waits while another finishes a share
//! heavier than its own.

/// The threads worth starting: one per core, at most 8.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// The stack of each thread of the pool: as deep as the main thread's (8 MiB on Linux), not
/// the 2 MiB a spawned thread gets, so that a manifest nested to the parser's budget parses
/// alike on any thread. Only the pages a thread touches are memory.
const STACK: usize = 8 << 20;

/// `items` mapped by `f`, in their order, on every core, or on the caller's thread when there
/// are at most `min_chunk` of them (or one core). A panic in `f` goes on in the caller.
pub fn map<T: Sync, R: Send>(items: &[T], min_chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_owned(items.iter().collect(), min_chunk, f)
}

/// [`map`] of items the threads take ownership of.
pub fn map_owned<T: Send, R: Send>(
    items: Vec<T>,
    min_chunk: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    use rayon::prelude::*;
    if items.len() <= min_chunk.max(1) || threads() == 1 {
        return items.into_iter().map(f).collect();
    }
    let f = &f;
    pool().install(|| items.into_par_iter().map(f).collect())
}

/// `a` and `b` run at once, on the pool's threads, when there is more than one core; their
/// results in that order. A panic in either goes on in the caller.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if threads() == 1 {
        return (a(), b());
    }
    pool().join(a, b)
}

/// The pool, started at the first call.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads())
            .stack_size(STACK)
            .thread_name(|n| format!("distrib-worker-{n}"))
            .build()
            .expect("the worker threads start")
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
            assert_eq!(map_owned(items.clone(), min_chunk, |n| n * 2), doubled);
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
