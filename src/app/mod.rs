//! The application: one value holding the shared services (database,
//! search index, mailer, content, configuration), built once at start-up and
//! handed to the HTTP layer, the CLI and the scheduled jobs. Its methods are
//! the use cases; they combine pure domain rules with storage, search and
//! mail, and are what handlers and commands call.

mod access;
mod account_admin;
mod accounts;
mod alert_preferences;
mod alert_scan;
mod alerts;
mod appraisal;
mod attachments;
pub mod backup;
mod bundle;
mod calendar;
mod clock;
mod compliance;
mod create_queue;
mod error;
mod evidence;
mod gauges;
mod imports;
mod index_follow;
mod lead_scopes;
mod lock;
mod login_guard;
mod passwords;
mod pii;
mod portable;
mod portable_import;
mod profile;
mod profile_files;
mod reflections;
mod reindex;
mod search;
mod sessions;
mod signed_in;
mod supervision;
mod teams;
pub mod timing;

use std::sync::Arc;
use std::time::Duration;

use time::{Date, OffsetDateTime};

use crate::config::Config;
use crate::content::Content;
use crate::mail::Mailer;
use crate::search::SearchIndex;
use crate::storage::blobs::BlobStore;
use crate::storage::{Migrations, Store};

pub use access::RecordHeader;
pub use accounts::{CurrentUser, LoginResult, ProfileUpdate};
pub use alerts::{AlertReport, AlertSummary, Listed, QueuedAlert, SentEmail};
pub use appraisal::{PackReader, PackRequest};
pub use attachments::{ATTACHMENTS_PER_RECORD, DecodedVersion, History};
pub use bundle::{BundleRequest, EvidenceBundle, MAX_CHOSEN};
pub use calendar::NewCalendarFeed;
pub use clock::{Clock, FixedClock, SystemClock};
pub use compliance::{StaffFacts, TeamComplianceQuery};
pub use error::{AppError, AppResult, error_kind};
pub use evidence::{Checked, ListPage};
pub use gauges::Gauges;
pub use imports::{ImportReport, Progress};
pub use lock::{DataDirLock, LockError};
pub use passwords::PasswordReset;
pub use portable::PortableExport;
pub use portable_import::ImportedPortfolio;
pub use profile::{ProfilePage, ProfileRequest};
pub use profile_files::{DocumentFormat, ProfileFile};
pub use reindex::IndexState;

/// Shared services; cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    search: Arc<SearchIndex>,
    mailer: Mailer,
    content: Content,
    login_guard: login_guard::LoginGuard,
    hash_workspaces: crate::security::password::WorkspacePool,
    /// Turns to receive an upload (`max_concurrent_uploads`).
    uploads: tokio::sync::Semaphore,
    blobs: Arc<BlobStore>,
    clock: Arc<dyn Clock>,
    /// Serialises storing a file with removing unused ones, so a file
    /// being attached is never removed as unused.
    blob_lock: tokio::sync::Mutex<()>,
    /// Serialises re-deriving index documents from the database, so the
    /// index takes changes in the order they were committed.
    index_order: tokio::sync::Mutex<()>,
    /// Held while a hot backup runs: one at a time.
    backup_running: tokio::sync::Mutex<()>,
    /// Set when a change could not be applied to the search index, so a
    /// stop does not vouch for the index.
    index_failed: std::sync::atomic::AtomicBool,
    /// Where the next read of the database's change feed starts.
    follow_from: tokio::sync::Mutex<OffsetDateTime>,
    /// When the last read of the feed that reached its end began (unix ms).
    followed_at: std::sync::atomic::AtomicI64,
    /// How the index compared with the database at start-up.
    startup_index: std::sync::OnceLock<IndexState>,
    /// Held shared by each request that may change data, and exclusively
    /// by [`App::close`], which so waits for them to finish.
    writes: Arc<tokio::sync::RwLock<()>>,
    /// One turn per person for creating records: every create by a person
    /// also updates their derived rows (record tally, team index), so two
    /// at once would make the engine refuse one of them.
    owner_turns: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Who each caller leads, between membership changes.
    lead_scopes: lead_scopes::LeadScopes,
    /// Who holds each session token, between account changes.
    signed_in: signed_in::SignedInCache,
    /// Creates waiting to share a transaction.
    creates: create_queue::CreateQueue,
    _lock: Option<DataDirLock>,
}

impl App {
    /// Takes the data-directory lock, opens the database (applying
    /// migrations), loads content, opens the search index and rebuilds it if
    /// it is missing or out of step with the database.
    pub async fn open(config: Config, migrations: &Migrations) -> anyhow::Result<Self> {
        Self::open_with_clock(config, migrations, Arc::new(SystemClock)).await
    }

