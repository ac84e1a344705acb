//! The `cpdfolio` command line. Subcommands other than `serve` work on a
//! stopped server's data directory; while a server holds it they stop at
//! once with a message that says so.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::app::App;
use crate::app::AppError;
use crate::config::Config;
use crate::domain::user::{NewUser, Role};
use crate::storage::Migrations;

#[derive(Parser)]
#[command(
    name = "cpdfolio",
    version,
    about = "CPD, supervision and training-compliance portfolio server"
)]
struct Cli {
    /// TOML configuration file (see cpdfolio.example.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// On an empty data directory, seed a demo team and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Email alerts.
    Alerts {
        #[command(subcommand)]
        command: AlertsCommand,
    },
    /// Write everything one person owns to a zip (what
    /// `GET /api/v1/me/export` gives them): for a subject-access or
    /// portability request, or a person who can no longer sign in.
    Export {
        /// The person's email address.
        #[arg(long)]
        user: String,
        /// Where to write the zip.
        #[arg(long)]
        out: PathBuf,
    },
    /// Back up a stopped server's database, attachments, configuration
    /// (without secrets) and local content into a new directory, with a
    /// manifest of checksums. A running server: `POST /api/v1/admin/backups`.
    Backup {
        /// The directory to create (it must not exist or be empty).
        dir: PathBuf,
    },
    /// Restore a backup into an empty data directory, checking every
    /// checksum first; the search index is rebuilt from the database.
    Restore {
        /// The backup directory.
        dir: PathBuf,
    },
    /// Import records from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import training from an ESR competence export (CSV, UTF-8), as
    /// content/esr/mapping.toml describes it. All or nothing: a file with
    /// any bad line imports nothing and every such line is listed.
    Esr {
        /// The CSV file.
        file: PathBuf,
        /// The admin account the import is recorded as (it verifies the
        /// imported records).
        #[arg(long)]
        admin: String,
        /// Check the file and say what would be imported, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password comes from CPDFOLIO_PASSWORD, or is prompted for.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// practitioner, lead or admin.
        #[arg(long)]
        role: String,
        /// Team (created if new); a lead leads it.
        #[arg(long)]
        team: Option<String>,
        /// HCPC registration number, e.g. OT12345.
        #[arg(long)]
        hcpc_number: Option<String>,
    },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Queue and deliver due alerts now.
    Run {
        /// List what is due without queuing or sending anything.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: list what would be due on this UK date
        /// (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "YYYY-MM-DD", requires = "dry_run", value_parser = parse_as_of)]
        as_of: Option<time::Date>,
    },
}

fn parse_as_of(text: &str) -> Result<time::Date, String> {
    crate::domain::dates::parse_iso(text)
        .ok_or_else(|| format!("{text:?} is not a date in the form YYYY-MM-DD"))
}

/// How long the process waits, once its command has finished and the
/// embedded store has closed or had its
/// [`STORE_CLOSE_WAIT`](crate::storage::STORE_CLOSE_WAIT) to ([`run`]), for
/// work the database still runs on the runtime's threads, which nothing
/// can interrupt. A store that has closed has flushed everything; one cut
/// short is a crash (see `STORE_CLOSE_WAIT` for what that can lose).
const EXIT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Entry point: runs the command and turns any error into one clear line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    runtime.shutdown_timeout(EXIT_WAIT);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `CPDFOLIO_LOG`, as text or, with
/// `CPDFOLIO_LOG_FORMAT=json`, one JSON object a line for a log collector;
/// colours only on a terminal.
/// Both are read before the configuration, so that loading it can log.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CPDFOLIO_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,surrealdb=warn,surrealkv=warn,tantivy=warn")
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let json = std::env::var("CPDFOLIO_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        logs.json().try_init()
    } else {
        logs.try_init()
    };
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    let store_files = config
        .uses_embedded_disk_database()
        .then(|| config.database_dir());
    let result = run_command(cli.command, config).await;
    // The embedded store shuts down in the background once the command
    // has dropped it; the process must not end (and cancel that) first.
    // A command refused the data directory never opened the store: its
    // lock belongs to the process that holds the directory.
    let refused =
        matches!(&result, Err(err) if err.downcast_ref::<crate::app::LockError>().is_some());
    if let Some(dir) = store_files.filter(|_| !refused) {
        crate::storage::wait_until_released(&dir).await;
    }
    result
}

