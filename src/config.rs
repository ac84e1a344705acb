//! Typed configuration: built-in defaults, then an optional TOML file, then
//! `CPDFOLIO_*` environment variables. Every field is documented here and in
//! `cpdfolio.example.toml`; the defaults need no set-up at all.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A value that must never appear in logs or debug output (SMTP credentials,
/// database passwords).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The whole configuration of a cpdfolio process. It serialises without
/// its secrets (for the copy kept with a backup).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on (`CPDFOLIO_LISTEN`).
    pub listen: SocketAddr,
    /// Separate address serving `GET /metrics` in the Prometheus text
    /// format (`CPDFOLIO_METRICS_LISTEN`), e.g. `127.0.0.1:9464`; keep it
    /// off the public network. Empty means no metrics listener.
    pub metrics_listen: Option<SocketAddr>,
    /// Directory for the embedded database, the search index and the email
    /// outbox (`CPDFOLIO_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Database endpoint (`CPDFOLIO_DATABASE_URL`). Empty means the embedded
    /// SurrealKV store under `data_dir/db`; `mem://` keeps everything in memory;
    /// `ws://host:8000` talks to a SurrealDB server.
    pub database_url: Option<String>,
    /// Root user name for a remote SurrealDB server (`CPDFOLIO_DATABASE_USER`).
    pub database_user: Option<String>,
    /// Root password for a remote SurrealDB server (`CPDFOLIO_DATABASE_PASSWORD`).
    #[serde(skip_serializing)]
    pub database_password: Option<Secret>,
    /// The database within the `cpdfolio` namespace (`CPDFOLIO_DATABASE_NAME`):
    /// several deployments (or test runs) can share one SurrealDB server,
    /// each in its own database.
    pub database_name: String,
    /// Directory of local content (`CPDFOLIO_CONTENT_DIR`). The shipped
    /// reflective models, email templates, training catalogue and demo data
    /// are built into the binary; a file here with the same path under the
    /// directory (e.g. `training/catalogue.toml`) replaces that one file.
    /// Empty means the built-in content only.
    pub content_dir: Option<PathBuf>,
    /// Public address of this server, used in links inside emails
    /// (`CPDFOLIO_BASE_URL`).
    pub base_url: String,
    /// Largest accepted JSON request body in bytes; larger bodies get 413
    /// (`CPDFOLIO_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Largest accepted attachment in bytes (default 20 MiB); larger
    /// uploads get 413 (`CPDFOLIO_MAX_ATTACHMENT_BYTES`).
    pub max_attachment_bytes: usize,
    /// A session ends after this many minutes without a request
    /// (`CPDFOLIO_SESSION_IDLE_MINUTES`).
    pub session_idle_minutes: u32,
    /// How long, in milliseconds, a session and its account read for one
    /// request may serve the next ones (`CPDFOLIO_SESSION_CACHE_MS`; 0
    /// reads them for every request). A change this process makes takes
    /// effect at once; a sign-out or deactivation made through another
    /// instance sharing a database server takes effect here within this.
    pub session_cache_ms: u64,
    /// A session ends this many hours after login whatever happens
    /// (`CPDFOLIO_SESSION_LIFETIME_HOURS`).
    pub session_lifetime_hours: u32,
    /// How often pending search-index changes are committed, in milliseconds
    /// (`CPDFOLIO_SEARCH_COMMIT_MS`).
    pub search_commit_ms: u64,
    /// How often the database's change feed is read for changes to index
    /// that this process did not make (another instance sharing a database
    /// server), in milliseconds (`CPDFOLIO_INDEX_FOLLOW_MS`). A change made
    /// elsewhere is searchable here within this plus `search_commit_ms`; a
    /// team membership changed elsewhere reaches the lead scopes kept here
    /// within this.
    pub index_follow_ms: u64,
    /// SMTP server in lettre's URL form (`CPDFOLIO_SMTP_URL`): `smtps://user:pass@host`
    /// for implicit TLS, `smtp://user:pass@host:587?tls=required` for STARTTLS,
    /// plain `smtp://` only to a loopback host. Empty means the file outbox.
    #[serde(skip_serializing)]
    pub smtp_url: Option<Secret>,
    /// The From address of every email (`CPDFOLIO_MAIL_FROM`).
    pub mail_from: String,
    /// Whether `serve` runs the daily alert job (`CPDFOLIO_ALERTS_ENABLED`).
    pub alerts_enabled: bool,
    /// Time of day (UTC, `HH:MM`) at which the daily alert job runs
    /// (`CPDFOLIO_ALERTS_TIME`).
    pub alerts_time: String,
    /// Days without any recorded CPD activity before a practitioner is
    /// reminded (`CPDFOLIO_INACTIVITY_DAYS`).
    pub inactivity_days: u32,
    /// Day of the week (`monday` … `sunday`, UK date) on which each team
    /// lead gets the weekly compliance digest (`CPDFOLIO_DIGEST_DAY`); a
    /// run missed that day sends it later the same week.
    pub digest_day: String,
    /// How long, in seconds, an alert run's claim on an email holds
    /// (`CPDFOLIO_ALERT_CLAIM_SECONDS`). A claim older than this was left by
    /// a process that died while sending, and the next run sends the email.
    /// Each SMTP exchange is given at most half of it (and at most 30 s),
    /// so a slow send never outlives its claim.
    pub alert_claim_seconds: u32,
    /// Password hashes (argon2id, 19 MiB each) computed at once; further
    /// logins wait (`CPDFOLIO_LOGIN_HASH_CONCURRENCY`). Default: one less
    /// than the number of CPU cores (at least one), so a flood of logins
    /// always leaves a core for everything else.
    pub login_hash_concurrency: usize,
    /// How long a login waits for a hashing slot before it is answered 503
    /// with `Retry-After` (`CPDFOLIO_LOGIN_HASH_WAIT_MS`).
    pub login_hash_wait_ms: u64,
    /// Failed logins the whole server accepts per minute from clients not
    /// known to the account; beyond it they get 429 until the minute ends
    /// (`CPDFOLIO_LOGIN_FAILURES_PER_MINUTE`).
    pub login_failures_per_minute: u32,
    /// Request header holding the client address set by a reverse proxy
    /// you run, e.g. `X-Forwarded-For` (`CPDFOLIO_TRUSTED_PROXY_HEADER`).
    /// The last address in it is used. Empty means the TCP peer address;
    /// set it only behind a proxy that overwrites or appends the header,
    /// or clients can pick their own address.
    pub trusted_proxy_header: Option<String>,
    /// Addresses of the reverse proxies whose `trusted_proxy_header` is
    /// believed, as addresses or CIDR ranges, comma-separated in the
    /// environment (`CPDFOLIO_TRUSTED_PROXIES`). A request from any other
    /// peer is judged by its own address. In the header, addresses added
    /// by these proxies are skipped from the right; the first other one is
    /// the client. Default: loopback (a proxy on the same machine).
    pub trusted_proxies: Vec<ProxyRange>,
    /// Records (of all kinds) one person may keep; creating one more gets
    /// 409 (`CPDFOLIO_MAX_RECORDS_PER_USER`).
    pub max_records_per_user: u32,
    /// Versions one record may reach; a change past it gets 409
    /// (`CPDFOLIO_MAX_VERSIONS_PER_RECORD`).
    pub max_versions_per_record: u32,
    /// Addenda one supervision record may carry (at most 100, the schema's
    /// own bound); one more gets 409 (`CPDFOLIO_MAX_ADDENDA_PER_RECORD`).
    pub max_addenda_per_record: u32,
    /// Bytes of attachments one person may store in all; an upload past it
    /// gets 413 (`CPDFOLIO_MAX_ATTACHMENT_BYTES_PER_USER`).
    pub max_attachment_bytes_per_user: u64,
    /// Bytes of an exported portfolio zip one import may send; more gets
    /// 413, and it may unpack to at most twice this
    /// (`CPDFOLIO_MAX_IMPORT_BYTES`).
    pub max_import_bytes: u64,
    /// Uploads received at once; another waits up to five seconds, then
    /// gets 503 with `Retry-After` (`CPDFOLIO_MAX_CONCURRENT_UPLOADS`).
    pub max_concurrent_uploads: usize,
    /// Directory that hot backups (`POST /api/v1/admin/backups`) are
    /// written into, one folder each (`CPDFOLIO_BACKUP_DIR`). Empty means
    /// `backups` in the data directory; a directory on another disk is
    /// better.
    pub backup_dir: Option<PathBuf>,
    /// Whether responses carry a `Server-Timing` header with the time each
    /// part of the request took (authentication, the caller's scope, the
    /// index, the database, the access log), for benchmarks and for
    /// finding a slow request's cause (`CPDFOLIO_SERVER_TIMING`). Off by
    /// default: timings tell a client about the server's work.
    pub server_timing: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_user: None,
            database_password: None,
            database_name: "main".to_owned(),
            content_dir: None,
            base_url: "http://127.0.0.1:8080".to_owned(),
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            session_idle_minutes: 30,
            session_cache_ms: 1_000,
            session_lifetime_hours: 12,
            search_commit_ms: 250,
            index_follow_ms: 500,
            smtp_url: None,
            mail_from: "cpdfolio <cpdfolio@localhost>".to_owned(),
            alerts_enabled: true,
            alerts_time: "07:00".to_owned(),
            inactivity_days: 90,
            digest_day: "monday".to_owned(),
            alert_claim_seconds: 600,
            login_hash_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| n.get().saturating_sub(1).max(1)),
            login_hash_wait_ms: 2000,
            login_failures_per_minute: 300,
            trusted_proxy_header: None,
            trusted_proxies: vec![
                ProxyRange::single(IpAddr::from([127, 0, 0, 1])),
                ProxyRange::single(IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
            ],
            max_records_per_user: 10_000,
            max_versions_per_record: 500,
            max_addenda_per_record: 50,
            max_attachment_bytes_per_user: 2 * 1024 * 1024 * 1024,
            max_import_bytes: 1024 * 1024 * 1024,
            max_concurrent_uploads: 4,
            backup_dir: None,
            server_timing: false,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("environment variable {name} is not valid: {reason}")]
    Env { name: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Defaults, then the TOML file if given, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Overrides fields from environment variables read through `var`:
    /// each field `name` is read from `CPDFOLIO_NAME`; blank values are
    /// ignored.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        macro_rules! from_env {
            ($($field:ident),* $(,)?) => {$(
                let name = concat!("CPDFOLIO_", stringify!($field)).to_uppercase();
                if let Some(value) = var(&name).filter(|v| !v.trim().is_empty()) {
                    self.$field = FromEnv::from_env(&value)
                        .map_err(|reason| ConfigError::Env { name, reason })?;
                }
            )*};
        }
        from_env!(
            listen,
            metrics_listen,
            data_dir,
            database_url,
            database_user,
            database_password,
            database_name,
            content_dir,
            base_url,
            max_body_bytes,
            max_attachment_bytes,
            session_idle_minutes,
            session_cache_ms,
            session_lifetime_hours,
            search_commit_ms,
            index_follow_ms,
            smtp_url,
            mail_from,
            alerts_enabled,
            alerts_time,
            inactivity_days,
            digest_day,
            alert_claim_seconds,
            login_hash_concurrency,
            login_hash_wait_ms,
            login_failures_per_minute,
            trusted_proxy_header,
            trusted_proxies,
            max_records_per_user,
            max_versions_per_record,
            max_addenda_per_record,
            max_attachment_bytes_per_user,
            max_import_bytes,
            max_concurrent_uploads,
            backup_dir,
            server_timing,
        );
        Ok(())
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.alerts_time_of_day().is_none() {
            return Err(ConfigError::Invalid(format!(
                "alerts_time must be HH:MM in 24-hour UTC, got {:?}",
                self.alerts_time
            )));
        }
        if self.digest_weekday().is_none() {
            return Err(ConfigError::Invalid(format!(
                "digest_day must be a day of the week (monday … sunday), got {:?}",
                self.digest_day
            )));
        }
        if self.alert_claim_seconds < 2 {
            return Err(ConfigError::Invalid(
                "alert_claim_seconds must be at least 2".to_owned(),
            ));
        }
        if self.session_cache_ms > 60_000 {
            return Err(ConfigError::Invalid(
                "session_cache_ms must be at most 60000 (a minute)".to_owned(),
            ));
        }
        if self.session_idle_minutes == 0 || self.session_lifetime_hours == 0 {
            return Err(ConfigError::Invalid(
                "session_idle_minutes and session_lifetime_hours must be at least 1".to_owned(),
            ));
        }
        if self.inactivity_days == 0 {
            return Err(ConfigError::Invalid(
                "inactivity_days must be at least 1".to_owned(),
            ));
        }
        if self.login_hash_concurrency == 0 || self.login_failures_per_minute == 0 {
            return Err(ConfigError::Invalid(
                "login_hash_concurrency and login_failures_per_minute must be at least 1"
                    .to_owned(),
            ));
        }
        let name_ok = (1..=64).contains(&self.database_name.len())
            && self
                .database_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return Err(ConfigError::Invalid(format!(
                "database_name must be 1 to 64 letters, digits or underscores, got {:?}",
                self.database_name
            )));
        }
        if self.search_commit_ms < 10 || self.index_follow_ms < 10 {
            return Err(ConfigError::Invalid(
                "search_commit_ms and index_follow_ms must be at least 10".to_owned(),
            ));
        }
        if self.max_concurrent_uploads == 0 {
            return Err(ConfigError::Invalid(
                "max_concurrent_uploads must be at least 1".to_owned(),
            ));
        }
        if self.max_addenda_per_record > 100 {
            return Err(ConfigError::Invalid(
                "max_addenda_per_record can be at most 100".to_owned(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".to_owned(),
            ));
        }
        Ok(())
    }

    /// The configured alert time as a `time::Time`.
    /// The weekday of the lead digest.
    pub fn digest_weekday(&self) -> Option<time::Weekday> {
        use time::Weekday::{Friday, Monday, Saturday, Sunday, Thursday, Tuesday, Wednesday};
        [
            Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
        ]
        .into_iter()
        .find(|d| d.to_string().eq_ignore_ascii_case(self.digest_day.trim()))
    }

    /// How long an alert run's claim on an email holds.
    pub fn alert_claim_timeout(&self) -> time::Duration {
        time::Duration::seconds(i64::from(self.alert_claim_seconds))
    }

    /// The longest one SMTP exchange may take: half the claim time, and at
    /// most 30 seconds.
    pub fn smtp_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.alert_claim_seconds / 2).min(30))
    }

    pub fn alerts_time_of_day(&self) -> Option<time::Time> {
        let (h, m) = self.alerts_time.split_once(':')?;
        let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
        time::Time::from_hms(h, m, 0).ok()
    }

    /// The database endpoint actually used: the configured URL, or SurrealKV
    /// under the data directory with an fsync on every commit.
    pub fn database_endpoint(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("surrealkv://{}?sync=every", self.database_dir().display()),
        }
    }

    /// True when the database lives inside the data directory (and so is
    /// locked to this process).
    pub fn uses_embedded_disk_database(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn database_dir(&self) -> PathBuf {
        self.data_dir.join("db")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// Attachment files, stored by SHA-256.
    pub fn attachments_dir(&self) -> PathBuf {
        self.data_dir.join("attachments")
    }

    /// Where uploads are received before they are accepted.
    pub fn incoming_dir(&self) -> PathBuf {
        self.data_dir.join("incoming")
    }

    /// Where hot backups go.
    pub fn backups_dir(&self) -> PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// An address or CIDR range (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRange {
    network: IpAddr,
    prefix: u8,
}

impl ProxyRange {
    pub fn single(address: IpAddr) -> Self {
        let prefix = if address.is_ipv4() { 32 } else { 128 };
        Self {
            network: address,
            prefix,
        }
    }

    /// True when `address` is in the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                same_prefix(&net.octets(), &a.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                same_prefix(&net.octets(), &a.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let bits = usize::from(prefix);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

impl std::str::FromStr for ProxyRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not an IP address or CIDR range");
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let mut range = Self::single(address);
        if let Some(prefix) = prefix {
            if prefix > range.prefix {
                return Err(bad());
            }
            range.prefix = prefix;
        }
        Ok(range)
    }
}