    /// As [`App::open`], reading the time from `clock`.
    pub async fn open_with_clock(
        config: Config,
        migrations: &Migrations,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        crate::files::private_dir(&config.data_dir)?;
        let lock = DataDirLock::acquire(&config.data_dir)?;
        let content = Content::load(config.content_dir.as_deref())?;
        let mailer = Mailer::from_config(&config)?;
        let clean_stop = reindex::take_clean_stop(&config)?;
        let (store, migrated) = Store::open_migrating(&config, migrations).await?;
        let (search, fresh) = SearchIndex::open(&config.index_dir())?;
        let blobs = Arc::new(BlobStore::new(
            config.attachments_dir(),
            config.incoming_dir(),
        ));
        let login_guard = login_guard::LoginGuard::new(login_policy(&config));
        let uploads = tokio::sync::Semaphore::new(config.max_concurrent_uploads);
        let creates = create_queue::CreateQueue::start(&store);
        let session_cache_age = std::time::Duration::from_millis(config.session_cache_ms);
        let app = Self {
            inner: Arc::new(Inner {
                config,
                store,
                search,
                mailer,
                content,
                login_guard,
                hash_workspaces: Default::default(),
                uploads,
                blobs,
                clock,
                blob_lock: tokio::sync::Mutex::new(()),
                index_order: tokio::sync::Mutex::new(()),
                backup_running: tokio::sync::Mutex::new(()),
                index_failed: std::sync::atomic::AtomicBool::new(false),
                follow_from: tokio::sync::Mutex::new(OffsetDateTime::now_utc()),
                followed_at: std::sync::atomic::AtomicI64::new(0),
                startup_index: std::sync::OnceLock::new(),
                writes: Arc::default(),
                owner_turns: Default::default(),
                lead_scopes: Default::default(),
                signed_in: signed_in::SignedInCache::new(session_cache_age),
                creates,
                _lock: Some(lock),
            }),
        };
        let state = app
            .bring_index_in_step(fresh, clean_stop, !migrated.is_empty())
            .await?;
        let _ = app.inner.startup_index.set(state);
        app.sweep_orphaned_files().await?;
        Ok(app)
    }

    /// Removes attachment files a crash left without a database row.
    async fn sweep_orphaned_files(&self) -> anyhow::Result<()> {
        let in_use = self.store().digests_in_use().await?;
        let blobs = Arc::clone(&self.inner.blobs);
        let removed = tokio::task::spawn_blocking(move || blobs.sweep(&in_use)).await??;
        if removed > 0 {
            tracing::info!(
                files = removed,
                "removed attachment files a crash left behind"
            );
        }
        Ok(())
    }

    /// The current instant, from the application's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// Today's UK calendar date, from the application's clock.
    pub fn today(&self) -> Date {
        self.inner.clock.today()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn search(&self) -> &Arc<SearchIndex> {
        &self.inner.search
    }

    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    pub fn content(&self) -> &Content {
        &self.inner.content
    }

    /// Starts the background tasks of the search index: the committer and
    /// the change-feed follower. Aborting the handle stops both.
    pub fn spawn_background_tasks(&self) -> tokio::task::JoinHandle<()> {
        let config = &self.inner.config;
        let commit = Arc::clone(&self.inner.search)
            .commit_every(Duration::from_millis(config.search_commit_ms));
        let follow = self
            .clone()
            .follow_every(Duration::from_millis(config.index_follow_ms));
        tokio::spawn(async move {
            tokio::join!(commit, follow);
        })
    }

    /// Held while a request that may change data runs; a clean stop waits
    /// until none is held.
    pub async fn write_turn(&self) -> tokio::sync::OwnedRwLockReadGuard<()> {
        Arc::clone(&self.inner.writes).read_owned().await
    }

    /// Waits for `owner`'s turn to create a record in this process.
    pub(crate) async fn owner_turn(&self, owner: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = {
            let mut turns = self
                .inner
                .owner_turns
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            turns.retain(|_, turn| Arc::strong_count(turn) > 1);
            Arc::clone(turns.entry(owner.to_owned()).or_default())
        };
        turn.lock_owned().await
    }

    /// How the search index was brought in step at start-up.
    pub fn startup_index_state(&self) -> Option<IndexState> {
        self.inner.startup_index.get().copied()
    }

    /// Commits the search index now (used at shutdown and by commands).
    pub async fn flush_search(&self) -> anyhow::Result<()> {
        let search = Arc::clone(&self.inner.search);
        tokio::task::spawn_blocking(move || search.commit()).await??;
        Ok(())
    }

    /// Readiness: database and index reachable.
    pub async fn ready(&self) -> (bool, bool) {
        (
            self.inner.store.ping().await,
            self.inner.search.is_readable(),
        )
    }
}

/// The login limits: counts in code (documented in the README), capacity
/// and the server-wide rate from configuration.
fn login_policy(config: &Config) -> login_guard::LoginPolicy {
    login_guard::LoginPolicy {
        free_per_account_client: 5,
        free_per_account: 20,
        free_per_client: 30,
        max_delay: time::Duration::minutes(15),
        failures_per_minute: config.login_failures_per_minute,
        hash_concurrency: config.login_hash_concurrency,
        hash_wait: std::time::Duration::from_millis(config.login_hash_wait_ms),
    }
}
