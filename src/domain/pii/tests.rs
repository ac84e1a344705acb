use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

/// The ways people write an NHS number.
fn formats(d: &[u8; 10]) -> Vec<String> {
    let s: String = d.iter().map(|n| char::from(b'0' + n)).collect();
    let grouped = |sep: &str| format!("{}{sep}{}{sep}{}", &s[..3], &s[3..6], &s[6..]);
    vec![
        s.clone(),
        grouped(" "),
        grouped("-"),
        grouped("\u{a0}"),
        grouped("\u{2013}"),
    ]
}

/// Sentences a number might sit in, with the number's character position.
fn sentences(number: &str) -> Vec<(String, usize)> {
    vec![
        (number.to_owned(), 1),
        (format!("NHS no {number}."), 8),
        (format!("Ref:{number}\nnext line"), 5),
        (format!("(é {number})"), 4),
    ]
}

fn random_digits(rng: &mut StdRng) -> [u8; 10] {
    let mut d = [0u8; 10];
    for n in &mut d {
        *n = rng.gen_range(0..10);
    }
    d
}

fn random_valid(rng: &mut StdRng) -> [u8; 10] {
    loop {
        let mut d = random_digits(rng);
        let sum: u32 = (0..9).map(|i| u32::from(d[i]) * (10 - i as u32)).sum();
        match 11 - sum % 11 {
            10 => continue,
            11 => d[9] = 0,
            check => d[9] = check as u8,
        }
        return d;
    }
}

#[test]
fn catches_every_valid_number_in_every_common_format() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut checked = 0;
    for _ in 0..10_000 {
        let d = random_valid(&mut rng);
        assert!(nhs_number::passes_check(&d));
        for number in formats(&d) {
            for (text, at) in sentences(&number) {
                let errors = nhs_number_errors(&[TextField::new("body", &text)]);
                assert_eq!(errors.len(), 1, "{text:?}");
                assert!(
                    errors[0]
                        .message
                        .contains(&format!("NHS number at character {at};")),
                    "{text:?}: {}",
                    errors[0].message
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 10_000 * 5 * 4);
}

#[test]
fn never_flags_ten_digit_numbers_that_fail_the_check() {
    let mut rng = StdRng::seed_from_u64(12);
    let mut failing = 0;
    while failing < 10_000 {
        let d = random_digits(&mut rng);
        if nhs_number::passes_check(&d) {
            continue;
        }
        failing += 1;
        for number in formats(&d) {
            for (text, _) in sentences(&number) {
                assert_eq!(
                    nhs_number_errors(&[TextField::new("body", &text)]),
                    vec![],
                    "{text:?}"
                );
            }
        }
    }
}

#[test]
fn errors_name_the_field_and_position_without_the_number() {
    let errors = nhs_number_errors(&[
        TextField::new("title", "Home visit"),
        TextField::new("actions[1].text", "check 943 476 5919 and 999-000-0018"),
    ]);
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["actions[1].text", "actions[1].text"]);
    assert!(errors[0].message.contains("character 7;"));
    assert!(errors[1].message.contains("character 24;"));
    assert!(errors.iter().all(|e| !e.message.contains("5919")));
}

#[test]
fn flags_carry_field_kind_text_and_character_position() {
    let flags = flags(&[TextField::new(
        "learning",
        "Café visit near LS1 4AP with Mrs Patel",
    )]);
    let summary: Vec<(&str, PiiKind, &str, usize)> = flags
        .iter()
        .map(|f| (f.field.as_str(), f.kind, f.text.as_str(), f.position))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("learning", PiiKind::Postcode, "LS1 4AP", 17),
            ("learning", PiiKind::TitledName, "Mrs Patel", 30),
        ]
    );
    assert_eq!(
        flags[0].message(),
        "`learning` may contain a full postcode at character 17: \"LS1 4AP\""
    );
}

#[test]
fn a_flag_keeps_its_id_while_its_text_stays_and_changes_with_it() {
    let id = |field: &str, text: &str| flags(&[TextField::new(field, text)])[0].id.clone();
    assert_eq!(
        id("body", "Mrs Patel"),
        id("body", "Earlier, Mrs Patel said")
    );
    assert_ne!(id("body", "Mrs Patel"), id("body", "Mrs Shah"));
    assert_ne!(id("body", "Mrs Patel"), id("impact", "Mrs Patel"));
    assert_eq!(id("body", "Mrs Patel").len(), 16);
}
