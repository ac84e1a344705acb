//! Accounts with a lifecycle, over real HTTP: changing one's password,
//! seeing and ending one's sessions, deactivation by an admin, one-time
//! password resets, and the first sign-in of an account an admin created.

use std::sync::Arc;

use cpdfolio::app::FixedClock;
use cpdfolio::domain::user::Role;
use cpdfolio::storage::alerts::OutboxEmail;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::helpers::*;

const NEW_PASSWORD: &str = "a brand new passphrase here";
const SET_PASSWORD_FIRST: &str =
    "set a new password first: this account's password was chosen by an administrator";
const DEACTIVATED: &str = "this account has been deactivated; ask your cpdfolio administrator";
const EXPIRED: &str =
    "this one-time password has expired; ask your cpdfolio administrator for a new one";

async fn login_with(t: &TestApp, email: &str, password: &str) -> (u16, Value) {
    t.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
}

async fn change_password(t: &TestApp, token: &str, current: &str, new: &str) -> (u16, Value) {
    t.post(
        "/api/v1/me/password",
        Some(token),
        &json!({"current_password": current, "new_password": new}),
    )
    .await
}

async fn admin_action(t: &TestApp, admin: &str, user_id: &str, action: &str) -> (u16, Value) {
    t.post(
        &format!("/api/v1/admin/users/{user_id}/{action}"),
        Some(admin),
        &json!({}),
    )
    .await
}

fn without(mut value: Value, keys: &[&str]) -> Value {
    for key in keys {
        value.as_object_mut().unwrap().remove(*key);
    }
    value
}

// --- Changing one's own password -----------------------------------------

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let t = TestApp::spawn().await;
    let (_, here) = t.practitioner("sam@example.nhs.uk").await;
    let elsewhere = t.login("sam@example.nhs.uk").await;
    assert_eq!(t.get("/api/v1/me", Some(&elsewhere)).await.0, 200);
    let (status, body) = change_password(&t, &here, PASSWORD, NEW_PASSWORD).await;
    assert_eq!((status, body), (204, Value::String(String::new())));
    assert_eq!(t.get("/api/v1/me", Some(&here)).await.0, 200);
    let (status, body) = t.get("/api/v1/me", Some(&elsewhere)).await;
    assert_problem(status, &body, 401);
    let (status, body) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    assert_problem(status, &body, 401);
    let (status, body) = login_with(&t, "sam@example.nhs.uk", NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["must_change_password"], false);
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_a_valid_new_one() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let cases = [
        (
            "not the password!",
            NEW_PASSWORD,
            "current_password",
            "is not correct",
        ),
        (
            PASSWORD,
            PASSWORD,
            "new_password",
            "must differ from the current password",
        ),
        (
            PASSWORD,
            "too short",
            "new_password",
            "must be at least 12 characters",
        ),
        (
            PASSWORD,
            "sam@example.nhs.uk",
            "new_password",
            "is too easy to guess",
        ),
    ];
    for (current, new, field, message) in cases {
        let (status, body) = change_password(&t, &sam, current, new).await;
        assert_problem(status, &body, 422);
        assert_eq!(
            body["errors"],
            json!([{"field": field, "message": message}]),
            "{current} -> {new}"
        );
    }
    let (status, body) = t
        .post(
            "/api/v1/me/password",
            Some(&sam),
            &json!({"new_password": NEW_PASSWORD}),
        )
        .await;
    assert_problem(status, &body, 400);
    assert_eq!(login_with(&t, "sam@example.nhs.uk", PASSWORD).await.0, 200);
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_logins() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    for _ in 0..5 {
        let (status, body) = change_password(&t, &sam, "not the password!", NEW_PASSWORD).await;
        assert_problem(status, &body, 422);
    }
    let req = t
        .http
        .post(t.url("/api/v1/me/password"))
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}));
    let (status, body, headers) = t.send(req, Some(&sam)).await;
    assert_problem(status, &body, 429);
    assert_eq!(
        body["detail"],
        "too many failed logins; try again in 1 second"
    );
    assert_eq!(headers["retry-after"], "1");
    let (status, body) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    assert_problem(status, &body, 429);
}

// --- Sessions ------------------------------------------------------------

