//! Roles and the one table that maps a role to what it may do (SPEC §1).
//! The server enforces it in `authorize()`; the UI reads it only to hide
//! controls the server would refuse anyway.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Viewer,
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See calendar, posts, accounts, labels.
    ViewContent,
    EditPosts,
    ApprovePosts,
    ManageLabels,
    ManageAccounts,
    EditSettings,
    ManageMembers,
    ManageApiKeys,
    /// See usage meters and the activity log.
    ViewUsage,
    /// Delete the workspace, transfer ownership.
    OwnWorkspace,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Editor,
        Role::Viewer,
        Role::Client,
    ];

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewContent => true,
            EditPosts | ManageLabels => matches!(self, Owner | Admin | Editor),
            ApprovePosts => matches!(self, Owner | Admin | Client),
            ManageAccounts | EditSettings | ManageMembers | ManageApiKeys => {
                matches!(self, Owner | Admin)
            }
            ViewUsage => !matches!(self, Client),
            OwnWorkspace => matches!(self, Owner),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
            Role::Editor => "EDITOR",
            Role::Viewer => "VIEWER",
            Role::Client => "CLIENT",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Editor => "Editor",
            Role::Viewer => "Viewer",
            Role::Client => "Client",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_matches_spec() {
        use Permission::*;
        let row = |p: Permission| Role::ALL.map(|r| r.can(p));
        assert_eq!(row(ViewContent), [true, true, true, true, true]);
        assert_eq!(row(EditPosts), [true, true, true, false, false]);
        assert_eq!(row(ApprovePosts), [true, true, false, false, true]);
        assert_eq!(row(ManageLabels), [true, true, true, false, false]);
        assert_eq!(row(ManageAccounts), [true, true, false, false, false]);
        assert_eq!(row(EditSettings), [true, true, false, false, false]);
        assert_eq!(row(ManageMembers), [true, true, false, false, false]);
        assert_eq!(row(ManageApiKeys), [true, true, false, false, false]);
        assert_eq!(row(ViewUsage), [true, true, true, true, false]);
        assert_eq!(row(OwnWorkspace), [true, false, false, false, false]);
    }

    #[test]
    fn parse_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), Some(Role::Admin));
        assert_eq!(Role::parse("boss"), None);
    }
}