async fn run_command(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => crate::server::serve(config, demo).await,
        Command::Migrate => {
            let app = open(config).await?;
            println!(
                "migrations up to date: {}",
                Migrations::embedded().names().join(", ")
            );
            drop(app);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    team,
                    hcpc_number,
                },
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let password = read_password()?;
            let app = open(config).await?;
            let user = app
                .create_user(NewUser {
                    email,
                    name,
                    role,
                    team,
                    hcpc_number,
                    password,
                })
                .await
                .map_err(describe)?;
            println!("created {} account {} ({})", user.role, user.email, user.id);
            Ok(())
        }
        Command::Reindex => reindex(config).await,
        Command::Backup { dir } => backup(config, &dir).await,
        Command::Restore { dir } => restore(config, &dir).await,
        Command::Export { user, out } => export(config, &user, &out).await,
        Command::Import {
            command:
                ImportCommand::Esr {
                    file,
                    admin,
                    dry_run,
                },
        } => import_esr(config, &file, &admin, dry_run).await,
        Command::Alerts {
            command: AlertsCommand::Run { dry_run, as_of },
        } => {
            let app = open(config).await?;
            let report = app
                .run_alerts_as_of(dry_run, as_of)
                .await
                .map_err(describe)?;
            let verb = if dry_run {
                "due (dry run, nothing sent)"
            } else {
                "newly queued"
            };
            println!("{} {verb}{}", report.due.total, unlisted(&report.due));
            for a in &report.due {
                println!(
                    "  {} <{}>: no CPD recorded since {} ({} days)",
                    a.name, a.email, a.since, a.days
                );
            }
            println!(
                "{} compliance email(s) {verb} on {}{}",
                report.compliance.total,
                report.as_of,
                unlisted(&report.compliance)
            );
            for c in &report.compliance {
                println!(
                    "  {} <{}>: {} (due {}): {}",
                    c.name, c.email, c.item_title, c.due_on, c.milestone
                );
            }
            println!("{} lead digest(s) {verb}", report.digests.len());
            for d in &report.digests {
                println!(
                    "  {} <{}>: {} ({} items)",
                    d.name, d.email, d.team_name, d.items
                );
            }
            if !dry_run {
                println!(
                    "{} delivered by {}, {} failed",
                    report.sent.total,
                    app.mailer().describe(),
                    report.failed
                );
            }
            Ok(())
        }
    }
}

async fn open(config: Config) -> anyhow::Result<App> {
    App::open(config, &Migrations::embedded()).await
}

async fn backup(config: Config, dir: &std::path::Path) -> anyhow::Result<()> {
    let app = open(config).await?;
    let report = app.backup_to(dir).await.map_err(describe)?;
    println!(
        "backed up to {}: database {} bytes, {} attachment file(s) ({} bytes); manifest sha256 {}",
        report.dir.display(),
        report.database_bytes,
        report.attachments,
        report.attachment_bytes,
        report.manifest_sha256
    );
    Ok(())
}

async fn restore(config: Config, dir: &std::path::Path) -> anyhow::Result<()> {
    let report = crate::app::backup::restore(config, dir, &Migrations::embedded()).await?;
    println!(
        "restored the backup of {}: {} record(s), {} attachment file(s); the configuration and content it holds are in {} to install as needed",
        report.created_at,
        report.records,
        report.attachments,
        dir.display()
    );
    Ok(())
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let app = open(config).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} entries ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = app
        .rebuild_index(|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish();
    println!("search index rebuilt: {done} entries");
    Ok(())
}

async fn export(config: Config, email: &str, out: &std::path::Path) -> anyhow::Result<()> {
    let app = open(config).await?;
    let me = current_user(&app, email).await?;
    let mut export = app.export_portfolio(&me).await.map_err(describe)?;
    let mut file = crate::files::create_private(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::io::copy(&mut export.file, &mut file)?;
    file.sync_all()?;
    println!(
        "wrote {} ({} files, manifest last)",
        out.display(),
        export.manifest.files.len()
    );
    Ok(())
}

/// The account with this email, acting as itself.
async fn current_user(app: &App, email: &str) -> anyhow::Result<crate::app::CurrentUser> {
    let user = app
        .store()
        .users_by_email(vec![crate::domain::user::normalise_email(email)])
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no account with the email {email}"))?;
    Ok(crate::app::CurrentUser {
        user,
        token_digest: String::new(),
    })
}

async fn import_esr(
    config: Config,
    file: &std::path::Path,
    admin: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let max = config.max_attachment_bytes;
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > max as u64 {
        bail!(
            "{} is larger than the import limit of {max} bytes (max_attachment_bytes)",
            file.display()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let app = open(config).await?;
    let me = current_user(&app, admin).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} lines checked")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = app.import_esr(&me, &bytes, dry_run, &progress).await;
    bar.finish_and_clear();
    let report = report.map_err(describe_lines)?;
    let verb = if dry_run { "would import" } else { "imported" };
    println!(
        "{verb} {} training records; {} already held, {} lines ignored, {} repeated",
        report.imported, report.already_held, report.ignored, report.repeated
    );
    Ok(())
}

/// An import's errors one per line, as the file numbers them.
fn describe_lines(err: AppError) -> anyhow::Error {
    match err {
        AppError::Validation(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!(
                "nothing imported; {} problems:\n{}",
                errors.len(),
                lines.join("\n")
            )
        }
        other => describe(other),
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("CPDFOLIO_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("set CPDFOLIO_PASSWORD or run in a terminal to be prompted for the password");
    }
    let first = rpassword::prompt_password("Password (at least 12 characters): ")
        .context("cannot read the password")?;
    let second =
        rpassword::prompt_password("Repeat the password: ").context("cannot read the password")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(first)
}

/// Application errors as a one-line message for the terminal.
fn describe(err: AppError) -> anyhow::Error {
    match err {
        AppError::Validation(errors) => {
            let parts: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("not valid: {}", parts.join("; "))
        }
        AppError::Internal(e) => e,
        other => anyhow::anyhow!(other.to_string()),
    }
}

/// What a report line adds when the report lists only some of its entries.
fn unlisted<T>(listed: &crate::app::Listed<T>) -> String {
    if listed.len() < listed.total {
        format!(" (the first {} listed)", listed.len())
    } else {
        String::new()
    }
}
