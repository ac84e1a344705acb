use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use super::views::reflection::ReflectiveModelView;
use crate::app::App;
use crate::http::auth::BearerAuth;

pub struct ModelsApi;

/// A reflective model and its prompts (edited in content/reflective-models).
#[derive(Object)]
struct ModelView {
    key: ReflectiveModelView,
    name: String,
    source: String,
    stages: Vec<String>,
    prompts_markdown: String,
    prompts_html: String,
}

/// A mandatory-training course (edited in content/training/catalogue.toml).
#[derive(Object)]
struct CourseView {
    key: String,
    title: String,
    /// CSTF, Oliver McGowan or Local.
    framework: String,
    level: u8,
    /// Calendar months until a refresher is due; 0 means never.
    refresher_months: u32,
    /// Staff groups that need it: all, patient_facing, clinical, registered.
    required_for: Vec<String>,
    /// How sure the interval is, and why.
    confidence: String,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Content")]
impl ModelsApi {
    /// The reflective models with their prompts, to structure an entry.
    #[oai(path = "/reflection-models", method = "get")]
    async fn models(&self, app: Data<&App>, _auth: BearerAuth) -> Json<Vec<ModelView>> {
        Json(
            app.content()
                .models
                .iter()
                .map(|m| ModelView {
                    key: m.model.into(),
                    name: m.name.clone(),
                    source: m.source.clone(),
                    stages: m.stages.clone(),
                    prompts_markdown: m.markdown.clone(),
                    prompts_html: m.html.clone(),
                })
                .collect(),
        )
    }

    /// The mandatory-training catalogue with refresher intervals.
    #[oai(path = "/catalogue/training", method = "get")]
    async fn training(&self, app: Data<&App>, _auth: BearerAuth) -> Json<Vec<CourseView>> {
        Json(
            app.content()
                .training
                .iter()
                .map(|c| CourseView {
                    key: c.key.clone(),
                    title: c.title.clone(),
                    framework: c.framework.clone(),
                    level: c.level,
                    refresher_months: c.refresher_months,
                    required_for: c.required_for.clone(),
                    confidence: c.confidence.clone(),
                })
                .collect(),
        )
    }
}