#[tokio::test]
async fn sessions_are_listed_by_an_id_and_never_by_token() {
    let t = TestApp::spawn().await;
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let (_, first) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    let (_, second) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    let first_token = first["token"].as_str().unwrap();
    let second_token = second["token"].as_str().unwrap();
    let (status, list) = t.get("/api/v1/me/sessions", Some(first_token)).await;
    assert_eq!(status, 200, "{list}");
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    for item in items {
        let mut keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["created_at", "current", "expires_at", "id", "last_seen_at"]
        );
        assert!(cpdfolio::domain::record::is_record_id(
            item["id"].as_str().unwrap()
        ));
    }
    let current: Vec<&Value> = items.iter().map(|s| &s["current"]).collect();
    assert_eq!(current, [&json!(false), &json!(true)], "newest first");
    assert_eq!(items[1]["expires_at"], first["expires_at"]);
    assert_eq!(items[0]["expires_at"], second["expires_at"]);
    let text = list.to_string();
    for token in [first_token, second_token] {
        assert!(!text.contains(token));
        assert!(!text.contains(&cpdfolio::security::token::digest(token)));
    }
}

#[tokio::test]
async fn one_session_or_every_other_one_can_be_ended() {
    let t = TestApp::spawn().await;
    let (_, here) = t.practitioner("sam@example.nhs.uk").await;
    let phone = t.login("sam@example.nhs.uk").await;
    let laptop = t.login("sam@example.nhs.uk").await;
    let (_, list) = t.get("/api/v1/me/sessions", Some(&phone)).await;
    let phone_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = t
        .delete(&format!("/api/v1/me/sessions/{phone_id}"), Some(&here))
        .await;
    assert_eq!(status, 204);
    let (status, body) = t.get("/api/v1/me", Some(&phone)).await;
    assert_problem(status, &body, 401);
    assert_eq!(t.get("/api/v1/me", Some(&laptop)).await.0, 200);
    let (status, body) = t
        .delete(&format!("/api/v1/me/sessions/{phone_id}"), Some(&here))
        .await;
    assert_problem(status, &body, 404);

    let (status, _) = t.delete("/api/v1/me/sessions", Some(&here)).await;
    assert_eq!(status, 204);
    let (status, body) = t.get("/api/v1/me", Some(&laptop)).await;
    assert_problem(status, &body, 401);
    let (status, list) = t.get("/api/v1/me/sessions", Some(&here)).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["current"], true);
}

#[tokio::test]
async fn another_persons_session_is_404() {
    let t = TestApp::spawn().await;
    let (_, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (_, kim) = t.practitioner("kim@example.nhs.uk").await;
    let (_, list) = t.get("/api/v1/me/sessions", Some(&kim)).await;
    let kims = list[0]["id"].as_str().unwrap();
    for id in [kims, "not-a-session", "0123456789abcdef0123456789abcdef"] {
        let (status, body) = t
            .delete(&format!("/api/v1/me/sessions/{id}"), Some(&sam))
            .await;
        assert_problem(status, &body, 404);
        assert_eq!(body["detail"], "no such session");
    }
    assert_eq!(t.get("/api/v1/me", Some(&kim)).await.0, 200);
}

// --- Deactivation --------------------------------------------------------

#[tokio::test]
async fn a_deactivated_account_is_signed_out_at_once_and_cannot_sign_in() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    let other = t.login("sam@example.nhs.uk").await;
    let entry_id = t
        .create_entry(&sam, &entry("Kept after leaving", "2026-01-10", "other"))
        .await;

    let (status, body) = admin_action(&t, &admin, &sam_id, "deactivate").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        without(body, &["created_at"]),
        json!({
            "id": sam_id, "email": "sam@example.nhs.uk", "name": "Test sam@example.nhs.uk",
            "role": "practitioner", "hcpc_number": null, "teams": [],
            "active": false, "must_change_password": false
        })
    );
    for token in [&sam, &other] {
        let (status, body) = t.get("/api/v1/me", Some(token)).await;
        assert_problem(status, &body, 401);
    }
    let (status, body) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    assert_problem(status, &body, 403);
    assert_eq!(body["detail"], DEACTIVATED);
    let wrong = login_with(&t, "sam@example.nhs.uk", "not the password!").await;
    let unknown = login_with(&t, "nobody@example.nhs.uk", "not the password!").await;
    assert_problem(wrong.0, &wrong.1, 401);
    assert_eq!(wrong, unknown);

    let (status, body) = admin_action(&t, &admin, &sam_id, "reactivate").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true);
    let sam = t.login("sam@example.nhs.uk").await;
    let (status, body) = t
        .get(&format!("/api/v1/reflections/{entry_id}"), Some(&sam))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Kept after leaving");
}

