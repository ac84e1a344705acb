//! Pure domain rules: no I/O, no clocks, no database. Everything here is
//! deterministic and unit-tested beside the code.

pub mod access;
pub mod alerts;
pub mod appraisal;
pub mod audit;
pub mod compliance;
pub mod dates;
pub mod error;
pub mod esr;
pub mod filetype;
pub mod history;
pub mod objective;
pub mod pii;
pub mod profile;
pub mod record;
pub mod reflection;
pub mod supervision;
pub mod team;
pub mod text;
pub mod training;
pub mod user;
pub mod validate;
