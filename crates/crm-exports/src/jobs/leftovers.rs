//! Files an export attempt left in the spool folder (`exports/tmp`) when its process died:
//! the `export-<id>-<attempt>.part` file and its `.zipping` twin. The attempt that takes an
//! export over removes those of the attempts before it, and a worker starting up removes
//! those of exports that are gone, finished, or since claimed again — never a file of an
//! attempt that may still be running in another process sharing the folder. Imports only
//! `store` and `blob`.

use std::io;
use std::path::Path;

use crate::blob::Blobs;
use crate::store::ExportQueue;

/// The suffixes an attempt's files carry (see `jobs::write_file` and `zip_single`).
const SUFFIXES: [&str; 2] = ["part", "zipping"];

/// The spool file of attempt `attempt` of export `id`, with `suffix`.
pub fn file_name(id: i64, attempt: i64, suffix: &str) -> String {
    format!("export-{id}-{attempt}.{suffix}")
}

/// Removes the files of attempts 1 to `attempt - 1` of export `id`.
pub fn remove_earlier_attempts(blobs: &Blobs, id: i64, attempt: i64) {
    for earlier in 1..attempt {
        for suffix in SUFFIXES {
            if let Ok(path) = blobs.temp_path(&file_name(id, earlier, suffix)) {
                remove(&path);
            }
        }
    }
}

/// Removes the spool files no running attempt can own; returns how many.
pub async fn sweep(blobs: &Blobs, store: &dyn ExportQueue) -> io::Result<usize> {
    let Some(dir) = blobs.temp_path("probe")?.parent().map(Path::to_path_buf) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let Some((id, attempt)) = path.file_name().and_then(|n| n.to_str()).and_then(parse) else {
            continue;
        };
        let stale = match store.get_export_by_id(id).await {
            Ok(Some(row)) => row.state.is_terminal() || row.attempt > attempt,
            Ok(None) => true,
            // Unknown: keep it; the next takeover or start-up removes it.
            Err(_) => false,
        };
        if stale {
            remove(&path);
            removed += 1;
        }
    }
    Ok(removed)
}

/// `export-12-3.part` → (12, 3).
fn parse(name: &str) -> Option<(i64, i64)> {
    let (stem, suffix) = name.rsplit_once('.')?;
    if !SUFFIXES.contains(&suffix) {
        return None;
    }
    let (id, attempt) = stem.strip_prefix("export-")?.split_once('-')?;
    Some((id.parse().ok()?, attempt.parse().ok()?))
}

fn remove(path: &Path) {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            tracing::warn!("cannot remove {}: {e}", path.display());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_attempts_own_files_are_recognised() {
        assert_eq!(parse("export-12-3.part"), Some((12, 3)));
        assert_eq!(parse("export-12-3.zipping"), Some((12, 3)));
        assert_eq!(parse("export-12-3.csv"), None);
        assert_eq!(parse("export-x-3.part"), None);
        assert_eq!(parse("notes.part"), None);
        assert_eq!(file_name(12, 3, "part"), "export-12-3.part");
    }
}