#[tokio::test]
async fn a_deactivated_account_gets_no_alerts() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let sam_id = t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let kim_id = t.user("kim@example.nhs.uk", Role::Practitioner, None).await;
    for id in [&sam_id, &kim_id] {
        t.app
            .store()
            .raw_query_for_tests(&format!(
                "UPDATE type::record('user', '{id}') SET created_at = time::now() - 400d"
            ))
            .await
            .unwrap();
    }
    assert_eq!(admin_action(&t, &admin, &sam_id, "deactivate").await.0, 200);
    let run = |dry: bool| {
        let path = format!("/api/v1/admin/alerts/run?dry_run={dry}");
        let admin = admin.clone();
        let t = &t;
        async move { t.post(&path, Some(&admin), &json!({})).await.1 }
    };
    let dry = run(true).await;
    let due: Vec<&Value> = dry["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["email"])
        .collect();
    assert_eq!(due, [&json!("kim@example.nhs.uk")]);
    let sent = run(false).await;
    assert_eq!(sent["sent"].as_array().unwrap().len(), 1, "{sent}");
    assert_eq!(sent["sent"][0]["recipient"], "kim@example.nhs.uk");

    // An email queued before the deactivation waits.
    t.app
        .store()
        .enqueue_email(&OutboxEmail {
            id: "queuedbeforedeactivation".to_owned(),
            dedupe_key: "test:queued-before".to_owned(),
            kind: "inactivity".to_owned(),
            user: sam_id.clone(),
            recipient: "sam@example.nhs.uk".to_owned(),
            subject: "Queued before deactivation".to_owned(),
            text: "text".to_owned(),
            html: "<p>html</p>".to_owned(),
            message_id: "<queued-before@cpdfolio>".to_owned(),
            status: "pending".to_owned(),
            attempts: 0,
            created_at: String::new(),
        })
        .await
        .unwrap();
    let again = run(false).await;
    assert_eq!((&again["due"], &again["sent"]), (&json!([]), &json!([])));
    assert_eq!(admin_action(&t, &admin, &sam_id, "reactivate").await.0, 200);
    let after = run(false).await;
    let subjects: Vec<&Value> = after["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["subject"])
        .collect();
    assert!(
        subjects.contains(&&json!("Queued before deactivation")),
        "{after}"
    );
}

#[tokio::test]
async fn an_admin_cannot_deactivate_or_reset_themselves() {
    let t = TestApp::spawn().await;
    let (admin_id, admin) = t.admin().await;
    let (status, body) = admin_action(&t, &admin, &admin_id, "deactivate").await;
    assert_problem(status, &body, 403);
    assert_eq!(
        body["detail"],
        "an admin cannot deactivate their own account"
    );
    let (status, body) = admin_action(&t, &admin, &admin_id, "password-reset").await;
    assert_problem(status, &body, 403);
    assert_eq!(
        body["detail"],
        "an admin cannot reset their own password; change it instead"
    );
    let (status, list) = t.get("/api/v1/admin/users", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["active"], true);
    assert_eq!(list["items"][0]["must_change_password"], false);
    assert_eq!(
        login_with(&t, "admin@example.nhs.uk", PASSWORD).await.0,
        200
    );
}

#[tokio::test]
async fn only_an_admin_manages_accounts_and_unknown_accounts_are_404() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    t.user("lead@example.nhs.uk", Role::Lead, Some("North PCN"))
        .await;
    let lead = t.login("lead@example.nhs.uk").await;
    for token in [&sam, &lead] {
        let (status, body) = t.get("/api/v1/admin/users", Some(token)).await;
        assert_problem(status, &body, 403);
        for action in ["deactivate", "reactivate", "password-reset"] {
            let (status, body) = admin_action(&t, token, &sam_id, action).await;
            assert_problem(status, &body, 403);
        }
    }
    for id in ["0123456789abcdef0123456789abcdef", "not-an-id"] {
        for action in ["deactivate", "reactivate", "password-reset"] {
            let (status, body) = admin_action(&t, &admin, id, action).await;
            assert_problem(status, &body, 404);
            assert_eq!(body["detail"], "no such user");
        }
    }
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);
}

