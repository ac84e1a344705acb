//! A data directory written by the previous release (schema 0001 + 0002,
//! content as FLEXIBLE JSON with string dates) opens under this release:
//! migration 0003 converts every row to typed fields without loss, and
//! reads, lists, history and search work on the converted rows; migration
//! 0006 leaves every account active with the password its owner chose;
//! 0009 adds compliance facts and team settings without touching the rest.

use cpdfolio::App;
use cpdfolio::domain::compliance::{Completion, ComplianceProfile, Dated, TeamSettings};
use cpdfolio::security::password;
use cpdfolio::storage::{Migrations, Store};
use serde_json::json;
use time::macros::date;

use crate::helpers::*;

const SUPERVISION: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
const AUDIT: &str = "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0";
const TRAINING: &str = "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e";
const REFLECTION: &str = "fefefefefefefefefefefefefefefefe";
const SAM: &str = "5a3000000000000000000000000000a1";
const JO: &str = "70000000000000000000000000000a02";
const LEAD: &str = "1ead0000000000000000000000000a03";
const RIVERSIDE: &str = "0e1000000000000000000000000000e5";

/// Accounts exactly as the previous release's storage code wrote them.
fn old_accounts(password_hash: &str) -> String {
    let account = |id: &str, email: &str, role: &str| {
        format!(
            "CREATE type::record('user', '{id}') SET email = '{email}', name = 'Test {email}',
                 role = '{role}', hcpc_number = NONE, practice_summary = '',
                 password_hash = '{password_hash}', created_at = time::now(), updated_at = time::now();"
        )
    };
    format!(
        "{}\n{}\n{}\n
         CREATE type::record('team', '{RIVERSIDE}') SET name = 'Riverside', created_at = time::now();
         CREATE membership SET user = type::record('user', '{LEAD}'),
             team = type::record('team', '{RIVERSIDE}'), is_lead = true;",
        account(SAM, "sam@example.nhs.uk", "practitioner"),
        account(JO, "jo@example.nhs.uk", "practitioner"),
        account(LEAD, "lead@example.nhs.uk", "lead"),
    )
}

