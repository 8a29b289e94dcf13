//! Hands the memory an export used back to the operating system. An export's reader,
//! renderer and compressor threads allocate from glibc's per-thread arenas (up to eight per
//! core), and glibc keeps what they free for reuse, so without help a server's RSS climbs by
//! about 125 MB over a burst of 200,000-row exports and stays there (issue 14; the figures
//! are in docs/BENCHMARKS.md). Two settings fix it: at most two arenas (fewer places for
//! free memory to sit), and `malloc_trim(0)` after each export (the free pages of every
//! arena go back to the system; a few milliseconds, once per export). Other C libraries
//! and systems return memory their own way, so elsewhere both do nothing.

/// Arenas glibc may create; an operator's own `MALLOC_ARENA_MAX` takes precedence.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: i32 = 2;

/// Caps glibc's arenas, unless `MALLOC_ARENA_MAX` says otherwise. Call it first in `main`,
/// before any thread starts, so that every thread shares the capped set.
#[allow(unsafe_code)]
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes an allocator setting; it takes no pointers.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
}

/// Returns freed heap memory to the system where the allocator keeps it.
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
