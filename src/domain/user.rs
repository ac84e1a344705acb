//! Accounts: roles and the rules for the values people type in (email,
//! name, HCPC registration number, password).

use std::fmt;
use std::str::FromStr;

use crate::domain::error::FieldError;

use super::text::{char_len, is_blank};

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 120;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PRACTICE_SUMMARY_MAX_CHARS: usize = 10_000;

/// What an account may do. A lead is a practitioner who also leads a team;
/// an admin manages accounts and does not keep a portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Practitioner,
    Lead,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practitioner => "practitioner",
            Self::Lead => "lead",
            Self::Admin => "admin",
        }
    }

    /// Whether this role keeps a CPD portfolio (and so receives CPD alerts).
    pub fn keeps_portfolio(self) -> bool {
        !matches!(self, Self::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "practitioner" => Ok(Self::Practitioner),
            "lead" => Ok(Self::Lead),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}; expected practitioner, lead or admin"
            )),
        }
    }
}

/// A stored account (never carries the password hash out of storage).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub hcpc_number: Option<String>,
    pub practice_summary: String,
    pub created_at: time::OffsetDateTime,
    pub teams: Vec<TeamMembership>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMembership {
    pub team: String,
    pub is_lead: bool,
}

/// A new account as entered by an admin or on the command line.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub hcpc_number: Option<String>,
    pub password: String,
}

impl NewUser {
    /// Normalises (trims, lower-cases the email) and validates every field.
    pub fn validated(mut self) -> Result<Self, Vec<FieldError>> {
        self.email = normalise_email(&self.email);
        self.name = self.name.trim().to_owned();
        self.team = self
            .team
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        self.hcpc_number = self
            .hcpc_number
            .map(|n| n.trim().to_uppercase())
            .filter(|n| !n.is_empty());
        let mut errors = Vec::new();
        errors.extend(check_email(&self.email));
        errors.extend(check_name(&self.name));
        errors.extend(check_password(&self.password, &self.email));
        if let Some(number) = &self.hcpc_number {
            errors.extend(check_hcpc_number(number));
        }
        if let Some(team) = &self.team {
            errors.extend(check_team_name(team));
        }
        if self.role == Role::Lead && self.team.is_none() {
            errors.push(FieldError::new("team", "a lead must lead a team"));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A deliberately plain check: one `@`, something either side, a dot in the
/// domain, no spaces or control characters. Delivery proves the rest.
pub fn check_email(email: &str) -> Option<FieldError> {
    let bad = |m: &str| Some(FieldError::new("email", m));
    if email.is_empty() {
        return bad("must not be empty");
    }
    if char_len(email) > EMAIL_MAX_CHARS {
        return bad("must be at most 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces or control characters");
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            None
        }
        _ => bad("is not an email address"),
    }
}

pub fn check_name(name: &str) -> Option<FieldError> {
    if is_blank(name) {
        Some(FieldError::new("name", "must not be empty"))
    } else if char_len(name) > NAME_MAX_CHARS {
        Some(FieldError::new("name", "must be at most 120 characters"))
    } else if name.chars().any(char::is_control) {
        Some(FieldError::new(
            "name",
            "must not contain control characters",
        ))
    } else {
        None
    }
}

pub fn check_team_name(team: &str) -> Option<FieldError> {
    if char_len(team) > NAME_MAX_CHARS || team.chars().any(char::is_control) {
        Some(FieldError::new(
            "team",
            "must be at most 120 characters without control characters",
        ))
    } else {
        None
    }
}

/// HCPC numbers are a two-letter profession prefix and digits (`OT12345`).
pub fn check_hcpc_number(number: &str) -> Option<FieldError> {
    let prefix = number
        .chars()
        .take(2)
        .filter(char::is_ascii_uppercase)
        .count();
    let digits: Vec<char> = number.chars().skip(2).collect();
    let ok =
        prefix == 2 && (4..=6).contains(&digits.len()) && digits.iter().all(char::is_ascii_digit);
    (!ok).then(|| {
        FieldError::new(
            "hcpc_number",
            "must be a two-letter profession prefix and 4 to 6 digits, e.g. OT12345",
        )
    })
}

/// ASVS: at least 12 characters, at most 128, no composition rules, and not
/// the email address itself.
pub fn check_password(password: &str, email: &str) -> Option<FieldError> {
    let len = char_len(password);
    let bad = |m: &str| Some(FieldError::new("password", m));
    if len < PASSWORD_MIN_CHARS {
        bad("must be at least 12 characters")
    } else if len > PASSWORD_MAX_CHARS {
        bad("must be at most 128 characters")
    } else if password.trim().to_lowercase() == email
        || password.chars().all(|c| password.starts_with(c))
    {
        bad("is too easy to guess")
    } else {
        None
    }
}

pub fn check_practice_summary(summary: &str) -> Option<FieldError> {
    (char_len(summary) > PRACTICE_SUMMARY_MAX_CHARS)
        .then(|| FieldError::new("practice_summary", "must be at most 10000 characters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> NewUser {
        NewUser {
            email: "  Ada.Lovelace@Example.NHS.uk ".into(),
            name: " Ada Lovelace ".into(),
            role: Role::Practitioner,
            team: None,
            hcpc_number: Some("ot12345".into()),
            password: "correct horse battery".into(),
        }
    }

    #[test]
    fn normalises_valid_input() {
        let u = user().validated().unwrap();
        assert_eq!(u.email, "ada.lovelace@example.nhs.uk");
        assert_eq!(u.name, "Ada Lovelace");
        assert_eq!(u.hcpc_number.as_deref(), Some("OT12345"));
    }

    #[test]
    fn reports_every_bad_field() {
        let u = NewUser {
            email: "not-an-email".into(),
            name: "".into(),
            password: "short".into(),
            hcpc_number: Some("12345".into()),
            role: Role::Lead,
            ..user()
        };
        let fields: Vec<String> = u
            .validated()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["email", "name", "password", "hcpc_number", "team"]);
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(check_password("ééééééééééé", "a@b.c").is_some());
        assert!(check_password("ééééééééééab", "a@b.c").is_none());
        assert!(check_password(&"x".repeat(129), "a@b.c").is_some());
        assert!(check_password("aaaaaaaaaaaaaaa", "a@b.c").is_some());
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Practitioner, Role::Lead, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn hcpc_numbers() {
        assert!(check_hcpc_number("OT12345").is_none());
        assert!(check_hcpc_number("OT1").is_some());
        assert!(check_hcpc_number("O12345").is_some());
        assert!(check_hcpc_number("ÖT12345").is_some());
        assert!(check_hcpc_number("€12345").is_some());
    }
}
