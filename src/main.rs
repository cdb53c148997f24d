fn main() -> std::process::ExitCode {
    distrib::cli::run()
}
