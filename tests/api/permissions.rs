//! The permission matrix: every role against every endpoint and record
//! kind, with exact statuses, and no record in a list or search result
//! that the caller may not see. One test per role (and per rule after a
//! delete or a share), each on its own world.

use serde_json::{Value, json};

use crate::helpers::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Admin,
    OtherPractitioner,
    LeadOfOtherTeam,
    Supervisor,
    LeadOfTeam,
    Author,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Admin,
    Who::OtherPractitioner,
    Who::LeadOfOtherTeam,
    Who::Supervisor,
    Who::LeadOfTeam,
    Who::Author,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reflection,
    Supervision,
    Audit,
    Training,
}

const KINDS: [Kind; 4] = [
    Kind::Reflection,
    Kind::Supervision,
    Kind::Audit,
    Kind::Training,
];

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Reflection => "reflections",
            Kind::Supervision => "supervision",
            Kind::Audit => "audits",
            Kind::Training => "training",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Get,
    List,
    Search,
    Put,
    History,
    Attachments,
    Download,
    Upload,
    Delete,
    /// share (reflection), sign-off (supervision), verify (training), none (audit).
    Special,
}

const ENDPOINTS: [Endpoint; 10] = [
    Endpoint::Get,
    Endpoint::List,
    Endpoint::Search,
    Endpoint::Put,
    Endpoint::History,
    Endpoint::Attachments,
    Endpoint::Download,
    Endpoint::Upload,
    Endpoint::Delete,
    Endpoint::Special,
];

struct Record {
    id: String,
    attachment: String,
    body: Value,
}

struct World {
    t: TestApp,
    tokens: Vec<(Who, Option<String>)>,
    other_id: String,
    records: Vec<(Kind, Record)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.as_deref())
    }

    fn record(&self, kind: Kind) -> &Record {
        &self.records.iter().find(|(k, _)| *k == kind).unwrap().1
    }
}

async fn world() -> World {
    use cpdfolio::domain::user::Role;
    let t = TestApp::spawn().await;
    t.user("author@example.nhs.uk", Role::Practitioner, Some("Team A"))
        .await;
    let other_id = t
        .user("other@example.nhs.uk", Role::Practitioner, Some("Team A"))
        .await;
    t.user("lead-a@example.nhs.uk", Role::Lead, Some("Team A"))
        .await;
    t.user("lead-b@example.nhs.uk", Role::Lead, Some("Team B"))
        .await;
    let sup_id = t
        .user("sup@example.nhs.uk", Role::Practitioner, Some("Team B"))
        .await;
    t.user("admin@example.nhs.uk", Role::Admin, None).await;
    let mut tokens = vec![(Who::Anonymous, None)];
    for (who, email) in [
        (Who::Admin, "admin@example.nhs.uk"),
        (Who::OtherPractitioner, "other@example.nhs.uk"),
        (Who::LeadOfOtherTeam, "lead-b@example.nhs.uk"),
        (Who::Supervisor, "sup@example.nhs.uk"),
        (Who::LeadOfTeam, "lead-a@example.nhs.uk"),
        (Who::Author, "author@example.nhs.uk"),
    ] {
        tokens.push((who, Some(t.login(email).await)));
    }
    let author = tokens.last().unwrap().1.clone().unwrap();
    let mut reflection = entry("Zebrafish reflection", "2026-03-01", "work_based_learning");
    reflection["body"] = json!("zebrafish private thoughts");
    let bodies = [
        (Kind::Reflection, reflection),
        (
            Kind::Supervision,
            supervision("2026-03-02", Some(&sup_id), "zebrafish supervision"),
        ),
        (Kind::Audit, audit("Zebrafish audit", "zebrafish findings")),
        (
            Kind::Training,
            training("fire-safety-l1", "2026-03-03", "zebrafish course"),
        ),
    ];
    let mut records = Vec::new();
    for (kind, body) in bodies {
        let (status, created) = t
            .post(&format!("/api/v1/{}", kind.path()), Some(&author), &body)
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let (status, attached) = t
            .upload(
                &format!("/api/v1/{}/{id}/attachments", kind.path()),
                Some(&author),
                "evidence.pdf",
                &pdf_bytes(kind.path()),
            )
            .await;
        assert_eq!(status, 201, "{attached}");
        let attachment = attached["id"].as_str().unwrap().to_owned();
        records.push((
            kind,
            Record {
                id,
                attachment,
                body,
            },
        ));
    }
    t.flush().await;
    World {
        t,
        tokens,
        other_id,
        records,
    }
}

