//! Pure domain rules: no I/O, no clocks, no database. Everything here is
//! deterministic and unit-tested beside the code.

pub mod alerts;
pub mod dates;
pub mod filetype;
pub mod profile;
pub mod reflection;
pub mod text;
pub mod training;
pub mod user;
