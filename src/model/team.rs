//! Members and invitations as the browser sees them.
use crate::model::roles::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Roles an invitation (or a role change) may give; OWNER only moves by transfer.
pub const ASSIGNABLE_ROLES: [Role; 4] = [Role::Admin, Role::Editor, Role::Viewer, Role::Client];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// The team page: every member, and who is looking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub members: Vec<MemberView>,
    pub me: Uuid,
    pub my_role: Role,
}

impl TeamView {
    /// Whether the viewer may change or remove `member` (the server decides;
    /// this only hides controls it would refuse).
    pub fn can_manage(&self, member: &MemberView) -> bool {
        member.user_id != self.me && member.role != Role::Owner
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
}

/// The answer to creating or resending an invitation. The link is present only
/// when no SMTP server is configured: it is shown once, since only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteSentView {
    pub email: String,
    pub link: Option<String>,
    pub emailed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteState {
    Open,
    Expired,
    Revoked,
    Accepted,
    Unknown,
}

/// What `/invite/{token}` shows. Workspace fields are empty for an unknown token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePageView {
    pub state: InviteState,
    pub workspace_name: String,
    pub workspace_logo: Option<String>,
    pub workspace_color: Option<String>,
    pub inviter: String,
    pub email: String,
    pub role: Option<Role>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The signed-in viewer's email, if any.
    pub viewer_email: Option<String>,
}

impl InvitePageView {
    pub fn unknown(viewer_email: Option<String>) -> Self {
        InvitePageView {
            state: InviteState::Unknown,
            workspace_name: String::new(),
            workspace_logo: None,
            workspace_color: None,
            inviter: String::new(),
            email: String::new(),
            role: None,
            expires_at: None,
            viewer_email,
        }
    }

    pub fn viewer_matches(&self) -> bool {
        self.viewer_email
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(&self.email))
    }
}
