//! Persistence in SurrealDB through `engine::any`: the embedded SurrealKV
//! store by default (fsync on every commit, so an acknowledged write
//! survives `kill -9`), `mem://` in tests, or a SurrealDB server by URL.
//! Each submodule owns one table family; SurrealQL stays in this folder.

pub mod access_log;
pub mod activities;
pub mod alerts;
pub mod appraisal_shares;
pub mod attachments;
pub mod blobs;
pub mod calendar;
pub mod changes;
pub mod compliance;
pub mod compliance_digest;
mod compliance_facts;
pub mod dump;
pub mod engine_log;
pub mod error;
pub mod evidence;
pub mod history;
pub mod imports;
mod migrations;
pub mod portable;
pub mod record_tally;
pub mod reflections;
mod rows;
pub mod sessions;
pub mod team_records;
pub mod teams;
pub mod users;

use anyhow::Context;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::opt::auth::Root;
use surrealdb::types::{RecordId, SurrealValue};

use crate::config::Config;
use error::StorageError;

pub use migrations::{Migration, MigrationError, Migrations};

pub const NAMESPACE: &str = "cpdfolio";

/// The database handle shared by the whole process (cheap to clone).
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
}

impl Store {
    /// Connects, selects the namespace and database, and applies migrations.
    pub async fn open(config: &Config, migrations: &Migrations) -> anyhow::Result<Self> {
        Ok(Self::open_migrating(config, migrations).await?.0)
    }

    /// As [`Store::open`], also naming the migrations this call applied.
    pub async fn open_migrating(
        config: &Config,
        migrations: &Migrations,
    ) -> anyhow::Result<(Self, Vec<String>)> {
        let store = Self::connect(config).await?;
        let applied = migrations.apply(&store).await?;
        Ok((store, applied))
    }

    /// Connects and selects the namespace and database, applying nothing.
    pub(crate) async fn connect(config: &Config) -> anyhow::Result<Self> {
        if config.uses_embedded_disk_database() {
            std::fs::create_dir_all(config.database_dir())
                .with_context(|| format!("cannot create {}", config.database_dir().display()))?;
            let fresh = engine_log::begin_fresh_log_segment(&config.database_dir())
                .context("cannot prepare the database log after an unclean stop")?;
            if let Some(segment) = fresh {
                tracing::info!(
                    segment,
                    "last stop was not clean: new commits get a fresh log segment"
                );
            }
        }
        let endpoint = config.database_endpoint();
        let db = connect_when_released(&endpoint)
            .await
            .with_context(|| format!("cannot open the database at {}", redact_url(&endpoint)))?;
        if let (Some(user), Some(password)) = (&config.database_user, &config.database_password) {
            db.signin(Root {
                username: user.clone(),
                password: password.expose().to_owned(),
            })
            .await
            .context("cannot sign in to the database server")?;
        }
        db.use_ns(NAMESPACE)
            .use_db(&config.database_name)
            .await
            .context("cannot select the database")?;
        Ok(Self { db })
    }

    pub(crate) fn db(&self) -> &Surreal<Any> {
        &self.db
    }

    /// Runs SurrealQL as is. Only for tests that need to set up states the
    /// API cannot create (for example an account that joined a year ago).
    #[doc(hidden)]
    pub async fn raw_query_for_tests(&self, sql: &str) -> anyhow::Result<()> {
        self.db.query(sql).await?.check()?;
        Ok(())
    }

    /// Runs SurrealQL as is and returns each statement's result as JSON:
    /// for tests and benchmarks that look at data or query plans
    /// (`EXPLAIN`).
    #[doc(hidden)]
    pub async fn raw_json_for_tests(&self, sql: &str) -> anyhow::Result<Vec<serde_json::Value>> {
        let mut response = self.db.query(sql).await?;
        (0..response.num_statements())
            .map(|i| {
                Ok(response
                    .take::<surrealdb::types::Value>(i)?
                    .into_json_value())
            })
            .collect()
    }

    /// True when a trivial query round-trips (readiness).
    pub async fn ping(&self) -> bool {
        self.db
            .query("RETURN 1")
            .await
            .and_then(|r| r.check())
            .is_ok()
    }
}

