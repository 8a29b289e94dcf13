//! Where the commands that work on a store find it: the data folder and, optionally, a
//! PostgreSQL URL. Each such command flattens these options into its own, so `--help` of
//! a command that does not touch a store (`export`, `completions`) never lists them.

use std::path::PathBuf;

use clap::Args;

use crate::server::{self, DataFolder};
use crate::store::SharedStore;

#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// Folder holding the SQLite database, export files, the signing key and the
    /// development token.
    #[arg(
        long,
        env = "CRM_EXPORTS_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL to keep the data in (`postgres://user@host:5432/db`), shared by any
    /// number of API and worker processes; without it, SQLite in the data folder.
    #[arg(long, env = "CRM_EXPORTS_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// Opens the store, creating the data folder and database if needed (`serve`, `seed`).
    pub async fn open_or_create(&self) -> anyhow::Result<SharedStore> {
        self.open(DataFolder::CreateIfMissing).await
    }

    /// Opens a store that must exist already, naming the folder it looked in otherwise.
    pub async fn open_existing(&self) -> anyhow::Result<SharedStore> {
        self.open(DataFolder::MustExist).await
    }

    async fn open(&self, folder: DataFolder) -> anyhow::Result<SharedStore> {
        Ok(server::open_database(&self.data_dir, self.database_url.as_deref(), folder).await?)
    }
}