/// Rows exactly as the previous release's storage code wrote them.
fn old_rows(sam: &str, jo: &str, lead: &str) -> String {
    format!(
        r#"
CREATE type::record('reflection', '{REFLECTION}') SET author = type::record('user', '{sam}'),
    title = 'Graded exposure in primary care', activity_date = d'2025-06-01T00:00:00Z',
    activity_type = 'work_based_learning', hours = 1.5, model = 'gibbs',
    body = 'We planned small steps towards the shops.', learning = 'Agree the first step.',
    impact = 'I co-write the first step.', benefit = 'People start sooner.',
    tags = ['anxiety'], standards = [8, 10], links = [],
    shared_with = [type::record('user', '{jo}')],
    created_at = d'2025-06-01T09:00:00Z', updated_at = d'2025-06-01T09:00:00Z', version = 1;
CREATE type::record('supervision', '{SUPERVISION}') SET owner = type::record('user', '{sam}'),
    supervisor = type::record('user', '{jo}'), date = '2025-05-02', title = 'Clinical supervision',
    data = {{ date: '2025-05-02', duration_minutes: 60, supervision_type: 'clinical',
        supervisor_id: '{jo}', external_supervisor_name: NULL, external_supervisor_role: NULL,
        topics: ['risk', 'caseload'], reflection: 'We discussed risk.',
        safeguarding_discussed: true, wellbeing_discussed: false,
        actions: [{{ text: 'Read the lone-working policy', owner: 'supervisee', due: '2025-06-01', status: 'closed' }},
                  {{ text: 'Book a joint visit', owner: 'supervisor', due: NULL, status: 'open' }}],
        next_date: '2025-06-13' }},
    flow = {{ status: 'signed', return_comment: NULL, signed_by: '{jo}',
        signed_at: '2025-05-03T10:00:00Z',
        addenda: [{{ text: 'The visit is in July.', author_id: '{sam}', added_at: '2025-05-04T09:30:00Z' }}],
        verified_by: NULL, verified_at: NULL }},
    created_at = d'2025-05-02T12:00:00Z', updated_at = d'2025-05-04T09:30:00Z', version = 2;
CREATE record_version SET kind = 'supervision', record = '{SUPERVISION}', version = 1,
    replaced_at = d'2025-05-03T10:00:00Z', replaced_by = type::record('user', '{jo}'),
    snapshot = {{ date: '2025-05-02', title: 'Clinical supervision',
        data: {{ date: '2025-05-02', duration_minutes: 60, supervision_type: 'clinical',
            supervisor_id: '{jo}', external_supervisor_name: NULL, external_supervisor_role: NULL,
            topics: ['risk'], reflection: 'First draft.',
            safeguarding_discussed: true, wellbeing_discussed: false,
            actions: [{{ text: 'Read the lone-working policy', owner: 'supervisee', due: '2025-06-01', status: 'open' }}],
            next_date: NULL }},
        flow: {{ status: 'submitted', return_comment: NULL, signed_by: NULL, signed_at: NULL,
            addenda: [], verified_by: NULL, verified_at: NULL }},
        created_at: d'2025-05-02T12:00:00Z', updated_at: d'2025-05-02T12:00:00Z', version: 1 }};
CREATE type::record('audit', '{AUDIT}') SET owner = type::record('user', '{sam}'), supervisor = NONE,
    date = '2025-04-30', title = 'Falls risk screening audit',
    data = {{ title: 'Falls risk screening audit', audit_kind: 'clinical_audit', my_role: 'lead auditor',
        standard: 'NICE NG249', started_on: '2025-03-01', completed_on: '2025-04-30',
        outcome_measures: ['COPM'], findings: '62% screened', actions: 'Teach the screen',
        reaudit_due: '2025-10-01' }},
    flow = {{ status: 'draft', return_comment: NULL, signed_by: NULL, signed_at: NULL, addenda: [],
        verified_by: NULL, verified_at: NULL }},
    created_at = d'2025-05-01T08:00:00Z', updated_at = d'2025-05-01T08:00:00Z', version = 1;
CREATE type::record('training', '{TRAINING}') SET owner = type::record('user', '{sam}'), supervisor = NONE,
    date = '2025-01-31', title = 'Fire safety awareness',
    data = {{ course: 'fire-safety-l1', completed_on: '2025-01-31', provider: 'Riverside Trust',
        certificate_expires_on: NULL, notes: 'Online module', course_title: 'Fire safety awareness',
        expires_on: '2026-01-31' }},
    flow = {{ status: 'draft', return_comment: NULL, signed_by: NULL, signed_at: NULL, addenda: [],
        verified_by: '{lead}', verified_at: '2025-02-01T12:00:00Z' }},
    created_at = d'2025-01-31T16:00:00Z', updated_at = d'2025-02-01T12:00:00Z', version = 1;
"#
    )
}

fn previous_release_migrations() -> (tempfile::TempDir, Migrations) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in ["0001_initial.surql", "0002_evidence.surql"] {
        std::fs::copy(shipped.join(name), dir.path().join(name)).unwrap();
    }
    let migrations = Migrations::from_dir(dir.path()).unwrap();
    (dir, migrations)
}

/// A data directory written by the previous release (its accounts and
/// rows, then `extra`), opened by this release and served.
async fn upgraded(extra: &str) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let config = disk_config(data.path());
    let (_old_dir, old) = previous_release_migrations();
    {
        let store = Store::open(&config, &old).await.unwrap();
        let hash = password::hash(PASSWORD, &mut password::Workspace::new()).unwrap();
        for sql in [
            old_accounts(&hash),
            extra.to_owned(),
            old_rows(SAM, JO, LEAD),
        ] {
            store.raw_query_for_tests(&sql).await.unwrap();
        }
    }
    let app = App::open(config, &Migrations::embedded()).await.unwrap();
    TestApp::serve(app, data).await
}

