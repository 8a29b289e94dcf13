//! The `crm-exports` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    crm_exports::jobs::memory::limit_arenas();
    crm_exports::cli::main()
}
