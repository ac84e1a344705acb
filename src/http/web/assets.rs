//! Static files compiled into the binary: the stylesheet (written for this
//! service, after the NHS.UK service manual's look) and one small script
//! that keeps word counts in step while a person types (every page works
//! without it). Each is served under a name that carries its digest, so a
//! browser may keep it for a year and still never uses an old copy after
//! an upgrade.

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};
use sha2::{Digest, Sha256};

struct Asset {
    name: String,
    media_type: &'static str,
    body: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, media_type: &'static str, body: &'static str) -> Self {
        let digest = hex::encode(Sha256::digest(body.as_bytes()));
        Self {
            name: format!("{stem}-{}.{extension}", &digest[..12]),
            media_type,
            body,
        }
    }

    fn href(&self) -> String {
        format!("/assets/{}", self.name)
    }
}

static STYLESHEET: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    )
});

static WORD_COUNT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "word-count",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("assets/word-count.js"),
    )
});

/// Where pages link the stylesheet.
pub fn stylesheet_href() -> String {
    STYLESHEET.href()
}

/// Where pages load the word-count script.
pub fn word_count_href() -> String {
    WORD_COUNT.href()
}

/// `GET /assets/{name}`: an asset under its current name; anything else
/// is 404.
#[handler]
pub fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = [&*STYLESHEET, &*WORD_COUNT]
        .into_iter()
        .find(|a| a.name == name)
    else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("no such file");
    };
    Response::builder()
        .content_type(asset.media_type)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_carries_its_digest() {
        for (href, extension) in [(stylesheet_href(), ".css"), (word_count_href(), ".js")] {
            let stem = if extension == ".css" {
                "/assets/app-"
            } else {
                "/assets/word-count-"
            };
            assert!(href.starts_with(stem), "{href}");
            assert!(href.ends_with(extension));
            assert_eq!(href.len(), stem.len() + 12 + extension.len());
        }
    }
}
