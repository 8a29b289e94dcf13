//! The `crm-exports` binary: parses the command line and hands over to the library.

/// mimalloc returns the memory an export freed to the system soon after; glibc's malloc
/// kept it. Figures: docs/BENCHMARKS.md, "Memory after a burst of exports".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    crm_exports::cli::main()
}