/// The ids of `keys` in `table`, to bind. Building them here rather than
/// with `$keys.map(|$k| type::record(…))` in the query matters for long
/// lists: the database runs a closure as its own future, which costs tens
/// of microseconds an element (a lead's 500 team members, a batch of the
/// alert scan).
pub(crate) fn record_ids(table: &str, keys: &[String]) -> Vec<RecordId> {
    keys.iter()
        .map(|key| RecordId::new(table, key.as_str()))
        .collect()
}

/// How long a stopping process gives the embedded store to close. The
/// close waits for a running compaction (28 s at 1,000,000 records) before
/// it flushes the in-memory table, and that flush is what makes durable the
/// one commit SurrealKV 0.21.4 holds only in memory after rotating its log
/// (`tests/engine_durability.rs`): cutting the close short is a crash that
/// can lose it. `deploy/cpdfolio.service` allows the whole stop 90 s.
pub const STORE_CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(45);

/// Waits (up to [`STORE_CLOSE_WAIT`]) until the embedded store in `dir` has
/// shut down and released its lock file, after its last handle was
/// dropped: the engine closes the store in a background task, which a
/// process that exits at once would cut short. Returns at once when there
/// is no store there or it is not held.
pub async fn wait_until_released(dir: &std::path::Path) {
    const STEP: std::time::Duration = std::time::Duration::from_millis(100);
    let lock = dir.join("LOCK");
    for _ in 0..STORE_CLOSE_WAIT.as_millis() / STEP.as_millis() {
        let held = match std::fs::File::open(&lock) {
            Ok(file) => matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
            Err(_) => false,
        };
        if !held {
            return;
        }
        tokio::time::sleep(STEP).await;
    }
}

/// Connects, waiting a few seconds while an embedded store that this process
/// just closed finishes releasing its files (the engine shuts down in the
/// background after the last handle is dropped). Another process cannot be
/// the holder: the data-directory lock was taken before this.
async fn connect_when_released(endpoint: &str) -> surrealdb::Result<Surreal<Any>> {
    let mut attempts = 0;
    loop {
        match surrealdb::engine::any::connect(endpoint).await {
            Err(err)
                if attempts < 50
                    && matches!(
                        error::classify(&err.to_string()),
                        Some(StorageError::Locked)
                    ) =>
            {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// A database URL without any credentials in it, for messages.
fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) => format!("{scheme}://[redacted]@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A fresh random record key.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Runs a multi-statement query and returns the first statement error that
/// is a cause rather than the "not executed due to a failed transaction"
/// echo of one.
pub(crate) async fn execute(query: surrealdb::method::Query<'_, Any>) -> error::StorageResult<()> {
    let mut response = query.await?;
    first_failure(&mut response)
}

/// Runs a transaction like [`execute`] and reads the rows its last
/// statement before `COMMIT TRANSACTION` returns. `BEGIN` and `COMMIT`
/// have results of their own.
pub(crate) async fn execute_returning_rows<R: SurrealValue>(
    query: surrealdb::method::Query<'_, Any>,
) -> error::StorageResult<Vec<R>> {
    let mut response = query.await?;
    first_failure(&mut response)?;
    let last = response
        .num_statements()
        .checked_sub(2)
        .context("the transaction returned too few results")?;
    Ok(response.take(last)?)
}

/// The statement error that made a transaction fail, rather than the
/// "not executed" errors of the statements after it.
fn first_failure(response: &mut surrealdb::IndexedResults) -> error::StorageResult<()> {
    let mut errors: Vec<(usize, surrealdb::Error)> = response.take_errors().into_iter().collect();
    errors.sort_by_key(|(i, _)| *i);
    let cause = errors.iter().position(|(_, e)| {
        !e.to_string()
            .contains("not executed due to a failed transaction")
    });
    match cause {
        Some(i) => Err(errors.swap_remove(i).1.into()),
        None => errors
            .into_iter()
            .next()
            .map_or(Ok(()), |(_, e)| Err(e.into())),
    }
}
