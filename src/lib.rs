//! cpdfolio: a self-hosted CPD, supervision and training-compliance portfolio
//! server for HCPC-registered occupational therapists.
//!
//! The crate is layered so that each folder has one job:
//! - [`http`] turns HTTP requests into calls on the domain and storage layers
//!   and back into JSON or `application/problem+json` answers;
//! - [`domain`] holds the pure rules (validation, CPD profile building, gap and
//!   mixture checks, alert selection) and does no I/O;
//! - [`storage`] persists everything in SurrealDB, [`search`] keeps the tantivy
//!   index, [`mail`] renders and delivers email, [`content`] loads the
//!   Markdown and data files people edit, [`files`] writes private,
//!   durable files;
//! - [`app`] wires them together, [`jobs`] runs scheduled work and [`cli`]
//!   is the command line.

pub mod app;
pub mod cli;
pub mod config;
pub mod content;
pub mod demo;
pub mod domain;
pub mod export;
pub mod files;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod search;
pub mod security;
pub mod server;
pub mod storage;

pub use app::App;
pub use app::AppError;
pub use config::Config;
