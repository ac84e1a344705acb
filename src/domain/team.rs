//! Teams and their members. A team can have several leads and a user can
//! belong to several teams (staff working across surgeries). Every change to
//! who is in a team or leads it is kept in the team's trail ([`TeamEvent`]).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub members: Vec<TeamMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub is_lead: bool,
}

/// Where one person stands in one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Outside,
    Member,
    Lead,
}

impl Standing {
    /// The standing of someone who is (`Some(is_lead)`) or is not (`None`)
    /// in the team.
    pub fn of(membership: Option<bool>) -> Self {
        match membership {
            None => Self::Outside,
            Some(false) => Self::Member,
            Some(true) => Self::Lead,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outside => "none",
            Self::Member => "member",
            Self::Lead => "lead",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Self::Outside),
            "member" => Some(Self::Member),
            "lead" => Some(Self::Lead),
            _ => None,
        }
    }
}

/// A change to one person's standing in a team: the entry the team's trail
/// keeps, so that nobody becomes able to read a team's records (as its lead)
/// without the team being able to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamChange {
    pub before: Standing,
    pub after: Standing,
}

impl TeamChange {
    /// The change from `before` to `after`, or `None` when nothing changes
    /// (setting a membership to what it already is records nothing).
    pub fn between(before: Standing, after: Standing) -> Option<Self> {
        (before != after).then_some(Self { before, after })
    }
}

/// One entry of a team's trail: who changed whose standing, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamEvent {
    pub id: String,
    pub team_id: String,
    pub team_name: String,
    pub at: time::OffsetDateTime,
    /// The admin who made the change; `None` for the command line and the
    /// demo seed.
    pub actor: Option<TeamEventPerson>,
    pub subject: TeamEventPerson,
    pub change: TeamChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamEventPerson {
    pub user_id: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standings_round_trip_and_follow_the_membership() {
        for s in [Standing::Outside, Standing::Member, Standing::Lead] {
            assert_eq!(Standing::parse(s.as_str()), Some(s));
        }
        assert_eq!(Standing::parse("owner"), None);
        assert_eq!(Standing::of(None), Standing::Outside);
        assert_eq!(Standing::of(Some(false)), Standing::Member);
        assert_eq!(Standing::of(Some(true)), Standing::Lead);
    }

    #[test]
    fn only_a_real_change_is_recorded() {
        assert_eq!(TeamChange::between(Standing::Lead, Standing::Lead), None);
        assert_eq!(
            TeamChange::between(Standing::Member, Standing::Lead),
            Some(TeamChange {
                before: Standing::Member,
                after: Standing::Lead
            })
        );
    }
}
