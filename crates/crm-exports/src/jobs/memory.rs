//! Hands the memory an export used back to the operating system. An export's reader,
//! renderer and compressor threads allocate from glibc's per-thread arenas (up to eight per
//! core), and glibc keeps what they free for reuse, so without help a server's RSS climbs by
//! about 125 MB over a burst of 200,000-row exports and stays there (issue 14; the figures
//! are in docs/BENCHMARKS.md). Two settings fix it: a fixed 4 MiB threshold past which an
//! allocation gets its own mapping, returned to the system when freed (glibc otherwise
//! raises the threshold to the largest block freed so far, so after one XLS part frees its
//! string table the next part's tables grow inside an arena, where their abandoned smaller
//! copies pile up); and `malloc_trim(0)` after each export (the free pages of every arena
//! go back to the system; a few milliseconds, once per export). Arenas are capped at four
//! per core, half glibc's eight: fewer did not return more memory once the threshold was
//! fixed, and two made batch create wait on the arena locks (a third slower). Other C
//! libraries and systems return memory their own way, so elsewhere all of this does
//! nothing.

/// Arenas glibc may create per core; an operator's own `MALLOC_ARENA_MAX` takes precedence.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS_PER_CORE: i32 = 4;

/// Allocations from this size up get a mapping of their own. Below the 1 MiB chunks the
/// deflate pool recycles would map and unmap on every chunk (a page fault per 4 KiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 4 << 20;

/// Caps glibc's arenas and fixes its mapping threshold, unless `MALLOC_ARENA_MAX` or
/// `MALLOC_MMAP_THRESHOLD_` say otherwise. Call it first in `main`, before any thread
/// starts, so that every thread shares the capped set.
#[allow(unsafe_code)]
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(1024) as i32);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (variable, setting, value) in [
        (
            "MALLOC_ARENA_MAX",
            libc::M_ARENA_MAX,
            ARENAS_PER_CORE * cores,
        ),
        (
            "MALLOC_MMAP_THRESHOLD_",
            libc::M_MMAP_THRESHOLD,
            MMAP_THRESHOLD,
        ),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: mallopt only changes an allocator setting; it takes no pointers.
            unsafe {
                libc::mallopt(setting, value);
            }
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
