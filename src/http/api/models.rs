use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::Tag;
use crate::app::App;
use crate::domain::reflection::ReflectiveModel;

pub struct ModelsApi;

/// A reflective model and its prompts (edited in content/reflective-models).
#[derive(Object)]
struct ModelView {
    key: ReflectiveModel,
    name: String,
    source: String,
    stages: Vec<String>,
    prompts_markdown: String,
    prompts_html: String,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Content")]
impl ModelsApi {
    /// The reflective models with their prompts, to structure an entry.
    #[oai(path = "/reflection-models", method = "get")]
    async fn models(&self, app: Data<&App>) -> Json<Vec<ModelView>> {
        Json(
            app.content()
                .models
                .iter()
                .map(|m| ModelView {
                    key: m.model,
                    name: m.name.clone(),
                    source: m.source.clone(),
                    stages: m.stages.clone(),
                    prompts_markdown: m.markdown.clone(),
                    prompts_html: m.html.clone(),
                })
                .collect(),
        )
    }
}