#[tokio::test]
async fn the_admin_lists_every_account_with_its_state_and_no_portfolio_content() {
    let t = TestApp::spawn().await;
    let (admin_id, admin) = t.admin().await;
    let lead_id = t
        .user("lead@example.nhs.uk", Role::Lead, Some("North PCN"))
        .await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    let (status, _, _) = t
        .send(
            t.http
                .patch(t.url("/api/v1/me"))
                .json(&json!({"practice_summary": "Private summary of practice"})),
            Some(&sam),
        )
        .await;
    assert_eq!(status, 200);
    let (status, created) = t
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"email": "new@example.nhs.uk", "name": "New Person", "role": "practitioner",
                    "hcpc_number": "OT12345", "password": "an admin chose this one"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        admin_action(&t, &admin, &lead_id, "deactivate").await.0,
        200
    );

    let (status, page) = t.get("/api/v1/admin/users", Some(&admin)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (
            page["total"].clone(),
            page["limit"].clone(),
            page["offset"].clone()
        ),
        (json!(4), json!(100), json!(0))
    );
    let items: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| without(i.clone(), &["created_at"]))
        .collect();
    let account = |id: &Value,
                   email: &str,
                   name: &str,
                   role: &str,
                   hcpc: Value,
                   teams: Value,
                   active: bool,
                   must: bool| {
        json!({"id": id, "email": email, "name": name, "role": role, "hcpc_number": hcpc,
               "teams": teams, "active": active, "must_change_password": must})
    };
    assert_eq!(
        items,
        [
            account(
                &json!(admin_id),
                "admin@example.nhs.uk",
                "Test admin@example.nhs.uk",
                "admin",
                Value::Null,
                json!([]),
                true,
                false
            ),
            account(
                &json!(lead_id),
                "lead@example.nhs.uk",
                "Test lead@example.nhs.uk",
                "lead",
                Value::Null,
                json!([{"team": "North PCN", "is_lead": true}]),
                false,
                false
            ),
            account(
                &created["id"],
                "new@example.nhs.uk",
                "New Person",
                "practitioner",
                json!("OT12345"),
                json!([]),
                true,
                true
            ),
            account(
                &json!(sam_id),
                "sam@example.nhs.uk",
                "Test sam@example.nhs.uk",
                "practitioner",
                Value::Null,
                json!([]),
                true,
                false
            ),
        ]
    );
    assert!(!page.to_string().contains("Private summary"));

    let (_, second) = t
        .get("/api/v1/admin/users?limit=2&offset=1", Some(&admin))
        .await;
    let emails: Vec<&Value> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["email"])
        .collect();
    assert_eq!(
        emails,
        [&json!("lead@example.nhs.uk"), &json!("new@example.nhs.uk")]
    );
    assert_eq!(second["total"], 4);
}

// --- One-time password reset ---------------------------------------------

