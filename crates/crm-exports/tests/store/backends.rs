//! The two stores a contract test runs on, and `contract_tests!`, which declares each test
//! once per store. A PostgreSQL test creates a schema with a random name, points the pool's
//! `search_path` at it, and drops it afterwards, so tests run in parallel. PostgreSQL tests
//! are `#[ignore]`d, so the test runner lists them as ignored where no server is set up;
//! run them with `--include-ignored` and `CRM_EXPORTS_TEST_POSTGRES_URL` set.

use std::future::Future;
use std::sync::Arc;

use crm_exports::store::SharedStore;
use crm_exports::store::postgres::PgStore;
use crm_exports::store::sqlite::SqliteStore;

pub const POSTGRES_URL_VARIABLE: &str = "CRM_EXPORTS_TEST_POSTGRES_URL";

/// Why a PostgreSQL test is ignored by default (also its message when run without a server).
pub const NEEDS_POSTGRES: &str = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL";

pub async fn run_on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(SharedStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = SqliteStore::open(&dir.path().join("store.sqlite3")).expect("a SQLite store");
    test(Arc::new(store)).await;
}

pub async fn run_on_postgres<F, Fut>(test: F)
where
    F: FnOnce(SharedStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_on_postgres_stores(1, |mut stores| test(stores.remove(0))).await;
}

/// Runs `test` with `count` stores opened separately on one fresh schema, as that many
/// processes sharing one database would.
pub async fn run_on_postgres_stores<F, Fut>(count: usize, test: F)
where
    F: FnOnce(Vec<SharedStore>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url = std::env::var(POSTGRES_URL_VARIABLE).expect(NEEDS_POSTGRES);
    let mut config: tokio_postgres::Config = url.parse().expect("a valid PostgreSQL URL");
    let (admin, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("the test PostgreSQL server is reachable");
    tokio::spawn(connection);
    let schema = format!("contract_{}", uuid::Uuid::new_v4().simple());
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("a fresh schema");
    config.options(format!("-c search_path={schema}"));
    let mut stores: Vec<SharedStore> = Vec::new();
    for _ in 0..count {
        let store = PgStore::open(config.clone())
            .await
            .expect("a PostgreSQL store");
        stores.push(Arc::new(store));
    }
    // Run the test as its own task so a failing assertion still lets the schema be dropped.
    let outcome = tokio::spawn(test(stores)).await;
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("the test schema is dropped");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Declares `on_sqlite::name` and `on_postgres::name` for each contract test `name`.
#[macro_export]
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::backends::run_on_sqlite(super::$name).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
                async fn $name() {
                    $crate::backends::run_on_postgres(super::$name).await;
                }
            )*
        }
    };
}
