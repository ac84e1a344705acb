//! A submitted form as its name–value pairs, in order. Checkboxes send a
//! name once per ticked box, which a struct cannot hold, and a form that
//! comes back with errors must show exactly what was typed, so the pages
//! read fields from the pairs and convert them themselves.

use poem::Request;
use poem::web::Form;
use time::Date;
use time::macros::format_description;

use super::error::{WebError, WebResult};
use super::session::{self, SignedIn};
use crate::app::{App, AppError};
use crate::domain::error::FieldError;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// The first value of `name`, or "" when the form did not send it.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value sent under `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// Every pair, for carrying a draft through the sign-in form.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The signed-in person who sent this state-changing form, once the
    /// form is shown to be this site's own (see [`FormData::check_csrf`]).
    pub async fn sender(&self, app: &App, req: &Request) -> WebResult<SignedIn> {
        let me = session::require(app, req).await?;
        self.check_csrf(req, &me)?;
        Ok(me)
    }

    /// Refuses the form unless it came from this site and carries the
    /// session's CSRF token.
    pub fn check_csrf(&self, req: &Request, signed_in: &SignedIn) -> WebResult<()> {
        let token_ok = session::tokens_match(&signed_in.csrf, self.get("csrf"));
        if token_ok && session::from_this_site(req) {
            Ok(())
        } else {
            tracing::warn!("form refused: wrong or missing CSRF token or origin");
            Err(WebError::Forged)
        }
    }
}

/// What a field holding a date that cannot be read is told.
pub const NOT_A_DATE: &str = "must be a real date, for example 2026-03-31";

/// A date typed as YYYY-MM-DD (what a date input sends): `Ok(None)` when
/// the field is blank, `Err` when it is not a real date.
pub fn typed_day(text: &str) -> Result<Option<Date>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => Date::parse(t, format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| ()),
    }
}

/// The date in `field` of a form, noting in `errors` a date that cannot
/// be read, or a blank one when it is `required`.
pub fn form_day(
    form: &FormData,
    field: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Date> {
    match typed_day(form.get(field)) {
        Ok(Some(day)) => Some(day),
        Ok(None) => {
            if required {
                errors.push(FieldError::new(field, "must not be empty"));
            }
            None
        }
        Err(()) => {
            errors.push(FieldError::new(field, NOT_A_DATE));
            None
        }
    }
}

/// A period typed as `from` and `to` (either may be blank), or each date
/// that cannot be read.
pub fn typed_period(from: &str, to: &str) -> Result<(Option<Date>, Option<Date>), AppError> {
    let mut errors = Vec::new();
    let mut day = |field: &str, text: &str| {
        typed_day(text).unwrap_or_else(|()| {
            errors.push(FieldError::new(field, NOT_A_DATE));
            None
        })
    };
    let period = (day("from", from), day("to", to));
    if errors.is_empty() {
        Ok(period)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Every problem with a form at once: the fields that could not be read,
/// then what the domain's checks (`checked`, run with stand-ins for the
/// unread fields) found in the others.
pub fn all_problems<T>(
    mut unread: Vec<FieldError>,
    checked: Result<T, Vec<FieldError>>,
) -> Vec<FieldError> {
    if let Err(more) = checked {
        let fields: Vec<String> = unread.iter().map(|e| e.field.clone()).collect();
        unread.extend(more.into_iter().filter(|e| !fields.contains(&e.field)));
    }
    unread
}

impl From<Form<FormData>> for FormData {
    fn from(form: Form<FormData>) -> Self {
        form.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_every_value_in_order() {
        let form: FormData =
            serde_urlencoded::from_str("title=A+%26+B&standards=3&standards=10&csrf=x").unwrap();
        assert_eq!(form.get("title"), "A & B");
        assert_eq!(form.all("standards"), vec!["3", "10"]);
        assert_eq!(form.get("missing"), "");
    }

    #[test]
    fn typed_days_are_real_dates_or_blank() {
        assert_eq!(
            typed_day(" 2026-02-28 "),
            Ok(Some(time::macros::date!(2026 - 02 - 28)))
        );
        assert_eq!(typed_day(""), Ok(None));
        assert_eq!(typed_day("2026-02-30"), Err(()));
        assert_eq!(typed_day("28/02/2026"), Err(()));
    }

    #[test]
    fn unread_fields_come_first_and_are_not_reported_twice() {
        let unread = vec![FieldError::new("hours", "must be a number")];
        let checked: Result<(), _> = Err(vec![
            FieldError::new("hours", "must be more than 0"),
            FieldError::new("title", "must not be empty"),
        ]);
        let fields: Vec<String> = all_problems(unread, checked)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["hours", "title"]);
    }
}