#[tokio::test]
async fn a_data_directory_of_the_previous_release_is_converted_without_loss() {
    let (sam, jo) = (SAM.to_owned(), JO.to_owned());
    let t = upgraded("").await;
    let (status, login) = t
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "sam@example.nhs.uk", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], false);
    let token = login["token"].as_str().unwrap().to_owned();
    for id in [SAM, JO, LEAD] {
        let user = t.app.store().user(id).await.unwrap().unwrap();
        assert!(user.active && !user.must_change_password, "{id}");
    }
    let lead = t.app.store().user(LEAD).await.unwrap().unwrap();
    assert_eq!(lead.teams[0].team, "Riverside");
    assert!(lead.teams[0].is_lead);

    let (status, s) = t
        .get(&format!("/api/v1/supervision/{SUPERVISION}"), Some(&token))
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["date"], "2025-05-02");
    assert_eq!(s["duration_minutes"], 60);
    assert_eq!(s["supervision_type"], "clinical");
    assert_eq!(s["supervisor_id"], jo.as_str());
    assert_eq!(s["external_supervisor_name"], json!(null));
    assert_eq!(s["topics"], json!(["risk", "caseload"]));
    assert_eq!(s["reflection"], "We discussed risk.");
    assert_eq!(s["safeguarding_discussed"], true);
    assert_eq!(s["wellbeing_discussed"], false);
    assert_eq!(
        s["actions"],
        json!([
            {"text": "Read the lone-working policy", "owner": "supervisee", "due": "2025-06-01", "status": "closed"},
            {"text": "Book a joint visit", "owner": "supervisor", "due": null, "status": "open"}
        ])
    );
    assert_eq!(s["next_date"], "2025-06-13");
    assert_eq!(s["workflow"]["status"], "signed");
    assert_eq!(s["workflow"]["signed_by"], jo.as_str());
    assert_eq!(s["workflow"]["signed_at"], "2025-05-03T10:00:00Z");
    assert_eq!(s["workflow"]["addenda"][0]["text"], "The visit is in July.");
    assert_eq!(s["workflow"]["addenda"][0]["author_id"], sam.as_str());
    assert_eq!(
        s["workflow"]["addenda"][0]["added_at"],
        "2025-05-04T09:30:00Z"
    );
    assert_eq!(s["version"], 2);

    let (_, history) = t
        .get(
            &format!("/api/v1/supervision/{SUPERVISION}/history"),
            Some(&token),
        )
        .await;
    assert_eq!(history["versions"][0]["version"], 1);
    assert_eq!(
        history["versions"][0]["content"]["data"]["reflection"],
        "First draft."
    );
    assert_eq!(
        history["versions"][0]["content"]["data"]["topics"],
        json!(["risk"])
    );
    assert_eq!(
        history["versions"][0]["content"]["flow"]["status"],
        "submitted"
    );

    let (_, a) = t
        .get(&format!("/api/v1/audits/{AUDIT}"), Some(&token))
        .await;
    assert_eq!(a["title"], "Falls risk screening audit");
    assert_eq!(a["audit_kind"], "clinical_audit");
    assert_eq!(a["my_role"], "lead auditor");
    assert_eq!(a["standard"], "NICE NG249");
    assert_eq!(a["started_on"], "2025-03-01");
    assert_eq!(a["completed_on"], "2025-04-30");
    assert_eq!(a["outcome_measures"], json!(["COPM"]));
    assert_eq!(a["findings"], "62% screened");
    assert_eq!(a["actions"], "Teach the screen");
    assert_eq!(a["reaudit_due"], "2025-10-01");

    let (_, tr) = t
        .get(&format!("/api/v1/training/{TRAINING}"), Some(&token))
        .await;
    assert_eq!(tr["course"], "fire-safety-l1");
    assert_eq!(tr["course_title"], "Fire safety awareness");
    assert_eq!(tr["completed_on"], "2025-01-31");
    assert_eq!(tr["provider"], "Riverside Trust");
    assert_eq!(tr["certificate_expires_on"], json!(null));
    assert_eq!(tr["expires_on"], "2026-01-31");
    assert_eq!(tr["notes"], "Online module");
    assert_eq!(tr["workflow"]["verified_at"], "2025-02-01T12:00:00Z");

    let (_, r) = t
        .get(&format!("/api/v1/reflections/{REFLECTION}"), Some(&token))
        .await;
    assert_eq!(r["author_id"], sam.as_str());
    assert_eq!(r["activity_date"], "2025-06-01");
    assert_eq!(r["hours"], 1.5);
    assert_eq!(r["standards"], json!([8, 10]));
    assert_eq!(r["shared_with"], json!([jo]));

    let jo_token = t.login("jo@example.nhs.uk").await;
    let (_, shared) = t.get("/api/v1/reflections", Some(&jo_token)).await;
    assert_eq!(shared["total"], 1, "the share survives the migration");
    assert_eq!(shared["items"][0]["id"], REFLECTION);
    let (_, supervised) = t.get("/api/v1/supervision", Some(&jo_token)).await;
    assert_eq!(supervised["items"][0]["id"], SUPERVISION);

    let (_, listed) = t
        .get(
            "/api/v1/training?from=2025-01-31&to=2025-01-31",
            Some(&token),
        )
        .await;
    assert_eq!(listed["total"], 1);
    let (_, listed) = t
        .get("/api/v1/reflections?from=2025-06-02", Some(&token))
        .await;
    assert_eq!(listed["total"], 0);
    let (_, found) = t.get("/api/v1/search?q=lone-working", Some(&token)).await;
    assert_eq!(found["hits"][0]["id"], SUPERVISION, "{found}");

    // 0009: accounts start with no compliance facts (their role's default
    // staff groups apply), the team gets the default settings, and the
    // converted rows are the evidence compliance reads.
    let store = t.app.store();
    let sam_facts = store
        .compliance_facts_with_evidence(SAM)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sam_facts.profile, ComplianceProfile::default());
    assert_eq!(
        sam_facts.facts.training,
        [Completion {
            course: "fire-safety-l1".into(),
            expires_on: Some(date!(2026 - 01 - 31)),
            record_id: Some(TRAINING.into()),
            verified: true,
        }]
    );
    assert_eq!(
        sam_facts.facts.last_supervision,
        Some(Dated {
            date: date!(2025 - 05 - 02),
            record_id: Some(SUPERVISION.into()),
        })
    );
    assert_eq!(sam_facts.facts.last_cpd_on, Some(date!(2025 - 06 - 01)));
    assert_eq!(
        store.team_settings(RIVERSIDE).await.unwrap(),
        Some(TeamSettings {
            supervision_weeks: 6,
            preceptorship_weeks: 4,
            target_percent: 90,
        })
    );
    let (status, mine) = t.get("/api/v1/me/compliance", Some(&token)).await;
    assert_eq!(status, 200, "{mine}");

    // 0015: every account has its digest line, in step with the rest.
    assert_eq!(
        store.compliance_fact_drift().await.unwrap(),
        Vec::<String>::new()
    );
    // 0016: every person's record tally counts their converted records
    // (Sam's four, one of each kind).
    assert_eq!(store.owned_record_count(SAM).await.unwrap(), 4);
    assert_eq!(
        store.record_tally_drift().await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_lead_lists_the_records_of_members_who_joined_before_the_upgrade() {
    let sam_joins = format!(
        "CREATE membership SET user = type::record('user', '{SAM}'),
             team = type::record('team', '{RIVERSIDE}'), is_lead = false;"
    );
    let t = upgraded(&sam_joins).await;
    let lead = t.login("lead@example.nhs.uk").await;
    for (list, id) in [
        ("supervision", SUPERVISION),
        ("audits", AUDIT),
        ("training", TRAINING),
    ] {
        let (status, page) = t.get(&format!("/api/v1/{list}"), Some(&lead)).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"][0]["id"], id, "{list}");
        assert_eq!(page["total"], 1, "{list}");
    }
}

/// Migrations up to `last` (a file name), as shipped.
fn migrations_up_to(last: &str) -> (tempfile::TempDir, Migrations) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.as_str() <= last {
            std::fs::copy(shipped.join(&name), dir.path().join(&name)).unwrap();
        }
    }
    let migrations = Migrations::from_dir(dir.path()).unwrap();
    (dir, migrations)
}

