//! `surreal start …` built from the surrealdb-server crate with the community
//! composer: the same server SurrealDB ships, minus the features cpdfolio's
//! server-mode trial does not need.

// The engine's query evaluation is deeply nested async code; the default
// limit is too low to lay it out (the server crate sets the same).
#![recursion_limit = "256"]

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