impl fmt::Display for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl<'de> Deserialize<'de> for ProxyRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for ProxyRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A configuration value that can be read from an environment variable.
trait FromEnv: Sized {
    fn from_env(text: &str) -> Result<Self, String>;
}

impl FromEnv for String {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl FromEnv for PathBuf {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }
}

impl FromEnv for Secret {
    fn from_env(text: &str) -> Result<Self, String> {
        Ok(Secret::new(text))
    }
}

impl FromEnv for Vec<ProxyRange> {
    fn from_env(text: &str) -> Result<Self, String> {
        text.split(',').map(str::parse).collect()
    }
}

impl<T: FromEnv> FromEnv for Option<T> {
    fn from_env(text: &str) -> Result<Self, String> {
        T::from_env(text).map(Some)
    }
}

macro_rules! from_env_by_parsing {
    ($($t:ty),*) => {$(
        impl FromEnv for $t {
            fn from_env(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|e: <$t as std::str::FromStr>::Err| e.to_string())
            }
        }
    )*};
}

from_env_by_parsing!(SocketAddr, usize, u32, u64, bool);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::str::FromStr;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_listen_on_loopback_and_keep_data_local() {
        let c = Config::default();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.database_endpoint(), "surrealkv://data/db?sync=every");
        assert!(c.validate().is_ok());
    }

    #[test]
    fn environment_overrides_file_values() {
        let mut c: Config =
            toml::from_str("listen = \"0.0.0.0:9000\"\ninactivity_days = 60").unwrap();
        c.apply_env(env(&[("CPDFOLIO_LISTEN", "127.0.0.1:9100")]))
            .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(c.inactivity_days, 60);
    }

    #[test]
    fn every_field_reads_its_environment_variable() {
        let mut c = Config::default();
        c.apply_env(env(&[
            ("CPDFOLIO_DATA_DIR", "/srv/cpd"),
            ("CPDFOLIO_CONTENT_DIR", "/etc/cpdfolio/content"),
            ("CPDFOLIO_MAX_ATTACHMENT_BYTES", "1048576"),
            ("CPDFOLIO_ALERTS_ENABLED", "false"),
            ("CPDFOLIO_DATABASE_PASSWORD", "s3cret"),
            ("CPDFOLIO_MAIL_FROM", "  "),
        ]))
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/cpd"));
        assert_eq!(c.content_dir, Some(PathBuf::from("/etc/cpdfolio/content")));
        assert_eq!(c.max_attachment_bytes, 1_048_576);
        assert!(!c.alerts_enabled);
        assert_eq!(c.database_password, Some(Secret::new("s3cret")));
        assert_eq!(c.mail_from, "cpdfolio <cpdfolio@localhost>");
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        let mut c = Config::default();
        let err = c
            .apply_env(env(&[("CPDFOLIO_LISTEN", "nowhere")]))
            .unwrap_err();
        assert!(err.to_string().contains("CPDFOLIO_LISTEN"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        assert!(toml::from_str::<Config>("listne = \"x\"").is_err());
    }

    #[test]
    fn a_database_name_is_a_plain_identifier() {
        for bad in ["", "main; REMOVE DATABASE main", "café", &"x".repeat(65)] {
            let c = Config {
                database_name: bad.to_owned(),
                ..Config::default()
            };
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("database_name must be"), "{bad:?}: {err}");
        }
        let ok = Config {
            database_name: "trust_2026".into(),
            ..Config::default()
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn background_intervals_cannot_be_zero() {
        for (commit, follow) in [(0, 500), (250, 0), (250, 9)] {
            let c = Config {
                search_commit_ms: commit,
                index_follow_ms: follow,
                ..Config::default()
            };
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("at least 10"), "{commit}/{follow}: {err}");
        }
    }

    #[test]
    fn a_session_is_kept_for_at_most_a_minute() {
        for (ms, valid) in [(0, true), (60_000, true), (60_001, false)] {
            let c = Config {
                session_cache_ms: ms,
                ..Config::default()
            };
            assert_eq!(c.validate().is_ok(), valid, "{ms}");
        }
    }

    #[test]
    fn alert_time_must_be_a_clock_time() {
        let c = Config {
            alerts_time: "25:00".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let ok = Config {
            alerts_time: "06:30".into(),
            ..Config::default()
        };
        assert_eq!(ok.alerts_time_of_day(), Some(time::macros::time!(06:30)));
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let c = Config {
            smtp_url: Some(Secret::new("smtps://me:hunter2@mail.example")),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn the_copy_kept_with_a_backup_has_no_secrets_and_reads_back() {
        let c = Config {
            smtp_url: Some(Secret::new("smtps://me:hunter2@mail.example")),
            database_password: Some(Secret::new("s3cret")),
            max_records_per_user: 77,
            ..Config::default()
        };
        let text = toml::to_string(&c).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("s3cret"));
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back.max_records_per_user, 77);
        assert_eq!(back.smtp_url, None);
        assert_eq!(back.database_password, None);
    }

    #[test]
    fn proxy_ranges_parse_and_match_by_prefix() {
        let range: ProxyRange = "10.1.0.0/16".parse().unwrap();
        assert!(range.contains(IpAddr::from([10, 1, 200, 3])));
        assert!(!range.contains(IpAddr::from([10, 2, 0, 1])));
        let odd: ProxyRange = "192.0.2.128/25".parse().unwrap();
        assert!(odd.contains(IpAddr::from([192, 0, 2, 200])));
        assert!(!odd.contains(IpAddr::from([192, 0, 2, 127])));
        let v6: ProxyRange = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:5::1".parse().unwrap()));
        assert!(!v6.contains(IpAddr::from([10, 1, 0, 1])));
        let loopback: ProxyRange = "127.0.0.1".parse().unwrap();
        assert!(loopback.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert_eq!(loopback.to_string(), "127.0.0.1/32");
        assert!(
            ProxyRange::from_str("0.0.0.0/0")
                .unwrap()
                .contains(IpAddr::from([8, 8, 8, 8]))
        );
        for bad in ["10.0.0.0/33", "proxy.example", "10.0.0.0/", "", "::1/129"] {
            assert_eq!(
                ProxyRange::from_str(bad),
                Err(format!(
                    "{:?} is not an IP address or CIDR range",
                    bad.trim()
                ))
            );
        }
        let mut c = Config::default();
        c.apply_env(|n| {
            (n == "CPDFOLIO_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 192.0.2.7".to_owned())
        })
        .unwrap();
        assert_eq!(
            c.trusted_proxies,
            vec!["10.0.0.0/8".parse().unwrap(), "192.0.2.7".parse().unwrap()]
        );
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../cpdfolio.example.toml");
        let c: Config = toml::from_str(text).unwrap();
        assert!(c.validate().is_ok());
    }
}