#[tokio::test]
async fn access_log_entries_written_before_0020_are_ordered_and_told_apart() {
    let data = tempfile::tempdir().unwrap();
    let config = disk_config(data.path());
    let (_dir, before) = migrations_up_to("0019_pii_open_count.surql");
    {
        let store = Store::open(&config, &before).await.unwrap();
        store
            .raw_query_for_tests(&format!(
                "CREATE access_log SET at = d'2026-01-01T09:00:00Z', actor = type::record('user', '{SAM}'), owner = type::record('user', '{SAM}'),
                     kind = 'reflection', record = '{REFLECTION}', action = 'create';
                 CREATE access_log SET at = d'2026-01-02T09:00:00Z', actor = type::record('user', '{LEAD}'), owner = type::record('user', '{SAM}'),
                     kind = 'reflection', record = '{REFLECTION}', action = 'read';
                 CREATE access_log SET at = d'2026-01-03T09:00:00Z', actor = type::record('user', '{SAM}'), owner = type::record('user', '{SAM}'),
                     kind = 'reflection', record = '{REFLECTION}', action = 'update';"
            ))
            .await
            .unwrap();
    }
    let app = App::open(config, &Migrations::embedded()).await.unwrap();
    let (others, total) = app.store().access_log(SAM, true, 10, 0).await.unwrap();
    let actions: Vec<&str> = others.iter().map(|e| e.action.as_str()).collect();
    assert_eq!((actions, total), (vec!["read"], 1));
    let (all, total) = app.store().access_log(SAM, false, 2, 0).await.unwrap();
    let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
    assert_eq!((actions, total), (vec!["update", "read"], 3));
    let refused = app
        .store()
        .raw_query_for_tests("UPDATE access_log SET action = 'erased'")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
}

