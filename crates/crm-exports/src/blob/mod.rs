//! Where export files live: a local folder (`<data>/exports`). A file is written under a
//! temporary name and moved to its key only when its export completes, so a reader never
//! sees half a file and a retried export overwrites rather than duplicates. Keys are built
//! by `jobs` from export ids; this module knows nothing else of the domain.

pub mod signing;

use std::io;
use std::path::{Path, PathBuf};

pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Keys are generated, never taken from a request; refuse anything path-like anyway.
    fn checked(key: &str) -> io::Result<&str> {
        let safe = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && !key.starts_with('.');
        if safe {
            Ok(key)
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad blob key {key:?}"),
            ))
        }
    }

    pub fn path(&self, key: &str) -> io::Result<PathBuf> {
        Ok(self.root.join(Self::checked(key)?))
    }

    /// Where a file in progress is written before [`LocalBlobs::commit`].
    pub fn temp_path(&self, name: &str) -> io::Result<PathBuf> {
        Ok(self.root.join("tmp").join(Self::checked(name)?))
    }

    /// Moves a finished temporary file to `key`, replacing any earlier file; returns its size.
    pub fn commit(&self, temp: &Path, key: &str) -> io::Result<u64> {
        let target = self.path(key)?;
        std::fs::rename(temp, &target)?;
        Ok(std::fs::metadata(&target)?.len())
    }

    pub fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
