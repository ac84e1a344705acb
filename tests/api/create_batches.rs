//! Creates that arrive together share one transaction (group commit,
//! `app/create_queue.rs`). These check, at the storage layer, that a batch
//! commits as one change set when every record fits, and that each caller
//! still gets its own answer when one record does not; and, through HTTP,
//! that concurrent creates by many people all land whole.

use serde_json::{Value, json};
use time::macros::date;

use cpdfolio::domain::record::RecordKind;
use cpdfolio::storage::Store;
use cpdfolio::storage::access_log::NewAccess;
use cpdfolio::storage::error::StorageError;
use cpdfolio::storage::evidence::{EvidenceWrite, NewEvidence};

use crate::helpers::*;

fn new_audit(owner: &str, title: &str, max_records: u32) -> NewEvidence {
    let id = cpdfolio::storage::new_id();
    NewEvidence {
        kind: RecordKind::Audit,
        logged_as: NewAccess::new(owner, owner, RecordKind::Audit, &id, "create"),
        id,
        owner_id: owner.to_owned(),
        max_records,
        write: EvidenceWrite {
            supervisor_id: None,
            date: date!(2026 - 02 - 27),
            title: title.to_owned(),
            data: audit(title, "Falls pathway followed in 41 of 50 notes"),
            signoff: json!({}),
            verification: None,
            pii_open: 0,
        },
    }
}

/// The audits each change set of the feed created, in commit order.
async fn audits_by_change_set(store: &Store) -> Vec<Vec<String>> {
    let feed = store
        .raw_json_for_tests("SHOW CHANGES FOR DATABASE SINCE 0 LIMIT 1000")
        .await
        .unwrap();
    feed[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|set| {
            set["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["update"]["id"].as_str())
                .filter(|id| id.starts_with("audit:"))
                .map(|id| {
                    id.trim_start_matches("audit:")
                        .trim_matches(['⟨', '⟩'])
                        .to_owned()
                })
                .collect::<Vec<_>>()
        })
        .filter(|ids| !ids.is_empty())
        .collect()
}

async fn created_audit_count(store: &Store, owner: &str) -> usize {
    store
        .whole_access_log(owner)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "create" && e.kind == "audit")
        .count()
}

#[tokio::test]
async fn records_that_fit_are_created_in_one_transaction() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let mut batch = Vec::new();
    let mut owners = Vec::new();
    for name in ["amy", "ben", "cal"] {
        let (id, _) = t.practitioner(&format!("{name}@example.nhs.uk")).await;
        batch.push(new_audit(&id, &format!("{name}'s audit"), 10));
        owners.push(id);
    }
    let ids: Vec<String> = batch.iter().map(|n| n.id.clone()).collect();

    let answers = store.create_evidence_batch(batch).await;

    assert_eq!(answers.len(), 3);
    for (n, answer) in answers.into_iter().enumerate() {
        let created = answer.unwrap();
        assert_eq!(
            (
                created.id.as_str(),
                created.owner_id.as_str(),
                created.version
            ),
            (ids[n].as_str(), owners[n].as_str(), 1)
        );
        assert_eq!(
            created.data["findings"],
            "Falls pathway followed in 41 of 50 notes"
        );
        let stored = store
            .evidence(RecordKind::Audit, &ids[n])
            .await
            .unwrap()
            .unwrap();
        assert_eq!((stored.id, stored.data), (created.id, created.data));
        assert_eq!(store.owned_record_count(&owners[n]).await.unwrap(), 1);
        assert_eq!(created_audit_count(store, &owners[n]).await, 1);
    }
    assert_eq!(audits_by_change_set(store).await, vec![ids]);
    assert!(store.record_tally_drift().await.unwrap().is_empty());
}

#[tokio::test]
async fn one_record_over_its_limit_leaves_the_others_created_alone() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let (amy, _) = t.practitioner("amy@example.nhs.uk").await;
    let (ben, _) = t.practitioner("ben@example.nhs.uk").await;
    let (cal, _) = t.practitioner("cal@example.nhs.uk").await;
    let bens_first = store
        .create_evidence(new_audit(&ben, "Ben's first", 1))
        .await
        .unwrap();
    let batch = vec![
        new_audit(&amy, "Amy's", 1),
        new_audit(&ben, "Ben's second", 1),
        new_audit(&cal, "Cal's", 1),
    ];
    let (amys, cals) = (batch[0].id.clone(), batch[2].id.clone());

    let answers = store.create_evidence_batch(batch).await;

    assert_eq!(answers[0].as_ref().unwrap().id, amys);
    assert!(
        matches!(answers[1], Err(StorageError::RecordLimit { max: 1 })),
        "{:?}",
        answers[1].as_ref().map(|e| &e.id)
    );
    assert_eq!(answers[2].as_ref().unwrap().id, cals);
    let counts = [
        store.owned_record_count(&amy).await.unwrap(),
        store.owned_record_count(&ben).await.unwrap(),
        store.owned_record_count(&cal).await.unwrap(),
    ];
    assert_eq!(counts, [1, 1, 1]);
    assert_eq!(created_audit_count(store, &ben).await, 1);
    assert_eq!(
        audits_by_change_set(store).await,
        vec![vec![bens_first.id], vec![amys], vec![cals]]
    );
}

#[tokio::test]
async fn concurrent_creates_by_many_people_all_land() {
    let t = TestApp::spawn().await;
    let mut tokens = Vec::new();
    for n in 0..16 {
        tokens.push(t.practitioner(&format!("ot{n}@example.nhs.uk")).await);
    }
    let mut creates = tokio::task::JoinSet::new();
    for (n, (_, token)) in tokens.iter().enumerate() {
        let body = audit(
            &format!("Audit {n}"),
            "Falls pathway followed in 41 of 50 notes",
        );
        let request = t
            .http
            .post(t.url("/api/v1/audits"))
            .bearer_auth(token)
            .json(&body);
        creates.spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (n, status, response.json::<Value>().await.unwrap())
        });
    }
    let mut answers: Vec<(usize, u16, Value)> = creates.join_all().await;
    answers.sort_by_key(|(n, _, _)| *n);
    let answers: Vec<(u16, Value)> = answers.into_iter().map(|(_, s, b)| (s, b)).collect();
    for (n, ((status, body), (owner, token))) in answers.iter().zip(&tokens).enumerate() {
        assert_eq!(*status, 201, "{body}");
        assert_eq!(body["title"], format!("Audit {n}"));
        let id = body["id"].as_str().unwrap();
        let (status, read) = t.get(&format!("/api/v1/audits/{id}"), Some(token)).await;
        assert_eq!((status, &read["title"]), (200, &body["title"]));
        assert_eq!(t.app.store().owned_record_count(owner).await.unwrap(), 1);
    }
    assert!(t.app.store().record_tally_drift().await.unwrap().is_empty());
}
