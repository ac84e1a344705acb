use std::process::ExitCode;

/// mimalloc rather than the system allocator: the database allocates and
/// frees several small values for every row it reads, and glibc's
/// allocator (its free lists and their consolidation) took a third of the
/// organisation view and the alert scan in release profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    without_transparent_huge_pages();
    cpdfolio::cli::main()
}

/// Turns transparent huge pages off for this process. mimalloc asks for
/// them, and as the database's cache grew the kernel zeroed a 2 MiB page
/// at a time under requests: at 100,000 records own-search p99 was 10.7 ms
/// with them and 4.5 ms without, and RSS 1.2 against 1.0 GB
/// (docs/performance.md). The flag is checked at every page fault, so it
/// also covers memory the allocator reserved before `main`.
#[cfg(target_os = "linux")]
fn without_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers, reads and writes no
    // memory of ours, and changes only how this process's pages are backed.
    let refused = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0;
    if refused {
        eprintln!("note: transparent huge pages could not be turned off for this process");
    }
}

#[cfg(not(target_os = "linux"))]
fn without_transparent_huge_pages() {}
