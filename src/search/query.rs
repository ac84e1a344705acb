//! Turning what a person typed into a tantivy query, with a clear 400 for
//! what cannot be understood rather than a server error or a silent guess.

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
    Ok(())
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
}
