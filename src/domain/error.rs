//! Validation errors of the domain rules. They name a field and say what is
//! wrong with it in plain words; how they reach a person (a problem+json
//! `errors` list, a message beside a form field) is the presentation's job,
//! so nothing here knows about HTTP or the database.

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (or query parameter) at fault, as the client named it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
