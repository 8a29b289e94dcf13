//! Where export files live: a local folder (`<data>/exports`) or an S3-compatible bucket.
//! A file is always written to a local spool folder first and becomes visible under its
//! key only when its export completes — moved into place locally, uploaded (in parts) to
//! S3 — so a reader never sees half a file and a retried export overwrites rather than
//! duplicates. Keys are built by `jobs` from export ids; this module knows nothing else of
//! the domain.

pub mod s3;
pub mod signing;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use s3::S3Blobs;

/// The configured place for export files.
pub enum Blobs {
    Local(LocalBlobs),
    S3(S3Blobs),
}

impl Blobs {
    /// Where a file in progress is written (always on local disk).
    pub fn temp_path(&self, name: &str) -> io::Result<PathBuf> {
        match self {
            Blobs::Local(local) => local.temp_path(name),
            Blobs::S3(s3) => s3.spool.temp_path(name),
        }
    }

    /// Publishes a finished temporary file under `key`, replacing any earlier file, and
    /// removes the temporary file; returns the file's size.
    pub async fn commit(&self, temp: &Path, key: &str) -> io::Result<u64> {
        match self {
            Blobs::Local(local) => local.commit(temp, key),
            Blobs::S3(s3) => s3.upload(temp, key).await,
        }
    }

    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self {
            Blobs::Local(local) => local.delete(key),
            Blobs::S3(s3) => s3.delete(key).await,
        }
    }

    /// The file's path, when files are served from this machine's disk.
    pub fn local_path(&self, key: &str) -> Option<io::Result<PathBuf>> {
        match self {
            Blobs::Local(local) => Some(local.path(key)),
            Blobs::S3(_) => None,
        }
    }

    /// Copies every published file into `dir` (a snapshot's); returns the bytes copied, or
    /// `None` when files live in a bucket, which a snapshot does not copy.
    pub fn copy_files_to(&self, dir: &Path) -> Option<io::Result<u64>> {
        match self {
            Blobs::Local(local) => Some(local.copy_files_to(dir)),
            Blobs::S3(_) => None,
        }
    }

    /// Replaces every published file with those [`Blobs::copy_files_to`] put in `dir`; a
    /// bucket is left as it is.
    pub fn replace_files_from(&self, dir: &Path) -> io::Result<()> {
        match self {
            Blobs::Local(local) => local.replace_files_from(dir),
            Blobs::S3(_) => Ok(()),
        }
    }

    /// A presigned download URL, when files live in a bucket.
    pub async fn presigned_url(
        &self,
        key: &str,
        ttl: Duration,
        file_name: &str,
        content_type: &str,
    ) -> Option<io::Result<String>> {
        match self {
            Blobs::Local(_) => None,
            Blobs::S3(s3) => Some(s3.presigned_get(key, ttl, file_name, content_type).await),
        }
    }
}

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
    pub(crate) fn checked(key: &str) -> io::Result<&str> {
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

    /// The published files (keys), not the spool folder's files in progress.
    fn published(dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let is_key = name.to_str().is_some_and(|n| Self::checked(n).is_ok());
            if is_key && entry.file_type()?.is_file() {
                files.push(entry.path());
            }
        }
        Ok(files)
    }

    fn copy_files_to(&self, dir: &Path) -> io::Result<u64> {
        std::fs::create_dir_all(dir)?;
        let mut bytes = 0;
        for file in Self::published(&self.root)? {
            if let Some(name) = file.file_name() {
                bytes += std::fs::copy(&file, dir.join(name))?;
            }
        }
        Ok(bytes)
    }

    fn replace_files_from(&self, dir: &Path) -> io::Result<()> {
        for file in Self::published(&self.root)? {
            std::fs::remove_file(file)?;
        }
        if !dir.is_dir() {
            return Ok(());
        }
        for file in Self::published(dir)? {
            if let Some(name) = file.file_name() {
                // Copied beside, then renamed: a download never reads half a file.
                let temp = self.root.join("tmp").join(name);
                std::fs::copy(&file, &temp)?;
                std::fs::rename(&temp, self.root.join(name))?;
            }
        }
        Ok(())
    }
}
