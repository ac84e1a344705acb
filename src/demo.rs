//! `serve --demo`: on an empty database, seeds the fictional primary-care
//! mental health team from `content/demo/team.toml` (dates relative to
//! today, so the demo always shows a current year) and prints the logins.
//! Each person's training, supervision, registration, DBS and appraisal
//! are seeded through the same use cases as the API, to a mixture of
//! compliant, due-soon and overdue people.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Deserialize;
use time::{Date, Duration};

use crate::app::{App, CurrentUser, ProfileUpdate};
use crate::domain::compliance::{RegistrationUpdate, RequirementKind, StaffUpdate};
use crate::domain::dates::iso;
use crate::domain::reflection::{ActivityType, ReflectionDraft, ReflectiveModel};
use crate::domain::supervision::{SupervisionDraft, SupervisionType};
use crate::domain::user::{NewUser, Role};
use crate::http::web::{DemoLogin, DemoLogins};

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.cpdfolio.test";

#[derive(Deserialize)]
struct DemoFile {
    team: String,
    password: String,
    users: Vec<DemoUser>,
    entries: Vec<DemoEntry>,
}

#[derive(Deserialize)]
struct DemoUser {
    email: String,
    name: String,
    role: String,
    job_title: String,
    hcpc_number: Option<String>,
    practice_summary: String,
    compliance: DemoCompliance,
}

/// What a person's compliance rests on, in days before today.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCompliance {
    /// Set by the admin; the role's default groups when absent.
    staff_groups: Option<Vec<String>>,
    profession: Option<String>,
    qualified_days_ago: Option<i64>,
    dbs_days_ago: Option<i64>,
    appraisal_days_ago: Option<i64>,
    /// Every course the person's groups require, completed this long ago…
    training_days_ago: i64,
    /// …except these, completed on their own day…
    #[serde(default)]
    training: BTreeMap<String, i64>,
    /// …and these, never recorded.
    #[serde(default)]
    missing: Vec<String>,
    /// Signed-off supervision sessions.
    #[serde(default)]
    supervision_days_ago: Vec<i64>,
    /// Email of the supervisor who signs them off.
    supervisor: Option<String>,
}

#[derive(Deserialize)]
struct DemoEntry {
    author: String,
    days_ago: i64,
    title: String,
    activity_type: ActivityType,
    hours: Option<f64>,
    model: ReflectiveModel,
    body: String,
    learning: String,
    impact: String,
    benefit: String,
    tags: Vec<String>,
    standards: Vec<u8>,
}

impl DemoEntry {
    /// The entry as written `days_ago` before `today`.
    fn draft(&self, today: Date) -> ReflectionDraft {
        ReflectionDraft {
            title: self.title.clone(),
            activity_date: today - Duration::days(self.days_ago),
            activity_type: self.activity_type,
            hours: self.hours,
            model: self.model,
            body: self.body.trim().to_owned(),
            learning: self.learning.clone(),
            impact: self.impact.clone(),
            benefit: self.benefit.clone(),
            tags: self.tags.clone(),
            standards: self.standards.clone(),
            links: vec![],
        }
    }
}

/// The demo's accounts and their shared password, for the sign-in page
/// of a server started with `--demo`.
pub fn logins(app: &App) -> anyhow::Result<DemoLogins> {
    let (text, origin) = app.content().source.read("demo/team.toml")?;
    let demo: DemoFile = toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    let mut people = vec![DemoLogin {
        email: DEMO_ADMIN_EMAIL.to_owned(),
        name: "Demo Administrator".to_owned(),
        job_title: "Administrator".to_owned(),
    }];
    people.extend(demo.users.into_iter().map(|u| DemoLogin {
        email: u.email,
        name: u.name,
        job_title: u.job_title,
    }));
    Ok(DemoLogins {
        password: demo.password,
        people,
    })
}

