//! Loads the files people edit in `content/`: reflective models (Markdown
//! with a small front matter), email templates, the training catalogue,
//! the compliance requirements, the ESR mapping and the demo team. The
//! shipped files are compiled into the binary, so it runs from any
//! directory; a configured `content_dir` overrides them file by file (a
//! deployment that only changes the catalogue holds only
//! `training/catalogue.toml`). Loaded once at start-up; a malformed file
//! stops start-up with a message naming it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::domain::compliance::Requirements;
use crate::domain::esr::{EsrMapping, check_mapping};
use crate::domain::reflection::ReflectiveModel;
use crate::domain::training::{Course, check_catalogue};
use crate::export::html::to_safe_html;

/// One reflective model with its prompts.
#[derive(Debug, Clone)]
pub struct ModelGuide {
    pub model: ReflectiveModel,
    pub name: String,
    pub source: String,
    pub stages: Vec<String>,
    pub markdown: String,
    pub html: String,
}

/// An email template: a subject line and a Markdown body with `{{name}}`
/// placeholders.
#[derive(Debug, Clone)]
pub struct EmailTemplate {
    pub subject: String,
    pub body: String,
}

/// A template with its placeholders filled in, as plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The email templates, each `content/email/<name>.md`.
pub const EMAIL_TEMPLATES: &[&str] = &[
    "inactivity",
    "compliance-due",
    "compliance-lapsed",
    "compliance-overdue",
    "registration-window",
    "lead-digest",
];

/// The shipped content, by path under `content/`.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "compliance/requirements.toml",
        include_str!("../content/compliance/requirements.toml"),
    ),
    ("demo/team.toml", include_str!("../content/demo/team.toml")),
    (
        "email/compliance-due.md",
        include_str!("../content/email/compliance-due.md"),
    ),
    (
        "email/compliance-lapsed.md",
        include_str!("../content/email/compliance-lapsed.md"),
    ),
    (
        "email/compliance-overdue.md",
        include_str!("../content/email/compliance-overdue.md"),
    ),
    (
        "email/inactivity.md",
        include_str!("../content/email/inactivity.md"),
    ),
    (
        "email/lead-digest.md",
        include_str!("../content/email/lead-digest.md"),
    ),
    (
        "email/registration-window.md",
        include_str!("../content/email/registration-window.md"),
    ),
    (
        "esr/mapping.toml",
        include_str!("../content/esr/mapping.toml"),
    ),
    (
        "reflective-models/driscoll.md",
        include_str!("../content/reflective-models/driscoll.md"),
    ),
    (
        "reflective-models/free.md",
        include_str!("../content/reflective-models/free.md"),
    ),
    (
        "reflective-models/gibbs.md",
        include_str!("../content/reflective-models/gibbs.md"),
    ),
    (
        "reflective-models/kolb.md",
        include_str!("../content/reflective-models/kolb.md"),
    ),
    (
        "reflective-models/rolfe.md",
        include_str!("../content/reflective-models/rolfe.md"),
    ),
    (
        "reflective-models/schon.md",
        include_str!("../content/reflective-models/schon.md"),
    ),
    (
        "standards/proficiency.toml",
        include_str!("../content/standards/proficiency.toml"),
    ),
    (
        "training/catalogue.toml",
        include_str!("../content/training/catalogue.toml"),
    ),
];

/// Where content files come from: the override directory first, then the
/// copy compiled into the binary.
#[derive(Debug, Clone, Default)]
pub struct ContentSource {
    overrides: Option<PathBuf>,
}

impl ContentSource {
    /// Files under `overrides` (when given) replace the shipped ones.
    pub fn new(overrides: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(dir) = overrides
            && !dir.is_dir()
        {
            bail!(
                "content directory {} does not exist (set content_dir or CPDFOLIO_CONTENT_DIR to a folder, or leave it unset to use the built-in content)",
                dir.display()
            );
        }
        Ok(Self {
            overrides: overrides.map(Path::to_owned),
        })
    }

    /// The text of `relative` (e.g. `training/catalogue.toml`) and where it
    /// came from, for messages.
    pub fn read(&self, relative: &str) -> anyhow::Result<(String, String)> {
        if let Some(dir) = &self.overrides {
            let path = dir.join(relative);
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                return Ok((text, path.display().to_string()));
            }
        }
        EMBEDDED
            .iter()
            .find(|(name, _)| *name == relative)
            .map(|(_, text)| ((*text).to_owned(), format!("built-in content/{relative}")))
            .with_context(|| format!("no content file {relative}"))
    }
}

#[derive(Debug, Clone)]
pub struct Content {
    pub source: ContentSource,
    pub models: Vec<ModelGuide>,
    pub email: BTreeMap<String, EmailTemplate>,
    pub training: Vec<Course>,
    pub compliance: Requirements,
    /// How to read an ESR competence export.
    pub esr: EsrMapping,
    /// The HCPC standards of proficiency by number, 1 to 15 in order.
    pub standards: Vec<Standard>,
}

