//! Ordered, checksummed SurrealQL migrations. Each file in `migrations/` is
//! applied once, inside a transaction that also records its SHA-256. If an
//! applied file later differs from what was recorded, start-up stops: a
//! changed history is a mistake to fix, not something to paper over.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};
use surrealdb::types::SurrealValue;

use super::Store;

#[derive(Debug, Clone)]
pub struct Migration {
    pub name: String,
    pub sql: String,
}

impl Migration {
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "migration {name} was changed after it was applied (recorded checksum {recorded}, file now {current}); restore the original file and put the change in a new migration"
    )]
    Changed {
        name: String,
        recorded: String,
        current: String,
    },
    #[error(
        "migration {name} is recorded as applied but no such file exists; this binary is older than the database"
    )]
    Missing { name: String },
}

#[derive(Debug, Clone)]
pub struct Migrations(Vec<Migration>);

#[derive(SurrealValue)]
struct Applied {
    name: String,
    checksum: String,
}

impl Migrations {
    /// The migrations compiled into this binary.
    pub fn embedded() -> Self {
        Self(vec![
            Migration {
                name: "0001_initial.surql".to_owned(),
                sql: include_str!("../../migrations/0001_initial.surql").to_owned(),
            },
            Migration {
                name: "0002_evidence.surql".to_owned(),
                sql: include_str!("../../migrations/0002_evidence.surql").to_owned(),
            },
            Migration {
                name: "0003_typed_records.surql".to_owned(),
                sql: include_str!("../../migrations/0003_typed_records.surql").to_owned(),
            },
            Migration {
                name: "0004_list_order.surql".to_owned(),
                sql: include_str!("../../migrations/0004_list_order.surql").to_owned(),
            },
            Migration {
                name: "0005_alert_claim.surql".to_owned(),
                sql: include_str!("../../migrations/0005_alert_claim.surql").to_owned(),
            },
            Migration {
                name: "0006_account_lifecycle.surql".to_owned(),
                sql: include_str!("../../migrations/0006_account_lifecycle.surql").to_owned(),
            },
            Migration {
                name: "0007_attachment_owner.surql".to_owned(),
                sql: include_str!("../../migrations/0007_attachment_owner.surql").to_owned(),
            },
            Migration {
                name: "0008_team_records.surql".to_owned(),
                sql: include_str!("../../migrations/0008_team_records.surql").to_owned(),
            },
            Migration {
                name: "0009_compliance.surql".to_owned(),
                sql: include_str!("../../migrations/0009_compliance.surql").to_owned(),
            },
            Migration {
                name: "0011_training_import.surql".to_owned(),
                sql: include_str!("../../migrations/0011_training_import.surql").to_owned(),
            },
            Migration {
                name: "0012_calendar_feeds.surql".to_owned(),
                sql: include_str!("../../migrations/0012_calendar_feeds.surql").to_owned(),
            },
            Migration {
                name: "0013_compliance_alerts.surql".to_owned(),
                sql: include_str!("../../migrations/0013_compliance_alerts.surql").to_owned(),
            },
            Migration {
                name: "0014_compliance_facts.surql".to_owned(),
                sql: include_str!("../../migrations/0014_compliance_facts.surql").to_owned(),
            },
            Migration {
                name: "0015_compliance_digests.surql".to_owned(),
                sql: include_str!("../../migrations/0015_compliance_digests.surql").to_owned(),
            },
            Migration {
                name: "0016_write_path.surql".to_owned(),
                sql: include_str!("../../migrations/0016_write_path.surql").to_owned(),
            },
            Migration {
                name: "0017_alert_run_at_scale.surql".to_owned(),
                sql: include_str!("../../migrations/0017_alert_run_at_scale.surql").to_owned(),
            },
            Migration {
                name: "0018_pii_dismissals.surql".to_owned(),
                sql: include_str!("../../migrations/0018_pii_dismissals.surql").to_owned(),
            },
            Migration {
                name: "0019_pii_open_count.surql".to_owned(),
                sql: include_str!("../../migrations/0019_pii_open_count.surql").to_owned(),
            },
            Migration {
                name: "0020_access_log_order.surql".to_owned(),
                sql: include_str!("../../migrations/0020_access_log_order.surql").to_owned(),
            },
            Migration {
                name: "0021_access_log_indexes.surql".to_owned(),
                sql: include_str!("../../migrations/0021_access_log_indexes.surql").to_owned(),
            },
            Migration {
                name: "0022_objectives.surql".to_owned(),
                sql: include_str!("../../migrations/0022_objectives.surql").to_owned(),
            },
            Migration {
                name: "0023_appraisal_shares.surql".to_owned(),
                sql: include_str!("../../migrations/0023_appraisal_shares.surql").to_owned(),
            },
            Migration {
                name: "0024_alert_ids_from_keys.surql".to_owned(),
                sql: include_str!("../../migrations/0024_alert_ids_from_keys.surql").to_owned(),
            },
            Migration {
                name: "0025_record_change_feed.surql".to_owned(),
                sql: include_str!("../../migrations/0025_record_change_feed.surql").to_owned(),
            },
            Migration {
                name: "0026_membership_change_feed.surql".to_owned(),
                sql: include_str!("../../migrations/0026_membership_change_feed.surql").to_owned(),
            },
            Migration {
                name: "0027_checks_without_regex.surql".to_owned(),
                sql: include_str!("../../migrations/0027_checks_without_regex.surql").to_owned(),
            },
        ])
    }

