//! Loads the files people edit in `content/`: reflective models (Markdown
//! with a small front matter) and email templates. Loaded once at start-up;
//! a missing or malformed file stops start-up with a message naming it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::domain::reflection::ReflectiveModel;
use crate::domain::training::{Course, check_catalogue};
use crate::markdown::to_safe_html;

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

#[derive(Debug, Clone)]
pub struct Content {
    pub dir: PathBuf,
    pub models: Vec<ModelGuide>,
    pub email: BTreeMap<String, EmailTemplate>,
    pub training: Vec<Course>,
}

impl Content {
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!(
                "content directory {} does not exist (set content_dir or CPDFOLIO_CONTENT_DIR)",
                dir.display()
            );
        }
        let models = ReflectiveModel::ALL
            .into_iter()
            .map(|m| {
                load_model(
                    &dir.join("reflective-models")
                        .join(format!("{}.md", m.as_str())),
                    m,
                )
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut email = BTreeMap::new();
        email.insert(
            "inactivity".to_owned(),
            load_email(&dir.join("email").join("inactivity.md"))?,
        );
        let training = load_catalogue(&dir.join("training").join("catalogue.toml"))?;
        Ok(Self {
            dir: dir.to_owned(),
            models,
            email,
            training,
        })
    }

    pub fn email_template(&self, name: &str) -> anyhow::Result<&EmailTemplate> {
        self.email
            .get(name)
            .with_context(|| format!("no email template named {name}"))
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn load_model(path: &Path, model: ReflectiveModel) -> anyhow::Result<ModelGuide> {
    let (meta, markdown) = split_front_matter(&read(path)?)
        .with_context(|| format!("{}: no front matter", path.display()))?;
    let field = |k: &str| {
        meta.get(k)
            .cloned()
            .with_context(|| format!("{}: front matter lacks `{k}`", path.display()))
    };
    if field("key")? != model.as_str() {
        bail!("{}: key must be {}", path.display(), model.as_str());
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

fn load_email(path: &Path) -> anyhow::Result<EmailTemplate> {
    let (meta, body) = split_front_matter(&read(path)?)
        .with_context(|| format!("{}: no front matter", path.display()))?;
    let subject = meta
        .get("subject")
        .cloned()
        .with_context(|| format!("{}: front matter lacks `subject`", path.display()))?;
    Ok(EmailTemplate { subject, body })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    course: Vec<Course>,
}

fn load_catalogue(path: &Path) -> anyhow::Result<Vec<Course>> {
    let file: CatalogueFile =
        toml::from_str(&read(path)?).with_context(|| format!("{} is not valid", path.display()))?;
    check_catalogue(&file.course).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(file.course)
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
    fn the_shipped_content_loads() {
        let c = Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap();
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
