//! Accounts: roles, the rules for the values people type in (email,
//! name, HCPC registration number, password), and when a correct password
//! still does not open a session (a deactivated account, an expired
//! one-time password).

use std::fmt;
use std::str::FromStr;

use crate::domain::error::FieldError;

use super::text::{char_len, is_blank};

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 120;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PRACTICE_SUMMARY_MAX_CHARS: usize = 10_000;
/// How long a one-time password set by an admin signs in.
pub const ONE_TIME_PASSWORD_HOURS: i64 = 72;

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

/// Whom an email goes to: the account, its name and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: String,
    pub name: String,
    pub email: String,
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
    /// False once an admin deactivates the account: it keeps its records
    /// but cannot sign in and gets no alerts.
    pub active: bool,
    /// Set when an admin chose the password (a new account or a reset):
    /// the person must set their own before doing anything else.
    pub must_change_password: bool,
}

/// One of a person's sessions as they see it: named by its own id, never
/// by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: String,
    pub created_at: time::OffsetDateTime,
    pub last_seen_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
    /// The session the request came with.
    pub current: bool,
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
    password_problem(password, email).map(|m| FieldError::new("password", m))
}

/// The password rules for a new password chosen by its owner, who must also
/// pick something other than the password they are replacing.
pub fn check_new_password(new: &str, current: &str, email: &str) -> Option<FieldError> {
    let problem = if new == current {
        Some("must differ from the current password")
    } else {
        password_problem(new, email)
    };
    problem.map(|m| FieldError::new("new_password", m))
}

fn password_problem(password: &str, email: &str) -> Option<&'static str> {
    let len = char_len(password);
    if len < PASSWORD_MIN_CHARS {
        Some("must be at least 12 characters")
    } else if len > PASSWORD_MAX_CHARS {
        Some("must be at most 128 characters")
    } else if password.trim().to_lowercase() == email
        || password.chars().all(|c| password.starts_with(c))
    {
        Some("is too easy to guess")
    } else {
        None
    }
}

/// Why the right password still opens no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// An admin deactivated the account.
    Deactivated,
    /// The password was a one-time password, and its time is up.
    OneTimePasswordExpired,
}

impl SignInRefusal {
    /// What the person is told (only after giving the right password).
    pub fn message(self) -> &'static str {
        match self {
            Self::Deactivated => {
                "this account has been deactivated; ask your cpdfolio administrator"
            }
            Self::OneTimePasswordExpired => {
                "this one-time password has expired; ask your cpdfolio administrator for a new one"
            }
        }
    }
}

/// Whether an account whose password was just verified may sign in at
/// `now`; `password_expires_at` is set only for a one-time password.
pub fn sign_in_refusal(
    active: bool,
    password_expires_at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> Option<SignInRefusal> {
    if !active {
        Some(SignInRefusal::Deactivated)
    } else if password_expires_at.is_some_and(|at| now >= at) {
        Some(SignInRefusal::OneTimePasswordExpired)
    } else {
        None
    }
}

/// When a one-time password issued at `now` stops signing in.
pub fn one_time_password_expiry(now: time::OffsetDateTime) -> time::OffsetDateTime {
    now + time::Duration::hours(ONE_TIME_PASSWORD_HOURS)
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
    fn a_new_password_follows_the_rules_and_differs_from_the_current_one() {
        let current = "correct horse battery";
        assert_eq!(
            check_new_password(current, current, "a@b.c"),
            Some(FieldError::new(
                "new_password",
                "must differ from the current password"
            ))
        );
        assert_eq!(
            check_new_password("short", current, "a@b.c"),
            Some(FieldError::new(
                "new_password",
                "must be at least 12 characters"
            ))
        );
        assert_eq!(
            check_new_password("ann@example.nhs.uk", current, "ann@example.nhs.uk"),
            Some(FieldError::new("new_password", "is too easy to guess"))
        );
        assert_eq!(
            check_new_password("staple battery horse", current, "a@b.c"),
            None
        );
    }

    #[test]
    fn a_deactivated_account_or_an_expired_one_time_password_does_not_sign_in() {
        use time::macros::datetime;
        let now = datetime!(2026-11-25 09:00 UTC);
        let expiry = one_time_password_expiry(now);
        assert_eq!(expiry, datetime!(2026-11-28 09:00 UTC));
        assert_eq!(sign_in_refusal(true, None, now), None);
        assert_eq!(sign_in_refusal(true, Some(expiry), now), None);
        assert_eq!(
            sign_in_refusal(true, Some(expiry), expiry - time::Duration::SECOND),
            None
        );
        assert_eq!(
            sign_in_refusal(true, Some(expiry), expiry),
            Some(SignInRefusal::OneTimePasswordExpired)
        );
        assert_eq!(
            sign_in_refusal(false, Some(expiry), now),
            Some(SignInRefusal::Deactivated)
        );
        assert_eq!(
            sign_in_refusal(false, None, now),
            Some(SignInRefusal::Deactivated)
        );
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
