//! The stored field checks that migration 0027 writes with string functions
//! accept exactly what the regular expressions they replace accepted:
//! each value is written through the database and the outcome compared
//! with the expression's match.

use regex::Regex;
use serde_json::json;

use crate::helpers::*;

const KEY: &str = "^[a-z0-9_]{1,40}$";
const ID: &str = "^[0-9a-f]{32}$";

/// Writes `value` with `set` (a SurrealQL `SET` clause with `$v`) on
/// `record`; whether the database stored it.
async fn stored(t: &TestApp, record: &str, set: &str, value: &serde_json::Value) -> bool {
    let sql = format!("LET $v = {value}; UPDATE {record} SET {set};");
    t.app.store().raw_query_for_tests(&sql).await.is_ok()
}

fn keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "band_5", "a", "_", "9", "", "A", "band-5", "band 5", "é", "ǅ", "ⅰ", "٣", "band5\n",
        "Band_5",
    ]
    .map(str::to_owned)
    .to_vec();
    keys.extend(["x".repeat(40), "x".repeat(41)]);
    keys
}

#[tokio::test]
async fn field_checks_accept_what_their_regular_expressions_did() {
    let t = TestApp::spawn().await;
    let (sam, token) = t.practitioner("sam@example.nhs.uk").await;
    let user = format!("type::record('user', '{sam}')");

    let hcpc = Regex::new("^[A-Z]{2}[0-9]{4,6}$").unwrap();
    for value in [
        "OT12345",
        "OT1234",
        "OT123456",
        "OT123",
        "OT1234567",
        "ot12345",
        "Ot12345",
        "O123456",
        "OTT1234",
        "OT12a45",
        "ÖT12345",
        "ＯT12345",
        "OT１２３４",
        "OT٣٣٣٣",
        "OT12345 ",
        " OT12345",
        "",
        "OT-1234",
        "PH0001",
    ] {
        let accepted = stored(&t, &user, "hcpc_number = $v", &json!(value)).await;
        assert_eq!(accepted, hcpc.is_match(value), "hcpc_number {value:?}");
    }

    let key = Regex::new(KEY).unwrap();
    for value in keys() {
        let accepted = stored(&t, &user, "profession = $v", &json!(value)).await;
        assert_eq!(accepted, key.is_match(&value), "profession {value:?}");
        let accepted = stored(&t, &user, "staff_groups = [$v]", &json!(value)).await;
        assert_eq!(accepted, key.is_match(&value), "staff group {value:?}");
    }

    let entry_id = t
        .create_entry(&token, &entry("Linked", "2026-01-05", "other"))
        .await;
    let reflection = format!("type::record('reflection', '{entry_id}')");
    let id = Regex::new(ID).unwrap();
    let hex = "0123456789abcdef0123456789abcdef";
    for value in [
        hex.to_owned(),
        hex.to_uppercase(),
        hex[1..].to_owned(),
        format!("{hex}0"),
        format!("{}g", &hex[1..]),
        format!("{}é", &hex[2..]),
        format!("{}ａ", &hex[1..]),
        String::new(),
    ] {
        let accepted = stored(
            &t,
            &reflection,
            "content.links = [{ kind: 'reflection', id: $v }]",
            &json!(value),
        )
        .await;
        assert_eq!(accepted, id.is_match(&value), "link id {value:?}");
    }
}