/// Who may read a record of this kind (the author wrote all of them; the
/// supervisor is named on the supervision record; nothing is shared).
fn can_read(who: Who, kind: Kind) -> bool {
    match who {
        Who::Author => true,
        Who::LeadOfTeam => kind != Kind::Reflection,
        Who::Supervisor => kind == Kind::Supervision,
        _ => false,
    }
}

fn expected(who: Who, kind: Kind, endpoint: Endpoint) -> u16 {
    use Endpoint::*;
    if kind == Kind::Audit && endpoint == Special {
        return 404; // audits have no verify step: the route does not exist
    }
    if who == Who::Anonymous {
        return 401;
    }
    if matches!(endpoint, List | Search) {
        return 200;
    }
    if !can_read(who, kind) {
        return 404;
    }
    let owner = who == Who::Author;
    match endpoint {
        Get | Attachments | Download => 200,
        // History is the owner's (and a signed record's supervisor's; the
        // supervision record here is a draft).
        History => {
            if owner {
                200
            } else {
                404
            }
        }
        Put => {
            if owner {
                200
            } else {
                403
            }
        }
        Upload => {
            if owner {
                201
            } else {
                403
            }
        }
        Delete => 403,
        Special => match (kind, who) {
            (Kind::Reflection, _) => 200,
            (Kind::Supervision, Who::Supervisor) => 409,
            (Kind::Supervision, _) => 403,
            (Kind::Training, Who::LeadOfTeam) => 200,
            (Kind::Training, _) => 403,
            (Kind::Audit, _) => unreachable!(),
        },
        List | Search => 200,
    }
}

/// Calls the endpoint; returns the status and, for list and search,
/// whether the record appeared.
async fn call(w: &World, who: Who, kind: Kind, endpoint: Endpoint) -> (u16, Option<bool>) {
    let token = w.token(who);
    let r = w.record(kind);
    let base = format!("/api/v1/{}/{}", kind.path(), r.id);
    let t = &w.t;
    let (status, body) = match endpoint {
        Endpoint::Get => t.get(&base, token).await,
        Endpoint::List => {
            t.get(&format!("/api/v1/{}?limit=100", kind.path()), token)
                .await
        }
        Endpoint::Search => t.get("/api/v1/search?q=zebrafish&limit=100", token).await,
        Endpoint::Put => t.put(&base, token, &r.body).await,
        Endpoint::History => t.get(&format!("{base}/history"), token).await,
        Endpoint::Attachments => t.get(&format!("{base}/attachments"), token).await,
        Endpoint::Download => {
            let (s, _, _) = t
                .send(
                    t.http
                        .get(t.url(&format!("{base}/attachments/{}", r.attachment))),
                    token,
                )
                .await;
            (s, Value::Null)
        }
        Endpoint::Upload => {
            t.upload(
                &format!("{base}/attachments"),
                token,
                "more.pdf",
                &pdf_bytes("more"),
            )
            .await
        }
        Endpoint::Delete => t.delete(&base, token).await,
        Endpoint::Special => match kind {
            Kind::Reflection => {
                t.post(
                    &format!("{base}/shares"),
                    token,
                    &json!({"user_id": w.other_id}),
                )
                .await
            }
            Kind::Supervision => t.post(&format!("{base}/sign-off"), token, &json!({})).await,
            Kind::Training => t.post(&format!("{base}/verify"), token, &json!({})).await,
            Kind::Audit => t.post(&format!("{base}/verify"), token, &json!({})).await,
        },
    };
    let listed = match (endpoint, status) {
        (Endpoint::List, 200) => Some(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == r.id.as_str()),
        ),
        (Endpoint::Search, 200) => Some(
            body["hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["id"] == r.id.as_str()),
        ),
        _ => None,
    };
    if !SUCCESS.contains(&status) && endpoint != Endpoint::Download {
        assert_eq!(
            body["status"], status,
            "every error is problem+json: {body}"
        );
    }
    (status, listed)
}

/// The statuses that mean the call did what it asked.
const SUCCESS: [u16; 3] = [200, 201, 204];

