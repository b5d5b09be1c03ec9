pub mod auth;
pub mod invitations;
pub mod members;
pub mod workspaces;
