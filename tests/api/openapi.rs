//! The OpenAPI document is the contract clients build against: any change
//! to it shows up here as a failing diff. After an intended change, run
//! `CPDFOLIO_UPDATE_SNAPSHOTS=1 scripts/test.sh --test api openapi` and
//! commit the new `tests/snapshots/openapi.json` with the change.

use std::path::PathBuf;

const SERVER: &str = "http://127.0.0.1:8080";

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let spec = cpdfolio::http::contract::document(SERVER);
    let actual = serde_json::to_string_pretty(&spec).unwrap() + "\n";
    let path = snapshot_path();
    if std::env::var_os("CPDFOLIO_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}: snapshot {e:?}, now {a:?}", i + 1))
            .unwrap_or_else(|| "one document is a prefix of the other".to_owned());
        panic!(
            "the OpenAPI document changed ({first_difference}); if intended, rerun with \
             CPDFOLIO_UPDATE_SNAPSHOTS=1 and commit tests/snapshots/openapi.json"
        );
    }
}
