//! Static files compiled into the binary: the stylesheet (written for this
//! service, after the NHS.UK service manual's look) and nothing else yet.
//! Each is served under a name that carries its digest, so a browser may
//! keep it for a year and still never uses an old copy after an upgrade.

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("assets/app.css");

static STYLESHEET_NAME: LazyLock<String> = LazyLock::new(|| {
    let digest = hex::encode(Sha256::digest(STYLESHEET.as_bytes()));
    format!("app-{}.css", &digest[..12])
});

/// Where pages link the stylesheet.
pub fn stylesheet_href() -> String {
    format!("/assets/{}", *STYLESHEET_NAME)
}

/// `GET /assets/{name}`: the stylesheet under its current name; anything
/// else is 404.
#[handler]
pub fn asset(Path(name): Path<String>) -> Response {
    if name != *STYLESHEET_NAME {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("no such file");
    }
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(STYLESHEET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_name_carries_its_digest() {
        let href = stylesheet_href();
        assert!(href.starts_with("/assets/app-"), "{href}");
        assert!(href.ends_with(".css"));
        assert_eq!(href.len(), "/assets/app-".len() + 12 + ".css".len());
    }
}
