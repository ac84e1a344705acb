//! `serve --demo`: on an empty database, seeds the fictional primary-care
//! mental health team from `content/demo/team.toml` (dates relative to
//! today, so the demo always shows a current year) and prints the logins.

use anyhow::Context;
use serde::Deserialize;
use time::Duration;

use crate::app::{App, CurrentUser, ProfileUpdate};
use crate::domain::reflection::{ActivityType, ReflectionDraft, ReflectiveModel};
use crate::domain::user::{NewUser, Role};

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
    app.create_user(admin)
        .await
        .map_err(|e| anyhow::anyhow!("demo admin: {e}"))?;
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
        seed_training(app, &me).await?;
    }
    app.flush_search().await?;
    println!(
        "  {} reflective entries and {} training records seeded\n",
        demo.entries.len(),
        demo.users.len() * 3
    );
    Ok(())
}

/// Three mandatory-training records per person: one recent, one close to
/// its refresher date and one lapsed, so compliance has something to show.
async fn seed_training(app: &App, me: &CurrentUser) -> anyhow::Result<()> {
    for (course, days_ago) in [
        ("information-governance-l1", 40),
        ("fire-safety-l1", 700),
        ("resuscitation-adult-bls", 400),
    ] {
        let draft = crate::domain::training::TrainingDraft {
            course: course.to_owned(),
            completed_on: app.today() - Duration::days(days_ago),
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
    }
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
        let draft = ReflectionDraft {
            title: e.title.clone(),
            activity_date: app.today() - Duration::days(e.days_ago),
            activity_type: e.activity_type,
            hours: e.hours,
            model: e.model,
            body: e.body.trim().to_owned(),
            learning: e.learning.clone(),
            impact: e.impact.clone(),
            benefit: e.benefit.clone(),
            tags: e.tags.clone(),
            standards: e.standards.clone(),
            links: vec![],
        };
        app.create_evidence(me, draft)
            .await
            .map_err(|err| anyhow::anyhow!("demo entry {:?}: {err}", e.title))?;
    }
    Ok(())
}