/// Every index the migrations define after filling its fields must hold the
/// converted rows under their real values: an upgraded person's old and new
/// records list together, newest first, and date filters find the old ones.
#[tokio::test]
async fn records_of_the_previous_release_list_beside_new_ones_in_date_order() {
    let t = upgraded("").await;
    let sam = t.login("sam@example.nhs.uk").await;
    let new_ids = [
        (
            "/api/v1/reflections",
            create_record(
                &t,
                &sam,
                "/api/v1/reflections",
                &entry("New", "2026-03-01", "formal_education"),
            )
            .await,
            REFLECTION,
            "from=2025-06-01&to=2025-06-01",
        ),
        (
            "/api/v1/supervision",
            create_record(
                &t,
                &sam,
                "/api/v1/supervision",
                &supervision("2026-03-01", Some(JO), "New"),
            )
            .await,
            SUPERVISION,
            "from=2025-05-02&to=2025-05-02",
        ),
        (
            "/api/v1/audits",
            create_record(
                &t,
                &sam,
                "/api/v1/audits",
                &audit("New audit", "All screened"),
            )
            .await,
            AUDIT,
            "from=2025-04-30&to=2025-04-30",
        ),
        (
            "/api/v1/training",
            create_record(
                &t,
                &sam,
                "/api/v1/training",
                &training("fire-safety-l1", "2026-03-01", "New"),
            )
            .await,
            TRAINING,
            "from=2025-01-31&to=2025-01-31",
        ),
    ];
    for (list, new_path, old_id, old_range) in new_ids {
        let new_id = new_path.rsplit('/').next().unwrap();
        let (status, page) = t.get(list, Some(&sam)).await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            (ids, &page["total"]),
            (vec![new_id, old_id], &json!(2)),
            "{list}"
        );
        let (_, old_only) = t.get(&format!("{list}?{old_range}"), Some(&sam)).await;
        assert_eq!(old_only["total"], 1, "{list}?{old_range}: {old_only}");
        assert_eq!(old_only["items"][0]["id"], old_id, "{list}");
    }
}

