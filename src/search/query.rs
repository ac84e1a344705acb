//! Turning what a person typed into a tantivy query, with a clear 400 for
//! what cannot be understood rather than a server error or a silent guess.
//! Only the cheap forms are accepted: words, phrases, AND/OR/NOT, `+`/`-`,
//! parentheses and the searchable fields by name (`title:`, `body:`,
//! `notes:`, `tags:`). Ranges, sets and wildcards are refused: over text
//! fields they expand to every term in a range of the dictionary, so one
//! request could cost as much as reading the whole index.

use tantivy::Index;
use tantivy::query::{Query, QueryParser};

use super::schema::Fields;

pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_TERMS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search query is empty")]
    Empty,
    #[error("the search query is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("the search query has more than {MAX_TERMS} terms")]
    TooManyTerms,
    #[error("the search query has an unclosed double quote; close the phrase with another \"")]
    UnbalancedQuote,
    #[error("the search query has unbalanced parentheses")]
    UnbalancedParentheses,
    #[error("the operator {0} needs a search term on both sides")]
    DanglingOperator(String),
    #[error(
        "range and set queries ([a TO z], {{a TO z}}, >, <, IN [...]) are not supported; search for words or \"phrases\""
    )]
    Range,
    #[error("wildcards (*) are not supported; search for whole words")]
    Wildcard,
    #[error("{0:?} is not a searchable field; use title:, body:, notes: or tags:")]
    UnknownField(String),
    #[error("the search query could not be understood: {0}")]
    Syntax(String),
}

/// Checks the query's shape, then parses it over title, body, notes and tags
/// (title matches count double).
pub fn parse(index: &Index, fields: &Fields, text: &str) -> Result<Box<dyn Query>, QueryError> {
    check_shape(text)?;
    let mut parser = QueryParser::for_index(
        index,
        vec![fields.title, fields.body, fields.notes, fields.tags],
    );
    parser.set_field_boost(fields.title, 2.0);
    parser
        .parse_query(text)
        .map_err(|e| QueryError::Syntax(e.to_string()))
}

/// Fields a query may name.
const SEARCHABLE_FIELDS: [&str; 4] = ["title", "body", "notes", "tags"];

/// Refuses the expensive forms (outside phrases, where every character is
/// literal text).
fn check_features(text: &str) -> Result<(), QueryError> {
    let mut in_phrase = false;
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            in_phrase = !in_phrase;
            word.clear();
            continue;
        }
        if in_phrase {
            continue;
        }
        match c {
            '[' | ']' | '{' | '}' => return Err(QueryError::Range),
            '*' => return Err(QueryError::Wildcard),
            ':' => {
                let field = word.trim_start_matches(['+', '-', '(']);
                if !SEARCHABLE_FIELDS.contains(&field) {
                    return Err(QueryError::UnknownField(field.to_owned()));
                }
                if chars.peek().is_some_and(|n| matches!(n, '>' | '<' | ' ')) {
                    return Err(QueryError::Range);
                }
                word.clear();
            }
            c if c.is_whitespace() || c == '(' || c == ')' => word.clear(),
            c => word.push(c),
        }
    }
    Ok(())
}

