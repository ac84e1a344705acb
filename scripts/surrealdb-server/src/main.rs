//! `surreal start …` built from the surrealdb-server crate with the community
//! composer: the same server SurrealDB ships, minus the features cpdfolio's
//! server-mode trial does not need.

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