/// Migration 0024 moves each queued email to the id derived from its key,
/// with every field kept, so the scan's read by id finds the emails queued
/// before it and queuing one of them again is refused.
#[tokio::test]
async fn emails_queued_before_0024_are_found_by_their_keys() {
    let data = tempfile::tempdir().unwrap();
    let config = disk_config(data.path());
    let (_dir, before) = migrations_up_to("0023_appraisal_shares.surql");
    {
        let store = Store::open(&config, &before).await.unwrap();
        store
            .raw_query_for_tests(&format!(
                "CREATE alert:old1 SET dedupe_key = 'inactivity:{SAM}:2026-01-01', kind = 'inactivity',
                     user = type::record('user', '{SAM}'), recipient = 'sam@example.nhs.uk', subject = 'S1',
                     text = 'T1', html = 'H1', message_id = '<m1@x>', status = 'sent', attempts = 1,
                     created_at = d'2026-01-01T07:00:00Z', sent_at = d'2026-01-01T07:01:00Z';
                 CREATE alert:old2 SET dedupe_key = 'compliance:{SAM}:fire:2026-03-31:due_60', kind = 'compliance_due',
                     user = type::record('user', '{SAM}'), recipient = 'sam@example.nhs.uk', subject = 'S2',
                     text = 'T2', html = 'H2', message_id = '<m2@x>', status = 'pending', attempts = 0,
                     created_at = d'2026-01-30T07:00:00Z', item_key = 'fire', item_title = 'Fire safety',
                     milestone = 'due_60', due_on = '2026-03-31';"
            ))
            .await
            .unwrap();
    }
    let app = App::open(config, &Migrations::embedded()).await.unwrap();
    let store = app.store();
    let keys = [
        format!("inactivity:{SAM}:2026-01-01"),
        format!("compliance:{SAM}:fire:2026-03-31:due_60"),
    ];
    let rows = store
        .raw_json_for_tests(
            "SELECT record::id(id) AS id, dedupe_key, status, subject, attempts, item_title,
                 <string> created_at AS created_at, sent_at
             FROM alert ORDER BY created_at",
        )
        .await
        .unwrap();
    assert_eq!(
        rows[0],
        json!([
            {"id": cpdfolio::storage::alerts::alert_id(&keys[0]), "dedupe_key": keys[0], "status": "sent",
             "subject": "S1", "attempts": 1, "item_title": null,
             "created_at": "2026-01-01T07:00:00Z", "sent_at": "2026-01-01T07:01:00Z"},
            {"id": cpdfolio::storage::alerts::alert_id(&keys[1]), "dedupe_key": keys[1], "status": "pending",
             "subject": "S2", "attempts": 0, "item_title": "Fire safety",
             "created_at": "2026-01-30T07:00:00Z", "sent_at": null},
        ])
    );
    let mut asked = keys.to_vec();
    asked.push(format!("inactivity:{SAM}:2026-04-01"));
    let queued = store.queued_keys(asked).await.unwrap();
    assert_eq!(
        queued,
        keys.iter()
            .cloned()
            .collect::<std::collections::HashSet<String>>()
    );
    let mut again = cpdfolio::storage::alerts::OutboxEmail {
        id: String::new(),
        dedupe_key: keys[1].clone(),
        kind: "compliance_due".to_owned(),
        user: SAM.to_owned(),
        recipient: "sam@example.nhs.uk".to_owned(),
        subject: "again".to_owned(),
        text: "t".to_owned(),
        html: "h".to_owned(),
        message_id: "<m3@x>".to_owned(),
        status: "pending".to_owned(),
        attempts: 0,
        created_at: String::new(),
    };
    assert!(!store.enqueue_email(&again).await.unwrap());
    again.dedupe_key = format!("inactivity:{SAM}:2026-04-01");
    assert!(store.enqueue_email(&again).await.unwrap());
    let indexes = store
        .raw_json_for_tests("RETURN object::keys((INFO FOR TABLE alert).indexes)")
        .await
        .unwrap();
    assert_eq!(indexes[0], json!(["alert_claim", "alert_key"]));
}
