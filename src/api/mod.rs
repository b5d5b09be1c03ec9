pub mod auth;
pub mod workspaces;