/// Seeds the demo team unless the database already has accounts.
pub async fn seed_if_empty(app: &App) -> anyhow::Result<()> {
    if app.has_accounts().await? {
        println!("demo: the database already has accounts; not seeding");
        return Ok(());
    }
    let (text, origin) = app.content().source.read("demo/team.toml")?;
    let demo: DemoFile = toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    let admin = new_user(
        DEMO_ADMIN_EMAIL,
        "Demo Administrator",
        Role::Admin,
        None,
        None,
        &demo.password,
    );
    let admin = app
        .create_user(admin)
        .await
        .map_err(|e| anyhow::anyhow!("demo admin: {e}"))?;
    let admin = CurrentUser {
        user: admin,
        token_digest: String::new(),
    };
    let mut people = BTreeMap::new();
    println!(
        "\nDemo team \"{}\" (password for every account: {})",
        demo.team, demo.password
    );
    println!(
        "  {:<28} {:<26} admin",
        DEMO_ADMIN_EMAIL, "Demo Administrator"
    );
    for u in &demo.users {
        let role: Role = u.role.parse().map_err(anyhow::Error::msg)?;
        let created = app
            .create_user(new_user(
                &u.email,
                &u.name,
                role,
                Some(demo.team.clone()),
                u.hcpc_number.clone(),
                &demo.password,
            ))
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e}", u.email))?;
        let me = CurrentUser {
            user: created,
            token_digest: String::new(),
        };
        let summary = ProfileUpdate {
            name: None,
            hcpc_number: None,
            practice_summary: Some(u.practice_summary.trim().to_owned()),
        };
        app.update_me(&me, summary)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {}: {e}", u.email))?;
        println!("  {:<28} {:<26} {}", u.email, u.name, u.job_title);
        seed_entries(
            app,
            &me,
            demo.entries.iter().filter(|e| e.author == u.email),
        )
        .await?;
        people.insert(u.email.clone(), me);
    }
    let mut records = 0;
    for u in &demo.users {
        records += seed_compliance(app, &admin, &people, u)
            .await
            .with_context(|| format!("demo compliance for {}", u.email))?;
    }
    app.flush_search().await?;
    println!(
        "  {} reflective entries and {records} training and supervision records seeded\n",
        demo.entries.len(),
    );
    Ok(())
}

