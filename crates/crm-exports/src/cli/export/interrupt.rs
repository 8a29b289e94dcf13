//! Ctrl-C while `export start` follows an export: the export keeps running on the server,
//! so the client says which one it was and the command that downloads it later; a second
//! Ctrl-C within a few seconds (or `--cancel-on-interrupt`) cancels it on the server.

use std::time::Duration;

use crate::client::Client;

/// How long a second Ctrl-C is awaited before the client exits and leaves the export be.
const SECOND_PRESS: Duration = Duration::from_secs(3);

/// The error a command ends with after Ctrl-C: its message is printed already, and the
/// process exits with the shell's code for SIGINT.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Ctrl-C presses, caught from the moment this is made (so none is lost to the default
/// handler, which would end the process without a word).
pub struct CtrlC {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl CtrlC {
    pub fn listen() -> std::io::Result<Self> {
        Ok(CtrlC {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?,
        })
    }

    pub async fn pressed(&mut self) {
        #[cfg(unix)]
        self.signal.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What the user was doing when Ctrl-C came.
pub struct Context<'a> {
    pub client: &'a Client,
    pub export_id: &'a str,
    /// The export was complete: only its download was interrupted.
    pub complete: bool,
    pub cancel_on_interrupt: bool,
    /// The command that downloads the export later.
    pub download_later: String,
}

/// Tells the user where things stand and cancels the export when asked to.
pub async fn handle(ctrl_c: &mut CtrlC, at: Context<'_>) -> anyhow::Result<()> {
    let id = at.export_id;
    if at.complete {
        eprintln!(
            "interrupted: export {id} is complete; `{}` downloads it later",
            at.download_later
        );
        return Err(Interrupted.into());
    }
    if !at.cancel_on_interrupt {
        eprintln!(
            "interrupted: export {id} keeps running on the server; `{}` downloads it later. \
             Press Ctrl-C again within {} s to cancel it.",
            at.download_later,
            SECOND_PRESS.as_secs()
        );
        if tokio::time::timeout(SECOND_PRESS, ctrl_c.pressed())
            .await
            .is_err()
        {
            return Err(Interrupted.into());
        }
    }
    match at.client.cancel_export(id).await {
        Ok(_) => eprintln!("canceled export {id} on the server"),
        Err(e) => eprintln!("could not cancel export {id}: {e}"),
    }
    Err(Interrupted.into())
}