    /// Every `*.surql` file in `dir`, in name order.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read migrations from {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "surql"))
            .collect();
        files.sort();
        let migrations = files
            .into_iter()
            .map(|path| {
                let sql = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok(Migration { name, sql })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self(migrations))
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|m| m.name.as_str()).collect()
    }

    /// Verifies the recorded history and applies what is new, in order.
    pub async fn apply(&self, store: &Store) -> anyhow::Result<Vec<String>> {
        let db = store.db();
        db.query(
            "DEFINE TABLE IF NOT EXISTS migration SCHEMAFULL;
             DEFINE FIELD IF NOT EXISTS name ON migration TYPE string;
             DEFINE FIELD IF NOT EXISTS checksum ON migration TYPE string;
             DEFINE FIELD IF NOT EXISTS applied_at ON migration TYPE datetime;
             DEFINE INDEX IF NOT EXISTS migration_name ON migration FIELDS name UNIQUE;",
        )
        .await?
        .check()?;
        let applied: Vec<Applied> = db
            .query("SELECT name, checksum FROM migration ORDER BY name")
            .await?
            .take(0)?;
        for record in &applied {
            let Some(current) = self.0.iter().find(|m| m.name == record.name) else {
                return Err(MigrationError::Missing {
                    name: record.name.clone(),
                }
                .into());
            };
            if current.checksum() != record.checksum {
                return Err(MigrationError::Changed {
                    name: record.name.clone(),
                    recorded: record.checksum.clone(),
                    current: current.checksum(),
                }
                .into());
            }
        }
        let mut newly = Vec::new();
        for migration in self
            .0
            .iter()
            .filter(|m| !applied.iter().any(|a| a.name == m.name))
        {
            let sql = format!(
                "BEGIN TRANSACTION;\n{}\n;CREATE migration SET name = $name, checksum = $checksum, applied_at = time::now();\nCOMMIT TRANSACTION;",
                migration.sql
            );
            let query = db
                .query(sql)
                .bind(("name", migration.name.clone()))
                .bind(("checksum", migration.checksum()));
            super::execute(query)
                .await
                .with_context(|| format!("migration {} failed", migration.name))?;
            tracing::info!(migration = %migration.name, "applied migration");
            newly.push(migration.name.clone());
        }
        Ok(newly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_matches_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let from_dir = Migrations::from_dir(&dir).unwrap();
        assert_eq!(from_dir.names(), Migrations::embedded().names());
        for (a, b) in from_dir.0.iter().zip(Migrations::embedded().0.iter()) {
            assert_eq!(a.checksum(), b.checksum());
        }
    }
}
