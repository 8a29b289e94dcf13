//! Where the client commands send their requests: `--base-url` (default the local server)
//! and a token from `--token`, `CRM_EXPORTS_TOKEN`, or the local server's `dev-token` in
//! `--data-dir`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::client::Client;

/// Where `crm-exports serve` listens by default.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

#[derive(Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// The API's base URL: this service, or `https://api.hubapi.com`.
    #[arg(
        long,
        env = "CRM_EXPORTS_BASE_URL",
        default_value = DEFAULT_BASE_URL,
        visible_alias = "url",
        global = true
    )]
    pub base_url: String,
    /// A private-app token (default: the local server's `<data-dir>/dev-token`).
    #[arg(long, env = "CRM_EXPORTS_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Folder of the local server whose `dev-token` is used when no token is given.
    #[arg(
        long,
        env = "CRM_EXPORTS_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
}

impl ConnectionArgs {
    pub fn client(&self) -> anyhow::Result<Client> {
        let token = match &self.token {
            Some(token) => token.trim().to_owned(),
            None => read_dev_token(&self.data_dir)?,
        };
        if token.is_empty() {
            bail!("the token is empty");
        }
        Ok(Client::new(&self.base_url, &token)?)
    }
}

fn read_dev_token(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("dev-token");
    if !path.exists() {
        bail!(
            "no token: pass --token, set CRM_EXPORTS_TOKEN, or start `crm-exports serve` once \
             so that it writes {}",
            path.display()
        );
    }
    let token = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the token in {}", path.display()))?;
    Ok(token.trim().to_owned())
}