/// Calls every endpoint on the record of each of `kinds` as `who` (the
/// author's deletes left out), and checks every status is exactly the
/// table's and lists and search show the record exactly when `who` may
/// read it. Returns how many cells it checked.
async fn check_cells(w: &World, who: Who, kinds: &[Kind]) -> usize {
    let mut cells = 0;
    let mut mismatches = Vec::new();
    let mut unauthorised_successes = 0;
    for &kind in kinds {
        for endpoint in ENDPOINTS {
            if who == Who::Author && endpoint == Endpoint::Delete {
                continue;
            }
            cells += 1;
            let want = expected(who, kind, endpoint);
            let (got, listed) = call(w, who, kind, endpoint).await;
            let should_list = can_read(who, kind);
            if got != want || listed.is_some_and(|l| l != should_list) {
                mismatches.push(format!(
                    "{who:?} {endpoint:?} {kind:?}: status {got} (want {want}), listed {listed:?} (want {should_list})"
                ));
            }
            if SUCCESS.contains(&got) && !SUCCESS.contains(&want) {
                unauthorised_successes += 1;
            }
            if listed == Some(true) && !should_list {
                unauthorised_successes += 1;
            }
        }
        if who != Who::Author {
            w.t.flush().await;
        }
    }
    println!(
        "permission matrix, {who:?}: {cells} cells, {unauthorised_successes} unauthorised successes"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(unauthorised_successes, 0);
    cells
}

#[test]
fn the_matrix_has_a_cell_for_every_role_kind_and_endpoint() {
    // 7 roles x 4 kinds x 10 endpoints, less the author's deletes; the
    // tests below check 40 + 40 + 40 + 40 + 40 + 10 + 30 + 36 of them.
    assert_eq!(
        EVERYONE.len() * KINDS.len() * ENDPOINTS.len() - KINDS.len(),
        276
    );
    assert_eq!(40 * 5 + 10 + 30 + 36, 276);
}

#[tokio::test]
async fn an_anonymous_caller_gets_401_from_every_endpoint() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::Anonymous, &KINDS).await, 40);
}

#[tokio::test]
async fn an_admin_reads_no_portfolio_record() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::Admin, &KINDS).await, 40);
}

#[tokio::test]
async fn another_practitioner_in_the_team_reads_none_of_the_authors_records() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::OtherPractitioner, &KINDS).await, 40);
}

#[tokio::test]
async fn a_lead_of_another_team_reads_none_of_the_authors_records() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::LeadOfOtherTeam, &KINDS).await, 40);
}

#[tokio::test]
async fn a_supervisor_reads_only_the_supervision_record_naming_them() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::Supervisor, &KINDS).await, 40);
}

#[tokio::test]
async fn lead_cannot_read_member_reflection() {
    let w = world().await;
    assert_eq!(
        check_cells(&w, Who::LeadOfTeam, &[Kind::Reflection]).await,
        10
    );
}

#[tokio::test]
async fn lead_reads_member_supervision_audit_and_training_and_verifies_training() {
    let w = world().await;
    assert_eq!(
        check_cells(
            &w,
            Who::LeadOfTeam,
            &[Kind::Supervision, Kind::Audit, Kind::Training]
        )
        .await,
        30
    );
}

#[tokio::test]
async fn the_author_reads_changes_and_attaches_to_every_kind() {
    let w = world().await;
    assert_eq!(check_cells(&w, Who::Author, &KINDS).await, 36);
}

/// A world whose author has deleted every record (each delete a 204).
async fn world_without_records() -> World {
    let w = world().await;
    for kind in KINDS {
        let r = w.record(kind);
        let (status, _) =
            w.t.delete(
                &format!("/api/v1/{}/{}", kind.path(), r.id),
                w.token(Who::Author),
            )
            .await;
        assert_eq!(status, 204, "{kind:?}");
    }
    w
}

#[tokio::test]
async fn a_deleted_record_leaves_reads_and_lists_of_its_author_and_lead() {
    let w = world_without_records().await;
    for kind in KINDS {
        let r = w.record(kind);
        for token in [w.token(Who::Author), w.token(Who::LeadOfTeam)] {
            let (status, body) =
                w.t.get(&format!("/api/v1/{}/{}", kind.path(), r.id), token)
                    .await;
            assert_problem(status, &body, 404);
            let (_, list) = w.t.get(&format!("/api/v1/{}", kind.path()), token).await;
            assert_eq!(list["total"], 0, "{kind:?} {list}");
        }
    }
}

