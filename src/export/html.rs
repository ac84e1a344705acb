//! Markdown in, safe HTML out. Reflective text is rendered by pulldown-cmark
//! and then cleaned by an ammonia allow-list: no scripts, no event-handler
//! attributes, no `javascript:` (or any non-web) links, no raw iframes.
//! Nothing rendered loads from another server: an image from elsewhere
//! (or a `data:` image) would tell its owner who opened a shared entry and
//! when, so Markdown images become links named by their alt text and a raw
//! `<img>` keeps its `src` only when it is a path on this server.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true)
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !is_local_path(value) {
                None
            } else {
                Some(Cow::Borrowed(value))
            }
        });
    builder
});

/// Renders Markdown to sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    let events = remote_images_as_links(Parser::new_ext(markdown, options));
    html::push_html(&mut unsafe_html, events);
    SANITISER.clean(&unsafe_html).to_string()
}

/// A path on this server: no scheme, not protocol-relative, no backslash
/// (browsers read it as a slash). Browsers skip tabs and newlines inside a
/// URL, so whitespace and control characters are left out before checking.
fn is_local_path(url: &str) -> bool {
    let url: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect();
    !url.contains([':', '\\']) && !url.starts_with("//")
}

/// Each Markdown image that is not a local path becomes a link to the
/// same address, its alt text the link's text.
fn remote_images_as_links<'a>(
    events: impl Iterator<Item = Event<'a>>,
) -> impl Iterator<Item = Event<'a>> {
    let mut open_images_made_links = Vec::new();
    events.map(move |event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let as_link = !is_local_path(&dest_url);
            open_images_made_links.push(as_link);
            Event::Start(if as_link {
                Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }
            } else {
                Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }
            })
        }
        Event::End(TagEnd::Image) => {
            if open_images_made_links.pop().unwrap_or(false) {
                Event::End(TagEnd::Link)
            } else {
                Event::End(TagEnd::Image)
            }
        }
        other => other,
    })
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
    fn images_from_elsewhere_become_links_and_load_nothing() {
        let cases = [
            (
                "![pixel](https://tracker.example/p.gif \"t\")",
                "<p><a href=\"https://tracker.example/p.gif\" title=\"t\" rel=\"noopener noreferrer nofollow\">pixel</a></p>\n",
            ),
            (
                "![chart *one*](data:image/png;base64,iVBORw0KGgo=)",
                "<p><a rel=\"noopener noreferrer nofollow\">chart <em>one</em></a></p>\n",
            ),
            (
                "<img src=\"https://tracker.example/p.gif\" alt=\"seen\">",
                "<img alt=\"seen\">",
            ),
            ("<img src=\"//tracker.example/p.gif\">", "<img>"),
            ("<img src=\"/\t/tracker.example/p.gif\">", "<img>"),
            ("<img src=\"\\\\tracker.example\\p.gif\">", "<img>"),
            ("<img src=\"data:image/gif;base64,R0lGOD\">", "<img>"),
            (
                "![local](scan.png)",
                "<p><img src=\"scan.png\" alt=\"local\"></p>\n",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(to_safe_html(input), expected, "{input:?}");
        }
    }

    #[test]
    fn keeps_safe_links() {
        let out = to_safe_html("[RCOT](https://www.rcot.co.uk)");
        assert!(out.contains("href=\"https://www.rcot.co.uk\""), "{out}");
    }

    mod properties {
        use proptest::prelude::*;

        use super::to_safe_html;

        /// Markdown and the markup people (or attackers) paste into it.
        const PIECES: [&str; 40] = [
            "word",
            " ",
            "\n",
            "\n\n",
            "**",
            "_",
            "`",
            "# ",
            "- ",
            "1. ",
            "> ",
            "|",
            "---",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<img src=\"https://tracker.example/p.png\">",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\" onclick=\"x()\">x</a>",
            "[x](javascript:alert(1))",
            "[x](data:text/html,hi)",
            "![x](https://tracker.example/t.png)",
            "![x](data:image/png;base64,AAAA)",
            "![x](/files/local.png)",
            "[x](https://a.example \"t onerror=1\")",
            "<iframe src=//evil.example>",
            "<style>*{}</style>",
            "<svg onload=alert(1)>",
            "<div style=\"background:url(x)\">",
            "&lt;",
            "&#106;avascript:",
            "\u{0}",
            "é",
            "🙂",
            "<!-- c -->",
            "[^1]",
            "[^1]: note",
            "- [ ] task",
            "~~x~~",
            "<",
            "\"",
        ];

        fn markdown() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::collection::vec(prop::sample::select(&PIECES[..]), 0..40)
                    .prop_map(|pieces| pieces.concat()),
                any::<String>(),
            ]
        }

        const FORBIDDEN_ELEMENTS: [&str; 12] = [
            "script", "iframe", "style", "svg", "object", "embed", "form", "input", "link", "meta",
            "base", "math",
        ];

        /// Each tag of `html` as (element, [(attribute, value)]). Text `<`
        /// is escaped by the sanitiser, so every `<` opens a tag, and it
        /// quotes every value with `"`.
        fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
            html.split('<')
                .skip(1)
                .map(|tag| {
                    let tag = tag.split_once('>').map_or(tag, |(inside, _)| inside);
                    let tag = tag.trim_start_matches('/');
                    let (element, mut rest) = tag.split_once(' ').unwrap_or((tag, ""));
                    let mut attributes = Vec::new();
                    while let Some((name, after)) = rest.trim_start().split_once("=\"") {
                        let (value, after) = after.split_once('"').unwrap_or((after, ""));
                        attributes.push((name.to_ascii_lowercase(), value.to_ascii_lowercase()));
                        rest = after;
                    }
                    (element.to_ascii_lowercase(), attributes)
                })
                .collect()
        }

        proptest! {
            /// Whatever is written, the HTML holds no scripting element, no
            /// event handler, no style, no link to a script or data URL, and
            /// no image from another server.
            #[test]
            fn rendered_html_is_always_inert(text in markdown()) {
                let html = to_safe_html(&text);
                for (element, attributes) in tags(&html) {
                    prop_assert!(!FORBIDDEN_ELEMENTS.contains(&element.as_str()), "{element} in {html}");
                    for (name, value) in attributes {
                        prop_assert!(!name.starts_with("on") && name != "style", "{name} in {html}");
                        if name == "href" || name == "src" {
                            prop_assert!(
                                !["javascript:", "data:", "vbscript:"].iter().any(|s| value.starts_with(s)),
                                "{value} in {html}"
                            );
                        }
                        if element == "img" && name == "src" {
                            prop_assert!(!value.contains(':') && !value.starts_with("//"), "{value} in {html}");
                        }
                    }
                }
            }
        }
    }
}
