//! Serializable view types shared between the server and the browser.
use crate::model::roles::{Permission, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Ids in the views the first page draws are opaque strings: parsing and
    /// printing `Uuid` would put the uuid crate into the main wasm module.
    pub id: String,
    pub email: String,
    pub name: String,
    /// For the avatar, from the server: upper-casing any script would put
    /// Unicode's case tables into the main wasm module.
    pub initials: String,
}

impl UserView {
    pub fn new(id: Uuid, email: String, name: String) -> Self {
        UserView {
            initials: initials(&name),
            id: id.to_string(),
            email,
            name,
        }
    }
}

pub fn initials(name: &str) -> String {
    let mut out: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if out.is_empty() {
        out.push('?');
    }
    out.to_uppercase()
}

/// One entry of the workspace switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    /// A string, as `UserView::id`.
    pub id: String,
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub is_personal: bool,
    pub role: Role,
    /// `initials(name)`, for the avatar when there is no logo.
    pub initials: String,
}

/// What the workspace layout needs to draw the sidebar and header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellView {
    pub user: UserView,
    pub current: WorkspaceSummary,
    /// The switcher's list: the current workspace and the first others (at most 12).
    pub workspaces: Vec<WorkspaceSummary>,
    /// Every workspace the user belongs to (the switcher links to all of them beyond its list).
    pub workspaces_total: i64,
    /// Posts in this workspace waiting for a client's decision (the sidebar badge).
    pub pending_approvals: i64,
}

impl ShellView {
    pub fn can(&self, p: Permission) -> bool {
        self.current.role.can(p)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSettingsView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub default_language: String,
    pub is_personal: bool,
    pub created_at: DateTime<Utc>,
    pub role: Role,
}

#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandView {
    pub website: Option<String>,
    pub description: Option<String>,
    pub tone: Option<String>,
    pub voice_notes: Option<String>,
    pub primary_color: Option<String>,
    pub background_color: Option<String>,
    pub text_color: Option<String>,
    pub font: Option<String>,
    pub content_language: String,
}

/// A post text drafted by the AI endpoint, and the credits it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiDraft {
    pub text: String,
    pub credits: i32,
    /// Stopped before the endpoint had finished.
    pub stopped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub items: Vec<ActivityView>,
    /// Cursor for the page of newer events (`?after=`), if there are any.
    pub newer: Option<i64>,
    /// Cursor for the page of older events (`?before=`), if there are any.
    pub older: Option<i64>,
}

/// Counts for the workspace overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub members: i64,
    pub created_at: DateTime<Utc>,
    pub recent_activity: Vec<ActivityView>,
}

/// Who may create an account on this server (an operator setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SignupMode {
    /// Anyone may sign up.
    #[default]
    Open,
    /// Only through an invitation link.
    InviteOnly,
    /// Nobody: accounts come from `postroom admin create-user`.
    Closed,
}

impl SignupMode {
    /// Why the sign-up form is not offered, for the page and the refusal.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            SignupMode::Open => None,
            SignupMode::InviteOnly => Some(
                "This server is invitation only: ask a workspace owner or admin for an invitation link.",
            ),
            SignupMode::Closed => Some(
                "New accounts are created by the operator of this server. Ask them for an account.",
            ),
        }
    }
}
