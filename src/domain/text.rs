//! Text measures used by the CPD profile's limits (500 words for the
//! practice summary, 1,500 for the statement).

/// Words as an assessor would count them: whitespace-separated runs that
/// contain at least one letter or digit (so Markdown markers and lone
/// dashes do not count).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// True when the text has something other than whitespace in it.
pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Characters (not bytes) in a string, for length limits that people
/// understand.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_not_punctuation() {
        assert_eq!(word_count("I ran a group - twice."), 5);
        assert_eq!(word_count("## Heading\n\n* one\n* two"), 3);
        assert_eq!(word_count("   "), 0);
        assert_eq!(word_count("Occupational therapy’s value"), 3);
    }

    #[test]
    fn char_len_counts_unicode_scalars() {
        assert_eq!(char_len("café"), 4);
        assert!(is_blank(" \n\t"));
    }
}