fn check_shape(text: &str) -> Result<(), QueryError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(QueryError::Empty);
    }
    if trimmed.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    if trimmed.chars().filter(|c| *c == '"').count() % 2 == 1 {
        return Err(QueryError::UnbalancedQuote);
    }
    let mut depth = 0i32;
    for c in trimmed.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return Err(QueryError::UnbalancedParentheses);
        }
    }
    if depth != 0 {
        return Err(QueryError::UnbalancedParentheses);
    }
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    if words.len() > MAX_TERMS {
        return Err(QueryError::TooManyTerms);
    }
    let is_op = |w: &str| matches!(w, "AND" | "OR");
    for (i, w) in words.iter().enumerate() {
        let at_edge = i == 0 || i + 1 == words.len();
        let next_is_op = words.get(i + 1).is_some_and(|n| is_op(n));
        if is_op(w) && (at_edge || next_is_op) {
            return Err(QueryError::DanglingOperator((*w).to_owned()));
        }
    }
    if words.last().is_some_and(|w| *w == "NOT") {
        return Err(QueryError::DanglingOperator("NOT".to_owned()));
    }
    check_features(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_queries() {
        for q in [
            "supervision",
            "\"graded exposure\" AND anxiety",
            "(sleep OR fatigue) -group",
            "COPM",
            "title:falls tags:routine",
            "-body:group +notes:\"lone working\"",
            "\"a [bracket] * and 10:30 in a phrase\"",
        ] {
            assert_eq!(check_shape(q), Ok(()), "{q}");
        }
    }

    #[test]
    fn explains_malformed_queries() {
        assert_eq!(check_shape("  "), Err(QueryError::Empty));
        assert_eq!(
            check_shape("\"unclosed phrase"),
            Err(QueryError::UnbalancedQuote)
        );
        assert_eq!(
            check_shape("(a OR b"),
            Err(QueryError::UnbalancedParentheses)
        );
        assert_eq!(check_shape("a) (b"), Err(QueryError::UnbalancedParentheses));
        assert_eq!(
            check_shape("AND"),
            Err(QueryError::DanglingOperator("AND".into()))
        );
        assert_eq!(
            check_shape("sleep OR"),
            Err(QueryError::DanglingOperator("OR".into()))
        );
        assert_eq!(
            check_shape("a AND OR b"),
            Err(QueryError::DanglingOperator("AND".into()))
        );
        assert_eq!(check_shape(&"x".repeat(501)), Err(QueryError::TooLong));
        assert_eq!(check_shape(&"x ".repeat(41)), Err(QueryError::TooManyTerms));
    }

    #[test]
    fn refuses_ranges_sets_and_wildcards() {
        for q in [
            "title:[a TO z]",
            "body:{a TO z}",
            "title:>m",
            "title:<m",
            "tags: IN [a b]",
        ] {
            assert_eq!(check_shape(q), Err(QueryError::Range), "{q}");
        }
        assert_eq!(check_shape("occup*"), Err(QueryError::Wildcard));
        assert_eq!(check_shape("*"), Err(QueryError::Wildcard));
        assert_eq!(
            check_shape("owner:someone"),
            Err(QueryError::UnknownField("owner".into()))
        );
        assert_eq!(
            check_shape("10:30"),
            Err(QueryError::UnknownField("10".into()))
        );
    }

    mod properties {
        use proptest::prelude::*;
        use tantivy::Index;

        use super::*;
        use crate::search::schema;

        /// Pieces of queries, the troublesome ones among them.
        const PIECES: [&str; 34] = [
            "falls",
            "supervision",
            "é",
            "🙂",
            " ",
            "\"",
            "(",
            ")",
            "AND",
            "OR",
            "NOT",
            "+",
            "-",
            "title:",
            "body:",
            "notes:",
            "tags:",
            "author:",
            "*",
            "?",
            "[",
            "]",
            "{",
            "}",
            "TO",
            ">",
            "<",
            "IN",
            ":",
            "^2",
            "~1",
            "\\",
            "'",
            "\u{0}",
        ];

        fn query() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::collection::vec(prop::sample::select(&PIECES[..]), 0..30)
                    .prop_map(|pieces| pieces.concat()),
                any::<String>(),
            ]
        }

        proptest! {
            /// Whatever is typed is parsed or refused with a reason; what
            /// the shape check refuses is refused for that reason, and
            /// nothing panics.
            #[test]
            fn any_query_is_parsed_or_refused_with_a_reason(text in query()) {
                let (schema, fields) = schema::build();
                let index = Index::create_in_ram(schema);
                match (parse(&index, &fields, &text), check_shape(&text)) {
                    (Ok(_), shape) => prop_assert_eq!(shape, Ok(())),
                    (Err(refused), Err(shape)) => prop_assert_eq!(refused, shape),
                    (Err(refused), Ok(())) => {
                        prop_assert!(matches!(refused, QueryError::Syntax(_)), "{refused:?}")
                    }
                }
            }
        }
    }
}