/// One person's staff facts, registration, training and signed-off
/// supervision; returns how many records it made.
async fn seed_compliance(
    app: &App,
    admin: &CurrentUser,
    people: &BTreeMap<String, CurrentUser>,
    u: &DemoUser,
) -> anyhow::Result<usize> {
    let me = people
        .get(&u.email)
        .with_context(|| format!("no demo user {}", u.email))?;
    let c = &u.compliance;
    let today = app.today();
    let ago = |days: i64| today - Duration::days(days);
    let day = |days: Option<i64>| days.map(|d| Some(iso(ago(d))));
    let facts = app
        .admin_update_staff(
            admin,
            me.id(),
            StaffUpdate {
                staff_groups: c.staff_groups.clone().map(Some),
                dbs_checked_on: day(c.dbs_days_ago),
                last_appraisal_on: day(c.appraisal_days_ago),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("staff facts: {e}"))?;
    if let Some(profession) = &c.profession {
        let ends = app
            .content()
            .compliance
            .registration
            .professions
            .get(profession)
            .and_then(|p| p.next_cycle_end(today))
            .with_context(|| format!("unknown profession {profession}"))?;
        app.update_my_registration(
            me,
            RegistrationUpdate {
                profession: Some(Some(profession.clone())),
                registration_ends: Some(Some(iso(ends))),
                qualified_on: day(c.qualified_days_ago),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("registration: {e}"))?;
    }
    let mut records = 0;
    let courses = app
        .compliance_requirements()
        .into_iter()
        .filter(|r| r.kind == RequirementKind::Training && r.applies_to(&facts.staff_groups))
        .filter(|r| !c.missing.contains(&r.key));
    for course in courses {
        let days = c
            .training
            .get(&course.key)
            .copied()
            .unwrap_or(c.training_days_ago);
        seed_course(app, me, &course.key, ago(days)).await?;
        records += 1;
    }
    for days in &c.supervision_days_ago {
        let supervisor = c
            .supervisor
            .as_ref()
            .and_then(|email| people.get(email))
            .context("supervision needs a supervisor who is a demo user")?;
        seed_supervision(app, me, supervisor, ago(*days)).await?;
        records += 1;
    }
    Ok(records)
}

async fn seed_course(app: &App, me: &CurrentUser, course: &str, on: Date) -> anyhow::Result<()> {
    let draft = crate::domain::training::TrainingDraft {
        course: course.to_owned(),
        completed_on: on,
        provider: "e-Learning for Healthcare".to_owned(),
        certificate_expires_on: None,
        notes: String::new(),
        course_title: String::new(),
        expires_on: None,
        imported: None,
    };
    app.create_evidence(me, draft)
        .await
        .map_err(|e| anyhow::anyhow!("demo training {course}: {e}"))?;
    Ok(())
}

/// A supervision session submitted by `me` and signed off by `supervisor`.
async fn seed_supervision(
    app: &App,
    me: &CurrentUser,
    supervisor: &CurrentUser,
    on: Date,
) -> anyhow::Result<()> {
    let draft = SupervisionDraft {
        date: on,
        duration_minutes: 60,
        supervision_type: SupervisionType::Clinical,
        supervisor_id: Some(supervisor.id().to_owned()),
        external_supervisor_name: None,
        external_supervisor_role: None,
        topics: vec!["caseload".to_owned(), "wellbeing".to_owned()],
        reflection: "We reviewed my caseload and agreed priorities for the next weeks.".to_owned(),
        safeguarding_discussed: false,
        wellbeing_discussed: true,
        actions: vec![],
        next_date: None,
    };
    let fail = |e: crate::app::AppError| anyhow::anyhow!("demo supervision: {e}");
    let record = app.create_evidence(me, draft).await.map_err(fail)?;
    app.submit_supervision(me, &record.id).await.map_err(fail)?;
    app.sign_off_supervision(supervisor, &record.id)
        .await
        .map_err(fail)?;
    Ok(())
}

fn new_user(
    email: &str,
    name: &str,
    role: Role,
    team: Option<String>,
    hcpc: Option<String>,
    password: &str,
) -> NewUser {
    NewUser {
        email: email.to_owned(),
        name: name.to_owned(),
        role,
        team,
        hcpc_number: hcpc,
        password: password.to_owned(),
    }
}

async fn seed_entries<'a>(
    app: &App,
    me: &CurrentUser,
    entries: impl Iterator<Item = &'a DemoEntry>,
) -> anyhow::Result<()> {
    for e in entries {
        app.create_evidence(me, e.draft(app.today()))
            .await
            .map_err(|err| anyhow::anyhow!("demo entry {:?}: {err}", e.title))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pii::{self, TextField};
    use crate::domain::record::EvidenceData;

    /// The demo is a corpus of legitimate reflective writing: clinical
    /// vocabulary, dates of sessions, outcome measures, staff named
    /// without titles. The guard must pass all of it.
    #[test]
    fn the_demo_corpus_raises_no_patient_identifier_flags() {
        let demo: DemoFile = toml::from_str(include_str!("../content/demo/team.toml")).unwrap();
        let drafts: Vec<ReflectionDraft> = demo
            .entries
            .iter()
            .map(|e| e.draft(time::macros::date!(2026 - 11 - 25)))
            .collect();
        let mut fields: Vec<TextField<'_>> = drafts.iter().flat_map(|d| d.free_text()).collect();
        fields.extend(
            demo.users
                .iter()
                .map(|u| TextField::new("practice_summary", &u.practice_summary)),
        );
        assert!(fields.len() > 100, "{} fields", fields.len());
        assert_eq!(pii::flags(&fields), vec![]);
        assert_eq!(pii::nhs_number_errors(&fields), vec![]);
    }
}