#[tokio::test]
async fn a_reset_gives_a_one_time_password_that_must_be_replaced_and_expires() {
    let start = datetime!(2026-11-25 09:00 UTC);
    let clock = Arc::new(FixedClock::new(start));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let (_, admin) = t.admin().await;
    let (sam_id, sam) = t.practitioner("sam@example.nhs.uk").await;
    assert_eq!(t.get("/api/v1/me", Some(&sam)).await.0, 200);

    let (status, reset) = admin_action(&t, &admin, &sam_id, "password-reset").await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(reset["expires_at"], "2026-11-28T09:00:00Z");
    assert_eq!(reset["account"]["id"], sam_id.as_str());
    assert_eq!(reset["account"]["must_change_password"], true);
    let one_time = reset["one_time_password"].as_str().unwrap().to_owned();
    assert_eq!(one_time.len(), 43);
    let stored = t
        .app
        .store()
        .credentials("sam@example.nhs.uk")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(&one_time));

    let (status, body) = t.get("/api/v1/me", Some(&sam)).await;
    assert_problem(status, &body, 401);
    let (status, body) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    assert_problem(status, &body, 401);
    let (status, login) = login_with(&t, "sam@example.nhs.uk", &one_time).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().unwrap();
    let (status, body) = t.get("/api/v1/reflections", Some(token)).await;
    assert_problem(status, &body, 403);
    assert_eq!(body["detail"], SET_PASSWORD_FIRST);
    let (status, body) = change_password(&t, token, &one_time, NEW_PASSWORD).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(t.get("/api/v1/reflections", Some(token)).await.0, 200);
    let (_, login) = login_with(&t, "sam@example.nhs.uk", NEW_PASSWORD).await;
    assert_eq!(login["must_change_password"], false);

    let (_, reset) = admin_action(&t, &admin, &sam_id, "password-reset").await;
    let one_time = reset["one_time_password"].as_str().unwrap().to_owned();
    clock.set(start + time::Duration::hours(72) - time::Duration::SECOND);
    let (status, login) = login_with(&t, "sam@example.nhs.uk", &one_time).await;
    assert_eq!(status, 200, "{login}");
    clock.set(start + time::Duration::hours(72));
    let (status, body) = login_with(&t, "sam@example.nhs.uk", &one_time).await;
    assert_problem(status, &body, 403);
    assert_eq!(body["detail"], EXPIRED);
    let (status, body) = login_with(&t, "sam@example.nhs.uk", NEW_PASSWORD).await;
    assert_problem(status, &body, 401);
}

// --- First sign-in -------------------------------------------------------

#[tokio::test]
async fn an_account_an_admin_created_must_set_its_own_password_first() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let chosen = "an admin chose this one";
    let (status, created) = t
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"email": "new@example.nhs.uk", "name": "New Person", "role": "practitioner", "password": chosen}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["must_change_password"], true);
    let (status, login) = login_with(&t, "new@example.nhs.uk", chosen).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true);
    let token = login["token"].as_str().unwrap();

    let (status, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(me["must_change_password"], true);
    let blocked = [
        t.http.get(t.url("/api/v1/reflections")),
        t.http
            .post(t.url("/api/v1/reflections"))
            .json(&entry("Too early", "2026-01-10", "other")),
        t.http
            .patch(t.url("/api/v1/me"))
            .json(&json!({"name": "Renamed"})),
        t.http.get(t.url("/api/v1/me/sessions")),
        t.http.delete(t.url("/api/v1/me/sessions")),
        t.http.get(t.url("/api/v1/me/access-log")),
        t.http.get(t.url("/api/v1/me/teams/events")),
        t.http.get(t.url("/api/v1/search?q=anything")),
        t.http.get(t.url("/api/v1/training")),
    ];
    for req in blocked {
        let (status, body, _) = t.send(req, Some(token)).await;
        assert_problem(status, &body, 403);
        assert_eq!(body["detail"], SET_PASSWORD_FIRST);
    }
    let other = login_with(&t, "new@example.nhs.uk", chosen).await.1;
    let (status, _) = t
        .post(
            "/api/v1/auth/logout",
            Some(other["token"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204, "logout is allowed");

    let (status, body) = change_password(&t, token, chosen, NEW_PASSWORD).await;
    assert_eq!(status, 204, "{body}");
    let (_, me) = t.get("/api/v1/me", Some(token)).await;
    assert_eq!(me["must_change_password"], false);
    assert_eq!(t.get("/api/v1/reflections", Some(token)).await.0, 200);
    let (_, login) = login_with(&t, "new@example.nhs.uk", NEW_PASSWORD).await;
    assert_eq!(login["must_change_password"], false);
}

#[tokio::test]
async fn accounts_from_the_command_line_and_the_demo_need_no_new_password() {
    let t = TestApp::spawn().await;
    cpdfolio::demo::seed_if_empty(&t.app).await.unwrap();
    // `cpdfolio user create` calls the same use case: the person typed the
    // password themselves.
    t.user("sam@example.nhs.uk", Role::Practitioner, None).await;
    let (status, login) = login_with(&t, "sam@example.nhs.uk", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], false);
    for email in [
        "admin@demo.cpdfolio.test",
        "ot1@demo.cpdfolio.test",
        "lead@demo.cpdfolio.test",
    ] {
        let (status, login) = login_with(&t, email, "demo-portfolio-2026").await;
        assert_eq!(status, 200, "{email}: {login}");
        assert_eq!(login["must_change_password"], false, "{email}");
    }
}
