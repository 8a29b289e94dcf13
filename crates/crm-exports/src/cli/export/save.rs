//! Where a downloaded export is kept, named for what it is: the file's own bytes say
//! whether it is a CSV, an XLS, an XLSX or a zip (the server zips big CSVs and exports
//! split into parts), the saved name ends in that extension, a zip is explained in one
//! line, and an existing file is never overwritten without `--force` (a `-1`, `-2`, ...
//! suffix is added instead).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::client::Download;

/// What a downloaded file is, by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Xls,
    Zip,
}

impl FileKind {
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
            FileKind::Xls => "xls",
            FileKind::Zip => "zip",
        }
    }

    /// Reads the file's first bytes: an OLE compound file is XLS; a zip holding a workbook
    /// part is XLSX, any other zip a zip; anything else is CSV text.
    pub fn sniff(path: &Path) -> std::io::Result<FileKind> {
        let mut magic = [0u8; 4];
        let read = File::open(path)?.read(&mut magic)?;
        Ok(match &magic[..read] {
            [0xD0, 0xCF, 0x11, 0xE0] => FileKind::Xls,
            b"PK\x03\x04" if zip_entries(path)?.iter().any(|n| n == "xl/workbook.xml") => {
                FileKind::Xlsx
            }
            b"PK\x03\x04" => FileKind::Zip,
            _ => FileKind::Csv,
        })
    }
}

fn zip_entries(path: &Path) -> std::io::Result<Vec<String>> {
    let archive = zip::ZipArchive::new(File::open(path)?).map_err(std::io::Error::other)?;
    archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(std::io::Error::other)
}

const SHEET_EXTENSIONS: [&str; 4] = ["csv", "xlsx", "xls", "zip"];

/// `wanted` with the extension of `kind`: a sheet or zip extension that does not match is
/// replaced (`big.csv` → `big.zip`), anything else is kept and the extension added.
pub fn with_extension(wanted: &Path, kind: FileKind) -> PathBuf {
    let current = wanted
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match current.as_deref() {
        Some(e) if e == kind.extension() => wanted.to_owned(),
        Some(e) if SHEET_EXTENSIONS.contains(&e) => wanted.with_extension(kind.extension()),
        _ => {
            let mut name = wanted.as_os_str().to_owned();
            name.push(".");
            name.push(kind.extension());
            PathBuf::from(name)
        }
    }
}

/// `report.xlsx`, then `report-1.xlsx`, `report-2.xlsx`, ...
fn numbered(path: &Path, n: u32) -> PathBuf {
    if n == 0 {
        return path.to_owned();
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(e) => format!("{stem}-{n}.{}", e.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// Moves the download to `path`, or with `force` over it; otherwise to the first free
/// numbered name. The move never replaces a file that appeared meanwhile.
pub fn keep(download: Download, path: &Path, force: bool) -> anyhow::Result<PathBuf> {
    if force {
        download
            .temp
            .persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(path.to_owned());
    }
    let mut temp = download.temp;
    for n in 0..10_000 {
        let candidate = numbered(path, n);
        match temp.persist_noclobber(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => temp = e.path,
            Err(e) => {
                return Err(e.error)
                    .with_context(|| format!("cannot write {}", candidate.display()));
            }
        }
    }
    anyhow::bail!(
        "{} and 10,000 numbered names beside it exist",
        path.display()
    )
}

/// One line saying why the server sent a zip: a big CSV, or an export split into parts.
pub fn why_zipped(path: &Path, rows: Option<i64>) -> Option<String> {
    let entries = zip_entries(path).ok()?;
    let rows = rows
        .map(|n| format!("its {} rows", super::progress::group_digits(n)))
        .unwrap_or_else(|| "its rows".to_owned());
    Some(match entries.as_slice() {
        [one] => format!(
            "the server zipped {one}, as HubSpot zips CSV exports over 2 MB; unzip it to open it"
        ),
        parts => {
            let limit = if parts.iter().all(|p| p.ends_with(".xls")) {
                "an .xls sheet holds at most 65,535 rows"
            } else {
                "HubSpot splits exports at 1,000,000 rows a file"
            };
            format!(
                "the server split {rows} into {} files in one zip ({limit})",
                parts.len()
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_follows_what_was_written() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(with_extension(&p("big.csv"), FileKind::Zip), p("big.zip"));
        assert_eq!(with_extension(&p("big.CSV"), FileKind::Csv), p("big.CSV"));
        assert_eq!(
            with_extension(&p("out/a.xlsx"), FileKind::Zip),
            p("out/a.zip")
        );
        assert_eq!(with_extension(&p("report"), FileKind::Xls), p("report.xls"));
        assert_eq!(
            with_extension(&p("q3.2024"), FileKind::Csv),
            p("q3.2024.csv")
        );
    }

    #[test]
    fn numbered_names_keep_the_extension() {
        assert_eq!(
            numbered(Path::new("a/b.xlsx"), 0),
            PathBuf::from("a/b.xlsx")
        );
        assert_eq!(
            numbered(Path::new("a/b.xlsx"), 2),
            PathBuf::from("a/b-2.xlsx")
        );
        assert_eq!(numbered(Path::new("b"), 1), PathBuf::from("b-1"));
    }
}