#[tokio::test]
async fn a_deleted_records_attachments_cannot_be_downloaded() {
    let w = world_without_records().await;
    for kind in KINDS {
        let r = w.record(kind);
        let (status, _) =
            w.t.get(
                &format!(
                    "/api/v1/{}/{}/attachments/{}",
                    kind.path(),
                    r.id,
                    r.attachment
                ),
                w.token(Who::Author),
            )
            .await;
        assert_eq!(status, 404, "{kind:?}");
    }
}

#[tokio::test]
async fn deleted_records_leave_search_for_everyone() {
    let w = world_without_records().await;
    w.t.flush().await;
    for token in [w.token(Who::Author), w.token(Who::LeadOfTeam)] {
        let (_, found) = w.t.get("/api/v1/search?q=zebrafish", token).await;
        assert_eq!(found["total"], 0, "{found}");
    }
}

#[tokio::test]
async fn no_attachment_file_outlives_its_records() {
    let w = world_without_records().await;
    let files = walk_files(&w.t.data.path().join("attachments"));
    assert_eq!(files, 0, "no attachment file outlives its records");
}

fn walk_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk_files(&p) } else { 1 })
        .sum()
}

#[tokio::test]
async fn an_admin_cannot_create_portfolio_records() {
    let w = world().await;
    for kind in KINDS {
        let body = &w.record(kind).body;
        let (status, problem) =
            w.t.post(
                &format!("/api/v1/{}", kind.path()),
                w.token(Who::Admin),
                body,
            )
            .await;
        assert_problem(status, &problem, 403);
    }
}

/// A world whose reflection the author has shared with the other
/// practitioner: the world and the reflection's path.
async fn world_with_shared_reflection() -> (World, String) {
    let w = world().await;
    let base = format!("/api/v1/reflections/{}", w.record(Kind::Reflection).id);
    let (status, shared) =
        w.t.post(
            &format!("{base}/shares"),
            w.token(Who::Author),
            &json!({"user_id": w.other_id}),
        )
        .await;
    assert_eq!(status, 200, "{shared}");
    assert_eq!(shared["shared_with"], json!([w.other_id]));
    (w, base)
}

#[tokio::test]
async fn a_reader_reads_a_reflection_shared_with_them() {
    let (w, base) = world_with_shared_reflection().await;
    let (status, read) = w.t.get(&base, w.token(Who::OtherPractitioner)).await;
    assert_eq!(status, 200);
    assert_eq!(read["title"], "Zebrafish reflection");
}

#[tokio::test]
async fn a_reader_cannot_edit_a_shared_reflection() {
    let (w, base) = world_with_shared_reflection().await;
    let body = &w.record(Kind::Reflection).body;
    let (status, _) = w.t.put(&base, w.token(Who::OtherPractitioner), body).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_reader_cannot_delete_a_shared_reflection() {
    let (w, base) = world_with_shared_reflection().await;
    let (status, _) = w.t.delete(&base, w.token(Who::OtherPractitioner)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_shared_reflection_is_in_the_readers_search_and_list() {
    let (w, _) = world_with_shared_reflection().await;
    let other = w.token(Who::OtherPractitioner);
    w.t.flush().await;
    let found =
        w.t.search_until(
            other.unwrap(),
            "zebrafish",
            1,
            std::time::Duration::from_secs(2),
        )
        .await;
    assert_eq!(
        found["hits"][0]["id"],
        w.record(Kind::Reflection).id.as_str()
    );
    let (_, list) = w.t.get("/api/v1/reflections", other).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn an_unshared_reflection_leaves_its_former_readers_reads_and_search() {
    let (w, base) = world_with_shared_reflection().await;
    let other = w.token(Who::OtherPractitioner);
    let (status, _) =
        w.t.delete(
            &format!("{base}/shares/{}", w.other_id),
            w.token(Who::Author),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = w.t.get(&base, other).await;
    assert_eq!(status, 404);
    w.t.flush().await;
    let (_, found) = w.t.get("/api/v1/search?q=zebrafish", other).await;
    assert_eq!(found["total"], 0, "{found}");
}
