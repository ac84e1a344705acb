//! Markdown in, safe HTML out. Reflective text is rendered by pulldown-cmark
//! and then cleaned by an ammonia allow-list: no scripts, no event-handler
//! attributes, no `javascript:` (or any non-web) links, no raw iframes.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// Renders Markdown to sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    SANITISER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_ordinary_markdown() {
        assert_eq!(
            to_safe_html("**bold** and _em_"),
            "<p><strong>bold</strong> and <em>em</em></p>\n"
        );
        assert!(to_safe_html("| a |\n| - |\n| 1 |").contains("<table>"));
    }

    #[test]
    fn removes_dangerous_html() {
        let cases = [
            ("<script>alert(1)</script>hi", "hi"),
            ("<img src=x onerror=alert(1)>", "<img src=\"x\">"),
            (
                "[click](javascript:alert(1))",
                "<a rel=\"noopener noreferrer nofollow\">click</a>",
            ),
            (
                "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
                "<a rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            ("<iframe src=\"https://evil\"></iframe>", ""),
            ("<p style=\"background:url(x)\">s</p>", "<p>s</p>"),
        ];
        for (input, expected) in cases {
            let out = to_safe_html(input);
            assert!(out.contains(expected), "{input:?} -> {out:?}");
            assert!(
                !out.to_lowercase().contains("javascript"),
                "{input:?} -> {out:?}"
            );
            assert!(
                !out.contains("onerror") && !out.contains("<script"),
                "{input:?} -> {out:?}"
            );
        }
    }

    #[test]
    fn keeps_safe_links() {
        let out = to_safe_html("[RCOT](https://www.rcot.co.uk)");
        assert!(out.contains("href=\"https://www.rcot.co.uk\""), "{out}");
    }
}
