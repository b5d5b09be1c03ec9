pub mod agency;
pub mod auth;
pub mod content;
pub mod invitations;
pub mod members;
pub mod workspaces;
