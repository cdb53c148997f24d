/// Parsing thousands of small manifests is allocation-bound: mimalloc makes it faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    distrib::cli::run()
}
