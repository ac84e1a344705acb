//! NHS numbers: ten digits whose last is a modulus-11 check digit (NHS Data
//! Dictionary), written plain or in 3-3-4 groups. Only numbers that pass
//! the check are found: a ten-digit run that fails it is a phone number, an
//! order number or chance, and flagging those would train people to ignore
//! the guard.

/// Whether ten digits (0–9 each) form a number that passes the check.
pub fn passes_check(digits: &[u8; 10]) -> bool {
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, weight)| u32::from(*d) * weight)
        .sum();
    match 11 - sum % 11 {
        10 => false,
        11 => digits[9] == 0,
        check => u32::from(digits[9]) == check,
    }
}

/// A run of ASCII digits: its byte range in the text.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
}

fn digit_runs(text: &str) -> Vec<Run> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push(Run { start, end: i });
        } else {
            i += 1;
        }
    }
    runs
}

/// Characters that may separate the groups of a 3-3-4 number.
fn is_separator(gap: &str) -> bool {
    matches!(gap, " " | "-" | "\u{a0}" | "\u{2013}" | "\u{2011}")
}

fn digits_of(text: &str, runs: &[Run]) -> Option<[u8; 10]> {
    let mut out = [0u8; 10];
    let mut n = 0;
    for run in runs {
        for b in text[run.start..run.end].bytes() {
            *out.get_mut(n)? = b - b'0';
            n += 1;
        }
    }
    (n == 10).then_some(out)
}

/// Byte offsets where an NHS number that passes the check begins: ten
/// digits standing alone, or groups of three, three and four digits each
/// separated by one space or dash.
pub fn find(text: &str) -> Vec<usize> {
    let runs = digit_runs(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let grouped = runs.get(i..i + 3).filter(|g| {
            let lengths: Vec<usize> = g.iter().map(|r| r.end - r.start).collect();
            lengths == [3, 3, 4]
                && is_separator(&text[g[0].end..g[1].start])
                && is_separator(&text[g[1].end..g[2].start])
        });
        let candidate = match grouped {
            Some(g) => Some((g, 3)),
            None if runs[i].end - runs[i].start == 10 => Some((&runs[i..=i], 1)),
            None => None,
        };
        match candidate.and_then(|(g, used)| Some((digits_of(text, g)?, used))) {
            Some((digits, used)) if passes_check(&digits) => {
                found.push(runs[i].start);
                i += used;
            }
            _ => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> [u8; 10] {
        let v: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        v.try_into().unwrap()
    }

    #[test]
    fn the_data_dictionary_example_passes_and_its_neighbours_fail() {
        assert!(passes_check(&digits("9434765919")));
        assert!(!passes_check(&digits("9434765918")));
        assert!(passes_check(&digits("9990000018")));
        assert!(!passes_check(&digits("9876544321")));
    }

    #[test]
    fn a_check_digit_of_ten_is_never_issued() {
        // 2 × weight 6 = 12, remainder 1, check digit 11 − 1 = 10.
        for last in 0..=9 {
            let mut d = digits("0000200000");
            d[9] = last;
            assert!(!passes_check(&d), "{d:?}");
        }
        // A remainder of 0 gives a check digit of 0.
        assert!(passes_check(&digits("0000000000")));
        assert!(!passes_check(&digits("0000000001")));
    }

    #[test]
    fn finds_plain_spaced_and_dashed_numbers_at_their_start() {
        assert_eq!(find("NHS 9434765919."), vec![4]);
        assert_eq!(find("no. 943 476 5919"), vec![4]);
        assert_eq!(find("943-476-5919 and 999 000 0018"), vec![0, 17]);
        assert_eq!(find("(943\u{a0}476\u{a0}5919)"), vec![1]);
    }

    #[test]
    fn ignores_numbers_that_fail_the_check_or_have_the_wrong_shape() {
        assert!(find("call 987 654 4321").is_empty());
        assert!(find("94347659190").is_empty());
        assert!(find("9434 765 919").is_empty());
        assert!(find("943  476 5919").is_empty());
        assert!(find("943 476 59190").is_empty());
    }
}
