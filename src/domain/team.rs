//! Teams and their members. A team can have several leads and a user can
//! belong to several teams (staff working across surgeries).

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