/// One HCPC standard of proficiency, as forms offer it by name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub number: u8,
    pub title: String,
}

impl Content {
    /// The shipped content with the files under `overrides` in their place.
    pub fn load(overrides: Option<&Path>) -> anyhow::Result<Self> {
        let source = ContentSource::new(overrides)?;
        let models = ReflectiveModel::ALL
            .into_iter()
            .map(|m| {
                let file = source.read(&format!("reflective-models/{}.md", m.as_str()))?;
                load_model(file, m)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut email = BTreeMap::new();
        for name in EMAIL_TEMPLATES {
            email.insert(
                (*name).to_owned(),
                load_email(source.read(&format!("email/{name}.md"))?)?,
            );
        }
        let training = load_catalogue(source.read("training/catalogue.toml")?)?;
        let compliance =
            load_requirements(source.read("compliance/requirements.toml")?, &training)?;
        let esr = load_esr_mapping(source.read("esr/mapping.toml")?, &training)?;
        let standards = load_standards(source.read("standards/proficiency.toml")?)?;
        Ok(Self {
            source,
            models,
            email,
            training,
            compliance,
            esr,
            standards,
        })
    }

    pub fn email_template(&self, name: &str) -> anyhow::Result<&EmailTemplate> {
        self.email
            .get(name)
            .with_context(|| format!("no email template named {name}"))
    }
}

fn load_model(
    (text, origin): (String, String),
    model: ReflectiveModel,
) -> anyhow::Result<ModelGuide> {
    let (meta, markdown) =
        split_front_matter(&text).with_context(|| format!("{origin}: no front matter"))?;
    let field = |k: &str| {
        meta.get(k)
            .cloned()
            .with_context(|| format!("{origin}: front matter lacks `{k}`"))
    };
    if field("key")? != model.as_str() {
        bail!("{origin}: key must be {}", model.as_str());
    }
    let stages = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|s| s.trim().to_owned())
        .collect();
    Ok(ModelGuide {
        model,
        name: field("name")?,
        source: meta.get("source").cloned().unwrap_or_default(),
        stages,
        html: to_safe_html(&markdown),
        markdown,
    })
}

fn load_email((text, origin): (String, String)) -> anyhow::Result<EmailTemplate> {
    let (meta, body) =
        split_front_matter(&text).with_context(|| format!("{origin}: no front matter"))?;
    let subject = meta
        .get("subject")
        .cloned()
        .with_context(|| format!("{origin}: front matter lacks `subject`"))?;
    Ok(EmailTemplate { subject, body })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    course: Vec<Course>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StandardsFile {
    standard: Vec<Standard>,
}

/// Every standard from 1 to 15 exactly once, in order, each with a title.
fn load_standards((text, origin): (String, String)) -> anyhow::Result<Vec<Standard>> {
    let file: StandardsFile =
        toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    let numbers: Vec<u8> = file.standard.iter().map(|s| s.number).collect();
    let expected: Vec<u8> = crate::domain::reflection::STANDARDS.collect();
    if numbers != expected {
        bail!("{origin}: standards must be numbered 1 to 15 once each, in order");
    }
    if let Some(blank) = file.standard.iter().find(|s| s.title.trim().is_empty()) {
        bail!("{origin}: standard {} has no title", blank.number);
    }
    Ok(file.standard)
}

fn load_catalogue((text, origin): (String, String)) -> anyhow::Result<Vec<Course>> {
    let file: CatalogueFile =
        toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    check_catalogue(&file.course).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    Ok(file.course)
}

fn load_requirements(
    (text, origin): (String, String),
    catalogue: &[Course],
) -> anyhow::Result<Requirements> {
    let requirements: Requirements =
        toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    requirements
        .check(catalogue)
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    Ok(requirements)
}

fn load_esr_mapping(
    (text, origin): (String, String),
    catalogue: &[Course],
) -> anyhow::Result<EsrMapping> {
    let mapping: EsrMapping =
        toml::from_str(&text).with_context(|| format!("{origin} is not valid"))?;
    check_mapping(&mapping, catalogue).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    Ok(mapping)
}

/// Splits `---\nkey: value\n---\nbody` into the keys and the body.
pub fn split_front_matter(text: &str) -> Option<(BTreeMap<String, String>, String)> {
    let rest = text
        .strip_prefix("---")?
        .trim_start_matches(['\r', ' '])
        .strip_prefix('\n')?;
    let end = rest.find("\n---")?;
    let meta = rest[..end]
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = rest[end + 4..]
        .trim_start_matches(['-'])
        .trim_start()
        .to_owned();
    Some((meta, body))
}

impl EmailTemplate {
    /// Fills `{{key}}` placeholders. The plain-text part gets the values as
    /// they are; the HTML part gets them escaped before Markdown rendering,
    /// so a value can never inject markup. The subject is kept on one line.
    pub fn render(&self, vars: &[(&str, String)]) -> RenderedEmail {
        let fill = |text: &str, escape: bool| {
            vars.iter().fold(text.to_owned(), |acc, (k, v)| {
                let value = if escape {
                    escape_markdown_html(v)
                } else {
                    v.clone()
                };
                acc.replace(&format!("{{{{{k}}}}}"), &value)
            })
        };
        let subject: String = fill(&self.subject, false)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        RenderedEmail {
            subject,
            text: fill(&self.body, false),
            html: to_safe_html(&fill(&self.body, true)),
        }
    }
}

fn escape_markdown_html(value: &str) -> String {
    value
        .chars()
        .flat_map(|c| match c {
            '<' => "&lt;".chars().collect::<Vec<_>>(),
            '>' => "&gt;".chars().collect(),
            '&' => "&amp;".chars().collect(),
            '*' | '_' | '[' | ']' | '`' | '\\' | '#' | '!' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_splits() {
        let (meta, body) =
            split_front_matter("---\nkey: gibbs\nname: Gibbs: cycle\n---\n\n## Description\n")
                .unwrap();
        assert_eq!(meta["key"], "gibbs");
        assert_eq!(meta["name"], "Gibbs: cycle");
        assert_eq!(body, "## Description\n");
        assert!(split_front_matter("no front matter").is_none());
    }

    #[test]
    fn email_values_cannot_inject_markup_or_headers() {
        let t = EmailTemplate {
            subject: "Hello {{name}}".into(),
            body: "Dear {{name}},\n\n[Open]({{url}})".into(),
        };
        let r = t.render(&[
            ("name", "<b>Eve</b>\r\nBcc: x@y.z".into()),
            ("url", "https://cpd.example".into()),
        ]);
        assert_eq!(r.subject, "Hello <b>Eve</b>  Bcc: x@y.z");
        assert!(r.text.starts_with("Dear <b>Eve</b>"));
        assert!(r.html.contains("&lt;b&gt;Eve&lt;/b&gt;"), "{}", r.html);
        assert!(
            r.html.contains("href=\"https://cpd.example\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn an_override_replaces_one_file_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("email")).unwrap();
        std::fs::write(
            dir.path().join("email/inactivity.md"),
            "---\nsubject: Local wording\n---\nHello {{name}}\n",
        )
        .unwrap();
        let c = Content::load(Some(dir.path())).unwrap();
        assert_eq!(c.email["inactivity"].subject, "Local wording");
        assert_eq!(c.models.len(), 6);
        let (_, origin) = c.source.read("training/catalogue.toml").unwrap();
        assert_eq!(origin, "built-in content/training/catalogue.toml");
    }

    #[test]
    fn invalid_compliance_requirements_stop_start_up_with_the_file_and_setting() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("compliance")).unwrap();
        let path = dir.path().join("compliance/requirements.toml");
        let shipped = include_str!("../content/compliance/requirements.toml");
        std::fs::write(&path, shipped.replace("weeks = 6", "weeks = 0")).unwrap();
        let err = Content::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("compliance/requirements.toml"), "{err}");
        assert!(err.contains("supervision.weeks"), "{err}");
        std::fs::write(
            &path,
            shipped.replace("warning_days = 60", "warning_dayz = 60"),
        )
        .unwrap();
        let err = format!("{:#}", Content::load(Some(dir.path())).unwrap_err());
        assert!(
            err.contains("is not valid") && err.contains("warning_dayz"),
            "{err}"
        );
        std::fs::write(
            &path,
            shipped.replace(
                "required_for = [\"patient_facing\"]",
                "required_for = [\"porters\"]",
            ),
        )
        .unwrap();
        let err = Content::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("\"porters\""), "{err}");
    }

    #[test]
    fn a_missing_override_directory_is_refused_with_its_name() {
        let err = Content::load(Some(Path::new("/no/such/cpdfolio-content"))).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("content directory /no/such/cpdfolio-content does not exist"),
            "{err}"
        );
    }

    #[test]
    fn every_shipped_file_is_built_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(&root).unwrap();
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let built_in: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(on_disk, built_in);
    }

    #[test]
    fn the_shipped_content_loads() {
        let c = Content::load(None).unwrap();
        assert_eq!(c.models.len(), 6);
        let gibbs = &c.models[0];
        assert_eq!(gibbs.model, ReflectiveModel::Gibbs);
        assert_eq!(gibbs.stages.len(), 6);
        assert!(c.email["inactivity"].body.contains("{{name}}"));
        let cstf_subjects: std::collections::BTreeSet<&str> = c
            .training
            .iter()
            .filter(|t| t.framework == "CSTF")
            .map(|t| t.title.as_str())
            .collect();
        assert_eq!(cstf_subjects.len(), 11, "{cstf_subjects:?}");
        assert!(c.training.iter().any(|t| t.key == "oliver-mcgowan-tier-2"));
    }
}
