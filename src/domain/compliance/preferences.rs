//! Which compliance emails a person has chosen to receive. The optional
//! ones can be switched off: the "due soon" reminders (and the HCPC renewal
//! window notice that goes with them) and, for leads, the weekly team
//! digest. The lapse notice and the reminders while something is overdue
//! are how a lapse reaches the person at all, so they cannot be.

use crate::domain::error::FieldError;

/// A person's choices; everything is on until they switch it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPreferences {
    /// "Due soon" reminders before an item's due date, and the renewal
    /// window notice.
    pub due_soon: bool,
    /// The weekly digest of each team the person leads.
    pub digest: bool,
}

impl Default for AlertPreferences {
    fn default() -> Self {
        Self {
            due_soon: true,
            digest: true,
        }
    }
}

/// A change of preferences: absent fields stay as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertPreferencesUpdate {
    pub due_soon: Option<bool>,
    pub digest: Option<bool>,
    /// Only `true` is accepted: lapse notices are mandatory.
    pub lapse_notices: Option<bool>,
}

impl AlertPreferences {
    /// `self` with the update applied, or why it cannot be.
    pub fn updated(self, update: AlertPreferencesUpdate) -> Result<Self, Vec<FieldError>> {
        if update.lapse_notices == Some(false) {
            return Err(vec![FieldError::new(
                "lapse_notices",
                "cannot be switched off: the notice when an item lapses and the reminders \
                 while it is overdue always go",
            )]);
        }
        Ok(Self {
            due_soon: update.due_soon.unwrap_or(self.due_soon),
            digest: update.digest.unwrap_or(self.digest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_keep_their_value() {
        let current = AlertPreferences {
            due_soon: false,
            digest: true,
        };
        assert_eq!(
            current.updated(AlertPreferencesUpdate {
                digest: Some(false),
                ..AlertPreferencesUpdate::default()
            }),
            Ok(AlertPreferences {
                due_soon: false,
                digest: false
            })
        );
        assert_eq!(
            current.updated(AlertPreferencesUpdate::default()),
            Ok(current)
        );
    }

    #[test]
    fn lapse_notices_cannot_be_switched_off() {
        let errors = AlertPreferences::default()
            .updated(AlertPreferencesUpdate {
                due_soon: Some(false),
                lapse_notices: Some(false),
                ..AlertPreferencesUpdate::default()
            })
            .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "lapse_notices");
        assert_eq!(
            AlertPreferences::default().updated(AlertPreferencesUpdate {
                lapse_notices: Some(true),
                ..AlertPreferencesUpdate::default()
            }),
            Ok(AlertPreferences::default())
        );
    }
}
