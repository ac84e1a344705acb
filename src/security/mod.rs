//! Credentials: argon2id password hashes and opaque bearer tokens that are
//! stored only as SHA-256 digests.

pub mod password;
pub mod token;
