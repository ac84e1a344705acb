use std::process::ExitCode;

/// mimalloc rather than the system allocator: the database allocates and
/// frees several small values for every row it reads, and glibc's
/// allocator (its free lists and their consolidation) took a third of the
/// organisation view and the alert scan in release profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cpdfolio::cli::main()
}
