//! The two engines a user would otherwise pick, fed the same corpus and
//! asked the same questions, in-process (no HTTP): SQLite's FTS5 through
//! rusqlite, and SurrealDB's own FULLTEXT BM25 index on SurrealKV. Both
//! are durable on disk like cpdfolio (SQLite `synchronous=FULL` with a
//! write-ahead log, SurrealKV with a sync on every commit).

use std::path::Path;
use std::time::{Duration, Instant};

use surrealdb::types::SurrealValue;

/// One searchable record: whose it is and its text.
#[derive(Debug, Clone, SurrealValue)]
pub struct Doc {
    pub owner: String,
    pub title: String,
    pub text: String,
}

/// What one engine measured.
pub struct Measured {
    pub load: Duration,
    /// Single-record inserts, each committed durably on its own, per second.
    pub durable_creates_per_s: f64,
    pub own: Vec<Duration>,
    pub lead: Vec<Duration>,
    pub disk_bytes: u64,
}

const SINGLE_INSERTS: usize = 300;

pub fn sqlite(
    dir: &Path,
    docs: &[Doc],
    own: &str,
    team: &[String],
    queries: &[&str],
    rounds: usize,
) -> Measured {
    let mut db = rusqlite::Connection::open(dir.join("fts.db")).unwrap();
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE VIRTUAL TABLE doc USING fts5(owner UNINDEXED, title, text);
         CREATE TEMP TABLE team (owner TEXT PRIMARY KEY);",
    )
    .unwrap();
    let started = Instant::now();
    for chunk in docs.chunks(10_000) {
        let tx = db.transaction().unwrap();
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO doc (owner, title, text) VALUES (?1, ?2, ?3)")
                .unwrap();
            for d in chunk {
                insert.execute((&d.owner, &d.title, &d.text)).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let load = started.elapsed();
    let started = Instant::now();
    for d in docs.iter().take(SINGLE_INSERTS) {
        db.execute(
            "INSERT INTO doc (owner, title, text) VALUES (?1, ?2, ?3)",
            (&d.owner, &d.title, &d.text),
        )
        .unwrap();
    }
    let durable_creates_per_s = SINGLE_INSERTS as f64 / started.elapsed().as_secs_f64();
    for member in team {
        db.execute("INSERT OR IGNORE INTO team (owner) VALUES (?1)", [member])
            .unwrap();
    }
    let timed = |sql: &str, owner: Option<&str>| {
        let mut samples = Vec::new();
        let mut statement = db.prepare(sql).unwrap();
        for round in 0..rounds {
            let q = queries[round % queries.len()];
            let started = Instant::now();
            let hits: Vec<i64> = match owner {
                Some(o) => statement
                    .query_map((q, o), |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect(),
                None => statement
                    .query_map([q], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect(),
            };
            samples.push(started.elapsed());
            assert!(hits.len() <= 20);
        }
        samples
    };
    let own = timed(
        "SELECT rowid FROM doc WHERE doc MATCH ?1 AND owner = ?2 ORDER BY rank LIMIT 20",
        Some(own),
    );
    let lead = timed(
        "SELECT rowid FROM doc WHERE doc MATCH ?1 AND owner IN (SELECT owner FROM team) ORDER BY rank LIMIT 20",
        None,
    );
    drop(db);
    Measured {
        load,
        durable_creates_per_s,
        own,
        lead,
        disk_bytes: super::disk_bytes(dir),
    }
}

pub async fn surreal(
    dir: &Path,
    docs: &[Doc],
    own: &str,
    team: &[String],
    queries: &[&str],
    rounds: usize,
) -> Measured {
    let db = surrealdb::engine::any::connect(format!(
        "surrealkv://{}?sync=every",
        dir.join("db").display()
    ))
    .await
    .unwrap();
    db.use_ns("bench").use_db("bench").await.unwrap();
    db.query(
        "DEFINE TABLE doc SCHEMAFULL;
         DEFINE FIELD owner ON doc TYPE string;
         DEFINE FIELD title ON doc TYPE string;
         DEFINE FIELD text ON doc TYPE string;
         DEFINE ANALYZER prose TOKENIZERS blank, class FILTERS lowercase, snowball(english);
         DEFINE INDEX doc_owner ON doc FIELDS owner;
         DEFINE INDEX doc_text ON doc FIELDS text FULLTEXT ANALYZER prose BM25;",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    let started = Instant::now();
    for chunk in docs.chunks(500) {
        db.query("INSERT INTO doc $rows")
            .bind(("rows", chunk.to_vec()))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    let load = started.elapsed();
    let started = Instant::now();
    for d in docs.iter().take(SINGLE_INSERTS) {
        db.query("CREATE doc CONTENT $d")
            .bind(("d", d.clone()))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    let durable_creates_per_s = SINGLE_INSERTS as f64 / started.elapsed().as_secs_f64();
    let mut own_samples = Vec::new();
    let mut lead_samples = Vec::new();
    for round in 0..rounds {
        let q = queries[round % queries.len()].to_owned();
        let started = Instant::now();
        db.query("SELECT id, search::score(1) AS score FROM doc WHERE owner = $owner AND text @1@ $q ORDER BY score DESC LIMIT 20")
            .bind(("owner", own.to_owned()))
            .bind(("q", q.clone()))
            .await
            .unwrap()
            .check()
            .unwrap();
        own_samples.push(started.elapsed());
        let started = Instant::now();
        db.query("SELECT id, search::score(1) AS score FROM doc WHERE owner IN $team AND text @1@ $q ORDER BY score DESC LIMIT 20")
            .bind(("team", team.to_vec()))
            .bind(("q", q))
            .await
            .unwrap()
            .check()
            .unwrap();
        lead_samples.push(started.elapsed());
    }
    drop(db);
    Measured {
        load,
        durable_creates_per_s,
        own: own_samples,
        lead: lead_samples,
        disk_bytes: super::disk_bytes(dir),
    }
}
