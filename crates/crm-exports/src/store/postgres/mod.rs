//! The PostgreSQL backend (tokio-postgres with a deadpool pool), for running any number of
//! API and worker processes over one database: every operation is one transaction on a
//! pooled connection, an export's read takes a thread and connection of its own, the queue
//! is claimed with `FOR NO KEY UPDATE SKIP LOCKED`, and new exports are announced with
//! NOTIFY so idle workers wake at once. Another process may change anything at any time,
//! so the only thing kept in memory is schemas, each with the stamp triggers set when its
//! portal's schemas change, and used only while that stamp is unchanged (one small query).
//! PostgreSQL specifics stay here.

mod cells;
mod claim;
mod exec;
mod migrations;
mod snapshot;
mod stream;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use self::exec::PgExec;
use crate::store::database::{Backend, BatchRead, Claim, Database};
use crate::store::sql::dialect::EXPORT_CREATED_CHANNEL;
use crate::store::sql::exec::Op;
use crate::store::{BatchSink, ExportRow, PoolUse, StoreError, StoreResult};

/// Pooled connections per process: a few API requests and export steps at once, and no
/// more, since many processes share one server's connection limit. Each running export
/// reads over one more connection, outside the pool.
const POOL_SIZE: usize = 16;

/// The PostgreSQL store: every role over [`Postgres`].
pub type PgStore = Database<Postgres>;

pub struct Postgres {
    pool: Pool,
    config: Config,
}

impl Database<Postgres> {
    /// Connects to `url` (`postgres://user@host:port/db?...`) and applies migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError::caused("the database URL is invalid", e))?;
        Self::open(config).await
    }

    /// Opens a pool on `config` and applies migrations. Tables go into the first schema of
    /// the connection's `search_path`, so `options=-c search_path=...` isolates a store.
    pub async fn open(config: Config) -> StoreResult<Self> {
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::caused("cannot build the connection pool", e))?;
        let mut client = pool.get().await?;
        migrations::apply(&mut client).await?;
        drop(client);
        Ok(Database::new(Postgres { pool, config }))
    }
}

impl Postgres {
    /// Runs `op` in one transaction on a pooled connection: committed when it succeeds
    /// (unless it asked for a rollback), rolled back otherwise.
    async fn transaction<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut exec = PgExec::new(&tx);
        let result = op(&mut exec).await;
        let roll_back = exec.roll_back;
        // The statements it prepared are closed before the transaction ends.
        drop(exec);
        let value = result?;
        if roll_back {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(value)
    }
}

impl Backend for Postgres {
    const CACHES: bool = false;
    const STAMPS_SCHEMAS: bool = true;

    async fn read<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        self.transaction(op).await
    }

    async fn write<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        self.transaction(op).await
    }

    fn claim(claim: Claim) -> Op<Option<ExportRow>> {
        claim::claim(claim)
    }

    async fn stream_batches(&self, read: BatchRead, sink: BatchSink) -> StoreResult<u64> {
        let config = self.config.clone();
        let abandoned = stream::AbandonOnDrop(Arc::new(AtomicBool::new(false)));
        let flag = abandoned.0.clone();
        tokio::task::spawn_blocking(move || stream::stream_blocking(&config, &read, &sink, &flag))
            .await
            .map_err(|e| StoreError::caused("the export's reader failed", e))?
    }

    async fn save_snapshot(&self, name: &str, _dir: &Path) -> StoreResult<u64> {
        let mut client = self.pool.get().await?;
        snapshot::save(&mut client, name).await
    }

    async fn restore_snapshot(&self, name: &str, _dir: &Path) -> StoreResult<()> {
        let mut client = self.pool.get().await?;
        snapshot::restore(&mut client, name).await
    }

    async fn delete_snapshot(&self, name: &str, _dir: &Path) -> StoreResult<()> {
        let mut client = self.pool.get().await?;
        snapshot::delete(&mut client, name).await
    }

    fn forward_export_wakeups(&self, wake: Arc<Notify>) {
        let config = self.config.clone();
        tokio::spawn(async move {
            // Stop once nothing else holds the wake-up (the workers are gone).
            while Arc::strong_count(&wake) > 1 {
                if let Err(e) = listen_for_exports(&config, &wake).await {
                    tracing::warn!("listening for new exports failed, polling meanwhile: {e}");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    fn pool_use(&self) -> PoolUse {
        let status = self.pool.status();
        PoolUse {
            in_use: status.size.saturating_sub(status.available) as u64,
            idle: status.available as u64,
            max: Some(status.max_size as u64),
            waiting: status.waiting as u64,
        }
    }
}

/// Holds one LISTEN connection until it fails, waking `wake` on each new export.
async fn listen_for_exports(
    config: &Config,
    wake: &Arc<Notify>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let notified = wake.clone();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => notified.notify_waiters(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {EXPORT_CREATED_CHANNEL}"))
        .await?;
    // Notifications created while this connection was down are covered by the workers'
    // polling; wake them once now in case one was missed.
    wake.notify_waiters();
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}
