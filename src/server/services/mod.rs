pub mod activity;
pub mod users;
pub mod workspaces;
